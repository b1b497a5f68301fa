// FeedRun: the steps the adapter takes for one input file — map it with the profile (as a
// stream: see feed::MapExport), report what could not be read, and hand the observations in
// chunks to the outbox (or, for --dry-run, to the catalogue's Validator) — and the listener
// that reports the daemon's rejections. Not thread-safe: used by the adapter's single thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kpihub/core/catalogue.h"
#include "kpihub/core/status.h"
#include "kpihub/delivery/durable_sender.h"
#include "kpihub/feed/profile.h"
#include "reject_report.h"

namespace kpihub::adapter {

struct FileTotals {
  std::string layout;
  bool refused = false;       // the file as a whole cannot be used; nothing of it was queued
  Status status;              // why it was refused, or the I/O failure that stopped it
  uint64_t rows = 0;
  uint64_t title_rows = 0;
  uint64_t blank_rows = 0;
  uint64_t observations = 0;  // queued (or, for a dry run, checked)
  uint64_t rejected = 0;      // lines this step wrote to the report
  uint64_t empty_cells = 0;
};

// Takes a chunk of a file's observations: the outbox's Enqueue when sending.
using EntryFlush = std::function<Status(std::vector<delivery::OutboxEntry>&&)>;

// Reads and maps `input_path`; writes local rejects to `report` (labelled `display_name`) and
// hands observations to `flush` in chunks of `chunk` entries, with origins pointing at the
// report. Only a file that passed the mapper's first pass reaches `flush`.
FileTotals PrepareFile(const feed::Profile& profile, const std::string& input_path,
                       const std::string& display_name, RejectReport& report, size_t chunk,
                       const EntryFlush& flush);

// --dry-run: PrepareFile, then each observation through core::Validator as the profile's
// department at `now_unix_seconds`; refusals are reported with the daemon's reason codes.
FileTotals DryRunFile(const feed::Profile& profile, const core::Catalogue& catalogue,
                      const std::string& input_path, const std::string& report_path,
                      int64_t now_unix_seconds);

// What became of a period action (e.g. --submit) the sender delivered or saw refused.
struct ActionOutcome {
  std::string action;   // "submit finance 2020"
  bool refused = false;
  std::string outcome;  // "submitted", or the reason code and the daemon's detail
};

// Writes every observation or period action the daemon refuses (and every entry of a refused
// frame) to the report named in its origin, and keeps what became of each action.
class ReportingListener : public delivery::DeliveryListener {
 public:
  void OnDelivered(const delivery::StoredBatch& batch, const wire::AckMessage& ack) override;
  void OnRefused(const delivery::StoredBatch& batch, const wire::AckMessage& ack) override;
  // A replica of a pair down, needing a rebuild, or back: a log line naming its endpoint and
  // what the operator does (replica_log.cc).
  void OnReplicaState(const delivery::ReplicaStatus& replica) override;
  uint64_t rejected() const { return rejected_; }  // observations and actions
  uint64_t report_errors() const { return report_errors_; }
  const std::vector<ActionOutcome>& action_outcomes() const { return action_outcomes_; }
  uint64_t actions_refused() const { return actions_refused_; }

 private:
  void Report(const delivery::OutboxEntry& entry, const std::string& reason,
              const std::string& message);
  void NoteAction(const delivery::OutboxEntry& entry, bool refused, const std::string& outcome);
  uint64_t rejected_ = 0;
  uint64_t report_errors_ = 0;
  uint64_t actions_refused_ = 0;
  std::vector<ActionOutcome> action_outcomes_;
};

// The outbox entry of a period action for the profile's department, with an origin that
// reports a refusal to `report_path` (as "file" `label`).
delivery::OutboxEntry ActionEntry(core::PeriodActionKind kind, const std::string& department,
                                  int year, const std::string& report_path, const std::string& label);

}  // namespace kpihub::adapter
