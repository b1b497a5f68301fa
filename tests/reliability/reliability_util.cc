#include "reliability_util.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace kpihub::reliability {

bool LongRun() {
  const char* v = std::getenv("KPIHUB_LONG");
  return v != nullptr && std::string(v) == "1";
}

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::strtoll(v, nullptr, 10);
}

uint64_t RunSeed(const std::string& suite) {
  const auto seed = static_cast<uint64_t>(EnvInt(
      "KPIHUB_RELIABILITY_SEED", std::chrono::steady_clock::now().time_since_epoch().count()));
  std::printf("[reliability] %s seed=%llu (KPIHUB_RELIABILITY_SEED=%llu repeats it)\n",
              suite.c_str(), static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  return seed;
}

std::string ShimPreload() {
  std::string preload;
#ifdef KPIHUB_ASAN_RUNTIME
  preload = std::string(KPIHUB_ASAN_RUNTIME) + ":";
#endif
  return preload + KPIHUB_FAULT_SHIM;
}

ScopedEnv::ScopedEnv(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {
  for (const auto& [k, v] : vars_) setenv(k.c_str(), v.c_str(), 1);
}

ScopedEnv::~ScopedEnv() {
  for (const auto& [k, v] : vars_) unsetenv(k.c_str());
}

FleetOptions FleetFor(const testing::DaemonHarness& daemon) {
  FleetOptions o;
  o.endpoint = daemon.endpoint();
  o.server_key_file = daemon.dir() + "/server.pub";
  o.key_dir = daemon.dir();
  o.state_dir = daemon.dir() + "/outboxes";
  return o;
}

std::map<std::string, double> Scrape(const testing::DaemonHarness& daemon) {
  auto body = testing::HttpGet(daemon.metrics_port(), "/metrics");
  return body ? testing::ParseMetrics(*body) : std::map<std::string, double>{};
}

double Metric(const std::map<std::string, double>& metrics, const std::string& key) {
  auto it = metrics.find(key);
  return it == metrics.end() ? std::nan("") : it->second;
}

int CliVerify(const testing::DaemonHarness& daemon, std::string* out) {
  return testing::RunCommand(testing::BinaryPath("kpihub") + " verify --config " +
                                 daemon.config_path(), out);
}

FigureMap CliExport(const testing::DaemonHarness& daemon, const std::string& department) {
  std::string out;
  FigureMap figures;
  if (testing::RunCommand(testing::BinaryPath("kpihub") + " export --department " + department +
                              " --config " + daemon.config_path(), &out) != 0) {
    return figures;
  }
  // indicator,park,entity,period,value,note,adapter,sequence,received (no field is quoted:
  // the feeds have no notes and no commas).
  std::istringstream in(out);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, ',')) f.push_back(field);
    if (f.size() < 8) continue;
    figures[core::FigureKey{f[0], f[1], f[3], f[2]}] =
        Figure{ParseMicros(f[4]), std::strtoull(f[7].c_str(), nullptr, 10)};
  }
  return figures;
}

void PrintSummary(const std::string& suite,
                  const std::vector<std::pair<std::string, std::string>>& figures) {
  std::string line = "[reliability] " + suite;
  for (const auto& [k, v] : figures) line += " " + k + "=" + v;
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace kpihub::reliability
