// Explaining a failed write. LMDB turns the short write of a full disk into EIO ("Input/output
// error"), which reads like a failing disk; an operator needs to know the disk is full. Called
// after a write or commit failed. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace kpihub::platform {

// Free bytes available to unprivileged users on the file system holding `dir`; -1 if unknown.
int64_t FreeBytes(const std::string& dir);

// "the disk holding <dir> is full (N bytes free)" when the file system holding `dir` has
// less than `slack_bytes` available, else an empty string. Errors of statvfs give "".
std::string DiskFullReason(const std::string& dir, uint64_t slack_bytes = 1 << 20);

}  // namespace kpihub::platform
