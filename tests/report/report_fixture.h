// A daemon with a few years of figures for the leadership report: several parks, one park
// withheld (a single enterprise), a national R&D institution count and a rule violation.
// Generates the report key with `kpihub keygen --report-key` and names it in kpihubd.toml.
// Not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "kpihub/client/connection.h"
#include "kpihub/testing/daemon_harness.h"

namespace kpihub::testing {

struct CliRun {
  int code = -1;
  std::string output;
};

inline CliRun RunKpihub(const std::string& args) {
  CliRun r;
  r.code = RunCommand(BinaryPath("kpihub") + " " + args, &r.output);
  return r;
}

// The withheld park's single enterprise: its figure must never reach the report.
inline constexpr double kSecretOutput = 987654321.25;

class ReportFixture : public ::testing::Test {
 protected:
  ReportFixture()
      : daemon_({{"scitech-1", "scitech"}, {"finance-1", "finance"}, {"tax-1", "tax"},
                 {"office-1", "office"}}) {}

  void SetUp() override {
    CliRun key = RunKpihub("keygen --report-key -o " + daemon_.dir());
    ASSERT_EQ(key.code, 0) << key.output;
    std::ofstream(daemon_.config_path(), std::ios::app) << "report_key_file = \"report.key\"\n";
    ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
    auto scitech = Connect("scitech-1");
    for (int year = 2017; year <= 2020; ++year) {
      ASSERT_EQ(Send(*scitech, year - 2016, ScitechYear(year)), wire::AckStatus::kAccepted);
    }
    ASSERT_EQ(Send(*scitech, 5, {{"national_incubator", "startup_center", "", "2019-06", 1,
                                  "国科发区〔2019〕12号"}}),
              wire::AckStatus::kAccepted);
    auto finance = Connect("finance-1");
    ASSERT_EQ(Send(*finance, 1, Subsidies()), wire::AckStatus::kAccepted);
  }

  std::unique_ptr<client::Connection> Connect(const std::string& id) {
    return std::make_unique<client::Connection>(
        context_, client::ConnectionOptions{daemon_.endpoint(), daemon_.server_public(),
                                            daemon_.adapter(id).keys, 5000});
  }
  static wire::AckStatus Send(client::Connection& c, uint64_t seq,
                              std::vector<core::Observation> obs) {
    auto ack = c.SendBatch(seq, std::move(obs), 0, 10000);
    return ack ? ack->status : wire::AckStatus::kMalformed;
  }

  // Industrial output in three parks of four enterprises each and one of a single
  // enterprise (withheld), and the national R&D institutions of `core`: 3, 6, 10, 14.
  static std::vector<core::Observation> ScitechYear(int year) {
    std::vector<core::Observation> obs;
    const std::string month = std::to_string(year) + "-06";
    uint32_t serial = 1000;
    for (const char* park : {"auto_parts", "core", "hpu_park"}) {
      for (int i = 0; i < 4; ++i) {
        obs.push_back({"industrial_output", park, MakeUscc(serial++), month, 2.5e8 * (year - 2015), ""});
      }
    }
    obs.push_back({"industrial_output", "smart_mfg", MakeUscc(2000), month, kSecretOutput, ""});
    const double institutions[] = {3, 6, 10, 14};
    obs.push_back({"rd_institutions_national", "core", "", std::to_string(year),
                   institutions[year - 2017], ""});
    return obs;
  }
  // Start-up subsidies of 2019: one enterprise above the 100,000 yuan cap.
  static std::vector<core::Observation> Subsidies() {
    std::vector<core::Observation> obs;
    const double amounts[] = {50000, 60000, 150000};
    for (uint32_t i = 0; i < 3; ++i) {
      obs.push_back({"startup_subsidy", "startup_center", MakeUscc(3000 + i), "2019", amounts[i], ""});
    }
    return obs;
  }
  // Sends one period action (submit, approve) as adapter `id`; the ack's action refusals.
  std::optional<std::vector<core::Rejection>> Act(const std::string& id, uint64_t seq,
                                                  core::PeriodAction action) {
    auto ack = Connect(id)->SendBatch(seq, {}, {std::move(action)}, 0, 10000);
    if (!ack || ack->status != wire::AckStatus::kAccepted) return std::nullopt;
    return ack->action_rejections;
  }
  static std::vector<std::string> CreditCodes() {
    std::vector<std::string> out;
    for (uint32_t s = 1000; s < 1012; ++s) out.push_back(MakeUscc(s));
    for (uint32_t s : {2000u, 3000u, 3001u, 3002u}) out.push_back(MakeUscc(s));
    return out;
  }

  std::string Where() const { return " --config " + daemon_.config_path(); }
  std::string ReportPath() const { return daemon_.dir() + "/report-2020.html"; }
  CliRun Produce() { return RunKpihub("report --year 2020 --out " + ReportPath() + Where()); }
  CliRun Verify() { return RunKpihub("report --verify " + ReportPath() + Where()); }

  zmq::context_t context_{1};
  DaemonHarness daemon_;
};

}  // namespace kpihub::testing
