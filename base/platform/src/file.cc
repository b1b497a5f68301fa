#include "kpihub/platform/file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kpihub::platform {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    std::string message = path + ": cannot open (" + std::strerror(err) + ")";
    if (err == ENOENT) return Status::NotFound(std::move(message));
    return Status::IoError(std::move(message));
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return Status::IoError(path + ": read failed");
  return out.str();
}

}  // namespace kpihub::platform
