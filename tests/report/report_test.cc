// `kpihub report` and `kpihub report --verify` against a real daemon's store: a report just
// made is genuine; a changed byte makes it tampered; a figure revised after it makes it no
// longer match; the page never carries an enterprise's credit code or a withheld figure.
#include <sys/stat.h>

#include <regex>

#include "report_fixture.h"
#include "kpihub/testing/child_process.h"

namespace kpihub::testing {
namespace {

constexpr char kSignatureOpen[] = "<span id=\"kpihub-signature\">";

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// The rest of the line of `text` that starts with `prefix` (first occurrence); empty if none.
std::string LineAt(const std::string& text, const std::string& prefix) {
  const size_t at = text.find(prefix);
  return at == std::string::npos ? "" : text.substr(at, text.find('\n', at) - at);
}

TEST_F(ReportFixture, KeygenWritesASecretKeyOnlyItsOwnerReads) {
  struct stat st{};
  ASSERT_EQ(::stat((daemon_.dir() + "/report.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((daemon_.dir() + "/report.pub").c_str(), &st), 0);
  EXPECT_EQ(ReadWholeFile(daemon_.dir() + "/report.pub").find("secret_key"), std::string::npos);
  CliRun again = RunKpihub("keygen --report-key -o " + daemon_.dir());
  EXPECT_EQ(again.code, 1) << "an existing report key must never be overwritten: " << again.output;
}

TEST_F(ReportFixture, AFreshReportIsGenuineAndShowsTheFigures) {
  CliRun made = Produce();
  ASSERT_EQ(made.code, 0) << made.output;
  const std::string html = ReadWholeFile(ReportPath());
  EXPECT_NE(html.find("国家级研发机构"), std::string::npos);
  EXPECT_NE(html.find("National R&amp;D institutions"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">14</td>"), std::string::npos) << "zone value 14";
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("创业补助（一次性）不超过10万元"), std::string::npos);
  EXPECT_NE(html.find("kpi rd_institutions_national zone 2020 value=14 target=20"),
            std::string::npos);
  EXPECT_NE(html.find("rule startup_subsidy_cap 2019 violations=1"), std::string::npos);
  // Milestones: achieved with the approval document's reference; the others pending or overdue.
  EXPECT_NE(html.find("milestone national_incubator startup_center achieved_in=2019-06"),
            std::string::npos);
  EXPECT_NE(html.find("国科发区〔2019〕12号"), std::string::npos);
  EXPECT_NE(html.find("已实现"), std::string::npos);
  EXPECT_NE(html.find("逾期未实现"), std::string::npos) << "provincial_incubator, due 2019";
  EXPECT_NE(html.find("力争"), std::string::npos);
  // Parks without a target of their own are not judged: their share of the zone instead.
  EXPECT_NE(html.find("kpi industrial_output auto_parts 2020 value=5000000000 target=- "
                      "expected=- status=not_judged"), std::string::npos);
  EXPECT_NE(html.find("占全区"), std::string::npos);
  // Self-contained: nothing is fetched when it is opened or printed.
  for (const char* remote : {"http://", "https://", "<script", "<link", "@import", "src="}) {
    std::string outside = std::regex_replace(html, std::regex("xmlns=\"http://www.w3.org/2000/svg\""), "");
    EXPECT_EQ(outside.find(remote), std::string::npos) << remote;
  }
  CliRun verify = Verify();
  EXPECT_EQ(verify.code, 0) << verify.output;
  EXPECT_NE(verify.output.find("GENUINE"), std::string::npos) << verify.output;
}

TEST_F(ReportFixture, NoCreditCodeAndNoWithheldFigureReachesThePage) {
  CliRun made = Produce();
  ASSERT_EQ(made.code, 0) << made.output;
  std::string html = ReadWholeFile(ReportPath());
  for (const std::string& code : CreditCodes()) {
    EXPECT_EQ(html.find(code), std::string::npos) << code;
  }
  // Any credit-code-shaped token (GB 32100), outside the base64 signature.
  const size_t sig = html.find(kSignatureOpen);
  ASSERT_NE(sig, std::string::npos);
  html.erase(sig, html.find("</span>", sig) - sig);
  EXPECT_FALSE(std::regex_search(
      html, std::regex("[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")));
  // The single-enterprise park is withheld: shown as such, its value nowhere.
  EXPECT_NE(html.find("kpi industrial_output smart_mfg 2020 value=withheld"), std::string::npos);
  // (The zone total holds it, pooled with a complementary-withheld park: that is the rule.)
  EXPECT_EQ(html.find(">9.88 亿元<"), std::string::npos);
  EXPECT_EQ(html.find("value=987654321.25 "), std::string::npos);
  EXPECT_NE(html.find("不予公开"), std::string::npos);
}

TEST_F(ReportFixture, AChangedByteOfAFigureIsTampering) {
  CliRun made = Produce();
  ASSERT_EQ(made.code, 0) << made.output;
  std::string html = ReadWholeFile(ReportPath());
  const std::string shown = "<td class=\"num\">14</td>";
  const size_t at = html.find(shown);
  ASSERT_NE(at, std::string::npos);
  html[at + shown.size() - 6] = '5';  // 14 -> 15
  WriteFile(ReportPath(), html);
  CliRun verify = Verify();
  EXPECT_EQ(verify.code, 2) << verify.output;
  EXPECT_NE(verify.output.find("TAMPERED"), std::string::npos) << verify.output;
  // Changing the embedded figures as well does not help: the signature covers the page.
  const std::string line = "rd_institutions_national zone 2020 value=14";
  const size_t embedded = html.find(line);
  ASSERT_NE(embedded, std::string::npos);
  html[embedded + line.size() - 1] = '5';
  WriteFile(ReportPath(), html);
  EXPECT_EQ(Verify().code, 2);
}

TEST_F(ReportFixture, AFigureRevisedAfterTheReportNoLongerMatches) {
  CliRun made = Produce();
  ASSERT_EQ(made.code, 0) << made.output;
  ASSERT_EQ(Verify().code, 0);
  auto scitech = Connect("scitech-1");
  ASSERT_EQ(Send(*scitech, 6, {{"rd_institutions_national", "core", "", "2020", 15, ""}}),
            wire::AckStatus::kAccepted);
  CliRun verify = Verify();
  EXPECT_EQ(verify.code, 4) << verify.output;
  EXPECT_NE(verify.output.find("revised since"), std::string::npos) << verify.output;
  EXPECT_NE(verify.output.find("report: kpi rd_institutions_national zone 2020 value=14"),
            std::string::npos) << verify.output;
  EXPECT_NE(verify.output.find("store:  kpi rd_institutions_national zone 2020 value=15"),
            std::string::npos) << verify.output;
  // A report of the moment before the revision still reproduces from the history.
  CliRun now = Produce();
  ASSERT_EQ(now.code, 0) << now.output;
  EXPECT_EQ(Verify().code, 0);
}

TEST_F(ReportFixture, EachKpiShowsItsBasisAndAnApprovalAfterTheReportChangesIt) {
  CliRun made = Produce();
  ASSERT_EQ(made.code, 0) << made.output;
  std::string html = ReadWholeFile(ReportPath());
  EXPECT_NE(html.find("<td class=\"provisional\">初步数"), std::string::npos);
  EXPECT_NE(LineAt(html, "kpi rd_institutions_national zone 2020 value=14 ")
                .find(" basis=provisional"), std::string::npos);
  using core::PeriodActionKind;
  auto submitted = Act("scitech-1", 6, {PeriodActionKind::kSubmit, "", "2020", ""});
  ASSERT_TRUE(submitted && submitted->empty());
  auto approved = Act("office-1", 1, {PeriodActionKind::kApprove, "scitech", "2020", ""});
  ASSERT_TRUE(approved && approved->empty());
  // Genuine, and the store's history as of the report still gives its figures (basis
  // included); but the basis is not what it was.
  CliRun verify = Verify();
  EXPECT_EQ(verify.code, 4) << verify.output;
  EXPECT_EQ(verify.output.find("another store"), std::string::npos) << verify.output;
  EXPECT_NE(LineAt(verify.output, "store:  kpi industrial_output zone 2020 value=15987654321.25 ")
                .find(" basis=approved"), std::string::npos) << verify.output;
  ASSERT_EQ(Produce().code, 0);
  html = ReadWholeFile(ReportPath());
  EXPECT_NE(html.find("<td class=\"approved\">正式数"), std::string::npos);
  EXPECT_EQ(Verify().code, 0);
}

TEST_F(ReportFixture, AReportSignedWithAnotherKeyIsTampering) {
  CliRun made = Produce();
  ASSERT_EQ(made.code, 0) << made.output;
  CliRun other = RunKpihub("keygen --report-key other -o " + daemon_.dir());
  ASSERT_EQ(other.code, 0) << other.output;
  CliRun verify = RunKpihub("report --verify " + ReportPath() + " --key " + daemon_.dir() +
                            "/other.pub" + Where());
  EXPECT_EQ(verify.code, 2) << verify.output;
}

}  // namespace
}  // namespace kpihub::testing
