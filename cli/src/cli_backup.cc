// `kpihub backup DEST`: a consistent, compacted copy of the state, taken beside the running
// daemon (one LMDB read transaction: every batch is wholly in it or not at all), then opened
// and verified before the command reports success.
#include <cstdio>

#include "cli_commands.h"
#include "state_access.h"

namespace kpihub::cli {
namespace {

constexpr char kBackupHelp[] =
    "write a consistent compacted copy of the state to DEST (a new directory), "
    "beside the running daemon, and verify it";

struct BackupArgs {
  StateLocation where;
  std::string dest;
};

// Opens `dir` as a store and checks every aggregate; prints what is wrong.
bool CheckCopy(const std::string& dir, store::StoreStats* stats) {
  store::StoreOptions options;
  options.path = dir;
  options.read_only = true;
  std::unique_ptr<store::Store> copy;
  kpihub::Status status = store::Store::Open(options, &copy);
  std::vector<std::string> differences;
  if (status.ok()) status = copy->Verify(&differences);
  if (!status.ok() || !differences.empty()) {
    std::fprintf(stderr, "kpihub backup: the copy in %s does not verify: %s\n", dir.c_str(),
                 status.ok() ? (std::to_string(differences.size()) + " differences").c_str()
                             : status.ToString().c_str());
    return false;
  }
  *stats = copy->Stats();
  return true;
}

int RunBackup(const BackupArgs& args) {
  auto opened = OpenStateReadOnly(args.where);
  if (!opened) return 1;
  kpihub::Status status = opened->store->Backup(args.dest);
  if (!status.ok()) {
    std::fprintf(stderr, "kpihub backup: %s\n", status.ToString().c_str());
    return 1;
  }
  store::StoreStats stats;
  if (!CheckCopy(args.dest, &stats)) return 2;
  std::printf("backup %s: %llu observations, %llu cells, %llu journal entries, %llu history "
              "entries, %llu dead letters, %.1f MiB; verified\n",
              args.dest.c_str(), static_cast<unsigned long long>(stats.observations),
              static_cast<unsigned long long>(stats.cells),
              static_cast<unsigned long long>(stats.journal_entries),
              static_cast<unsigned long long>(stats.history_entries),
              static_cast<unsigned long long>(stats.dead_letters), stats.file_bytes / 1048576.0);
  return 0;
}

}  // namespace

CommandRunner AddBackupCommand(CLI::App& app) {
  auto [cmd, args] = NewStateCommand<BackupArgs>(app, "backup", kBackupHelp);
  cmd->add_option("dest", args->dest, "directory to create; must not exist")->required();
  return [args] { return RunBackup(*args); };
}

}  // namespace kpihub::cli
