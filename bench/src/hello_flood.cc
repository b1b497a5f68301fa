#include "hello_flood.h"

#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>

#include <memory>
#include <vector>

#include <zmq.hpp>

#include "kpihub/wire/curve_keys.h"

namespace kpihub::bench {

std::string RunHelloFlood(const HelloFloodOptions& options) {
  if (options.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(options.cpu, &set);
    // Before the context: libzmq's I/O thread inherits the mask.
    if (sched_setaffinity(0, sizeof set, &set) != 0) return "cannot pin to CPU " + std::to_string(options.cpu);
  }
  // Two descriptors per client (its TCP connection and its socket's mailbox).
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &limit);
  }
  // Signals are taken with sigwait; blocked before libzmq starts its threads.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

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
    return std::string("client ") + std::to_string(clients.size()) + ": " + e.what();
  }
  if (options.seconds > 0) {
    timespec wait{static_cast<time_t>(options.seconds),
                  static_cast<long>((options.seconds - static_cast<time_t>(options.seconds)) * 1e9)};
    (void)sigtimedwait(&stop_signals, nullptr, &wait);
  } else {
    int signal_number = 0;
    (void)sigwait(&stop_signals, &signal_number);
  }
  return "";
}

}  // namespace kpihub::bench
