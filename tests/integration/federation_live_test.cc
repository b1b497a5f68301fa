// Province federation live: three zones, each a real kpihubd fed the bundled sample by the real
// kpihub-adapter and then a figure of its own (one enterprise's 2020 output, different in each
// zone), each scraped by its own Debian prometheus with the shipped rules and the shipped
// dashboards/prometheus-zone.yml (its zone's external labels); one provincial prometheus
// federates the three through /federate with the shipped dashboards/prometheus-province.yml
// (only hosts and intervals changed). The provincial
// Prometheus must hold, for each zone, exactly the zone's own rule series with its zone labels
// (so each of the twelve KPIs once per zone, at the zone's own figure), and every query of the
// province board must answer for every zone. Also prints what one zone's /federate gives the
// province (series and bytes), which docs/scaling.md quotes.
//
// Every wait draws on one budget (kBudget) inside the suite's 120 s ctest timeout, and waits
// for an observable state (the adapters' exit, a server's readiness, the provincial series
// matching the zone's); every process is stopped by PID.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "../dashboards/board_queries.h"
#include "kpihub/client/connection.h"
#include "kpihub/testing/adapter_process.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/prometheus_server.h"
#include "kpihub/testing/source_file.h"
#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kBudget = std::chrono::seconds(100);

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

struct Zone {
  std::string code, name_zh;
  double output_2020_06;  // the revised figure that sets this zone apart, yuan
};
const std::vector<Zone>& Zones() {
  static const std::vector<Zone> zones = {
      {"jiaozuo", "焦作高新区", 2.0e9}, {"luoyang", "洛阳高新区", 3.0e9}, {"zhengzhou", "郑州高新区", 4.0e9}};
  return zones;
}

// The series the province federates: the match[] selector of the shipped provincial config.
std::string FederatedSelector() {
  std::ifstream in(SourcePath("dashboards/prometheus-province.yml"));
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, m, std::regex(R"re('(\{__name__=~"[^"]+"\})')re"))) return m[1];
  }
  return "";
}

// `text` with each `from` replaced by its `to`; a `from` that is not there fails the test
// (the shipped file changed under the test).
std::string Replaced(std::string text, const std::vector<std::pair<std::string, std::string>>& edits) {
  for (const auto& [from, to] : edits) {
    const size_t at = text.find(from);
    if (at == std::string::npos) {
      ADD_FAILURE() << "'" << from << "' is not in the shipped configuration";
      continue;
    }
    text.replace(at, from.size(), to);
  }
  return text;
}

// A zone's Prometheus: the shipped dashboards/prometheus-zone.yml with the zone's labels, its
// kpihubd every 5 s and the rules, as rendered, every second.
std::string ZoneConfig(const Zone& zone, int kpihubd_metrics_port) {
  return Replaced(ReadWholeFile(SourcePath("dashboards/prometheus-zone.yml")),
                  {{"evaluation_interval: 30s", "evaluation_interval: 1s"},
                   {"zone: jiaozuo", "zone: " + zone.code},
                   {"zone_zh: 焦作高新区", "zone_zh: " + zone.name_zh},
                   {"prometheus/kpihub-rules.yml", KPIHUB_RULES_FILE},
                   {"scrape_interval: 30s", "scrape_interval: 5s"},
                   {"127.0.0.1:9730", "127.0.0.1:" + std::to_string(kpihubd_metrics_port)}});
}

// The provincial Prometheus: the shipped dashboards/prometheus-province.yml federating the
// three zones' Prometheus every 2 s.
std::string ProvinceConfig(const std::vector<int>& zone_ports) {
  std::vector<std::pair<std::string, std::string>> edits = {{"scrape_interval: 60s", "scrape_interval: 2s"},
                                                            {"scrape_timeout: 30s", "scrape_timeout: 2s"}};
  const char* shipped[] = {"prometheus.jiaozuo.example:9090", "prometheus.luoyang.example:9090",
                           "prometheus.zhengzhou.example:9090"};
  for (size_t i = 0; i < zone_ports.size() && i < std::size(shipped); ++i) {
    edits.emplace_back(shipped[i], "127.0.0.1:" + std::to_string(zone_ports[i]));
  }
  return Replaced(ReadWholeFile(SourcePath("dashboards/prometheus-province.yml")), edits);
}

// Series -> value of a query's result, each series named by its labels without `drop`.
std::map<std::string, std::string> SeriesValues(const json& result, const std::set<std::string>& drop) {
  std::map<std::string, std::string> out;
  for (const json& s : result) {
    json labels = s["metric"];
    for (const std::string& d : drop) labels.erase(d);
    out[labels.dump()] = s["value"][1].get<std::string>();
  }
  return out;
}

// The selector with one more matcher: `{__name__=~"..."}` and `zone="x"` give
// `{__name__=~"...", zone="x"}`.
std::string WithMatcher(const std::string& selector, const std::string& matcher) {
  return selector.substr(0, selector.size() - 1) + ", " + matcher + "}";
}

class FederationLiveTest : public ::testing::Test {
 protected:
  FederationLiveTest() : dirs_(Zones().size() + 1) {
    for (size_t i = 0; i < Zones().size(); ++i) daemons_.push_back(std::make_unique<DaemonHarness>(SampleAdapters()));
  }

  // The sample into every zone, zone by zone (four adapters at a time on a 2-core machine),
  // then each zone's own revision of one enterprise's June 2020 output, sent by science and
  // technology's adapter with the next sequence of its sender.
  void Feed(Clock::time_point deadline) {
    for (auto& daemon : daemons_) {
      for (auto& a : StartSampleFeed(*daemon, KPIHUB_SOURCE_DIR, 60)) {
        ASSERT_EQ(a->Wait(RemainingMs(deadline)), 0) << a->Log();
      }
    }
    for (size_t i = 0; i < daemons_.size(); ++i) {
      const std::string id = SampleAdapterId("scitech");
      double last = MetricOr(ScrapeMetrics(daemons_[i]->metrics_port()),
                             SeriesKey("kpihub_sender_last_sequence", {{"adapter", id}, {"department", "scitech"}}), -1);
      ASSERT_GE(last, 1) << "the scitech sample was not delivered";
      core::Observation o{"industrial_output", "auto_parts", "91410803716657788F", "2020-06",
                          Zones()[i].output_2020_06, ""};
      auto ack = ConnectAs(context_, *daemons_[i], id)->SendBatch(static_cast<uint64_t>(last) + 1, {o}, 0, 10000);
      ASSERT_TRUE(ack.has_value());
      ASSERT_EQ(ack->status, wire::AckStatus::kAccepted);
      ASSERT_TRUE(ack->rejections.empty()) << "the revision was refused";
    }
  }

  // Each zone's Prometheus on its kpihubd, then the province's on the three.
  void StartPrometheus(Clock::time_point deadline) {
    std::vector<int> zone_ports;
    for (size_t i = 0; i < Zones().size(); ++i) {
      zones_.push_back(std::make_unique<PrometheusServer>(dirs_[i].path(), ZoneConfig(Zones()[i], daemons_[i]->metrics_port())));
      ASSERT_TRUE(zones_.back()->Start(std::chrono::milliseconds(RemainingMs(deadline)))) << zones_.back()->Log();
      zone_ports.push_back(zones_.back()->port());
    }
    province_ = std::make_unique<PrometheusServer>(dirs_.back().path(), ProvinceConfig(zone_ports));
    ASSERT_TRUE(province_->Start(std::chrono::milliseconds(RemainingMs(deadline)))) << province_->Log();
  }

  // Zones whose federated series (in the province, without the zone labels) are not exactly
  // the zone's own, at the zone's values.
  std::vector<std::string> Differences() const {
    std::vector<std::string> out;
    for (size_t i = 0; i < Zones().size(); ++i) {
      auto own = SeriesValues(zones_[i]->Query(selector_), {});
      auto federated = SeriesValues(province_->Query(WithMatcher(selector_, "zone=\"" + Zones()[i].code + "\"")),
                                    {"zone", "zone_zh"});
      if (own.empty()) out.push_back(Zones()[i].code + ": no rule series in the zone yet");
      if (own != federated) {
        out.push_back(Zones()[i].code + ": " + std::to_string(own.size()) + " series in the zone, " +
                      std::to_string(federated.size()) + " in the province, or other values");
      }
    }
    return out;
  }

  // The zone needs a scrape of kpihubd and a rule evaluation, the province a scrape of the
  // zone after that.
  void WaitUntilProvinceMatchesZones(Clock::time_point deadline) {
    std::vector<std::string> missing = Differences();
    while (!missing.empty() && !HasFailure() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the poll's pace, not a sync
      missing = Differences();
    }
    for (const std::string& m : missing) ADD_FAILURE() << m;
  }

  // Each of the twelve KPIs once per zone with both zone labels, and the zone's own figure:
  // its 2020 output is its kpihubd's, in 亿元, and differs between zones by their revisions.
  void ExpectEachZonesOwnKpis() {
    EXPECT_EQ(province_->Query(WithMatcher(selector_, "zone=\"\"")).size(), 0u) << "series without a zone";
    EXPECT_EQ(province_->Query(WithMatcher(selector_, "zone_zh=\"\"")).size(), 0u) << "series without a zone name";
    std::set<std::string> kpis;
    for (const json& s : zones_[0]->Query("kpihub:kpi:info")) kpis.insert(s["metric"].value("kpi", ""));
    ASSERT_EQ(kpis.size(), 12u) << "the twelve KPIs of the catalogue";
    std::map<std::string, double> output_2020;
    for (size_t i = 0; i < Zones().size(); ++i) {
      const Zone& z = Zones()[i];
      for (const std::string& kpi : kpis) {
        for (const char* rule : {"kpihub:kpi_value:display", "kpihub:kpi_status:code"}) {
          json r = province_->Query(std::string(rule) + "{kpi=\"" + kpi + "\", park=\"zone\", period=\"2020\", zone=\"" + z.code + "\"}");
          ASSERT_EQ(r.size(), 1u) << rule << " " << kpi << " in " << z.code;
          EXPECT_EQ(r[0]["metric"].value("zone_zh", ""), z.name_zh);
        }
        EXPECT_EQ(province_->Query("kpihub:kpi:info{kpi=\"" + kpi + "\", zone=\"" + z.code + "\"}").size(), 1u) << kpi;
      }
      json own = province_->Query(R"(kpihub:kpi_value:display{kpi="industrial_output", park="zone", period="2020", zone=")" + z.code + "\"}");
      ASSERT_EQ(own.size(), 1u);
      output_2020[z.code] = std::stod(own[0]["value"][1].get<std::string>());
      const double daemon_yuan = MetricOr(ScrapeMetrics(daemons_[i]->metrics_port()),
                                          SeriesKey("kpihub_kpi_value", {{"kpi", "industrial_output"}, {"park", "zone"}, {"period", "2020"}}),
                                          std::nan(""));
      EXPECT_NEAR(output_2020[z.code], daemon_yuan / 1e8, 1e-6) << z.code;
    }
    EXPECT_NEAR(output_2020["luoyang"] - output_2020["jiaozuo"], 10.0, 1e-6);  // 1e9 yuan in 亿元
    EXPECT_NEAR(output_2020["zhengzhou"] - output_2020["luoyang"], 10.0, 1e-6);
  }

  // Every query of the province board answers for every zone, named by its Chinese name, and
  // every variable has values.
  void ExpectBoardAnswersPerZone() {
    const json board = ReadJsonFile(SourcePath("dashboards/grafana/dashboards/kpihub-province.json"));
    const std::vector<BoardQuery> queries = PanelQueries(board);
    ASSERT_GE(queries.size(), 5u);
    for (const BoardQuery& q : queries) {
      const std::string promql = Substitute(q.expr, DefaultVariableValues());
      std::set<std::string> zones_answered;
      for (const json& s : province_->Query(promql)) zones_answered.insert(s["metric"].value("zone_zh", ""));
      EXPECT_EQ(zones_answered, (std::set<std::string>{"焦作高新区", "洛阳高新区", "郑州高新区"}))
          << "panel " << q.panel_id << " " << q.ref_id << ": " << promql;
    }
    for (const auto& v : board["templating"]["list"]) {
      std::string expr = VariableExpression(v.value("definition", ""));
      if (!expr.empty()) {
        EXPECT_FALSE(province_->Query(Substitute(expr, DefaultVariableValues())).empty()) << expr;
      }
    }
  }

  // What one zone gives the province at each federation scrape (docs/scaling.md).
  void PrintFederateSize() {
    auto federate = HttpGet(zones_[0]->port(), "/federate?match[]=" + UrlEncode(selector_));
    ASSERT_TRUE(federate.has_value());
    std::cout << "[ measure  ] /federate of one zone: " << zones_[0]->Query(selector_).size() << " series, "
              << federate->size() << " bytes\n";
  }

  zmq::context_t context_{1};
  std::vector<std::unique_ptr<DaemonHarness>> daemons_;
  const std::string selector_ = FederatedSelector();
  std::vector<TempDir> dirs_;  // each Prometheus's; outlives the servers declared below
  std::vector<std::unique_ptr<PrometheusServer>> zones_;
  std::unique_ptr<PrometheusServer> province_;
};

TEST_F(FederationLiveTest, ProvinceHoldsEachZonesOwnFiguresAndTheBoardAnswersPerZone) {
  const auto started = Clock::now();
  const auto deadline = started + kBudget;
  ASSERT_FALSE(selector_.empty()) << "no match[] selector in dashboards/prometheus-province.yml";
  for (auto& d : daemons_) ASSERT_TRUE(d->Start()) << d->ReadLog();
  ASSERT_NO_FATAL_FAILURE(Feed(deadline));
  const auto fed = Clock::now();
  ASSERT_NO_FATAL_FAILURE(StartPrometheus(deadline));
  WaitUntilProvinceMatchesZones(deadline);
  ASSERT_FALSE(HasFailure()) << province_->Log();
  std::cout << "[ measure  ] fed in " << std::chrono::duration<double>(fed - started).count()
            << " s; the province matched the zones " << std::chrono::duration<double>(Clock::now() - fed).count()
            << " s later\n";

  ExpectEachZonesOwnKpis();
  ExpectBoardAnswersPerZone();
  PrintFederateSize();
  for (auto& d : daemons_) EXPECT_EQ(d->Stop(), 0);
}

}  // namespace
}  // namespace kpihub::testing
