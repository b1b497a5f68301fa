#include "kpihub/wire/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kpihub::wire {
namespace {

std::string Errno(const std::string& path, const char* what) {
  return path + ": " + what + " (" + std::strerror(errno) + ")";
}

}  // namespace

std::optional<std::string> ReadRegularFile(const std::string& path, std::string* error,
                                           size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    *error = Errno(path, "cannot open");
    return std::nullopt;
  }
  struct stat st {};
  std::optional<std::string> out;
  if (::fstat(fd, &st) != 0) {
    *error = Errno(path, "cannot stat");
  } else if (!S_ISREG(st.st_mode)) {
    *error = path + ": not a regular file (a FIFO, device or directory is never read)";
  } else if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    *error = path + ": larger than " + std::to_string(max_bytes) + " bytes";
  } else {
    std::string text;
    char buffer[65536];
    while (true) {
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        *error = Errno(path, "cannot read");
        break;
      }
      if (n == 0) {
        out = std::move(text);
        break;
      }
      text.append(buffer, static_cast<size_t>(n));
      if (text.size() > max_bytes) {
        *error = path + ": larger than " + std::to_string(max_bytes) + " bytes";
        break;
      }
    }
  }
  ::close(fd);
  return out;
}

}  // namespace kpihub::wire
