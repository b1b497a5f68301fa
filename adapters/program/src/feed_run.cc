#include "feed_run.h"

#include <fstream>
#include <memory>
#include <variant>

#include "kpihub/core/validation.h"
#include "kpihub/feed/export_mapper.h"

namespace kpihub::adapter {
namespace {

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The mapper's output: rejects straight to the report, observations to `flush` in chunks.
class FileSink : public feed::MapSink {
 public:
  FileSink(const std::string& display_name, RejectReport& report, size_t chunk, const EntryFlush& flush)
      : display_name_(display_name), report_(report), chunk_(std::max<size_t>(1, chunk)), flush_(flush) {}

  Status OnObservation(feed::MappedObservation&& m) override {
    RejectLine where{display_name_, m.row, m.column, m.value, "", "", ""};
    buffer_.push_back({std::move(m.observation), EncodeOrigin(report_.path(), where), std::nullopt});
    return buffer_.size() >= chunk_ ? Flush() : Status::Ok();
  }
  Status OnReject(feed::RowReject&& r) override {
    return report_.Append({display_name_, r.row, r.column, r.value, r.reason, r.message, r.message_zh});
  }
  Status Flush() {
    if (buffer_.empty()) return Status::Ok();
    std::vector<delivery::OutboxEntry> chunk;
    chunk.swap(buffer_);
    return flush_(std::move(chunk));
  }

 private:
  const std::string& display_name_;
  RejectReport& report_;
  size_t chunk_;
  const EntryFlush& flush_;
  std::vector<delivery::OutboxEntry> buffer_;
};

feed::InputOpener FileOpener(const std::string& path) {
  return [path]() -> Result<std::unique_ptr<std::istream>> {
    auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*in) return Status::IoError(path + ": cannot read");
    return std::unique_ptr<std::istream>(std::move(in));
  };
}

}  // namespace

FileTotals PrepareFile(const feed::Profile& profile, const std::string& input_path,
                       const std::string& display_name, RejectReport& report, size_t chunk,
                       const EntryFlush& flush) {
  FileSink sink(display_name, report, chunk, flush);
  uint64_t lines_before = report.lines();
  feed::MapSummary s = feed::MapExport(profile, BaseName(display_name), FileOpener(input_path), sink);
  FileTotals t;
  t.layout = s.layout;
  t.refused = s.refused;
  t.status = s.status;
  if (t.status.ok()) t.status = sink.Flush();
  t.rows = s.rows;
  t.title_rows = s.title_rows;
  t.blank_rows = s.blank_rows;
  t.observations = s.observations;
  t.empty_cells = s.empty_cells;
  t.rejected = report.lines() - lines_before;
  return t;
}

FileTotals DryRunFile(const feed::Profile& profile, const core::Catalogue& catalogue,
                      const std::string& input_path, const std::string& report_path,
                      int64_t now_unix_seconds) {
  core::Validator validator(catalogue, now_unix_seconds);
  RejectReport report(report_path);
  uint32_t index = 0;
  EntryFlush validate = [&](std::vector<delivery::OutboxEntry>&& entries) {
    for (const auto& e : entries) {
      auto result = validator.Validate(profile.department, e.observation, index++);
      const auto* refused = std::get_if<core::Rejection>(&result);
      if (!refused) continue;
      std::string path;
      RejectLine line;
      DecodeOrigin(e.origin, &path, &line);
      line.reason = std::string(core::ReasonName(refused->reason));
      line.message = refused->detail;
      line.message_zh = ChineseReason(line.reason);
      Status s = report.Append(line);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  };
  return PrepareFile(profile, input_path, input_path, report, 5000, validate);
}

void ReportingListener::Report(const delivery::OutboxEntry& entry, const std::string& reason,
                               const std::string& message) {
  std::string path;
  RejectLine line;
  if (!DecodeOrigin(entry.origin, &path, &line)) {
    report_errors_++;
    return;
  }
  line.reason = reason;
  line.message = message;
  line.message_zh = ChineseReason(reason);
  if (!AppendReject(path, line).ok()) {
    report_errors_++;
    return;
  }
  rejected_++;
}

namespace {

std::string ActionText(const core::PeriodAction& a) {
  return std::string(core::PeriodActionName(a.kind)) + " " + a.department + " " + a.period;
}

// What an accepted action did, in the words of the year's new state.
std::string DoneText(core::PeriodActionKind kind) {
  switch (kind) {
    case core::PeriodActionKind::kSubmit: return "submitted (已报送)";
    case core::PeriodActionKind::kApprove: return "approved (已审定)";
    case core::PeriodActionKind::kReopen: return "reopened (已退回)";
  }
  return "accepted";
}

}  // namespace

delivery::OutboxEntry ActionEntry(core::PeriodActionKind kind, const std::string& department,
                                  int year, const std::string& report_path, const std::string& label) {
  delivery::OutboxEntry e;
  e.action = core::PeriodAction{kind, department, std::to_string(year), ""};
  RejectLine where{label, 0, std::string(core::PeriodActionName(kind)), std::to_string(year), "", "", ""};
  e.origin = EncodeOrigin(report_path, where);
  return e;
}

void ReportingListener::NoteAction(const delivery::OutboxEntry& entry, bool refused,
                                   const std::string& outcome) {
  action_outcomes_.push_back({ActionText(*entry.action), refused, outcome});
  if (refused) actions_refused_++;
}

void ReportingListener::OnDelivered(const delivery::StoredBatch& batch, const wire::AckMessage& ack) {
  std::vector<bool> action_refused(batch.entries.size(), false);
  for (const auto& r : ack.rejections) {
    if (r.index >= batch.entries.size()) continue;  // a daemon bug; never index out of range
    Report(batch.entries[r.index], std::string(core::ReasonName(r.reason)), r.detail);
  }
  for (const auto& r : ack.action_rejections) {
    if (r.index >= batch.entries.size() || !batch.entries[r.index].action) continue;
    const std::string reason(core::ReasonName(r.reason));
    Report(batch.entries[r.index], reason, r.detail);
    NoteAction(batch.entries[r.index], true, reason + ": " + r.detail + " (" + ChineseReason(reason) + ")");
    action_refused[r.index] = true;
  }
  for (size_t i = 0; i < batch.entries.size(); ++i) {
    const auto& e = batch.entries[i];
    if (!e.action || action_refused[i]) continue;
    // A duplicate's answer went with the first ack, which this adapter lost (it was killed
    // or the link dropped): the action was applied then, or refused and reported then.
    NoteAction(e, false, ack.status == wire::AckStatus::kDuplicate
                             ? "delivered earlier; the daemon's answer came before a restart "
                               "(see the daemon's period states)"
                             : DoneText(e.action->kind));
  }
}

void ReportingListener::OnRefused(const delivery::StoredBatch& batch, const wire::AckMessage& ack) {
  std::string reason(core::ReasonName(ack.frame_reason));
  for (const auto& e : batch.entries) {
    Report(e, reason, "batch refused by the daemon: " + ack.frame_detail);
    if (e.action) NoteAction(e, true, reason + ": batch refused by the daemon: " + ack.frame_detail);
  }
}

}  // namespace kpihub::adapter
