// CollectorTest: a real store in a temp dir with the shipped catalogue, for the collector
// tests. Not thread-safe.
#pragma once

#include <gtest/gtest.h>
#include <prometheus/collectable.h>
#include <prometheus/text_serializer.h>
#include <spdlog/sinks/null_sink.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "kpihub/core/live_config.h"
#include "kpihub/core/uscc.h"
#include "kpihub/store/store.h"
#include "kpihub/testing/source_file.h"
#include "kpihub/testing/temp_dir.h"

namespace kpihub::exporter {

inline std::string Uscc(int serial) { return core::SyntheticUscc(static_cast<uint32_t>(serial)); }

class CollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir_.path();
    catalogue_ = kpihub::testing::ShippedCatalogue();
    ASSERT_NE(catalogue_, nullptr);
    auto registry = core::KeyRegistry::FromToml(
        "[[adapter]]\nid = \"s\"\ndepartment = \"scitech\"\npublic_key = \"" +
            std::string(40, 'a') + "\"\n",
        "keys.toml", *catalogue_);
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    config_ = std::make_unique<core::LiveConfig>(catalogue_, *registry);
    store::StoreOptions options;
    options.path = dir_;
    ASSERT_TRUE(store::Store::Open(options, &store_).ok());
  }


  void Apply(const std::string& park, int first, int n, const std::string& indicator,
             const std::string& value, const std::string& period = "2020-06",
             const std::string& department = "scitech", int64_t unix_ms = 0) {
    store::BatchToApply b;
    b.adapter = department == "scitech" ? "s" : department + "-1";
    b.department = department;
    b.received_unix_ms = unix_ms;
    b.sequence = ++seq_[b.adapter];
    for (int i = 0; i < n; ++i) {
      core::ValidObservation o;
      o.key = {indicator, park, period, Uscc(first + i)};
      o.value = *core::Decimal::Parse(value).value;
      b.accepted.push_back(o);
    }
    std::vector<store::ApplyResult> results;
    ASSERT_TRUE(store_->ApplyGroup({b}, &results).ok());
  }

  std::string Scrape(const prometheus::Collectable& c) {
    std::ostringstream os;
    prometheus::TextSerializer().Serialize(os, c.Collect());
    return os.str();
  }

  kpihub::testing::TempDir temp_dir_;
  std::string dir_;
  std::map<std::string, uint64_t> seq_;  // per adapter
  std::shared_ptr<const core::Catalogue> catalogue_;
  std::unique_ptr<core::LiveConfig> config_;
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<spdlog::logger> log_ =
      std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
};

}  // namespace kpihub::exporter
