#include "network_loop.h"

#include <sys/eventfd.h>
#include <unistd.h>
#include <zmq.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace kpihub::ingest {
namespace {

bool IsPowerOfTen(uint64_t n) {
  while (n >= 10 && n % 10 == 0) n /= 10;
  return n == 1;
}

// Frames taken off the socket per turn of the loop at most, so that posted acks and ZAP
// requests are served between bursts.
constexpr int kDrainPerTurn = 1000;

}  // namespace

NetworkLoop::NetworkLoop(zmq::context_t& context, const IngestOptions& options,
                         const core::LiveConfig& config, FrameQueue& queue,
                         IngestMetrics& metrics, std::shared_ptr<spdlog::logger> log)
    : options_(options),
      config_(config),
      queue_(queue),
      metrics_(metrics),
      log_(std::move(log)),
      zap_(context, config,
           [this](bool allowed, const std::string& mechanism, const std::string& adapter) {
             OnZapOutcome(allowed, mechanism, adapter);
           }),
      router_(context, zmq::socket_type::router),
      gate_(options_.connections,
            [this](int fd) { ShutDownIngestSocket(fd, bound_port_); },
            [this](ConnectionGate::Refusal why, uint64_t nth) {
              const bool total = why == ConnectionGate::Refusal::kTotal;
              metrics_.CountConnectionRefused(total ? "total_limit" : "per_key_limit");
              if (!IsPowerOfTen(nth)) return;
              log_->warn("connection refused reason={} count={} (limit {})",
                         total ? "total_limit" : "per_key_limit", nth,
                         total ? options_.connections.max_connections
                               : options_.connections.max_per_key);
            }),
      handshake_(context, [this](const std::string& reason, uint64_t nth) {
        metrics_.CountHandshakeFailure(reason);
        // A misconfigured client retries every 100 ms: log the 1st, 10th, 100th... refusal.
        if (IsPowerOfTen(nth)) {
          log_->warn("connection refused: handshake failed reason={} count={} (client trusts "
                     "another server key, or does not use CURVE)", reason, nth);
        }
      }, [this](bool accepted, int fd) {
        accepted ? gate_.OnAccepted(fd) : gate_.OnDisconnected(fd);
        metrics_.SetOpenConnections(gate_.open_connections());
      }, [this](uint64_t nth) {
        metrics_.CountConnectionRefused("at_accept");
        if (IsPowerOfTen(nth)) {
          log_->warn("connection refused at accept count={} (an address outside "
                     "ingest_allow_from, or no descriptor free)", nth);
        }
      }) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

NetworkLoop::~NetworkLoop() {
  Stop();
  ::close(wake_fd_);
}

void NetworkLoop::OnZapOutcome(bool allowed, const std::string& mechanism,
                               const std::string& adapter) {
  metrics_.CountZap(allowed, mechanism);
  if (allowed) {
    // A key already at its connection limit reconnects every 100 ms after each refusal:
    // those admissions go to debug, the refusals are counted and logged. The view is held
    // while `key` is used: a reload may free the old registry.
    const core::LiveConfig::View view = config_.Get();
    const core::AdapterKey* key = view.registry->FindById(adapter);
    if (key != nullptr &&
        gate_.ConnectionsOf(key->public_key_z85) >= options_.connections.max_per_key) {
      log_->debug("connection admitted adapter={} (at its connection limit)", adapter);
    } else {
      log_->info("connection admitted adapter={}", adapter);
    }
    return;
  }
  // A refused client reconnects on its own (every 100 ms by default) and a flood of them
  // would drown real warnings: log the 1st, 10th, 100th... refusal.
  uint64_t nth = ++zap_refusals_;
  if (IsPowerOfTen(nth)) {
    log_->warn("connection refused mechanism={} reason=unknown_key_or_mechanism count={}",
               mechanism, nth);
  }
}

std::string NetworkLoop::Bind() {
  router_.set(zmq::sockopt::linger, 0);
  router_.set(zmq::sockopt::curve_server, 1);
  router_.set(zmq::sockopt::curve_secretkey, options_.server_secret_z85);
  router_.set(zmq::sockopt::zap_domain, "kpihub");
  // Without this a ROUTER silently drops replies it cannot route.
  router_.set(zmq::sockopt::router_mandatory, 1);
  router_.set(zmq::sockopt::sndhwm, options_.send_hwm);
  router_.set(zmq::sockopt::rcvhwm, options_.receive_hwm);
  // libzmq drops the connection without a word above ZMQ_MAXMSGSIZE, so it is only a last
  // guard for memory; frames between the decode limit and this one get a `frameTooLarge` ack.
  router_.set(zmq::sockopt::maxmsgsize,
              static_cast<int64_t>(options_.limits.max_frame_bytes) * 2);
  router_.set(zmq::sockopt::heartbeat_ivl, 5000);
  router_.set(zmq::sockopt::heartbeat_timeout, 15000);
  router_.set(zmq::sockopt::handshake_ivl, options_.handshake_timeout_ms);
  // Applied by the listener at accept, so set before bind (deprecated in libzmq 4.3, kept).
  for (const std::string& allowed : options_.accept_from) {
    if (zmq_setsockopt(router_.handle(), ZMQ_TCP_ACCEPT_FILTER, allowed.data(), allowed.size()) !=
        0) {
      throw zmq::error_t();
    }
  }
  handshake_.Watch(router_);  // before bind: no handshake goes unobserved
  router_.bind(options_.endpoint);
  std::string bound = router_.get(zmq::sockopt::last_endpoint);
  bound_port_ = std::stoi(bound.substr(bound.rfind(':') + 1));
  return bound;
}

void NetworkLoop::Launch() {
  stop_.store(false);
  thread_ = std::thread([this] { Serve(); });
}

void NetworkLoop::Post(std::vector<OutboundAck> acks) {
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    for (OutboundAck& a : acks) posted_.push_back(std::move(a));
  }
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void NetworkLoop::Stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  thread_.join();
}

std::string NetworkLoop::failure() const {
  std::lock_guard<std::mutex> lock(failure_mutex_);
  return failure_;
}

void NetworkLoop::Serve() {
  std::vector<zmq::pollitem_t> items = {{zap_.socket().handle(), 0, ZMQ_POLLIN, 0},
                                        {router_.handle(), 0, ZMQ_POLLIN, 0},
                                        {handshake_.socket().handle(), 0, ZMQ_POLLIN, 0},
                                        {nullptr, wake_fd_, ZMQ_POLLIN, 0}};
  try {
    while (!stop_.load()) {
      try {
        zmq::poll(items, std::chrono::milliseconds(options_.poll_timeout_ms));
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        throw;
      }
      if (items[3].revents & ZMQ_POLLIN) {
        uint64_t count;
        (void)!::read(wake_fd_, &count, sizeof count);
      }
      SendPosted();
      if (items[0].revents & ZMQ_POLLIN) zap_.HandlePending();
      if (items[2].revents & ZMQ_POLLIN) handshake_.HandlePending();
      if (items[1].revents & ZMQ_POLLIN) Drain();
    }
    SendPosted();  // the last group's acks
  } catch (const std::exception& e) {
    {
      std::lock_guard<std::mutex> lock(failure_mutex_);
      failure_ = std::string("ingest socket failed: ") + e.what();
    }
    log_->critical("{}; stopping", failure());
  }
  queue_.Wake();
}

void NetworkLoop::Drain() {
  std::vector<InboundFrame> frames;
  for (int i = 0; i < kDrainPerTurn && ReceiveOne(&frames); ++i) {
  }
  Admit(std::move(frames));
  metrics_.SetQueuedBytes(queue_.charged_bytes());
}

bool NetworkLoop::ReceiveOne(std::vector<InboundFrame>* frames) {
  InboundFrame frame;
  if (!router_.recv(frame.routing_id, zmq::recv_flags::dontwait)) return false;
  frame.parts = 0;
  bool more = true;
  while (more) {
    zmq::message_t part;
    (void)router_.recv(part);  // the rest of a multipart message is already here
    more = part.more();
    if (frame.parts++ == 0) frame.body = std::move(part);  // later parts are not kept
  }
  const char* user = nullptr;
  const char* department = nullptr;
  const char* key = nullptr;
  try {
    user = frame.body.gets("User-Id");
    department = frame.body.gets("X-Department");
    key = frame.body.gets("X-Public-Key");
  } catch (const zmq::error_t&) {
    // No ZAP metadata: cannot happen with the handler bound; treated as unauthorized.
  }
  frame.sender = Sender{user ? user : "", department ? department : "", key ? key : ""};
  // Per-key connection limit, decided at a connection's first frame (the key is known only
  // once ZAP admitted it; ZMQ_SRCFD names the connection).
  const int fd = zmq_msg_get(frame.body.handle(), ZMQ_SRCFD);
  if (!frame.sender.public_key.empty() && !gate_.AdmitFrame(fd, frame.sender.public_key)) {
    return true;  // its connection is being closed: no answer
  }
  frames->push_back(std::move(frame));
  return true;
}

// Counts and logs (once per power of ten) the frames the queue did not take whole.
void NetworkLoop::Admit(std::vector<InboundFrame> frames) {
  if (frames.empty()) return;
  std::vector<std::string> adapters;
  adapters.reserve(frames.size());
  for (const InboundFrame& f : frames) adapters.push_back(f.sender.adapter);
  const std::vector<FrameQueue::Admission> admissions = queue_.Push(std::move(frames));
  for (size_t i = 0; i < admissions.size(); ++i) {
    switch (admissions[i]) {
      case FrameQueue::Admission::kQueued: break;
      case FrameQueue::Admission::kDeferredKeyBudget:
      case FrameQueue::Admission::kDeferredTotalBudget: {
        const bool key = admissions[i] == FrameQueue::Admission::kDeferredKeyBudget;
        metrics_.CountFrameDeferred(key ? "key_budget" : "total_budget");
        if (IsPowerOfTen(++frames_deferred_)) {
          log_->warn("frame deferred adapter={} reason={} (queued bytes over budget; answered "
                     "retry_later) count={}", adapters[i], key ? "key_budget" : "total_budget",
                     frames_deferred_);
        }
        break;
      }
      case FrameQueue::Admission::kDropped:
        metrics_.CountFrameDropped();
        if (IsPowerOfTen(++frames_dropped_)) {
          log_->warn("frame dropped adapter={} (thousands of frames in flight over budget) "
                     "count={}", adapters[i], frames_dropped_);
        }
        break;
    }
  }
}

void NetworkLoop::SendPosted() {
  std::vector<OutboundAck> acks;
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    acks.swap(posted_);
  }
  for (OutboundAck& a : acks) {
    try {
      if (!router_.send(a.routing_id, zmq::send_flags::sndmore | zmq::send_flags::dontwait) ||
          !router_.send(zmq::buffer(a.bytes), zmq::send_flags::dontwait)) {
        metrics_.CountAckDropped();  // peer not reading: it will resend and get `duplicate`
      }
    } catch (const zmq::error_t&) {
      metrics_.CountAckDropped();  // EHOSTUNREACH: the peer is gone
    }
  }
}

}  // namespace kpihub::ingest
