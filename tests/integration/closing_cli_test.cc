// Closing a year as operators and the committee (领导小组办公室) do it, through the real
// kpihubd and kpihub with real CURVE keys: a department submits, only the office's key
// approves, `periods` shows who and when, a plain revision of the approved year is refused, a
// restatement with a reason is accepted and listed without the enterprise's id, `kpis` turns
// 初步数 into 正式数, and a report verified later names the restatement.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

using wire::AckStatus;

std::vector<std::pair<std::string, std::string>> Adapters() {
  return {{"scitech-1", "scitech"}, {"tax-1", "tax"}, {"office-1", "office"}};
}

// The line of `text` starting with `prefix`; empty when none.
std::string LineStarting(const std::string& text, const std::string& prefix) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

class ClosingCliTest : public ::testing::Test {
 protected:
  ClosingCliTest() : daemon_(Adapters()) {}

  void SetUp() override {
    CliResult key = Kpihub("keygen --report-key -o " + daemon_.dir());
    ASSERT_EQ(key.code, 0) << key.output;
    std::ofstream(daemon_.config_path(), std::ios::app) << "report_key_file = \"report.key\"\n";
    ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
  }

  // 2020 figures of scitech: a park-level count and four enterprises' output.
  void Feed() {
    auto scitech = ConnectAs(context_, daemon_, "scitech-1");
    std::vector<core::Observation> obs{{"rd_institutions_national", "core", "", "2020", 5, "", ""}};
    for (uint32_t i = 0; i < 4; ++i) {
      obs.push_back({"industrial_output", "auto_parts", MakeUscc(500 + i), "2020-06", 2.5e8, "", ""});
    }
    auto ack = scitech->SendBatch(1, obs, 0, 10000);
    ASSERT_TRUE(ack.has_value());
    ASSERT_EQ(ack->status, AckStatus::kAccepted);
    ASSERT_TRUE(ack->rejections.empty());
  }

  std::string Where() const { return " --config " + daemon_.config_path(); }
  // `kpihub <verb> --year Y ...` sent with adapter `id`'s key.
  CliResult Action(const std::string& verb, const std::string& id, const std::string& rest) {
    return Kpihub(verb + " " + rest + " --key " + daemon_.dir() + "/" + id + ".key" +
                  " --server-key " + daemon_.dir() + "/server.pub --endpoint " +
                  daemon_.endpoint());
  }
  CliResult PushCsv(const std::string& text) {
    const std::string path = daemon_.dir() + "/push.csv";
    std::ofstream(path) << text;
    return Kpihub("push --key " + daemon_.dir() + "/scitech-1.key --server-key " + daemon_.dir() +
                  "/server.pub --endpoint " + daemon_.endpoint() + " " + path);
  }
  std::string KpisCsv() {
    CliResult kpis = Kpihub("kpis --csv --year 2020" + Where());
    EXPECT_EQ(kpis.code, 0) << kpis.output;
    return kpis.output;
  }
  void CloseScitech2020();
  void ExpectRestatementListed(const std::string& uscc);

  zmq::context_t context_{1};
  DaemonHarness daemon_;
};

// scitech submits 2020, its own key may not approve it, the office approves it (twice: the
// resend changes nothing) and may not reopen it; `periods` and its log show who and when.
void ClosingCliTest::CloseScitech2020() {
  CliResult submit = Action("submit", "scitech-1", "--year 2020 --note 年报已报");
  ASSERT_EQ(submit.code, 0) << submit.output;
  // A department's key may not approve, not even its own year.
  CliResult refused = Action("approve", "scitech-1", "--year 2020 --department scitech");
  EXPECT_EQ(refused.code, 3) << refused.output;
  EXPECT_NE(refused.output.find("not_approver"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("只有领导小组办公室可以审定或退回"), std::string::npos)
      << refused.output;
  CliResult approve = Action("approve", "office-1", "--year 2020 --department scitech");
  ASSERT_EQ(approve.code, 0) << approve.output;
  // Resent: changes nothing, still accepted. An approved year is never reopened.
  EXPECT_EQ(Action("approve", "office-1", "--year 2020 --department scitech").code, 0);
  CliResult reopen = Action("reopen", "office-1", "--year 2020 --department scitech");
  EXPECT_EQ(reopen.code, 3) << reopen.output;
  EXPECT_NE(reopen.output.find("period_state_conflict"), std::string::npos) << reopen.output;

  const std::string periods = Kpihub("periods --csv --year 2020" + Where()).output;
  const std::string scitech = LineStarting(periods, "scitech,2020,");
  EXPECT_EQ(scitech.rfind("scitech,2020,approved,scitech-1,2", 0), 0u) << periods;
  EXPECT_NE(scitech.find(",office-1,2"), std::string::npos) << scitech;
  EXPECT_NE(scitech.find(",2021-04-30,no"), std::string::npos) << scitech;
  // tax never submitted 2020 and its deadline (30 June 2021) has passed.
  EXPECT_NE(LineStarting(periods, "tax,2020,open,").find(",2021-06-30,yes"), std::string::npos)
      << periods;
  EXPECT_EQ(LineStarting(periods, "office,"), "") << "the office has no years of its own";
  CliResult log = Kpihub("periods --log --department scitech" + Where());
  EXPECT_NE(log.output.find("submit   scitech      2020 open 填报中 -> submitted"),
            std::string::npos) << log.output;
  EXPECT_NE(log.output.find("年报已报"), std::string::npos) << log.output;
  EXPECT_NE(log.output.find("2 changes"), std::string::npos) << log.output;

}

// `restatements` lists the one restatement without the enterprise's id, `--entities` with it.
void ClosingCliTest::ExpectRestatementListed(const std::string& uscc) {
  CliResult listed = Kpihub("restatements" + Where());
  EXPECT_EQ(listed.code, 0) << listed.output;
  EXPECT_NE(listed.output.find("industrial_output 工业总产值 auto_parts 2020-06 an enterprise"),
            std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("found a double count; changes KPIs industrial_output, "
                               "hitech_sei_output_share"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("1 restatements"), std::string::npos) << listed.output;
  EXPECT_EQ(listed.output.find(uscc), std::string::npos) << listed.output;
  CliResult entities = Kpihub("restatements --entities --csv" + Where());
  EXPECT_NE(entities.output.find(uscc + ",250000000,300000000,"), std::string::npos)
      << entities.output;

}

TEST_F(ClosingCliTest, SubmitApproveRestateAndAReportVerifiedLaterNamesTheRestatement) {
  Feed();
  // Before closing: open, and scitech's KPIs of 2020 are provisional.
  EXPECT_NE(LineStarting(Kpihub("periods --csv --year 2020" + Where()).output, "scitech,2020,"),
            "");
  EXPECT_EQ(LineStarting(Kpihub("periods --csv --year 2020" + Where()).output, "scitech,2020,")
                .substr(0, 18),
            "scitech,2020,open,");
  const std::string before = LineStarting(KpisCsv(), "rd_institutions_national,");
  EXPECT_NE(before.find(",provisional"), std::string::npos) << before;

  CloseScitech2020();

  // Every department feeding these KPIs approved 2020: 正式数.
  const std::string kpis = KpisCsv();
  EXPECT_NE(LineStarting(kpis, "rd_institutions_national,").find(",approved"), std::string::npos)
      << kpis;
  EXPECT_NE(LineStarting(kpis, "industrial_output,").find(",approved"), std::string::npos) << kpis;
  EXPECT_NE(Kpihub("kpis --year 2020" + Where()).output.find("正式数"), std::string::npos);

  const std::string report = daemon_.dir() + "/report.html";
  CliResult made = Kpihub("report --year 2020 --out " + report + Where());
  ASSERT_EQ(made.code, 0) << made.output;
  ASSERT_EQ(Kpihub("report --verify " + report + Where()).code, 0);

  // A plain revision of the approved year is refused; a restatement with a reason is not.
  CliResult plain = PushCsv("indicator,park,entity,period,value\n"
                            "rd_institutions_national,core,,2020,6\n");
  EXPECT_EQ(plain.code, 0) << plain.output;
  EXPECT_NE(plain.output.find("rejected period_closed"), std::string::npos) << plain.output;
  const std::string uscc = MakeUscc(501);
  CliResult restated = PushCsv("indicator,park,entity,period,value,note,restatement\n"
                               "industrial_output,auto_parts," + uscc +
                               ",2020-06,300000000,,audit of " + uscc + " found a double count\n");
  EXPECT_EQ(restated.code, 0) << restated.output;
  EXPECT_NE(restated.output.find("0 rejected by the daemon"), std::string::npos)
      << restated.output;

  ExpectRestatementListed(uscc);

  CliResult verify = Kpihub("report --verify " + report + Where());
  EXPECT_EQ(verify.code, 4) << verify.output;
  EXPECT_NE(verify.output.find("1 restatement of approved figures accepted since the report"),
            std::string::npos) << verify.output;
  EXPECT_NE(verify.output.find("restated: "), std::string::npos) << verify.output;
  EXPECT_EQ(verify.output.find(uscc), std::string::npos) << verify.output;
}

TEST_F(ClosingCliTest, AnActionWithoutAnAnswerExits2AndSaysRunningItAgainIsSafe) {
  ASSERT_EQ(daemon_.Stop(), 0);
  CliResult submit = Action("submit", "scitech-1", "--year 2020 --timeout-ms 200");
  EXPECT_EQ(submit.code, 2) << submit.output;
  EXPECT_NE(submit.output.find("running the same command again is safe"), std::string::npos)
      << submit.output;
}

TEST_F(ClosingCliTest, UnknownDepartmentsAndTheOfficeYearsAreNamedErrors) {
  CliResult periods = Kpihub("periods --department scitec" + Where());
  EXPECT_EQ(periods.code, 1) << periods.output;
  EXPECT_NE(periods.output.find("did you mean scitech"), std::string::npos) << periods.output;
  CliResult restatements = Kpihub("restatements --department nosuch" + Where());
  EXPECT_EQ(restatements.code, 1) << restatements.output;
  CliResult submit = Action("submit", "scitech-1", "--year 2020 --department nosuch");
  EXPECT_EQ(submit.code, 3) << submit.output;
  EXPECT_NE(submit.output.find("unknown_department"), std::string::npos) << submit.output;
}

}  // namespace
}  // namespace kpihub::testing
