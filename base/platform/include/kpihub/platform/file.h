// Whole-file reading, for configuration, key and input files. Thread-safe.
#pragma once

#include <string>

#include "kpihub/core/status.h"

namespace kpihub::platform {

// The file's bytes as they are (no newline translation). kNotFound when it does not exist,
// kIoError when it cannot be read; the message names the path.
Result<std::string> ReadFile(const std::string& path);

}  // namespace kpihub::platform
