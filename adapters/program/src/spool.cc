#include "spool.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <filesystem>
#include <vector>

#include "kpihub/platform/disk_space.h"
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

// Says why a file could not be taken, so that exit 5 ("result storage_error") is not the only
// trace: the reason, and whether the disk holding the spool is full.
bool Refused(const fs::path& file, const std::string& reason) {
  std::string full = platform::DiskFullReason(file.parent_path().string());
  std::fprintf(stderr, "kpihub-adapter: %s stays in the spool: %s%s\n", file.string().c_str(),
               reason.c_str(), full.empty() ? "" : ("; " + full).c_str());
  return false;
}

// Processes one file; false when the outbox could not take it (the file stays in the spool).
bool ProcessOne(const fs::path& file, const feed::Profile& profile,
                delivery::DurableSender& sender, SpoolTotals* totals) {
  fs::path dir = fs::absolute(file.parent_path());
  std::string name = file.filename().string();
  std::vector<delivery::OutboxEntry> entries;
  // Map first into failed/ paths; the report moves with the file once the outcome is known.
  fs::path done = dir / "done" / name;
  FileTotals t = PrepareFile(profile, file.string(), name, ReportPathFor(done.string()), &entries);
  if (!t.error.empty()) return Refused(file, t.error);
  fs::path target = done;
  if (t.failed) {
    target = dir / "failed" / name;
    std::error_code ec;
    fs::rename(ReportPathFor(done.string()), ReportPathFor(target.string()), ec);
    totals->files_failed++;
  } else {
    // Durable before the file leaves the spool.
    if (!sender.Enqueue(entries)) return Refused(file, "outbox: " + sender.error());
    totals->files_done++;
  }
  totals->observations += t.observations;
  totals->rejected += t.rejected;
  std::error_code ec;
  fs::rename(file, target, ec);
  return !ec || Refused(file, "move to " + target.string() + ": " + ec.message());
}

}  // namespace

delivery::DrainResult RunSpool(const std::string& dir, const feed::Profile& profile,
                               delivery::DurableSender& sender, const std::atomic<bool>& stop,
                               const std::function<void()>& on_progress, SpoolTotals* totals) {
  fs::create_directories(fs::path(dir) / "done");
  fs::create_directories(fs::path(dir) / "failed");
  auto keep_going = [&] {
    if (on_progress) on_progress();
    return !stop.load();
  };
  while (!stop.load()) {
    for (const auto& file : NewFiles(dir)) {
      if (stop.load()) break;
      if (!ProcessOne(file, profile, sender, totals)) return delivery::DrainResult::kStorageError;
    }
    // Drain for a second at most, then look for new files again.
    auto result = sender.Drain(1000, keep_going);
    if (result == delivery::DrainResult::kUnauthorized ||
        result == delivery::DrainResult::kStorageError) {
      return result;
    }
    if (result == delivery::DrainResult::kEmpty) {
      for (int i = 0; i < 10 && !stop.load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
  return delivery::DrainResult::kStopped;
}

}  // namespace kpihub::adapter
