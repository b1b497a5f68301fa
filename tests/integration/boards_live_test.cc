// Live test of the monitoring mixin: the real kpihubd fed the bundled department sample
// (samples/demo) by the real kpihub-adapter with the shipped profiles, Debian's
// prometheus scraping it every two seconds with the shipped rules, and every query of every
// dashboard panel and every recording rule asked of that Prometheus. Also: an alert fires
// when a feed stops beyond its (shortened) contract, small cells stay withheld, the rule
// violation is counted, and the health endpoints answer. Closing a year as the departments
// and the office do it (submit, approve, restate, each with its own key through the daemon)
// shows on the operations board's Closing row and in the leadership table's 正式数/初步数
// column exactly as the daemon exports it. Everything is stopped by PID.
//
// Every wait draws on one budget (kBudget) well inside the suite's 120 s ctest timeout.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include "kpihub/testing/adapter_process.h"
#include "../dashboards/board_queries.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/port_reservation.h"
#include "kpihub/client/connection.h"
#include "kpihub/core/catalogue.h"
#include "kpihub/core/uscc.h"
#include "kpihub/wire/codec.h"
#include "kpihub/testing/source_file.h"
#include "boards_prometheus.h"
#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

// The whole test's waits, start to alert; stopping Prometheus and the daemon comes after.
constexpr auto kBudget = std::chrono::seconds(100);
// Finance's shortened feed contract: long against one round of queries (under a second, a
// few under ASan), so that a fed feed is never late by the round's own delay.
constexpr int kFinanceContractSeconds = 8;
int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// The sample's adapters and the leading group's office, which approves the years.
std::vector<std::pair<std::string, std::string>> SampleAdaptersAndOffice() {
  auto adapters = SampleAdapters();
  adapters.emplace_back("office-1", "office");
  return adapters;
}

// Names of the recording rules in the shipped rules file.
std::vector<std::string> RecordingRules() {
  std::vector<std::string> out;
  std::regex record(R"(^\s*- record:\s*(\S+))");
  std::istringstream in(ReadWholeFile(std::string(KPIHUB_RULES_FILE)));
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, m, record)) out.push_back(m[1]);
  }
  return out;
}

class BoardsLiveTest : public ::testing::Test {
 protected:
  BoardsLiveTest()
      : daemon_(SampleAdaptersAndOffice()) {}

  // The shipped catalogue with finance's contract shortened to kFinanceContractSeconds.
  std::string WriteShortContractCatalogue() {
    std::string text = ReadWholeFile(SourcePath("config/catalogue.toml"));
    std::string from = "name_en = \"Finance\"\ncadence = \"month\"\ndeadline_days = 20";
    size_t pos = text.find(from);
    EXPECT_NE(pos, std::string::npos);
    text.replace(pos, from.size(),
                 from + "\nmax_silence_seconds = " + std::to_string(kFinanceContractSeconds));
    std::string path = daemon_.dir() + "/catalogue.toml";
    std::ofstream(path) << text;
    auto loaded = core::Catalogue::FromToml(text, path);
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    catalogue_ = loaded.ok() ? *loaded : nullptr;
    return path;
  }

  std::unique_ptr<client::Connection> Connect(const std::string& adapter) {
    return ConnectAs(context_, daemon_, adapter);
  }

  // One kpihub-adapter per department, all at once, each with its shipped profile and its
  // department's sample files (copied: the adapter writes reject reports beside its inputs).
  // All four within one deadline of 40 s.
  void FeedSample() {
    const auto deadline = Clock::now() + std::chrono::seconds(40);
    for (auto& a : StartSampleFeed(daemon_, KPIHUB_SOURCE_DIR, 40)) {
      EXPECT_EQ(a->Wait(RemainingMs(deadline)), 0) << a->Log();
    }
  }

  // One empty batch on finance-1: its feed is fresh again. Each send's time is kept, so that
  // the test knows how long it left the feed silent.
  void FeedFinance(client::Connection& finance, uint64_t* finance_seq) {
    const auto sent = WallClock::now();
    auto ack = finance.SendBatch((*finance_seq)++, {}, 0, 5000);
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->status, wire::AckStatus::kAccepted);
    longest_finance_silence_ = std::max(longest_finance_silence_, sent - last_finance_send_);
    last_finance_send_ = sent;
  }

  double Metric(const std::string& text, const std::string& name, std::map<std::string, std::string> labels) {
    auto m = ParseMetrics(text);
    auto it = m.find(SeriesKey(name, std::move(labels)));
    return it == m.end() ? std::nan("") : it->second;
  }

  // The sequence finance-1 continues with after the sample, and one empty batch sent on it.
  void ContinueFinance(client::Connection& finance, uint64_t* finance_seq) {
    auto fed_metrics = HttpGet(daemon_.metrics_port(), "/metrics");
    ASSERT_TRUE(fed_metrics.has_value());
    double finance_last = Metric(*fed_metrics, "kpihub_sender_last_sequence",
                                 {{"adapter", "finance-1"}, {"department", "finance"}});
    ASSERT_FALSE(std::isnan(finance_last)) << "finance-1 delivered nothing";
    *finance_seq = static_cast<uint64_t>(finance_last) + 1;
    last_finance_send_ = WallClock::now();  // the silence counted from here on
    ASSERT_NO_FATAL_FAILURE(FeedFinance(finance, finance_seq));
  }

  // One batch of figures and period actions on `sender`, which must be accepted whole.
  static void SendAccepted(client::Connection& sender, uint64_t sequence,
                           const std::vector<core::Observation>& observations,
                           const std::vector<core::PeriodAction>& actions) {
    ASSERT_TRUE(sender.SendFrame(wire::EncodeBatch(sequence, 0, observations, actions)));
    auto ack = sender.ReceiveAck(10000);
    ASSERT_TRUE(ack.has_value()) << "no ack for sequence " << sequence;
    EXPECT_EQ(ack->sequence, sequence);
    EXPECT_EQ(ack->status, wire::AckStatus::kAccepted);
    for (const core::Rejection& r : ack->rejections) ADD_FAILURE() << "refused: " << r.detail;
    for (const core::Rejection& r : ack->action_rejections) ADD_FAILURE() << "action refused: " << r.detail;
  }

  // After the sample: tax and scitech submit 2020 with their own keys and the office approves
  // both with its own; then tax restates 2020 with an enterprise registration it had missed
  // (a new figure of an approved year, with its reason). Each on its sender's next sequence.
  void CloseAndRestate2020() {
    const auto metrics = ScrapeMetrics(daemon_.metrics_port());
    auto next = [&](const std::string& department) {
      const double last = MetricOr(metrics, SeriesKey("kpihub_sender_last_sequence",
                                                      {{"adapter", SampleAdapterId(department)},
                                                       {"department", department}}), -1);
      EXPECT_GE(last, 1) << department << " delivered nothing";
      return static_cast<uint64_t>(last) + 1;
    };
    using Kind = core::PeriodActionKind;
    auto tax = Connect(SampleAdapterId("tax"));
    auto scitech = Connect(SampleAdapterId("scitech"));
    auto office = Connect("office-1");
    const uint64_t tax_seq = next("tax");
    ASSERT_NO_FATAL_FAILURE(SendAccepted(*tax, tax_seq, {}, {{Kind::kSubmit, "", "2020", ""}}));
    ASSERT_NO_FATAL_FAILURE(SendAccepted(*scitech, next("scitech"), {}, {{Kind::kSubmit, "", "2020", ""}}));
    ASSERT_NO_FATAL_FAILURE(SendAccepted(*office, 1, {},
                                         {{Kind::kApprove, "tax", "2020", "审定"},
                                          {Kind::kApprove, "scitech", "2020", "审定"}}));
    // Synthetic serial 99990001 is in no sample file: a figure the store does not hold.
    core::Observation missed{"enterprise_registered", "core", core::SyntheticUscc(99990001),
                             "2020", 1, "", "漏报补录"};
    ASSERT_NO_FATAL_FAILURE(SendAccepted(*tax, tax_seq + 1, {missed}, {}));
  }

  // The Closing row and the 正式数/初步数 column, as Prometheus answers their panels' queries,
  // against what the daemon exports.
  void ExpectClosingOnTheBoards(const PrometheusServer& prometheus) {
    const auto exported = ScrapeMetrics(daemon_.metrics_port());
    ExpectPeriodStatesShown(prometheus, exported);
    ExpectRestatementShown(prometheus, exported);
    ExpectBasisShown(prometheus, exported);
  }

  // Each department's years: the state, -1 when open past the deadline.
  void ExpectPeriodStatesShown(const PrometheusServer& prometheus,
                               const std::map<std::string, double>& exported) {
    auto daemon = [&](const std::string& name, std::map<std::string, std::string> labels) {
      return MetricOr(exported, SeriesKey(name, std::move(labels)), std::nan(""));
    };
    std::map<std::string, std::string> code_of;  // department_zh -> code
    for (const core::Department& d : catalogue_->departments()) code_of[d.name_zh] = d.code;
    json states = prometheus.Data(PanelQuery("kpihub-operations.json", 27, "A"));
    ASSERT_FALSE(states.is_null());
    std::map<std::pair<std::string, std::string>, double> shown;  // (department, year)
    for (const json& row : states["result"]) {
      const std::string department = code_of[row["metric"].value("department_zh", "")];
      const std::string year = row["metric"].value("year", "");
      const double value = std::stod(row["value"][1].get<std::string>());
      shown[{department, year}] = value;
      const std::map<std::string, std::string> labels = {
          {"department", department}, {"department_zh", row["metric"].value("department_zh", "")}, {"year", year}};
      EXPECT_EQ(value, daemon("kpihub_period_state", labels) - daemon("kpihub_period_submission_overdue", labels))
          << department << " " << year;
    }
    size_t exported_states = 0;
    for (const auto& [key, value] : exported) exported_states += key.rfind("kpihub_period_state{", 0) == 0;
    EXPECT_EQ(shown.size(), exported_states);
    auto at = [&](const std::string& department, const std::string& year) {
      auto it = shown.find({department, year});
      return it == shown.end() ? std::nan("") : it->second;
    };
    EXPECT_EQ(at("tax", "2020"), 2);
    EXPECT_EQ(at("scitech", "2020"), 2);
    EXPECT_EQ(at("tax", "2019"), -1);      // open, past 30 June 2020
    EXPECT_EQ(at("finance", "2020"), -1);  // open, past 31 March 2021
    EXPECT_TRUE(std::isnan(at("office", "2020")));

  }

  // The restatement: one, under the KPI its indicator feeds, named in Chinese.
  void ExpectRestatementShown(const PrometheusServer& prometheus,
                              const std::map<std::string, double>& exported) {
    auto daemon = [&](const std::string& name, std::map<std::string, std::string> labels) {
      return MetricOr(exported, SeriesKey(name, std::move(labels)), std::nan(""));
    };
    json restated = prometheus.Data(PanelQuery("kpihub-operations.json", 28, "A"));
    ASSERT_FALSE(restated.is_null());
    ASSERT_EQ(restated["result"].size(), 1u) << restated.dump();
    const json& r = restated["result"][0];
    EXPECT_EQ(r["metric"].value("department_zh", ""), "税务");
    EXPECT_EQ(r["metric"].value("year", ""), "2020");
    EXPECT_EQ(r["metric"].value("title_zh", "").rfind(catalogue_->FindKpi("hightech_enterprise_share")->name_zh, 0), 0u)
        << r.dump();
    EXPECT_EQ(std::stod(r["value"][1].get<std::string>()),
              daemon("kpihub_restatements_total",
                     {{"department", "tax"}, {"year", "2020"}, {"kpi", "hightech_enterprise_share"}}));
    EXPECT_EQ(std::stod(r["value"][1].get<std::string>()), 1);

  }

  // 正式数 where every department feeding the KPI approved 2020, else 初步数.
  void ExpectBasisShown(const PrometheusServer& prometheus,
                        const std::map<std::string, double>& exported) {
    auto daemon = [&](const std::string& name, std::map<std::string, std::string> labels) {
      return MetricOr(exported, SeriesKey(name, std::move(labels)), std::nan(""));
    };
    json basis = prometheus.Data(PanelQuery("kpihub-leadership.json", 2, "G"));
    ASSERT_FALSE(basis.is_null());
    std::map<std::string, double> approved;
    for (const json& row : basis["result"]) {
      const std::string kpi = row["metric"].value("kpi", "");
      approved[kpi] = std::stod(row["value"][1].get<std::string>());
      EXPECT_EQ(approved[kpi], daemon("kpihub_kpi_approved", {{"kpi", kpi}, {"year", "2020"}})) << kpi;
    }
    EXPECT_EQ(approved.size(), catalogue_->kpis().size());
    EXPECT_EQ(approved["hightech_enterprise_share"], 1);  // scitech over tax
    EXPECT_EQ(approved["industrial_output"], 1);          // scitech alone
    EXPECT_EQ(approved["rd_intensity"], 0);               // over finance's GDP, not approved
  }

  // Scrape cost of the fed state; promtool's lint; no enterprise id of any kind: not the
  // sample's, nor any 18-character credit code as a label.
  void CheckScrape() {
    auto t0 = Clock::now();
    auto metrics = HttpGet(daemon_.metrics_port(), "/metrics");
    double scrape_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    ASSERT_TRUE(metrics.has_value());
    std::cout << "[ measure  ] /metrics: " << metrics->size() << " bytes in " << scrape_ms << " ms\n";
    std::ofstream(daemon_.dir() + "/metrics.txt") << *metrics;
    std::string lint;
    EXPECT_EQ(RunCommand("promtool check metrics < " + daemon_.dir() + "/metrics.txt", &lint), 0) << lint;
    EXPECT_EQ(lint, "") << lint;
    EXPECT_EQ(metrics->find("91410800"), std::string::npos);
    EXPECT_FALSE(std::regex_search(*metrics, std::regex(R"("[0-9A-Z]{18}")")));
  }

  // Every panel query of both boards, every board variable's selector, every recording rule,
  // as (what, promql).
  static std::vector<std::pair<std::string, std::string>> AllQueries() {
    std::vector<std::pair<std::string, std::string>> queries;
    for (const char* board : {"kpihub-leadership.json", "kpihub-operations.json"}) {
      json b = ReadJsonFile(SourcePath(std::string("dashboards/grafana/dashboards/") + board));
      for (const BoardQuery& q : PanelQueries(b)) {
        queries.push_back({std::string(board) + " panel " + std::to_string(q.panel_id) + " " + q.ref_id + " '" + q.panel_title + "'",
                           Substitute(q.expr, DefaultVariableValues())});
      }
      for (const auto& v : b["templating"]["list"]) {
        std::smatch m;
        std::string def = v.value("definition", "");
        if (std::regex_match(def, m, std::regex(R"(label_values\((.+),\s*[a-z_]+\))"))) {
          queries.push_back({std::string(board) + " variable " + v.value("name", ""), m[1]});
        }
      }
    }
    for (const std::string& rule : RecordingRules()) queries.push_back({"recording rule " + rule, rule});
    return queries;
  }

  // Until all return data (rates need two scrapes, recorded series an evaluation), feeding
  // finance an empty batch each round so that its feed stays fresh.
  void ExpectAllReturnData(const PrometheusServer& prometheus,
                           const std::vector<std::pair<std::string, std::string>>& queries,
                           client::Connection& finance, uint64_t* finance_seq,
                           Clock::time_point deadline) {
    std::vector<std::string> missing = {"every query: the budget ran out before the first round"};
    while (Clock::now() < deadline) {
      missing.clear();
      ASSERT_NO_FATAL_FAILURE(FeedFinance(finance, finance_seq));
      for (const auto& [what, promql] : queries) {
        const size_t count = prometheus.ResultCount(promql);
        ASSERT_NE(count, PrometheusServer::kFailed) << what;
        if (count == 0) missing.push_back(what + ": " + promql);
      }
      if (missing.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    for (const std::string& m : missing) ADD_FAILURE() << "no data: " << m;
  }

  // Small cells, as the sample makes them (samples/demo/expected-indicators.csv): agri_tech's
  // industrial output has too few enterprises in every year, and hq_economy is withheld with
  // it every year — eight park-years — while tengyun is shown and so is the zone total.
  static void ExpectSmallCellsWithheld(const PrometheusServer& prometheus) {
    auto output = [&](const std::string& park, int year) {
      return prometheus.ResultCount("kpihub_indicator_value{indicator=\"industrial_output\", park=\"" + park +
                                    "\", period=\"" + std::to_string(year) + "\"}");
    };
    for (int year = 2017; year <= 2020; ++year) {
      EXPECT_EQ(output("agri_tech", year), 0u) << year;
      EXPECT_EQ(output("hq_economy", year), 0u) << year;
      EXPECT_EQ(output("tengyun", year), 1u) << year;
      EXPECT_EQ(output("auto_parts", year), 1u) << year;
      EXPECT_EQ(output("zone", year), 1u) << year;
    }
    EXPECT_EQ(prometheus.ResultCount("kpihub_kpi_value{kpi=\"industrial_output\", park=\"agri_tech\"}"), 0u);
    EXPECT_EQ(prometheus.ResultCount("kpihub_cells_withheld{indicator=\"industrial_output\"} == 10"), 1u);
  }

  // Rule checks on the merged state (samples/demo/expected-rules.csv): the sample's one
  // subsidy above the cap in one year (its park-year is withheld as a small cell: counted
  // with the others under "withheld", never under its park) and one enterprise whose two
  // subsidies go over it together in 2019 (§10's cap is one-time); and the rows the adapters
  // pass but the daemon refuses (samples/demo/expected-rejects.csv).
  static void ExpectRulesAndRejections(const PrometheusServer& prometheus) {
    EXPECT_EQ(prometheus.ResultCount("kpihub_rule_violations{rule=\"startup_subsidy_cap\", park=\"withheld\", period=\"2020\"} == 1"), 1u);
    EXPECT_EQ(prometheus.ResultCount("kpihub_rule_violations{rule=\"startup_subsidy_cap\", park=\"startup_center\", period=\"2020\"}"), 0u);
    EXPECT_EQ(prometheus.ResultCount("kpihub_rule_violations{rule=\"startup_subsidy_cap\", park=\"startup_center\", period=\"2019\"} == 1"), 1u);
    EXPECT_EQ(prometheus.ResultCount("sum(kpihub_rule_violations) == 2"), 1u);
    EXPECT_EQ(prometheus.ResultCount("kpihub_ingest_rejections_total{department=\"finance\", reason=\"out_of_bounds\"} == 1"), 1u);
    EXPECT_EQ(prometheus.ResultCount("sum(kpihub_ingest_rejections_total) == 8"), 1u);
  }

  // While fed: no department is late. Finance's feed is late only if the test itself left it
  // silent beyond its contract (a round slower than the contract on an overloaded machine);
  // then that one check has nothing to say, and says so.
  void ExpectNobodyLate(const PrometheusServer& prometheus) {
    EXPECT_EQ(prometheus.ResultCount("ALERTS{alertname=\"KpihubFeedLate\", department!=\"finance\"}"), 0u);
    longest_finance_silence_ = std::max(longest_finance_silence_, WallClock::now() - last_finance_send_);
    if (longest_finance_silence_ < std::chrono::seconds(kFinanceContractSeconds)) {
      EXPECT_EQ(prometheus.ResultCount("ALERTS{alertname=\"KpihubFeedLate\"}"), 0u);
    } else {
      std::cout << "[ note     ] finance was left silent "
                << std::chrono::duration<double>(longest_finance_silence_).count()
                << " s by a slow round: its not-late check skipped\n";
    }
  }

  // With the finance feed stopped, KpihubFeedLate fires for finance only, and for this
  // silence, never early. Prometheus stamps a scrape's samples with its start, while kpihubd
  // computes the silence when it answers, at most the scrape timeout (2 s) later; so the
  // alert's activeAt (an evaluation time, at or after that stamp) is later than the last
  // batch plus the contract less 2 s. Returns the seconds from the last batch to activeAt.
  double ExpectFinanceAlertFires(const PrometheusServer& prometheus, Clock::time_point deadline) {
    const auto last_fed = last_finance_send_;
    auto epoch_s = [](WallClock::time_point t) {
      return std::chrono::duration<double>(t.time_since_epoch()).count();
    };
    const double last_fed_s = epoch_s(last_fed);
    const double earliest_s = last_fed_s + kFinanceContractSeconds - 2;
    json late;
    while (late.is_null() && Clock::now() < deadline) {
      json alerts = prometheus.Alerts();
      if (alerts.is_null()) return 0;
      for (const json& a : alerts) {
        // An alert active since before the last batch (a slow round) is not this silence's.
        if (a["labels"].value("alertname", "") == "KpihubFeedLate" &&
            a["labels"].value("department", "") == "finance" && a.value("state", "") == "firing" &&
            ActiveAtSeconds(a.value("activeAt", "")) > last_fed_s) {
          late = a;
        }
      }
      if (late.is_null()) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    EXPECT_FALSE(late.is_null()) << "KpihubFeedLate for finance did not fire\n" << prometheus.Log();
    EXPECT_EQ(prometheus.ResultCount("ALERTS{alertname=\"KpihubFeedLate\", department!=\"finance\"}"), 0u);
    if (late.is_null()) return 0;
    const double active_s = ActiveAtSeconds(late.value("activeAt", ""));
    EXPECT_GT(active_s, earliest_s) << "active " << active_s - last_fed_s
                                    << " s after the last batch, contract "
                                    << kFinanceContractSeconds << " s";
    return active_s - last_fed_s;
  }

  // Prometheus's RFC 3339 time ("2026-12-06T10:31:02.123456789Z", or with an offset) as
  // seconds since the epoch; 0 if unreadable.
  static double ActiveAtSeconds(const std::string& text) {
    std::smatch m;
    static const std::regex rfc3339(
        R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2})))");
    if (!std::regex_match(text, m, rfc3339)) return 0;
    std::tm tm{};
    tm.tm_year = std::stoi(m[1]) - 1900;
    tm.tm_mon = std::stoi(m[2]) - 1;
    tm.tm_mday = std::stoi(m[3]);
    tm.tm_hour = std::stoi(m[4]);
    tm.tm_min = std::stoi(m[5]);
    tm.tm_sec = std::stoi(m[6]);
    double seconds = static_cast<double>(timegm(&tm));
    if (m[7].matched) seconds += std::stod("0" + m[7].str());
    if (m[9].matched) {
      const double offset = std::stoi(m[10]) * 3600.0 + std::stoi(m[11]) * 60.0;
      seconds += m[9] == "+" ? -offset : offset;
    }
    return seconds;
  }

  std::chrono::system_clock::time_point last_finance_send_;
  std::chrono::system_clock::duration longest_finance_silence_{};
  zmq::context_t context_{1};
  DaemonHarness daemon_;
  std::shared_ptr<const core::Catalogue> catalogue_;
};

TEST_F(BoardsLiveTest, EveryPanelAndRuleReturnsDataAndAStoppedFeedAlerts) {
  auto started = Clock::now();
  const auto budget_end = started + kBudget;
  ASSERT_TRUE(daemon_.Start({"--catalogue", WriteShortContractCatalogue()})) << daemon_.ReadLog();
  int code = 0;
  ASSERT_TRUE(HttpGet(daemon_.metrics_port(), "/healthz", "", &code));
  EXPECT_EQ(code, 200);
  ASSERT_TRUE(HttpGet(daemon_.metrics_port(), "/readyz", "", &code));
  EXPECT_EQ(code, 200);

  FeedSample();
  auto fed = Clock::now();
  // Finance stays fresh on an empty batch per round, continuing the adapter's sequence.
  auto finance = Connect("finance-1");
  uint64_t finance_seq = 0;
  ASSERT_NO_FATAL_FAILURE(ContinueFinance(*finance, &finance_seq));
  ASSERT_NO_FATAL_FAILURE(CloseAndRestate2020());
  ASSERT_NO_FATAL_FAILURE(CheckScrape());

  TempDir prom_dir;
  PrometheusServer prometheus(prom_dir.path(), BoardsScrapeConfig(daemon_.metrics_port()));
  ASSERT_TRUE(prometheus.Start(std::chrono::seconds(15))) << prometheus.Log();
  const auto queries = AllQueries();
  ASSERT_GT(queries.size(), 40u);
  // What is left of the budget, less what the alert needs: the contract, a scrape interval,
  // an evaluation and a margin.
  const auto alert_phase = std::chrono::seconds(kFinanceContractSeconds + kScrapeSeconds + 10);
  ExpectAllReturnData(prometheus, queries, *finance, &finance_seq, budget_end - alert_phase);
  // Each scrape after a commit recomputes the rollup: how long the longest took (a scrape
  // over scrape_timeout leaves the boards empty).
  json longest = prometheus.Data("max_over_time(scrape_duration_seconds[10m])");
  if (!longest.is_null() && !longest["result"].empty()) {
    std::printf("longest scrape: %s s\n", longest["result"][0]["value"][1].get<std::string>().c_str());
  }
  ASSERT_FALSE(HasFailure()) << prometheus.Log();
  // Fed within its contract: finance is not late, and nobody else is.
  ASSERT_NO_FATAL_FAILURE(FeedFinance(*finance, &finance_seq));
  ExpectNobodyLate(prometheus);
  ExpectSmallCellsWithheld(prometheus);
  ExpectRulesAndRejections(prometheus);
  ExpectClosingOnTheBoards(prometheus);

  // Stop the finance feed.
  const double silence_s = ExpectFinanceAlertFires(prometheus, budget_end);  // to activeAt
  std::cout << "[ measure  ] feed " << std::chrono::duration<double>(fed - started).count()
            << " s, alert after " << silence_s
            << " s of silence, total " << std::chrono::duration<double>(Clock::now() - started).count() << " s\n";

  prometheus.Stop();
  EXPECT_EQ(daemon_.Stop(), 0);
}

}  // namespace
}  // namespace kpihub::testing
