// The query half of the exchange through the real kpihubd, real CURVE keys and the real
// `kpihub query` and `kpihub audit`: finance reads scitech's certified list under its
// enterprise agreement; a read outside any agreement is refused with its reason and audited;
// an aggregate-only agreement gives withheld cells as withheld and never an enterprise row;
// an agreement removed and SIGHUP refuses the next page; paging gives every row once at one
// data version; a writing key never reads, a reading key never writes. The socket's
// defences: the connection limits (per reading key, and the descriptor plan's share), the
// handshake timeout, handshake and ZAP refusals counted and logged sparingly, and a port
// picked at start named in the ready file.
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "kpihub/client/consumer.h"
#include "exchange_test_util.h"
#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

using wire::QueryRefusal;

class ExchangeQueryTest : public ::testing::Test {
 protected:
  ExchangeQueryTest() : daemon_({{"scitech-1", "scitech"}, {"tax-1", "tax"}}) {}

  void SetUp() override {
    // Reading keys, one per department that reads; appended to the harness's registry.
    AddReadersAndCatalogue(daemon_, {"finance", "tax", "office"}, &readers_);
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

  // Stops the daemon, applies `edit` to kpihubd.toml, starts it again.
  void RestartWith(const std::function<void(std::string*)>& edit) {
    ASSERT_EQ(daemon_.Stop(), 0) << daemon_.ReadLog();
    std::ifstream in(daemon_.config_path());
    std::stringstream text;
    text << in.rdbuf();
    std::string config = text.str();
    edit(&config);
    std::ofstream(daemon_.config_path()) << config;
    ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
  }

  // Waits up to 30 s for `series` to reach `at_least`; its last value scraped.
  double WaitForMetric(const std::string& series, double at_least) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    double value = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      value = MetricOr(ScrapeMetrics(daemon_.metrics_port()), series, 0);
      if (value >= at_least) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return value;
  }

  // Asks until a page comes back (the reader's connection admitted), for up to 30 s.
  bool AnsweredWithin30s(client::Consumer& reader) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto page = reader.RequestPage(Certified(core::ShareLevel::kEnterprise), 1000);
      if (page.has_value()) return page->answered;
    }
    return false;
  }

  // The number after `key` in the last log line containing `line`; -1 when absent.
  long LastLoggedNumber(const std::string& line, const std::string& key) {
    const std::string log = daemon_.ReadLog();
    const size_t at = log.rfind(line);
    if (at == std::string::npos) return -1;
    const size_t end = log.find('\n', at);
    std::smatch m;
    const std::string text = log.substr(at, end == std::string::npos ? end : end - at);
    if (!std::regex_search(text, m, std::regex(key + "([0-9]+)"))) return -1;
    return std::stol(m[1]);
  }

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
    if (row.park == "core") {
      EXPECT_TRUE(row.withheld) << "a cell of one enterprise";
    }
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
  ASSERT_NO_FATAL_FAILURE(SeedDisclosureFigures(context_, daemon_));

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

// Reads `fd` until the peer closes it (end of stream or reset), for up to `timeout_ms`.
bool ClosedByPeerWithin(int fd, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[256];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    if (::read(fd, buf, sizeof buf) <= 0) return true;  // the server's greeting is read past
  }
  return false;
}

// How many of the 1st, 10th, 100th... there are up to `n`.
int PowersOfTenUpTo(double n) { return n < 1 ? 0 : static_cast<int>(std::log10(n)) + 1; }

TEST_F(ExchangeQueryTest, AnExchangePortPickedAtStartIsNamedInTheReadyFile) {
  Certify(3);
  const std::string reserved = daemon_.exchange_endpoint();
  RestartWith([](std::string* config) {
    *config = std::regex_replace(*config, std::regex("exchange_listen = \"[^\"]*\""),
                                 "exchange_listen = \"tcp://127.0.0.1:*\"");
  });
  const std::string picked = daemon_.exchange_endpoint();
  EXPECT_NE(picked, reserved);  // the reserved port is held, so never picked
  EXPECT_EQ(picked.rfind("tcp://127.0.0.1:", 0), 0u) << picked;
  EXPECT_EQ(picked.find('*'), std::string::npos) << picked;
  EXPECT_TRUE(WaitForLog(daemon_, " exchange=" + picked + " ")) << daemon_.ReadLog();
  client::QueryResult r = Reader(readers_["finance"])->Query(
      Certified(core::ShareLevel::kEnterprise), 20000);
  EXPECT_TRUE(r.answered) << r.detail;
  EXPECT_EQ(r.enterprise.size(), 3u);
}

TEST_F(ExchangeQueryTest, AReadingKeyOverItsConnectionLimitIsRefusedUntilOneOfItsOwnCloses) {
  Certify(3);
  RestartWith([](std::string* config) { *config += "max_connections_per_key = 1\n"; });
  auto first = Reader(readers_["finance"]);
  auto page = first->RequestPage(Certified(core::ShareLevel::kEnterprise), 20000);
  ASSERT_TRUE(page && page->answered) << (page ? page->detail : "no answer");
  // A second connection of the same key is closed at its first query, unanswered.
  auto second = Reader(readers_["finance"]);
  EXPECT_FALSE(second->RequestPage(Certified(core::ShareLevel::kEnterprise), 3000).has_value());
  const std::string refused = SeriesKey("kpihub_exchange_connections_refused_total",
                                        {{"reason", "per_key_limit"}});
  EXPECT_GE(WaitForMetric(refused, 1), 1);
  EXPECT_TRUE(WaitForLog(daemon_, "exchange: connection refused reason=per_key_limit count=1"));
  // Another reading key is not held back by finance's limit.
  EXPECT_TRUE(Reader(readers_["tax"])->RequestPage(Certified(core::ShareLevel::kAggregate), 20000));
  first.reset();  // finance's first connection ends: the second is then served
  EXPECT_TRUE(AnsweredWithin30s(*second)) << daemon_.ReadLog();
}

TEST_F(ExchangeQueryTest, ConnectionsOverTheExchangeShareAreClosedAndSilentOnesTimeOut) {
  Certify(3);
  daemon_.set_descriptor_limit(256);
  RestartWith([](std::string*) {});
  // The descriptor plan's share, from the start log ("exchange ready ... connections<=N").
  const long share = LastLoggedNumber("exchange ready", "connections<=");
  ASSERT_GT(share, 0) << daemon_.ReadLog();
  ASSERT_LT(share, 100);  // the exchange's eighth of 256 descriptors, not ingest's share
  const std::string endpoint = daemon_.exchange_endpoint();
  const int port = std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
  std::vector<int> fds;
  for (long i = 0; i < share + 3; ++i) {
    fds.push_back(ConnectLoopback(port));
    ASSERT_GE(fds.back(), 0);
  }
  const std::string total = SeriesKey("kpihub_exchange_connections_refused_total",
                                      {{"reason", "total_limit"}});
  EXPECT_GE(WaitForMetric(total, 3), 3) << daemon_.ReadLog();
  // A connection that never starts its handshake is closed once the handshake timeout passes.
  EXPECT_TRUE(ClosedByPeerWithin(fds.front(), 40000));
  for (int fd : fds) ::close(fd);
  // Their places are free again: a reader is served.
  auto finance = Reader(readers_["finance"]);
  EXPECT_TRUE(AnsweredWithin30s(*finance)) << daemon_.ReadLog();
}

TEST_F(ExchangeQueryTest, HandshakeAndZapRefusalsAreCountedAndLoggedOnlyOnPowersOfTen) {
  // A reader that trusts another server key retries every 100 ms; a writing key is denied
  // once per connection, so eleven connect.
  client::ConsumerOptions lost;
  lost.endpoint = daemon_.exchange_endpoint();
  lost.server_public_z85 = wire::GenerateCurveKeyPair().public_z85;
  lost.client_keys = readers_["finance"];
  client::Consumer wrong_server(context_, lost);
  std::vector<std::unique_ptr<client::Consumer>> writers;
  for (int i = 0; i < 11; ++i) writers.push_back(Reader(daemon_.adapter("scitech-1").keys));
  const std::string handshake = SeriesKey("kpihub_exchange_handshake_failures_total",
                                          {{"reason", "cryptographic"}});
  const std::string denied = SeriesKey("kpihub_exchange_zap_requests_total",
                                       {{"mechanism", "CURVE"}, {"result", "denied"}});
  ASSERT_GE(WaitForMetric(handshake, 10), 10);
  ASSERT_GE(WaitForMetric(denied, 11), 11);
  ASSERT_TRUE(WaitForLog(daemon_, "handshake failed reason=cryptographic count=10"));
  ASSERT_TRUE(WaitForLog(daemon_, "reason=not_a_reading_key count=10"));
  // The log has the 1st, 10th, 100th... of each, never one line per refusal.
  const std::string log = daemon_.ReadLog();
  auto metrics = ScrapeMetrics(daemon_.metrics_port());
  const int handshake_lines =
      CountOccurrences(log, "exchange: connection refused: handshake failed reason=cryptographic");
  const int denied_lines = CountOccurrences(log, "reason=not_a_reading_key");
  EXPECT_GE(handshake_lines, 2);
  EXPECT_LE(handshake_lines, PowersOfTenUpTo(MetricOr(metrics, handshake, 0)));
  EXPECT_GE(denied_lines, 2);
  EXPECT_LE(denied_lines, PowersOfTenUpTo(MetricOr(metrics, denied, 0)));
  // The ingest socket's counters are its own.
  EXPECT_EQ(MetricOr(metrics, SeriesKey("kpihub_ingest_handshake_failures_total",
                                        {{"reason", "cryptographic"}}), 0), 0);
}

}  // namespace
}  // namespace kpihub::testing
