#include "kpihub/app/file_replace.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace kpihub::app {
namespace {

Status Fail(const std::string& path, const char* what) {
  return Status::IoError(path + ": " + what + " (" + std::strerror(errno) + ")");
}

bool WriteAll(int fd, const std::string& content) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Fail(dir, "cannot open the directory to sync it");
  Status status = ::fsync(fd) == 0 ? Status::Ok() : Fail(dir, "cannot sync the directory");
  ::close(fd);
  return status;
}

}  // namespace

Status ReplaceFileKeepingOwnership(const std::string& path, const std::string& content,
                                   mode_t new_mode) {
  struct stat original {};
  const bool exists = ::stat(path.c_str(), &original) == 0;
  if (!exists && errno != ENOENT) return Fail(path, "cannot stat");
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  std::string tmp = path + ".XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return Fail(tmp, "cannot create");
  Status status = WriteAll(fd, content) ? Status::Ok() : Fail(tmp, "cannot write");
  // Owner and group first: fchown may clear set-id bits, which fchmod then sets as wanted.
  if (status.ok() && exists &&
      (original.st_uid != ::geteuid() || original.st_gid != ::getegid()) &&
      ::fchown(fd, original.st_uid, original.st_gid) != 0) {
    status = Fail(tmp, "cannot give it the original's owner and group");
  }
  if (status.ok()) {
    mode_t mode = exists ? (original.st_mode & 07777) : new_mode;
    if (::fchmod(fd, mode) != 0) status = Fail(tmp, "cannot give it the original's mode");
  }
  if (status.ok() && ::fsync(fd) != 0) status = Fail(tmp, "cannot sync");
  if (::close(fd) != 0 && status.ok()) status = Fail(tmp, "cannot close");
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) status = Fail(path, "cannot replace");
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  return SyncDirectory(dir);
}

}  // namespace kpihub::app
