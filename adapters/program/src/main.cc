// kpihub-adapter: feeds kpihubd from a department's own exports, driven by a profile
// (config/profiles/DEPT.toml). See docs/adapters.md.
//
//   kpihub-adapter --profile tax.toml --key tax-1.key --server-key server.pub
//       --state-dir /var/lib/kpihub-adapter/tax (--input FILE... | --watch DIR) [--dry-run]
//       [--metrics-file /var/lib/prometheus/node-exporter/kpihub-adapter-tax.prom]
//       [--restatement REASON] [--submit YEAR]
//       [--endpoint URL --server-key FILE]... [--replica-down-after SECONDS]
//   kpihub-adapter pull ...   (receives a subscription into files: pull_command.cc)
//
// --endpoint and --server-key given several times (in pairs, in the same order) deliver every
// batch to each replica of a pair (docs/operations.md, "A replica pair").
// With neither --input nor --watch it only drains what an earlier run left in the outbox.
// --restatement marks every figure of the run as a restatement of an approved year, with that
// reason; --submit queues the department's submission of YEAR after the run's figures, in the
// same outbox, so the daemon takes it after them (docs/adapters.md, "Closing a year").
//
// Exit codes: 0 every batch acknowledged (rejected rows are in the report, not an error);
// 1 bad configuration, or an input refused as a whole (unreadable, or a column of the profile
// missing: see its report); 2 --dry-run found rows to reject; 3 batches still pending when
// --deadline passed (they stay in the outbox and go first on the next run); 4 the daemon
// refused the key, or --server-key is not the daemon's (within seconds); 5 the outbox failed;
// 6 every batch was acknowledged but the daemon refused a period action (--submit): the
// summary and the report say why.
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <functional>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "adapter_metrics.h"
#include "feed_run.h"
#include "handshake_watch.h"
#include "outbox_feeder.h"
#include "pull_command.h"
#include "kpihub/core/validation.h"
#include "kpihub/platform/journal.h"
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
  std::string profile, key, state_dir;
  std::vector<std::string> endpoints, server_keys;  // one each, or one pair per replica
  double replica_down_after_s = 3600;
  std::string catalogue, watch, metrics_file;
  std::string restatement;  // non-empty: every figure of the run is a restatement
  int submit_year = 0;      // > 0: submit the department's year after the run's figures
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
  if (!text) { platform::LogLine(platform::Priority::kError, "kpihub-adapter: %s: cannot read\n", path.c_str()); return nullptr; }
  auto loaded = core::Catalogue::FromToml(*text, path.empty() ? "built-in catalogue" : path);
  if (!loaded.ok()) platform::LogLine(platform::Priority::kError, "kpihub-adapter: %s\n", loaded.status().message().c_str());
  return loaded.ok() ? *loaded : nullptr;
}

std::optional<feed::Profile> LoadProfileFile(const std::string& path, const core::Catalogue& c) {
  auto text = ReadText(path);
  if (!text) { platform::LogLine(platform::Priority::kError, "kpihub-adapter: %s: cannot read\n", path.c_str()); return std::nullopt; }
  Result<feed::Profile> loaded = feed::LoadProfile(*text, path, c);
  if (!loaded.ok()) {
    platform::LogLine(platform::Priority::kError, "kpihub-adapter: %s\n", loaded.status().message().c_str());
    return std::nullopt;
  }
  return std::move(loaded).value();
}

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

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
    platform::LogLine(platform::Priority::kInfo, "progress: %llu rows read, %llu observations queued, %llu delivered, "
                 "%llu rejected, %zu batches pending\n", ull(rows), ull(queued),
                 ull(c.observations_delivered), ull(local_rejects + listener_.rejected()),
                 sender_.pending_batches());
  }

 private:
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

// A file refused as a whole: what is wrong, in the clerk's words and the operator's.
void PrintRefusal(const std::string& input, const FileTotals& t, const std::string& report) {
  platform::LogLine(platform::Priority::kError, "kpihub-adapter: %s: %s (%llu %s in %s)\n", input.c_str(),
               t.status.message().c_str(), ull(t.rejected), t.rejected == 1 ? "line" : "lines",
               report.c_str());
}

int DryRunOne(const std::string& input, const feed::Profile& p, const core::Catalogue& c) {
  std::string report = ReportPathFor(input);
  std::remove(report.c_str());
  int64_t now = platform::SystemClock().NowUnixMillis() / 1000;
  FileTotals t = DryRunFile(p, c, input, report, now);
  std::printf("dry run %s (layout %s): %llu rows (%llu blank, %llu title rows skipped), %llu "
              "observations, %llu rejected, %llu empty cells%s%s\n", input.c_str(),
              t.layout.empty() ? "-" : t.layout.c_str(), ull(t.rows), ull(t.blank_rows),
              ull(t.title_rows), ull(t.observations), ull(t.rejected), ull(t.empty_cells),
              t.rejected ? "; reasons in " : "", t.rejected ? report.c_str() : "");
  if (t.refused) PrintRefusal(input, t, report);
  else if (!t.status.ok()) platform::LogLine(platform::Priority::kError, "kpihub-adapter: %s\n", t.status.message().c_str());
  if (!t.status.ok()) return 1;
  return t.rejected ? 2 : 0;
}

int RunDryRun(const Args& a, const feed::Profile& p, const core::Catalogue& c) {
  int worst = 0;
  for (const auto& input : a.inputs) worst = std::max(worst, DryRunOne(input, p, c));
  return worst;
}

// Maps every input and queues its observations (durably; the feeder keeps the outbox short by
// sending as it goes). A file refused as a whole is reported and skipped; the others still
// go. False when any input was refused, or the outbox failed or the key was refused
// (`*fatal`).
bool QueueInputs(const Args& a, const feed::Profile& p, OutboxFeeder& feeder,
                 FileTotals* sum, uint64_t* refused_files, Status* fatal) {
  bool all = true;
  EntryFlush enqueue = [&](std::vector<delivery::OutboxEntry>&& entries) {
    // A reason the profile's column gives a row wins over the run's.
    if (!a.restatement.empty()) {
      for (auto& e : entries) if (e.observation.restatement.empty()) e.observation.restatement = a.restatement;
    }
    return feeder.Feed(std::move(entries));
  };
  for (const auto& input : a.inputs) {
    // Absolute: the origin stored with each observation must still name the report when a
    // later run, from another directory, delivers what this one queued.
    std::string report_path = ReportPathFor(std::filesystem::absolute(input).string());
    std::remove(report_path.c_str());
    RejectReport report(report_path);
    FileTotals t = PrepareFile(p, input, input, report, a.batch_size * 10, enqueue);
    sum->rows += t.rows;
    sum->observations += t.observations;
    sum->rejected += t.rejected;
    if (t.refused) {
      PrintRefusal(input, t, report_path);
      (*refused_files)++;
      all = false;
      continue;
    }
    if (!t.status.ok()) {
      platform::LogLine(platform::Priority::kError, "kpihub-adapter: %s: %s\n", input.c_str(), t.status.message().c_str());
      *fatal = t.status;
      return false;
    }
    platform::LogLine(platform::Priority::kInfo, "queued %s (layout %s): %llu rows (%llu blank, %llu title rows skipped), "
                 "%llu observations, %llu rejected while reading\n", input.c_str(), t.layout.c_str(),
                 ull(t.rows), ull(t.blank_rows), ull(t.title_rows), ull(t.observations), ull(t.rejected));
  }
  return all;
}

// Where a refused --submit is reported: beside the run's last input (the clerk reads that
// report), or in the state directory when the run has no input.
std::string SubmitReportPath(const Args& a) {
  if (!a.inputs.empty()) return ReportPathFor(std::filesystem::absolute(a.inputs.back()).string());
  return a.state_dir + "/submit-" + std::to_string(a.submit_year) + ".rejects.csv";
}

// Queues --submit after the run's figures. A run whose files were refused, or had rows
// rejected while reading, does not submit: the year is not complete until they are corrected.
Status QueueSubmit(const Args& a, const feed::Profile& p, OutboxFeeder& feeder,
                   const FileTotals& t, bool all_inputs_read) {
  const std::string what = "submit " + p.department + " " + std::to_string(a.submit_year);
  if (!all_inputs_read || t.rejected > 0) {
    platform::LogLine(platform::Priority::kError, "kpihub-adapter: not sending %s: %s; correct "
                      "the file(s) and run again\n", what.c_str(),
                      all_inputs_read ? "rows were rejected while reading (see the reports)"
                                      : "an input was refused as a whole");
    return Status::Ok();
  }
  Status s = feeder.Feed({ActionEntry(core::PeriodActionKind::kSubmit, p.department, a.submit_year,
                                      SubmitReportPath(a), "报送 submit")});
  if (s.ok()) platform::LogLine(platform::Priority::kInfo, "queued %s\n", what.c_str());
  return s;
}

// The metrics file, if asked for, from the run's totals and the sender's counters.
class MetricsFile {
 public:
  MetricsFile(const Args& a, const feed::Profile& p, const delivery::DurableSender& s,
              const ReportingListener& l)
      : path_(a.metrics_file), department_(p.department), sender_(s), listener_(l) {}
  void Write(uint64_t rows, uint64_t queued, uint64_t local_rejects, uint64_t done, uint64_t failed) {
    if (path_.empty()) return;
    AdapterMetrics m;
    m.rows_read = rows;
    m.observations_queued = queued;
    m.observations_delivered = sender_.counters().observations_delivered;
    m.rejected = local_rejects + listener_.rejected();
    m.files_done = done;
    m.files_failed = failed;
    m.batches_pending = sender_.pending_batches();
    m.replicas = sender_.replica_status();
    if (m.batches_pending == 0) last_success_ = platform::SystemClock().NowUnixMillis() / 1000;
    m.last_success_unix_seconds = last_success_;
    Status s = m.WriteTextfile(path_, department_);
    if (!s.ok() && !warned_) platform::LogLine(platform::Priority::kError, "kpihub-adapter: %s\n", s.message().c_str());
    warned_ = !s.ok();
  }

 private:
  std::string path_, department_;
  const delivery::DurableSender& sender_;
  const ReportingListener& listener_;
  int64_t last_success_ = 0;
  bool warned_ = false;
};

// Prints the run's summary line and whatever went wrong; the exit code.
int ReportRun(const Args& a, const FileTotals& t, delivery::DrainResult result,
              const Status& refusal, const delivery::DurableSender& sender,
              const ReportingListener& listener, bool unreadable_input, bool submit_queued,
              const std::string& department) {
  const auto& c = sender.counters();
  std::printf("summary: %s: %llu rows, %llu observations queued, %llu delivered in %llu batches "
              "(%llu resent), %llu rejected (%llu while reading, %llu by the daemon), %zu batches "
              "pending, result %s\n", a.watch.empty() ? (a.inputs.size() == 1 ? a.inputs[0].c_str() : "inputs") : a.watch.c_str(),
              ull(t.rows), ull(t.observations), ull(c.observations_delivered), ull(c.batches_delivered),
              ull(c.batches_resent), ull(t.rejected + listener.rejected()), ull(t.rejected),
              ull(listener.rejected()), sender.pending_batches(),
              std::string(delivery::DrainResultName(result)).c_str());
  for (const auto& r : sender.replica_status()) {
    std::printf("replica %s: %s, acked through batch %llu\n", r.endpoint.c_str(),
                std::string(delivery::ReplicaStateName(r.state)).c_str(), ull(r.acked));
  }
  if (!refusal.ok()) platform::LogLine(platform::Priority::kError, "kpihub-adapter: %s\n", refusal.message().c_str());
  if (!sender.error().empty()) platform::LogLine(platform::Priority::kError, "kpihub-adapter: %s\n", sender.error().c_str());
  if (listener.report_errors()) platform::LogLine(platform::Priority::kError, "kpihub-adapter: %llu rejections could not be written to their report\n", ull(listener.report_errors()));
  for (const auto& o : listener.action_outcomes()) {
    std::printf("%s: %s%s\n", o.action.c_str(), o.refused ? "refused: " : "", o.outcome.c_str());
  }
  if (submit_queued && result != delivery::DrainResult::kEmpty) {
    std::printf("submit %s %d: still in the outbox; it goes after the figures with the next run\n",
                department.c_str(), a.submit_year);
  }
  int code = ExitFor(result);
  if (code == 0 && unreadable_input) return 1;
  return code == 0 && listener.actions_refused() > 0 ? 6 : code;
}

// The command line's files, then the year's submission (`--submit`), then delivery until the
// outbox is empty or the deadline passes. A kIoError left in *fatal means nothing was sent
// (exit 5).
delivery::DrainResult RunFiles(const Args& a, const feed::Profile& p,
                               delivery::DurableSender& sender,
                               const std::function<bool()>& keep_going, MetricsFile& metrics,
                               FileTotals* t, Status* fatal, bool* unreadable_input,
                               bool* submit_queued) {
  uint64_t refused_files = 0;
  OutboxFeeder feeder(sender, keep_going, a.batch_size);
  *unreadable_input = !QueueInputs(a, p, feeder, t, &refused_files, fatal);
  if (fatal->ok() && a.submit_year > 0) {
    const uint64_t before = sender.pending_batches();
    *fatal = QueueSubmit(a, p, feeder, *t, !*unreadable_input);
    *submit_queued = fatal->ok() && sender.pending_batches() > before;
  }
  if (fatal->code() == Status::Code::kIoError) return delivery::DrainResult::kStorageError;
  int64_t wait_ms = a.deadline_s < 0 ? -1 : static_cast<int64_t>(a.deadline_s * 1000);
  delivery::DrainResult result = sender.Drain(wait_ms, keep_going);
  metrics.Write(t->rows, t->observations, t->rejected, a.inputs.size() - refused_files,
                refused_files);
  return result;
}

// The sender's options: one daemon, or (several --endpoint) every replica of a pair.
Status SenderOptionsFor(const Args& a, delivery::SenderOptions* options) {
  options->endpoint = a.endpoints.front();
  options->batch_size = a.batch_size;
  options->window = a.window;
  options->ack_timeout_ms = a.ack_timeout_ms;
  options->replica_down_after_ms = static_cast<int64_t>(a.replica_down_after_s * 1000);
  Status keys = delivery::LoadCurveKeys(a.key, a.server_keys.front(), options);
  if (keys.ok() && a.endpoints.size() > 1) keys = delivery::LoadReplicaKeys(a.endpoints, a.server_keys, options);
  return keys;
}

int RunSending(const Args& a, const feed::Profile& p) {
  delivery::SenderOptions options;
  if (Status keys = SenderOptionsFor(a, &options); !keys.ok()) {
    platform::LogLine(platform::Priority::kError, "kpihub-adapter: %s\n", keys.message().c_str());
    return 1;
  }
  auto outbox = delivery::Outbox::Open(a.state_dir);
  if (!outbox.ok()) { platform::LogLine(platform::Priority::kError, "kpihub-adapter: %s\n", outbox.status().message().c_str()); return 5; }
  zmq::context_t context(1);
  platform::SystemClock clock;
  ReportingListener listener;
  delivery::DurableSender sender(context, **outbox, options, clock, &listener);
  ReplicaHandshakes handshake(context, options);
  Progress progress(sender, listener);
  MetricsFile metrics(a, p, sender, listener);
  if (sender.pending_batches() > 0) {
    platform::LogLine(platform::Priority::kInfo, "resuming: %zu batches from an earlier run are still pending\n",
                 sender.pending_batches());
  }
  Status refusal;
  FileTotals t;
  SpoolTotals s;
  auto keep_going = [&] {
    progress.Tick(t.rows + s.rows, t.observations + s.observations, t.rejected + s.rejected);
    refusal = handshake.Check();
    return refusal.ok() && !g_stop.load();
  };
  delivery::DrainResult result;
  Status fatal;
  bool unreadable_input = false;
  bool submit_queued = false;
  if (!a.watch.empty()) {
    auto on_file = [&] { metrics.Write(s.rows, s.observations, s.rejected, s.files_done, s.files_failed); };
    on_file();  // every series from 0, so that the first failed file is an increase
    result = RunSpool(a.watch, p, sender, a.batch_size, keep_going, on_file, &s);
    t.rows = s.rows;
    t.observations = s.observations;
    t.rejected = s.rejected;
    s = SpoolTotals{};
    if (result == delivery::DrainResult::kStopped && refusal.ok()) result = delivery::DrainResult::kEmpty;
  } else {
    result = RunFiles(a, p, sender, keep_going, metrics, &t, &fatal, &unreadable_input,
                      &submit_queued);
    if (fatal.code() == Status::Code::kIoError) return 5;
  }
  if (!refusal.ok() || fatal.code() == Status::Code::kPermissionDenied) result = delivery::DrainResult::kUnauthorized;
  progress.Tick(t.rows, t.observations, t.rejected, /*force=*/true);
  return ReportRun(a, t, result, refusal, sender, listener, unreadable_input, submit_queued,
                   p.department);
}

}  // namespace
}  // namespace kpihub::adapter

int main(int argc, char** argv) {
  using namespace kpihub::adapter;
  if (argc > 1 && std::string_view(argv[1]) == "pull") return RunPullCommand(argc - 1, argv + 1);
  Args a;
  CLI::App app{"kpihub-adapter: feed kpihubd from a department's exports, driven by a profile"};
  app.add_option("--profile", a.profile, "department profile (TOML)")->required();
  app.add_option("--catalogue", a.catalogue, "catalogue file (default: the built-in one)");
  auto* input = app.add_option("--input", a.inputs, "export file(s): send and exit (repeatable)");
  auto* watch = app.add_option("--watch", a.watch, "spool directory: process new files until stopped");
  input->excludes(watch);
  app.add_flag("--dry-run", a.dry_run, "check --input against the catalogue; send nothing");
  app.add_option("--key", a.key, "this adapter's secret key file (kpihub keygen)");
  app.add_option("--server-key", a.server_keys, "the daemon's public key file (repeat: one per --endpoint)");
  app.add_option("--endpoint", a.endpoints, "the daemon's ingest endpoint (default tcp://127.0.0.1:7730; "
                 "repeat for each replica of a pair, with its --server-key in the same order)");
  app.add_option("--replica-down-after", a.replica_down_after_s, "seconds a replica may stay behind "
                 "the others before batches stop waiting for it")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--state-dir", a.state_dir, "the adapter's own state (outbox)");
  app.add_option("--deadline", a.deadline_s, "--input: seconds to wait for acks (< 0: forever)")->capture_default_str();
  app.add_option("--batch-size", a.batch_size, "observations per batch")->capture_default_str();
  app.add_option("--window", a.window, "batches in flight")->capture_default_str();
  app.add_option("--metrics-file", a.metrics_file, "write adapter metrics here for node_exporter's textfile collector (*.prom)");
  app.add_option("--ack-timeout-ms", a.ack_timeout_ms, "resend after this long without an ack")->capture_default_str();
  auto* restatement = app.add_option("--restatement", a.restatement,
      "mark every figure of the run as a restatement of an approved year, with this reason");
  auto* submit = app.add_option("--submit", a.submit_year,
      "after the run's figures, submit the department's YEAR (报送)")->check(CLI::Range(1900, 9999));
  restatement->excludes(watch);
  submit->excludes(watch);
  CLI11_PARSE(app, argc, argv);
  if (a.dry_run && a.submit_year > 0) { kpihub::platform::LogLine(kpihub::platform::Priority::kError, "kpihub-adapter: --dry-run sends nothing: leave out --submit\n"); return 1; }
  if (restatement->count() > 0 && (a.restatement.empty() || a.restatement.size() > kpihub::core::kMaxNoteLength)) {
    kpihub::platform::LogLine(kpihub::platform::Priority::kError, "kpihub-adapter: --restatement needs a reason of 1 to %zu bytes\n", kpihub::core::kMaxNoteLength);
    return 1;
  }
  if (a.dry_run && a.inputs.empty()) { kpihub::platform::LogLine(kpihub::platform::Priority::kError, "kpihub-adapter: --dry-run needs --input\n"); return 1; }
  if (!a.dry_run && (a.key.empty() || a.server_keys.empty() || a.state_dir.empty())) {
    kpihub::platform::LogLine(kpihub::platform::Priority::kError, "kpihub-adapter: sending needs --key, --server-key and --state-dir\n");
    return 1;
  }
  if (a.endpoints.empty()) a.endpoints.push_back("tcp://127.0.0.1:7730");
  if (!a.dry_run && a.endpoints.size() != a.server_keys.size()) {
    kpihub::platform::LogLine(kpihub::platform::Priority::kError, "kpihub-adapter: %zu --endpoint but %zu --server-key: give one --server-key per --endpoint, in the same order\n", a.endpoints.size(), a.server_keys.size());
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
