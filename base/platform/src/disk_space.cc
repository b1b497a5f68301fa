#include "kpihub/platform/disk_space.h"

#include <sys/statvfs.h>

namespace kpihub::platform {

int64_t FreeBytes(const std::string& dir) {
  struct statvfs fs;
  if (::statvfs(dir.c_str(), &fs) != 0) return -1;
  return static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
}

std::string DiskFullReason(const std::string& dir, uint64_t slack_bytes) {
  const int64_t free = FreeBytes(dir);
  if (free < 0 || static_cast<uint64_t>(free) >= slack_bytes) return {};
  return "the disk holding " + dir + " is full (" + std::to_string(free) + " bytes free)";
}

}  // namespace kpihub::platform
