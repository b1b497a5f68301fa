#include "kpihub/core/rollup.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

#include "kpihub/testing/source_file.h"

namespace kpihub::core {
namespace {

// A catalogue small enough to reason about by hand. Enterprise-level: out_m, hi_m. Park-level:
// the rest.
const std::string kCatalogue =
    kpihub::testing::SourceFile("base/core/tests/data/rollup_catalogue.toml");

Decimal D(std::string_view text) { return *Decimal::Parse(text).value; }

Cell C(std::string_view indicator, std::string_view park, std::string_view period,
       std::string_view sum, uint32_t entities = 0) {
  return Cell{std::string(indicator), std::string(park), *Period::Parse(period), D(sum), entities};
}

class RollupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = Catalogue::FromToml(kCatalogue, "rollup.toml");
    ASSERT_TRUE(r.ok()) << r.status().message();
    catalogue_ = *r;
  }

  RollupResult Run(const std::vector<Cell>& cells, uint32_t min_entities = 3) const {
    Rollup rollup(*catalogue_, RollupOptions{min_entities});
    for (const Cell& c : cells) rollup.Add(c);
    return rollup.Finish();
  }

  static const IndicatorYear* Year(const RollupResult& r, std::string_view indicator,
                                   std::string_view park, int year) {
    for (const IndicatorYear& y : r.indicator_years) {
      if (y.indicator->code == indicator && y.park == park && y.year == year) return &y;
    }
    return nullptr;
  }
  static const KpiFigure* Figure(const RollupResult& r, std::string_view kpi, std::string_view park,
                                 int year) {
    for (const KpiFigure& f : r.kpi_figures) {
      if (f.kpi->code == kpi && f.park == park && f.year == year) return &f;
    }
    return nullptr;
  }

  std::shared_ptr<const Catalogue> catalogue_;
};

TEST_F(RollupTest, SumAddsMonthsAndLastTakesTheLatestPeriod) {
  RollupResult r = Run({
      C("out_m", "p1", "2020-01", "10.5", 3),
      C("out_m", "p1", "2020-12", "5", 4),
      C("out_m", "p1", "2020-02", "20", 3),
      C("out_m", "p1", "2021-01", "1000", 3),
      C("stock_q", "p1", "2020Q1", "3"),
      C("stock_q", "p1", "2020Q3", "7"),
      C("stock_q", "p1", "2020Q2", "9"),
  });
  const IndicatorYear* out = Year(r, "out_m", "p1", 2020);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->value, D("35.5"));
  EXPECT_EQ(out->entities, 4u);  // the largest count of any month used
  EXPECT_EQ(Year(r, "out_m", "p1", 2021)->value, D("1000"));
  const IndicatorYear* stock = Year(r, "stock_q", "p1", 2020);
  ASSERT_NE(stock, nullptr);
  EXPECT_EQ(stock->value, D("7"));  // Q3 is the latest, though Q2 was added last and is larger
  EXPECT_FALSE(stock->withheld);
}

TEST_F(RollupTest, ZoneIsTheSumOfParksAfterTheTimeRule) {
  RollupResult r = Run({
      C("stock_q", "p1", "2020Q1", "5"),
      C("stock_q", "p1", "2020Q4", "6"),
      C("stock_q", "p2", "2020Q2", "10"),
      C("out_m", "p1", "2020-01", "1", 3),
      C("out_m", "p2", "2020-01", "2", 4),
      C("out_m", "p2", "2020-02", "3", 5),
  });
  // Not the latest quarter of the zone (Q4: 6) but the parks' own latest values: 6 + 10.
  EXPECT_EQ(Year(r, "stock_q", "zone", 2020)->value, D("16"));
  const IndicatorYear* zone = Year(r, "out_m", "zone", 2020);
  ASSERT_NE(zone, nullptr);
  EXPECT_EQ(zone->value, D("6"));
  EXPECT_EQ(zone->entities, 8u);                       // 3 + 5
  EXPECT_EQ(Year(r, "stock_q", "p3", 2020), nullptr);  // no data, no figure
}

TEST_F(RollupTest, RatioIsSumOverSumNeverMeanOfRatios) {
  // p1: 1/100 = 0.01, p2: 9/10 = 0.9. Mean of ratios 0.455; the true zone ratio is 10/110.
  RollupResult r = Run({
      C("num_y", "p1", "2020", "1"),
      C("den_y", "p1", "2020", "100"),
      C("num_y", "p2", "2020", "9"),
      C("den_y", "p2", "2020", "10"),
  });
  const KpiFigure* zone = Figure(r, "intensity", "zone", 2020);
  ASSERT_NE(zone, nullptr);
  ASSERT_TRUE(zone->has_value);
  EXPECT_DOUBLE_EQ(zone->value, 10.0 / 110.0);
  EXPECT_NE(zone->value, (0.01 + 0.9) / 2);
  EXPECT_EQ(zone->numerator, D("10"));
  EXPECT_EQ(zone->denominator, D("110"));
  EXPECT_DOUBLE_EQ(Figure(r, "intensity", "p1", 2020)->value, 0.01);

  // Over months too: Jan 1/1, Feb 1/9. Mean of monthly ratios 0.5556; the year is 2/10.
  RollupResult months = Run({
      C("hi_m", "p1", "2020-01", "1", 3),
      C("out_m", "p1", "2020-01", "1", 3),
      C("hi_m", "p1", "2020-02", "1", 3),
      C("out_m", "p1", "2020-02", "9", 3),
  });
  EXPECT_DOUBLE_EQ(Figure(months, "share", "p1", 2020)->value, 0.2);
}

TEST_F(RollupTest, RatioWithoutDenominatorHasNoValue) {
  RollupResult r = Run({
      C("num_y", "p1", "2020", "1"),                                 // denominator missing
      C("num_y", "p2", "2020", "1"), C("den_y", "p2", "2020", "0"),  // denominator zero
      C("den_y", "p3", "2020", "50"),                                // no numerator: no figure
  });
  for (const char* park : {"p1", "p2"}) {
    const KpiFigure* f = Figure(r, "intensity", park, 2020);
    ASSERT_NE(f, nullptr) << park;
    EXPECT_FALSE(f->has_value) << park;
    EXPECT_EQ(f->status, KpiStatus::kNoData) << park;
    EXPECT_EQ(f->progress, 0) << park;
  }
  EXPECT_EQ(Figure(r, "intensity", "p3", 2020), nullptr);
  // The zone has numerator 2 over denominator 50 (p2's 0 and p3's 50).
  EXPECT_DOUBLE_EQ(Figure(r, "intensity", "zone", 2020)->value, 0.04);
}

TEST_F(RollupTest, CumulativeKpiSumsFromItsStartYear) {
  RollupResult r = Run({
      C("flow_y", "p1", "2016", "5"),
      C("flow_y", "p1", "2017", "2"),
      C("flow_y", "p1", "2018", "3"),
      C("flow_y", "p1", "2020", "4"),
      C("flow_y", "p2", "2018", "1"),
  });
  EXPECT_EQ(Figure(r, "teams", "p1", 2016), nullptr);  // before the window opens
  EXPECT_DOUBLE_EQ(Figure(r, "teams", "p1", 2017)->value, 2);
  EXPECT_DOUBLE_EQ(Figure(r, "teams", "p1", 2018)->value, 5);
  EXPECT_EQ(Figure(r, "teams", "p1", 2019), nullptr);          // no data reported that year
  EXPECT_DOUBLE_EQ(Figure(r, "teams", "p1", 2020)->value, 9);  // 2 + 3 + 4, not the 2016 figure
  EXPECT_DOUBLE_EQ(Figure(r, "teams", "zone", 2018)->value, 6);
  // The non-cumulative KPI on the same indicator takes the year alone.
  EXPECT_DOUBLE_EQ(Figure(r, "cases", "p1", 2020)->value, 4);
  EXPECT_NE(Figure(r, "cases", "p1", 2016), nullptr);
}

TEST_F(RollupTest, SmallCellsAreWithheldWithOneComplement) {
  RollupResult r = Run({
      C("out_m", "p1", "2020-01", "100", 1),  // one enterprise: its own figure
      C("out_m", "p2", "2020-01", "500", 5),
      C("out_m", "p3", "2020-01", "900", 4),  // fewest enterprises among the rest
      C("hi_m", "p1", "2020-01", "10", 1),
      C("hi_m", "p2", "2020-01", "50", 5),
      C("hi_m", "p3", "2020-01", "90", 4),
  });
  EXPECT_TRUE(Year(r, "out_m", "p1", 2020)->withheld);
  EXPECT_TRUE(Year(r, "out_m", "p3", 2020)->withheld);  // else zone - p2 - p3 = p1
  EXPECT_FALSE(Year(r, "out_m", "p2", 2020)->withheld);
  const IndicatorYear* zone = Year(r, "out_m", "zone", 2020);
  EXPECT_FALSE(zone->withheld);
  EXPECT_EQ(zone->value, D("1500"));
  // KPI figures built on withheld cells are withheld too; the zone's are not.
  EXPECT_TRUE(Figure(r, "share", "p1", 2020)->withheld);
  EXPECT_TRUE(Figure(r, "share", "p3", 2020)->withheld);
  EXPECT_FALSE(Figure(r, "share", "p2", 2020)->withheld);
  EXPECT_FALSE(Figure(r, "share", "zone", 2020)->withheld);
  EXPECT_DOUBLE_EQ(Figure(r, "share", "zone", 2020)->value, 0.1);
}

TEST_F(RollupTest, ComplementTiesBreakOnParkOrderNeverOnValue) {
  // p2 and p3 hold as many enterprises: the catalogue's order (p1, p2, p3) picks p2 whichever
  // is smaller, so which park is hidden says nothing about the values.
  for (const char* p2_value : {"700", "100"}) {
    RollupResult r = Run({
        C("out_m", "p1", "2020-01", "100", 2),
        C("out_m", "p2", "2020-01", p2_value, 4),
        C("out_m", "p3", "2020-01", "300", 4),
    });
    EXPECT_TRUE(Year(r, "out_m", "p1", 2020)->withheld) << p2_value;
    EXPECT_TRUE(Year(r, "out_m", "p2", 2020)->withheld) << p2_value;
    EXPECT_FALSE(Year(r, "out_m", "p3", 2020)->withheld) << p2_value;
  }
}

TEST_F(RollupTest, OneSmallMonthWithholdsTheWholeYear) {
  // p1's year holds 5 enterprises, but January only 1: were the year shown with February,
  // the year minus February would be January's one enterprise.
  RollupResult r = Run({
      C("out_m", "p1", "2020-01", "100", 1), C("out_m", "p1", "2020-02", "100", 5),
      C("out_m", "p2", "2020-01", "500", 5), C("out_m", "p2", "2020-02", "500", 5),
      C("out_m", "p3", "2020-01", "900", 6), C("out_m", "p3", "2020-02", "900", 6),
  });
  EXPECT_TRUE(Year(r, "out_m", "p1", 2020)->withheld);
  EXPECT_TRUE(Year(r, "out_m", "p2", 2020)->withheld);  // the complement
  EXPECT_FALSE(Year(r, "out_m", "p3", 2020)->withheld);
  const Indicator& out_m = *catalogue_->FindIndicator("out_m");
  EXPECT_FALSE(r.Publishable(out_m, "p1", 2020));
  EXPECT_FALSE(r.Publishable(out_m, "p2", 2020));
  EXPECT_TRUE(r.Publishable(out_m, "p3", 2020));
  EXPECT_FALSE(r.Publishable(out_m, "p3", 2019));  // never folded: nothing vetted it
  EXPECT_TRUE(r.Publishable(*catalogue_->FindIndicator("stock_q"), "p3", 2019));
}

// The (n, k) rule with the catalogue's defaults: a park of five enterprises where two hold
// more than 85 % is withheld like a small cell; figures not given count as dominated.
TEST_F(RollupTest, DominatedCellsAreWithheldByTheNKRule) {
  std::string text = kCatalogue;
  const std::string off = "dominance_share = 1\n";
  ASSERT_NE(text.find(off), std::string::npos);
  text.replace(text.find(off), off.size(), "dominance_top = 2\ndominance_share = 0.85\n");
  auto loaded = Catalogue::FromToml(text, "dominance.toml");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  struct Park {
    const char* code;
    std::vector<const char*> figures;
  };
  auto run = [&](const std::vector<Park>& parks) {
    Rollup rollup(**loaded, RollupOptions{3});
    for (const Park& p : parks) {
      Decimal sum;
      for (const char* f : p.figures) {
        rollup.AddEnterpriseFigure("out_m", p.code, *Period::Parse("2020-01"), D(f));
        sum += D(f);
      }
      rollup.Add(Cell{"out_m", p.code, *Period::Parse("2020-01"), sum,
                      static_cast<uint32_t>(p.figures.size())});
    }
    return rollup.Finish();
  };
  // p1: 95 + 1 of 99 = 97 %: dominated although five enterprises. p2 (fewest left) goes too.
  RollupResult r = run({{"p1", {"95", "1", "1", "1", "1"}},
                        {"p2", {"10", "10", "10", "10"}},
                        {"p3", {"10", "10", "10", "10", "10"}}});
  EXPECT_TRUE(Year(r, "out_m", "p1", 2020)->withheld);
  EXPECT_TRUE(Year(r, "out_m", "p2", 2020)->withheld);
  EXPECT_FALSE(Year(r, "out_m", "p3", 2020)->withheld);
  // Exactly at the share is not above it: 85 of 100 by the top two is shown.
  RollupResult at = run({{"p1", {"45", "40", "5", "5", "5"}},
                         {"p2", {"10", "10", "10", "10"}}});
  EXPECT_FALSE(Year(at, "out_m", "p1", 2020)->withheld);
  // Negative figures weigh by their size.
  RollupResult negative = run({{"p1", {"-95", "1", "1", "1", "1"}},
                               {"p2", {"10", "10", "10", "10"}},
                               {"p3", {"10", "10", "10", "10", "10"}}});
  EXPECT_TRUE(Year(negative, "out_m", "p1", 2020)->withheld);
  // A cell whose enterprise figures were never given cannot be shown safe.
  Rollup cells_only(**loaded, RollupOptions{3});
  cells_only.Add(C("out_m", "p1", "2020-01", "100", 5));
  EXPECT_TRUE(cells_only.Finish().indicator_years.front().withheld);
}

TEST_F(RollupTest, WithheldFiguresCarryNothingButConfidentialKeepsThem) {
  const std::vector<Cell> cells = {
      C("out_m", "p1", "2020-01", "100", 1), C("out_m", "p2", "2020-01", "500", 5),
      C("out_m", "p3", "2020-01", "900", 4), C("hi_m", "p1", "2020-01", "10", 1),
      C("hi_m", "p2", "2020-01", "50", 5), C("hi_m", "p3", "2020-01", "90", 4)};
  RollupResult r = Run(cells);
  const KpiFigure* f = Figure(r, "share", "p1", 2020);
  ASSERT_TRUE(f->withheld);
  EXPECT_FALSE(f->has_value);
  EXPECT_EQ(f->value, 0);
  EXPECT_EQ(f->progress, 0);
  EXPECT_EQ(f->numerator, Decimal());
  EXPECT_EQ(f->denominator, Decimal());
  EXPECT_EQ(f->status, KpiStatus::kNoData);
  EXPECT_EQ(Year(r, "out_m", "p1", 2020)->value, Decimal());
  EXPECT_EQ(Year(r, "out_m", "p1", 2020)->entities, 0u);
  EXPECT_EQ(Year(r, "out_m", "zone", 2020)->value, D("1500"));  // the zone is summed first

  Rollup confidential(*catalogue_, RollupOptions{3, /*confidential=*/true});
  for (const Cell& c : cells) confidential.Add(c);
  RollupResult kept = confidential.Finish();
  const KpiFigure* k = Figure(kept, "share", "p1", 2020);
  ASSERT_TRUE(k->withheld);
  EXPECT_TRUE(k->has_value);
  EXPECT_EQ(k->numerator, D("10"));
  EXPECT_EQ(k->denominator, D("100"));
  EXPECT_EQ(Year(kept, "out_m", "p1", 2020)->value, D("100"));
}

TEST_F(RollupTest, NoComplementWhenTwoAreWithheldOrForParkLevel) {
  RollupResult two = Run({
      C("out_m", "p1", "2020-01", "100", 1),
      C("out_m", "p2", "2020-01", "200", 2),
      C("out_m", "p3", "2020-01", "300", 3),
  });
  EXPECT_TRUE(Year(two, "out_m", "p1", 2020)->withheld);
  EXPECT_TRUE(Year(two, "out_m", "p2", 2020)->withheld);
  EXPECT_FALSE(Year(two, "out_m", "p3", 2020)->withheld);  // at the threshold: shown
  // Park-level figures are not confidential, whatever their (zero) enterprise count.
  RollupResult park_level =
      Run({C("stock_q", "p1", "2020Q1", "3"), C("stock_q", "p2", "2020Q1", "4")});
  EXPECT_FALSE(Year(park_level, "stock_q", "p1", 2020)->withheld);
  EXPECT_FALSE(Year(park_level, "stock_q", "p2", 2020)->withheld);
  // Suppression is per year: 2021 has enough enterprises everywhere.
  RollupResult years =
      Run({C("out_m", "p1", "2020-01", "1", 1), C("out_m", "p2", "2020-01", "1", 3),
           C("out_m", "p1", "2021-01", "1", 3), C("out_m", "p2", "2021-01", "1", 3)});
  EXPECT_TRUE(Year(years, "out_m", "p2", 2020)->withheld);
  EXPECT_FALSE(Year(years, "out_m", "p1", 2021)->withheld);
  EXPECT_FALSE(Year(years, "out_m", "p2", 2021)->withheld);
  // One park alone cannot be hidden behind the others: the zone total goes too.
  RollupResult alone = Run({C("out_m", "p1", "2020-01", "9", 2)});
  EXPECT_TRUE(Year(alone, "out_m", "p1", 2020)->withheld);
  EXPECT_TRUE(Year(alone, "out_m", "zone", 2020)->withheld);
  EXPECT_TRUE(Figure(alone, "share", "zone", 2020) == nullptr ||
              Figure(alone, "share", "zone", 2020)->withheld);
  // Two withheld parks holding too few enterprises together take a third one with them.
  RollupResult pair = Run({C("out_m", "p1", "2020-01", "1", 1), C("out_m", "p2", "2020-01", "1", 1),
                           C("out_m", "p3", "2020-01", "1", 8)});
  EXPECT_TRUE(Year(pair, "out_m", "p3", 2020)->withheld);
  EXPECT_FALSE(Year(pair, "out_m", "zone", 2020)->withheld);  // 10 enterprises: shown
  // The threshold is an option.
  EXPECT_FALSE(Year(Run({C("out_m", "p1", "2020-01", "1", 1)}, 1), "out_m", "p1", 2020)->withheld);
}

TEST_F(RollupTest, StatusAgainstTheStraightLine) {
  // stock: 0 at 2016 (a stated baseline, the zone's) -> 100 at 2020, so 2018 expects 50;
  // at-risk band down to 45.
  auto status = [&](std::string_view value) {
    RollupResult r = Run({C("stock_q", "p1", "2018Q4", value)});
    return *Figure(r, "stock", "zone", 2018);
  };
  KpiFigure on = status("50");
  EXPECT_EQ(on.status, KpiStatus::kOnTrack);
  EXPECT_DOUBLE_EQ(on.expected, 0.5);
  EXPECT_DOUBLE_EQ(on.progress, 0.5);
  EXPECT_EQ(status("46").status, KpiStatus::kAtRisk);
  EXPECT_EQ(status("45").status, KpiStatus::kAtRisk);
  EXPECT_EQ(status("44").status, KpiStatus::kOffTrack);
  // After the year due the target itself judges; up to the baseline year nothing is judged.
  RollupResult late = Run({C("stock_q", "p1", "2022Q1", "99")});
  EXPECT_DOUBLE_EQ(Figure(late, "stock", "zone", 2022)->expected, 1.0);
  EXPECT_EQ(Figure(late, "stock", "zone", 2022)->status, KpiStatus::kAtRisk);
  for (const char* period : {"2015Q1", "2016Q4"}) {
    RollupResult early = Run({C("stock_q", "p1", period, "0")});
    const KpiFigure& f = *Figure(early, "stock", "zone", std::stoi(period));
    EXPECT_EQ(f.status, KpiStatus::kNotJudged) << period;
    EXPECT_EQ(f.not_judged, NotJudgedReason::kBaselinePeriod) << period;
    EXPECT_EQ(f.expected, 0.0) << period;
  }
}

TEST_F(RollupTest, RatioTargetIsMetExactlyAtTheTargetYear) {
  // 25 / 1000 = 0.025 exactly the target: on track, progress 1.
  RollupResult r = Run({C("num_y", "p1", "2020", "25"), C("den_y", "p1", "2020", "1000")});
  const KpiFigure* f = Figure(r, "intensity", "p1", 2020);
  EXPECT_EQ(f->value, 0.025);
  EXPECT_EQ(f->expected, 1.0);
  EXPECT_EQ(f->status, KpiStatus::kOnTrack);
  EXPECT_DOUBLE_EQ(f->progress, 1.0);
}

TEST_F(RollupTest, FallingKpiMirrorsTheBands) {
  // cases: 100 at 2016 -> 50 at 2020, so 2018 expects 75; at risk up to 82.5.
  auto figure = [&](std::string_view value) {
    return *Figure(Run({C("flow_y", "p1", "2018", value)}), "cases", "zone", 2018);
  };
  EXPECT_EQ(figure("75").status, KpiStatus::kOnTrack);
  EXPECT_EQ(figure("60").status, KpiStatus::kOnTrack);
  EXPECT_EQ(figure("82").status, KpiStatus::kAtRisk);
  EXPECT_EQ(figure("83").status, KpiStatus::kOffTrack);
  EXPECT_DOUBLE_EQ(figure("75").progress, 50.0 / 75.0);
  EXPECT_DOUBLE_EQ(figure("75").expected, 1.5);
}

TEST_F(RollupTest, IgnoresUnknownIndicatorsParksAndForeignPeriodKinds) {
  RollupResult r = Run({
      C("dropped", "p1", "2020", "1"),
      C("out_m", "gone", "2020-01", "1", 5),
      C("out_m", "zone", "2020-01", "1", 5),
      C("out_m", "p1", "2020Q1", "1", 5),
      C("out_m", "p1", "2020-03", "2", 5),
  });
  ASSERT_EQ(r.indicator_years.size(), 2u);  // p1 and zone, from 2020-03 only
  EXPECT_EQ(Year(r, "out_m", "p1", 2020)->value, D("2"));
  EXPECT_EQ(Year(r, "out_m", "zone", 2020)->value, D("2"));
}

TEST_F(RollupTest, OutputsAreSorted) {
  RollupResult r = Run({C("stock_q", "p2", "2021Q1", "1"), C("out_m", "p3", "2020-01", "1", 9),
                        C("stock_q", "p1", "2020Q1", "1"), C("stock_q", "p1", "2019Q1", "1"),
                        C("hi_m", "p1", "2020-01", "1", 9)});
  EXPECT_TRUE(std::is_sorted(r.indicator_years.begin(), r.indicator_years.end(),
                             [](const IndicatorYear& a, const IndicatorYear& b) {
                               return std::tie(a.indicator->code, a.park, a.year) <
                                      std::tie(b.indicator->code, b.park, b.year);
                             }));
  EXPECT_TRUE(std::is_sorted(
      r.kpi_figures.begin(), r.kpi_figures.end(), [](const KpiFigure& a, const KpiFigure& b) {
        return std::tie(a.kpi->code, a.park, a.year) < std::tie(b.kpi->code, b.park, b.year);
      }));
  EXPECT_EQ(r.indicator_years.front().indicator->code, "hi_m");
  EXPECT_EQ(KpiStatusName(KpiStatus::kAtRisk), "at_risk");
  EXPECT_EQ(KpiStatusName(KpiStatus::kNoData), "no_data");
}

// ---- Order independence of the rollup ----
// The store's merge (cells depend only on the final figures, whatever the arrival order,
// batching and revisions) is checked on the real store in
// daemon/store/tests/order_property_test.cc. Here: given the same cells, the rollup's results
// do not depend on the order the cells are added in.

// Every field of the results, compared exactly (doubles bit for bit).
void ExpectIdentical(const RollupResult& a, const RollupResult& b) {
  ASSERT_EQ(a.indicator_years.size(), b.indicator_years.size());
  for (size_t i = 0; i < a.indicator_years.size(); ++i) {
    const IndicatorYear& x = a.indicator_years[i];
    const IndicatorYear& y = b.indicator_years[i];
    EXPECT_EQ(std::tie(x.indicator, x.park, x.year, x.value, x.entities, x.withheld),
              std::tie(y.indicator, y.park, y.year, y.value, y.entities, y.withheld));
  }
  ASSERT_EQ(a.kpi_figures.size(), b.kpi_figures.size());
  for (size_t i = 0; i < a.kpi_figures.size(); ++i) {
    const KpiFigure& x = a.kpi_figures[i];
    const KpiFigure& y = b.kpi_figures[i];
    EXPECT_EQ(std::tie(x.kpi, x.park, x.year, x.has_value, x.withheld, x.numerator, x.denominator,
                       x.status),
              std::tie(y.kpi, y.park, y.year, y.has_value, y.withheld, y.numerator, y.denominator,
                       y.status));
    EXPECT_EQ(std::memcmp(&x.value, &y.value, sizeof(double)), 0);
    EXPECT_EQ(std::memcmp(&x.progress, &y.progress, sizeof(double)), 0);
    EXPECT_EQ(std::memcmp(&x.expected, &y.expected, sizeof(double)), 0);
  }
}

// Every order of a few cells that interact: withholding and its complement across parks,
// the zone total, a ratio, a stock whose latest quarter counts, and a falling flow.
TEST_F(RollupTest, SameCellsGiveIdenticalResultsInEveryOrderTheyAreAdded) {
  std::vector<Cell> cells = {
      C("out_m", "p1", "2020-01", "10", 1), C("out_m", "p2", "2020-02", "20", 4),
      C("out_m", "p3", "2020-03", "30", 5), C("num_y", "p1", "2020", "25"),
      C("den_y", "p1", "2020", "1000"),     C("stock_q", "p2", "2020Q3", "7.25"),
      C("stock_q", "p2", "2020Q1", "9"),    C("flow_y", "p3", "2018", "75")};
  const RollupResult expected = Run(cells);
  ASSERT_FALSE(expected.kpi_figures.empty());
  ASSERT_TRUE(Year(expected, "out_m", "p1", 2020)->withheld);  // the orders must matter to it
  std::vector<size_t> order(cells.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  int permutations = 0;
  do {
    std::vector<Cell> permuted;
    for (size_t i : order) permuted.push_back(cells[i]);
    ASSERT_NO_FATAL_FAILURE(ExpectIdentical(Run(permuted), expected));
    if (HasFailure()) break;
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(permutations, 40320);  // 8!
}

// Many cells with cents and large values, in random orders.
TEST_F(RollupTest, SameCellsGiveIdenticalResultsInRandomOrders) {
  std::mt19937 rng(63);  // fixed: the cells and orders are the same on every run
  auto amount = [&rng] {
    return Decimal::FromMicros(
        static_cast<__int128>(std::uniform_int_distribution<int64_t>(0, 5000000000)(rng)) * 10000);
  };
  std::vector<Cell> cells;
  for (const std::string park : {"p1", "p2", "p3"}) {
    for (int month = 1; month <= 12; month += 1 + static_cast<int>(rng() % 3)) {
      char period[32];
      std::snprintf(period, sizeof period, "2020-%02d", month);
      const uint32_t entities = static_cast<uint32_t>(rng() % 7);
      cells.push_back(Cell{"out_m", park, *Period::Parse(period), amount(), entities});
      cells.push_back(Cell{"hi_m", park, *Period::Parse(period), amount(), entities});
    }
    for (const char* period : {"2020Q1", "2020Q3"}) {
      cells.push_back(Cell{"stock_q", park, *Period::Parse(period), amount(), 0});
    }
    cells.push_back(Cell{"num_y", park, *Period::Parse("2020"), amount(), 0});
    cells.push_back(Cell{"den_y", park, *Period::Parse("2020"), amount(), 0});
    cells.push_back(Cell{"flow_y", park, *Period::Parse("2018"), Decimal::FromInt(rng() % 5), 0});
    cells.push_back(Cell{"flow_y", park, *Period::Parse("2019"), Decimal::FromInt(rng() % 5), 0});
  }
  const RollupResult expected = Run(cells);
  ASSERT_FALSE(expected.kpi_figures.empty());
  for (int trial = 0; trial < 50; ++trial) {
    std::shuffle(cells.begin(), cells.end(), rng);
    ASSERT_NO_FATAL_FAILURE(ExpectIdentical(Run(cells), expected));
  }
}

}  // namespace
}  // namespace kpihub::core
