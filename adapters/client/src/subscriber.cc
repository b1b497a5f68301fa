#include "kpihub/client/subscriber.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <thread>

#include "kpihub/platform/curve_dealer.h"

namespace kpihub::client {
namespace {

using wire::PageKind;
using wire::QueryRefusal;
using wire::RequestMode;

constexpr int kStopCheckMs = 100;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A fresh nonzero request id per subscribe: frames of an earlier attempt never match it.
uint64_t NewRequestId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t id = 0;
  while (id == 0) id = rng();
  return id;
}

// The daemon forgot the subscription (a restart, a reconnect on a new connection) or dropped
// it for silence: subscribing again from the stored change id is the answer, not an end.
bool Resubscribable(QueryRefusal reason) {
  return reason == QueryRefusal::kUnknownSubscription || reason == QueryRefusal::kSubscriptionIdle;
}

size_t RowCount(const wire::QueryPageMessage& page) {
  return page.enterprise_rows.size() + page.aggregate_rows.size();
}

}  // namespace

class Subscriber::Impl {
 public:
  Impl(zmq::context_t& context, ConsumerOptions consumer, SubscriberOptions options)
      : context_(context), consumer_(std::move(consumer)), options_(options) {
    options_.window = std::clamp<uint32_t>(options_.window, 1, 64);
  }

  SubscribeOutcome Run(wire::QueryRequest query, wire::ChangeId from,
                       const std::function<Status(const SubscriptionMessage&)>& on_message,
                       const std::function<bool()>& keep_going);

 private:
  // What one connection's attempt came to.
  enum class Attempt { kContinue, kStopped, kEnded, kCallerFailed, kResubscribe };

  void Connect();
  bool Send(RequestMode mode, uint32_t credit);
  Attempt RunAttempt(const std::function<Status(const SubscriptionMessage&)>& on_message,
                     const std::function<bool()>& keep_going);
  Attempt Handle(wire::QueryPageMessage page,
                 const std::function<Status(const SubscriptionMessage&)>& on_message);
  bool PauseBeforeReconnect(const std::function<bool()>& keep_going);

  zmq::context_t& context_;
  ConsumerOptions consumer_;
  SubscriberOptions options_;
  std::optional<zmq::socket_t> socket_;
  wire::QueryRequest query_;
  SubscribeOutcome outcome_;
  bool mid_snapshot_ = false;
  std::string why_;  // why the last attempt asks to resubscribe
  int64_t last_sent_ms_ = 0;
};

void Subscriber::Impl::Connect() {
  auto dealer = platform::CurveClient(consumer_.server_public_z85, consumer_.client_keys.public_z85,
                                      consumer_.client_keys.secret_z85);
  dealer.heartbeat_ms = consumer_.heartbeat_ms;
  dealer.send_timeout_ms = consumer_.send_timeout_ms;
  socket_.emplace(platform::NewCurveDealer(context_, dealer));
  socket_->connect(consumer_.endpoint);
}

bool Subscriber::Impl::Send(RequestMode mode, uint32_t credit) {
  wire::QueryRequest frame = mode == RequestMode::kSubscribe ? query_ : wire::QueryRequest{};
  frame.request_id = query_.request_id;
  frame.mode = mode;
  frame.credit = credit;
  if (mode == RequestMode::kSubscribe) frame.resume = outcome_.last;
  last_sent_ms_ = NowMs();
  return socket_->send(zmq::buffer(wire::EncodeQuery(frame)), zmq::send_flags::dontwait)
      .has_value();
}

// Applies one frame of this attempt's subscription and returns its credit; kContinue: read on.
Subscriber::Impl::Attempt Subscriber::Impl::Handle(
    wire::QueryPageMessage page,
    const std::function<Status(const SubscriptionMessage&)>& on_message) {
  if (page.kind == PageKind::kEnded || !page.answered || page.kind == PageKind::kQueryPage) {
    if (Resubscribable(page.reason)) {
      why_ = std::string(wire::QueryRefusalName(page.reason));
      return Attempt::kResubscribe;
    }
    outcome_.reason = page.reason;
    outcome_.detail = page.detail;
    return Attempt::kEnded;
  }
  SubscriptionMessage message;
  if (page.kind == PageKind::kSnapshot) {
    message.snapshot_restart = !mid_snapshot_;
    mid_snapshot_ = !page.snapshot_done;
  } else if (page.kind == PageKind::kChanges) {
    // A snapshot cut short is over. Changes before what is stored were applied already; the
    // same id again is an aggregate round's earlier page (its rows replace rows).
    mid_snapshot_ = false;
    if (page.change < outcome_.last) {
      return Send(RequestMode::kCredit, 1) ? Attempt::kContinue : Attempt::kResubscribe;
    }
  } else if (mid_snapshot_) {
    return Attempt::kContinue;  // a heartbeat inside a snapshot says nothing the caller stores
  }
  const bool data = page.kind != PageKind::kHeartbeat;
  const wire::ChangeId change = page.change;
  const bool complete = page.kind == PageKind::kChanges || page.snapshot_done ||
                        page.kind == PageKind::kHeartbeat;
  outcome_.rows += RowCount(page);
  message.page = std::move(page);
  if (Status s = on_message(message); !s.ok()) {
    outcome_.detail = s.message();
    return Attempt::kCallerFailed;
  }
  ++outcome_.messages;
  if (complete && !change.none()) outcome_.last = change;
  if (data && !Send(RequestMode::kCredit, 1)) return Attempt::kResubscribe;
  return Attempt::kContinue;
}

Subscriber::Impl::Attempt Subscriber::Impl::RunAttempt(
    const std::function<Status(const SubscriptionMessage&)>& on_message,
    const std::function<bool()>& keep_going) {
  Connect();
  mid_snapshot_ = false;
  why_ = "the link refused a frame";
  query_.request_id = NewRequestId();
  if (!Send(RequestMode::kSubscribe, options_.window)) return Attempt::kResubscribe;
  int64_t last_heard_ms = NowMs();
  while (true) {
    if (!keep_going()) {
      Send(RequestMode::kUnsubscribe, 0);
      return Attempt::kStopped;
    }
    const int64_t now = NowMs();
    if (now - last_heard_ms >= options_.silence_ms) {
      why_ = "no message for " + std::to_string(options_.silence_ms) + " ms";
      return Attempt::kResubscribe;
    }
    if (now - last_sent_ms_ >= options_.keepalive_ms && !Send(RequestMode::kCredit, 0)) {
      return Attempt::kResubscribe;
    }
    zmq::message_t frame;
    if (!platform::ReceiveWithin(*socket_, kStopCheckMs, &frame)) continue;
    auto page = wire::DecodeQueryPage(frame.data(), frame.size());
    if (!page || page->request_id != query_.request_id) continue;  // an earlier attempt's
    last_heard_ms = NowMs();
    Attempt a = Handle(std::move(*page), on_message);
    if (a != Attempt::kContinue) return a;
  }
}

bool Subscriber::Impl::PauseBeforeReconnect(const std::function<bool()>& keep_going) {
  const int64_t until = NowMs() + options_.reconnect_pause_ms;
  while (NowMs() < until) {
    if (!keep_going()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(
        std::min<int64_t>(kStopCheckMs, std::max<int64_t>(1, until - NowMs()))));
  }
  return keep_going();
}

SubscribeOutcome Subscriber::Impl::Run(
    wire::QueryRequest query, wire::ChangeId from,
    const std::function<Status(const SubscriptionMessage&)>& on_message,
    const std::function<bool()>& keep_going) {
  query_ = std::move(query);
  query_.continuation.clear();
  query_.as_of = 0;
  outcome_ = SubscribeOutcome{};
  outcome_.last = from;
  while (true) {
    switch (RunAttempt(on_message, keep_going)) {
      case Attempt::kContinue:
      case Attempt::kStopped: outcome_.end = SubscribeOutcome::End::kStopped; break;
      case Attempt::kEnded: outcome_.end = SubscribeOutcome::End::kEnded; break;
      case Attempt::kCallerFailed: outcome_.end = SubscribeOutcome::End::kCallerFailed; break;
      case Attempt::kResubscribe:
        socket_.reset();
        ++outcome_.reconnects;
        if (options_.on_reconnect) options_.on_reconnect(why_);
        if (PauseBeforeReconnect(keep_going)) continue;
        outcome_.end = SubscribeOutcome::End::kStopped;
        break;
    }
    socket_.reset();
    return outcome_;
  }
}

Subscriber::Subscriber(zmq::context_t& context, ConsumerOptions consumer,
                       SubscriberOptions options)
    : impl_(std::make_unique<Impl>(context, std::move(consumer), options)) {}

Subscriber::~Subscriber() = default;

SubscribeOutcome Subscriber::Run(
    wire::QueryRequest query, wire::ChangeId from,
    const std::function<Status(const SubscriptionMessage&)>& on_message,
    const std::function<bool()>& keep_going) {
  return impl_->Run(std::move(query), from, on_message, keep_going);
}

}  // namespace kpihub::client
