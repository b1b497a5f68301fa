// Helpers shared by the exchange's end-to-end tests (queries and subscriptions).
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kpihub/testing/daemon_harness.h"
#include "ops_test_util.h"
#include "kpihub/wire/curve_keys.h"

namespace kpihub::testing {

// The shipped catalogue, without the [[agreement]] tables whose code starts with `drop`.
inline std::string CatalogueWithout(const std::string& drop) {
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

// Gives each department a reading key "<dept>-read" (key files in the daemon's directory,
// a [[consumer]] entry appended to its keys.toml), and makes the daemon read the shipped
// catalogue from catalogue.toml (so that a test can rewrite it and reload).
inline void AddReadersAndCatalogue(const DaemonHarness& daemon,
                                   const std::vector<std::string>& departments,
                                   std::map<std::string, wire::CurveKeyPair>* readers) {
  std::ofstream keys(daemon.dir() + "/keys.toml", std::ios::app);
  for (const std::string& dept : departments) {
    const std::string id = dept + "-read";
    (*readers)[dept] = wire::GenerateCurveKeyPair();
    (void)wire::WriteKeyFiles(daemon.dir(), id, (*readers)[dept]);
    keys << "\n[[consumer]]\nid = \"" << id << "\"\ndepartment = \"" << dept
         << "\"\npublic_key = \"" << (*readers)[dept].public_z85 << "\"\n";
  }
  keys.close();
  std::ofstream(daemon.dir() + "/catalogue.toml") << CatalogueWithout("");
  std::ofstream(daemon.config_path(), std::ios::app) << "catalogue = \"catalogue.toml\"\n";
}

// The disclosure checks' figures: scitech's output and certifications in three parks (core
// holds one enterprise: a small cell, and the park that would reveal it), and one tax figure
// of core's lone enterprise. Needs adapters scitech-1 and tax-1; their first batches.
inline void SeedDisclosureFigures(zmq::context_t& context, const DaemonHarness& daemon) {
  std::vector<core::Observation> obs;
  for (uint32_t i = 0; i < 4; ++i) {
    obs.push_back({"industrial_output", "auto_parts", MakeUscc(200 + i), "2020-06", 2.5e8, "", ""});
    obs.push_back({"industrial_output", "smart_mfg", MakeUscc(300 + i), "2020-06", 1.0e8, "", ""});
    obs.push_back({"hightech_certified", "smart_mfg", MakeUscc(300 + i), "2020", 1, "", ""});
  }
  obs.push_back({"industrial_output", "core", MakeUscc(400), "2020-06", 7.0e8, "", ""});
  obs.push_back({"hightech_certified", "core", MakeUscc(400), "2020", 1, "", ""});
  auto ack = ConnectAs(context, daemon, "scitech-1")->SendBatch(1, obs, 0, 20000);
  ASSERT_TRUE(ack && ack->status == wire::AckStatus::kAccepted && ack->rejections.empty());
  auto ta = ConnectAs(context, daemon, "tax-1")->SendBatch(
      1, {{"rd_super_deduction", "core", MakeUscc(400), "2020", 5e6, "", ""}}, 0, 20000);
  ASSERT_TRUE(ta && ta->status == wire::AckStatus::kAccepted && ta->rejections.empty());
}

}  // namespace kpihub::testing
