// kpihub-adapter: feeds kpihubd from a department's own exports, driven by a profile
// (config/profiles/DEPT.toml). See docs/adapters.md.
//
//   kpihub-adapter --profile tax.toml --key tax-1.key --server-key server.pub
//       --state-dir /var/lib/kpihub-adapter/tax (--input FILE... | --watch DIR) [--dry-run]
//
// With neither --input nor --watch it only drains what an earlier run left in the outbox.
//
// Exit codes: 0 every batch acknowledged (rejected rows are in the report, not an error);
// 1 bad configuration or unreadable input; 2 --dry-run found rows to reject; 3 batches still
// pending when --deadline passed (they stay in the outbox and go first on the next run);
// 4 the daemon refused the key; 5 the outbox failed.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "feed_run.h"
#include "kpihub/feed/profile.h"
#include "kpihub/platform/file.h"
#include "kpihub/platform/system_clock.h"
#include "reject_report.h"
#include "spool.h"

namespace kpihub::adapter {
std::string_view BuiltInCatalogueText();
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

struct Args {
  std::string profile, key, server_key, endpoint = "tcp://127.0.0.1:7730", state_dir;
  std::string catalogue, watch;
  std::vector<std::string> inputs;
  bool dry_run = false;
  double deadline_s = 600;
  size_t batch_size = 500, window = 8;
  int ack_timeout_ms = 10000;
};

std::optional<std::string> ReadText(const std::string& path) {
  auto text = platform::ReadFile(path);
  if (!text.ok()) return std::nullopt;
  return *std::move(text);
}

std::shared_ptr<const core::Catalogue> LoadCatalogue(const std::string& path) {
  std::optional<std::string> text =
      path.empty() ? std::optional(std::string(BuiltInCatalogueText())) : ReadText(path);
  if (!text) { std::fprintf(stderr, "kpihub-adapter: %s: cannot read\n", path.c_str()); return nullptr; }
  auto loaded = core::Catalogue::FromToml(*text, path.empty() ? "built-in catalogue" : path);
  if (!loaded.ok()) std::fprintf(stderr, "kpihub-adapter: %s\n", loaded.status().message().c_str());
  return loaded.ok() ? *loaded : nullptr;
}

std::optional<feed::Profile> LoadProfileFile(const std::string& path, const core::Catalogue& c) {
  auto text = ReadText(path);
  if (!text) { std::fprintf(stderr, "kpihub-adapter: %s: cannot read\n", path.c_str()); return std::nullopt; }
  auto loaded = feed::LoadProfile(*text, path, c);
  if (auto* error = std::get_if<std::string>(&loaded)) {
    std::fprintf(stderr, "kpihub-adapter: %s\n", error->c_str());
    return std::nullopt;
  }
  return std::get<feed::Profile>(std::move(loaded));
}

// One progress line at most every two seconds: rows read, observations queued, delivered,
// rejected so far, batches still pending.
class Progress {
 public:
  Progress(const delivery::DurableSender& s, const ReportingListener& l) : sender_(s), listener_(l) {}
  void Tick(uint64_t rows, uint64_t queued, uint64_t local_rejects, bool force = false) {
    auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::seconds(2)) return;
    last_ = now;
    const auto& c = sender_.counters();
    std::fprintf(stderr, "progress: %llu rows read, %llu observations queued, %llu delivered, "
                 "%llu rejected, %zu batches pending\n", ull(rows), ull(queued),
                 ull(c.observations_delivered), ull(local_rejects + listener_.rejected()),
                 sender_.pending_batches());
  }

 private:
  static unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }
  const delivery::DurableSender& sender_;
  const ReportingListener& listener_;
  std::chrono::steady_clock::time_point last_{};
};

int ExitFor(delivery::DrainResult r) {
  switch (r) {
    case delivery::DrainResult::kEmpty: return 0;
    case delivery::DrainResult::kUnauthorized: return 4;
    case delivery::DrainResult::kStorageError: return 5;
    default: return 3;
  }
}

int DryRunOne(const std::string& input, const feed::Profile& p, const core::Catalogue& c) {
  std::string report = ReportPathFor(input);
  std::remove(report.c_str());
  int64_t now = platform::SystemClock().NowUnixMillis() / 1000;
  FileTotals t = DryRunFile(p, c, input, report, now);
  std::printf("dry run %s (layout %s): %llu rows, %llu observations, %llu rejected, %llu empty "
              "cells%s%s\n", input.c_str(), t.layout.empty() ? "-" : t.layout.c_str(),
              (unsigned long long)t.rows, (unsigned long long)t.observations,
              (unsigned long long)t.rejected, (unsigned long long)t.empty_cells,
              t.rejected ? "; reasons in " : "", t.rejected ? report.c_str() : "");
  if (!t.error.empty()) std::fprintf(stderr, "kpihub-adapter: %s\n", t.error.c_str());
  if (t.failed || !t.error.empty()) return 1;
  return t.rejected ? 2 : 0;
}

int RunDryRun(const Args& a, const feed::Profile& p, const core::Catalogue& c) {
  int worst = 0;
  for (const auto& input : a.inputs) worst = std::max(worst, DryRunOne(input, p, c));
  return worst;
}

// Maps every input and queues its observations (durably) before anything is sent. An input
// that cannot be read at all is reported and skipped; the others still go. False when any
// input was skipped or the outbox failed (`*storage_failed`).
bool QueueInputs(const Args& a, const feed::Profile& p, delivery::DurableSender& sender,
                 FileTotals* sum, bool* storage_failed) {
  bool all = true;
  for (const auto& input : a.inputs) {
    std::vector<delivery::OutboxEntry> entries;
    // Absolute: the origin stored with each observation must still name the report when a
    // later run, from another directory, delivers what this one queued.
    std::string report = ReportPathFor(std::filesystem::absolute(input).string());
    std::remove(report.c_str());
    FileTotals t = PrepareFile(p, input, input, report, &entries);
    if (!t.error.empty() || t.failed) {
      std::fprintf(stderr, "kpihub-adapter: %s: %s\n", input.c_str(),
                   t.error.empty() ? ("nothing could be read; see " + report).c_str() : t.error.c_str());
      all = false;
      continue;
    }
    if (!sender.Enqueue(entries).ok()) {
      std::fprintf(stderr, "kpihub-adapter: %s\n", sender.error().c_str());
      *storage_failed = true;
      return false;
    }
    std::fprintf(stderr, "queued %s (layout %s): %llu rows, %llu observations, %llu rejected while reading\n",
                 input.c_str(), t.layout.c_str(), (unsigned long long)t.rows,
                 (unsigned long long)t.observations, (unsigned long long)t.rejected);
    sum->rows += t.rows;
    sum->observations += t.observations;
    sum->rejected += t.rejected;
  }
  return all;
}

int RunSending(const Args& a, const feed::Profile& p) {
  delivery::SenderOptions options;
  options.endpoint = a.endpoint;
  options.batch_size = a.batch_size;
  options.window = a.window;
  options.ack_timeout_ms = a.ack_timeout_ms;
  if (Status keys = delivery::LoadCurveKeys(a.key, a.server_key, &options); !keys.ok()) {
    std::fprintf(stderr, "kpihub-adapter: %s\n", keys.message().c_str());
    return 1;
  }
  auto outbox = delivery::Outbox::Open(a.state_dir);
  if (!outbox.ok()) { std::fprintf(stderr, "kpihub-adapter: %s\n", outbox.status().message().c_str()); return 5; }
  zmq::context_t context(1);
  platform::SystemClock clock;
  ReportingListener listener;
  delivery::DurableSender sender(context, **outbox, options, clock, &listener);
  Progress progress(sender, listener);
  if (sender.pending_batches() > 0) {
    std::fprintf(stderr, "resuming: %zu batches from an earlier run are still pending\n",
                 sender.pending_batches());
  }
  delivery::DrainResult result;
  FileTotals t;
  bool unreadable_input = false;
  if (!a.watch.empty()) {
    SpoolTotals s;
    result = RunSpool(a.watch, p, sender, g_stop, [&] { progress.Tick(0, s.observations, s.rejected); }, &s);
    t.observations = s.observations;
    t.rejected = s.rejected;
    if (result == delivery::DrainResult::kStopped) result = delivery::DrainResult::kEmpty;
  } else {
    bool storage_failed = false;
    unreadable_input = !QueueInputs(a, p, sender, &t, &storage_failed);
    if (storage_failed) return 5;
    int64_t wait_ms = a.deadline_s < 0 ? -1 : static_cast<int64_t>(a.deadline_s * 1000);
    result = sender.Drain(wait_ms, [&] { progress.Tick(t.rows, t.observations, t.rejected); return !g_stop.load(); });
  }
  progress.Tick(t.rows, t.observations, t.rejected, /*force=*/true);
  const auto& c = sender.counters();
  std::printf("summary: %s: %llu rows, %llu observations queued, %llu delivered in %llu batches "
              "(%llu resent), %llu rejected (%llu while reading, %llu by the daemon), %zu batches "
              "pending, result %s\n", a.watch.empty() ? (a.inputs.size() == 1 ? a.inputs[0].c_str() : "inputs") : a.watch.c_str(),
              (unsigned long long)t.rows, (unsigned long long)t.observations,
              (unsigned long long)c.observations_delivered, (unsigned long long)c.batches_delivered,
              (unsigned long long)c.batches_resent,
              (unsigned long long)(t.rejected + listener.rejected()), (unsigned long long)t.rejected,
              (unsigned long long)listener.rejected(), sender.pending_batches(),
              std::string(delivery::DrainResultName(result)).c_str());
  if (!sender.error().empty()) std::fprintf(stderr, "kpihub-adapter: %s\n", sender.error().c_str());
  if (listener.report_errors()) std::fprintf(stderr, "kpihub-adapter: %llu rejections could not be written to their report\n", (unsigned long long)listener.report_errors());
  int code = ExitFor(result);
  return code == 0 && unreadable_input ? 1 : code;
}

}  // namespace
}  // namespace kpihub::adapter

int main(int argc, char** argv) {
  using namespace kpihub::adapter;
  Args a;
  CLI::App app{"kpihub-adapter: feed kpihubd from a department's exports, driven by a profile"};
  app.add_option("--profile", a.profile, "department profile (TOML)")->required();
  app.add_option("--catalogue", a.catalogue, "catalogue file (default: the built-in one)");
  auto* input = app.add_option("--input", a.inputs, "export file(s): send and exit (repeatable)");
  auto* watch = app.add_option("--watch", a.watch, "spool directory: process new files until stopped");
  input->excludes(watch);
  app.add_flag("--dry-run", a.dry_run, "check --input against the catalogue; send nothing");
  app.add_option("--key", a.key, "this adapter's secret key file (kpihub keygen)");
  app.add_option("--server-key", a.server_key, "the daemon's public key file");
  app.add_option("--endpoint", a.endpoint, "the daemon's ingest endpoint")->capture_default_str();
  app.add_option("--state-dir", a.state_dir, "the adapter's own state (outbox)");
  app.add_option("--deadline", a.deadline_s, "--input: seconds to wait for acks (< 0: forever)")->capture_default_str();
  app.add_option("--batch-size", a.batch_size, "observations per batch")->capture_default_str();
  app.add_option("--window", a.window, "batches in flight")->capture_default_str();
  app.add_option("--ack-timeout-ms", a.ack_timeout_ms, "resend after this long without an ack")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (a.dry_run && a.inputs.empty()) { std::fprintf(stderr, "kpihub-adapter: --dry-run needs --input\n"); return 1; }
  if (!a.dry_run && (a.key.empty() || a.server_key.empty() || a.state_dir.empty())) {
    std::fprintf(stderr, "kpihub-adapter: sending needs --key, --server-key and --state-dir\n");
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = OnSignal;  // no SA_RESTART: zmq_poll returns EINTR and the loop stops
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  auto catalogue = LoadCatalogue(a.catalogue);
  if (!catalogue) return 1;
  auto profile = LoadProfileFile(a.profile, *catalogue);
  if (!profile) return 1;
  return a.dry_run ? RunDryRun(a, *profile, *catalogue) : RunSending(a, *profile);
}
