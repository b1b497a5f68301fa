// Subscriptions through the real kpihubd, real CURVE keys and raw exchange frames: finance
// subscribes to scitech's certified list and gets a snapshot, then each revision once, in
// order, with change ids it can resume from; credit bounds what the daemon sends ahead; an
// agreement removed and SIGHUP ends a live subscription with its reason, audited; a
// subscription outside any agreement is refused; aggregates come as published, withheld
// cells without a value; and the disclosure check: every reading key x every indicator x
// both levels subscribed, no withheld figure and no enterprise row without an agreement for
// it, in the snapshot or in the changes after it.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>

#include "exchange_test_util.h"
#include "kpihub/client/consumer.h"
#include "kpihub/core/catalogue.h"
#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

using wire::ChangeId;
using wire::PageKind;
using wire::QueryRefusal;

class ExchangeSubscribeTest : public ::testing::Test {
 protected:
  ExchangeSubscribeTest() : daemon_(std::vector<std::pair<std::string, std::string>>{{"scitech-1", "scitech"},
                                                                 {"tax-1", "tax"}}) {}

  void SetUp() override {
    AddReadersAndCatalogue(daemon_, {"finance", "office", "environment"}, &readers_);
    ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
  }

  std::unique_ptr<client::Consumer> Reader(const std::string& dept) {
    client::ConsumerOptions options;
    options.endpoint = daemon_.exchange_endpoint();
    options.server_public_z85 = daemon_.server_public();
    options.client_keys = readers_[dept];
    return std::make_unique<client::Consumer>(context_, options);
  }

  // scitech sends one batch: enterprise first+i certified (value) in core for 2020.
  void Certify(uint32_t n, uint32_t first, double value) {
    std::vector<core::Observation> obs;
    for (uint32_t i = 0; i < n; ++i) {
      obs.push_back({"hightech_certified", "core", MakeUscc(first + i), "2020", value, "", ""});
    }
    auto ack = ConnectAs(context_, daemon_, "scitech-1")->SendBatch(++sequence_, obs, 0, 20000);
    ASSERT_TRUE(ack.has_value() && ack->status == wire::AckStatus::kAccepted);
  }

  static wire::QueryRequest Subscribe(core::ShareLevel level, uint32_t credit,
                                      ChangeId resume = {}, uint32_t page_size = 0) {
    wire::QueryRequest q;
    q.request_id = 7;
    q.mode = wire::RequestMode::kSubscribe;
    q.indicators = {"hightech_certified"};
    q.level = level;
    q.credit = credit;
    q.resume = resume;
    q.page_size = page_size;
    return q;
  }

  static std::string Frame(uint64_t id, wire::RequestMode mode, uint32_t credit) {
    wire::QueryRequest q;
    q.request_id = id;
    q.mode = mode;
    q.credit = credit;
    return wire::EncodeQuery(q);
  }

  // The next message that is not a heartbeat, within 30 s.
  std::optional<wire::QueryPageMessage> NextData(client::Consumer& reader) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto page = reader.ReceivePage(1000);
      if (page && page->kind != PageKind::kHeartbeat) return page;
    }
    return std::nullopt;
  }

  // Sends the subscription until the daemon has admitted the connection and answers.
  std::optional<wire::QueryPageMessage> Open(client::Consumer& reader, const wire::QueryRequest& q) {
    EXPECT_TRUE(reader.SendFrame(wire::EncodeQuery(q)));
    return NextData(reader);
  }

  std::string AuditCsv() { return Kpihub("audit --csv --config " + daemon_.config_path()).output; }
  void ExpectSubscriptionAudited();
  // Subscribes `reader` (request id `id`) to one indicator at `level`, reads up to the end of
  // its snapshot (or its end), and checks every row against `catalogue`'s decision for `dept`;
  // unsubscribes unless `keep`. Counts enterprise rows and withheld cells seen.
  void CheckSubscription(client::Consumer& reader, const std::string& dept, uint64_t id,
                         const core::Indicator& indicator, core::ShareLevel level,
                         const core::Catalogue& catalogue, bool keep, size_t* enterprise_rows,
                         size_t* withheld);
  // The rules a row must follow for `dept` reading `indicator` under `decision`.
  static void ExpectDisclosable(const wire::QueryPageMessage& page, const std::string& dept,
                                const core::Indicator& indicator, const core::ShareDecision& d,
                                size_t* enterprise_rows, size_t* withheld);

  DaemonHarness daemon_;
  zmq::context_t context_{1};
  std::map<std::string, wire::CurveKeyPair> readers_;
  uint64_t sequence_ = 0;
};

TEST_F(ExchangeSubscribeTest, ASnapshotThenEachRevisionOnceInOrderAndAResumeMissesNothing) {
  Certify(3, 100, 1);
  auto finance = Reader("finance");
  auto snap = Open(*finance, Subscribe(core::ShareLevel::kEnterprise, 8));
  ASSERT_TRUE(snap.has_value());
  ASSERT_EQ(snap->kind, PageKind::kSnapshot) << snap->detail;
  EXPECT_TRUE(snap->snapshot_done);
  EXPECT_EQ(snap->enterprise_rows.size(), 3u);
  EXPECT_EQ(snap->change, (ChangeId{1, ChangeId::kWholeBatch}));
  for (const auto& row : snap->enterprise_rows) {
    EXPECT_EQ(row.agreement.rfind("hightech_list_to_finance", 0), 0u) << row.agreement;
  }

  // A revision (decertified) and a new certification: two changes, in commit order.
  Certify(1, 101, 0);
  Certify(1, 200, 1);
  std::vector<wire::EnterpriseRowValue> seen;
  ChangeId last = snap->change;
  while (seen.size() < 2) {
    auto page = NextData(*finance);
    ASSERT_TRUE(page.has_value()) << "changes not delivered; seen " << seen.size();
    ASSERT_EQ(page->kind, PageKind::kChanges);
    EXPECT_TRUE(last < page->change) << "change ids increase";
    last = page->change;
    for (auto& r : page->enterprise_rows) seen.push_back(r);
    ASSERT_TRUE(finance->SendFrame(Frame(7, wire::RequestMode::kCredit, 1)));
  }
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].entity, MakeUscc(101));
  EXPECT_EQ(seen[0].value, "0");
  EXPECT_EQ(seen[1].entity, MakeUscc(200));

  // A new connection resuming from the snapshot's change id gets exactly the two changes.
  auto again = Reader("finance");
  auto resumed = Open(*again, Subscribe(core::ShareLevel::kEnterprise, 8, snap->change));
  ASSERT_TRUE(resumed.has_value());
  ASSERT_EQ(resumed->kind, PageKind::kChanges) << "no snapshot when the cursor can be served";
  std::vector<wire::EnterpriseRowValue> replay = resumed->enterprise_rows;
  while (replay.size() < 2) {
    auto page = NextData(*again);
    ASSERT_TRUE(page.has_value());
    for (auto& r : page->enterprise_rows) replay.push_back(r);
  }
  ASSERT_EQ(replay.size(), 2u);
  EXPECT_EQ(replay[0].entity, seen[0].entity);
  EXPECT_EQ(replay[1].entity, seen[1].entity);
  // Resuming from the last change id gives nothing more: the next message is a heartbeat.
  auto caught_up = Reader("finance");
  ASSERT_TRUE(caught_up->SendFrame(wire::EncodeQuery(Subscribe(core::ShareLevel::kEnterprise, 8, last))));
  std::optional<wire::QueryPageMessage> beat;
  for (int i = 0; i < 30 && !beat; ++i) beat = caught_up->ReceivePage(1000);
  ASSERT_TRUE(beat.has_value());
  EXPECT_EQ(beat->kind, PageKind::kHeartbeat);
  EXPECT_EQ(beat->change, (ChangeId{3, ChangeId::kWholeBatch}));

  ExpectSubscriptionAudited();
}

// The subscription and its messages are in the audit trail, without a credit code, and the
// provider's report counts them as reads, none refused.
void ExchangeSubscribeTest::ExpectSubscriptionAudited() {
  const std::string audit = AuditCsv();
  EXPECT_NE(audit.find(",subscribe,"), std::string::npos) << audit;
  EXPECT_NE(audit.find("subscribed"), std::string::npos) << audit;
  EXPECT_EQ(audit.find(MakeUscc(101)), std::string::npos) << "no credit code in the audit";
  const std::string report =
      Kpihub("audit --by-provider --provider scitech --config " + daemon_.config_path()).output;
  EXPECT_NE(report.find("refused 0"), std::string::npos) << report;
}

TEST_F(ExchangeSubscribeTest, CreditBoundsWhatTheDaemonSendsAhead) {
  Certify(5, 100, 1);
  auto finance = Reader("finance");
  auto first = Open(*finance, Subscribe(core::ShareLevel::kEnterprise, 1, {}, 2));
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->kind, PageKind::kSnapshot);
  EXPECT_EQ(first->enterprise_rows.size(), 2u);
  EXPECT_FALSE(first->snapshot_done);
  // Without credit nothing but heartbeats comes; the daemon holds its place.
  for (int i = 0; i < 3; ++i) {
    auto page = finance->ReceivePage(300);
    if (page) {
      EXPECT_EQ(page->kind, PageKind::kHeartbeat);
    }
  }
  size_t rows = first->enterprise_rows.size();
  bool done = false;
  while (!done) {
    ASSERT_TRUE(finance->SendFrame(Frame(7, wire::RequestMode::kCredit, 1)));
    auto page = NextData(*finance);
    ASSERT_TRUE(page.has_value());
    ASSERT_EQ(page->kind, PageKind::kSnapshot);
    rows += page->enterprise_rows.size();
    done = page->snapshot_done;
  }
  EXPECT_EQ(rows, 5u);
}

TEST_F(ExchangeSubscribeTest, RemovingTheAgreementAndReloadingEndsALiveSubscription) {
  Certify(2, 100, 1);
  // Finance reads the list under two agreements (§10 and §8); removing both ends it.
  auto finance = Reader("finance");
  auto snap = Open(*finance, Subscribe(core::ShareLevel::kEnterprise, 8));
  ASSERT_TRUE(snap.has_value());
  ASSERT_EQ(snap->kind, PageKind::kSnapshot);

  std::ofstream(daemon_.dir() + "/catalogue.toml") << CatalogueWithout("hightech_list_to_finance");
  daemon_.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog(daemon_, "reloaded catalogue")) << daemon_.ReadLog();
  auto ended = NextData(*finance);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->kind, PageKind::kEnded);
  EXPECT_EQ(ended->reason, QueryRefusal::kNoAgreement) << ended->detail;
  EXPECT_NE(ended->detail.find("订阅已结束"), std::string::npos) << ended->detail;
  // Nothing more comes after a later certification.
  Certify(1, 300, 1);
  auto after = finance->ReceivePage(1500);
  EXPECT_FALSE(after.has_value() && !after->enterprise_rows.empty());
  EXPECT_NE(AuditCsv().find("no_agreement"), std::string::npos);
  EXPECT_GE(MetricOr(ScrapeMetrics(daemon_.metrics_port()),
                     "kpihub_exchange_subscriptions_ended_total{reason=\"no_agreement\"}", 0),
            1);
}

TEST_F(ExchangeSubscribeTest, ASubscriptionOutsideAnyAgreementIsRefusedWithItsReason) {
  Certify(1, 100, 1);
  auto environment = Reader("environment");
  auto refused = Open(*environment, Subscribe(core::ShareLevel::kEnterprise, 8));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->kind, PageKind::kEnded);
  EXPECT_EQ(refused->reason, QueryRefusal::kNoAgreement);
  EXPECT_TRUE(refused->enterprise_rows.empty());
  // Credit for a subscription the daemon does not hold is answered, not ignored.
  ASSERT_TRUE(environment->SendFrame(Frame(99, wire::RequestMode::kCredit, 1)));
  auto unknown = NextData(*environment);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->reason, QueryRefusal::kUnknownSubscription);
}

TEST_F(ExchangeSubscribeTest, AggregatesComeAsPublishedAndChangedCellsFollow) {
  Certify(1, 100, 1);  // one enterprise in core: a small cell, withheld
  auto office = Reader("office");
  auto snap = Open(*office, Subscribe(core::ShareLevel::kAggregate, 8));
  ASSERT_TRUE(snap.has_value());
  ASSERT_EQ(snap->kind, PageKind::kSnapshot) << snap->detail;
  EXPECT_TRUE(snap->enterprise_rows.empty());
  for (const auto& row : snap->aggregate_rows) {
    if (row.park == "core") {
      EXPECT_TRUE(row.withheld);
      EXPECT_EQ(row.value, "");
    }
  }
  Certify(4, 101, 1);  // five enterprises now: the cell is shown
  bool shown = false;
  while (!shown) {
    auto page = NextData(*office);
    ASSERT_TRUE(page.has_value()) << "the changed cell never came";
    ASSERT_EQ(page->kind, PageKind::kChanges);
    EXPECT_TRUE(page->enterprise_rows.empty());
    for (const auto& row : page->aggregate_rows) {
      if (row.park == "core" && !row.withheld) shown = row.value == "5" && row.entities == 5;
    }
    ASSERT_TRUE(office->SendFrame(Frame(7, wire::RequestMode::kCredit, 1)));
  }
}

void ExchangeSubscribeTest::ExpectDisclosable(const wire::QueryPageMessage& page,
                                              const std::string& dept,
                                              const core::Indicator& indicator,
                                              const core::ShareDecision& d, size_t* enterprise_rows,
                                              size_t* withheld) {
  const bool enterprise_grant = d.verdict == core::ShareVerdict::kOwnData ||
                                d.agreement->level == core::ShareLevel::kEnterprise;
  *enterprise_rows += page.enterprise_rows.size();
  EXPECT_TRUE(page.enterprise_rows.empty() || enterprise_grant) << dept << " " << indicator.code;
  for (const auto& row : page.aggregate_rows) {
    if (row.withheld) {
      ++*withheld;
      EXPECT_EQ(row.value, "") << dept << " " << indicator.code;
      EXPECT_EQ(row.entities, 0u);
    }
    if (!enterprise_grant && indicator.enterprise_level && row.park == "core") {
      EXPECT_TRUE(row.withheld) << dept << " saw the lone enterprise of core: " << indicator.code
                                << " " << row.value;
    }
  }
}

void ExchangeSubscribeTest::CheckSubscription(client::Consumer& reader, const std::string& dept,
                                              uint64_t id, const core::Indicator& indicator,
                                              core::ShareLevel level,
                                              const core::Catalogue& catalogue, bool keep,
                                              size_t* enterprise_rows, size_t* withheld) {
  wire::QueryRequest q = Subscribe(level, 64);
  q.request_id = id;
  q.indicators = {indicator.code};
  ASSERT_TRUE(reader.SendFrame(wire::EncodeQuery(q)));
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch()).count();
  const core::ShareDecision d = catalogue.DecideShare(dept, indicator.code, level, now);
  while (true) {
    auto page = NextData(reader);
    ASSERT_TRUE(page.has_value()) << dept << " " << indicator.code << ": no answer";
    if (page->request_id != id) continue;  // a late message of an earlier subscription
    // Refused: no grant, or enterprise rows of an indicator reported per park (bad_request).
    const bool park_level_rows = level == core::ShareLevel::kEnterprise && !indicator.enterprise_level;
    if (!d.allowed() || park_level_rows) {
      EXPECT_EQ(page->kind, PageKind::kEnded) << dept << " subscribed to " << indicator.code;
      EXPECT_TRUE(page->enterprise_rows.empty() && page->aggregate_rows.empty());
      if (!d.allowed()) return;
      EXPECT_EQ(page->reason, wire::QueryRefusal::kBadRequest) << page->detail;
      return;
    }
    ASSERT_EQ(page->kind, PageKind::kSnapshot) << dept << " " << indicator.code << ": " << page->detail;
    ExpectDisclosable(*page, dept, indicator, d, enterprise_rows, withheld);
    if (page->snapshot_done) break;
  }
  if (!keep) {
    ASSERT_TRUE(reader.SendFrame(Frame(id, wire::RequestMode::kUnsubscribe, 0)));
  }
}

TEST_F(ExchangeSubscribeTest, NoSubscriberGetsAWithheldFigureOrAnEnterpriseRowWithoutAnAgreementForIt) {
  ASSERT_NO_FATAL_FAILURE(SeedDisclosureFigures(context_, daemon_));
  sequence_ = 1;
  auto catalogue = core::Catalogue::FromToml(CatalogueWithout(""), "catalogue.toml");
  ASSERT_TRUE(catalogue.ok());
  size_t enterprise_rows = 0, withheld = 0, opened = 0;
  for (const auto& [dept, keys] : readers_) {
    auto reader = Reader(dept);
    uint64_t id = 100;
    for (const core::Indicator& indicator : (*catalogue)->indicators()) {
      for (auto level : {core::ShareLevel::kAggregate, core::ShareLevel::kEnterprise}) {
        ASSERT_NO_FATAL_FAILURE(CheckSubscription(*reader, dept, ++id, indicator, level,
                                                  **catalogue, false, &enterprise_rows, &withheld));
        ++opened;
      }
    }
  }
  EXPECT_EQ(opened, readers_.size() * 2 * (*catalogue)->indicators().size());
  EXPECT_GT(enterprise_rows, 0u);  // finance's certified rows
  EXPECT_GT(withheld, 0u);         // the office's withheld cells

  // The changes after a snapshot follow the same rules: core's lone enterprise revised.
  const core::Indicator* output = (*catalogue)->FindIndicator("industrial_output");
  const core::Indicator* certified = (*catalogue)->FindIndicator("hightech_certified");
  auto office = Reader("office");
  auto finance = Reader("finance");
  ASSERT_NO_FATAL_FAILURE(CheckSubscription(*office, "office", 1, *output, core::ShareLevel::kAggregate,
                                            **catalogue, true, &enterprise_rows, &withheld));
  ASSERT_NO_FATAL_FAILURE(CheckSubscription(*finance, "finance", 1, *certified, core::ShareLevel::kEnterprise,
                                            **catalogue, true, &enterprise_rows, &withheld));
  // Core's lone enterprise revised (its cell stays withheld: no change to send), and one
  // enterprise of each other park (the park shown changes).
  auto ack = ConnectAs(context_, daemon_, "scitech-1")->SendBatch(
      2, {{"industrial_output", "core", MakeUscc(400), "2020-06", 7.5e8, "", ""},
          {"industrial_output", "auto_parts", MakeUscc(200), "2020-06", 2.6e8, "", ""},
          {"industrial_output", "smart_mfg", MakeUscc(300), "2020-06", 1.1e8, "", ""},
          {"hightech_certified", "core", MakeUscc(400), "2020", 0, "", ""}}, 0, 20000);
  ASSERT_TRUE(ack && ack->status == wire::AckStatus::kAccepted && ack->rejections.empty());
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch()).count();
  auto office_change = NextData(*office);
  ASSERT_TRUE(office_change.has_value());
  EXPECT_EQ(office_change->kind, PageKind::kChanges);
  ExpectDisclosable(*office_change, "office", *output,
                    (*catalogue)->DecideShare("office", "industrial_output", core::ShareLevel::kAggregate, now),
                    &enterprise_rows, &withheld);
  EXPECT_TRUE(std::any_of(office_change->aggregate_rows.begin(), office_change->aggregate_rows.end(),
                          [](const wire::AggregateRowValue& r) { return !r.withheld; }))
      << "the park shown changed";
  auto finance_change = NextData(*finance);
  ASSERT_TRUE(finance_change.has_value());
  ASSERT_EQ(finance_change->kind, PageKind::kChanges);
  ASSERT_EQ(finance_change->enterprise_rows.size(), 1u);
  EXPECT_EQ(finance_change->enterprise_rows[0].value, "0");
}

}  // namespace
}  // namespace kpihub::testing
