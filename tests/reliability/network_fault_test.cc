// Network faults between the adapters (the real delivery library) and the real daemon: the
// daemon frozen by SIGSTOP (its peers' heartbeats must notice and reconnect), connections cut
// mid-window by a TCP relay, and a peer that stops reading its acks. Nothing may be lost or
// applied twice, and a peer that does not read must not hold up the others.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "kpihub/wire/codec.h"
#include "kpihub/wire/curve_keys.h"
#include "kpihub/platform/curve_dealer.h"
#include "reliability_util.h"

namespace kpihub::reliability {
namespace {

using testing::DaemonHarness;

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

void ExpectExactlyOnce(AdapterFleet& fleet, const DaemonHarness& daemon, Figures* out) {
  fleet.StopEnqueuing();
  ASSERT_TRUE(fleet.WaitDrained(90000)) << Join(fleet.Errors());
  fleet.Stop();
  EXPECT_TRUE(fleet.Errors().empty()) << Join(fleet.Errors());
  *out = Compare(fleet.feeds(), fleet.batch_size(), fleet.Acked(), ReadStore(daemon.state_dir()));
  EXPECT_EQ(out->lost + out->duplicated + out->mismatched, 0u) << Join(out->details);
  EXPECT_EQ(out->acked, out->applied);
  std::string verify;
  EXPECT_EQ(CliVerify(daemon, &verify), 0) << verify;
}

// The daemon's anonymous resident memory (heap, queues), KiB. File-backed pages of the LMDB
// map are left out: they grow with the data, not with what the daemon holds for a peer.
int64_t DaemonAnonKib(const DaemonHarness& daemon) {
  std::ifstream ready(daemon.dir() + "/ready");
  std::string line, pid;
  while (std::getline(ready, line)) {
    if (line.rfind("pid=", 0) == 0) pid = line.substr(4);
  }
  std::ifstream status("/proc/" + pid + "/status");
  while (std::getline(status, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::stoll(line.substr(8));
  }
  return -1;
}

TEST(NetworkFaultTest, FrozenDaemonIsDetectedByHeartbeatsAndNothingIsLostOrDoubled) {
  DaemonHarness daemon(AdapterIds(FourFeeds()));
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  FleetOptions options = FleetFor(daemon);
  options.heartbeat_ms = 200;       // a silent peer is dropped after 600 ms
  options.ack_timeout_ms = 30000;   // so that only the heartbeat can notice the freeze
  AdapterFleet fleet(FourFeeds(), options);
  fleet.Start();
  ASSERT_TRUE(fleet.WaitAcked(40, 60000)) << Join(fleet.Errors());
  const int freezes = LongRun() ? 20 : 2;
  for (int i = 0; i < freezes; ++i) {
    const uint64_t reconnects = fleet.Counters().reconnects;
    daemon.Signal(SIGSTOP);
    std::this_thread::sleep_for(std::chrono::milliseconds(2000));  // the freeze itself
    daemon.Signal(SIGCONT);
    // Each adapter's heartbeat timed out during the freeze: it dropped the link, connected
    // again and resent its window on the new session.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (fleet.Counters().reconnects < reconnects + FourFeeds().size() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_GE(fleet.Counters().reconnects, reconnects + FourFeeds().size()) << "freeze " << i;
    ASSERT_TRUE(fleet.WaitAcked(fleet.AckedCount() + 20, 60000)) << Join(fleet.Errors());
  }
  Figures f;
  ExpectExactlyOnce(fleet, daemon, &f);
  const auto c = fleet.Counters();
  PrintSummary("daemon-freeze", {{"freezes", std::to_string(freezes)},
                                 {"reconnects", std::to_string(c.reconnects)},
                                 {"resent", std::to_string(c.batches_resent)},
                                 {"acked", std::to_string(f.acked)},
                                 {"lost", std::to_string(f.lost)},
                                 {"duplicated", std::to_string(f.duplicated)},
                                 {"mismatched", std::to_string(f.mismatched)}});
}

// A TCP relay on a loopback ephemeral port in front of the daemon that can cut every
// connection passing through it at once (with a reset), as a flaky network or a NAT
// timeout would.
class CuttingRelay {
 public:
  explicit CuttingRelay(int target_port) : target_port_(target_port) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listen_fd_, 64);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~CuttingRelay() {
    stop_ = true;
    thread_.join();
    CloseAll();
    close(listen_fd_);
  }
  int port() const { return port_; }
  void CutAll() { cut_ = true; }
  int cuts() const { return cuts_; }

 private:
  int Connect() { return testing::ConnectLoopback(target_port_); }
  static void Reset(int fd) {
    linger l{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
  }
  void CloseAll() {
    for (auto& [a, b] : pairs_) {
      Reset(a);
      Reset(b);
    }
    pairs_.clear();
  }
  // Copies what is readable on `from` to `to` (blocking writes: loopback peers read fast).
  static bool Pump(int from, int to) {
    char buf[65536];
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0) return false;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(to, buf + off, static_cast<size_t>(n - off));
      if (w <= 0) return false;
      off += w;
    }
    return true;
  }
  void Loop() {
    while (!stop_) {
      if (cut_.exchange(false)) {
        CloseAll();
        cuts_++;
      }
      std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}};
      for (auto& [a, b] : pairs_) {
        fds.push_back({a, POLLIN, 0});
        fds.push_back({b, POLLIN, 0});
      }
      if (poll(fds.data(), fds.size(), 20) <= 0) continue;
      std::vector<std::pair<int, int>> alive;
      if (fds[0].revents & POLLIN) {
        int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        int server = client >= 0 ? Connect() : -1;
        if (server >= 0) alive.emplace_back(client, server);
        else if (client >= 0) close(client);
      }
      for (size_t i = 0; i < pairs_.size(); ++i) {  // the pairs polled above
        auto [a, b] = pairs_[i];
        bool ok = true;
        if (fds[1 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) ok = ok && Pump(a, b);
        if (ok && (fds[2 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR))) ok = Pump(b, a);
        if (ok) {
          alive.emplace_back(a, b);
        } else {
          Reset(a);
          Reset(b);
        }
      }
      pairs_ = alive;
    }
  }

  int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> cut_{false};
  std::atomic<int> cuts_{0};
  std::vector<std::pair<int, int>> pairs_;  // (adapter side, daemon side); relay thread only
};

int PortOf(const std::string& endpoint) { return std::stoi(endpoint.substr(endpoint.rfind(':') + 1)); }

TEST(NetworkFaultTest, ConnectionsCutMidWindowAreResentAndNothingIsLostOrDoubled) {
  DaemonHarness daemon(AdapterIds(FourFeeds()));
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  CuttingRelay relay(PortOf(daemon.endpoint()));
  FleetOptions options = FleetFor(daemon);
  options.endpoint = "tcp://127.0.0.1:" + std::to_string(relay.port());
  options.window = 8;
  AdapterFleet fleet(FourFeeds(), options);
  fleet.Start();
  ASSERT_TRUE(fleet.WaitAcked(20, 60000)) << Join(fleet.Errors());
  std::mt19937 rng(static_cast<unsigned>(EnvInt("KPIHUB_RELIABILITY_SEED", 7)));
  std::uniform_int_distribution<int> pause_ms(100, 600);
  const int cuts = LongRun() ? 200 : 15;
  for (int i = 0; i < cuts; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    relay.CutAll();
  }
  ASSERT_TRUE(fleet.WaitAcked(fleet.AckedCount() + 20, 60000)) << Join(fleet.Errors());
  Figures f;
  ExpectExactlyOnce(fleet, daemon, &f);
  const auto c = fleet.Counters();
  EXPECT_GT(c.reconnects, 0u);
  PrintSummary("connection-cuts", {{"cuts", std::to_string(relay.cuts())},
                                   {"reconnects", std::to_string(c.reconnects)},
                                   {"resent", std::to_string(c.batches_resent)},
                                   {"acked", std::to_string(f.acked)},
                                   {"lost", std::to_string(f.lost)},
                                   {"duplicated", std::to_string(f.duplicated)},
                                   {"mismatched", std::to_string(f.mismatched)}});
}

// A CURVE DEALER as `adapter` that queues little and does not read until told to.
zmq::socket_t SlowReader(zmq::context_t& context, const DaemonHarness& daemon,
                         const std::string& adapter) {
  const wire::CurveKeyPair& keys = daemon.adapter(adapter).keys;
  zmq::socket_t dealer = platform::NewCurveDealer(
      context, platform::CurveClient(daemon.server_public(), keys.public_z85, keys.secret_z85));
  dealer.set(zmq::sockopt::rcvhwm, 10);
  dealer.set(zmq::sockopt::sndhwm, 0);
  dealer.connect(daemon.endpoint());
  return dealer;
}

// Waits up to 60 s until the store holds `adapter`'s batch `frames`; the last applied.
uint64_t WaitApplied(const DaemonHarness& daemon, const std::string& adapter, uint64_t frames) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  uint64_t applied = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto state = ReadStore(daemon.state_dir());
    applied = state.last_sequence[adapter];
    if (applied == frames) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return applied;
}

// Unread acks wait in the daemon's send queue (at most send_hwm = 100000 per peer, about
// 100 bytes each) and in the socket buffers: bounded, whatever the peer does.
int64_t UnreadAcksBoundKib() {
  int64_t bound_kib = 32 * 1024;
#ifdef KPIHUB_ASAN_RUNTIME
  // ASan keeps freed blocks in a quarantine of up to 256 MiB before reusing them.
  bound_kib += 256 * 1024;
  std::printf("slow-consumer: ASan build, memory bound widened by the 256 MiB quarantine\n");
#endif
  return bound_kib;
}

// Reads up to `frames` acks (60 s at most): how many accepted without rejection (their
// sequences into *accepted_sequences) and how many not.
std::pair<uint64_t, uint64_t> ReadAcks(zmq::socket_t& dealer, uint64_t frames,
                                       std::set<uint64_t>* accepted_sequences) {
  uint64_t accepted = 0, other = 0;
  auto read_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (accepted + other < frames && std::chrono::steady_clock::now() < read_deadline) {
    zmq::message_t msg;
    dealer.set(zmq::sockopt::rcvtimeo, 1000);
    if (!dealer.recv(msg)) continue;
    auto ack = wire::DecodeAck(msg.data(), msg.size());
    if (ack && ack->status == wire::AckStatus::kAccepted && ack->rejections.empty()) {
      accepted++;
      accepted_sequences->insert(ack->sequence);
    } else {
      other++;
    }
  }
  return {accepted, other};
}

// A peer that sends and never reads its acks: the daemon queues them up to its send
// high-water mark and keeps serving everyone else; its memory stays bounded.
TEST(NetworkFaultTest, PeerThatStopsReadingDoesNotHoldUpOthersOrGrowMemory) {
  std::vector<FeedSpec> feeds = FourFeeds();
  const FeedSpec slow{"slow-1", "tax", "hightech_tax_relief", true, 'y'};
  auto ids = AdapterIds(feeds);
  ids.emplace_back(slow.adapter, slow.department);
  DaemonHarness daemon(ids);
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  AdapterFleet fleet(feeds, FleetFor(daemon));
  fleet.Start();
  ASSERT_TRUE(fleet.WaitAcked(20, 60000)) << Join(fleet.Errors());
  const int64_t rss_before = DaemonAnonKib(daemon);

  zmq::context_t context(1);
  zmq::socket_t dealer = SlowReader(context, daemon, slow.adapter);
  const uint64_t frames = LongRun() ? 20000 : 3000;
  for (uint64_t seq = 1; seq <= frames; ++seq) {
    std::string frame = wire::EncodeBatch(seq, 0, BatchContent(slow, seq, 10));
    ASSERT_TRUE(dealer.send(zmq::buffer(frame), zmq::send_flags::none));
  }
  // While its acks pile up unread, the other adapters keep getting theirs.
  ASSERT_TRUE(fleet.WaitAcked(fleet.AckedCount() + 100, 60000)) << Join(fleet.Errors());
  std::vector<FeedSpec> all = feeds;
  all.push_back(slow);
  // The daemon applied all the slow peer's batches though it reads none of the acks.
  EXPECT_EQ(WaitApplied(daemon, slow.adapter, frames), frames);
  const int64_t rss_during = DaemonAnonKib(daemon);
  ASSERT_GT(rss_before, 0);
  EXPECT_LT(rss_during - rss_before, UnreadAcksBoundKib()) << "daemon RssAnon " << rss_before << " -> "
                                                << rss_during << " KiB";
  // Now it reads: every ack is there, each batch accepted once.
  std::map<std::string, std::set<uint64_t>> acked = fleet.Acked();
  auto [accepted, other] = ReadAcks(dealer, frames, &acked[slow.adapter]);
  EXPECT_EQ(accepted, frames);
  EXPECT_EQ(other, 0u);
  fleet.StopEnqueuing();
  ASSERT_TRUE(fleet.WaitDrained(60000)) << Join(fleet.Errors());
  fleet.Stop();
  for (auto& [id, seqs] : fleet.Acked()) acked[id] = seqs;
  Figures f = Compare(all, fleet.batch_size(), acked, ReadStore(daemon.state_dir()));
  EXPECT_EQ(f.lost + f.duplicated + f.mismatched, 0u) << Join(f.details);
  PrintSummary("slow-consumer", {{"unread_acks", std::to_string(frames)},
                                 {"anon_rss_growth_kib", std::to_string(rss_during - rss_before)},
                                 {"acked", std::to_string(f.acked)},
                                 {"lost", std::to_string(f.lost)},
                                 {"duplicated", std::to_string(f.duplicated)},
                                 {"mismatched", std::to_string(f.mismatched)}});
}

}  // namespace
}  // namespace kpihub::reliability
