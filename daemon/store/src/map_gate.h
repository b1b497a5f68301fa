// MapGate: keeps LMDB's memory map still while transactions use it.
//
// mdb_env_set_mapsize unmaps and remaps the file, so it may only run when no transaction of
// this process is open, read transactions included (lmdb.h; the library does not check).
// Snapshots hold the gate shared for their lifetime; the writer (already holding the store's
// write mutex, so no write txn exists) takes it exclusively to remap. A pending remap stops
// new snapshots, so a stream of scrapes cannot starve it, and it gives up after a deadline,
// so a snapshot kept open by the writer's own thread cannot deadlock it.
//
// Thread-safe. Enter/Exit may happen on different threads (a Snapshot may be handed over).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace kpihub::store::internal {

class MapGate {
 public:
  void EnterShared() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !remap_pending_; });
    ++sharers_;
  }

  void ExitShared() {
    std::lock_guard lock(mu_);
    if (--sharers_ == 0) cv_.notify_all();
  }

  // False when sharers did not leave within `wait`; the gate is then open again.
  bool EnterExclusive(std::chrono::milliseconds wait) {
    std::unique_lock lock(mu_);
    remap_pending_ = true;
    if (cv_.wait_for(lock, wait, [this] { return sharers_ == 0; })) return true;
    remap_pending_ = false;
    cv_.notify_all();
    return false;
  }

  void ExitExclusive() {
    std::lock_guard lock(mu_);
    remap_pending_ = false;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int sharers_ = 0;
  bool remap_pending_ = false;
};

}  // namespace kpihub::store::internal
