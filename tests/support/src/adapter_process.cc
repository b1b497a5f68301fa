#include "kpihub/testing/adapter_process.h"

#include <filesystem>

#include "kpihub/testing/daemon_harness.h"

namespace kpihub::testing {
namespace {

const std::map<std::string, std::string> kAdapterOf = {
    {"scitech", "scitech-1"}, {"tax", "tax-1"}, {"finance", "finance-1"}, {"environment", "env-1"}};

}  // namespace

const std::map<std::string, std::vector<std::string>>& SampleFiles() {
  // In the order a department sends them: each `DEPT-update-*` file revises figures of an
  // earlier one, and must come after it.
  static const std::map<std::string, std::vector<std::string>> files = {
      {"tax", {"tax-enterprises-annual.csv", "tax-update-enterprises-annual.csv"}},
      {"finance", {"finance-gdp-quarterly.csv", "finance-budget-monthly.csv",
                   "finance-park-annual.csv", "finance-startup-subsidies.csv",
                   "finance-update-budget-monthly.csv", "finance-update-gdp-quarterly.csv"}},
      {"scitech", {"scitech-enterprises-monthly.csv", "scitech-enterprises-quarterly.csv",
                   "scitech-enterprises-annual.csv", "scitech-parks-annual.csv",
                   "scitech-update-enterprises-monthly.csv",
                   "scitech-update-enterprises-quarterly.csv"}},
      {"environment", {"environment-monitoring.jsonl", "environment-update-monitoring.jsonl"}},
  };
  return files;
}

std::vector<std::pair<std::string, std::string>> SampleAdapters() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [dept, id] : kAdapterOf) out.emplace_back(id, dept);
  return out;
}

const std::string& SampleAdapterId(const std::string& department) {
  return kAdapterOf.at(department);
}

std::vector<std::unique_ptr<AdapterProcess>> StartSampleFeed(const DaemonHarness& daemon,
                                                             const std::string& source_dir,
                                                             int deadline_s) {
  const std::string inbox = daemon.dir() + "/inbox";
  std::filesystem::create_directories(inbox);
  std::vector<std::unique_ptr<AdapterProcess>> adapters;
  for (const auto& [dept, files] : SampleFiles()) {
    const std::string& id = kAdapterOf.at(dept);
    std::vector<std::string> args = {
        "--profile", source_dir + "/config/profiles/" + dept + ".toml",
        "--key", daemon.dir() + "/" + id + ".key",
        "--server-key", daemon.dir() + "/server.pub", "--endpoint", daemon.endpoint(),
        "--state-dir", daemon.dir() + "/adapter-" + id, "--deadline", std::to_string(deadline_s)};
    for (const std::string& f : files) {
      std::filesystem::copy_file(source_dir + "/samples/demo/" + f, inbox + "/" + f);
      args.push_back("--input");
      args.push_back(inbox + "/" + f);
    }
    adapters.push_back(
        std::make_unique<AdapterProcess>(args, daemon.dir() + "/adapter-" + dept + ".log"));
  }
  return adapters;
}

AdapterProcess::AdapterProcess(std::vector<std::string> args, std::string log_path)
    : log_path_(std::move(log_path)) {
  args.insert(args.begin(), KPIHUB_ADAPTER_BINARY);
  process_.Start(std::move(args), log_path_);
}

std::string AdapterProcess::Log() const { return ReadWholeFile(log_path_); }

}  // namespace kpihub::testing
