// Resource floods against the real kpihubd, bounded in count and time: half-open HTTP
// connections, more TCP connections than the daemon has descriptors, and one registered key
// pushing large frames over several connections. Each time the daemon must keep serving
// scrapes and legitimate adapters, and hold its memory under the bound docs/security.md
// states. Figures measured by hand are in docs/security.md; the assertions here use generous
// margins so that a loaded two-core machine cannot make them fail.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <lmdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>

#include "kpihub/testing/daemon_harness.h"
#include "kpihub/client/connection.h"
#include "kpihub/testing/raw_dealer.h"

namespace kpihub::testing {
namespace {

using Clock = std::chrono::steady_clock;
using wire::AckStatus;

constexpr int kAckTimeoutMs = 60000;

// A TCP connection to 127.0.0.1:port that sends `bytes` (maybe nothing) and then nothing more.
int OpenHalfOpen(int port, const std::string& bytes) {
  const int fd = ConnectLoopback(port);
  if (fd >= 0 && !bytes.empty()) (void)!write(fd, bytes.data(), bytes.size());
  return fd;
}

class Connections {
 public:
  ~Connections() {
    for (int fd : fds_) close(fd);
  }
  void Add(int fd) { fds_.push_back(fd); }
  size_t size() const { return fds_.size(); }

 private:
  std::vector<int> fds_;
};

std::vector<core::Observation> Gdp(const std::string& period, double value) {
  return {{"gdp", "core", "", period, value, ""}};
}

double Metric(int port, const std::string& series) {
  auto body = HttpGet(port, "/metrics");
  if (!body) return -1;
  auto m = ParseMetrics(*body);
  auto it = m.find(series);
  return it == m.end() ? 0 : it->second;
}

TEST(ResourceFloodTest, HalfOpenHttpConnectionsDoNotBlockScrapes) {
  DaemonHarness daemon({{"finance-1", "finance"}, {"tax-1", "tax"}});
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  Connections half_open;
  for (int i = 0; i < 500; ++i) {
    // Half send part of a request line, half nothing at all.
    int fd = OpenHalfOpen(daemon.metrics_port(), i % 2 == 0 ? "GET /metr" : "");
    if (fd >= 0) half_open.Add(fd);
  }
  ASSERT_EQ(half_open.size(), 500u);
  auto start = Clock::now();
  int status = 0;
  auto metrics = HttpGet(daemon.metrics_port(), "/metrics", "", &status);
  ASSERT_TRUE(metrics.has_value());
  EXPECT_EQ(status, 200);
  EXPECT_NE(metrics->find("kpihub_build_info"), std::string::npos);
  auto health = HttpGet(daemon.metrics_port(), "/healthz", "", &status);
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(status, 200);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("scrape and health check behind 500 half-open connections: %.1f s\n", seconds);
  EXPECT_LT(seconds, 120.0);  // bound from the request timeout; measured figures in the docs
}

// The descriptor limit of the flooded daemon. In a release build it is below the 400
// connections, so that libzmq accepts until EMFILE and the daemon must recover from it. A
// sanitized build cannot be run out of descriptors: UBSan's vptr check opens a pipe(2) on each
// cache miss to test that the vtable is readable, and with no descriptor free it reports a
// valid object as "invalid vptr" and aborts (seen in kpihubd at shared_ptr_base.h:1078). There
// the limit leaves room for all 400 connections, which still exceed the ingest connection limit
// the daemon derives from it (336 of 512), so the refusals are tested, not the exhaustion.
#ifdef KPIHUB_SANITIZED_BUILD
constexpr int kFloodDescriptorLimit = 512;
#else
constexpr int kFloodDescriptorLimit = 256;
#endif
constexpr int kFloodConnections = 400;

// Sanitizer reports of the daemon with raw addresses (module+offset, for addr2line or
// llvm-symbolizer afterwards): a daemon short of descriptors cannot start the symbolizer. (With
// none free at all UBSan prints no stack whatever the options: it reads them from
// /proc/self/environ at its first report.) Restores the previous options when it goes out of
// scope.
class RawSanitizerStacks {
 public:
  RawSanitizerStacks() {
    for (const char* name : {"UBSAN_OPTIONS", "ASAN_OPTIONS"}) {
      const char* old = std::getenv(name);
      saved_.push_back({name, old ? std::optional<std::string>(old) : std::nullopt});
      std::string value = old ? std::string(old) + ":" : std::string();
      value += std::string(name) == "UBSAN_OPTIONS" ? "print_stacktrace=1:symbolize=0"
                                                    : "symbolize=0";
      setenv(name, value.c_str(), 1);
    }
  }
  ~RawSanitizerStacks() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// Whether the daemon has exited; reaps it if so.
bool Exited(DaemonHarness& daemon) {
  (void)daemon.WaitExit(1);
  return !daemon.running();
}

// Whether the daemon runs or how it ended, and the tail of its output (where a sanitizer
// writes its report).
std::string StateAndLogTail(DaemonHarness& daemon) {
  std::string state = "kpihubd is running";
  if (Exited(daemon)) {
    const int status = daemon.last_wait_status();
    state = WIFSIGNALED(status) ? "kpihubd was killed by signal " + std::to_string(WTERMSIG(status))
                                : "kpihubd exited with " + std::to_string(WEXITSTATUS(status));
  }
  const std::string log = daemon.ReadLog();
  return state + "; the last of its output:\n" + log.substr(log.size() > 6000 ? log.size() - 6000 : 0);
}

// More TCP connections than the daemon may keep (in a release build, more than it has
// descriptors: ulimit -n 256, 400 connections): those above the limit are refused, an adapter
// connected before keeps being served, and /metrics answers.
TEST(ResourceFloodTest, DescriptorFloodIsRefusedAndServingContinues) {
  RawSanitizerStacks raw_stacks;
  DaemonHarness daemon({{"finance-1", "finance"}, {"tax-1", "tax"}});
  daemon.set_descriptor_limit(kFloodDescriptorLimit);
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  zmq::context_t context(1);
  client::Connection adapter(context, {daemon.endpoint(), daemon.server_public(),
                                       daemon.adapter("finance-1").keys});
  auto ack = adapter.SendBatch(1, Gdp("2019Q1", 1), 0, kAckTimeoutMs);
  ASSERT_TRUE(ack.has_value()) << StateAndLogTail(daemon);
  ASSERT_EQ(ack->status, AckStatus::kAccepted);

  int port = std::stoi(daemon.endpoint().substr(daemon.endpoint().rfind(':') + 1));
  Connections flood;
  for (int i = 0; i < kFloodConnections; ++i) {
    int fd = OpenHalfOpen(port, "");
    if (fd >= 0) flood.Add(fd);
  }
  EXPECT_EQ(flood.size(), static_cast<size_t>(kFloodConnections));
  const std::string refused = SeriesKey("kpihub_ingest_connections_refused_total",
                                        {{"reason", "total_limit"}});
  auto deadline = Clock::now() + std::chrono::seconds(60);
  double count = 0;
  while (Clock::now() < deadline && (count = Metric(daemon.metrics_port(), refused)) <= 0 &&
         !Exited(daemon)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(Exited(daemon)) << StateAndLogTail(daemon);
  EXPECT_GT(count, 0) << StateAndLogTail(daemon);
  ack = adapter.SendBatch(2, Gdp("2019Q2", 2), 0, kAckTimeoutMs);
  ASSERT_TRUE(ack.has_value()) << StateAndLogTail(daemon);
  EXPECT_EQ(ack->status, AckStatus::kAccepted);
  int status = 0;
  EXPECT_TRUE(HttpGet(daemon.metrics_port(), "/metrics", "", &status).has_value());
  EXPECT_EQ(status, 200);
  EXPECT_NE(daemon.ReadLog().find("connection refused reason=total_limit"), std::string::npos);
  EXPECT_FALSE(Exited(daemon)) << StateAndLogTail(daemon);
}

// One registered key, 8 connections, each pushing 7.5 MiB batches with a far-ahead sequence:
// the daemon admits max_connections_per_key (4) of them. For the first half of the flood its
// commits are stalled (this process holds LMDB's writer lock, as a stalled disk would), so
// nothing is applied; its network thread still takes every frame off as it arrives, keeps at
// most the key's byte budget (64 MiB) of them and answers the rest retry_later unread, so its anonymous memory stays near that budget (asserted: under
// 256 MiB, 1.5 GiB under ASan); another adapter is still served.
// A frame of about 7.5 MiB with a far-ahead sequence (answered outOfOrder, never applied).
std::string BigFarAheadFrame() {
  std::vector<core::Observation> big;
  for (int i = 0; i < 1000; ++i) {
    big.push_back({"gdp", "core", "", "2019Q3", 1.0, std::string(7800, 'n')});
  }
  return wire::EncodeBatch(1000000, 0, big);
}

// Holds LMDB's writer lock of the daemon's store from this process, as a stalled disk or a
// long commit would: the daemon's next commit waits, and so does its ingest thread.
class StalledCommits {
 public:
  explicit StalledCommits(const std::string& state_dir) {
    if (mdb_env_create(&env_) != 0) return;
    if (mdb_env_open(env_, state_dir.c_str(), 0, 0640) != 0 ||
        mdb_txn_begin(env_, nullptr, 0, &txn_) != 0) {
      txn_ = nullptr;
    }
  }
  ~StalledCommits() { Release(); }
  bool holding() const { return txn_ != nullptr; }
  void Release() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
    txn_ = nullptr;
    if (env_ != nullptr) mdb_env_close(env_);
    env_ = nullptr;
  }

 private:
  MDB_env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
};

struct FloodOutcome {
  int sent = 0;
  int retry_later = 0;  // acks telling to resend later
  uint64_t peak_rss = 0;
};

// Pushes `frame` over 8 connections of finance-1 for up to 20 s (192 frames at most), then
// keeps reading acks for 10 s; the daemon's peak anonymous memory meanwhile.
FloodOutcome FloodOneKey(DaemonHarness& daemon, zmq::context_t& context, const std::string& frame,
                         StalledCommits& stall) {
  FloodOutcome out;
  std::vector<std::unique_ptr<RawDealer>> dealers;
  for (int i = 0; i < 8; ++i) {
    dealers.push_back(std::make_unique<RawDealer>(
        context, RawDealerOptions{daemon.endpoint(), daemon.server_public(),
                                  daemon.adapter("finance-1").keys, ""}));
  }
  auto drain_and_sample = [&] {
    for (auto& d : dealers) {
      while (auto ack = d->Receive(0)) {
        if (ack->status == AckStatus::kRetryLater) ++out.retry_later;
      }
    }
    out.peak_rss = std::max(out.peak_rss, RssAnonBytes(daemon.pid()));
  };
  for (auto deadline = Clock::now() + std::chrono::seconds(20);
       Clock::now() < deadline && out.sent < 8 * 24;) {
    for (auto& d : dealers) {
      if (d->Send(frame)) ++out.sent;
    }
    if (out.sent >= 8 * 12) stall.Release();  // half the frames sent while commits wait
    drain_and_sample();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto settle = Clock::now() + std::chrono::seconds(10); Clock::now() < settle;) {
    drain_and_sample();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return out;
}

// How often the log says, at info level, that `needle` happened.
int InfoLines(const std::string& log, const std::string& needle) {
  int n = 0;
  for (size_t p = log.find(needle); p != std::string::npos; p = log.find(needle, p + 1)) ++n;
  return n;
}

#ifdef KPIHUB_SANITIZED_BUILD
constexpr uint64_t kRssBound = 1536ull << 20;  // ASan's shadow and quarantine on top
#else
constexpr uint64_t kRssBound = 256ull << 20;
#endif

TEST(ResourceFloodTest, OneKeyCannotDriveMemoryWithoutLimit) {
  DaemonHarness daemon({{"finance-1", "finance"}, {"tax-1", "tax"}});
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  zmq::context_t context(1);
  const std::string frame = BigFarAheadFrame();
  ASSERT_GT(frame.size(), 7u << 20);
  ASSERT_LT(frame.size(), 8u << 20);
  StalledCommits stall(daemon.state_dir());
  ASSERT_TRUE(stall.holding());
  const FloodOutcome flood = FloodOneKey(daemon, context, frame, stall);
  std::printf("one key, 8 connections, %d frames of %.1f MiB sent, %d answered retry_later: "
              "peak RssAnon %.0f MiB\n", flood.sent, frame.size() / 1048576.0, flood.retry_later,
              flood.peak_rss / 1048576.0);
  EXPECT_GT(flood.peak_rss, 0u);
  EXPECT_LT(flood.peak_rss, kRssBound) << daemon.ReadLog().substr(0, 4000);
  // The key's budget was reached: frames were answered unread rather than kept.
  EXPECT_GT(flood.retry_later, 0);
  EXPECT_GT(Metric(daemon.metrics_port(), SeriesKey("kpihub_ingest_frames_deferred_total",
                                                    {{"reason", "key_budget"}})), 0);

  client::Connection tax(context, {daemon.endpoint(), daemon.server_public(),
                                   daemon.adapter("tax-1").keys});
  auto ack = tax.SendBatch(1, {{"rd_super_deduction", "core", MakeUscc(5), "2019", 1.0, ""}}, 0,
                           kAckTimeoutMs);
  ASSERT_TRUE(ack.has_value()) << "the other adapter was not served";
  EXPECT_EQ(ack->status, AckStatus::kAccepted);
  EXPECT_GT(Metric(daemon.metrics_port(),
                   SeriesKey("kpihub_ingest_connections_refused_total",
                             {{"reason", "per_key_limit"}})), 0);
  // The refused connections reconnect every 100 ms: their admissions must not flood the
  // info log (the harness logs at debug level, so count the info lines only).
  const int admitted =
      InfoLines(daemon.ReadLog(), "info connection admitted adapter=finance-1");
  std::printf("info lines 'connection admitted' for the flooding key: %d\n", admitted);
  EXPECT_LE(admitted, 16);
}

}  // namespace
}  // namespace kpihub::testing
