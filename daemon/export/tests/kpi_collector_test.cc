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
#include "collector_fixture.h"

namespace kpihub::exporter {
namespace {

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
  // No figure of tengyun (its catalogue entry, kpihub_park_info, names it of course).
  EXPECT_EQ(text.find("park=\"tengyun\",period"), std::string::npos) << text;
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
  StateCollector collector(*store_, {"9.9.9", "0123abcd"});
  std::string text = Scrape(collector);
  EXPECT_NE(text.find("kpihub_sender_last_sequence{adapter=\"s\",department=\"scitech\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("kpihub_store_records{table=\"observations\"} 5"), std::string::npos) << text;
  EXPECT_NE(text.find("kpihub_build_info{revision=\"0123abcd\",version=\"9.9.9\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace kpihub::exporter
