// Boundaries the rest of the suite leaves open: the small-cell threshold at and below its
// value, which reason wins when a value is both too precise and out of bounds, a KPI's scale
// factor, and a falling KPI's progress at zero and below.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "kpihub/core/catalogue.h"
#include "kpihub/core/rollup.h"
#include "kpihub/core/validation.h"
#include "kpihub/testing/source_file.h"

namespace kpihub::core {
namespace {

Decimal D(std::string_view text) { return *Decimal::Parse(text).value; }

Cell C(std::string_view indicator, std::string_view park, std::string_view period,
       std::string_view sum, uint32_t entities = 0) {
  return Cell{std::string(indicator), std::string(park), *Period::Parse(period), D(sum), entities};
}

std::shared_ptr<const Catalogue> Load(const std::string& text) {
  auto r = Catalogue::FromToml(text, "boundary.toml");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : nullptr;
}

const IndicatorYear* Year(const RollupResult& r, std::string_view indicator, std::string_view park,
                          int year) {
  for (const IndicatorYear& y : r.indicator_years) {
    if (y.indicator->code == indicator && y.park == park && y.year == year) return &y;
  }
  return nullptr;
}

const KpiFigure* Figure(const RollupResult& r, std::string_view kpi, std::string_view park,
                        int year) {
  for (const KpiFigure& f : r.kpi_figures) {
    if (f.kpi->code == kpi && f.park == park && f.year == year) return &f;
  }
  return nullptr;
}

// ---- min_cell_entities ----

class SmallCellThresholdTest : public ::testing::Test {
 protected:
  // p1 holds `entities` enterprises; p2 and p3 ten each.
  bool P1Withheld(uint32_t entities, std::optional<uint32_t> threshold) const {
    Rollup rollup(*catalogue_, threshold ? RollupOptions{*threshold} : RollupOptions{});
    rollup.Add(C("out_m", "p1", "2020-01", "100", entities));
    rollup.Add(C("out_m", "p2", "2020-01", "1000", 10));
    rollup.Add(C("out_m", "p3", "2020-01", "2000", 10));
    RollupResult r = rollup.Finish();
    const IndicatorYear* y = Year(r, "out_m", "p1", 2020);
    EXPECT_NE(y, nullptr);
    return y == nullptr || y->withheld;
  }
  std::shared_ptr<const Catalogue> catalogue_ =
      Load(kpihub::testing::SourceFile("base/core/tests/data/rollup_catalogue.toml"));
};

TEST_F(SmallCellThresholdTest, DefaultIsThreeWhenNoneIsGiven) {
  EXPECT_EQ(RollupOptions{}.min_cell_entities, 3u);
  EXPECT_FALSE(P1Withheld(3, std::nullopt));  // exactly the threshold: shown
  EXPECT_TRUE(P1Withheld(2, std::nullopt));   // one below: withheld
}

TEST_F(SmallCellThresholdTest, ACellAtTheThresholdIsShownOneBelowIsWithheld) {
  for (uint32_t threshold : {3u, 4u, 7u}) {
    EXPECT_FALSE(P1Withheld(threshold, threshold)) << threshold;
    EXPECT_TRUE(P1Withheld(threshold - 1, threshold)) << threshold;
  }
}

// ---- too_precise against out_of_bounds ----

// docs/protocol.md, "Values": precision is checked before the bounds, so a value that is both
// too precise and outside [min, max] is refused as too precise.
class ValueReasonTest : public ::testing::Test {
 protected:
  RejectReason Reason(const Observation& obs) const {
    auto result = validator_.Validate(obs.indicator == "gdp" ? "finance" : "scitech", obs, 0);
    EXPECT_TRUE(std::holds_alternative<Rejection>(result)) << obs.value;
    return std::holds_alternative<Rejection>(result) ? std::get<Rejection>(result).reason
                                                     : RejectReason::kUndecodable;
  }
  static Observation Output(double value) {  // 2 decimals, [0, 1e13]
    return Observation{"industrial_output", "auto_parts", "91350100M000100Y43", "2020-09", value,
                       ""};
  }
  static Observation Certified(double value) {  // 0 decimals, [0, 1]
    return Observation{"hightech_certified", "core", "91350100M000100Y43", "2020", value, ""};
  }
  std::shared_ptr<const Catalogue> catalogue_ =
      Load(kpihub::testing::SourceFile("config/catalogue.toml"));
  Validator validator_{*catalogue_, 1610640000};  // 2021-01-15 CST
};

TEST_F(ValueReasonTest, BelowMinAndTooPreciseIsTooPrecise) {
  EXPECT_EQ(Reason(Output(-0.005)), RejectReason::kTooPrecise);
  EXPECT_EQ(Reason(Output(-0.01)), RejectReason::kOutOfBounds);  // precise enough: the bound
  EXPECT_EQ(Reason(Certified(-0.5)), RejectReason::kTooPrecise);
}

TEST_F(ValueReasonTest, AboveMaxAndTooPreciseIsTooPrecise) {
  EXPECT_EQ(Reason(Output(1e13 + 0.125)), RejectReason::kTooPrecise);
  EXPECT_EQ(Reason(Output(1e13 + 0.25)), RejectReason::kOutOfBounds);
  EXPECT_EQ(Reason(Certified(1.5)), RejectReason::kTooPrecise);
  EXPECT_EQ(Reason(Certified(2)), RejectReason::kOutOfBounds);
}

TEST_F(ValueReasonTest, BeyondTenToTheEighteenIsOutOfBoundsNeverTooPrecise) {
  // Doubles this large are whole numbers: the magnitude is the only thing wrong with them.
  EXPECT_EQ(Reason(Output(1.5e18)), RejectReason::kOutOfBounds);
  EXPECT_EQ(Reason(Output(-std::numeric_limits<double>::max())), RejectReason::kOutOfBounds);
}

// ---- KPI scale and falling KPIs ----

const char* kKpiCatalogue = R"(
[rules]
at_risk_tolerance = 0.1

[[department]]
code = "d"
name_zh = "部门"
name_en = "Dept"

[[park]]
code = "p1"
name_zh = "一"
name_en = "One"

[[indicator]]
code = "num_y"
department = "d"
name_zh = "分子"
name_en = "Numerator"
unit = "yuan"
decimals = 2
min = "-1000000000"
max = "1000000000"
period = "year"
aggregation = "sum"
enterprise_level = false

[[indicator]]
code = "den_y"
department = "d"
name_zh = "分母"
name_en = "Denominator"
unit = "yuan"
decimals = 2
min = 0
max = "1000000000"
period = "year"
aggregation = "sum"
enterprise_level = false

[[kpi]]
code = "percent"
name_zh = "百分比"
name_en = "Percent"
unit = "percent"
clause = "§1"
numerator = ["num_y"]
denominator = ["den_y"]
scale = 100
target = 5
target_year = 2020
baseline = 0
baseline_source = "test: a line from 0"
baseline_year = 2016
park_scope = "every_park"

[[kpi]]
code = "plain"
name_zh = "比率"
name_en = "Ratio"
unit = "ratio"
clause = "§1"
numerator = ["num_y"]
denominator = ["den_y"]
target = 0.05
target_year = 2020
baseline = 0
baseline_source = "test: a line from 0"
baseline_year = 2016
park_scope = "every_park"

[[kpi]]
code = "falling"
name_zh = "下降"
name_en = "Falling"
unit = "yuan"
clause = "§2"
numerator = ["num_y"]
target = 50
target_year = 2020
baseline = 100
baseline_source = "test: stated baseline"
baseline_year = 2016
park_scope = "every_park"
direction = "down"
)";

class KpiFigureBoundaryTest : public ::testing::Test {
 protected:
  RollupResult Run(const std::vector<Cell>& cells) const {
    Rollup rollup(*catalogue_, RollupOptions{});
    for (const Cell& c : cells) rollup.Add(c);
    return rollup.Finish();
  }
  std::shared_ptr<const Catalogue> catalogue_ = Load(kKpiCatalogue);
};

TEST_F(KpiFigureBoundaryTest, ScaledKpiShowsTheScaledValueAndIsJudgedOnIt) {
  RollupResult r = Run({C("num_y", "p1", "2020", "25"), C("den_y", "p1", "2020", "1000")});
  const KpiFigure* scaled = Figure(r, "percent", "p1", 2020);
  const KpiFigure* plain = Figure(r, "plain", "p1", 2020);
  ASSERT_NE(scaled, nullptr);
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->value, 0.025);
  EXPECT_EQ(scaled->value, 2.5);  // 100 x 25 / 1000
  // Progress and status compare the scaled value with the target, which is in scaled units.
  EXPECT_DOUBLE_EQ(scaled->progress, 0.5);
  EXPECT_DOUBLE_EQ(scaled->progress, plain->progress);
  EXPECT_EQ(scaled->status, KpiStatus::kOffTrack);
  // The exact sums behind it are not scaled.
  EXPECT_EQ(scaled->numerator, D("25"));
  EXPECT_EQ(scaled->denominator, D("1000"));
}

TEST_F(KpiFigureBoundaryTest, FallingKpiAtZeroOrBelowHasProgressOneAndIsOnTrack) {
  // docs/catalogue.md: for `down`, progress = target / value, and 1 when the value is 0 or
  // below (never an infinity or a negative progress).
  for (const char* value : {"0", "-0.01", "-40"}) {
    const RollupResult r = Run({C("num_y", "p1", "2020", value)});  // outlives the pointer
    const KpiFigure* f = Figure(r, "falling", "p1", 2020);
    ASSERT_NE(f, nullptr) << value;
    EXPECT_TRUE(f->has_value) << value;
    EXPECT_EQ(f->progress, 1.0) << value;
    EXPECT_EQ(f->status, KpiStatus::kOnTrack) << value;
  }
  // Just above zero the ratio takes over: far better than the target.
  const RollupResult near_zero = Run({C("num_y", "p1", "2020", "0.01")});
  const KpiFigure* small = Figure(near_zero, "falling", "p1", 2020);
  ASSERT_NE(small, nullptr);
  EXPECT_DOUBLE_EQ(small->progress, 5000.0);
  const RollupResult at_target = Run({C("num_y", "p1", "2020", "50")});
  const KpiFigure* at = Figure(at_target, "falling", "p1", 2020);
  ASSERT_NE(at, nullptr);
  EXPECT_DOUBLE_EQ(at->progress, 1.0);
}

}  // namespace
}  // namespace kpihub::core
