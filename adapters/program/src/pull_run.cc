#include "pull_run.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>

#include "kpihub/delivery/subscription_state.h"
#include "kpihub/platform/journal.h"

namespace kpihub::adapter {
namespace {

using platform::LogLine;
using platform::Priority;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += item + ",";
  return out;
}

// Turns subscription messages into files: a snapshot is gathered and written whole when done,
// each changes message with rows is one file, and every change id is stored with its file.
class FileSink {
 public:
  FileSink(delivery::SubscriptionFiles& files, const PullOptions& options, const PullOutput& out)
      : files_(files), options_(options), output_(out) {}

  Status Apply(const client::SubscriptionMessage& m) {
    const auto& page = m.page;
    ++messages_;
    if (page.kind == wire::PageKind::kHeartbeat) {
      caught_up_ = true;
      return files_.Advance(page.change);
    }
    if (page.kind == wire::PageKind::kSnapshot) return Snapshot(m);
    snapshot_rows_.clear();  // a snapshot cut short is over
    if (page.enterprise_rows.empty() && page.aggregate_rows.empty()) {
      return files_.Advance(page.change);
    }
    // An aggregate round in several messages repeats the id it started from on all but the
    // last: those files get a counter, and sort between the two ids.
    repeat_ = page.change == files_.cursor().change ? repeat_ + 1 : 0;
    const std::string name = options_.name + "-" + std::to_string(page.change.journal) + "-" +
                             std::to_string(page.change.index) +
                             (repeat_ ? "-" + std::to_string(repeat_ + 1) : "") + "." +
                             output_.extension();
    return Write(name, output_.Rows(page), page.change, RowCount(page));
  }

  bool caught_up() const { return caught_up_; }
  uint64_t messages() const { return messages_; }

 private:
  static size_t RowCount(const wire::QueryPageMessage& p) {
    return p.enterprise_rows.size() + p.aggregate_rows.size();
  }

  Status Snapshot(const client::SubscriptionMessage& m) {
    if (m.snapshot_restart) {
      snapshot_rows_.clear();
      snapshot_count_ = 0;
    }
    snapshot_rows_ += output_.Rows(m.page);
    snapshot_count_ += RowCount(m.page);
    if (!m.page.snapshot_done) return Status::Ok();
    const std::string name = options_.name + "-snapshot-" +
                             std::to_string(m.page.change.journal) + "." + output_.extension();
    Status s = Write(name, snapshot_rows_, m.page.change, snapshot_count_);
    snapshot_rows_.clear();
    snapshot_count_ = 0;
    return s;
  }

  // Credit codes stay out of the log: only the file name, counts and the change id.
  Status Write(const std::string& name, const std::string& rows, wire::ChangeId change,
               size_t count) {
    Status s = files_.Write(name, output_.File(rows), change);
    if (s.ok()) {
      LogLine(Priority::kInfo, "wrote %s: %zu rows, change %s\n", name.c_str(), count,
              change.ToString().c_str());
    }
    return s;
  }

  delivery::SubscriptionFiles& files_;
  const PullOptions& options_;
  const PullOutput& output_;
  std::string snapshot_rows_;
  size_t snapshot_count_ = 0;
  uint64_t messages_ = 0;
  uint32_t repeat_ = 0;
  bool caught_up_ = false;
};

// Opens the state, finishes what a crash left and starts afresh for a changed query.
Status PrepareFiles(delivery::SubscriptionFiles& files, const wire::QueryRequest& query,
                    const std::string& name) {
  auto cursor = files.Recover();
  if (!cursor.ok()) return cursor.status();
  const std::string fingerprint = QueryFingerprint(query);
  if (cursor->fingerprint == fingerprint) {
    if (!cursor->change.none()) {
      LogLine(Priority::kInfo, "subscription %s: resuming after change %s\n", name.c_str(),
              cursor->change.ToString().c_str());
    }
    return Status::Ok();
  }
  if (!cursor->fingerprint.empty()) {
    LogLine(Priority::kNotice, "subscription %s: the query changed; starting afresh with a "
            "snapshot\n", name.c_str());
  }
  return files.Reset(fingerprint);
}

int ReportEnd(const client::SubscribeOutcome& o) {
  const std::string reason(wire::QueryRefusalName(o.reason));
  const std::string zh(wire::QueryRefusalZh(o.reason));
  LogLine(Priority::kError, "kpihub-adapter pull: 订阅已结束 the daemon ended the subscription: "
          "%s %s: %s\n", reason.c_str(), zh.c_str(), o.detail.c_str());
  return kPullEnded;
}

}  // namespace

std::string QueryFingerprint(const wire::QueryRequest& q) {
  const std::string text = std::string(core::ShareLevelName(q.level)) + "|" +
                           Join(q.indicators) + "|" + Join(q.parks) + "|" + q.period_from +
                           "|" + q.period_to + "|" + Join(q.entities);
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016" PRIx64, h);
  return hex;
}

int RunPull(zmq::context_t& context, const PullOptions& options, const PullOutput& output,
            const std::function<bool()>& stop_requested) {
  auto state = delivery::SubscriptionState::Open(options.state_dir + "/subscriptions");
  if (!state.ok()) {
    LogLine(Priority::kError, "kpihub-adapter pull: %s\n", state.status().message().c_str());
    return kPullStateFailed;
  }
  delivery::SubscriptionFiles files(**state, options.name, options.out_dir);
  if (Status s = PrepareFiles(files, options.query, options.name); !s.ok()) {
    LogLine(Priority::kError, "kpihub-adapter pull: %s\n", s.message().c_str());
    return kPullStateFailed;
  }
  FileSink sink(files, options, output);
  const int64_t started = NowMs();
  bool no_answer = false;
  auto keep_going = [&] {
    if (sink.messages() == 0 && NowMs() - started > options.answer_timeout_ms) no_answer = true;
    return !no_answer && !stop_requested() && !(options.once && sink.caught_up());
  };
  client::SubscriberOptions subscriber_options = options.subscriber;
  subscriber_options.on_reconnect = [&](std::string_view why) {
    LogLine(Priority::kNotice, "subscription %s: subscribing again after change %s (%.*s)\n",
            options.name.c_str(), files.cursor().change.ToString().c_str(),
            static_cast<int>(why.size()), why.data());
  };
  client::Subscriber subscriber(context, options.consumer, subscriber_options);
  auto outcome = subscriber.Run(options.query, files.cursor().change,
                                [&](const client::SubscriptionMessage& m) { return sink.Apply(m); },
                                keep_going);
  LogLine(Priority::kInfo, "subscription %s: %" PRIu64 " messages, %" PRIu64 " rows, %" PRIu64
          " reconnects, stored change %s\n", options.name.c_str(), outcome.messages, outcome.rows,
          outcome.reconnects, files.cursor().change.ToString().c_str());
  switch (outcome.end) {
    case client::SubscribeOutcome::End::kEnded: return ReportEnd(outcome);
    case client::SubscribeOutcome::End::kCallerFailed:
      LogLine(Priority::kError, "kpihub-adapter pull: %s\n", outcome.detail.c_str());
      return kPullStateFailed;
    case client::SubscribeOutcome::End::kStopped: break;
  }
  if (no_answer) {
    LogLine(Priority::kError, "kpihub-adapter pull: 无应答 no answer from %s within %d ms (the "
            "daemon down, exchange_listen off, or the key not registered for reading)\n",
            options.consumer.endpoint.c_str(), options.answer_timeout_ms);
    return kPullNoAnswer;
  }
  return kPullStopped;
}

}  // namespace kpihub::adapter
