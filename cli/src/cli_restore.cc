// `kpihub restore BACKUP`: replaces the state with a backup. The one command besides `keys`
// that writes, so it is careful: it checks the backup first (a kpihub store of this format
// whose aggregates verify), refuses while kpihubd runs (the lock beside the state folder, which
// it holds for the whole swap) or any process has the state open (LMDB's own lock), keeps the
// state it replaces beside it instead of deleting it, and records the restored store as
// created (state_guard.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "cli_commands.h"
#include "cli_format.h"
#include "kpihub/store/state_guard.h"
#include "state_access.h"
#include "state_location.h"

namespace kpihub::cli {
namespace {

constexpr char kRestoreHelp[] =
    "replace the state with a backup (the daemon must be stopped); the old state "
    "is kept aside";

namespace fs = std::filesystem;

struct RestoreArgs {
  StateLocation where;
  std::string backup;
};

bool Fail(const std::string& message) {
  std::fprintf(stderr, "kpihub restore: %s\n", message.c_str());
  return false;
}

bool VerifyOpened(const std::string& dir, store::Store& store) {
  std::vector<std::string> differences;
  kpihub::Status status = store.Verify(&differences);
  if (!status.ok()) return Fail("backup " + dir + " refused: " + status.ToString());
  if (!differences.empty()) {
    return Fail("backup " + dir + " refused: " + std::to_string(differences.size()) +
                " aggregates do not match their observations (kpihub verify --state-dir " + dir + ")");
  }
  return true;
}

// Checks the backup where it is, read-only. A backup written before the current store format
// cannot be read in place; *upgrade is then set and the copy is upgraded and checked instead
// (CheckUpgradedCopy), so the backup itself is never written to.
bool CheckBackup(const std::string& dir, bool* upgrade) {
  *upgrade = false;
  if (!fs::exists(fs::path(dir) / "data.mdb")) return Fail(dir + " holds no data.mdb: not a backup");
  store::StoreOptions options;
  options.path = dir;
  options.read_only = true;
  std::unique_ptr<store::Store> backup;
  kpihub::Status status = store::Store::Open(options, &backup);  // checks the format version
  if (status.code() == kpihub::Status::Code::kOldFormat) {
    *upgrade = true;
    return true;
  }
  if (!status.ok()) return Fail("backup " + dir + " refused: " + status.ToString());
  return VerifyOpened(dir, *backup);
}

// Opens the staged copy as the daemon would (which upgrades its format, in one transaction,
// synced), verifies it, and removes the lock file the open created, which would otherwise
// belong to whoever runs the restore.
bool CheckUpgradedCopy(const std::string& backup, const std::string& staging,
                       const app::DaemonConfig& config) {
  {
    store::StoreOptions options;
    options.path = staging;
    options.initial_map_bytes = config.initial_map_mib << 20;
    options.max_map_bytes = config.max_map_mib << 20;
    std::unique_ptr<store::Store> copy;
    kpihub::Status status = store::Store::Open(options, &copy);
    if (!status.ok()) return Fail("upgrading the copy of " + backup + ": " + status.ToString());
    if (!VerifyOpened(backup, *copy)) return false;
    std::printf("upgraded the copy of %s from store format %u to %u.\n", backup.c_str(),
                copy->UpgradedFrom(), store::Store::kFormatVersion);
  }
  std::error_code ec;
  fs::remove(fs::path(staging) / "lock.mdb", ec);
  return true;
}

// Every process with the environment open holds a read lock on byte 0 of lock.mdb (LMDB's
// liveness lock); a write lock succeeds only when nobody does. Kept until the process exits.
bool LockOutOtherUsers(const std::string& state_dir) {
  const std::string lock_file = state_dir + "/lock.mdb";
  const int fd = ::open(lock_file.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT || Fail("open " + lock_file + ": " + std::strerror(errno));
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 1;
  if (::fcntl(fd, F_SETLK, &lock) != 0) {
    ::close(fd);
    return Fail(state_dir + " is in use by kpihubd or another kpihub command: stop the daemon "
                "first (systemctl stop kpihubd)");
  }
  return true;  // fd stays open: closing it would drop the lock
}

bool TakeStateLock(const std::string& state, std::unique_ptr<store::StateLock>* lock) {
  std::error_code ec;
  fs::create_directories(fs::path(state).parent_path(), ec);
  kpihub::Status s = store::StateLock::Acquire(state, std::chrono::milliseconds(0), lock);
  if (s.code() == kpihub::Status::Code::kReadOnly) {
    return Fail(s.message() + ": stop the daemon first (systemctl stop kpihubd)");
  }
  return s.ok() || Fail(s.message());
}

bool CopyData(const std::string& backup, const std::string& staging, const fs::path& owner_of) {
  std::error_code ec;
  fs::remove_all(staging, ec);
  if (::mkdir(staging.c_str(), 0700) != 0) return Fail("mkdir " + staging + ": " + std::strerror(errno));
  const std::string data = staging + "/data.mdb";
  fs::copy_file(fs::path(backup) / "data.mdb", data, ec);
  if (ec) return Fail("copy into " + staging + ": " + ec.message());
  ::chmod(data.c_str(), 0600);
  struct stat st;
  if (::geteuid() == 0 && ::stat(owner_of.c_str(), &st) == 0) {
    // Restoring as root for the kpihub user: the copy must stay the daemon's.
    if (::chown(staging.c_str(), st.st_uid, st.st_gid) != 0 ||
        ::chown(data.c_str(), st.st_uid, st.st_gid) != 0) {
      return Fail("chown " + staging + ": " + std::strerror(errno));
    }
  }
  const int fd = ::open(data.c_str(), O_RDONLY | O_CLOEXEC);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  return synced || Fail("fsync " + data + ": " + std::strerror(errno));
}

int RunRestore(const RestoreArgs& args) {
  app::DaemonConfig config;
  if (!ResolveConfig(args.where, &config)) return 1;
  auto time = CivilTime::Load(config.time_zone);
  if (!time.ok()) {
    Fail(time.status().message());
    return 1;
  }
  std::string state = config.state_dir;
  while (state.size() > 1 && state.back() == '/') state.pop_back();
  bool upgrade = false;
  if (!CheckBackup(args.backup, &upgrade)) return 1;
  // The lock beside the state folder, held by kpihubd for its life: a daemon started while
  // this runs waits until the swap is over and then opens the restored state as a whole.
  std::unique_ptr<store::StateLock> state_lock;
  if (!TakeStateLock(state, &state_lock) || !LockOutOtherUsers(state)) return 1;
  const bool had_state = fs::exists(state);
  const fs::path owner_of = had_state ? fs::path(state) : fs::path(state).parent_path();
  const std::string staging = state + ".restoring";
  if (!CopyData(args.backup, staging, owner_of)) return 1;
  if (upgrade && !CheckUpgradedCopy(args.backup, staging, config)) {
    std::error_code ec;
    fs::remove_all(staging, ec);
    return 1;
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  std::string stamp =
      time->Format(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  for (char& c : stamp) c = c == ':' ? '-' : c;
  const std::string aside = state + ".before-restore-" + stamp;
  std::error_code ec;
  if (had_state) fs::rename(state, aside, ec);
  if (!ec) fs::rename(staging, state, ec);
  if (ec) {
    Fail("swapping in the restored state: " + ec.message());
    return 1;
  }
  if (kpihub::Status marked = store::MarkStateCreated(state); !marked.ok()) {
    Fail(marked.message());
    return 1;
  }
  std::printf("restored %s from %s.\n", state.c_str(), args.backup.c_str());
  if (had_state) std::printf("The state it replaced is kept in %s; delete it once the restored "
                             "daemon is confirmed.\n", aside.c_str());
  std::printf("Next: systemctl start kpihubd, then `kpihub status`: an adapter whose sequence "
              "is now behind resends from there (docs/operations.md, \"Backup and restore\").\n");
  return 0;
}

}  // namespace

CommandRunner AddRestoreCommand(CLI::App& app) {
  auto [cmd, args] = NewStateCommand<RestoreArgs>(app, "restore", kRestoreHelp);
  cmd->add_option("backup", args->backup, "a directory written by `kpihub backup`")->required();
  return [args] { return RunRestore(*args); };
}

}  // namespace kpihub::cli
