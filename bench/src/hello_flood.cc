#include "hello_flood.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include <zmq.hpp>

#include "kpihub/wire/curve_keys.h"

namespace kpihub::bench {
namespace {

// "tcp://[SRC:0;]HOST:PORT" as IPv4 socket addresses; false if it is not that.
bool ParseEndpoint(const std::string& endpoint, sockaddr_in* source, bool* has_source,
                   sockaddr_in* target) {
  if (endpoint.rfind("tcp://", 0) != 0) return false;
  std::string rest = endpoint.substr(6);
  auto parse = [](const std::string& text, sockaddr_in* out) {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    *out = {};
    out->sin_family = AF_INET;
    out->sin_port = htons(static_cast<uint16_t>(std::stoi(text.substr(colon + 1))));
    return inet_pton(AF_INET, text.substr(0, colon).c_str(), &out->sin_addr) == 1;
  };
  const size_t semicolon = rest.find(';');
  *has_source = semicolon != std::string::npos;
  if (*has_source && !parse(rest.substr(0, semicolon), source)) return false;
  return parse(*has_source ? rest.substr(semicolon + 1) : rest, target);
}

// A ZMTP 3.0 greeting offering CURVE as a client, then a HELLO command (ZMTP 3.0 frame of
// 200 bytes: name, version 1.0, 72 bytes of padding, C', short nonce, box) whose key and box
// are random: the server's crypto_box_open of it fails as for a wrong server key.
std::string GreetingAndHello(std::mt19937_64& random) {
  std::string out(64, '\0');
  out[0] = '\xff';
  out[9] = '\x7f';
  out[10] = 3;  // ZMTP 3.0
  std::memcpy(&out[12], "CURVE", 5);
  std::string hello(200, '\0');
  std::memcpy(&hello[0], "\x05HELLO", 6);
  hello[6] = 1;
  for (size_t i = 80; i < hello.size(); ++i) hello[i] = static_cast<char>(random());
  out += std::string("\x04\xc8", 2) + hello;
  return out;
}

class RawFlood {
 public:
  RawFlood(const HelloFloodOptions& options, const sockaddr_in& target, const sockaddr_in* source)
      : target_(target), source_(source), epoll_(epoll_create1(0)), random_(options.clients) {
    slots_.resize(static_cast<size_t>(options.clients));
    for (auto& slot : slots_) slot.payload = GreetingAndHello(random_);
  }
  ~RawFlood() {
    for (auto& slot : slots_) {
      if (slot.fd >= 0) close(slot.fd);
    }
    close(epoll_);
  }

  uint64_t Run(const sigset_t& stop_signals, double seconds) {
    for (size_t i = 0; i < slots_.size(); ++i) Open(i);
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::vector<epoll_event> events(256);
    timespec zero{0, 0};
    while (sigtimedwait(&stop_signals, nullptr, &zero) < 0) {
      if (seconds > 0 && std::chrono::steady_clock::now() >= end) break;
      const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
      for (int e = 0; e < n; ++e) Handle(events[e].data.u64, events[e].events);
    }
    return attempts_;
  }

 private:
  struct Slot {
    int fd = -1;
    bool sent = false;
    std::string payload;
  };

  void Open(size_t i) {
    Slot& slot = slots_[i];
    slot.sent = false;
    slot.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (slot.fd < 0) return;
    if (source_ != nullptr) {
      (void)bind(slot.fd, reinterpret_cast<const sockaddr*>(source_), sizeof *source_);
    }
    (void)connect(slot.fd, reinterpret_cast<const sockaddr*>(&target_), sizeof target_);
    epoll_event event{};
    event.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
    event.data.u64 = i;
    (void)epoll_ctl(epoll_, EPOLL_CTL_ADD, slot.fd, &event);
  }

  void Reopen(size_t i) {
    close(slots_[i].fd);  // also leaves the epoll set
    slots_[i].fd = -1;
    Open(i);
  }

  void Handle(size_t i, uint32_t ready) {
    Slot& slot = slots_[i];
    if (slot.fd < 0) return Open(i);
    if (ready & (EPOLLERR | EPOLLHUP)) return Reopen(i);
    if (!slot.sent && (ready & EPOLLOUT)) {
      if (write(slot.fd, slot.payload.data(), slot.payload.size()) < 0) return Reopen(i);
      slot.sent = true;
      epoll_event event{};
      event.events = EPOLLIN | EPOLLRDHUP;
      event.data.u64 = i;
      (void)epoll_ctl(epoll_, EPOLL_CTL_MOD, slot.fd, &event);
    }
    if (ready & (EPOLLIN | EPOLLRDHUP)) {
      char buffer[512];
      ssize_t got;
      while ((got = read(slot.fd, buffer, sizeof buffer)) > 0) {
      }
      if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        if (slot.sent) ++attempts_;
        Reopen(i);
      }
    }
  }

  sockaddr_in target_;
  const sockaddr_in* source_;
  int epoll_;
  std::mt19937_64 random_;
  std::vector<Slot> slots_;
  uint64_t attempts_ = 0;
};

// Pins the process, raises its descriptor limit (two per client: its TCP connection and its
// socket's mailbox) and blocks SIGTERM/SIGINT, taken with sigwait; before libzmq starts its
// threads, which inherit the mask. An error text, or "".
std::string PrepareProcess(const HelloFloodOptions& options, sigset_t* stop_signals) {
  if (options.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(options.cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
      return "cannot pin to CPU " + std::to_string(options.cpu);
    }
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &limit);
  }
  sigemptyset(stop_signals);
  sigaddset(stop_signals, SIGTERM);
  sigaddset(stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, stop_signals, nullptr);
  return "";
}

// Until `seconds` have passed (0: for ever) or SIGTERM/SIGINT came.
void WaitForStop(const sigset_t& stop_signals, double seconds) {
  if (seconds > 0) {
    timespec wait{static_cast<time_t>(seconds),
                  static_cast<long>((seconds - static_cast<time_t>(seconds)) * 1e9)};
    (void)sigtimedwait(&stop_signals, nullptr, &wait);
  } else {
    int signal_number = 0;
    (void)sigwait(&stop_signals, &signal_number);
  }
}

// 1,000 (or options.clients) libzmq DEALERs that trust a server key nobody has: each fails
// its handshake and reconnects as libzmq does.
HelloFloodResult RunZmqFlood(const HelloFloodOptions& options, const sigset_t& stop_signals) {
  HelloFloodResult result;
  zmq::context_t context(1);
  context.set(zmq::ctxopt::max_sockets, options.clients + 16);
  const std::string wrong_server = wire::GenerateCurveKeyPair().public_z85;
  std::vector<std::unique_ptr<zmq::socket_t>> clients;
  try {
    for (int i = 0; i < options.clients; ++i) {
      auto s = std::make_unique<zmq::socket_t>(context, zmq::socket_type::dealer);
      const wire::CurveKeyPair keys = wire::GenerateCurveKeyPair();
      s->set(zmq::sockopt::linger, 0);
      s->set(zmq::sockopt::curve_serverkey, wrong_server);
      s->set(zmq::sockopt::curve_publickey, keys.public_z85);
      s->set(zmq::sockopt::curve_secretkey, keys.secret_z85);
      s->connect(options.endpoint);
      clients.push_back(std::move(s));
    }
  } catch (const zmq::error_t& e) {
    result.error = "client " + std::to_string(clients.size()) + ": " + e.what();
    return result;
  }
  WaitForStop(stop_signals, options.seconds);
  return result;
}

}  // namespace

HelloFloodResult RunHelloFlood(const HelloFloodOptions& options) {
  HelloFloodResult result;
  sigset_t stop_signals;
  result.error = PrepareProcess(options, &stop_signals);
  if (!result.error.empty()) return result;
  if (!options.raw) return RunZmqFlood(options, stop_signals);
  sockaddr_in source{}, target{};
  bool has_source = false;
  if (!ParseEndpoint(options.endpoint, &source, &has_source, &target)) {
    result.error = "--raw needs tcp://[SRC:0;]IPV4:PORT, not " + options.endpoint;
    return result;
  }
  RawFlood flood(options, target, has_source ? &source : nullptr);
  result.attempts = flood.Run(stop_signals, options.seconds);
  return result;
}

}  // namespace kpihub::bench
