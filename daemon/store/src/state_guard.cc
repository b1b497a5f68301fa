#include "kpihub/store/state_guard.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <thread>

#include "kpihub/platform/lmdb_file_check.h"

namespace kpihub::store {
namespace {

std::string WithoutTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

bool MarkerSaysCreated(const std::string& marker) {
  struct stat st;
  return ::stat(marker.c_str(), &st) == 0 && st.st_size > 0;
}

Status NoStoreWhereOneWas(const std::string& dir, const std::string& what) {
  return Status::Error(
      Status::Code::kInvalidArgument,
      dir + "/data.mdb is " + what + ", but " + StateMarkerPath(dir) +
          " records that a store was created there: is the state volume mounted? Restore a "
          "backup (kpihub restore) or, to start over with an empty store on purpose, run "
          "`kpihub init --state-dir " + dir + "`");
}

// Written in place, not renamed into place: under systemd's ProtectSystem=strict the file is
// created by tmpfiles.d and bind-mounted writable, and its folder stays read-only.
Status WriteFileSynced(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::Error(Status::Code::kInvalidArgument,
                         "cannot write " + path + ": " + std::strerror(errno) +
                             " (the folder holding state_dir must be writable, or the file "
                             "created for the daemon's user)");
  }
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!written) return Status::Error(Status::Code::kIoError, "write " + path + ": " + std::strerror(err));
  return Status::Ok();
}

}  // namespace

std::string StateLockPath(const std::string& state_dir) {
  return WithoutTrailingSlashes(state_dir) + ".lock";
}

std::string StateMarkerPath(const std::string& state_dir) {
  return WithoutTrailingSlashes(state_dir) + ".created";
}

Status StateLock::Acquire(const std::string& state_dir, std::chrono::milliseconds wait,
                          std::unique_ptr<StateLock>* out) {
  const std::string path = StateLockPath(state_dir);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 && (errno == EACCES || errno == EROFS)) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::Error(Status::Code::kInvalidArgument,
                         "cannot open the state lock " + path + ": " + std::strerror(errno) +
                             " (the folder holding state_dir must be writable, or the file "
                             "created for the daemon's user)");
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      const int err = errno;
      ::close(fd);
      return Status::Error(Status::Code::kIoError, "flock " + path + ": " + std::strerror(err));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return Status::Error(Status::Code::kReadOnly,
                           WithoutTrailingSlashes(state_dir) +
                               " is in use: kpihubd, `kpihub restore` or `kpihub init` holds " +
                               path);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a lock, not a sync
  }
  out->reset(new StateLock(fd));
  return Status::Ok();
}

StateLock::~StateLock() { ::close(fd_); }

Status CheckStateBeforeOpen(const std::string& state_dir, StateOnDisk* found) {
  const std::string dir = WithoutTrailingSlashes(state_dir);
  const bool created = MarkerSaysCreated(StateMarkerPath(dir));
  const platform::LmdbFileCheck check = platform::CheckLmdbDataFile(dir + "/data.mdb");
  switch (check.kind) {
    case platform::LmdbFileCheck::Kind::kMissing:
      if (created) return NoStoreWhereOneWas(dir, "missing");
      *found = StateOnDisk::kFirstStart;
      return Status::Ok();
    case platform::LmdbFileCheck::Kind::kEmpty:
      if (created) return NoStoreWhereOneWas(dir, "empty (0 bytes)");
      return Status::Error(Status::Code::kInvalidArgument,
                           dir + "/data.mdb is empty (0 bytes): refusing to turn it into a new "
                                 "store. Restore a backup (kpihub restore) or run `kpihub init "
                                 "--state-dir " + dir + "` to start an empty one on purpose");
    case platform::LmdbFileCheck::Kind::kDamaged:
      return Status::Error(Status::Code::kCorruption, check.problem);
    case platform::LmdbFileCheck::Kind::kUsable:
      break;
  }
  *found = created ? StateOnDisk::kRecorded : StateOnDisk::kUnrecorded;
  return Status::Ok();
}

Status MarkStateCreated(const std::string& state_dir) {
  const std::string marker = StateMarkerPath(state_dir);
  if (MarkerSaysCreated(marker)) return Status::Ok();
  const std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return WriteFileSynced(marker, std::string("kpihub store created in ") +
                                     WithoutTrailingSlashes(state_dir) + " at " + when + "\n");
}

}  // namespace kpihub::store
