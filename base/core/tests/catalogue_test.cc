#include "kpihub/core/catalogue.h"
#include "kpihub/testing/source_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace kpihub::core {
namespace {

std::string ShippedCatalogueText() {
  return kpihub::testing::SourceFile("config/catalogue.toml");
}

// A small valid catalogue; tests append or replace lines to break it in one place.
constexpr std::string_view kMinimal = R"([[department]]
code = "tax"
name_zh = "税务"
name_en = "Taxation"

[[park]]
code = "core"
name_zh = "核心区"
name_en = "Core"

[[indicator]]
code = "output"
department = "tax"
name_zh = "产值"
name_en = "Output"
unit = "yuan"
decimals = 2
min = 0
max = "1000.5"
period = "month"
aggregation = "sum"
enterprise_level = true

[[kpi]]
code = "output"
name_zh = "产值"
name_en = "Output"
unit = "yuan"
clause = "§3"
numerator = ["output"]
target = 100
target_year = 2020
baseline_year = 2016
)";

// FNV-1a 64 of kMinimal's UTF-8 bytes, computed with an independent (Python) implementation.
constexpr std::string_view kMinimalFnv1a64 = "1a37841ab5043521";

using kpihub::testing::Replace;

std::string LoadError(std::string_view text) {
  auto r = Catalogue::FromToml(text, "cat.toml");
  EXPECT_FALSE(r.ok());
  return r.status().message();
}

TEST(CatalogueTest, MinimalCatalogueLoadsWithDefaults) {
  auto r = Catalogue::FromToml(kMinimal, "cat.toml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Catalogue& c = **r;
  EXPECT_DOUBLE_EQ(c.at_risk_tolerance(), 0.1);
  EXPECT_EQ(c.dominance_top(), 2u);  // the (n, k) rule is on unless a catalogue turns it off
  EXPECT_DOUBLE_EQ(c.dominance_share(), 0.85);
  const Indicator* i = c.FindIndicator("output");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->department, "tax");
  EXPECT_EQ(i->decimals, 2);
  EXPECT_EQ(i->max, *Decimal::Parse("1000.5").value);
  EXPECT_EQ(i->period, PeriodKind::kMonth);
  EXPECT_EQ(i->aggregation, Aggregation::kSum);
  EXPECT_TRUE(i->enterprise_level);
  EXPECT_EQ(i->clause, "");
  const Kpi* k = c.FindKpi("output");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->direction, Direction::kUp);
  EXPECT_DOUBLE_EQ(k->scale, 1.0);
  EXPECT_FALSE(k->baseline.has_value());
  EXPECT_FALSE(k->cumulative_from.has_value());
  EXPECT_TRUE(k->denominator.empty());
  EXPECT_EQ(c.FindPark("zone"), nullptr);
  EXPECT_EQ(c.FindDepartment("finance"), nullptr);
}

TEST(CatalogueTest, FingerprintIsFnv1a64OfTheText) {
  auto a = Catalogue::FromToml(kMinimal, "a.toml");
  auto b = Catalogue::FromToml(std::string(kMinimal) + "# comment\n", "a.toml");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*a)->fingerprint().size(), 16u);
  EXPECT_NE((*a)->fingerprint(), (*b)->fingerprint());
  // Same text, same fingerprint, whatever the source name.
  EXPECT_EQ((*Catalogue::FromToml(kMinimal, "b.toml"))->fingerprint(),
            (*a)->fingerprint());
  // Pins the algorithm and format: FNV-1a 64 of kMinimal, computed independently.
  EXPECT_EQ((*a)->fingerprint(), kMinimalFnv1a64);
}

TEST(CatalogueTest, ExactBoundsFromFloatsIntegersAndStrings) {
  std::string text = Replace(kMinimal, "min = 0\nmax = \"1000.5\"", "min = 0.1\nmax = 1e3");
  auto r = Catalogue::FromToml(text, "cat.toml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)->FindIndicator("output")->min.micros(), 100000);
  EXPECT_EQ((*r)->FindIndicator("output")->max, Decimal::FromInt(1000));
}

TEST(CatalogueTest, TomlSyntaxErrorsCarryLineAndColumn) {
  std::string error = LoadError("[[department]]\ncode = \"tax\"\nname_zh = \n");
  EXPECT_EQ(error.rfind("cat.toml:3:", 0), 0u) << error;
}

struct SemanticCase {
  std::string text;
  std::string expected;  // prefix: "cat.toml:<line>:<col>: <reason start>"
};

// kMinimal with one semantic mistake each, and where the error must point.
std::vector<SemanticCase> SemanticCases() {
  return {
      {Replace(kMinimal, "department = \"tax\"", "department = \"finance\""),
       "cat.toml:13:14: indicator 'output': unknown department 'finance'"},
      {Replace(kMinimal, "max = \"1000.5\"", "max = -1"),
       "cat.toml:19:7: indicator 'output': max is below min"},
      {Replace(kMinimal, "code = \"core\"", "code = \"zone\""),
       "cat.toml:7:8: park code 'zone' is reserved"},
      {Replace(kMinimal, "code = \"core\"", "code = \"Core\""),
       "cat.toml:7:8: [[park]] 'code' \"Core\" must match"},
      {Replace(kMinimal, "clause = \"§3\"\n", ""), "cat.toml:24:1: [[kpi]] needs 'clause'"},
      {Replace(kMinimal, "clause = \"§3\"", "clause = \"\""),
       "cat.toml:29:10: [[kpi]] 'clause' must not be empty"},
      {Replace(kMinimal, "numerator = [\"output\"]", "numerator = [\"output\", \"gdp\"]"),
       "cat.toml:30:24: unknown indicator 'gdp'"},
      {Replace(kMinimal, "numerator = [\"output\"]", "numerator = [\"output\", \"output\"]"),
       "cat.toml:30:24: indicator 'output' listed twice"},
      {Replace(kMinimal, "numerator = [\"output\"]", "numerator = []"),
       "cat.toml:30:13: [[kpi]] 'numerator' must not be empty"},
      {Replace(kMinimal, "decimals = 2", "decimals = 7"),
       "cat.toml:17:12: [[indicator]] 'decimals' must be between 0 and 6"},
      {Replace(kMinimal, "period = \"month\"", "period = \"week\""),
       "cat.toml:20:10: indicator 'output': period must be"},
      {Replace(kMinimal, "aggregation = \"sum\"", "aggregation = \"mean\""),
       "cat.toml:21:15: indicator 'output': aggregation"},
      {Replace(kMinimal, "aggregation = \"sum\"", "aggregation = \"last\""),
       "cat.toml:20:10: indicator 'output': an enterprise-level stock"},
      {Replace(kMinimal, "enterprise_level = true", "enterprise_level = \"yes\""),
       "cat.toml:22:20: [[indicator]] 'enterprise_level' must be"},
      {Replace(kMinimal, "max = \"1000.5\"", "max = \"1000.0000001\""),
       "cat.toml:19:7: [[indicator]] 'max' has more than 6"},
      {Replace(kMinimal, "max = \"1000.5\"", "max = \"1e3\""),
       "cat.toml:19:7: [[indicator]] 'max' is not a plain decimal"},
      {Replace(kMinimal, "baseline_year = 2016", "baseline_year = 2020"),
       "cat.toml:33:17: kpi 'output': baseline_year must be before"},
      {Replace(kMinimal, "target = 100", "target = 0"),
       "cat.toml:31:10: kpi 'output': target must be positive"},
      {Replace(kMinimal, "target = 100", "target = 100\ndirection = \"sideways\""),
       "cat.toml:32:13: kpi 'output': direction"},
      {Replace(kMinimal, "target = 100", "target = 100\ncumulative_from = 2021"),
       "cat.toml:32:19: kpi 'output': cumulative_from is after"},
      {Replace(kMinimal, "unit = \"yuan\"\ndecimals", "unit = \"yuan\"\nunits = \"x\"\ndecimals"),
       "cat.toml:17:1: [[indicator]] has unknown key 'units'"},
      {std::string(kMinimal) +
           "\n[[department]]\ncode = \"tax\"\nname_zh = \"税\"\nname_en = \"Tax\"\n",
       "cat.toml:36:8: duplicate department 'tax'"},
      {std::string(kMinimal) + "\n[rules]\nat_risk_tolerance = 1.5\n",
       "cat.toml:36:21: [rules] 'at_risk_tolerance' must be in"},
      {std::string(kMinimal) + "\n[rules]\ndominance_share = 0.3\n",
       "cat.toml:36:19: [rules] 'dominance_share' must be in [0.5, 1]"},
      {std::string(kMinimal) + "\n[extra]\nx = 1\n",
       "cat.toml:35:2: unknown top-level key 'extra'"},
      {"department_typo = 1\n" + std::string(kMinimal),
       "cat.toml:1:1: unknown top-level key 'department_typo'"},
  };
}

TEST(CatalogueTest, SemanticErrorsCarryThePositionOfTheNode) {
  const std::vector<SemanticCase> cases = SemanticCases();
  for (const SemanticCase& c : cases) {
    std::string error = LoadError(c.text);
    EXPECT_EQ(error.substr(0, c.expected.size()), c.expected) << c.text;
  }
}

TEST(CatalogueTest, EmptyCatalogueIsRefused) {
  EXPECT_EQ(LoadError(""), "cat.toml:1:1: the catalogue defines no [[department]]");
  EXPECT_EQ(LoadError("department = 3\npark = 1\nindicator = 2\n").substr(0, 12), "cat.toml:1:1");
  EXPECT_EQ(LoadError("department = []\npark = []\nindicator = []\n"),
            "cat.toml:1:14: the catalogue defines no [[department]]");
  std::string no_parks = Replace(
      kMinimal, "[[park]]\ncode = \"core\"\nname_zh = \"核心区\"\nname_en = \"Core\"\n", "");
  EXPECT_EQ(LoadError(no_parks), "cat.toml:1:1: the catalogue defines no [[park]]");
}

TEST(CatalogueTest, ShippedCatalogueLoads) {
  std::string text = ShippedCatalogueText();
  ASSERT_FALSE(text.empty());
  auto r = Catalogue::FromToml(text, "config/catalogue.toml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Catalogue& c = **r;
  EXPECT_EQ(c.departments().size(), 5u);
  for (const char* d : {"tax", "finance", "scitech", "environment"}) {
    ASSERT_NE(c.FindDepartment(d), nullptr) << d;
    EXPECT_TRUE(c.FindDepartment(d)->submit_by.has_value()) << d;
    EXPECT_FALSE(c.FindDepartment(d)->approver) << d;
  }
  ASSERT_NE(c.FindDepartment("office"), nullptr);
  EXPECT_TRUE(c.FindDepartment("office")->approver);
  EXPECT_EQ(c.FindDepartment("office")->name_zh, "领导小组办公室");
  EXPECT_EQ(c.parks().size(), 11u);
  for (const char* p : {"core", "auto_parts", "smart_mfg", "startup_center", "hpu_park", "zgc_base",
                        "tengyun", "inspection", "hq_economy", "culture_tourism", "agri_tech"}) {
    EXPECT_NE(c.FindPark(p), nullptr) << p;
  }
  std::set<std::string> kpis;
  for (const Kpi& k : c.kpis()) {
    kpis.insert(k.code);
    EXPECT_FALSE(k.clause.empty()) << k.code;
    EXPECT_EQ(k.clause.rfind("§", 0), 0u) << k.code;  // cites a clause number
    EXPECT_EQ(k.target_year, 2020) << k.code;
    EXPECT_EQ(k.baseline_year, 2016) << k.code;
    EXPECT_FALSE(k.name_zh.empty());
    for (const std::string& code : k.numerator) EXPECT_NE(c.FindIndicator(code), nullptr) << code;
    for (const std::string& code : k.denominator) EXPECT_NE(c.FindIndicator(code), nullptr) << code;
  }
  EXPECT_EQ(kpis,
            (std::set<std::string>{"industrial_output", "hitech_sei_output_share", "rd_intensity",
                                   "hightech_enterprise_share", "rd_center_coverage",
                                   "rd_institutions_prov_muni", "rd_institutions_national",
                                   "high_level_teams", "leading_talents", "accelerator_area",
                                   "new_incubation_area", "national_startup_orgs"}));
  EXPECT_EQ(c.fingerprint().size(), 16u);
}

TEST(CatalogueTest, ShippedKpisMatchThePolicy) {
  auto r = Catalogue::FromToml(ShippedCatalogueText(), "config/catalogue.toml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Catalogue& c = **r;
  EXPECT_DOUBLE_EQ(c.FindKpi("industrial_output")->target, 7.5e10);
  EXPECT_DOUBLE_EQ(c.FindKpi("hitech_sei_output_share")->target, 0.5);
  EXPECT_DOUBLE_EQ(c.FindKpi("rd_intensity")->target, 0.025);
  EXPECT_EQ(c.FindKpi("rd_intensity")->denominator, std::vector<std::string>{"gdp"});
  EXPECT_DOUBLE_EQ(c.FindKpi("hightech_enterprise_share")->target, 0.2);
  EXPECT_DOUBLE_EQ(c.FindKpi("rd_center_coverage")->target, 1.0);
  EXPECT_DOUBLE_EQ(c.FindKpi("rd_institutions_prov_muni")->target, 100);
  EXPECT_DOUBLE_EQ(c.FindKpi("rd_institutions_national")->target, 20);
  EXPECT_DOUBLE_EQ(c.FindKpi("accelerator_area")->target, 500000);
  EXPECT_DOUBLE_EQ(c.FindKpi("national_startup_orgs")->target, 5);
  for (const char* cumulative : {"high_level_teams", "leading_talents", "new_incubation_area"}) {
    EXPECT_EQ(c.FindKpi(cumulative)->cumulative_from, 2017) << cumulative;
  }
  EXPECT_FALSE(c.FindKpi("accelerator_area")->cumulative_from.has_value());
  EXPECT_EQ(c.FindKpi("rd_center_coverage")->clause, "§4");
  EXPECT_EQ(c.FindKpi("leading_talents")->clause, "§8");
  EXPECT_EQ(c.FindKpi("new_incubation_area")->clause, "§9");
  // Cross-department ratios really cross departments.
  EXPECT_EQ(c.FindIndicator("rd_expenditure")->department, "scitech");
  EXPECT_EQ(c.FindIndicator("gdp")->department, "finance");
  EXPECT_EQ(c.FindIndicator("enterprise_registered")->department, "tax");
  // Stocks take the last figure of a year, flows the sum.
  EXPECT_EQ(c.FindIndicator("accelerator_area")->aggregation, Aggregation::kLast);
  EXPECT_EQ(c.FindIndicator("new_incubation_area")->aggregation, Aggregation::kSum);
  // The §10 cap is a flag, not a bound: a subsidy above 100,000 yuan must be accepted.
  EXPECT_GT(c.FindIndicator("startup_subsidy")->max, Decimal::FromInt(100000));
  for (const char* monitored :
       {"startup_subsidy", "rd_super_deduction", "hightech_tax_relief", "special_support_fund",
        "science_tech_spending", "fiscal_expenditure", "interest_subsidy", "sewage_treated",
        "sewage_produced", "waste_harmless", "waste_collected", "env_cases_handled",
        "solar_capacity", "green_building_area"}) {
    EXPECT_NE(c.FindIndicator(monitored), nullptr) << monitored;
  }
}

}  // namespace
}  // namespace kpihub::core
