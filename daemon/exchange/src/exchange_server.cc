#include "kpihub/exchange/exchange_server.h"

#include <zmq.h>

#include <algorithm>

#include "exchange_zap.h"
#include "kpihub/ingest/connection_gate.h"
#include "kpihub/ingest/handshake_monitor.h"

namespace kpihub::exchange {
namespace {

// Refused clients reconnect every 100 ms on their own: the 1st, 10th, 100th... are logged.
bool IsPowerOfTen(uint64_t n) {
  while (n >= 10 && n % 10 == 0) n /= 10;
  return n == 1;
}

}  // namespace

struct ExchangeServer::Pending {
  bool dropped = false;  // its connection is over a limit and being closed: no answer
  bool subscription = false;  // a subscription frame: handled by Subscriptions
  zmq::message_t routing_id;
  ReaderIdentity reader;
  QueryOutcome outcome;
};

ExchangeServer::ExchangeServer(ExchangeOptions options, const core::LiveConfig& config,
                               store::Store& store, const core::Clock& clock,
                               ExchangeMetrics& metrics, std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)), config_(config), store_(store), clock_(clock),
      metrics_(metrics), log_(std::move(log)), engine_(options_.engine, store, clock),
      subscriptions_(options_.subscriptions, options_.engine, store, clock),
      zap_(context_, zmq::socket_type::rep), router_(context_, zmq::socket_type::router) {
  ingest::ConnectionLimits limits;
  limits.max_connections = options_.max_connections;
  limits.max_per_key = options_.max_per_key;
  gate_ = std::make_unique<ingest::ConnectionGate>(
      limits, [this](int fd) { ingest::ShutDownIngestSocket(fd, bound_port_); },
      [this](ingest::ConnectionGate::Refusal why, uint64_t nth) {
        OnConnectionRefused(why == ingest::ConnectionGate::Refusal::kTotal, nth);
      });
  handshake_ = std::make_unique<ingest::HandshakeMonitor>(
      context_,
      [this](const std::string& reason, uint64_t nth) { OnHandshakeFailure(reason, nth); },
      [this](bool accepted, int fd) {
        accepted ? gate_->OnAccepted(fd) : gate_->OnDisconnected(fd);
        metrics_.SetOpenConnections(gate_->open_connections());
      },
      [this](uint64_t nth) {
        metrics_.CountConnectionRefused("at_accept");
        if (IsPowerOfTen(nth)) {
          log_->warn("exchange: connection refused at accept count={} (no descriptor free)", nth);
        }
      });
}

ExchangeServer::~ExchangeServer() {
  handshake_.reset();  // stops the socket's events while the socket is still open
  zap_.close();
  router_.close();
}

void ExchangeServer::OnZapAnswer(bool admitted, const std::string& mechanism,
                                 const std::string& consumer) {
  metrics_.CountZap(admitted, mechanism);
  if (admitted) {
    log_->debug("exchange: connection admitted consumer={}", consumer);
    return;
  }
  const uint64_t nth = ++zap_refusals_;
  if (IsPowerOfTen(nth)) {
    log_->warn("exchange: connection refused mechanism={} reason=not_a_reading_key count={} "
               "(a writing key, an unregistered key, or not CURVE)", mechanism, nth);
  }
}

void ExchangeServer::OnHandshakeFailure(const std::string& reason, uint64_t nth) {
  metrics_.CountHandshakeFailure(reason);
  if (IsPowerOfTen(nth)) {
    log_->warn("exchange: connection refused: handshake failed reason={} count={} (client "
               "trusts another server key, or does not use CURVE)", reason, nth);
  }
}

void ExchangeServer::OnConnectionRefused(bool total, uint64_t nth) {
  const char* reason = total ? "total_limit" : "per_key_limit";
  metrics_.CountConnectionRefused(reason);
  if (IsPowerOfTen(nth)) {
    log_->warn("exchange: connection refused reason={} count={} (limit {})", reason, nth,
               total ? options_.max_connections : options_.max_per_key);
  }
}

void ExchangeServer::Start() {
  // The ZAP handler first: a CURVE server with no handler admits every key.
  zap_.set(zmq::sockopt::linger, 0);
  zap_.bind("inproc://zeromq.zap.01");
  router_.set(zmq::sockopt::linger, 0);
  router_.set(zmq::sockopt::curve_server, 1);
  router_.set(zmq::sockopt::curve_secretkey, options_.server_secret_z85);
  router_.set(zmq::sockopt::zap_domain, kExchangeZapDomain);
  router_.set(zmq::sockopt::sndhwm, options_.send_hwm);
  router_.set(zmq::sockopt::router_mandatory, 1);
  router_.set(zmq::sockopt::rcvhwm, options_.receive_hwm);
  // Larger frames drop the connection unread; a Query is small (QueryLimits).
  router_.set(zmq::sockopt::maxmsgsize,
              static_cast<int64_t>(2 * options_.engine.limits.max_frame_bytes));
  router_.set(zmq::sockopt::heartbeat_ivl, 5000);
  router_.set(zmq::sockopt::heartbeat_timeout, 15000);
  router_.set(zmq::sockopt::handshake_ivl, options_.handshake_timeout_ms);
  handshake_->Watch(router_);  // before bind: no connection goes unobserved
  router_.bind(options_.endpoint);
  const std::string bound = bound_endpoint();
  bound_port_ = std::stoi(bound.substr(bound.rfind(':') + 1));
}

std::string ExchangeServer::bound_endpoint() const {
  return router_.get(zmq::sockopt::last_endpoint);
}

void ExchangeServer::Run(const std::atomic<bool>& stop) {
  zmq::pollitem_t items[] = {{zap_.handle(), 0, ZMQ_POLLIN, 0},
                             {router_.handle(), 0, ZMQ_POLLIN, 0},
                             {handshake_->socket().handle(), 0, ZMQ_POLLIN, 0}};
  const ZapObserver on_zap = [this](bool admitted, const std::string& mechanism,
                                    const std::string& consumer) {
    OnZapAnswer(admitted, mechanism, consumer);
  };
  while (!stop) {
    try {
      int timeout_ms = options_.poll_timeout_ms;
      if (subscriptions_.Active()) {
        const auto next = last_round_ + std::chrono::milliseconds(options_.subscription_round_ms);
        timeout_ms = static_cast<int>(std::clamp<int64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(next - std::chrono::steady_clock::now()).count(),
            0, options_.subscription_round_ms));
      }
      zmq::poll(items, 3, std::chrono::milliseconds(timeout_ms));
      if (items[0].revents & ZMQ_POLLIN) (void)AnswerZapRequests(zap_, config_, on_zap);
      // Connection events before frames: a frame's connection is then known to the gate.
      if (items[2].revents & ZMQ_POLLIN) handshake_->HandlePending();
      ServeWaiting((items[1].revents & ZMQ_POLLIN) != 0);
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      log_->error("exchange: {}", e.what());
    }
  }
}

// Reads one waiting frame and answers it (not sent yet); false when none is waiting.
bool ExchangeServer::ReceiveOne(Pending* out, std::vector<SubscriptionOutput>* subscription_out) {
  if (!router_.recv(out->routing_id, zmq::recv_flags::dontwait)) return false;
  std::vector<zmq::message_t> parts;
  for (bool more = true; more;) {
    zmq::message_t part;
    (void)router_.recv(part);  // the rest of a multipart message is already here
    more = part.more();
    parts.push_back(std::move(part));
  }
  try {
    out->reader = {parts.front().gets("User-Id"), parts.front().gets("X-Department"),
                   parts.front().gets("X-Public-Key")};
  } catch (const zmq::error_t&) {
    // No ZAP metadata: cannot happen with the handler bound; refused as unregistered.
  }
  // Per-key connection limit, decided at a connection's first frame (the key is known only
  // once ZAP admitted it; ZMQ_SRCFD names the connection).
  const int fd = zmq_msg_get(parts.front().handle(), ZMQ_SRCFD);
  if (!out->reader.public_key.empty() && !gate_->AdmitFrame(fd, out->reader.public_key)) {
    out->dropped = true;
    return true;
  }
  const core::LiveConfig::View view = config_.Get();
  if (parts.size() != 1) {
    out->outcome = engine_.Refuse(out->reader, 0, wire::QueryRefusal::kBadRequest,
                                  "一个查询是单帧消息，收到 " + std::to_string(parts.size()) + " 帧",
                                  "undecodable");
    return true;
  }
  auto query = wire::DecodeQuery(parts.front().data(), parts.front().size(), engine_.limits());
  if (!query.ok()) {
    out->outcome = engine_.Refuse(out->reader, 0, wire::QueryRefusal::kBadRequest,
                                  query.status().message(), "undecodable");
    return true;
  }
  if (query->mode != wire::RequestMode::kQuery) {
    out->subscription = true;
    const size_t before = subscriptions_.size();
    subscriptions_.Handle(std::string(static_cast<const char*>(out->routing_id.data()),
                                      out->routing_id.size()),
                          out->reader, view, *query, subscription_out);
    if (subscriptions_.size() != before) metrics_.SetSubscriptions(subscriptions_.size());
    return true;
  }
  out->outcome = engine_.Answer(out->reader, view, *query);
  return true;
}

// Answers every waiting query, up to max_pages_per_commit, and serves the subscriptions what
// is due: one audit commit for all, then the pages. A page whose audit did not reach the disk
// is not sent with its rows.
void ExchangeServer::ServeWaiting(bool readable) {
  std::vector<Pending> pending;
  std::vector<SubscriptionOutput> subscribed;
  while (readable && pending.size() < options_.max_pages_per_commit) {
    Pending p;
    if (!ReceiveOne(&p, &subscribed)) break;
    if (!p.dropped && !p.subscription) pending.push_back(std::move(p));
  }
  const auto now = std::chrono::steady_clock::now();
  if (subscriptions_.Active() &&
      now - last_round_ >= std::chrono::milliseconds(options_.subscription_round_ms)) {
    last_round_ = now;
    subscriptions_.Pump(config_.Get(), &subscribed);
    metrics_.SetSubscriptions(subscriptions_.size());
  }
  if (pending.empty() && subscribed.empty()) return;
  std::vector<store::AuditRecord> records;
  for (const Pending& p : pending) {
    records.insert(records.end(), p.outcome.audit.begin(), p.outcome.audit.end());
  }
  for (const SubscriptionOutput& o : subscribed) {
    records.insert(records.end(), o.outcome.audit.begin(), o.outcome.audit.end());
  }
  Status audited = records.empty() ? Status::Ok() : store_.AppendAudit(&records);
  if (!audited.ok()) ++audit_failures_;
  // Logged on the 1st, 2nd, 4th, 8th... failure.
  if (!audited.ok() && (audit_failures_ & (audit_failures_ - 1)) == 0) {
    log_->error("exchange: the audit trail cannot be written ({}); {} queries refused "
                "audit_unavailable, subscriptions with data due ended (failure {})",
                audited.ToString(), pending.size(), audit_failures_);
  }
  for (Pending& p : pending) {
    if (!audited.ok()) {
      const uint64_t request_id = p.outcome.page.request_id;
      p.outcome = QueryOutcome{};
      p.outcome.page.request_id = request_id;
      p.outcome.page.reason = wire::QueryRefusal::kAuditUnavailable;
      p.outcome.page.detail = "查询无法记入审计日志，因此不予答复；请稍后重试";
    }
    Account(p, audited.ok());
    Send(p.routing_id, wire::EncodeQueryPage(p.outcome.page));
  }
  if (!audited.ok()) subscriptions_.AuditFailed(&subscribed);
  for (const SubscriptionOutput& o : subscribed) {
    Account(o);
    if (!o.send) continue;
    const bool queued = Send(zmq::message_t(o.routing_id.data(), o.routing_id.size()),
                             wire::EncodeQueryPage(o.outcome.page));
    // A data message that could not be queued must not leave a gap: the subscription goes,
    // and its consumer's next frame is answered unknown_subscription (it resumes).
    if (!queued && (o.outcome.page.kind == wire::PageKind::kSnapshot ||
                    o.outcome.page.kind == wire::PageKind::kChanges)) {
      subscriptions_.Drop(o.routing_id, o.outcome.page.request_id);
    }
  }
}

// A peer that does not read its answers loses them, not the other consumers. False when the
// message was not queued: the peer's queue is full, or it is gone.
bool ExchangeServer::Send(const zmq::message_t& routing_id, const std::string& frame) {
  zmq::message_t id(routing_id.data(), routing_id.size());
  try {
    if (!router_.send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) return false;
    return router_.send(zmq::buffer(frame), zmq::send_flags::dontwait).has_value();
  } catch (const zmq::error_t&) {
    return false;  // EHOSTUNREACH: the connection closed
  }
}

// Metrics and log lines of a subscription's message; never an enterprise id.
void ExchangeServer::Account(const SubscriptionOutput& o) {
  const wire::QueryPageMessage& page = o.outcome.page;
  const std::string& consumer = o.reader.consumer_id;
  if (!o.send) {
    log_->info("subscription opened consumer={} department={} id={} {}", consumer,
               o.reader.department, page.request_id,
               o.outcome.audit.empty() ? "" : o.outcome.audit.front().request);
    return;
  }
  if (page.kind == wire::PageKind::kEnded) {
    metrics_.Refused(consumer, page.reason);
    metrics_.SubscriptionEnded(page.reason);
    log_->info("subscription ended consumer={} department={} id={} reason={}", consumer,
               o.reader.department, page.request_id, wire::QueryRefusalName(page.reason));
    return;
  }
  for (const ServedRows& s : o.outcome.served) {
    if (s.rows != 0) metrics_.RowsServed(consumer, s.provider, s.agreement, s.rows);
  }
}

// Metrics and the log line of one page. Enterprise ids are never logged: the summary holds
// only catalogue codes and counts.
void ExchangeServer::Account(const Pending& p, bool audited) {
  const wire::QueryPageMessage& page = p.outcome.page;
  const std::string& consumer = p.reader.consumer_id;
  if (!page.answered) {
    metrics_.Refused(consumer, page.reason);
    const std::string summary = p.outcome.audit.empty() ? "" : p.outcome.audit.front().request;
    log_->info("query refused consumer={} department={} reason={} {}", consumer,
               p.reader.department, wire::QueryRefusalName(page.reason), summary);
    return;
  }
  (void)audited;
  metrics_.Answered(consumer);
  uint64_t rows = 0;
  for (const ServedRows& s : p.outcome.served) {
    if (s.rows != 0) metrics_.RowsServed(consumer, s.provider, s.agreement, s.rows);
    rows += s.rows;
  }
  log_->debug("query answered consumer={} department={} rows={} as_of={} more={}", consumer,
              p.reader.department, rows, page.as_of, !page.continuation.empty());
}

}  // namespace kpihub::exchange
