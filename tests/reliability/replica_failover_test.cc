// A replica pair live: two real kpihubd (each its own state and server key; ingest on
// 127.0.0.1 and 127.0.0.2, as on two hosts) fed by adapters running the real delivery library
// with both endpoints, and Debian's Prometheus scraping
// both with `replica` labels and the shipped rules. (a) One replica SIGKILLed under load: the
// board's recording rule keeps returning one series per figure during the outage; restarted,
// it catches up from the adapters' outboxes to the same digests. (b) One replica's state lost:
// rebuilt from the other's `kpihub backup` plus the outboxes, same digests again. Each phase
// prints what both replicas acked against what each holds (lost, duplicated) and requires 0.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "kpihub/delivery/durable_sender.h"
#include "kpihub/platform/system_clock.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/temp_dir.h"
#include "kpihub/testing/prometheus_server.h"

namespace kpihub::reliability {
namespace {

using Clock = std::chrono::steady_clock;
using testing::DaemonHarness;

constexpr int kAdapters = 3;
constexpr int kFiguresPerBatch = 5;
// The board's value panel (the leadership board's KPI values), read through the shipped rules.
constexpr char kBoardQuery[] = "kpihub:kpi_value:display{kpi=\"industrial_output\"}";

std::string AdapterId(int k) { return "scitech-" + std::to_string(k); }

// Batch q of adapter k: industrial output of enterprises of its own, 1 yuan each, so every
// applied figure is one stored observation.
std::vector<delivery::OutboxEntry> Batch(int k, uint64_t q) {
  std::vector<delivery::OutboxEntry> out;
  for (int i = 0; i < kFiguresPerBatch; ++i) {
    const auto serial = static_cast<uint32_t>(k * 1000000 + q * 10 + i);
    core::Observation o{"industrial_output", "core", testing::MakeUscc(serial), "2020-03", 1.0, ""};
    out.push_back({o, AdapterId(k) + " batch " + std::to_string(q), std::nullopt});
  }
  return out;
}

// Polls `done` every 50 ms until it holds or `seconds` pass; its last answer.
bool WaitFor(const std::function<bool()>& done, int seconds) {
  for (auto end = Clock::now() + std::chrono::seconds(seconds); Clock::now() < end;) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// One adapter on its own thread: its outbox, a DurableSender to both replicas, a batch every
// 40 ms or so while enqueuing (at most 4 ahead of the replica furthest along: with one replica
// down the outbox grows, as it does for a real adapter), and delivery for as long as it runs.
class PairFeeder {
 public:
  PairFeeder(int k, std::string outbox_dir, delivery::SenderOptions options)
      : k_(k), dir_(std::move(outbox_dir)), options_(std::move(options)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~PairFeeder() {
    stop_ = true;
    thread_.join();
  }
  void StopEnqueuing() { enqueuing_ = false; }
  void ResumeEnqueuing() { enqueuing_ = true; }
  uint64_t enqueued() const { return enqueued_; }
  bool drained() const { return drained_; }
  // What each replica acknowledged (in the order of options.replicas), 0 before any ack.
  uint64_t acked(size_t replica) const {
    std::lock_guard lock(mu_);
    return replica < replicas_.size() ? replicas_[replica].acked : 0;
  }
  std::string error() const {
    std::lock_guard lock(mu_);
    return error_;
  }

 private:
  void Run() {
    auto outbox = delivery::Outbox::Open(dir_);
    if (!outbox.ok()) return Fail(outbox.status().message());
    zmq::context_t context(1);
    platform::SystemClock clock;
    delivery::DurableSender sender(context, **outbox, options_, clock, nullptr);
    auto last_enqueue = Clock::now() - std::chrono::seconds(1);
    while (!stop_) {
      uint64_t furthest = 0;
      for (const auto& r : sender.replica_status()) furthest = std::max(furthest, r.acked);
      if (enqueuing_ && enqueued_ - furthest < 4 &&
          Clock::now() - last_enqueue >= std::chrono::milliseconds(40)) {
        if (!sender.Enqueue(Batch(k_, enqueued_ + 1)).ok()) return Fail(sender.error());
        enqueued_++;
        last_enqueue = Clock::now();
      }
      auto result = sender.Drain(40, [this] { return !stop_.load(); });
      if (result == delivery::DrainResult::kStorageError || result == delivery::DrainResult::kUnauthorized) {
        return Fail(std::string(delivery::DrainResultName(result)) + ": " + sender.error());
      }
      {
        std::lock_guard lock(mu_);
        replicas_ = sender.replica_status();
      }
      drained_ = !enqueuing_ && sender.pending_batches() == 0;
      if (drained_) {  // idle: nothing to send until enqueuing resumes
        std::unique_lock lock(mu_);
        idle_.wait_for(lock, std::chrono::milliseconds(40));
      }
    }
  }
  void Fail(const std::string& error) {
    std::lock_guard lock(mu_);
    error_ = error;
  }

  const int k_;
  const std::string dir_;
  const delivery::SenderOptions options_;
  std::atomic<bool> stop_{false}, enqueuing_{true}, drained_{false};
  std::atomic<uint64_t> enqueued_{0};
  mutable std::mutex mu_;
  std::condition_variable idle_;
  std::vector<delivery::ReplicaStatus> replicas_;
  std::string error_;
  std::thread thread_;
};

// `kpihub status` of a replica: stored observations, and per adapter last sequence and
// observations accepted.
struct ReplicaHolding {
  uint64_t observations = 0;
  std::map<std::string, std::pair<uint64_t, uint64_t>> adapters;  // id -> (last_seq, accepted)
};

ReplicaHolding ReadHolding(const DaemonHarness& d) {
  std::string out;
  ReplicaHolding h;
  EXPECT_EQ(testing::RunCommand(testing::BinaryPath("kpihub") + " status --config " + d.config_path(), &out), 0)
      << out;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string id, department, last_batch, word;
    uint64_t last_seq = 0, batches = 0, accepted = 0;
    if (line.rfind("scitech-", 0) == 0 && (words >> id >> department >> last_seq >> last_batch >> batches >> accepted)) {
      h.adapters[id] = {last_seq, accepted};
    }
    if (line.rfind("store ", 0) == 0) {
      auto colon = line.find(": ");
      if (colon != std::string::npos) h.observations = std::stoull(line.substr(colon + 2));
    }
  }
  return h;
}

double Digest(const DaemonHarness& d, const std::string& period) {
  return testing::MetricOr(testing::ScrapeMetrics(d.metrics_port()),
                           testing::SeriesKey("kpihub_state_digest", {{"period", period}}), std::nan(""));
}

class ReplicaFailoverTest : public ::testing::Test {
 protected:
  static std::vector<std::pair<std::string, std::string>> Adapters() {
    std::vector<std::pair<std::string, std::string>> out;
    for (int k = 1; k <= kAdapters; ++k) out.emplace_back(AdapterId(k), "scitech");
    return out;
  }

  void SetUp() override {
    // B registers the adapters' keys as A generated them: the same adapters feed both.
    std::ofstream registry(b_.dir() + "/keys.toml");
    for (int k = 1; k <= kAdapters; ++k) {
      registry << "[[adapter]]\nid = \"" << AdapterId(k) << "\"\ndepartment = \"scitech\"\npublic_key = \""
               << a_.adapter(AdapterId(k)).keys.public_z85 << "\"\n\n";
    }
    registry.close();
    ASSERT_TRUE(a_.Start()) << a_.ReadLog();
    b_.ListenOn("127.0.0.2");  // the second replica on another address, as on another host
    ASSERT_TRUE(b_.Start()) << b_.ReadLog();
    ASSERT_NE(b_.endpoint().find("127.0.0.2"), std::string::npos) << b_.endpoint();
    StartPrometheus();
  }

  void StartPrometheus() {
    std::ostringstream config;
    // A scrape may take its whole interval on a loaded machine: a timed-out scrape of A would
    // blank the board for reasons that are not the failover's.
    config << "global:\n  scrape_interval: 2s\n  scrape_timeout: 2s\n  evaluation_interval: 1s\n"
           << "rule_files:\n  - " << std::string(KPIHUB_RULES_FILE) << "\n"
           << "scrape_configs:\n  - job_name: kpihub\n    static_configs:\n";
    for (auto [d, name] : {std::pair{&a_, "a"}, std::pair{&b_, "b"}}) {
      config << "      - targets: ['127.0.0.1:" << d->metrics_port() << "']\n        labels:\n"
             << "          replica: " << name << "\n";
    }
    prometheus_ = std::make_unique<testing::PrometheusServer>(prom_dir_.path(), config.str());
    ASSERT_TRUE(prometheus_->Start(std::chrono::seconds(60))) << prometheus_->Log();
  }

  void StartFeeders() {
    for (int k = 1; k <= kAdapters; ++k) {
      delivery::SenderOptions o;
      o.client_keys = a_.adapter(AdapterId(k)).keys;
      o.replicas = {{a_.endpoint(), a_.server_public()}, {b_.endpoint(), b_.server_public()}};
      o.batch_size = kFiguresPerBatch;
      o.window = 4;
      o.heartbeat_ms = 500;
      o.ack_timeout_ms = 1500;
      o.backoff_initial_ms = 50;
      o.backoff_max_ms = 400;
      feeders_.push_back(std::make_unique<PairFeeder>(k, outboxes_.path() + "/" + AdapterId(k), o));
    }
  }

  // Number of series an instant query returns; -1 when Prometheus did not answer it.
  int Series(const std::string& promql) const {
    auto body = testing::HttpGet(prometheus_->port(), "/api/v1/query?query=" + testing::UrlEncode(promql));
    if (!body || body->find("\"status\":\"success\"") == std::string::npos) return -1;
    return testing::CountOccurrences(*body, "\"metric\":");
  }

  uint64_t AckedBy(size_t replica) const {
    uint64_t n = 0;
    for (const auto& f : feeders_) n += f->acked(replica);
    return n;
  }

  void ExpectNoFeederError() const {
    for (const auto& f : feeders_) EXPECT_EQ(f->error(), "");
  }

  bool WaitDrained(int seconds) {
    for (auto& f : feeders_) f->StopEnqueuing();
    return WaitFor([&] {
      for (const auto& f : feeders_) {
        if (!f->drained()) return false;
      }
      return true;
    }, seconds);
  }

  void ResumeFeeding() {
    for (auto& f : feeders_) f->ResumeEnqueuing();
  }

  // Every outbox is empty: each enqueued figure has left its outbox, so each replica must
  // hold it exactly once. Prints the counts and requires lost and duplicated to be 0.
  void ExpectSameAndComplete(const std::string& phase) {
    uint64_t both = 0, delivered = 0;
    std::map<std::string, uint64_t> acked_both;
    for (int k = 1; k <= kAdapters; ++k) {
      const auto& f = *feeders_[k - 1];
      acked_both[AdapterId(k)] = std::min(f.acked(0), f.acked(1));
      both += acked_both[AdapterId(k)] * kFiguresPerBatch;
      delivered += f.enqueued() * kFiguresPerBatch;
      EXPECT_EQ(f.acked(0), f.enqueued()) << AdapterId(k);
      EXPECT_EQ(f.acked(1), f.enqueued()) << AdapterId(k);
    }
    for (auto [d, name] : {std::pair{&a_, "a"}, std::pair{&b_, "b"}}) {
      ReplicaHolding h = ReadHolding(*d);
      uint64_t duplicated = 0, accepted = 0;
      for (const auto& [id, seq_accepted] : h.adapters) {
        accepted += seq_accepted.second;
        const uint64_t once = seq_accepted.first * kFiguresPerBatch;
        if (seq_accepted.second > once) duplicated += seq_accepted.second - once;
        EXPECT_EQ(seq_accepted.first, acked_both[id]) << name << " " << id;
      }
      const uint64_t lost = delivered > h.observations ? delivered - h.observations : 0;
      if (h.observations > delivered) duplicated += h.observations - delivered;
      std::printf("[failover] %s: replica %s: %llu figures out of the outboxes, %llu acked by both, "
                  "%llu held, %llu accepted: lost %llu, duplicated %llu\n", phase.c_str(), name,
                  static_cast<unsigned long long>(delivered), static_cast<unsigned long long>(both),
                  static_cast<unsigned long long>(h.observations), static_cast<unsigned long long>(accepted),
                  static_cast<unsigned long long>(lost), static_cast<unsigned long long>(duplicated));
      EXPECT_EQ(lost, 0u) << name;
      EXPECT_EQ(duplicated, 0u) << name;
      EXPECT_EQ(h.observations, both) << name;
    }
    for (const char* period : {"2020", "all"}) {
      const double da = Digest(a_, period), db = Digest(b_, period);
      EXPECT_FALSE(std::isnan(da)) << period;
      EXPECT_EQ(da, db) << period;
    }
  }

  DaemonHarness a_{Adapters()};
  DaemonHarness b_{Adapters()};
  testing::TempDir prom_dir_, outboxes_;
  std::unique_ptr<testing::PrometheusServer> prometheus_;
  std::vector<std::unique_ptr<PairFeeder>> feeders_;
};

TEST_F(ReplicaFailoverTest, KilledReplicaCatchesUpAndLostOneIsRebuiltFromTheOthersBackup) {
  const auto started = Clock::now();
  StartFeeders();
  ASSERT_TRUE(WaitFor([&] { return AckedBy(1) >= 30 && Series(kBoardQuery) > 0; }, 90))
      << "acked by b: " << AckedBy(1) << ", board series: " << Series(kBoardQuery) << "\n" << prometheus_->Log();
  const int figures_on_board = Series(kBoardQuery);

  // (a) B SIGKILLed under load: the board still answers, one series per figure, from A.
  b_.Kill(SIGKILL);
  ASSERT_TRUE(WaitFor([&] { return Series("up{job=\"kpihub\",replica=\"b\"} == 0") == 1; }, 30));
  const uint64_t a_before = AckedBy(0);
  ASSERT_TRUE(WaitFor([&] { return AckedBy(0) >= a_before + 30; }, 60)) << "A stopped taking batches";
  ASSERT_TRUE(WaitFor([&] { return Series("up{job=\"kpihub\",replica=\"a\"} == 1") == 1; }, 30));
  EXPECT_EQ(Series(kBoardQuery), figures_on_board) << "during the outage";
  EXPECT_GT(AckedBy(0), AckedBy(1));  // B is behind: the outboxes hold its batches
  ASSERT_TRUE(b_.Start()) << b_.ReadLog();
  ASSERT_TRUE(WaitDrained(90)) << "the outboxes did not empty";
  ExpectNoFeederError();
  ExpectSameAndComplete("after SIGKILL and restart");
  EXPECT_TRUE(WaitFor([&] {
    return Series("up{job=\"kpihub\"} == 1") == 2 && Series("kpihub:state_digest:distinct{period=\"all\"} == 1") == 1;
  }, 30));
  EXPECT_EQ(Series(kBoardQuery), figures_on_board);

  // (b) B's state lost under load: rebuilt from A's backup, the rest from the outboxes.
  ResumeFeeding();
  const uint64_t b_before = AckedBy(1);
  ASSERT_TRUE(WaitFor([&] { return AckedBy(1) >= b_before + 15; }, 60));
  b_.Kill(SIGKILL);
  std::filesystem::remove_all(b_.state_dir());
  const uint64_t a_now = AckedBy(0);
  ASSERT_TRUE(WaitFor([&] { return AckedBy(0) >= a_now + 15; }, 60));
  EXPECT_EQ(Series(kBoardQuery), figures_on_board) << "with B's state gone";
  const std::string backup = b_.dir() + "/from-a";
  std::string out;
  ASSERT_EQ(testing::RunCommand(testing::BinaryPath("kpihub") + " backup " + backup + " --config " +
                                a_.config_path(), &out), 0) << out;
  ASSERT_EQ(testing::RunCommand(testing::BinaryPath("kpihub") + " restore " + backup + " --config " +
                                b_.config_path(), &out), 0) << out;
  ASSERT_TRUE(b_.Start()) << b_.ReadLog();
  ASSERT_TRUE(WaitDrained(90)) << "the outboxes did not empty";
  ExpectNoFeederError();
  ExpectSameAndComplete("after losing B's state");
  std::printf("[failover] %d adapters, %llu batches in all, %.1f s\n", kAdapters,
              static_cast<unsigned long long>(AckedBy(0)),
              std::chrono::duration<double>(Clock::now() - started).count());
}

}  // namespace
}  // namespace kpihub::reliability
