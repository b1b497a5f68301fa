// KpiCollector and StateCollector over a real store in a temp dir.
#include "kpihub/export/kpi_collector.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>
#include <spdlog/sinks/null_sink.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kpihub/core/uscc.h"
#include "kpihub/export/state_collector.h"

namespace kpihub::exporter {
namespace {

std::string Uscc(int serial) {
  char org[16];
  std::snprintf(org, sizeof org, "%08d", serial);
  static const int kWeights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += (org[i] - '0') * kWeights[i];
  int c = 11 - sum % 11;
  std::string first17 = std::string("91410800") + org + (c == 10 ? 'X' : c == 11 ? '0' : char('0' + c));
  return first17 + core::UsccCheckCharacter(first17);
}

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
             const std::string& value, const std::string& period = "2020-06") {
    store::BatchToApply b;
    b.adapter = "s";
    b.department = "scitech";
    b.sequence = ++seq_;
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
  uint64_t seq_ = 0;
  std::shared_ptr<const core::Catalogue> catalogue_;
  std::unique_ptr<core::LiveConfig> config_;
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<spdlog::logger> log_ =
      std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
};

TEST_F(CollectorTest, ExportsKpiAndIndicatorFiguresWithoutEntityIds) {
  Apply("auto_parts", 1, 5, "industrial_output", "1000000");
  Apply("core", 100, 4, "industrial_output", "250000");
  KpiCollector collector(*store_, *config_, core::RollupOptions{3}, log_);
  std::string text = Scrape(collector);
  EXPECT_NE(text.find("kpihub_indicator_value{indicator=\"industrial_output\",department=\"scitech\","
                      "park=\"zone\",period=\"2020\"} 6000000"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("kpihub_kpi_value{kpi=\"industrial_output\",park=\"auto_parts\",period=\"2020\"} 5000000"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("kpihub_kpi_info{kpi=\"industrial_output\",name_zh=\"工业总产值\""),
            std::string::npos);
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(text.find(Uscc(i)), std::string::npos);
  EXPECT_EQ(text.find("91410800"), std::string::npos);  // no enterprise id of any kind
}

TEST_F(CollectorTest, SmallCellsAreWithheldWithComplementarySuppression) {
  Apply("auto_parts", 1, 5, "industrial_output", "1000000");
  Apply("core", 100, 4, "industrial_output", "250000");
  Apply("tengyun", 200, 2, "industrial_output", "7");  // 2 enterprises < 3: confidential
  KpiCollector collector(*store_, *config_, core::RollupOptions{3}, log_);
  std::string text = Scrape(collector);
  EXPECT_EQ(text.find("park=\"tengyun\""), std::string::npos) << text;
  // The smallest other park goes too, or zone minus the rest would give tengyun away.
  EXPECT_EQ(text.find("kpihub_indicator_value{indicator=\"industrial_output\",department=\"scitech\","
                      "park=\"core\""),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("park=\"zone\",period=\"2020\"} 6000014"), std::string::npos) << text;
  EXPECT_NE(text.find("kpihub_cells_withheld{indicator=\"industrial_output\"} 2"), std::string::npos)
      << text;
}

TEST_F(CollectorTest, StateCollectorReportsSendersAndStore) {
  Apply("auto_parts", 1, 5, "industrial_output", "1");
  StateCollector collector(*store_, "9.9.9");
  std::string text = Scrape(collector);
  EXPECT_NE(text.find("kpihub_sender_last_sequence{adapter=\"s\",department=\"scitech\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("kpihub_store_records{table=\"observations\"} 5"), std::string::npos) << text;
  EXPECT_NE(text.find("kpihub_build_info{version=\"9.9.9\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace kpihub::exporter
