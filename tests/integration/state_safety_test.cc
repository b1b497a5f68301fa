// The state folder against a careless operator and bad luck: a store that once existed is
// never silently re-created (first-start rule, `kpihub init`), `kpihub restore` and kpihubd
// exclude each other on the lock beside the folder for the whole swap, a daemon whose data
// file was moved away stops without acking, a truncated data file is refused with a message
// by the daemon, `kpihub verify` and `kpihub restore` (never SIGBUS), LMDB's own consistency
// checks end in a message and exit 3 (never abort), and an unusable state
// folder or map size is a configuration error (exit 1). Real binaries, real LMDB files.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "kpihub/platform/lmdb_file_check.h"
#include "kpihub/store/state_guard.h"
#include "ops_test_util.h"
#include "process_outcome.h"

namespace kpihub::testing {
namespace {

namespace fs = std::filesystem;

const std::vector<std::pair<std::string, std::string>> kScitech = {{"scitech-1", "scitech"}};

// kpihubd run to completion (for starts that must be refused) on the harness's config.
ProcessOutcome RunDaemon(const DaemonHarness& daemon) {
  return RunToCompletion(BinaryPath("kpihubd") + " --config " + daemon.config_path(), daemon.dir());
}

ProcessOutcome RunKpihub(const DaemonHarness& daemon, const std::string& args) {
  return RunToCompletion(BinaryPath("kpihub") + " " + args, daemon.dir());
}

void Feed(DaemonHarness& daemon, uint64_t batches) {
  LoadAdapter load(daemon, "scitech-1", daemon.endpoint(), batches);
  ASSERT_TRUE(WaitUntil([&] { return load.acked() >= batches; }, 30000));
}

double ZoneOutput(const DaemonHarness& daemon) {
  auto body = HttpGet(daemon.metrics_port(), "/metrics");
  if (!body) return -1;
  auto metrics = ParseMetrics(*body);
  return metrics[SeriesKey("kpihub_indicator_value",
                           {{"indicator", "industrial_output"}, {"department", "scitech"},
                            {"park", "zone"}, {"period", "2020"}})];
}

TEST(StateSafetyTest, AStoreThatExistedIsNeverRecreatedSilently) {
  DaemonHarness daemon(kScitech);
  const std::string marker = store::StateMarkerPath(daemon.state_dir());
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  EXPECT_NE(daemon.ReadLog().find("first start: creating a new store"), std::string::npos);
  EXPECT_TRUE(fs::exists(marker));
  Feed(daemon, 2);
  ASSERT_EQ(daemon.Stop(), 0);

  // The data file deleted, emptied, or the whole volume missing: refused, naming kpihub init.
  const std::string data = daemon.state_dir() + "/data.mdb";
  fs::copy_file(data, daemon.dir() + "/kept.mdb");
  for (const std::string how : {"missing", "empty", "unmounted"}) {
    if (how == "missing") fs::remove(data);
    if (how == "empty") fs::resize_file(data, 0);
    if (how == "unmounted") {
      fs::remove_all(daemon.state_dir());
      fs::create_directory(daemon.state_dir());
    }
    ProcessOutcome refused = RunDaemon(daemon);
    EXPECT_TRUE(refused.exited(1)) << how << ": " << refused.output;
    EXPECT_NE(refused.output.find("kpihub init"), std::string::npos) << how << ": " << refused.output;
    EXPECT_FALSE(fs::exists(data) && fs::file_size(data) > 0) << how << ": a store was created";
    fs::create_directories(daemon.state_dir());
    fs::copy_file(daemon.dir() + "/kept.mdb", data, fs::copy_options::overwrite_existing);
  }
  // The store put back is taken as it is; `kpihub init` refuses to replace it.
  ProcessOutcome init = RunKpihub(daemon, "init --config " + daemon.config_path());
  EXPECT_TRUE(init.exited(1)) << init.output;
  EXPECT_NE(init.output.find("already holds a store"), std::string::npos) << init.output;

  // Starting over on purpose: init on an empty file, then the daemon starts on the new store.
  fs::resize_file(data, 0);
  init = RunKpihub(daemon, "init --config " + daemon.config_path());
  EXPECT_TRUE(init.exited(0)) << init.output;
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  EXPECT_DOUBLE_EQ(ZoneOutput(daemon), 0.0);
}

TEST(StateSafetyTest, RestoreAndTheDaemonExcludeEachOtherForTheWholeSwap) {
  DaemonHarness daemon(kScitech);
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  Feed(daemon, 2);
  const std::string backup = daemon.dir() + "/backup";
  const std::string where = " --config " + daemon.config_path();
  ProcessOutcome backed_up = RunKpihub(daemon, "backup" + where + " " + backup);
  ASSERT_TRUE(backed_up.exited(0)) << backed_up.output;  // read-only commands are not blocked
  ProcessOutcome refused = RunKpihub(daemon, "restore" + where + " " + backup);
  EXPECT_TRUE(refused.exited(1)) << refused.output;
  EXPECT_NE(refused.output.find(store::StateLockPath(daemon.state_dir())), std::string::npos)
      << refused.output;
  Feed(daemon, 4);
  ASSERT_EQ(daemon.Stop(), 0);

  // A restore in the middle of its swap holds the lock; a daemon started now (as systemd
  // restarts it) must wait and then open the restored folder as a whole.
  auto swap_lock = std::make_unique<std::unique_ptr<store::StateLock>>();
  ASSERT_TRUE(store::StateLock::Acquire(daemon.state_dir(), std::chrono::milliseconds(0),
                                        swap_lock.get()).ok());
  bool started = false;
  std::thread start([&] { started = daemon.Start(); });
  EXPECT_TRUE(WaitUntil([&] { return daemon.ReadLog().find("waiting up to") != std::string::npos; },
                        10000)) << daemon.ReadLog();
  fs::rename(daemon.state_dir(), daemon.state_dir() + ".before-restore-test");
  fs::create_directory(daemon.state_dir());
  fs::copy_file(backup + "/data.mdb", daemon.state_dir() + "/data.mdb");
  swap_lock.reset();
  start.join();
  ASSERT_TRUE(started) << daemon.ReadLog();
  EXPECT_DOUBLE_EQ(ZoneOutput(daemon), ExpectedZoneOutput(2));  // the backup's state

  // A second restore while that daemon runs is refused and moves nothing.
  refused = RunKpihub(daemon, "restore" + where + " " + backup);
  EXPECT_TRUE(refused.exited(1)) << refused.output;
  size_t aside = 0;
  for (const auto& e : fs::directory_iterator(daemon.dir())) {
    aside += e.path().filename().string().starts_with("state.before-restore-");
  }
  EXPECT_EQ(aside, 1u);  // only the one this test made
  Feed(daemon, 3);
  EXPECT_DOUBLE_EQ(ZoneOutput(daemon), ExpectedZoneOutput(3));
}

TEST(StateSafetyTest, DaemonWhoseDataFileIsMovedAwayStopsWithoutAcking) {
  DaemonHarness daemon(kScitech);
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  Feed(daemon, 2);
  // What an old restore (or an operator's mv) did under a running daemon.
  fs::rename(daemon.state_dir(), daemon.state_dir() + ".moved");
  fs::create_directory(daemon.state_dir());
  fs::copy_file(daemon.state_dir() + ".moved/data.mdb", daemon.state_dir() + "/data.mdb");
  LoadAdapter load(daemon, "scitech-1", daemon.endpoint(), 5);
  EXPECT_EQ(daemon.WaitExit(30000), 3) << daemon.ReadLog();
  load.Stop();
  // Batches 1 and 2 were committed before the move (their resends may or may not be answered
  // duplicate before the daemon stops); batch 3 must never be acked.
  EXPECT_LE(load.acked(), 2u);
  EXPECT_NE(daemon.ReadLog().find("no longer at"), std::string::npos) << daemon.ReadLog();
}

TEST(StateSafetyTest, TruncatedDataFileIsRefusedWithAMessageNeverASignal) {
  DaemonHarness daemon(kScitech);
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  Feed(daemon, 40);
  ASSERT_EQ(daemon.Stop(), 0);
  const std::string data = daemon.state_dir() + "/data.mdb";
  const std::string whole = daemon.dir() + "/whole.mdb";
  fs::copy_file(data, whole);
  // The pages the meta pages reference (after them the writer keeps a zeroed tail).
  const uint64_t size = platform::CheckLmdbDataFile(whole).required_bytes;
  ASSERT_GT(size, 16384u);
  const std::string where = " --config " + daemon.config_path();
  const std::string bad_backup = daemon.dir() + "/truncated-backup";
  fs::create_directory(bad_backup);
  int cuts = 0;
  // From the last 4 KiB missing down to 8 KiB left, every third page boundary (and 8 KiB).
  std::vector<uint64_t> cut_at;
  for (uint64_t keep = size - 4096; keep > 8192; keep -= 3 * 4096) cut_at.push_back(keep);
  cut_at.push_back(8192);
  for (uint64_t keep : cut_at) {
    SCOPED_TRACE("kept " + std::to_string(keep) + " of " + std::to_string(size) + " bytes");
    fs::copy_file(whole, data, fs::copy_options::overwrite_existing);
    fs::remove(daemon.state_dir() + "/lock.mdb");
    fs::resize_file(data, keep);
    fs::copy_file(data, bad_backup + "/data.mdb", fs::copy_options::overwrite_existing);
    ProcessOutcome started = RunDaemon(daemon);
    EXPECT_TRUE(started.exited(3)) << started.output;
    EXPECT_NE(started.output.find("truncated"), std::string::npos) << started.output;
    ProcessOutcome verify = RunKpihub(daemon, "verify" + where);
    EXPECT_FALSE(verify.signalled) << verify.signal;
    EXPECT_NE(verify.code, 0);
    EXPECT_NE(verify.output.find("truncated"), std::string::npos) << verify.output;
    fs::copy_file(whole, data, fs::copy_options::overwrite_existing);
    ProcessOutcome restore = RunKpihub(daemon, "restore" + where + " " + bad_backup);
    EXPECT_FALSE(restore.signalled) << restore.signal;
    EXPECT_NE(restore.code, 0);
    EXPECT_NE(restore.output.find("truncated"), std::string::npos) << restore.output;
    ++cuts;
  }
  EXPECT_GE(cuts, 2);
  std::printf("[state-safety] truncations=%d file_bytes=%llu\n", cuts,
              static_cast<unsigned long long>(size));
}

// Sets the root page number of every copy of named table `name`'s record in the main table
// (node header: data size 48, flag F_SUBDATA, key size; MDB_db's md_root is its last 8 bytes)
// to 1, a page LMDB's own check (`root > 1`) refuses with abort(). Returns the copies changed.
int BreakTableRoot(std::string* file, const std::string& name) {
  std::string header("\x30\x00\x00\x00\x02\x00", 6);
  header += static_cast<char>(name.size());
  header += '\0';
  const std::string pattern = header + name;
  int changed = 0;
  for (size_t at = file->find(pattern); at != std::string::npos; at = file->find(pattern, at + 1)) {
    const size_t root = at + pattern.size() + 40;
    if (root + 8 > file->size()) break;
    file->replace(root, 8, std::string("\x01\0\0\0\0\0\0\0", 8));
    ++changed;
  }
  return changed;
}

TEST(StateSafetyTest, LmdbsOwnConsistencyCheckIsAMessageNeverAnAbort) {
  DaemonHarness daemon(kScitech);
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  Feed(daemon, 6);
  ASSERT_EQ(daemon.Stop(), 0);
  const std::string data = daemon.state_dir() + "/data.mdb";
  std::string bytes;
  {
    std::ifstream in(data, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(BreakTableRoot(&bytes, "meta"), 0);  // read first by every program
  std::ofstream(data, std::ios::binary | std::ios::trunc) << bytes;
  fs::remove(daemon.state_dir() + "/lock.mdb");
  const std::string where = " --config " + daemon.config_path();
  for (const std::string command : {"verify", "kpis", "export --department scitech"}) {
    SCOPED_TRACE(command);
    ProcessOutcome run = RunKpihub(daemon, command + where);
    EXPECT_FALSE(run.signalled) << run.signal << "\n" << run.output;
    EXPECT_TRUE(run.exited(3)) << run.output;
    EXPECT_NE(run.output.find("LMDB found the data file inconsistent"), std::string::npos)
        << run.output;
  }
  ProcessOutcome started = RunDaemon(daemon);
  EXPECT_FALSE(started.signalled) << started.signal;
  EXPECT_TRUE(started.exited(3)) << started.output;
  EXPECT_NE(started.output.find("inconsistent"), std::string::npos) << started.output;
}

TEST(StateSafetyTest, UnusableStateFolderAndOversizedMapAreConfigurationErrors) {
  DaemonHarness daemon(kScitech);
  // A map no host can hold: exit 1 naming the setting (refused as out of range when the
  // configuration is read), not 3 (retried for ever).
  const std::string huge = daemon.dir() + "/huge.toml";
  {
    std::ifstream in(daemon.config_path());
    std::stringstream text;
    text << in.rdbuf() << "initial_map_mib = 1099511627776\nmax_map_mib = 1099511627776\n";
    std::ofstream(huge) << text.str();
  }
  ProcessOutcome map = RunToCompletion(BinaryPath("kpihubd") + " --config " + huge, daemon.dir());
  EXPECT_TRUE(map.exited(1)) << map.output;
  EXPECT_NE(map.output.find("_map_mib"), std::string::npos) << map.output;
  EXPECT_NE(map.output.find("out of range"), std::string::npos) << map.output;

  // A state folder on a read-only file system (as root, permissions do not refuse anything).
  const std::string ro = daemon.dir() + "/ro";
  fs::create_directory(ro);
  if (::mount("tmpfs", ro.c_str(), "tmpfs", MS_RDONLY, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a read-only tmpfs here (" << std::strerror(errno)
                 << "): the unwritable-folder case is not run";
  }
  ProcessOutcome unwritable = RunToCompletion(
      BinaryPath("kpihubd") + " --config " + daemon.config_path() + " --state-dir " + ro + "/state",
      daemon.dir());
  ::umount(ro.c_str());
  EXPECT_TRUE(unwritable.exited(1)) << unwritable.output;
  EXPECT_NE(unwritable.output.find(ro), std::string::npos) << unwritable.output;
}

}  // namespace
}  // namespace kpihub::testing
