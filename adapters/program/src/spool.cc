#include "spool.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "kpihub/platform/disk_space.h"
#include "kpihub/platform/journal.h"
#include "outbox_feeder.h"
#include "reject_report.h"

namespace kpihub::adapter {
namespace fs = std::filesystem;
namespace {

std::vector<fs::path> NewFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.starts_with(".") || name.ends_with(".rejects.csv")) continue;
    files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void LogOutcome(const std::string& name, const FileTotals& t, const fs::path& report) {
  if (t.refused) {
    platform::LogLine(platform::Priority::kError, "failed %s: %s; moved to failed/, report %s\n", name.c_str(),
                 t.status.message().c_str(), report.c_str());
    return;
  }
  platform::LogLine(platform::Priority::kInfo, "done %s (layout %s): %llu rows (%llu blank, %llu title rows skipped), "
               "%llu observations queued, %llu rejected while reading%s%s\n", name.c_str(),
               t.layout.c_str(), (unsigned long long)t.rows, (unsigned long long)t.blank_rows,
               (unsigned long long)t.title_rows, (unsigned long long)t.observations,
               (unsigned long long)t.rejected, t.rejected ? "; report " : "",
               t.rejected ? report.c_str() : "");
}

// Says why a file could not be taken, so that exit 5 ("result storage_error") is not the only
// trace: the reason, and whether the disk holding the spool is full. Returns `why` unchanged
// (its code tells the caller what to do).
Status Refused(const fs::path& file, const Status& why) {
  std::string full = platform::DiskFullReason(file.parent_path().string());
  platform::LogLine(platform::Priority::kError, "kpihub-adapter: %s stays in the spool: %s%s\n",
                    file.string().c_str(), why.message().c_str(),
                    full.empty() ? "" : ("; " + full).c_str());
  return why;
}

// Processes one file; a failed status when the outbox or the report failed, or the key was
// refused (the file stays in the spool).
Status ProcessOne(const fs::path& file, const feed::Profile& profile, OutboxFeeder& feeder,
                  size_t chunk, SpoolTotals* totals) {
  fs::path dir = fs::absolute(file.parent_path());
  std::string name = file.filename().string();
  // Map first into done/ paths; the report moves with the file once the outcome is known.
  fs::path done = dir / "done" / name;
  std::error_code ec;
  fs::remove(ReportPathFor(done.string()), ec);
  RejectReport report(ReportPathFor(done.string()));
  EntryFlush enqueue = [&](std::vector<delivery::OutboxEntry>&& entries) { return feeder.Feed(std::move(entries)); };
  FileTotals t = PrepareFile(profile, file.string(), name, report, chunk, enqueue);
  if (!t.refused && !t.status.ok()) return Refused(file, t.status);
  fs::path target = t.refused ? dir / "failed" / name : done;
  if (t.refused) {
    fs::rename(ReportPathFor(done.string()), ReportPathFor(target.string()), ec);
    totals->files_failed++;
  } else {
    totals->files_done++;
  }
  totals->rows += t.rows;
  totals->observations += t.observations;
  totals->rejected += t.rejected;
  fs::rename(file, target, ec);
  if (ec) {
    return Refused(file, Status::IoError(file.string() + ": cannot move it out of the spool to " +
                                         target.string() + ": " + ec.message()));
  }
  LogOutcome(name, t, ReportPathFor(target.string()));
  return Status::Ok();
}

}  // namespace

delivery::DrainResult RunSpool(const std::string& dir, const feed::Profile& profile,
                               delivery::DurableSender& sender, size_t batch_size,
                               const std::function<bool()>& keep_going,
                               const std::function<void()>& on_file, SpoolTotals* totals) {
  fs::create_directories(fs::path(dir) / "done");
  fs::create_directories(fs::path(dir) / "failed");
  OutboxFeeder feeder(sender, keep_going, batch_size);
  size_t chunk = batch_size * 10;
  while (keep_going()) {
    for (const auto& file : NewFiles(dir)) {
      if (!keep_going()) return delivery::DrainResult::kStopped;
      Status s = ProcessOne(file, profile, feeder, chunk, totals);
      if (s.code() == Status::Code::kPermissionDenied) return delivery::DrainResult::kUnauthorized;
      if (!s.ok()) return delivery::DrainResult::kStorageError;
      if (on_file) on_file();
    }
    // Drain for a second at most, then look for new files again.
    auto result = sender.Drain(1000, keep_going);
    if (on_file) on_file();
    if (result == delivery::DrainResult::kUnauthorized ||
        result == delivery::DrainResult::kStorageError) {
      return result;
    }
    if (result == delivery::DrainResult::kEmpty) {
      for (int i = 0; i < 10 && keep_going(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
  return delivery::DrainResult::kStopped;
}

}  // namespace kpihub::adapter
