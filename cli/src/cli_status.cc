#include <cstdio>

#include "cli_format.h"
#include "state_access.h"

namespace kpihub::cli {
namespace {

// A command that only reads the state: registered with the state options; its runner opens
// the state (saying why it cannot) and hands it to `run`.
CommandRunner AddReadOnlyCommand(CLI::App& app, const char* name, const char* description,
                                 int (*run)(OpenedState&)) {
  auto* cmd = app.add_subcommand(name, description);
  auto where = std::make_shared<StateLocation>();
  AddStateOptions(cmd, where.get());
  return [where, run] {
    auto opened = OpenStateReadOnly(*where);
    return opened ? run(*opened) : 1;
  };
}

int RunStatus(OpenedState& opened) {
  std::unique_ptr<store::Snapshot> snapshot;
  kpihub::Status status = opened.store->OpenSnapshot(&snapshot);
  if (!status.ok()) return ReportFailure("status", status);
  std::printf("%-20s %-12s %10s %-25s %10s %12s %10s\n", "adapter", "department", "last_seq",
              "last_batch", "batches", "accepted", "rejected");
  status = snapshot->ForEachSender([&opened](const store::SenderState& s) {
    std::printf("%-20s %-12s %10llu %-25s %10llu %12llu %10llu\n", s.adapter.c_str(),
                s.department.c_str(), static_cast<unsigned long long>(s.last_sequence),
                opened.time.Format(s.last_batch_unix_ms).c_str(),
                static_cast<unsigned long long>(s.batches),
                static_cast<unsigned long long>(s.observations_accepted),
                static_cast<unsigned long long>(s.observations_rejected));
  });
  store::StoreStats stats = snapshot->Stats();
  std::printf("\nstore %s: %llu observations, %llu cells, %llu journal entries, %llu dead "
              "letters; %.1f MiB used of a %.1f MiB map, file %.1f MiB\n",
              opened.config.state_dir.c_str(),
              static_cast<unsigned long long>(stats.observations),
              static_cast<unsigned long long>(stats.cells),
              static_cast<unsigned long long>(stats.journal_entries),
              static_cast<unsigned long long>(stats.dead_letters),
              stats.used_bytes / 1048576.0, stats.map_size_bytes / 1048576.0,
              stats.file_bytes / 1048576.0);
  return status.ok() ? 0 : 1;
}

int RunVerify(OpenedState& opened) {
  std::vector<std::string> differences;
  kpihub::Status status = opened.store->Verify(&differences);
  if (!status.ok()) return ReportFailure("verify", status);
  for (const auto& d : differences) std::printf("MISMATCH %s\n", d.c_str());
  store::StoreStats stats = opened.store->Stats();
  std::printf("verify: %llu observations, %llu cells, %zu differences\n",
              static_cast<unsigned long long>(stats.observations),
              static_cast<unsigned long long>(stats.cells), differences.size());
  return differences.empty() ? 0 : 2;
}

}  // namespace

CommandRunner AddStatusCommand(CLI::App& app) {
  return AddReadOnlyCommand(app, "status", "per adapter: last sequence, last batch time, counts",
                            RunStatus);
}

CommandRunner AddVerifyCommand(CLI::App& app) {
  return AddReadOnlyCommand(
      app, "verify", "recompute every aggregate from the stored observations and compare bit for bit",
      RunVerify);
}

}  // namespace kpihub::cli
