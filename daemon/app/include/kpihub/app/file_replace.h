// Replacing a file that other processes read, atomically and durably, without changing who
// may read it: the new content goes to a temporary file in the same directory, which gets the
// original's owner, group and mode (fchown/fchmod; a new file gets `new_mode`, whatever the
// umask), is fsynced, renamed over the original, and the directory is fsynced. Readers see the
// old file or the new one, never a part, and after a crash the rename is either done or not.
// Thread-safe (no shared state).
#pragma once

#include <sys/types.h>

#include <string>

#include "kpihub/core/status.h"

namespace kpihub::app {

// kIoError ("<path>: <reason>") if any step fails; the original is then intact.
Status ReplaceFileKeepingOwnership(const std::string& path, const std::string& content,
                                   mode_t new_mode);

}  // namespace kpihub::app
