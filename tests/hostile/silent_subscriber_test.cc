// A subscriber that never reads: it subscribes with the most credit a subscription may have,
// then neither reads nor returns credit while scitech revises 200,000 certifications. The
// daemon keeps a cursor for it, not a queue: it sends at most its credit's worth of messages
// (64 of at most 1,000 rows), keeps serving another subscriber (the client library's
// Subscriber) every change, and its memory stays within the same bound as under an ingest
// flood.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "kpihub/client/connection.h"
#include "kpihub/client/consumer.h"
#include "kpihub/client/subscriber.h"
#include "kpihub/testing/daemon_harness.h"

namespace kpihub::testing {
namespace {

#ifdef KPIHUB_SANITIZED_BUILD
constexpr uint64_t kRssBound = 1536ull << 20;  // ASan's shadow and quarantine on top
#else
constexpr uint64_t kRssBound = 256ull << 20;
#endif

double RowsServedTo(const DaemonHarness& daemon, const std::string& consumer) {
  double rows = 0;
  for (const auto& [series, value] : ScrapeMetrics(daemon.metrics_port())) {
    if (series.rfind("kpihub_exchange_rows_total{", 0) == 0 &&
        series.find("consumer=\"" + consumer + "\"") != std::string::npos) {
      rows += value;
    }
  }
  return rows;
}

// The log without its debug lines, for a failure's message.
std::string InfoLines(const std::string& log) {
  std::string out, line;
  std::istringstream in(log);
  while (std::getline(in, line)) {
    if (line.find(" debug ") == std::string::npos) out += line + "\n";
  }
  return out;
}

wire::QueryRequest Subscribe(uint32_t credit) {
  wire::QueryRequest q;
  q.request_id = 1;
  q.mode = wire::RequestMode::kSubscribe;
  q.indicators = {"hightech_certified"};
  q.level = core::ShareLevel::kEnterprise;
  q.credit = credit;
  q.page_size = 1000;
  return q;
}

constexpr uint32_t kBatches = 40, kPerBatch = 5000;

// Batch `sequence` of scitech: every one of kPerBatch enterprises certified (odd sequences)
// or not (even ones), so that each batch changes every figure.
bool Certify(client::Connection& scitech, uint64_t sequence) {
  std::vector<core::Observation> obs;
  for (uint32_t i = 0; i < kPerBatch; ++i) {
    obs.push_back({"hightech_certified", "core", MakeUscc(1000 + i), "2020",
                   static_cast<double>(sequence % 2), "", ""});
  }
  auto ack = scitech.SendBatch(sequence, obs, 0, 60000);
  return ack.has_value() && ack->status == wire::AckStatus::kAccepted;
}

// A subscriber that reads: the client library's Subscriber on a thread of its own, returning
// credit as it applies each message and resuming from its change id if its link drops. It
// counts the snapshot's rows and the changes' rows.
class ReadingSubscriber {
 public:
  ReadingSubscriber(zmq::context_t& context, const client::ConsumerOptions& options)
      : thread_([this, &context, options] { Run(context, options); }) {}
  ~ReadingSubscriber() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t rows() const { return snapshot_rows_ + change_rows_; }
  uint64_t snapshot_rows() const { return snapshot_rows_; }
  uint64_t snapshot_journal() const { return snapshot_journal_; }
  uint64_t reconnects() const { return reconnects_; }

 private:
  void Run(zmq::context_t& context, const client::ConsumerOptions& options) {
    client::SubscriberOptions so;
    so.window = 64;
    so.silence_ms = 15000;
    so.on_reconnect = [this](std::string_view) { ++reconnects_; };
    client::Subscriber subscriber(context, options, so);
    (void)subscriber.Run(Subscribe(64), {}, [this](const client::SubscriptionMessage& m) {
      const bool snapshot = m.page.kind == wire::PageKind::kSnapshot;
      if (m.snapshot_restart) snapshot_rows_ = 0;
      if (snapshot) snapshot_journal_ = m.page.change.journal;
      (snapshot ? snapshot_rows_ : change_rows_) += m.page.enterprise_rows.size();
      return Status::Ok();
    }, [this] { return !stop_.load(); });
  }

  std::atomic<uint64_t> snapshot_rows_{0}, change_rows_{0}, reconnects_{0}, snapshot_journal_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: starts once the counters exist
};

TEST(SilentSubscriberTest, ASubscriberThatNeverReadsGetsOnlyItsCreditAndCostsBoundedMemory) {
  DaemonHarness daemon(std::vector<std::pair<std::string, std::string>>{{"scitech-1", "scitech"}});
  const wire::CurveKeyPair silent = wire::GenerateCurveKeyPair(), reading = wire::GenerateCurveKeyPair();
  std::ofstream(daemon.dir() + "/keys.toml", std::ios::app)
      << "\n[[consumer]]\nid = \"finance-silent\"\ndepartment = \"finance\"\npublic_key = \""
      << silent.public_z85 << "\"\n\n[[consumer]]\nid = \"tax-read\"\ndepartment = \"tax\"\n"
      << "public_key = \"" << reading.public_z85 << "\"\n";
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  zmq::context_t context(1);
  client::Connection scitech(context, {daemon.endpoint(), daemon.server_public(),
                                       daemon.adapter("scitech-1").keys});
  auto certify = [&](uint64_t sequence) { return Certify(scitech, sequence); };
  ASSERT_TRUE(certify(1));

  client::ConsumerOptions options{daemon.exchange_endpoint(), daemon.server_public(), silent, 5000, 5000};
  client::Consumer silent_reader(context, options);
  ASSERT_TRUE(silent_reader.SendFrame(wire::EncodeQuery(Subscribe(64))));
  // The reading subscriber is the client library's Subscriber, as a department runs it.
  options.client_keys = reading;
  ReadingSubscriber tax(context, options);
  // The snapshot holds each figure as it stood at its change id (the batch it was taken
  // after); then come the changes of every later batch. Batch j is journal entry j.
  auto expected_rows = [&] {
    const uint64_t j = tax.snapshot_journal();
    return j == 0 ? ~uint64_t{0} : kPerBatch + uint64_t{kPerBatch} * (kBatches + 1 - j);
  };

  uint64_t peak_rss = 0;
  for (uint64_t sequence = 2; sequence <= kBatches + 1; ++sequence) {
    ASSERT_TRUE(certify(sequence)) << "batch " << sequence;
    peak_rss = std::max(peak_rss, RssAnonBytes(daemon.pid()));
  }
  // The reading subscriber gets the snapshot's rows, then every later change once.
  const uint64_t all_rows = uint64_t{kPerBatch} * (kBatches + 1);  // changes committed
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
       tax.rows() < expected_rows() && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    peak_rss = std::max(peak_rss, RssAnonBytes(daemon.pid()));
  }
  tax.Stop();
  ASSERT_GT(tax.snapshot_journal(), 0u) << "no snapshot";
  EXPECT_EQ(tax.snapshot_rows(), kPerBatch);
  EXPECT_EQ(tax.rows(), expected_rows()) << "the daemon sent the reading subscriber "
                                  << RowsServedTo(daemon, "tax-read") << " rows\n"
                                  << InfoLines(daemon.ReadLog());
  const double silent_rows = RowsServedTo(daemon, "finance-silent");
  std::printf("silent subscriber: %.0f rows sent of %llu changes; reading subscriber %llu rows, "
              "snapshot at batch %llu (%llu reconnects); peak RssAnon %.0f MiB\n", silent_rows,
              static_cast<unsigned long long>(all_rows),
              static_cast<unsigned long long>(tax.rows()),
              static_cast<unsigned long long>(tax.snapshot_journal()),
              static_cast<unsigned long long>(tax.reconnects()), peak_rss / 1048576.0);
  EXPECT_GT(silent_rows, 0);
  EXPECT_LE(silent_rows, 64.0 * 1000);
  EXPECT_GT(peak_rss, 0u);
  EXPECT_LT(peak_rss, kRssBound);
}

}  // namespace
}  // namespace kpihub::testing
