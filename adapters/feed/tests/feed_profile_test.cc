// Profile loading: the shipped profiles load; every mistake is refused with its position.
#include <gtest/gtest.h>

#include "feed_test_util.h"
#include "kpihub/feed/export_mapper.h"

namespace kpihub::feed {
namespace {

using testing::ShippedCatalogue;
using testing::ShippedProfile;

std::string ErrorOf(const std::string& text) {
  auto loaded = LoadProfile(text, "p.toml", ShippedCatalogue());
  return loaded.ok() ? "" : loaded.status().message();
}

const char kMinimal[] = R"(department = "environment"
[[layout]]
name = "m"
format = "json"
park = "park"
period = "month"
  [[layout.column]]
  name = "sewage"
  indicator = "sewage_produced"
  unit = "吨"
)";

TEST(ProfileTest, ShippedProfilesLoad) {
  for (const char* d : {"tax", "finance", "scitech", "environment"}) {
    Profile p = ShippedProfile(d);
    EXPECT_EQ(p.department, d);
    EXPECT_FALSE(p.layouts.empty());
  }
  Profile tax = ShippedProfile("tax");
  EXPECT_EQ(tax.ParkCode("汽车零部件园"), "auto_parts");          // profile alias
  EXPECT_EQ(tax.ParkCode("汽车零部件产业园"), "auto_parts");      // catalogue name
  EXPECT_EQ(tax.ParkCode("auto_parts"), "auto_parts");            // code
  EXPECT_FALSE(tax.ParkCode("温县产业集聚区").has_value());
  const ColumnMapping& c = tax.layouts[0].columns[2];
  EXPECT_EQ(c.indicator, "rd_super_deduction");
  EXPECT_EQ(c.unit.power, 4);
  EXPECT_EQ(tax.layouts[0].encoding, "gb18030");
}

TEST(ProfileTest, MinimalProfileLoads) { EXPECT_EQ(ErrorOf(kMinimal), ""); }

TEST(ProfileTest, RefusesMistakesWithTheirPosition) {
  std::string text = kMinimal;
  struct Case { std::string from, to, message; };
  for (const Case& c : std::vector<Case>{
           {"department = \"environment\"", "department = \"police\"", "unknown department"},
           {"unit = \"吨\"", "unit = \"万元\"", "does not convert to 'tonne'"},
           {"unit = \"吨\"", "unit = \"斤\"", "unknown unit"},
           {"indicator = \"sewage_produced\"", "indicator = \"gdp\"", "belongs to department 'finance'"},
           {"indicator = \"sewage_produced\"", "indicator = \"nope\"", "unknown indicator"},
           {"period = \"month\"", "period = \"month\"\ncolour = \"red\"", "unknown key 'colour'"},
           {"format = \"json\"", "format = \"xlsx\"", "format must be"},
           {"period = \"month\"", "period = \"month\"\nentity = \"uscc\"", "is per park"},
           {"[[layout]]", "[park_names]\n\"东区\" = \"east\"\n[[layout]]", "names no catalogue park"},
       }) {
    std::string t = text;
    t.replace(t.find(c.from), c.from.size(), c.to);
    std::string error = ErrorOf(t);
    EXPECT_NE(error.find(c.message), std::string::npos) << c.to << " -> " << error;
    EXPECT_EQ(error.rfind("p.toml:", 0), 0u) << error;
  }
  EXPECT_NE(ErrorOf("department = ").find("p.toml:1:"), std::string::npos);
  EXPECT_NE(ErrorOf("department = \"tax\"\n").find("no [[layout]]"), std::string::npos);
}

// `restatement_column`: a non-empty cell makes the row's figures restatements with that
// reason; an empty one leaves them plain; a file without the column is read as before.
TEST(ProfileTest, RestatementColumnGivesEachRowItsReason) {
  std::string text = kMinimal;
  text.replace(text.find("format = \"json\""), 15, "format = \"csv\"\nrestatement_column = \"更正原因\"");
  auto loaded = LoadProfile(text, "p.toml", ShippedCatalogue());
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->layouts[0].restatement_column, "更正原因");
  MappedExport m = MapExport(*loaded, "e.csv",
                             "park,month,sewage,更正原因\n"
                             "core,2020-01,5,\n"
                             "core,2020-02,6, 审计调整：漏报一家企业 \n");
  ASSERT_FALSE(m.failed);
  ASSERT_EQ(m.observations.size(), 2u);
  EXPECT_EQ(m.observations[0].observation.restatement, "");
  // Folded as a note is (NFKC, trimmed): the full-width colon becomes an ASCII one.
  EXPECT_EQ(m.observations[1].observation.restatement, "审计调整:漏报一家企业");
  EXPECT_TRUE(m.rejects.empty());
  MappedExport without = MapExport(*loaded, "e.csv", "park,month,sewage\ncore,2020-01,5\n");
  ASSERT_FALSE(without.failed);
  ASSERT_EQ(without.observations.size(), 1u);
  EXPECT_EQ(without.observations[0].observation.restatement, "");
  std::string wrong = text;
  wrong.replace(wrong.find("\"更正原因\""), std::string("\"更正原因\"").size(), "3");
  EXPECT_NE(ErrorOf(wrong).find("'restatement_column' must be a string"), std::string::npos);
}

}  // namespace
}  // namespace kpihub::feed
