// OutboxFeeder: hands a file's observations to the outbox in chunks while keeping the outbox
// short. The outbox is an LMDB map: every batch the sender reads back is a page mapped into
// the adapter's memory, so an outbox holding a whole 2,000,000-row file costs its size in
// resident memory. Above a high mark of pending batches the feeder drains down to a quarter
// of it before it queues more; LMDB reuses the freed pages, and memory stays bounded whatever the file's size.
// Only files that passed the mapper's first pass get here, so a file that turns out bad is
// never half sent. When the daemon does not answer (nothing delivered for `stall_ms`), or the
// run is stopping, the feeder stops waiting and queues the rest: it waits in the outbox, as it
// always did, for the daemon or the next run. Not thread-safe.
#pragma once

#include <algorithm>
#include <functional>
#include <vector>

#include "kpihub/core/status.h"
#include "kpihub/delivery/durable_sender.h"

namespace kpihub::adapter {

class OutboxFeeder {
 public:
  // Up to `kHighObservations` observations (in batches of `batch_size`) wait in the outbox; a
  // file smaller than that is queued whole before anything is sent.
  static constexpr size_t kHighObservations = 32768;
  OutboxFeeder(delivery::DurableSender& sender, std::function<bool()> keep_going, size_t batch_size,
               int stall_ms = 10000)
      : sender_(sender), keep_going_(std::move(keep_going)),
        high_(std::max<size_t>(2, kHighObservations / std::max<size_t>(1, batch_size))),
        low_(high_ / 4), stall_ms_(stall_ms) {}

  // Queues `entries` durably, after draining if the outbox is long. A failed status: the
  // outbox failed, or the daemon refused the key (the sender's fatal results).
  Status Feed(std::vector<delivery::OutboxEntry>&& entries);

 private:
  Status DrainDown();

  delivery::DurableSender& sender_;
  std::function<bool()> keep_going_;
  size_t high_, low_;
  int stall_ms_;
  bool waiting_ = true;  // false once the daemon stalled or the run is stopping
};

}  // namespace kpihub::adapter
