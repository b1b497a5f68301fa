// StateGuard: what keeps the daemon, `kpihub restore` and `kpihub init` from losing or
// splitting the state folder. Two files live BESIDE the state folder (not in it), so that
// they stay on the parent's file system when a volume mounted at the state folder is missing:
//
//   <state_dir>.lock     an flock(2) held exclusively by kpihubd for its whole life and by
//                        restore and init for the whole swap; read-only commands (backup,
//                        verify, status, ...) never take it.
//   <state_dir>.created  written once a store exists in the folder. While it says so, a
//                        missing or empty data.mdb is refused, never silently re-created;
//                        `kpihub init` starts a new store on purpose.
//
// Rule at start: no marker and no data.mdb: a first start, which creates both. Marker and
// no (or an empty) data.mdb: refuse (a failed mount, a deleted file). A data.mdb that is
// there and sound but has no marker (a store made by an older version): the marker is added.
//
// Thread-compatible: one StateLock per process and state folder.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "kpihub/core/status.h"

namespace kpihub::store {

std::string StateLockPath(const std::string& state_dir);
std::string StateMarkerPath(const std::string& state_dir);

// The exclusive lock beside the state folder; released when destroyed (or the process dies).
class StateLock {
 public:
  // Waits up to `wait` for the lock (zero: one try). kInvalid when the lock file cannot be
  // opened or created (a configuration error naming it); kReadOnly when still held after
  // `wait` (by a running kpihubd, restore or init).
  static Status Acquire(const std::string& state_dir, std::chrono::milliseconds wait,
                        std::unique_ptr<StateLock>* out);
  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  explicit StateLock(int fd) : fd_(fd) {}
  int fd_;
};

// What a writer found in the state folder before opening it.
enum class StateOnDisk {
  kFirstStart,   // neither marker nor data file: create a store (and then the marker)
  kUnrecorded,   // a sound data file but no marker (an older version, or a first start
                 // that stopped before its first commit): opened as it is, then recorded
  kRecorded,     // a sound data file and the marker: it must hold a store (must_exist)
};

// Applies the rule above. Refusals: kInvalid (missing / empty data file where a store was,
// or an empty data file with no marker: the message names `kpihub init`), kCorruption (a
// damaged or truncated data file, from platform::CheckLmdbDataFile).
Status CheckStateBeforeOpen(const std::string& state_dir, StateOnDisk* found);

// Records that a store exists in `state_dir` (idempotent; written atomically and synced).
// An unwritable parent folder is kInvalid, naming the file.
Status MarkStateCreated(const std::string& state_dir);

}  // namespace kpihub::store
