// Spool: the adapter's --watch mode. New files in a directory are processed in name order:
// mapped, reported, written to the outbox, then moved to done/ (or to failed/ when nothing of
// them could be read), each with its reject report beside it. Between files the sender
// drains the outbox. Write files into the spool atomically (write elsewhere or under a name
// starting with '.', then rename): a half-written file would be read as it is.
// Not thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "feed_run.h"

namespace kpihub::adapter {

struct SpoolTotals {
  uint64_t files_done = 0;
  uint64_t files_failed = 0;
  uint64_t observations = 0;
  uint64_t rejected = 0;
};

// Runs until `stop` becomes true or the sender hits a fatal result (returned).
delivery::DrainResult RunSpool(const std::string& dir, const feed::Profile& profile,
                               delivery::DurableSender& sender, const std::atomic<bool>& stop,
                               const std::function<void()>& on_progress, SpoolTotals* totals);

}  // namespace kpihub::adapter
