// The exchange server over a real loopback socket and a real LMDB store whose commits can be
// made to fail (the store's own fault hook): an audit that cannot be written means no row
// leaves the daemon — the page is refused audit_unavailable, a subscription is ended
// audit_unavailable without its snapshot — while a good one is answered. The store's change
// reader resumes exactly after a change id.
#include <gtest/gtest.h>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "../../store/src/store_impl.h"
#include "kpihub/client/consumer.h"
#include "kpihub/core/uscc.h"
#include "kpihub/exchange/exchange_server.h"
#include "kpihub/platform/system_clock.h"
#include "kpihub/testing/source_file.h"
#include "kpihub/testing/temp_dir.h"

namespace kpihub::exchange {
namespace {

class ExchangeServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::internal::StoreTuning tuning;
    tuning.commit_fault = [this] { return fail_commits_.load() ? EIO : 0; };
    store::StoreOptions options;
    options.path = dir_.path() + "/state";
    options.no_sync = true;
    ASSERT_TRUE(store::internal::OpenLmdbStore(options, tuning, &store_).ok());
    store::BatchToApply batch{"scitech-1", "scitech", 1, 0, {}, {}};
    for (uint32_t i = 0; i < 3; ++i) {
      core::ValidObservation o;
      o.key = {"hightech_certified", "core", "2020", core::SyntheticUscc(i)};
      o.value = core::Decimal::FromInt(1);
      o.index = i;
      batch.accepted.push_back(o);
    }
    std::vector<store::ApplyResult> results;
    ASSERT_TRUE(store_->ApplyGroup({batch}, &results).ok());

    auto registry = core::KeyRegistry::FromToml(
        "[[adapter]]\nid = \"scitech-1\"\ndepartment = \"scitech\"\npublic_key = \"" +
            wire::GenerateCurveKeyPair().public_z85 + "\"\n[[consumer]]\nid = \"finance-read\"\n"
            "department = \"finance\"\npublic_key = \"" + reader_.public_z85 + "\"\n",
        "keys.toml", *testing::ShippedCatalogue());
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    live_ = std::make_unique<core::LiveConfig>(testing::ShippedCatalogue(), *registry);
    ExchangeOptions exchange;
    exchange.endpoint = "tcp://127.0.0.1:*";
    exchange.server_secret_z85 = server_keys_.secret_z85;
    server_ = std::make_unique<ExchangeServer>(
        exchange, *live_, *store_, clock_, metrics_,
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>()));
    server_->Start();
    thread_ = std::thread([this] { server_->Run(stop_); });
  }
  void TearDown() override {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  std::optional<wire::QueryPageMessage> Ask() {
    client::Consumer consumer(context_, {server_->bound_endpoint(), server_keys_.public_z85,
                                         reader_, 5000, 5000});
    wire::QueryRequest q;
    q.indicators = {"hightech_certified"};
    q.level = core::ShareLevel::kEnterprise;
    return consumer.RequestPage(q, 20000);
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::atomic<bool> fail_commits_{false};
  const wire::CurveKeyPair server_keys_ = wire::GenerateCurveKeyPair();
  const wire::CurveKeyPair reader_ = wire::GenerateCurveKeyPair();
  std::unique_ptr<core::LiveConfig> live_;
  platform::SystemClock clock_;
  prometheus::Registry registry_;
  ExchangeMetrics metrics_{registry_};
  std::unique_ptr<ExchangeServer> server_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  zmq::context_t context_{1};
};

TEST_F(ExchangeServerTest, AnAuditThatCannotBeWrittenSendsNoRow) {
  auto answered = Ask();
  ASSERT_TRUE(answered.has_value());
  ASSERT_TRUE(answered->answered) << answered->detail;
  EXPECT_EQ(answered->enterprise_rows.size(), 3u);

  fail_commits_ = true;
  auto refused = Ask();
  ASSERT_TRUE(refused.has_value());
  EXPECT_FALSE(refused->answered);
  EXPECT_EQ(refused->reason, wire::QueryRefusal::kAuditUnavailable) << refused->detail;
  EXPECT_TRUE(refused->enterprise_rows.empty());

  // The trail holds the answered read only.
  std::unique_ptr<store::Snapshot> snapshot;
  ASSERT_TRUE(store_->OpenSnapshot(&snapshot).ok());
  std::vector<store::AuditRecord> trail;
  ASSERT_TRUE(snapshot->ForEachAudit(0, [&](const store::AuditRecord& r) { trail.push_back(r); }).ok());
  ASSERT_EQ(trail.size(), 1u);
  EXPECT_EQ(trail[0].outcome, "answered");
  EXPECT_EQ(trail[0].rows, 3u);
  EXPECT_EQ(trail[0].agreement, "hightech_list_to_finance_startup");
}

TEST_F(ExchangeServerTest, ASubscriptionWhoseAuditCannotBeWrittenIsEndedWithoutItsSnapshot) {
  fail_commits_ = true;
  client::Consumer consumer(context_, {server_->bound_endpoint(), server_keys_.public_z85,
                                       reader_, 5000, 5000});
  wire::QueryRequest q;
  q.request_id = 3;
  q.mode = wire::RequestMode::kSubscribe;
  q.indicators = {"hightech_certified"};
  q.level = core::ShareLevel::kEnterprise;
  q.credit = 8;
  ASSERT_TRUE(consumer.SendFrame(wire::EncodeQuery(q)));
  auto ended = consumer.ReceivePage(20000);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->kind, wire::PageKind::kEnded);
  EXPECT_EQ(ended->reason, wire::QueryRefusal::kAuditUnavailable) << ended->detail;
  EXPECT_TRUE(ended->enterprise_rows.empty());
  // Nothing follows it: the subscription is gone, not paused.
  auto after = consumer.ReceivePage(500);
  EXPECT_FALSE(after.has_value() && !after->enterprise_rows.empty());

  // Storage errors are sticky (store.h): no later record, so nothing was recorded as read.
  std::unique_ptr<store::Snapshot> snapshot;
  ASSERT_TRUE(store_->OpenSnapshot(&snapshot).ok());
  size_t records = 0;
  ASSERT_TRUE(snapshot->ForEachAudit(0, [&](const store::AuditRecord&) { ++records; }).ok());
  EXPECT_EQ(records, 0u);
}

TEST_F(ExchangeServerTest, TheChangeReaderResumesExactlyAfterAChangeId) {
  store::BatchToApply batch{"scitech-1", "scitech", 2, 0, {}, {}};
  for (uint32_t i = 0; i < 3; ++i) {
    core::ValidObservation o;
    o.key = {"hightech_certified", "core", "2020", core::SyntheticUscc(i)};
    o.value = core::Decimal::FromInt(0);  // each revised
    o.index = i;
    batch.accepted.push_back(o);
  }
  std::vector<store::ApplyResult> results;
  ASSERT_TRUE(store_->ApplyGroup({batch}, &results).ok());
  std::unique_ptr<store::Snapshot> snapshot;
  ASSERT_TRUE(store_->OpenSnapshot(&snapshot).ok());
  uint64_t last = 0;
  ASSERT_TRUE(snapshot->LastJournalId(&last).ok());
  EXPECT_EQ(last, 2u);
  auto after = [&](uint64_t journal, uint32_t index) {
    std::vector<std::pair<uint64_t, uint32_t>> ids;
    EXPECT_TRUE(snapshot->ForEachChangeAfter(journal, index, [&](const store::HistoryEntry& h) {
      ids.emplace_back(h.journal_id, h.index);
      EXPECT_EQ(h.adapter, "scitech-1");
      return true;
    }).ok());
    return ids;
  };
  EXPECT_EQ(after(0, 0).size(), 6u);
  EXPECT_EQ(after(1, 0xFFFFFFFFu), (std::vector<std::pair<uint64_t, uint32_t>>{{2, 0}, {2, 1}, {2, 2}}));
  EXPECT_EQ(after(2, 0), (std::vector<std::pair<uint64_t, uint32_t>>{{2, 1}, {2, 2}}));
  EXPECT_TRUE(after(2, 2).empty());
  EXPECT_TRUE(after(9, 0).empty());
  // fn returning false stops the walk.
  size_t seen = 0;
  ASSERT_TRUE(snapshot->ForEachChangeAfter(0, 0, [&](const store::HistoryEntry&) { return ++seen < 2; }).ok());
  EXPECT_EQ(seen, 2u);
}

}  // namespace
}  // namespace kpihub::exchange
