// Single-bit flips in a small real store (a compact `kpihub backup` of a fed daemon), each run
// through `kpihub verify`, `kpihub kpis` and `kpihub export` as subprocesses, and every 40th
// through a daemon start and a scrape. Must hold for every flip: every program exits with a
// code, never a signal; and the flip is either detected (a command refuses, naming the
// damage) or harmless (every command succeeds with exactly the pristine output: LMDB free
// space, unused page space, counters the output does not show). A flip that changes what a
// command prints while verify passes is a failure, reported with its offset.
// KPIHUB_BITFLIPS (default 1000, 200 in sanitized builds; KPIHUB_LONG: 4000 and 1000) bits
// are sampled with KPIHUB_BITFLIP_SEED (default: the time), printed so that a failing run can
// be repeated, and tried in the order drawn. A loaded machine can make each flip several times
// slower: the flips stop when KPIHUB_BITFLIP_SECONDS (default 120, 60 in sanitized builds;
// none in a long run) have gone, after at least 50, and the summary says how many were tried.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <vector>

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

// A sanitized build leaves SIGSEGV and SIGBUS to ASan (platform::ExitCleanlyOnMapFault is
// off there, so that its reports of our own faults are kept): a wild access inside LMDB itself
// then ends in ASan's report and SIGABRT instead of the handler's message and exit 3. Such a
// death counts as the handled fault it is in the normal build only when the faulting frame
// (#0) is in liblmdb; a fault in kpihub's own code stays a crash.
bool AsanFaultInsideLmdb(const testing::ProcessOutcome& run) {
#ifdef KPIHUB_SANITIZED_BUILD
  if (!run.signalled || run.signal != SIGABRT) return false;
  const std::string& out = run.output;
  if (out.find("ERROR: AddressSanitizer: SEGV") == std::string::npos &&
      out.find("ERROR: AddressSanitizer: BUS") == std::string::npos) {
    return false;
  }
  const size_t frame = out.find("    #0 ");
  if (frame == std::string::npos) return false;
  const size_t end = out.find('\n', frame);
  return out.substr(frame, end - frame).find("liblmdb.so") != std::string::npos;
#else
  (void)run;
  return false;
#endif
}

// Starts the daemon on the flipped store and scrapes it once; false if it crashed.
bool DaemonSurvives(DaemonHarness& daemon, std::string* what) {
  if (!daemon.Start()) {
    const int status = daemon.last_wait_status();
    *what = WIFSIGNALED(status) ? "start: signal " + std::to_string(WTERMSIG(status))
                                : "refused to start, exit " + std::to_string(WEXITSTATUS(status));
    testing::ProcessOutcome start;
    start.signalled = WIFSIGNALED(status);
    start.signal = start.signalled ? WTERMSIG(status) : 0;
    start.output = daemon.ReadLog();
    return !WIFSIGNALED(status) || AsanFaultInsideLmdb(start);
  }
  (void)testing::HttpGet(daemon.metrics_port(), "/metrics");
  daemon.Stop();
  const int status = daemon.last_wait_status();
  *what = "served";
  return !WIFSIGNALED(status);
}

// A small real store: a daemon fed six batches, compacted by `kpihub backup`. Its bytes in
// *pristine, and in *used how many of them the meta pages reference.
void MakeSmallStore(DaemonHarness& daemon, std::string* pristine, uint64_t* used) {
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
  *pristine = ReadBytes(backup + "/data.mdb");
  // The pages the meta pages reference; the zeroed tail after them (kLmdbTailPaddingBytes)
  // is never read, so flips there are harmless by construction and not sampled.
  *used = platform::CheckLmdbDataFile(backup + "/data.mdb").required_bytes;
  ASSERT_GT(*used, 0u);
  ASSERT_LE(*used, pristine->size());
}

struct Tally {
  int detected = 0, faults_handled = 0, harmless = 0, crashed = 0, undetected = 0,
      daemon_runs = 0;
};

// One flip: a command killed by a signal is a crash, a refusal is a detection, and when every
// command succeeded each must print exactly what it prints on the undamaged store.
void Classify(const Outputs& out, const Outputs& baseline, const std::string& where, Tally* t) {
  bool lmdb_fault = false, other_signal = false;
  for (const auto& r : out.runs) {
    if (!r.signalled) continue;
    (AsanFaultInsideLmdb(r) ? lmdb_fault : other_signal) = true;
  }
  if (lmdb_fault && !other_signal) {
    ++t->detected;
    ++t->faults_handled;
    std::printf("[bit-flip] %s: fault inside LMDB (ASan's report, sanitized build)\n", where.c_str());
    return;
  }
  if (out.any_signal()) {
    ++t->crashed;
    for (size_t i = 0; i < out.runs.size(); ++i) {
      if (out.runs[i].signalled) {
        ADD_FAILURE() << where << ": command " << i << " died by signal " << out.runs[i].signal
                      << "; it printed:\n" << out.runs[i].output;
      }
    }
    return;
  }
  if (!out.all_ok()) {
    ++t->detected;
    for (const auto& r : out.runs) {
      if (r.output.find("memory fault") == std::string::npos &&
          r.output.find("LMDB found the data file inconsistent") == std::string::npos) {
        continue;
      }
      ++t->faults_handled;  // LMDB read outside the file or failed its own check: exit 3
      std::printf("[bit-flip] %s: fault inside LMDB handled (exit 3)\n", where.c_str());
      break;
    }
    return;
  }
  for (size_t i = 0; i < out.runs.size(); ++i) {
    if (out.runs[i].output == baseline.runs[i].output) continue;
    ++t->undetected;
    ADD_FAILURE() << where << ": every command succeeded but command " << i
                  << " printed something else:\n" << out.runs[i].output << "\ninstead of\n"
                  << baseline.runs[i].output;
    return;
  }
  ++t->harmless;
}

// The bits to flip, sampled over the used bytes, distinct, in the order drawn (so that a run
// stopped by its time budget has still tried bits all over the file); the seed is printed so
// that a failure can be repeated. Sanitizer builds run each command several times slower: they
// sample fewer.
std::vector<uint64_t> SampleBits(uint64_t used, uint64_t* seed) {
#ifdef KPIHUB_SANITIZED_BUILD
  const int64_t flips = EnvInt("KPIHUB_BITFLIPS", LongRun() ? 1000 : 200);
#else
  const int64_t flips = EnvInt("KPIHUB_BITFLIPS", LongRun() ? 4000 : 1000);
#endif
  *seed = static_cast<uint64_t>(EnvInt(
      "KPIHUB_BITFLIP_SEED", std::chrono::system_clock::now().time_since_epoch().count()));
  std::printf("[bit-flip] seed=%llu flips=%lld used_bytes=%llu (repeat: KPIHUB_BITFLIP_SEED=%llu)\n",
              static_cast<unsigned long long>(*seed), static_cast<long long>(flips),
              static_cast<unsigned long long>(used), static_cast<unsigned long long>(*seed));
  std::mt19937_64 random(*seed);
  std::uniform_int_distribution<uint64_t> pick(0, used * 8 - 1);
  std::set<uint64_t> seen;
  std::vector<uint64_t> bits;
  while (bits.size() < static_cast<size_t>(std::min<int64_t>(flips, used * 8))) {
    const uint64_t bit = pick(random);
    if (seen.insert(bit).second) bits.push_back(bit);
  }
  return bits;
}

TEST(BitFlipTest, EveryFlipIsDetectedOrHarmlessAndNothingCrashes) {
  DaemonHarness daemon({std::pair<std::string, std::string>{"scitech-1", "scitech"}});
  std::string pristine;
  uint64_t used = 0;
  MakeSmallStore(daemon, &pristine, &used);
  if (HasFatalFailure()) return;
  const std::string data = daemon.state_dir() + "/data.mdb";
  fs::remove(daemon.state_dir() + "/lock.mdb");
  WriteBytes(data, pristine);
  const Outputs baseline = RunCommands(daemon);
  ASSERT_TRUE(baseline.all_ok()) << baseline.runs[0].output;

  uint64_t seed = 0;
  const std::vector<uint64_t> bits = SampleBits(used, &seed);
#ifdef KPIHUB_SANITIZED_BUILD
  constexpr int64_t kBudgetSeconds = 60;  // the whole suite's run time is bounded (CI)
#else
  constexpr int64_t kBudgetSeconds = 120;
#endif
  const auto budget =
      std::chrono::seconds(EnvInt("KPIHUB_BITFLIP_SECONDS", LongRun() ? 0 : kBudgetSeconds));
  const auto started = std::chrono::steady_clock::now();
  constexpr int kMinimumFlips = 50;
  Tally t;
  int n = 0;
  for (uint64_t bit : bits) {
    if (budget.count() > 0 && n >= kMinimumFlips &&
        std::chrono::steady_clock::now() - started > budget) {
      std::printf("[bit-flip] time budget of %lld s spent after %d of %zu flips\n",
                  static_cast<long long>(budget.count()), n, bits.size());
      break;
    }
    std::string flipped = pristine;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    fs::remove(daemon.state_dir() + "/lock.mdb");
    WriteBytes(data, flipped);
    const std::string where = "byte " + std::to_string(bit / 8) + " bit " + std::to_string(bit % 8);
    Classify(RunCommands(daemon), baseline, where, &t);
    if (++n % 40 == 0) {
      ++t.daemon_runs;
      WriteBytes(data, flipped);
      std::string what;
      if (!DaemonSurvives(daemon, &what)) {
        ++t.crashed;
        ADD_FAILURE() << where << ": kpihubd " << what << "\n" << daemon.ReadLog();
      }
    }
  }
  std::vector<std::pair<std::string, std::string>> summary{{"seed", std::to_string(seed)},
                                                          {"flips", std::to_string(n)}};
  for (const auto& [name, count] :
       {std::pair<const char*, int>{"detected", t.detected}, {"faults_handled", t.faults_handled},
        {"harmless", t.harmless}, {"undetected", t.undetected}, {"crashed", t.crashed},
        {"daemon_runs", t.daemon_runs}}) {
    summary.emplace_back(name, std::to_string(count));
  }
  PrintSummary("bit_flip", summary);
  EXPECT_EQ(t.crashed, 0);
  EXPECT_EQ(t.undetected, 0);
}

}  // namespace
}  // namespace kpihub::reliability
