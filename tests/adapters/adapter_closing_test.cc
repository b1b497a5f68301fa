// Closing a year end to end: the real kpihubd and kpihub-adapter with real keys. The finance
// adapter delivers 2020 and submits it (--submit); the office approves it with its own key
// (a CURVE DEALER sending the approve action, as the operator's command does); afterwards an
// unchanged resend is harmless, a changed figure is refused with the clerk's Chinese reason,
// and a restatement (the flag or the profile's column) is accepted and recorded.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "kpihub/feed/text_encoding.h"
#include "kpihub/store/store.h"
#include "kpihub/testing/adapter_process.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/raw_dealer.h"
#include "kpihub/testing/source_file.h"

namespace kpihub::testing {
namespace {
namespace fs = std::filesystem;

std::vector<std::pair<std::string, std::string>> AdaptersWithOffice() {
  auto adapters = SampleAdapters();
  adapters.emplace_back("office-1", "office");  // the approving department (领导小组办公室)
  return adapters;
}

// What the store holds about closing, read as the CLI reads it (read-only, beside the daemon).
struct Closing {
  std::map<int, core::PeriodState> finance;  // year -> state
  std::vector<store::PeriodLogEntry> log;
  std::vector<store::Restatement> restatements;
};

Closing ReadClosing(const std::string& state_dir) {
  Closing c;
  store::StoreOptions options;
  options.path = state_dir;
  options.read_only = true;
  std::unique_ptr<store::Store> st;
  Status s = store::Store::Open(options, &st);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return c;
  std::unique_ptr<store::Snapshot> snap;
  EXPECT_TRUE(st->OpenSnapshot(&snap).ok());
  EXPECT_TRUE(snap->ForEachPeriod([&](const store::PeriodRecord& p) {
    if (p.department == "finance") c.finance[p.year] = p.state;
  }).ok());
  EXPECT_TRUE(snap->ForEachPeriodLog([&](const store::PeriodLogEntry& e) { c.log.push_back(e); }).ok());
  EXPECT_TRUE(snap->ForEachRestatement([&](const store::Restatement& r) { c.restatements.push_back(r); }).ok());
  return c;
}

// The report's lines as fields (file,row,column,value,reason_code,说明,message); the header
// is skipped. No field of these tests contains a quote or a comma.
std::vector<std::vector<std::string>> ReportLines(const std::string& path) {
  std::vector<std::vector<std::string>> out;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> f;
    std::string cur;
    for (char c : line) {
      if (c == ',') { f.push_back(cur); cur.clear(); } else { cur += c; }
    }
    f.push_back(cur);
    out.push_back(f);
  }
  return out;
}

class AdapterClosingTest : public ::testing::Test {
 protected:
  AdapterClosingTest() : daemon_(AdaptersWithOffice()) {}

  void SetUp() override {
    ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
    inbox_ = daemon_.dir() + "/inbox";
    fs::create_directories(inbox_);
  }

  // A finance GDP sheet as the budget system exports it (GB18030, CRLF).
  std::string WriteGdp(const std::string& name, const std::string& auto_parts,
                       const std::string& extra_header = "", const std::string& extra_cell = "") {
    std::string text = "园区,季度,地区生产总值（亿元）" + extra_header + "\r\n" +
                       "汽车零部件产业园,2020年第1季度," + auto_parts + extra_cell + "\r\n" +
                       "焦作高新区核心区,2020年第1季度,20.5" + (extra_header.empty() ? "" : ",") + "\r\n";
    std::ofstream(inbox_ + "/" + name, std::ios::binary) << feed::FromUtf8(text, "gb18030");
    return inbox_ + "/" + name;
  }

  std::unique_ptr<AdapterProcess> Run(std::vector<std::string> extra,
                                      const std::string& profile = SourcePath("config/profiles/finance.toml")) {
    std::vector<std::string> args = {
        "--profile", profile, "--key", daemon_.dir() + "/finance-1.key", "--server-key",
        daemon_.dir() + "/server.pub", "--endpoint", daemon_.endpoint(), "--state-dir",
        daemon_.dir() + "/adapter-finance-1", "--deadline", "90"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<AdapterProcess>(args, daemon_.dir() + "/adapter-finance-" +
                                                      std::to_string(++runs_) + ".log");
  }

  double Gdp2020() {
    auto m = ScrapeMetrics(daemon_.metrics_port());
    return MetricOr(m, SeriesKey("kpihub_indicator_value", {{"indicator", "gdp"}, {"department", "finance"},
                                                            {"park", "zone"}, {"period", "2020"}}), std::nan(""));
  }

  // The office approves finance's 2020 with its own key, as `kpihub` does.
  void Approve() {
    zmq::context_t context(1);
    RawDealer office(context, {daemon_.endpoint(), daemon_.server_public(), daemon_.adapter("office-1").keys, ""});
    core::PeriodAction approve{core::PeriodActionKind::kApprove, "finance", "2020", "2020年度财政数据审定"};
    ASSERT_TRUE(office.Send(wire::EncodeBatch(1, std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch()).count(), {}, {approve})));
    auto ack = office.Receive(30000);
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->status, wire::AckStatus::kAccepted);
    EXPECT_TRUE(ack->action_rejections.empty()) << ack->action_rejections[0].detail;
  }

  void ExpectVerified() {
    std::string out;
    EXPECT_EQ(RunCommand(BinaryPath("kpihub") + " verify --config " + daemon_.config_path(), &out), 0) << out;
  }

  // The approved year's changed figure as a restatement, by flag and by the profile's column:
  // both applied and recorded with their reasons.
  void ExpectRestatementsTaken(const std::string& changed);

  DaemonHarness daemon_;
  std::string inbox_;
  int runs_ = 0;
};

void AdapterClosingTest::ExpectRestatementsTaken(const std::string& changed) {
  // The same change as a restatement with its reason: applied and recorded.
  fs::remove(changed + ".rejects.csv");
  auto restated = Run({"--input", changed, "--restatement", "决算审计调整"});
  EXPECT_EQ(restated->Wait(60000), 0) << restated->Log();
  EXPECT_FALSE(fs::exists(changed + ".rejects.csv")) << restated->Log();
  EXPECT_DOUBLE_EQ(Gdp2020(), 32.5e8);

  // A reason in the export's own column (restatement_column of the profile) does the same.
  const std::string profile = daemon_.dir() + "/finance-restating.toml";
  std::ofstream(profile) << "department = \"finance\"\n[[layout]]\nname = \"gdp_quarterly\"\n"
                            "encoding = \"gb18030\"\npark = \"园区\"\nperiod = \"季度\"\n"
                            "restatement_column = \"更正原因\"\n  [[layout.column]]\n"
                            "  name = \"地区生产总值（亿元）\"\n  indicator = \"gdp\"\n  unit = \"亿元\"\n";
  const std::string column = WriteGdp("gdp-2020q1-column.csv", "13", ",更正原因", ",统计口径调整");
  auto by_column = Run({"--input", column}, profile);
  EXPECT_EQ(by_column->Wait(60000), 0) << by_column->Log();
  EXPECT_FALSE(fs::exists(column + ".rejects.csv")) << by_column->Log();
  EXPECT_DOUBLE_EQ(Gdp2020(), 33.5e8);

  Closing c = ReadClosing(daemon_.state_dir());
  ASSERT_EQ(c.restatements.size(), 2u);
  EXPECT_EQ(c.restatements[0].reason, "决算审计调整");
  EXPECT_EQ(c.restatements[1].reason, "统计口径调整");

}

TEST_F(AdapterClosingTest, SubmittedAndApprovedYearChangesOnlyByRestatement) {
  const std::string first = WriteGdp("gdp-2020q1.csv", "10");
  auto submit = Run({"--input", first, "--submit", "2020"});
  ASSERT_EQ(submit->Wait(60000), 0) << submit->Log();
  EXPECT_NE(submit->Log().find("submit finance 2020: submitted"), std::string::npos) << submit->Log();
  EXPECT_EQ(ReadClosing(daemon_.state_dir()).finance[2020], core::PeriodState::kSubmitted);
  EXPECT_DOUBLE_EQ(Gdp2020(), 30.5e8);

  // Submitted, awaiting approval: a change is refused, and the clerk is told to ask for 退回.
  const std::string changed = WriteGdp("gdp-2020q1-changed.csv", "12");
  EXPECT_EQ(Run({"--input", changed})->Wait(60000), 0);
  auto lines = ReportLines(changed + ".rejects.csv");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0][4], "period_closed");
  EXPECT_NE(lines[0][5].find("退回"), std::string::npos) << lines[0][5];
  fs::remove(changed + ".rejects.csv");

  Approve();
  EXPECT_EQ(ReadClosing(daemon_.state_dir()).finance[2020], core::PeriodState::kApproved);

  // The same file again: every figure is what the store holds, so nothing is refused.
  auto resend = Run({"--input", first});
  EXPECT_EQ(resend->Wait(60000), 0) << resend->Log();
  EXPECT_FALSE(fs::exists(first + ".rejects.csv")) << resend->Log();

  // A changed figure of the closed year, not marked: refused with its row and the reason.
  auto plain = Run({"--input", changed});
  EXPECT_EQ(plain->Wait(60000), 0) << plain->Log();
  lines = ReportLines(changed + ".rejects.csv");
  ASSERT_EQ(lines.size(), 1u) << plain->Log();
  EXPECT_EQ(fs::path(lines[0][0]).filename(), "gdp-2020q1-changed.csv");
  EXPECT_EQ(lines[0][1], "2");
  EXPECT_EQ(lines[0][2], "地区生产总值（亿元）");
  EXPECT_EQ(lines[0][3], "12");
  EXPECT_EQ(lines[0][4], "period_closed");
  EXPECT_NE(lines[0][5].find("更正原因"), std::string::npos) << lines[0][5];
  EXPECT_DOUBLE_EQ(Gdp2020(), 30.5e8);

  ExpectRestatementsTaken(changed);

  // Submitting an approved year again is refused: the run says so and exits 6.
  auto again = Run({"--submit", "2020"});
  EXPECT_EQ(again->Wait(60000), 6) << again->Log();
  EXPECT_NE(again->Log().find("submit finance 2020: refused: period_state_conflict"), std::string::npos)
      << again->Log();
  lines = ReportLines(daemon_.dir() + "/adapter-finance-1/submit-2020.rejects.csv");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0][4], "period_state_conflict");
  EXPECT_EQ(ReadClosing(daemon_.state_dir()).finance[2020], core::PeriodState::kApproved);
  ExpectVerified();
}

// The adapter is killed after its figures and the submit are in the outbox and before any ack
// (the daemon is down): the next run delivers them, and the year is submitted exactly once.
TEST_F(AdapterClosingTest, AdapterKilledBeforeTheAckStillSubmitsOnce) {
  const std::string file = WriteGdp("gdp-2020q1.csv", "10");
  const std::string endpoint = daemon_.endpoint();
  ASSERT_EQ(daemon_.Stop(), 0);
  auto killed = Run({"--input", file, "--submit", "2020"});
  bool queued = false;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
       !queued && std::chrono::steady_clock::now() < deadline;) {
    queued = killed->Log().find("queued submit finance 2020") != std::string::npos;
    if (!queued) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(queued) << killed->Log();
  killed->Kill(SIGKILL);
  ASSERT_TRUE(daemon_.Start({"--listen", endpoint})) << daemon_.ReadLog();
  EXPECT_EQ(ReadClosing(daemon_.state_dir()).finance.count(2020), 0u);  // nothing arrived yet

  auto resumed = Run({});  // no input: drain what the outbox holds
  ASSERT_EQ(resumed->Wait(60000), 0) << resumed->Log();
  EXPECT_NE(resumed->Log().find("submit finance 2020: submitted"), std::string::npos) << resumed->Log();
  EXPECT_EQ(Run({})->Wait(60000), 0);  // and a further run finds nothing left to send
  Closing c = ReadClosing(daemon_.state_dir());
  EXPECT_EQ(c.finance[2020], core::PeriodState::kSubmitted);
  ASSERT_EQ(c.log.size(), 1u);
  EXPECT_EQ(c.log[0].action, core::PeriodActionKind::kSubmit);
  EXPECT_EQ(c.log[0].adapter, "finance-1");
  EXPECT_DOUBLE_EQ(Gdp2020(), 30.5e8);
  auto m = ScrapeMetrics(daemon_.metrics_port());
  // One batch of figures and one with the submit, each applied once.
  EXPECT_EQ(MetricOr(m, SeriesKey("kpihub_store_records", {{"table", "journal"}}), -1), 2);
  ExpectVerified();
}

}  // namespace
}  // namespace kpihub::testing
