#include "kpihub/platform/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kpihub::platform {
namespace {

Status ErrnoStatus(const std::string& path, const char* what, int err) {
  std::string message = path + ": " + what + " (" + std::strerror(err) + ")";
  if (err == ENOENT) return Status::NotFound(std::move(message));
  return Status::IoError(std::move(message));
}

}  // namespace

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoStatus(path, "cannot open", errno);
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return Status::IoError(path + ": read failed");
  return out.str();
}

Result<std::string> ReadRegularFile(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return ErrnoStatus(path, "cannot open", errno);
  struct stat st {};
  Status failure;
  std::string text;
  if (::fstat(fd, &st) != 0) {
    failure = ErrnoStatus(path, "cannot stat", errno);
  } else if (!S_ISREG(st.st_mode)) {
    failure = Status::InvalidArgument(
        path + ": not a regular file (a FIFO, device or directory is never read)");
  } else if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    failure = Status::InvalidArgument(path + ": larger than " + std::to_string(max_bytes) +
                                      " bytes");
  } else {
    char buffer[65536];
    while (true) {
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        failure = ErrnoStatus(path, "cannot read", errno);
        break;
      }
      if (n == 0) break;
      text.append(buffer, static_cast<size_t>(n));
      if (text.size() > max_bytes) {
        failure = Status::InvalidArgument(path + ": larger than " + std::to_string(max_bytes) +
                                          " bytes");
        break;
      }
    }
  }
  ::close(fd);
  if (!failure.ok()) return failure;
  return text;
}

Status WriteNewFile(const std::string& path, const std::string& text, unsigned mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return Status::IoError(path + ": cannot create (" + std::strerror(errno) + ")");
  bool ok = ::fchmod(fd, static_cast<mode_t>(mode)) == 0;
  ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ok;
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  return ok ? Status::Ok() : Status::IoError(path + ": write failed");
}

}  // namespace kpihub::platform
