#include <cstdio>
#include <ctime>

#include "state_access.h"

namespace kpihub::cli {
namespace {

std::string FormatTime(int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

CommandRunner AddStatusCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("status", "per adapter: last sequence, last batch time, counts");
  auto where = std::make_shared<StateLocation>();
  AddStateOptions(cmd, where.get());
  return [where] {
    auto opened = OpenStateReadOnly(*where);
    if (!opened) return 1;
    std::unique_ptr<store::Snapshot> snapshot;
    store::Status status = opened->store->OpenSnapshot(&snapshot);
    if (!status.ok()) {
      std::fprintf(stderr, "kpihub status: %s\n", status.ToString().c_str());
      return 1;
    }
    std::printf("%-20s %-12s %10s %-21s %10s %12s %10s\n", "adapter", "department", "last_seq",
                "last_batch", "batches", "accepted", "rejected");
    status = snapshot->ForEachSender([](const store::SenderState& s) {
      std::printf("%-20s %-12s %10llu %-21s %10llu %12llu %10llu\n", s.adapter.c_str(),
                  s.department.c_str(), static_cast<unsigned long long>(s.last_sequence),
                  FormatTime(s.last_batch_unix_ms).c_str(),
                  static_cast<unsigned long long>(s.batches),
                  static_cast<unsigned long long>(s.observations_accepted),
                  static_cast<unsigned long long>(s.observations_rejected));
    });
    store::StoreStats stats = snapshot->Stats();
    std::printf("\nstore %s: %llu observations, %llu cells, %llu journal entries, %llu dead "
                "letters; %.1f MiB used of a %.1f MiB map, file %.1f MiB\n",
                opened->config.state_dir.c_str(),
                static_cast<unsigned long long>(stats.observations),
                static_cast<unsigned long long>(stats.cells),
                static_cast<unsigned long long>(stats.journal_entries),
                static_cast<unsigned long long>(stats.dead_letters),
                stats.used_bytes / 1048576.0, stats.map_size_bytes / 1048576.0,
                stats.file_bytes / 1048576.0);
    return status.ok() ? 0 : 1;
  };
}

CommandRunner AddVerifyCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "verify", "recompute every aggregate from the stored observations and compare bit for bit");
  auto where = std::make_shared<StateLocation>();
  AddStateOptions(cmd, where.get());
  return [where] {
    auto opened = OpenStateReadOnly(*where);
    if (!opened) return 1;
    std::vector<std::string> differences;
    store::Status status = opened->store->Verify(&differences);
    if (!status.ok()) {
      std::fprintf(stderr, "kpihub verify: %s\n", status.ToString().c_str());
      return 1;
    }
    for (const auto& d : differences) std::printf("MISMATCH %s\n", d.c_str());
    store::StoreStats stats = opened->store->Stats();
    std::printf("verify: %llu observations, %llu cells, %zu differences\n",
                static_cast<unsigned long long>(stats.observations),
                static_cast<unsigned long long>(stats.cells), differences.size());
    return differences.empty() ? 0 : 2;
  };
}

}  // namespace kpihub::cli
