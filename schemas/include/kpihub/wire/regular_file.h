// Reading a configuration or key file that an operator names: only a regular file is read.
// A FIFO, a device or a directory named by mistake (or on purpose) would block the reader —
// the daemon's reload on SIGHUP, and with it SIGTERM — or feed it without end, so the file is
// opened without blocking (O_NONBLOCK), checked with fstat and refused unless S_ISREG, and
// read up to a size limit. Thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace kpihub::wire {

inline constexpr size_t kMaxConfigFileBytes = 64u << 20;

// The whole file; nullopt with `error` = "<path>: <reason>" when it cannot be opened, is not a
// regular file, exceeds `max_bytes` or cannot be read.
std::optional<std::string> ReadRegularFile(const std::string& path, std::string* error,
                                           size_t max_bytes = kMaxConfigFileBytes);

}  // namespace kpihub::wire
