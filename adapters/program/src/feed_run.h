// FeedRun: the steps the adapter takes for one input file — map it with the profile, report
// what could not be read, and hand the observations to the outbox (or, for --dry-run, to the
// catalogue's Validator) — and the listener that reports the daemon's rejections.
// Not thread-safe: used by the adapter's single thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kpihub/core/catalogue.h"
#include "kpihub/delivery/durable_sender.h"
#include "kpihub/feed/profile.h"

namespace kpihub::adapter {

struct FileTotals {
  std::string layout;
  bool failed = false;        // nothing could be read (encoding, layout, quoting)
  uint64_t rows = 0;
  uint64_t observations = 0;  // queued (or, for a dry run, checked)
  uint64_t rejected = 0;      // written to the report by this step
  uint64_t empty_cells = 0;
  std::string error;          // set when the report could not be written
};

// Reads and maps `input_path`; writes local rejects to `report_path` (labelled `display_name`)
// and fills `entries` with origins pointing at that report.
FileTotals PrepareFile(const feed::Profile& profile, const std::string& input_path,
                       const std::string& display_name, const std::string& report_path,
                       std::vector<delivery::OutboxEntry>* entries);

// --dry-run: PrepareFile, then each observation through core::Validator as the profile's
// department at `now_unix_seconds`; refusals are reported with the daemon's reason codes.
FileTotals DryRunFile(const feed::Profile& profile, const core::Catalogue& catalogue,
                      const std::string& input_path, const std::string& report_path,
                      int64_t now_unix_seconds);

// Writes every observation the daemon refuses (and every entry of a refused frame) to the
// report named in its origin.
class ReportingListener : public delivery::DeliveryListener {
 public:
  void OnDelivered(const delivery::StoredBatch& batch, const wire::AckMessage& ack) override;
  void OnRefused(const delivery::StoredBatch& batch, const wire::AckMessage& ack) override;
  uint64_t rejected() const { return rejected_; }
  uint64_t report_errors() const { return report_errors_; }

 private:
  void Report(const delivery::OutboxEntry& entry, const std::string& reason,
              const std::string& message);
  uint64_t rejected_ = 0;
  uint64_t report_errors_ = 0;
};

}  // namespace kpihub::adapter
