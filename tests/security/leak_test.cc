// Confidentiality, end to end: a kpihubd logging at info level (the production default) is
// fed the bundled department sample (samples/demo) by the real kpihub-adapter with the
// shipped profiles, plus hostile rows that put credit codes where they do not belong. Then
// /metrics, the daemon's log and the default output of every read-only `kpihub` command that
// may be forwarded (docs/operations.md, "Who sees enterprise ids") must hold none of the
// enterprise ids (unified social credit codes) it was sent, nor anything shaped like one.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "kpihub/testing/adapter_process.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/raw_dealer.h"
#include "kpihub/testing/source_file.h"

namespace kpihub::testing {
namespace {

// A credit code's shape: a token of 18 characters of the code alphabet with the division
// digits in place — a word of its own, not the digits of a decimal number like 0.0042930693...
const std::regex kCodeShape(
    "(^|[^0-9A-Za-z.])([0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10})(?![0-9A-Za-z.])");

std::set<std::string> CodeShapedTokens(const std::string& text) {
  std::set<std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), kCodeShape), end; it != end; ++it) {
    out.insert((*it)[2].str());
  }
  return out;
}

// The production log level, not the harness's debug.
void UseInfoLevel(const DaemonHarness& daemon) {
  std::string config = ReadWholeFile(daemon.config_path());
  size_t pos = config.find("log_level = \"debug\"");
  ASSERT_NE(pos, std::string::npos);
  config.replace(pos, 19, "log_level = \"info\"");
  std::ofstream(daemon.config_path()) << config;
}

// Hostile rows: codes with a wrong check character, on a park-level indicator, for an
// unknown park, in the future, not finite. Every code used goes into *fed.
std::vector<core::Observation> HostileRows(std::set<std::string>* fed) {
  std::vector<core::Observation> rows;
  for (uint32_t i = 0; i < 50; ++i) {
    std::string code = MakeUscc(700000 + i), bad = code;
    bad[17] = bad[17] == '0' ? '1' : '0';
    fed->insert(code);
    fed->insert(bad);
    rows.push_back({"enterprise_registered", "core", bad, "2020", 1, ""});
    rows.push_back({"gdp", "core", code, "2020Q1", 1, ""});
    rows.push_back({"enterprise_registered", "no_such_park", code, "2020", 1, ""});
    rows.push_back({"enterprise_registered", "core", code, "2999", 1, ""});
    rows.push_back({"enterprise_registered", "core", code, "2020", std::nan(""), ""});
  }
  return rows;
}

// The rows sent out of order, then applied at the sequence the daemon expects, then replayed
// (duplicate), twice over.
void SendHostileRows(RawDealer& tax, const std::vector<core::Observation>& rows) {
  const std::string frame = wire::EncodeBatch(1000000, 0, rows);  // far ahead: out of order
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(tax.Send(frame));
    auto ack = tax.Receive(30000);
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->status, wire::AckStatus::kOutOfOrder);
    // ... and applied at the sequence the daemon expects next, then replayed.
    for (int j = 0; j < 2; ++j) {
      ASSERT_TRUE(tax.Send(wire::EncodeBatch(ack->next_expected, 0, rows)));
      auto applied = tax.Receive(30000);
      ASSERT_TRUE(applied.has_value());
      EXPECT_EQ(applied->status, j == 0 ? wire::AckStatus::kAccepted : wire::AckStatus::kDuplicate);
      if (j == 0) {
        EXPECT_EQ(applied->rejections.size(), rows.size());
      }
    }
  }
}

// The default output of every read-only command whose output may be forwarded: all of it,
// for every park and year (2016, the baseline year, on), `explain` for every KPI at every
// place, `milestones`, and `history` of every enterprise-level indicator. `history --confidential`, `rejects --entities` and `export
// --department` print ids by design and are left out.
std::string DefaultCommandOutputs(const DaemonHarness& daemon) {
  const std::string cli = BinaryPath("kpihub") + " ";
  const std::string config = " --config " + daemon.config_path();
  std::vector<std::string> commands = {
      "status", "kpis --park all", "kpis --park all --csv", "export --statistics", "rejects",
      "rejects --csv", "verify", "milestones", "milestones --csv"};
  for (int year = 2016; year <= 2020; ++year) {  // the sample's years
    commands.push_back("kpis --park all --csv --year " + std::to_string(year));
    commands.push_back("kpis --park all --year " + std::to_string(year));
  }
  for (const char* kpi : {"industrial_output", "rd_intensity", "rd_center_coverage",
                          "hightech_enterprise_share", "hitech_sei_output_share"}) {
    for (const char* place : {"zone", "core", "agri_tech", "tengyun", "hq_economy"}) {
      commands.push_back(std::string("explain ") + kpi + " " + place + " 2020");
    }
  }
  for (const char* indicator : {"industrial_output", "rd_expenditure", "hightech_certified",
                                "above_scale_with_rd_institution", "startup_subsidy",
                                "hightech_tax_relief"}) {
    commands.push_back(std::string("history --indicator ") + indicator);
    commands.push_back(std::string("history --csv --indicator ") + indicator);
  }
  std::string all;
  for (const std::string& command : commands) {
    std::string out;
    EXPECT_EQ(RunCommand(cli + command + config + " 2>&1", &out), 0) << command << ":\n" << out;
    all += out + "\n";
  }
  return all;
}

TEST(LeakTest, NoEnterpriseIdInMetricsOrInfoLog) {
  DaemonHarness daemon(SampleAdapters());
  ASSERT_NO_FATAL_FAILURE(UseInfoLevel(daemon));
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();

  std::set<std::string> fed;  // every credit code the daemon is sent
  for (const auto& [dept, files] : SampleFiles()) {
    for (const std::string& f : files) {
      for (const auto& code : CodeShapedTokens(ReadWholeFile(SourcePath("samples/demo/" + f)))) fed.insert(code);
    }
  }
  auto adapters = StartSampleFeed(daemon, KPIHUB_SOURCE_DIR, 120);
  for (auto& a : adapters) ASSERT_EQ(a->Wait(120000), 0) << a->Log();
  ASSERT_GT(fed.size(), 200u);  // the sample's enterprises (samples/demo/README.md)

  zmq::context_t context(1);
  RawDealer tax(context, {daemon.endpoint(), daemon.server_public(), daemon.adapter("tax-1").keys, ""});
  ASSERT_NO_FATAL_FAILURE(SendHostileRows(tax, HostileRows(&fed)));

  auto metrics = HttpGet(daemon.metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.has_value());
  double accepted = 0;  // the sample did go in: about 17,000 observations
  for (const auto& [series, value] : ParseMetrics(*metrics)) {
    if (series.rfind("kpihub_ingest_observations_total{", 0) == 0 &&
        series.find("result=\"accepted\"") != std::string::npos) {
      accepted += value;
    }
  }
  EXPECT_GT(accepted, 10000) << *metrics;
  const std::string log = daemon.ReadLog();
  ASSERT_NE(log.find(" info "), std::string::npos) << log;  // the log is there, at info level
  EXPECT_EQ(log.find(" debug "), std::string::npos);
  int leaked = 0;
  for (const auto& code : fed) {
    if (metrics->find(code) != std::string::npos || log.find(code) != std::string::npos) {
      ++leaked;
      ADD_FAILURE() << "credit code " << code << " leaked";
    }
  }
  const std::string commands = DefaultCommandOutputs(daemon);
  for (const auto& code : fed) {
    if (commands.find(code) != std::string::npos) {
      ++leaked;
      ADD_FAILURE() << "credit code " << code << " in a kpihub command's default output";
    }
  }
  auto shaped = CodeShapedTokens(*metrics + "\n" + log + "\n" + commands);
  for (const auto& token : shaped) ADD_FAILURE() << "credit-code-shaped token " << token;
  std::printf("[reliability] leak: codes_fed=%zu metrics_bytes=%zu log_bytes=%zu "
              "command_bytes=%zu codes_found=%d shaped_tokens_found=%zu\n",
              fed.size(), metrics->size(), log.size(), commands.size(), leaked, shaped.size());
}

}  // namespace
}  // namespace kpihub::testing
