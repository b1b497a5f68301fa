#include "kpihub/app/file_replace.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace kpihub::app {
namespace {

bool Fail(const std::string& path, const char* what, std::string* error) {
  *error = path + ": " + what + " (" + std::strerror(errno) + ")";
  return false;
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

bool SyncDirectory(const std::string& dir, std::string* error) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Fail(dir, "cannot open the directory to sync it", error);
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok || Fail(dir, "cannot sync the directory", error);
}

}  // namespace

bool ReplaceFileKeepingOwnership(const std::string& path, const std::string& content,
                                 mode_t new_mode, std::string* error) {
  struct stat original {};
  const bool exists = ::stat(path.c_str(), &original) == 0;
  if (!exists && errno != ENOENT) return Fail(path, "cannot stat", error);
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  std::string tmp = path + ".XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return Fail(tmp, "cannot create", error);
  bool ok = WriteAll(fd, content) || Fail(tmp, "cannot write", error);
  // Owner and group first: fchown may clear set-id bits, which fchmod then sets as wanted.
  if (ok && exists && (original.st_uid != ::geteuid() || original.st_gid != ::getegid())) {
    ok = ::fchown(fd, original.st_uid, original.st_gid) == 0 ||
         Fail(tmp, "cannot give it the original's owner and group", error);
  }
  if (ok) {
    mode_t mode = exists ? (original.st_mode & 07777) : new_mode;
    ok = ::fchmod(fd, mode) == 0 || Fail(tmp, "cannot give it the original's mode", error);
  }
  if (ok) ok = ::fsync(fd) == 0 || Fail(tmp, "cannot sync", error);
  if (::close(fd) != 0 && ok) ok = Fail(tmp, "cannot close", error);
  if (ok) ok = ::rename(tmp.c_str(), path.c_str()) == 0 || Fail(path, "cannot replace", error);
  if (!ok) {
    ::unlink(tmp.c_str());
    return false;
  }
  return SyncDirectory(dir, error);
}

}  // namespace kpihub::app
