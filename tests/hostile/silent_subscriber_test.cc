// A subscriber that never reads: it subscribes with the most credit a subscription may have,
// then neither reads nor returns credit while scitech revises 200,000 certifications. The
// daemon keeps a cursor for it, not a queue: it sends at most its credit's worth of messages
// (64 of at most 1,000 rows), keeps answering another subscriber in full, and its memory stays
// within the same bound as under an ingest flood.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "kpihub/client/connection.h"
#include "kpihub/client/consumer.h"
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

// Takes every message waiting (the first within `timeout_ms`), returning one credit for each
// data message; the rows they held.
uint64_t ReadAndCredit(client::Consumer& reader, int timeout_ms) {
  uint64_t rows = 0;
  while (auto page = reader.ReceivePage(timeout_ms)) {
    rows += page->enterprise_rows.size();
    if (page->kind == wire::PageKind::kSnapshot || page->kind == wire::PageKind::kChanges) {
      wire::QueryRequest credit;
      credit.request_id = 1;
      credit.mode = wire::RequestMode::kCredit;
      credit.credit = 1;
      (void)reader.SendFrame(wire::EncodeQuery(credit));
    }
    timeout_ms = 0;
  }
  return rows;
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
  constexpr uint32_t kBatches = 40, kPerBatch = 5000;
  auto certify = [&](uint64_t sequence) {
    std::vector<core::Observation> obs;
    for (uint32_t i = 0; i < kPerBatch; ++i) {
      obs.push_back({"hightech_certified", "core", MakeUscc(1000 + i), "2020",
                     static_cast<double>(sequence % 2), "", ""});
    }
    auto ack = scitech.SendBatch(sequence, obs, 0, 60000);
    return ack.has_value() && ack->status == wire::AckStatus::kAccepted;
  };
  ASSERT_TRUE(certify(1));

  client::ConsumerOptions options{daemon.exchange_endpoint(), daemon.server_public(), silent, 5000, 5000};
  client::Consumer silent_reader(context, options);
  ASSERT_TRUE(silent_reader.SendFrame(wire::EncodeQuery(Subscribe(64))));
  options.client_keys = reading;
  client::Consumer tax(context, options);
  ASSERT_TRUE(tax.SendFrame(wire::EncodeQuery(Subscribe(64))));
  uint64_t tax_rows = 0;
  auto read_tax = [&](int timeout_ms) { tax_rows += ReadAndCredit(tax, timeout_ms); };

  uint64_t peak_rss = 0;
  for (uint64_t sequence = 2; sequence <= kBatches + 1; ++sequence) {
    ASSERT_TRUE(certify(sequence)) << "batch " << sequence;
    read_tax(0);
    peak_rss = std::max(peak_rss, RssAnonBytes(daemon.pid()));
  }
  // The reading subscriber gets every change: the snapshot's rows, then each batch's.
  const uint64_t all_rows = uint64_t{kPerBatch} * (kBatches + 1);
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
       tax_rows < all_rows && std::chrono::steady_clock::now() < deadline;) {
    read_tax(200);
    peak_rss = std::max(peak_rss, RssAnonBytes(daemon.pid()));
  }
  EXPECT_EQ(tax_rows, all_rows) << daemon.ReadLog().substr(0, 6000);
  const double silent_rows = RowsServedTo(daemon, "finance-silent");
  std::printf("silent subscriber: %.0f rows sent of %llu changes; reading subscriber %llu rows; "
              "peak RssAnon %.0f MiB\n", silent_rows, static_cast<unsigned long long>(all_rows),
              static_cast<unsigned long long>(tax_rows), peak_rss / 1048576.0);
  EXPECT_GT(silent_rows, 0);
  EXPECT_LE(silent_rows, 64.0 * 1000);
  EXPECT_GT(peak_rss, 0u);
  EXPECT_LT(peak_rss, kRssBound);
}

}  // namespace
}  // namespace kpihub::testing
