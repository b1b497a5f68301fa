#include "state_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "kpihub/platform/lmdb_file_check.h"

namespace kpihub::delivery::internal {

Result<int> LockAndCheckStateDir(const std::string& dir, const std::string& lock_name,
                                 const std::string& what, const std::string& if_damaged) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError(dir + ": " + ec.message());
  chmod(dir.c_str(), 0700);
  int fd = open((dir + "/" + lock_name).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
    Status busy = Status::Unavailable(dir + ": " + what + " is in use by another process (" +
                                      std::strerror(errno) + ")");
    if (fd >= 0) close(fd);
    return busy;
  }
  // LMDB trusts the file it maps: a truncated one would be SIGBUS on first touch.
  const auto check = platform::CheckLmdbDataFile(dir + "/data.mdb");
  if (check.kind == platform::LmdbFileCheck::Kind::kDamaged ||
      check.kind == platform::LmdbFileCheck::Kind::kEmpty) {
    close(fd);
    return Status::Corruption(dir + "/data.mdb: " + if_damaged + " (" +
                              (check.kind == platform::LmdbFileCheck::Kind::kEmpty
                                   ? std::string("empty, 0 bytes")
                                   : check.problem) + ")");
  }
  return fd;
}

}  // namespace kpihub::delivery::internal
