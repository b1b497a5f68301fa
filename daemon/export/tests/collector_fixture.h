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

namespace kpihub::exporter {

inline std::string Uscc(int serial) { return core::SyntheticUscc(static_cast<uint32_t>(serial)); }

class CollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kpihub-export-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ifstream in(std::string(KPIHUB_SOURCE_DIR) + "/config/catalogue.toml");
    std::stringstream ss;
    ss << in.rdbuf();
    auto catalogue = core::Catalogue::FromToml(ss.str(), "catalogue.toml");
    ASSERT_TRUE(catalogue.catalogue) << catalogue.error;
    catalogue_ = catalogue.catalogue;
    auto registry = core::KeyRegistry::FromToml(
        "[[adapter]]\nid = \"s\"\ndepartment = \"scitech\"\npublic_key = \"" +
            std::string(40, 'a') + "\"\n",
        "keys.toml", *catalogue_);
    ASSERT_TRUE(registry.registry) << registry.error;
    config_ = std::make_unique<core::LiveConfig>(catalogue_, registry.registry);
    store::StoreOptions options;
    options.path = dir_;
    ASSERT_TRUE(store::Store::Open(options, &store_).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

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

  std::string dir_;
  std::map<std::string, uint64_t> seq_;  // per adapter
  std::shared_ptr<const core::Catalogue> catalogue_;
  std::unique_ptr<core::LiveConfig> config_;
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<spdlog::logger> log_ =
      std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
};

}  // namespace kpihub::exporter
