// What a status means (docs/catalogue.md, "Judgement"): which target judges which level,
// where the straight line starts, deadlines, and the yes/no milestones.
#include <gtest/gtest.h>

#include "kpihub/core/milestone.h"
#include "kpihub/core/rollup.h"
#include "kpihub/testing/source_file.h"

namespace kpihub::core {
namespace {

const std::string kCatalogue =
    kpihub::testing::SourceFile("base/core/tests/data/judgement_catalogue.toml");
using kpihub::testing::Replace;

std::shared_ptr<const Catalogue> Load(std::string_view text) {
  auto r = Catalogue::FromToml(text, "cat.toml");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : nullptr;
}

std::string Error(const std::string& text) {
  auto r = Catalogue::FromToml(text, "cat.toml");
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.status().message();
}

class JudgementTest : public ::testing::Test {
 protected:
  // (indicator, park, year, value) as park-level cells.
  RollupResult Run(const std::vector<std::tuple<const char*, const char*, int, const char*>>& rows) {
    Rollup rollup(*catalogue_, RollupOptions{});
    for (const auto& [indicator, park, year, value] : rows) {
      rollup.Add(Cell{indicator, park, Period{PeriodKind::kYear, year, 0},
                      *Decimal::Parse(value).value, 0});
    }
    return rollup.Finish();
  }
  static const KpiFigure& Figure(const RollupResult& r, const std::string& kpi,
                                 const std::string& park, int year) {
    for (const KpiFigure& f : r.kpi_figures) {
      if (f.kpi->code == kpi && f.park == park && f.year == year) return f;
    }
    static const KpiFigure kMissing;
    ADD_FAILURE() << "no figure " << kpi << " " << park << " " << year;
    return kMissing;
  }
  std::shared_ptr<const Catalogue> catalogue_ = Load(kCatalogue);
};

TEST_F(JudgementTest, CatalogueReadsStrengthDeadlineScopeAndParkTargets) {
  ASSERT_NE(catalogue_, nullptr);
  const Kpi& output = *catalogue_->FindKpi("output");
  EXPECT_EQ(output.strength, Strength::kBinding);
  EXPECT_FALSE(output.every_park);
  ASSERT_EQ(output.park_targets.size(), 1u);
  EXPECT_EQ(output.FindParkTarget("p2")->target, 300);
  EXPECT_EQ(output.FindParkTarget("p2")->baseline_source, "zone plan 2017");
  EXPECT_EQ(output.FindParkTarget("p1"), nullptr);
  const Kpi& share = *catalogue_->FindKpi("share");
  EXPECT_EQ(share.strength, Strength::kStrive);
  EXPECT_EQ(StrengthZh(share.strength), "力争");
  EXPECT_TRUE(share.every_park);
  const Kpi& added = *catalogue_->FindKpi("added");
  EXPECT_EQ(added.due_year(), 2019);
  EXPECT_EQ(DeadlineZh(added.target_year, added.deadline), "2020年之前");
  EXPECT_EQ(DeadlineZh(output.target_year, output.deadline), "到2020年");
  ASSERT_EQ(catalogue_->milestones().size(), 2u);
  EXPECT_EQ(catalogue_->FindMilestone("zone_title")->park, "zone");
  EXPECT_EQ(catalogue_->FindMilestone("park_title")->due_year(), 2019);
}

TEST_F(JudgementTest, BadJudgementKeysAreRefusedWithTheirPosition) {
  EXPECT_NE(Error(Replace(kCatalogue, "park = \"p2\"", "park = \"p9\"")).find("unknown park 'p9'"),
            std::string::npos);
  EXPECT_NE(Error(Replace(kCatalogue, "baseline_source = \"zone plan 2017\"\n", ""))
                .find("a stated baseline needs its baseline_source"),
            std::string::npos);
  EXPECT_NE(Error(Replace(kCatalogue, "strength = \"strive\"\npark_scope", "strength = \"maybe\"\npark_scope"))
                .find("strength must be binding (达到) or strive (力争)"),
            std::string::npos);
  EXPECT_NE(Error(Replace(kCatalogue, "park_scope = \"every_park\"", "park_scope = \"parks\""))
                .find("park_scope must be zone"),
            std::string::npos);
  EXPECT_NE(Error(Replace(kCatalogue, "code = \"zone_title\"", "code = \"out\"")).find("an indicator has this code already"),
            std::string::npos);
  EXPECT_NE(Error(Replace(kCatalogue, "park = \"p1\"\ntarget_year", "park = \"p7\"\ntarget_year"))
                .find("milestone 'park_title': unknown park 'p7'"),
            std::string::npos);
  // The year due must leave a span after the baseline year for the straight line.
  EXPECT_NE(Error(Replace(kCatalogue, "target = 900\ntarget_year = 2020", "target = 900\ntarget_year = 2017"))
                .find("the year due (2016) must be after baseline_year"),
            std::string::npos);
  EXPECT_EQ(Error(Replace(kCatalogue, "[[kpi.park_target]]\npark = \"p2\"", "[[kpi.park_target]]\npark = \"p2\"\ncolour = 1"))
                .find("cat.toml:"), 0u);
}

TEST_F(JudgementTest, AParkIsNotJudgedAgainstTheZonesTargetButShownWithItsShare) {
  RollupResult r = Run({{"out", "p1", 2020, "600"}, {"out", "p2", 2020, "200"}});
  const KpiFigure& p1 = Figure(r, "output", "p1", 2020);
  EXPECT_EQ(p1.status, KpiStatus::kNotJudged);
  EXPECT_EQ(p1.not_judged, NotJudgedReason::kNoParkTarget);
  EXPECT_FALSE(p1.target.has_value());
  EXPECT_EQ(p1.progress, 0);
  EXPECT_DOUBLE_EQ(*p1.share_of_zone, 0.75);  // 600 of 800
  EXPECT_DOUBLE_EQ(*p1.contribution, 0.6);    // 600 of the zone's 1000
  // p2 has its own target (300, from a stated 100 in 2016): 200 in 2020 is off track.
  const KpiFigure& p2 = Figure(r, "output", "p2", 2020);
  EXPECT_EQ(*p2.target, 300);
  EXPECT_EQ(p2.baseline_source, BaselineSource::kCatalogue);
  EXPECT_EQ(p2.status, KpiStatus::kOffTrack);
  EXPECT_FALSE(p2.share_of_zone.has_value());
  // The zone: 800 of 1000 in the year due, off track.
  const KpiFigure& zone = Figure(r, "output", "zone", 2020);
  EXPECT_EQ(*zone.target, 1000);
  EXPECT_EQ(zone.status, KpiStatus::kOffTrack);
  EXPECT_DOUBLE_EQ(zone.progress, 0.8);
}

TEST_F(JudgementTest, WithoutABaselineOnlyTheYearDueIsJudged) {
  RollupResult r = Run({{"out", "p1", 2018, "100"}, {"out", "p1", 2020, "1000"}});
  const KpiFigure& mid = Figure(r, "output", "zone", 2018);
  EXPECT_EQ(mid.status, KpiStatus::kNotJudged);  // never "on track" by default
  EXPECT_EQ(mid.not_judged, NotJudgedReason::kNoBaseline);
  EXPECT_EQ(mid.baseline_source, BaselineSource::kNone);
  EXPECT_EQ(mid.expected, 0);
  EXPECT_DOUBLE_EQ(mid.progress, 0.1);  // progress against the target still shows
  const KpiFigure& due = Figure(r, "output", "zone", 2020);
  EXPECT_EQ(due.status, KpiStatus::kOnTrack);
  EXPECT_EQ(due.expected, 1.0);
}

TEST_F(JudgementTest, ABaselineFedAsDataStartsTheLine) {
  // 2016 = 200 from data: 2018 expects 200 + (1000 - 200) / 2 = 600.
  auto at_2018 = [&](const char* value) {
    RollupResult r = Run({{"out", "p1", 2016, "200"}, {"out", "p1", 2018, value}});
    return Figure(r, "output", "zone", 2018);
  };
  KpiFigure on = at_2018("600");
  EXPECT_EQ(on.baseline_source, BaselineSource::kData);
  EXPECT_EQ(*on.baseline, 200);
  EXPECT_EQ(on.expected_value, 600);
  EXPECT_DOUBLE_EQ(on.expected, 0.6);
  EXPECT_EQ(on.status, KpiStatus::kOnTrack);
  EXPECT_EQ(at_2018("540").status, KpiStatus::kAtRisk);
  EXPECT_EQ(at_2018("539").status, KpiStatus::kOffTrack);
  // The baseline year itself is the start, not judged.
  RollupResult r = Run({{"out", "p1", 2016, "200"}});
  EXPECT_EQ(Figure(r, "output", "zone", 2016).not_judged, NotJudgedReason::kBaselinePeriod);
}

TEST_F(JudgementTest, EveryParkIsJudgedOnItsOwnLineFromItsOwnBaseline) {
  // p1: 0.1 in 2016 -> 0.5 in 2020: 2018 expects 0.3. p2 has no 2016 figure: not judged in 2018.
  RollupResult r = Run({{"hi", "p1", 2016, "10"}, {"out", "p1", 2016, "100"},
                        {"hi", "p1", 2018, "30"}, {"out", "p1", 2018, "100"},
                        {"hi", "p2", 2018, "90"}, {"out", "p2", 2018, "100"}});
  const KpiFigure& p1 = Figure(r, "share", "p1", 2018);
  EXPECT_EQ(*p1.target, 0.5);
  EXPECT_DOUBLE_EQ(*p1.baseline, 0.1);
  EXPECT_DOUBLE_EQ(p1.expected_value, 0.3);
  EXPECT_EQ(p1.status, KpiStatus::kOnTrack);
  const KpiFigure& p2 = Figure(r, "share", "p2", 2018);
  EXPECT_EQ(p2.status, KpiStatus::kNotJudged);
  EXPECT_EQ(p2.not_judged, NotJudgedReason::kNoBaseline);
  // The zone's 2016 figure is p1's alone (10 / 100); its 2018 figure is 120 / 200.
  const KpiFigure& zone = Figure(r, "share", "zone", 2018);
  EXPECT_DOUBLE_EQ(*zone.baseline, 0.1);
  EXPECT_EQ(zone.status, KpiStatus::kOnTrack);
}

TEST_F(JudgementTest, BeforeDeadlineJudgesTheYearBeforeAndCumulativeStartsAtZero) {
  // added: cumulative from 2017, due 2019 (2020年之前): 2018 expects 900 x 2/3 = 600.
  RollupResult r = Run({{"out", "p1", 2017, "300"}, {"out", "p1", 2018, "250"},
                        {"out", "p1", 2019, "340"}});
  const KpiFigure& y2018 = Figure(r, "added", "zone", 2018);
  EXPECT_EQ(y2018.baseline_source, BaselineSource::kCumulative);
  EXPECT_DOUBLE_EQ(y2018.expected_value, 600);
  EXPECT_EQ(y2018.status, KpiStatus::kAtRisk);  // 550 within 10 % below 600
  const KpiFigure& y2019 = Figure(r, "added", "zone", 2019);
  EXPECT_EQ(y2019.expected_value, 900);  // the target, a year before target_year
  EXPECT_EQ(y2019.status, KpiStatus::kAtRisk);  // 890
}

TEST(MilestoneTest, TheLatestReportDecidesAndTheYearDueMakesItLate) {
  auto catalogue = Load(kCatalogue);
  ASSERT_NE(catalogue, nullptr);
  const int64_t in_2019 = int64_t{1561910400} * 1000;  // 2019-07-01
  const int64_t in_2021 = int64_t{1614556800} * 1000;  // 2021-03-01
  auto state = [&](const std::vector<MilestoneFact>& facts, int64_t now, const char* code) {
    for (const MilestoneState& s : EvaluateMilestones(*catalogue, facts, now)) {
      if (s.milestone->code == code) return s;
    }
    ADD_FAILURE() << code;
    return MilestoneState{};
  };
  EXPECT_EQ(state({}, in_2019, "zone_title").status, MilestoneStatus::kPending);
  EXPECT_EQ(state({}, in_2021, "zone_title").status, MilestoneStatus::kOverdue);
  // park_title is due in 2019 (2020年之前): in 2020 it is overdue already.
  EXPECT_EQ(state({}, int64_t{1583020800} * 1000, "park_title").status, MilestoneStatus::kOverdue);
  std::vector<MilestoneFact> facts = {{"zone_title", *Period::Parse("2019-06"), true, "文〔2019〕1号"}};
  MilestoneState achieved = state(facts, in_2021, "zone_title");
  EXPECT_EQ(achieved.status, MilestoneStatus::kAchieved);
  EXPECT_EQ(achieved.achieved_in->ToString(), "2019-06");
  EXPECT_EQ(achieved.reference, "文〔2019〕1号");
  EXPECT_EQ(MilestoneStatusZh(achieved.status), "已实现");
  // Withdrawn later: the latest report decides.
  facts.push_back({"zone_title", *Period::Parse("2020-02"), false, "撤销〔2020〕2号"});
  EXPECT_EQ(state(facts, in_2021, "zone_title").status, MilestoneStatus::kOverdue);
  // Achieved after the year due.
  std::vector<MilestoneFact> late = {{"park_title", *Period::Parse("2020-03"), true, "x"}};
  EXPECT_EQ(state(late, in_2021, "park_title").status, MilestoneStatus::kAchievedLate);
}

}  // namespace
}  // namespace kpihub::core
