// A state directory the delivery library keeps an LMDB environment in (the outbox, a
// subscription's position): made 0700 if missing, locked against a second process, and its
// data file checked before LMDB maps it. Internal.
#pragma once

#include <string>

#include "kpihub/core/status.h"

namespace kpihub::delivery::internal {

// Takes `dir`/`lock_name` (flock, exclusive): the lock's descriptor, to be closed when the
// state is closed; kUnavailable naming `what` when another process holds it. Then checks
// `dir`/data.mdb: a damaged or empty file is refused (kCorruption) with `if_damaged` and what
// was found, and the lock is let go.
Result<int> LockAndCheckStateDir(const std::string& dir, const std::string& lock_name,
                                 const std::string& what, const std::string& if_damaged);

}  // namespace kpihub::delivery::internal
