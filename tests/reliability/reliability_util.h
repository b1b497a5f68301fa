// Helpers shared by the reliability suites: run length from the environment, the fault shim's
// LD_PRELOAD line, reading /metrics and the CLI, and the one summary line each suite prints.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "adapter_fleet.h"
#include "kpihub/testing/daemon_harness.h"

namespace kpihub::reliability {

// KPIHUB_LONG=1 (scripts/reliability.sh) selects the long versions.
bool LongRun();
// An integer from the environment, or `fallback`.
int64_t EnvInt(const char* name, int64_t fallback);
// The random seed of `suite`'s run: KPIHUB_RELIABILITY_SEED, or else taken from the clock.
// Printed at once ("[reliability] SUITE seed=N ..."), so a run that fails or hangs can be
// repeated.
uint64_t RunSeed(const std::string& suite);

// LD_PRELOAD value for the fault shim: the ASan runtime first when this build is sanitized.
std::string ShimPreload();

// Sets the variables while a child is started (the harness forks and execs), then unsets them.
class ScopedEnv {
 public:
  explicit ScopedEnv(std::map<std::string, std::string> vars);
  ~ScopedEnv();

 private:
  std::map<std::string, std::string> vars_;
};

// Fleet options for a daemon run by `daemon`, outboxes under its temp dir.
FleetOptions FleetFor(const testing::DaemonHarness& daemon);

std::map<std::string, double> Scrape(const testing::DaemonHarness& daemon);
double Metric(const std::map<std::string, double>& metrics, const std::string& key);

// `kpihub verify` against the daemon's configuration: exit code, output in *out.
int CliVerify(const testing::DaemonHarness& daemon, std::string* out);
// `kpihub export --department D` parsed back into figures (value and last writer's sequence).
FigureMap CliExport(const testing::DaemonHarness& daemon, const std::string& department);

// Prints "[reliability] SUITE k=v k=v ..." to stdout, the line scripts/reliability.sh collects.
void PrintSummary(const std::string& suite,
                  const std::vector<std::pair<std::string, std::string>>& figures);

}  // namespace kpihub::reliability
