// Subscriptions end to end: finance runs the real `kpihub-adapter pull` as a child process on
// scitech's certified list (enterprise level) from the real kpihubd, while scitech certifies
// enterprises and revises certifications. Across a SIGKILL of kpihubd (restarted on its
// state) and a SIGKILL of the pull process (restarted on its state dir), each taken while
// changes flow, finance's files hold every change exactly once: counted per (entity, period,
// value) over all files; likewise when the daemon falls silent without closing the link.
// The office's aggregate files, applied in order, give what a query reads, also when a round
// of changes needs several files. GB18030 CSV decodes with the finance profile's Chinese
// headers; JSON lines parse; a refusal exits 3 with its reason.
#include <gtest/gtest.h>
#include <iconv.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "exchange_test_util.h"
#include "kpihub/client/consumer.h"
#include "kpihub/testing/adapter_process.h"
#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

namespace fs = std::filesystem;

// (entity, period, value) -> how often it is in the files
using RowCounts = std::map<std::tuple<std::string, std::string, std::string>, int>;

struct PulledFiles {
  RowCounts changes;   // rows of `<name>-<journal>-<index>.jsonl` files
  RowCounts snapshot;  // rows of snapshot files
  int snapshots = 0, change_files = 0;
  bool parsed = true;  // every line a JSON object with the expected fields
};

// Reads every finished file in `dir` (temp files start with '.').
PulledFiles ReadPulled(const std::string& dir) {
  PulledFiles out;
  const std::regex line_re(
      R"re(^\{"kind":"(snapshot|changes)","change":"[0-9]+\.([0-9]+|\*)","indicator":"hightech_certified",)re"
      R"re("park":"core","entity":"([0-9A-Z]{18})","period":"([0-9]{4})","value":"([0-9.]+)",)re"
      R"re("changed_unix_ms":[0-9]+,"agreement":"hightech_list_to_finance_[a-z]+"\}$)re");
  if (!fs::exists(dir)) return out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name[0] == '.') continue;
    const bool snapshot = name.find("-snapshot-") != std::string::npos;
    (snapshot ? out.snapshots : out.change_files)++;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      if (!std::regex_match(line, m, line_re)) {
        out.parsed = false;
        continue;
      }
      (snapshot ? out.snapshot : out.changes)[{m[3].str(), m[4].str(), m[5].str()}]++;
    }
  }
  return out;
}

class ExchangePullTest : public ::testing::Test {
 protected:
  ExchangePullTest()
      : daemon_(std::vector<std::pair<std::string, std::string>>{{"scitech-1", "scitech"}}) {}

  void SetUp() override {
    finance_ = wire::GenerateCurveKeyPair();
    ASSERT_TRUE(wire::WriteKeyFiles(daemon_.dir(), "finance-read", finance_).ok());
    std::ofstream(daemon_.dir() + "/keys.toml", std::ios::app)
        << "\n[[consumer]]\nid = \"finance-read\"\ndepartment = \"finance\"\npublic_key = \""
        << finance_.public_z85 << "\"\n";
    ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
  }

  // scitech sends one batch: serial -> value for hightech_certified, core, 2020. The batch
  // is sent again (same sequence) until acknowledged: the daemon may be starting.
  void Push(const std::vector<std::pair<uint32_t, double>>& figures) {
    std::vector<core::Observation> obs;
    for (const auto& [serial, value] : figures) {
      obs.push_back({"hightech_certified", "core", MakeUscc(serial), "2020", value, "", ""});
    }
    const uint64_t sequence = next_sequence_++;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      auto ack = ConnectAs(context_, daemon_, "scitech-1")->SendBatch(sequence, obs, 0, 5000);
      if (!ack || ack->status == wire::AckStatus::kRetryLater) continue;
      ASSERT_TRUE(ack->status == wire::AckStatus::kAccepted ||
                  ack->status == wire::AckStatus::kDuplicate) << static_cast<int>(ack->status);
      ASSERT_TRUE(ack->rejections.empty());
      for (const auto& [serial, value] : figures) {
        expected_[{MakeUscc(serial), "2020", value == 0 ? "0" : "1"}]++;
      }
      return;
    }
    FAIL() << "batch " << sequence << " not acknowledged within 60 s";
  }

  std::vector<std::string> PullArgs(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {
        "pull", "--key", daemon_.dir() + "/finance-read.key", "--server-key",
        daemon_.dir() + "/server.pub", "--endpoint", daemon_.exchange_endpoint(),
        "--state-dir", daemon_.dir() + "/finance-state", "--level", "enterprise",
        "--keepalive-ms", "300", "--answer-timeout", "60"};
    args.insert(args.end(), extra.begin(), extra.end());
    if (std::find(args.begin(), args.end(), "--silence-ms") == args.end()) {
      args.insert(args.end(), {"--silence-ms", "10000"});
    }
    return args;
  }

  // `kpihub-adapter pull` on scitech's certified list, with `extra` options.
  std::unique_ptr<AdapterProcess> StartPull(std::vector<std::string> extra,
                                            const std::string& indicator = "hightech_certified") {
    extra.insert(extra.end(), {"--indicator", indicator});
    return std::make_unique<AdapterProcess>(PullArgs(extra),
                                            daemon_.dir() + "/pull-" + std::to_string(++pulls_) + ".log");
  }

  // Waits up to 90 s until the change files hold every expected change at least once.
  bool WaitForChanges(const std::string& out) {
    return WaitUntil([&] {
      RowCounts got = ReadPulled(out).changes;
      for (const auto& [row, n] : expected_) {
        if (got[row] < n) return false;
      }
      return true;
    }, 90000);
  }

  std::map<std::pair<std::string, std::string>, std::string> QueriedAggregates(
      const wire::CurveKeyPair& keys);

  zmq::context_t context_{1};
  DaemonHarness daemon_;
  wire::CurveKeyPair finance_;
  uint64_t next_sequence_ = 1;
  int pulls_ = 0;
  RowCounts expected_;  // the changes pushed after the snapshot
};

TEST_F(ExchangePullTest, EveryChangeIsInFinancesFilesExactlyOnceAcrossKills) {
  Push({{100, 1}, {101, 1}, {102, 1}, {103, 1}, {104, 1}});
  const RowCounts snapshot_rows = expected_;
  expected_.clear();
  const std::string out = daemon_.dir() + "/finance-out";
  auto pull = StartPull({"--out", out, "--format", "jsonl", "--page-size", "3"});
  ASSERT_TRUE(WaitUntil([&] { return ReadPulled(out).snapshots == 1; }, 60000)) << pull->Log();

  // Changes flow; kpihubd is killed while finance may still be taking them.
  Push({{100, 0}});  // a revision: certification withdrawn
  Push({{105, 1}, {106, 1}});
  for (uint32_t i = 0; i < 8; ++i) Push({{200 + i, 1}});
  daemon_.Kill(SIGKILL);
  ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
  Push({{100, 1}});  // revised again: appears a second time, with its new value
  for (uint32_t i = 8; i < 16; ++i) Push({{200 + i, 1}});
  ASSERT_TRUE(WaitForChanges(out)) << pull->Log() << daemon_.ReadLog();

  // The pull process is killed while changes flow, and started again on its state.
  // It went on from its cursor on a new subscription, not by luck of a kept connection.
  EXPECT_NE(pull->Log().find("subscribing again after change"), std::string::npos) << pull->Log();
  for (uint32_t i = 16; i < 24; ++i) Push({{200 + i, 1}});
  pull->Kill(SIGKILL);
  Push({{101, 0}, {102, 0}});
  pull = StartPull({"--out", out, "--format", "jsonl", "--page-size", "3"});
  for (uint32_t i = 24; i < 32; ++i) Push({{200 + i, 1}});
  ASSERT_TRUE(WaitForChanges(out)) << pull->Log();

  pull->Kill(SIGTERM);
  PulledFiles files = ReadPulled(out);
  EXPECT_TRUE(files.parsed);
  EXPECT_EQ(files.snapshots, 1) << "a resumed enterprise subscription sends changes, not a snapshot";
  EXPECT_EQ(files.snapshot, snapshot_rows);
  EXPECT_EQ(files.changes, expected_);  // each change once: no gap, no repeat
  // The credit codes are in the files, never in the log.
  const std::string log = pull->Log();
  EXPECT_NE(log.find("wrote hightech_certified-"), std::string::npos) << log;
  EXPECT_EQ(log.find(MakeUscc(100)), std::string::npos) << log;
}

// A daemon that stops answering without closing the link (stopped, or a peer lost behind a
// firewall) is noticed by silence: the pull process subscribes again on a new connection
// from its cursor, and nothing is lost or repeated.
TEST_F(ExchangePullTest, ASilentDaemonIsLeftForANewConnectionFromTheCursor) {
  Push({{100, 1}});
  expected_.clear();
  const std::string out = daemon_.dir() + "/finance-silence";
  // Above the daemon's 5 s heartbeat, so an idle but healthy link is never left.
  auto pull = StartPull({"--out", out, "--format", "jsonl", "--silence-ms", "7000"});
  ASSERT_TRUE(WaitUntil([&] { return ReadPulled(out).snapshots == 1; }, 60000)) << pull->Log();
  Push({{101, 1}});
  ASSERT_TRUE(WaitForChanges(out)) << pull->Log();
  daemon_.Signal(SIGSTOP);
  const bool left = WaitUntil([&] {
    return pull->Log().find("subscribing again after change") != std::string::npos;
  }, 60000);
  daemon_.Signal(SIGCONT);
  ASSERT_TRUE(left) << pull->Log();
  EXPECT_NE(pull->Log().find("(no message for 7000 ms)"), std::string::npos) << pull->Log();
  Push({{100, 0}, {102, 1}});
  ASSERT_TRUE(WaitForChanges(out)) << pull->Log();
  pull->Kill(SIGTERM);
  PulledFiles files = ReadPulled(out);
  EXPECT_EQ(files.snapshots, 1);
  EXPECT_EQ(files.changes, expected_);
}

// Aggregate rows as (park, period) -> value, or "withheld", from one file's JSON lines.
std::map<std::pair<std::string, std::string>, std::string> AggregateRows(const fs::path& file) {
  static const std::regex line_re(
      R"re(^\{"kind":"(snapshot|changes)","change":"[0-9]+\.([0-9]+|\*)","indicator":"hightech_certified",)re"
      R"re("park":"([a-z_]+)","period":"([0-9]{4})","value":(null|"[0-9.]+"),"withheld":(true|false),)re"
      R"re("entities":[0-9]+,"agreement":"scitech_aggregates_to_office"\}$)re");
  std::map<std::pair<std::string, std::string>, std::string> rows;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, line_re)) {
      ADD_FAILURE() << file << ": " << line;
      continue;
    }
    const std::string value = m[5].str();
    rows[{m[3].str(), m[4].str()}] = m[6] == "true" ? "withheld" : value.substr(1, value.size() - 2);
  }
  return rows;
}

// File names with their order: the snapshot, then by (journal, index, number), numbers
// compared as numbers.
std::vector<std::pair<std::vector<uint64_t>, std::string>> InApplyOrder(
    const std::vector<std::string>& names) {
  std::vector<std::pair<std::vector<uint64_t>, std::string>> ordered;
  const std::regex name_re(R"(hightech_certified-(snapshot-)?([0-9]+)(?:-([0-9]+))?(?:-([0-9]+))?\.jsonl)");
  for (const auto& name : names) {
    std::smatch m;
    if (!std::regex_match(name, m, name_re)) {
      ADD_FAILURE() << "unexpected file " << name;
      continue;
    }
    ordered.push_back({{m[1].matched ? 0u : 1u, std::stoull(m[2]),
                        m[3].matched ? std::stoull(m[3]) : 0, m[4].matched ? std::stoull(m[4]) : 1},
                       name});
  }
  std::sort(ordered.begin(), ordered.end());
  return ordered;
}

// What an aggregate query of hightech_certified reads now, by (park, period).
std::map<std::pair<std::string, std::string>, std::string> ExchangePullTest::QueriedAggregates(
    const wire::CurveKeyPair& keys) {
  client::ConsumerOptions options;
  options.endpoint = daemon_.exchange_endpoint();
  options.server_public_z85 = daemon_.server_public();
  options.client_keys = keys;
  wire::QueryRequest q;
  q.indicators = {"hightech_certified"};
  client::QueryResult r = client::Consumer(context_, options).Query(q, 20000);
  EXPECT_TRUE(r.answered) << r.detail;
  std::map<std::pair<std::string, std::string>, std::string> queried;
  for (const auto& row : r.aggregate) {
    queried[{row.park, row.period}] = row.withheld ? "withheld" : row.value;
  }
  return queried;
}

// A round of aggregate changes larger than one message comes in several files, none
// overwriting another; applied in the order of their names' numbers (a snapshot replacing
// everything), they give the figures a query reads.
TEST_F(ExchangePullTest, AggregateFilesAppliedInOrderGiveWhatAQueryReads) {
  auto office = wire::GenerateCurveKeyPair();
  ASSERT_TRUE(wire::WriteKeyFiles(daemon_.dir(), "office-read", office).ok());
  std::ofstream(daemon_.dir() + "/keys.toml", std::ios::app)
      << "\n[[consumer]]\nid = \"office-read\"\ndepartment = \"office\"\npublic_key = \""
      << office.public_z85 << "\"\n";
  ASSERT_EQ(daemon_.Stop(), 0);
  ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
  auto certify = [&](uint32_t first, uint32_t n) {
    std::vector<core::Observation> obs;
    for (const char* year : {"2018", "2019", "2020"}) {
      for (uint32_t i = first; i < first + n; ++i) {
        obs.push_back({"hightech_certified", "core", MakeUscc(i), year, 1, "", ""});
      }
    }
    auto ack = ConnectAs(context_, daemon_, "scitech-1")->SendBatch(next_sequence_++, obs, 0, 20000);
    ASSERT_TRUE(ack && ack->status == wire::AckStatus::kAccepted);
  };
  certify(100, 6);
  const std::string out = daemon_.dir() + "/office-out";
  std::vector<std::string> args = PullArgs({"--out", out, "--format", "jsonl", "--page-size", "1",
                                            "--indicator", "hightech_certified"});
  *std::find(args.begin(), args.end(), "enterprise") = "aggregate";
  *std::find(args.begin(), args.end(), daemon_.dir() + "/finance-read.key") =
      daemon_.dir() + "/office-read.key";
  AdapterProcess pull(args, daemon_.dir() + "/pull-office.log");
  auto names = [&] {
    std::vector<std::string> v;
    if (fs::exists(out)) {
      for (const auto& e : fs::directory_iterator(out)) {
        if (e.path().filename().string()[0] != '.') v.push_back(e.path().filename().string());
      }
    }
    return v;
  };
  ASSERT_TRUE(WaitUntil([&] { return names().size() == 1; }, 60000)) << pull.Log();
  certify(110, 3);  // every period's count changes in one batch: one round of three rows
  ASSERT_TRUE(WaitUntil([&] { return names().size() == 4; }, 60000)) << pull.Log();
  pull.Kill(SIGTERM);

  const auto ordered = InApplyOrder(names());
  // The round came in three messages: the first two carry the id it started from.
  EXPECT_EQ(std::count_if(ordered.begin(), ordered.end(), [](const auto& o) { return o.first[3] > 1; }), 2)
      << ordered.back().second;
  std::map<std::pair<std::string, std::string>, std::string> applied;
  for (const auto& [key, name] : ordered) {
    for (const auto& [cell, value] : AggregateRows(out + "/" + name)) applied[cell] = value;
  }
  const auto queried = QueriedAggregates(office);
  EXPECT_EQ(applied, queried);
  EXPECT_EQ(queried.size(), 3u);
}

// An agreement removed by a reload ends the running subscription: the pull process stops
// with exit 3 and the reason, and what it stored stays (a restart resumes from it).
TEST_F(ExchangePullTest, AnAgreementRemovedByAReloadEndsThePullWithExitThree) {
  std::ofstream(daemon_.dir() + "/catalogue.toml") << CatalogueWithout("");
  std::ofstream(daemon_.config_path(), std::ios::app) << "catalogue = \"catalogue.toml\"\n";
  ASSERT_EQ(daemon_.Stop(), 0);
  ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
  Push({{100, 1}});
  const std::string out = daemon_.dir() + "/finance-ended";
  auto pull = StartPull({"--out", out, "--format", "jsonl"});
  ASSERT_TRUE(WaitUntil([&] { return ReadPulled(out).snapshots == 1; }, 60000)) << pull->Log();
  std::ofstream(daemon_.dir() + "/catalogue.toml") << CatalogueWithout("hightech_list_to_finance");
  daemon_.Signal(SIGHUP);
  ASSERT_EQ(pull->Wait(60000), 3) << pull->Log();
  EXPECT_NE(pull->Log().find("订阅已结束 the daemon ended the subscription: no_agreement 无共享协议"),
            std::string::npos) << pull->Log();
  EXPECT_EQ(ReadPulled(out).snapshots, 1);
}

std::string FromGb18030(const std::string& bytes) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  std::string out(bytes.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size(), out_left = out.size();
  char* o = out.data();
  const size_t rc = iconv(cd, &in, &in_left, &o, &out_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1)) return "<not GB18030>";
  out.resize(out.size() - out_left);
  return out;
}

TEST_F(ExchangePullTest, Gb18030CsvCarriesTheProfilesChineseHeaders) {
  Push({{100, 1}, {101, 1}});
  const std::string out = daemon_.dir() + "/finance-csv";
  auto pull = StartPull({"--out", out, "--once", "--encoding", "gb18030", "--profile",
                         std::string(KPIHUB_SOURCE_DIR) + "/config/profiles/finance.toml"});
  ASSERT_EQ(pull->Wait(90000), 0) << pull->Log();
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(out)) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_NE(files[0].filename().string().find("hightech_certified-snapshot-"), std::string::npos);
  std::ifstream in(files[0], std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string text = FromGb18030(bytes.str());
  EXPECT_EQ(text.substr(0, text.find("\r\n")),
            "指标,园区,统一社会信用代码,拨付年度,数值,变更时间,共享协议");
  EXPECT_NE(text.find("hightech_certified,core," + MakeUscc(100) + ",2020,1,"), std::string::npos)
      << text;
  EXPECT_NE(text.find("hightech_certified,core," + MakeUscc(101) + ",2020,1,"), std::string::npos);
}

TEST_F(ExchangePullTest, ARefusedSubscriptionExitsThreeWithTheReasonInBothLanguages) {
  // finance has no agreement for scitech's R&D expenditure.
  auto pull = StartPull({"--out", daemon_.dir() + "/refused", "--once"}, "rd_expenditure");
  ASSERT_EQ(pull->Wait(90000), 3) << pull->Log();
  EXPECT_NE(pull->Log().find("no_agreement 无共享协议"), std::string::npos) << pull->Log();
}

}  // namespace
}  // namespace kpihub::testing
