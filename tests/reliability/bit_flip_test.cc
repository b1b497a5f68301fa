// Single-bit flips in a small real store (a compact `kpihub backup` of a fed daemon), each run
// through `kpihub verify`, `kpihub kpis` and `kpihub export` as subprocesses, and every 40th
// through a daemon start and a scrape. Must hold for every flip: every program exits with a
// code, never a signal; and the flip is either detected (a command refuses, naming the
// damage) or harmless (every command succeeds with exactly the pristine output: LMDB free
// space, unused page space, counters the output does not show). A flip that changes what a
// command prints while verify passes is a failure, reported with its offset.
// KPIHUB_BITFLIPS (default 1000; KPIHUB_LONG: 4000) bits are sampled with KPIHUB_BITFLIP_SEED
// (default: the time), printed so that a failing run can be repeated.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "kpihub/platform/lmdb_file_check.h"
#include "ops_test_util.h"
#include "process_outcome.h"
#include "reliability_util.h"

namespace kpihub::reliability {
namespace {

namespace fs = std::filesystem;
using testing::DaemonHarness;
using testing::ProcessOutcome;

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

struct Outputs {
  std::vector<ProcessOutcome> runs;
  bool any_signal() const {
    for (const auto& r : runs) if (r.signalled) return true;
    return false;
  }
  bool all_ok() const {
    for (const auto& r : runs) if (!r.exited(0)) return false;
    return true;
  }
};

Outputs RunCommands(const DaemonHarness& daemon) {
  const std::string where = " --config " + daemon.config_path();
  Outputs out;
  for (const std::string command : {"verify", "kpis", "export --department scitech"}) {
    out.runs.push_back(testing::RunToCompletion(
        testing::BinaryPath("kpihub") + " " + command + where, daemon.dir(), 60));
  }
  return out;
}

// Starts the daemon on the flipped store and scrapes it once; false if it crashed.
bool DaemonSurvives(DaemonHarness& daemon, std::string* what) {
  if (!daemon.Start()) {
    const int status = daemon.last_wait_status();
    *what = WIFSIGNALED(status) ? "start: signal " + std::to_string(WTERMSIG(status))
                                : "refused to start, exit " + std::to_string(WEXITSTATUS(status));
    return !WIFSIGNALED(status);
  }
  (void)testing::HttpGet(daemon.metrics_port(), "/metrics");
  daemon.Stop();
  const int status = daemon.last_wait_status();
  *what = "served";
  return !WIFSIGNALED(status);
}

TEST(BitFlipTest, EveryFlipIsDetectedOrHarmlessAndNothingCrashes) {
  DaemonHarness daemon({std::pair<std::string, std::string>{"scitech-1", "scitech"}});
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  {
    testing::LoadAdapter load(daemon, "scitech-1", daemon.endpoint(), 6);
    ASSERT_TRUE(testing::WaitUntil([&] { return load.acked() >= 6; }, 30000));
  }
  const std::string backup = daemon.dir() + "/small";
  ProcessOutcome backed_up = testing::RunToCompletion(
      testing::BinaryPath("kpihub") + " backup --config " + daemon.config_path() + " " + backup,
      daemon.dir());
  ASSERT_TRUE(backed_up.exited(0)) << backed_up.output;
  ASSERT_EQ(daemon.Stop(), 0);
  const std::string pristine = ReadBytes(backup + "/data.mdb");
  // The pages the meta pages reference; the zeroed tail after them (kLmdbTailPaddingBytes)
  // is never read, so flips there are harmless by construction and not sampled.
  const uint64_t used = platform::CheckLmdbDataFile(backup + "/data.mdb").required_bytes;
  ASSERT_GT(used, 0u);
  ASSERT_LE(used, pristine.size());
  const std::string data = daemon.state_dir() + "/data.mdb";
  fs::remove(daemon.state_dir() + "/lock.mdb");
  WriteBytes(data, pristine);
  const Outputs baseline = RunCommands(daemon);
  ASSERT_TRUE(baseline.all_ok()) << baseline.runs[0].output;

  const int64_t flips = EnvInt("KPIHUB_BITFLIPS", LongRun() ? 4000 : 1000);
  const uint64_t seed = static_cast<uint64_t>(EnvInt(
      "KPIHUB_BITFLIP_SEED", std::chrono::system_clock::now().time_since_epoch().count()));
  std::printf("[bit-flip] seed=%llu flips=%lld used_bytes=%llu (repeat: KPIHUB_BITFLIP_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<long long>(flips),
              static_cast<unsigned long long>(used),
              static_cast<unsigned long long>(seed));
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<uint64_t> pick(0, used * 8 - 1);
  std::set<uint64_t> bits;
  while (bits.size() < static_cast<size_t>(std::min<int64_t>(flips, used * 8))) {
    bits.insert(pick(random));
  }
  int faults_handled = 0;
  int detected = 0, harmless = 0, crashed = 0, undetected = 0, daemon_runs = 0, n = 0;
  for (uint64_t bit : bits) {
    std::string flipped = pristine;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    fs::remove(daemon.state_dir() + "/lock.mdb");
    WriteBytes(data, flipped);
    const Outputs out = RunCommands(daemon);
    const std::string where = "byte " + std::to_string(bit / 8) + " bit " + std::to_string(bit % 8);
    if (out.any_signal()) {
      ++crashed;
      for (size_t i = 0; i < out.runs.size(); ++i) {
        if (out.runs[i].signalled) {
          ADD_FAILURE() << where << ": command " << i << " died by signal " << out.runs[i].signal;
        }
      }
    } else if (!out.all_ok()) {
      ++detected;
      for (const auto& r : out.runs) {
        if (r.output.find("memory fault") != std::string::npos) {
          ++faults_handled;  // LMDB read outside the file; the handler turned it into exit 3
          std::printf("[bit-flip] %s: memory fault handled\n", where.c_str());
          break;
        }
      }
    } else {
      size_t changed = out.runs.size();
      for (size_t i = 0; i < out.runs.size() && changed == out.runs.size(); ++i) {
        if (out.runs[i].output != baseline.runs[i].output) changed = i;
      }
      if (changed == out.runs.size()) {
        ++harmless;
      } else {
        ++undetected;
        ADD_FAILURE() << where << ": every command succeeded but command " << changed
                      << " printed something else:\n" << out.runs[changed].output
                      << "\ninstead of\n" << baseline.runs[changed].output;
      }
    }
    if (++n % 40 == 0) {
      ++daemon_runs;
      WriteBytes(data, flipped);
      std::string what;
      if (!DaemonSurvives(daemon, &what)) {
        ++crashed;
        ADD_FAILURE() << where << ": kpihubd " << what << "\n" << daemon.ReadLog();
      }
    }
  }
  PrintSummary("bit_flip", {{"seed", std::to_string(seed)},
                            {"flips", std::to_string(bits.size())},
                            {"detected", std::to_string(detected)},
                            {"faults_handled", std::to_string(faults_handled)},
                            {"harmless", std::to_string(harmless)},
                            {"undetected", std::to_string(undetected)},
                            {"crashed", std::to_string(crashed)},
                            {"daemon_runs", std::to_string(daemon_runs)}});
  EXPECT_EQ(crashed, 0);
  EXPECT_EQ(undetected, 0);
}

}  // namespace
}  // namespace kpihub::reliability
