// Profile loading: the shipped profiles load; every mistake is refused with its position.
#include <gtest/gtest.h>

#include "feed_test_util.h"

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

}  // namespace
}  // namespace kpihub::feed
