#include "feed_run.h"

#include <variant>

#include "kpihub/core/validation.h"
#include "kpihub/feed/export_mapper.h"
#include "kpihub/platform/file.h"
#include "reject_report.h"

namespace kpihub::adapter {
namespace {

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool ReadAll(const std::string& path, std::string* bytes) {
  auto text = platform::ReadFile(path);
  if (!text.ok()) return false;
  *bytes = *std::move(text);
  return true;
}

}  // namespace

FileTotals PrepareFile(const feed::Profile& profile, const std::string& input_path,
                       const std::string& display_name, const std::string& report_path,
                       std::vector<delivery::OutboxEntry>* entries) {
  FileTotals totals;
  std::string bytes;
  if (!ReadAll(input_path, &bytes)) {
    totals.failed = true;
    totals.error = input_path + ": cannot read";
    return totals;
  }
  feed::MappedExport mapped = feed::MapExport(profile, BaseName(display_name), bytes);
  totals.layout = mapped.layout;
  totals.failed = mapped.failed;
  totals.rows = mapped.rows;
  totals.empty_cells = mapped.empty_cells;
  for (const auto& r : mapped.rejects) {
    if (!AppendReject(report_path, {display_name, r.row, r.column, r.value, r.reason, r.message})) {
      totals.error = report_path + ": cannot write the reject report";
      return totals;
    }
    totals.rejected++;
  }
  for (auto& m : mapped.observations) {
    RejectLine where{display_name, m.row, m.column, m.value, "", ""};
    entries->push_back({std::move(m.observation), EncodeOrigin(report_path, where)});
  }
  totals.observations = entries->size();
  return totals;
}

FileTotals DryRunFile(const feed::Profile& profile, const core::Catalogue& catalogue,
                      const std::string& input_path, const std::string& report_path,
                      int64_t now_unix_seconds) {
  std::vector<delivery::OutboxEntry> entries;
  FileTotals totals = PrepareFile(profile, input_path, input_path, report_path, &entries);
  core::Validator validator(catalogue, now_unix_seconds);
  for (size_t i = 0; i < entries.size(); ++i) {
    auto result = validator.Validate(profile.department, entries[i].observation,
                                     static_cast<uint32_t>(i));
    const auto* refused = std::get_if<core::Rejection>(&result);
    if (!refused) continue;
    std::string path;
    RejectLine line;
    DecodeOrigin(entries[i].origin, &path, &line);
    line.reason = std::string(core::ReasonName(refused->reason));
    line.message = refused->detail;
    if (!AppendReject(report_path, line)) totals.error = report_path + ": cannot write";
    totals.rejected++;
  }
  return totals;
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
  if (!AppendReject(path, line)) report_errors_++;
  rejected_++;
}

void ReportingListener::OnDelivered(const delivery::StoredBatch& batch, const wire::AckMessage& ack) {
  for (const auto& r : ack.rejections) {
    if (r.index >= batch.entries.size()) continue;  // a daemon bug; never index out of range
    Report(batch.entries[r.index], std::string(core::ReasonName(r.reason)), r.detail);
  }
}

void ReportingListener::OnRefused(const delivery::StoredBatch& batch, const wire::AckMessage& ack) {
  std::string reason(core::ReasonName(ack.frame_reason));
  for (const auto& e : batch.entries) Report(e, reason, "batch refused by the daemon: " + ack.frame_detail);
}

}  // namespace kpihub::adapter
