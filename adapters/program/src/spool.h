// Spool: the adapter's --watch mode. New files in a directory are processed in name order:
// mapped, reported, written to the outbox, then moved to done/ (or to failed/ when the file
// as a whole cannot be used), each with its reject report beside it, and each outcome logged
// with the file's name. Between files the sender drains the outbox. Write files into the
// spool atomically (write elsewhere or under a name starting with '.', then rename): a
// half-written file would be read as it is. Not thread-safe.
#pragma once

#include <functional>
#include <string>

#include "feed_run.h"

namespace kpihub::adapter {

struct SpoolTotals {
  uint64_t files_done = 0, files_failed = 0;
  uint64_t rows = 0, observations = 0, rejected = 0;
};

// Runs until `keep_going` returns false (kStopped; it is also the progress hook, called about
// every 100 ms) or the sender hits a fatal result (returned). `batch_size`: the sender's. `on_file` is called after each
// file and after each round of draining (for the metrics file).
delivery::DrainResult RunSpool(const std::string& dir, const feed::Profile& profile,
                               delivery::DurableSender& sender, size_t batch_size,
                               const std::function<bool()>& keep_going,
                               const std::function<void()>& on_file, SpoolTotals* totals);

}  // namespace kpihub::adapter
