// The query half of the exchange through the real kpihubd, real CURVE keys and the real
// `kpihub query` and `kpihub audit`: finance reads scitech's certified list under its
// enterprise agreement; a read outside any agreement is refused with its reason and audited;
// an aggregate-only agreement gives withheld cells as withheld and never an enterprise row;
// an agreement removed and SIGHUP refuses the next page; paging gives every row once at one
// data version; a writing key never reads, a reading key never writes.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include "kpihub/client/consumer.h"
#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

using wire::QueryRefusal;

// The shipped catalogue, without the [[agreement]] tables whose code starts with `drop`.
std::string CatalogueWithout(const std::string& drop) {
  std::ifstream in(std::string(KPIHUB_SOURCE_DIR) + "/config/catalogue.toml");
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str(), out;
  size_t pos = 0;
  while (true) {
    size_t start = text.find("[[agreement]]\ncode = \"" + drop, pos);
    if (drop.empty() || start == std::string::npos) break;
    size_t end = text.find("\n\n", start);
    out += text.substr(pos, start - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
  }
  return out + text.substr(pos);
}

class ExchangeQueryTest : public ::testing::Test {
 protected:
  ExchangeQueryTest() : daemon_({{"scitech-1", "scitech"}, {"tax-1", "tax"}}) {}

  void SetUp() override {
    // Reading keys, one per department that reads; appended to the harness's registry.
    std::ofstream keys(daemon_.dir() + "/keys.toml", std::ios::app);
    for (const char* dept : {"finance", "tax", "office"}) {
      const std::string id = std::string(dept) + "-read";
      readers_[dept] = wire::GenerateCurveKeyPair();
      ASSERT_TRUE(wire::WriteKeyFiles(daemon_.dir(), id, readers_[dept]).ok());
      keys << "\n[[consumer]]\nid = \"" << id << "\"\ndepartment = \"" << dept
           << "\"\npublic_key = \"" << readers_[dept].public_z85 << "\"\n";
    }
    keys.close();
    std::ofstream(daemon_.dir() + "/catalogue.toml") << CatalogueWithout("");
    std::ofstream(daemon_.config_path(), std::ios::app) << "catalogue = \"catalogue.toml\"\n";
    ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
  }

  std::unique_ptr<client::Consumer> Reader(const wire::CurveKeyPair& keys) {
    client::ConsumerOptions options;
    options.endpoint = daemon_.exchange_endpoint();
    options.server_public_z85 = daemon_.server_public();
    options.client_keys = keys;
    return std::make_unique<client::Consumer>(context_, options);
  }

  // scitech certifies `n` enterprises in core for 2020.
  std::set<std::string> Certify(uint32_t n, uint64_t sequence = 1, uint32_t first = 100) {
    std::vector<core::Observation> obs;
    std::set<std::string> codes;
    for (uint32_t i = 0; i < n; ++i) {
      codes.insert(MakeUscc(first + i));
      obs.push_back({"hightech_certified", "core", MakeUscc(first + i), "2020", 1, "", ""});
    }
    auto ack = ConnectAs(context_, daemon_, "scitech-1")->SendBatch(sequence, obs, 0, 20000);
    EXPECT_TRUE(ack.has_value() && ack->status == wire::AckStatus::kAccepted &&
                ack->rejections.empty());
    return codes;
  }

  static wire::QueryRequest Certified(core::ShareLevel level, uint32_t page_size = 0) {
    wire::QueryRequest q;
    q.indicators = {"hightech_certified"};
    q.level = level;
    q.page_size = page_size;
    return q;
  }

  std::string AuditCsv() { return Kpihub("audit --csv --config " + daemon_.config_path()).output; }

  zmq::context_t context_{1};
  DaemonHarness daemon_;
  std::map<std::string, wire::CurveKeyPair> readers_;
};

TEST_F(ExchangeQueryTest, FinanceReadsTheCertifiedListUnderItsEnterpriseAgreement) {
  const std::set<std::string> certified = Certify(5);
  auto finance = Reader(readers_["finance"]);
  client::QueryResult r = finance->Query(Certified(core::ShareLevel::kEnterprise), 20000);
  ASSERT_TRUE(r.answered) << QueryRefusalName(r.reason) << " " << r.detail;
  std::set<std::string> got;
  for (const auto& row : r.enterprise) {
    got.insert(row.entity);
    EXPECT_EQ(row.value, "1");
    EXPECT_EQ(row.agreement, "hightech_list_to_finance_startup");
    EXPECT_GT(row.changed_unix_ms, 0);
  }
  EXPECT_EQ(got, certified);
  EXPECT_NE(r.as_of, 0u);
  // The audit trail has the read, with its provider and agreement, and no enterprise id.
  const std::string audit = AuditCsv();
  EXPECT_NE(audit.find(",finance-read,finance,scitech,hightech_list_to_finance_startup,query,"),
            std::string::npos) << audit;
  EXPECT_NE(audit.find(",5,answered,"), std::string::npos) << audit;
  for (const auto& code : certified) EXPECT_EQ(audit.find(code), std::string::npos) << audit;
  auto metrics = ScrapeMetrics(daemon_.metrics_port());
  EXPECT_EQ(MetricOr(metrics, SeriesKey("kpihub_exchange_rows_total",
                                        {{"consumer", "finance-read"}, {"provider", "scitech"},
                                         {"agreement", "hightech_list_to_finance_startup"}}), 0), 5);

  // The same through `kpihub query`: masked without --entities, in full with it.
  const std::string args = "query --indicator hightech_certified --level enterprise --csv --key " +
                           daemon_.dir() + "/finance-read.key --server-key " + daemon_.dir() +
                           "/server.pub --endpoint " + daemon_.exchange_endpoint();
  CliResult masked = Kpihub(args);
  ASSERT_EQ(masked.code, 0) << masked.output;
  CliResult full = Kpihub(args + " --entities");
  ASSERT_EQ(full.code, 0) << full.output;
  for (const auto& code : certified) {
    EXPECT_EQ(masked.output.find(code), std::string::npos) << masked.output;
    EXPECT_NE(full.output.find("core," + code + ",2020,1,"), std::string::npos) << full.output;
  }
}

TEST_F(ExchangeQueryTest, AReadOutsideAnyAgreementIsRefusedWithItsReasonAndAudited) {
  Certify(3);
  // tax has no agreement for scitech's R&D expenditure.
  wire::QueryRequest q;
  q.indicators = {"rd_expenditure"};
  client::QueryResult r = Reader(readers_["tax"])->Query(q, 20000);
  ASSERT_FALSE(r.answered);
  ASSERT_FALSE(r.timed_out) << r.detail;
  EXPECT_EQ(r.reason, QueryRefusal::kNoAgreement);
  EXPECT_NE(r.detail.find("rd_expenditure"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("被拒绝"), std::string::npos) << r.detail;
  // office reads aggregates only: enterprise rows are refused as a level not granted.
  client::QueryResult office = Reader(readers_["office"])->Query(
      Certified(core::ShareLevel::kEnterprise), 20000);
  EXPECT_EQ(office.reason, QueryRefusal::kLevelNotGranted) << office.detail;
  EXPECT_TRUE(office.enterprise.empty());

  const std::string audit = AuditCsv();
  EXPECT_NE(audit.find(",tax-read,tax,scitech,,query,indicators=rd_expenditure parks=*"),
            std::string::npos) << audit;
  EXPECT_NE(audit.find(",0,no_agreement,0"), std::string::npos) << audit;
  EXPECT_NE(audit.find(",office-read,office,scitech,scitech_aggregates_to_office,query,"),
            std::string::npos) << audit;
  EXPECT_NE(audit.find(",0,level_not_granted,0"), std::string::npos) << audit;
  auto metrics = ScrapeMetrics(daemon_.metrics_port());
  EXPECT_EQ(MetricOr(metrics, SeriesKey("kpihub_exchange_refusals_total",
                                        {{"consumer", "tax-read"}, {"reason", "no_agreement"}}), 0), 1);
  EXPECT_EQ(MetricOr(metrics, SeriesKey("kpihub_exchange_refusals_total",
                                        {{"consumer", "office-read"},
                                         {"reason", "level_not_granted"}}), 0), 1);
}

TEST_F(ExchangeQueryTest, AnAggregateAgreementGivesWithheldCellsAsWithheldAndNoEnterpriseRow) {
  // Monthly output: four equal enterprises in two parks each, one alone in core (a small cell).
  std::vector<core::Observation> obs;
  for (uint32_t i = 0; i < 4; ++i) {
    obs.push_back({"industrial_output", "auto_parts", MakeUscc(200 + i), "2020-06", 2.5e8, "", ""});
    obs.push_back({"industrial_output", "smart_mfg", MakeUscc(300 + i), "2020-06", 1.0e8, "", ""});
  }
  obs.push_back({"industrial_output", "core", MakeUscc(400), "2020-06", 7.0e8, "", ""});
  auto ack = ConnectAs(context_, daemon_, "scitech-1")->SendBatch(1, obs, 0, 20000);
  ASSERT_TRUE(ack && ack->status == wire::AckStatus::kAccepted && ack->rejections.empty());

  wire::QueryRequest q;
  q.indicators = {"industrial_output"};
  client::QueryResult r = Reader(readers_["office"])->Query(q, 20000);
  ASSERT_TRUE(r.answered) << r.detail;
  EXPECT_TRUE(r.enterprise.empty());
  ASSERT_EQ(r.aggregate.size(), 3u);
  size_t shown = 0;
  for (const auto& row : r.aggregate) {
    EXPECT_EQ(row.agreement, "scitech_aggregates_to_office");
    if (row.park == "core") EXPECT_TRUE(row.withheld) << "a cell of one enterprise";
    if (row.withheld) {
      EXPECT_EQ(row.value, "");
      EXPECT_EQ(row.entities, 0u);
      // Never the lone enterprise's figure, nor the park sums it would be read from.
      continue;
    }
    ++shown;
    EXPECT_EQ(row.entities, 4u);
    EXPECT_TRUE(row.value == "1000000000" || row.value == "400000000") << row.value;
  }
  // Complementary suppression withholds a second park; the third is shown.
  EXPECT_EQ(shown, 1u);
}

TEST_F(ExchangeQueryTest, RemovingTheAgreementAndReloadingRefusesTheNextPage) {
  Certify(6);
  auto finance = Reader(readers_["finance"]);
  auto first = finance->RequestPage(Certified(core::ShareLevel::kEnterprise, 2), 20000);
  ASSERT_TRUE(first && first->answered) << (first ? first->detail : "no answer");
  ASSERT_EQ(first->enterprise_rows.size(), 2u);
  ASSERT_FALSE(first->continuation.empty());

  std::ofstream(daemon_.dir() + "/catalogue.toml") << CatalogueWithout("hightech_list_to_finance");
  daemon_.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog(daemon_, "reloaded catalogue")) << daemon_.ReadLog();

  wire::QueryRequest next = Certified(core::ShareLevel::kEnterprise, 2);
  next.continuation = first->continuation;
  next.as_of = first->as_of;
  auto refused = finance->RequestPage(next, 20000);
  ASSERT_TRUE(refused.has_value());
  EXPECT_FALSE(refused->answered);
  EXPECT_EQ(refused->reason, QueryRefusal::kNoAgreement) << refused->detail;
  EXPECT_TRUE(refused->enterprise_rows.empty());
  EXPECT_NE(AuditCsv().find(",finance-read,finance,scitech,,query,"), std::string::npos);
}

TEST_F(ExchangeQueryTest, PagingGivesEveryRowOnceAtOneDataVersion) {
  const std::set<std::string> certified = Certify(25);
  auto finance = Reader(readers_["finance"]);
  std::vector<std::string> seen;
  uint64_t as_of = 0;
  bool wrote_between = false;
  client::QueryResult r = finance->Query(
      Certified(core::ShareLevel::kEnterprise, 4), 20000, [&](const wire::QueryPageMessage& page) {
        if (as_of == 0) as_of = page.as_of;
        EXPECT_EQ(page.as_of, as_of) << "every page at the first page's version";
        for (const auto& row : page.enterprise_rows) seen.push_back(row.entity);
        if (!wrote_between) {
          // A commit between pages: later pages still show the data of the first.
          wrote_between = true;
          Certify(3, 2, 900);
        }
      });
  ASSERT_TRUE(r.answered) << r.detail;
  EXPECT_EQ(r.pages, 7u);
  EXPECT_EQ(r.restarts, 0u);
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), certified);
  // A new query sees the new commit.
  client::QueryResult after = finance->Query(Certified(core::ShareLevel::kEnterprise, 100), 20000);
  EXPECT_EQ(after.enterprise.size(), 28u);
  EXPECT_GT(after.as_of, as_of);
}

TEST_F(ExchangeQueryTest, AWritingKeyNeverReadsAndAReadingKeyNeverWrites) {
  Certify(3);
  // The scitech adapter's key on the exchange socket: the handshake is refused, no answer.
  auto writer = Reader(daemon_.adapter("scitech-1").keys);
  auto page = writer->RequestPage(Certified(core::ShareLevel::kEnterprise), 3000);
  EXPECT_FALSE(page.has_value());
  // A reading key on the ingest socket: no ack, nothing written.
  client::ConnectionOptions options;
  options.endpoint = daemon_.endpoint();
  options.server_public_z85 = daemon_.server_public();
  options.client_keys = readers_["finance"];
  client::Connection connection(context_, options);
  std::vector<core::Observation> obs{{"gdp", "core", "", "2020Q4", 1e9, "", ""}};
  EXPECT_FALSE(connection.SendBatch(1, obs, 0, 3000).has_value());
  // The same socket serves a registered reading key meanwhile: the refusals were the keys'.
  client::QueryResult ok = Reader(readers_["finance"])->Query(
      Certified(core::ShareLevel::kEnterprise), 20000);
  EXPECT_TRUE(ok.answered) << ok.detail;
  EXPECT_EQ(ok.enterprise.size(), 3u);
}

// The disclosure check: every reading key asks for every indicator of the catalogue at both
// levels. An enterprise row reaches a consumer only for its own data or under an enterprise
// agreement; an aggregate under an aggregate agreement is withheld wherever the published
// figures withhold it (the lone enterprise in core, and the complement), never with a value.
TEST_F(ExchangeQueryTest, NoConsumerGetsAWithheldFigureOrAnEnterpriseRowWithoutAnAgreementForIt) {
  std::vector<core::Observation> obs;
  for (uint32_t i = 0; i < 4; ++i) {
    obs.push_back({"industrial_output", "auto_parts", MakeUscc(200 + i), "2020-06", 2.5e8, "", ""});
    obs.push_back({"industrial_output", "smart_mfg", MakeUscc(300 + i), "2020-06", 1.0e8, "", ""});
    obs.push_back({"hightech_certified", "smart_mfg", MakeUscc(300 + i), "2020", 1, "", ""});
  }
  obs.push_back({"industrial_output", "core", MakeUscc(400), "2020-06", 7.0e8, "", ""});
  obs.push_back({"hightech_certified", "core", MakeUscc(400), "2020", 1, "", ""});
  auto ack = ConnectAs(context_, daemon_, "scitech-1")->SendBatch(1, obs, 0, 20000);
  ASSERT_TRUE(ack && ack->status == wire::AckStatus::kAccepted && ack->rejections.empty());
  auto ta = ConnectAs(context_, daemon_, "tax-1")->SendBatch(
      1, {{"rd_super_deduction", "core", MakeUscc(400), "2020", 5e6, "", ""}}, 0, 20000);
  ASSERT_TRUE(ta && ta->status == wire::AckStatus::kAccepted && ta->rejections.empty());

  auto catalogue = core::Catalogue::FromToml(CatalogueWithout(""), "catalogue.toml");
  ASSERT_TRUE(catalogue.ok());
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch()).count();
  size_t enterprise_rows = 0, withheld = 0, asked = 0;
  for (const auto& [dept, keys] : readers_) {
    auto reader = Reader(keys);
    for (const core::Indicator& indicator : (*catalogue)->indicators()) {
      for (auto level : {core::ShareLevel::kAggregate, core::ShareLevel::kEnterprise}) {
        wire::QueryRequest q;
        q.indicators = {indicator.code};
        q.level = level;
        client::QueryResult r = reader->Query(q, 20000);
        ASSERT_FALSE(r.timed_out) << dept << " " << indicator.code;
        ++asked;
        const core::ShareDecision d = (*catalogue)->DecideShare(dept, indicator.code, level, now);
        if (!d.allowed()) {
          EXPECT_FALSE(r.answered) << dept << " read " << indicator.code;
          continue;
        }
        const bool enterprise_grant = d.verdict == core::ShareVerdict::kOwnData ||
                                      d.agreement->level == core::ShareLevel::kEnterprise;
        enterprise_rows += r.enterprise.size();
        EXPECT_TRUE(r.enterprise.empty() || enterprise_grant) << dept << " " << indicator.code;
        for (const auto& row : r.aggregate) {
          if (row.withheld) {
            ++withheld;
            EXPECT_EQ(row.value, "") << dept << " " << indicator.code;
            EXPECT_EQ(row.entities, 0u);
          }
          if (!enterprise_grant && indicator.enterprise_level && row.park == "core") {
            EXPECT_TRUE(row.withheld) << dept << " saw the lone enterprise of core: "
                                      << indicator.code << " " << row.value;
          }
        }
      }
    }
  }
  EXPECT_EQ(asked, 3 * 2 * (*catalogue)->indicators().size());
  // The check saw both kinds: finance's certified rows, and the office's withheld cells.
  EXPECT_GT(enterprise_rows, 0u);
  EXPECT_GT(withheld, 0u);
}

}  // namespace
}  // namespace kpihub::testing
