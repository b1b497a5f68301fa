// The operator's CLI against a real daemon's state: kpis --as-of, history, rejects, export,
// explain, keys, verify on a sound and a corrupted store.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <thread>

#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

using wire::AckStatus;

constexpr int kAckTimeoutMs = 10000;

size_t Lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

class OpsCliTest : public ::testing::Test {
 protected:
  OpsCliTest() : daemon_({{"scitech-1", "scitech"}, {"tax-1", "tax"}}) {}
  void SetUp() override { ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog(); }

  std::unique_ptr<client::Connection> Connect(const std::string& id) {
    return std::make_unique<client::Connection>(
        context_, client::ConnectionOptions{daemon_.endpoint(), daemon_.server_public(),
                                            daemon_.adapter(id).keys, 5000});
  }
  AckStatus Send(client::Connection& c, uint64_t seq, std::vector<core::Observation> obs) {
    auto ack = c.SendBatch(seq, std::move(obs), 0, kAckTimeoutMs);
    return ack ? ack->status : AckStatus::kMalformed;
  }
  static std::vector<core::Observation> Output(uint32_t first, int n, double value) {
    std::vector<core::Observation> obs;
    for (int i = 0; i < n; ++i) {
      obs.push_back({"industrial_output", "auto_parts", MakeUscc(first + i), "2020-03", value, ""});
    }
    return obs;
  }
  std::string Where() const { return " --config " + daemon_.config_path(); }

  zmq::context_t context_{1};
  DaemonHarness daemon_;
};

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

// The table shown before a revision can be reproduced after it, and the table after it is
// the live one.
TEST_F(OpsCliTest, KpisAsOfGivesTheOldTableBeforeARevisionAndTheNewAfter) {
  auto scitech = Connect("scitech-1");
  ASSERT_EQ(Send(*scitech, 1, Output(100, 4, 2.5e8)), AckStatus::kAccepted);
  const std::string kpis = " kpis --csv --park all --year 2020" + Where();
  CliResult before = Kpihub(kpis);
  ASSERT_EQ(before.code, 0) << before.output;
  ASSERT_NE(before.output.find("industrial_output,"), std::string::npos) << before.output;
  const int64_t meeting = NowSeconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // moments have 1 s precision
  ASSERT_EQ(Send(*scitech, 2, Output(100, 1, 9.5e8)), AckStatus::kAccepted);  // a revision
  CliResult after = Kpihub(kpis);
  ASSERT_EQ(after.code, 0) << after.output;
  ASSERT_NE(before.output, after.output);

  CliResult then = Kpihub(kpis + " --as-of @" + std::to_string(meeting));
  EXPECT_EQ(then.code, 0) << then.output;
  EXPECT_EQ(then.output, before.output);
  CliResult now = Kpihub(kpis + " --as-of @" + std::to_string(NowSeconds() + 1));
  EXPECT_EQ(now.output, after.output);
  CliResult bad = Kpihub(kpis + " --as-of yesterday");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.output.find("--as-of 'yesterday'"), std::string::npos) << bad.output;
}

TEST_F(OpsCliTest, HistoryShowsEveryChangeWithItsSource) {
  auto scitech = Connect("scitech-1");
  ASSERT_EQ(Send(*scitech, 1, Output(200, 3, 1e6)), AckStatus::kAccepted);
  ASSERT_EQ(Send(*scitech, 2, Output(200, 1, 4e6)), AckStatus::kAccepted);
  const std::string figure = "history --csv --indicator industrial_output --park auto_parts "
                             "--period 2020-03 --entity " + MakeUscc(200);
  // By default an enterprise's figure shows its source, never its id or values.
  CliResult safe = Kpihub(figure + Where());
  ASSERT_EQ(safe.code, 0) << safe.output;
  ASSERT_EQ(Lines(safe.output), 3u) << safe.output;  // header, first write, revision
  EXPECT_EQ(safe.output.find(MakeUscc(200)), std::string::npos) << safe.output;
  EXPECT_EQ(safe.output.find("1000000"), std::string::npos) << safe.output;
  EXPECT_NE(safe.output.find(",(enterprise),withheld,withheld,scitech,scitech-1,2,2\n"),
            std::string::npos) << safe.output;
  // --confidential shows them, its banner on stderr so that the CSV stays CSV.
  CliResult r = Kpihub(figure + " --confidential" + Where());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("机密：企业级数据"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(MakeUscc(200) + ",,1000000,scitech,scitech-1,1,1\n"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(",1000000,4000000,scitech,scitech-1,2,2\n"), std::string::npos) << r.output;
  CliResult park = Kpihub("history --indicator industrial_output --park auto_parts" + Where());
  EXPECT_NE(park.output.find("4 changes"), std::string::npos) << park.output;
  EXPECT_EQ(park.output.find("机密"), std::string::npos) << park.output;
}

TEST_F(OpsCliTest, KpisBelowTheConfiguredSmallCellThresholdCarryTheConfidentialBanner) {
  auto scitech = Connect("scitech-1");
  ASSERT_EQ(Send(*scitech, 1, Output(200, 3, 1e6)), AckStatus::kAccepted);
  CliResult safe = Kpihub("kpis --park all" + Where());
  ASSERT_EQ(safe.code, 0) << safe.output;
  EXPECT_EQ(safe.output.find("机密"), std::string::npos) << safe.output;
  CliResult lowered = Kpihub("kpis --park all --min-cell 1" + Where());
  ASSERT_EQ(lowered.code, 0) << lowered.output;
  EXPECT_NE(lowered.output.find("confidential — enterprise-level / 机密：企业级数据"),
            std::string::npos) << lowered.output;
}

TEST_F(OpsCliTest, RejectsFilterByDepartmentAndReasonAndExportCsv) {
  auto scitech = Connect("scitech-1");
  auto batch = Output(300, 3, 1e6);
  batch[0].value = std::numeric_limits<double>::quiet_NaN();
  ASSERT_EQ(Send(*scitech, 1, batch), AckStatus::kAccepted);
  auto tax = Connect("tax-1");
  ASSERT_EQ(Send(*tax, 1, Output(310, 2, 1.0)), AckStatus::kAccepted);  // not_owner x2

  CliResult all = Kpihub("rejects" + Where());
  EXPECT_NE(all.output.find("3 rejected observations shown of 3 matching"), std::string::npos) << all.output;
  CliResult csv = Kpihub("rejects --csv --department tax --reason not_owner" + Where());
  ASSERT_EQ(csv.code, 0) << csv.output;
  EXPECT_EQ(Lines(csv.output), 3u) << csv.output;
  EXPECT_EQ(csv.output.find("not_finite"), std::string::npos);
  EXPECT_EQ(csv.output.find(MakeUscc(310)), std::string::npos) << "entity ids only on request";
  CliResult entities = Kpihub("rejects --csv --entities --department tax" + Where());
  EXPECT_NE(entities.output.find(MakeUscc(310)), std::string::npos) << entities.output;
  CliResult nan = Kpihub("rejects --department scitech --reason not_finite" + Where());
  EXPECT_NE(nan.output.find("1 rejected observations shown of 1 matching"), std::string::npos) << nan.output;
  EXPECT_EQ(Kpihub("rejects --reason no_such_reason" + Where()).code, 1);
}

// A department that puts a credit code in the wrong field (park, indicator, period, note)
// must not have it printed to whoever runs `kpihub rejects`: masked in every field, notes
// left out, unless --entities is given.
TEST_F(OpsCliTest, RejectsWithholdCreditCodesWhateverFieldTheyArrivedIn) {
  const std::string code = MakeUscc(777);
  auto tax = Connect("tax-1");
  std::vector<core::Observation> batch = {
      {"rd_super_deduction", code, "", "2020", 1.0, ""},
      {code, "core", "", "2020", 1.0, ""},
      {"rd_super_deduction", "core", "", code, 1.0, ""},
      {"rd_super_deduction", "no_such_park", "", "2020", 1.0, "ask " + code},
  };
  ASSERT_EQ(Send(*tax, 1, batch), AckStatus::kAccepted);
  for (const char* args : {"rejects", "rejects --csv", "rejects --csv --notes"}) {
    CliResult r = Kpihub(std::string(args) + Where());
    ASSERT_EQ(r.code, 0) << args << ": " << r.output;
    EXPECT_EQ(r.output.find(code), std::string::npos) << args << ": " << r.output;
    EXPECT_EQ(r.output.find(code.substr(2, 16)), std::string::npos) << args << ": " << r.output;
    EXPECT_NE(r.output.find("credit code withheld"), std::string::npos) << args << ": " << r.output;
  }
  EXPECT_NE(Kpihub("rejects" + Where()).output.find("4 rejected"), std::string::npos);
  CliResult csv = Kpihub("rejects --csv" + Where());
  EXPECT_EQ(csv.output.find("note"), std::string::npos) << csv.output;
  EXPECT_EQ(csv.output.find("ask "), std::string::npos) << csv.output;
  CliResult notes = Kpihub("rejects --csv --notes" + Where());
  EXPECT_NE(notes.output.find("ask "), std::string::npos) << notes.output;
  CliResult entities = Kpihub("rejects --csv --entities" + Where());
  EXPECT_NE(entities.output.find(code), std::string::npos) << entities.output;
  EXPECT_NE(entities.output.find("ask " + code), std::string::npos) << entities.output;
}

TEST_F(OpsCliTest, ExportForTheDepartmentAndTheStatisticsOffice) {
  auto scitech = Connect("scitech-1");
  ASSERT_EQ(Send(*scitech, 1, Output(400, 4, 2e6)), AckStatus::kAccepted);
  CliResult dept = Kpihub("export --department scitech" + Where());
  ASSERT_EQ(dept.code, 0) << dept.output;
  EXPECT_EQ(Lines(dept.output), 5u) << dept.output;
  EXPECT_NE(dept.output.find("industrial_output,auto_parts," + MakeUscc(400) + ",2020-03,2000000,"),
            std::string::npos) << dept.output;
  EXPECT_EQ(Lines(Kpihub("export --department tax" + Where()).output), 1u);
  CliResult stats = Kpihub("export --statistics" + Where());
  ASSERT_EQ(stats.code, 0) << stats.output;
  EXPECT_NE(stats.output.find("industrial_output,scitech,yuan,auto_parts,2020-03,8000000,4,no"),
            std::string::npos) << stats.output;
  EXPECT_EQ(stats.output.find("91410800"), std::string::npos) << "no enterprise id";
  EXPECT_EQ(Kpihub("export" + Where()).code, 1);
}

TEST_F(OpsCliTest, ExplainNamesIndicatorsDepartmentsAdaptersAndBatches) {
  auto scitech = Connect("scitech-1");
  ASSERT_EQ(Send(*scitech, 1, Output(500, 3, 1e6)), AckStatus::kAccepted);
  ASSERT_EQ(Send(*scitech, 2, Output(510, 2, 1e6)), AckStatus::kAccepted);
  CliResult r = Kpihub("explain industrial_output zone 2020" + Where());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("numerator industrial_output"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("department scitech"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("5 enterprise figures"), std::string::npos) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(adapter scitech-1 +seq 1 +received 20\S+\+08:00 +3 figures)")))
      << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(adapter scitech-1 +seq 2 +received 20\S+\+08:00 +2 figures)")))
      << r.output;
  EXPECT_NE(r.output.find("value: 5000000 yuan"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("91410800"), std::string::npos) << "no enterprise id";
  EXPECT_EQ(Kpihub("explain no_such_kpi zone 2020" + Where()).code, 1);
}

// keys revoke writes the registry; the reload makes the adapter's next batch refused on its
// live session; keys add brings it back with a new key.
TEST_F(OpsCliTest, KeysRevokeAndReloadRefuseTheNextBatch) {
  auto tax = Connect("tax-1");
  ASSERT_EQ(Send(*tax, 1, {}), AckStatus::kAccepted);
  CliResult list = Kpihub("keys list" + Where());
  EXPECT_NE(list.output.find("tax-1"), std::string::npos) << list.output;
  CliResult revoke = Kpihub("keys revoke tax-1" + Where());
  ASSERT_EQ(revoke.code, 0) << revoke.output;
  EXPECT_NE(revoke.output.find("systemctl reload kpihubd"), std::string::npos) << revoke.output;
  EXPECT_EQ(Kpihub("keys revoke tax-1" + Where()).code, 1);  // already gone
  daemon_.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog(daemon_, "reloaded catalogue")) << daemon_.ReadLog();
  EXPECT_EQ(Send(*tax, 2, {}), AckStatus::kUnauthorized);

  // Re-registering with an unknown department is refused and leaves the file as it was.
  wire::CurveKeyPair fresh = wire::GenerateCurveKeyPair();
  Status written = wire::WriteKeyFiles(daemon_.dir(), "tax-1b", fresh);
  ASSERT_TRUE(written.ok()) << written.message();
  const std::string pub = daemon_.dir() + "/tax-1b.pub";
  EXPECT_EQ(Kpihub("keys add tax-1 --department nowhere --public-key " + pub + Where()).code, 1);
  EXPECT_EQ(Kpihub("keys list" + Where()).output.find("tax-1 "), std::string::npos);
  ASSERT_EQ(Kpihub("keys add tax-1 --department tax --public-key " + pub + Where()).code, 0);
  daemon_.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog(daemon_, "reloaded catalogue", 2)) << daemon_.ReadLog();
  client::Connection renewed(context_, {daemon_.endpoint(), daemon_.server_public(), fresh, 5000});
  EXPECT_EQ(Send(renewed, 2, {}), AckStatus::kAccepted);
}

// Under umask 027 the rewrite keeps the registry's owner, group and mode (a daemon running as
// another user must still read it), and --reload reports the daemon's own verdict.
TEST_F(OpsCliTest, KeysRevokeKeepsOwnershipAndReloadReportsTheDaemonsVerdict) {
  const std::string keys = daemon_.dir() + "/keys.toml";
  ASSERT_EQ(chown(keys.c_str(), 0, 65534), 0);  // root:nogroup
  ASSERT_EQ(chmod(keys.c_str(), 0640), 0);
  auto tax = Connect("tax-1");
  ASSERT_EQ(Send(*tax, 1, {}), AckStatus::kAccepted);
  CliResult revoked;
  revoked.code = RunCommand("umask 027; " + BinaryPath("kpihub") + " keys revoke tax-1 --reload" +
                                Where(), &revoked.output);
  ASSERT_EQ(revoked.code, 0) << revoked.output;
  EXPECT_NE(revoked.output.find("reloaded: 1 adapters in force"), std::string::npos)
      << revoked.output;
  struct stat st {};
  ASSERT_EQ(stat(keys.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 65534u);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(Send(*tax, 2, {}), AckStatus::kUnauthorized);  // the daemon did take it
  for (const auto& entry : std::filesystem::directory_iterator(daemon_.dir())) {
    EXPECT_EQ(entry.path().filename().string().rfind("keys.toml.", 0), std::string::npos)
        << "temporary file left: " << entry.path();
  }
}

// A registry the daemon refuses on reload (here: the file it reads became a FIFO) is
// reported as such, and the daemon neither hangs on SIGHUP nor ignores SIGTERM.
TEST_F(OpsCliTest, RefusedReloadIsReportedAndAFifoRegistryNeverHangsTheDaemon) {
  const std::string keys = daemon_.dir() + "/keys.toml";
  const std::string copy = daemon_.dir() + "/keys-edit.toml";
  std::filesystem::copy_file(keys, copy);
  ASSERT_EQ(unlink(keys.c_str()), 0);
  ASSERT_EQ(mkfifo(keys.c_str(), 0600), 0);
  CliResult r = Kpihub("keys revoke tax-1 --reload --reload-timeout 30 --registry " + copy + Where());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("REFUSED"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not a regular file"), std::string::npos) << r.output;
  ASSERT_TRUE(WaitForLog(daemon_, "reload refused")) << daemon_.ReadLog();
  auto m = ParseMetrics(HttpGet(daemon_.metrics_port(), "/metrics").value_or(""));
  EXPECT_EQ(m["kpihub_config_last_reload_success"], 0);
  EXPECT_GT(m["kpihub_config_last_reload_timestamp_seconds"], 1.6e9);
  EXPECT_EQ(daemon_.Stop(), 0) << daemon_.ReadLog();
}

TEST_F(OpsCliTest, VerifyPassesOnAFedStoreAndFailsOnACorruptedOne) {
  auto scitech = Connect("scitech-1");
  ASSERT_EQ(Send(*scitech, 1, Output(600, 4, 3e6)), AckStatus::kAccepted);
  CliResult live = Kpihub("verify" + Where());  // beside the running daemon
  EXPECT_EQ(live.code, 0) << live.output;
  EXPECT_NE(live.output.find("0 differences"), std::string::npos) << live.output;
  ASSERT_EQ(daemon_.Stop(), 0);
  // Change the first byte of the first cell's sum with LMDB's own tools.
  const std::string state = daemon_.state_dir(), dump = daemon_.dir() + "/cells.dump";
  std::string out;
  ASSERT_EQ(RunCommand("mdb_dump -s cells " + state + " > " + dump, &out), 0) << out;
  ASSERT_EQ(RunCommand("awk 'f{n++} /HEADER=END/{f=1} {if(n==2){$0=\" ff\" substr($0,4)} print}' " +
                       dump + " > " + dump + ".bad && mdb_load -s cells -f " + dump + ".bad " + state,
                       &out), 0) << out;
  // The cell's record no longer matches its checksum (store format 3): refused as damaged.
  CliResult corrupted = Kpihub("verify" + Where());
  EXPECT_NE(corrupted.code, 0) << corrupted.output;
  EXPECT_NE(corrupted.output.find("checksum mismatch"), std::string::npos) << corrupted.output;
  EXPECT_EQ(corrupted.output.find("91410800"), std::string::npos) << "no enterprise id";
}

// A catalogue that does not load is refused on SIGHUP; the one in force stays and batches go on.
TEST(OpsReloadTest, BrokenCatalogueOnReloadKeepsTheOldOne) {
  DaemonHarness daemon({std::pair<std::string, std::string>{"scitech-1", "scitech"}});
  const std::string catalogue = daemon.dir() + "/catalogue.toml";
  std::filesystem::copy_file(std::string(KPIHUB_SOURCE_DIR) + "/config/catalogue.toml", catalogue);
  { std::ofstream(daemon.config_path(), std::ios::app) << "catalogue = \"catalogue.toml\"\n"; }
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  { std::ofstream(catalogue, std::ios::app) << "\n[[indicator]]\ncode = \"broken\"\n"; }
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog(daemon, "reload refused")) << daemon.ReadLog();
  EXPECT_NE(daemon.ReadLog().find("catalogue refused: " + catalogue), std::string::npos) << daemon.ReadLog();
  zmq::context_t context(1);
  client::Connection scitech(context, {daemon.endpoint(), daemon.server_public(),
                                       daemon.adapter("scitech-1").keys, 5000});
  std::vector<core::Observation> obs;
  for (int i = 0; i < 3; ++i) obs.push_back({"industrial_output", "core", MakeUscc(700 + i), "2020-03", 1.0, ""});
  auto ack = scitech.SendBatch(1, obs, 0, kAckTimeoutMs);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->status, AckStatus::kAccepted);
  EXPECT_TRUE(ack->rejections.empty());
}

}  // namespace
}  // namespace kpihub::testing
