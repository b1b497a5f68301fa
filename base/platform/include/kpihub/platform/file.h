// Whole-file reading, for configuration, key and input files. Thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include "kpihub/core/status.h"

namespace kpihub::platform {

// The file's bytes as they are (no newline translation). kNotFound when it does not exist,
// kIoError when it cannot be read; the message names the path.
Result<std::string> ReadFile(const std::string& path);

// Reading a configuration or key file that an operator names: only a regular file is read.
// A FIFO, a device or a directory named by mistake (or on purpose) would block the reader —
// the daemon's reload on SIGHUP, and with it SIGTERM — or feed it without end, so the file is
// opened without blocking (O_NONBLOCK), checked with fstat and refused unless S_ISREG, and
// read up to a size limit.
inline constexpr size_t kMaxConfigFileBytes = 64u << 20;

// The whole file. kNotFound when it does not exist; kInvalidArgument when it is not a regular
// file or exceeds `max_bytes`; kIoError when it cannot be opened or read. The message is
// "<path>: <reason>".
Result<std::string> ReadRegularFile(const std::string& path,
                                    size_t max_bytes = kMaxConfigFileBytes);

// Creates `path` (never over an existing file: O_EXCL) with `text`, exactly `mode` whatever
// the umask (the file is ours, so fchmod sets the documented mode outright), and fsyncs it.
// For key files. kIoError "<path>: <reason>" on failure.
Status WriteNewFile(const std::string& path, const std::string& text, unsigned mode);

}  // namespace kpihub::platform
