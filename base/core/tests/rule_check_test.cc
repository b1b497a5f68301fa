// RuleCheck and the [[rule]] / feed-contract parts of the catalogue.
#include "kpihub/core/rule_check.h"

#include <gtest/gtest.h>

#include "kpihub/core/feed_completeness.h"
#include "kpihub/testing/source_file.h"

namespace kpihub::core {
namespace {

const std::string kCatalogue =
    kpihub::testing::SourceFile("base/core/tests/data/rule_check_catalogue.toml");

std::shared_ptr<const Catalogue> Load(std::string_view text) {
  auto r = Catalogue::FromToml(text, "cat.toml");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : nullptr;
}

std::string Error(std::string text) {
  auto r = Catalogue::FromToml(text, "cat.toml");
  EXPECT_FALSE(r.ok());
  return r.status().message();
}

using kpihub::testing::Replace;

Decimal D(const char* text) { return *Decimal::Parse(text).value; }
Period P(const char* text) { return *Period::Parse(text); }

TEST(FeedContractTest, CadenceDeadlineAndSilenceAreRead) {
  auto c = Load(kCatalogue);
  ASSERT_NE(c, nullptr);
  const FeedContract& tax = *c->FindDepartment("tax")->contract;
  EXPECT_EQ(tax.cadence, PeriodKind::kYear);
  EXPECT_EQ(tax.deadline_days, 150);
  EXPECT_EQ(tax.max_silence_seconds, (366 + 150) * 86400);  // one year plus the deadline
  EXPECT_EQ(c->FindDepartment("fin")->contract->max_silence_seconds, 60);
  EXPECT_FALSE(c->FindDepartment("sci")->contract.has_value());
}

TEST(FeedContractTest, BadContractsAreRefusedWithTheirPosition) {
  EXPECT_EQ(Error(Replace(kCatalogue, "cadence = \"year\"", "cadence = \"week\"")),
            "cat.toml:6:11: department 'tax': cadence must be year, quarter or month");
  EXPECT_EQ(Error(Replace(kCatalogue, "cadence = \"year\"\n", "")),
            "cat.toml:6:17: department 'tax': deadline_days needs a cadence");
  EXPECT_NE(Error(Replace(kCatalogue, "deadline_days = 20", "deadline_days = -1"))
                .find("'deadline_days' must be between 0 and 366"),
            std::string::npos);
  EXPECT_NE(Error(Replace(kCatalogue, "max_silence_seconds = 60", "max_silence_seconds = 0"))
                .find("'max_silence_seconds' must be between 1"),
            std::string::npos);
}

TEST(RuleCatalogueTest, RulesAreRead) {
  auto c = Load(kCatalogue);
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->rules().size(), 3u);
  const Rule* cap = c->FindRule("subsidy_cap");
  ASSERT_NE(cap, nullptr);
  EXPECT_EQ(cap->kind, RuleKind::kEntityMax);
  EXPECT_EQ(cap->limit, Decimal::FromInt(100000));
  EXPECT_EQ(cap->clause, "§10");
  EXPECT_EQ(c->FindRule("deduction_within_rd")->bound, "rd");
  EXPECT_DOUBLE_EQ(c->FindRule("deduction_within_rd")->factor, 1.0);
  EXPECT_EQ(RuleKindName(c->FindRule("certified_within_registered")->kind), "park_not_above");
}

TEST(RuleCatalogueTest, BadRulesAreRefused) {
  EXPECT_NE(Error(Replace(kCatalogue, "kind = \"entity_max\"", "kind = \"maximum\""))
                .find("kind must be entity_max, entity_total_max, entity_not_above or park_not_above"),
            std::string::npos);
  EXPECT_NE(Error(Replace(kCatalogue, "indicator = \"subsidy\"", "indicator = \"nope\""))
                .find("rule 'subsidy_cap': unknown indicator 'nope'"),
            std::string::npos);
  EXPECT_NE(Error(Replace(kCatalogue, "bound = \"rd\"", "bound = \"rd\"\nlimit = 5"))
                .find("unknown key 'limit'"),
            std::string::npos);
  EXPECT_NE(Error(Replace(kCatalogue, "clause = \"§10\"\n", "")).find("needs 'clause'"),
            std::string::npos);
  EXPECT_NE(Error(Replace(kCatalogue, "bound = \"rd\"", "bound = \"rd\"\nfactor = 0"))
                .find("factor must be positive"),
            std::string::npos);
  EXPECT_NE(Error(std::string(kCatalogue) + "[[rule]]\ncode = \"subsidy_cap\"\nname_zh = \"x\"\n"
                                            "name_en = \"x\"\nclause = \"§1\"\nkind = \"entity_max\"\n"
                                            "indicator = \"subsidy\"\nlimit = 1\n")
                .find("duplicate rule 'subsidy_cap'"),
            std::string::npos);
}

TEST(RuleCatalogueTest, EntityRulesNeedEnterpriseLevelIndicators) {
  std::string text = Replace(kCatalogue, "period = \"year\"\naggregation = \"sum\"\nenterprise_level = true\n\n[[indicator]]\ncode = \"deduction\"",
                             "period = \"year\"\naggregation = \"sum\"\nenterprise_level = false\n\n[[indicator]]\ncode = \"deduction\"");
  EXPECT_NE(Error(text).find("entity_max needs an enterprise-level indicator, 'subsidy' is not"),
            std::string::npos);
}

// Feeds cells and figures to a Rollup and a RuleCheck the way the exporter does.
struct Checked {
  // Park rules read park-year figures before suppression, as the exporter's rule collector.
  explicit Checked(const Catalogue& c)
      : catalogue(c), rollup(c, RollupOptions{3, /*confidential=*/true}), check(c) {}
  void Figure(const char* indicator, const char* park, const char* entity, const char* period,
              const char* value) {
    EntityFigure f{indicator, park, entity, P(period), D(value)};
    rollup.Add(Cell{indicator, park, f.period, f.value, 1});
    if (check.NeedsEntityFigures(indicator)) check.AddEntityFigure(f);
  }
  std::vector<RuleCount> Finish() { return check.Finish(rollup.Finish()); }
  const Catalogue& catalogue;
  Rollup rollup;
  RuleCheck check;
};

const RuleCount* Find(const std::vector<RuleCount>& counts, const char* rule, const char* park,
                      int year) {
  for (const RuleCount& c : counts) {
    if (c.rule->code == rule && c.park == park && c.year == year) return &c;
  }
  return nullptr;
}

TEST(RuleCheckTest, SubsidyCapCountsEnterprisesAboveTheLimit) {
  auto c = Load(kCatalogue);
  Checked x(*c);
  x.Figure("subsidy", "p1", "E1", "2020", "100000");     // at the cap: fine
  x.Figure("subsidy", "p1", "E2", "2020", "150000");     // above
  x.Figure("subsidy", "p1", "E3", "2020", "100000.01");  // above by a fen
  x.Figure("subsidy", "p2", "E4", "2019", "5000");
  auto counts = x.Finish();
  const RuleCount* p1 = Find(counts, "subsidy_cap", "p1", 2020);
  ASSERT_NE(p1, nullptr);
  EXPECT_EQ(p1->checked, 3u);
  EXPECT_EQ(p1->violations, 2u);
  const RuleCount* p2 = Find(counts, "subsidy_cap", "p2", 2019);
  ASSERT_NE(p2, nullptr);
  EXPECT_EQ(p2->violations, 0u);  // checked and fine is still reported
  EXPECT_EQ(Find(counts, "subsidy_cap", "p2", 2020), nullptr);  // no data, no count
}

TEST(RuleCheckTest, DeductionIsComparedWithTheSameEnterprisesYearlyRd) {
  auto c = Load(kCatalogue);
  Checked x(*c);
  // E1: R&D over four quarters is 400; a deduction of 400 is fine.
  for (const char* q : {"2020Q1", "2020Q2", "2020Q3", "2020Q4"}) x.Figure("rd", "p1", "E1", q, "100");
  x.Figure("deduction", "p1", "E1", "2020", "400");
  // E2: 100 of R&D, 101 deducted.
  x.Figure("rd", "p1", "E2", "2020Q1", "100");
  x.Figure("deduction", "p1", "E2", "2020", "101");
  // E3: deduction with no R&D reported at all.
  x.Figure("deduction", "p1", "E3", "2020", "1");
  auto counts = x.Finish();
  const RuleCount* p1 = Find(counts, "deduction_within_rd", "p1", 2020);
  ASSERT_NE(p1, nullptr);
  EXPECT_EQ(p1->checked, 3u);
  EXPECT_EQ(p1->violations, 2u);
}

TEST(RuleCheckTest, FactorScalesTheBound) {
  auto c = Load(Replace(kCatalogue, "bound = \"rd\"", "bound = \"rd\"\nfactor = 1.75"));
  ASSERT_NE(c, nullptr);
  Checked x(*c);
  x.Figure("rd", "p1", "E1", "2020Q1", "100");
  x.Figure("deduction", "p1", "E1", "2020", "175");
  x.Figure("rd", "p1", "E2", "2020Q1", "100");
  x.Figure("deduction", "p1", "E2", "2020", "176");
  EXPECT_EQ(Find(x.Finish(), "deduction_within_rd", "p1", 2020)->violations, 1u);
}

TEST(RuleCheckTest, CertifiedAboveRegisteredIsOneViolationPerParkYear) {
  auto c = Load(kCatalogue);
  Checked x(*c);
  x.Figure("certified", "p1", "E1", "2020", "1");
  x.Figure("certified", "p1", "E2", "2020", "1");
  x.Figure("registered", "p1", "E1", "2020", "1");  // 2 certified, 1 registered
  x.Figure("certified", "p2", "E3", "2020", "1");
  x.Figure("registered", "p2", "E3", "2020", "1");
  x.Figure("registered", "p2", "E4", "2020", "1");
  auto counts = x.Finish();
  EXPECT_EQ(Find(counts, "certified_within_registered", "p1", 2020)->violations, 1u);
  EXPECT_EQ(Find(counts, "certified_within_registered", "p2", 2020)->violations, 0u);
  EXPECT_EQ(Find(counts, "certified_within_registered", "zone", 2020), nullptr);
}

TEST(RuleCheckTest, OnlyRuleIndicatorsAreNeeded) {
  auto c = Load(kCatalogue);
  RuleCheck check(*c);
  EXPECT_TRUE(check.NeedsEntityFigures("subsidy"));
  EXPECT_TRUE(check.NeedsEntityFigures("rd"));
  EXPECT_FALSE(check.NeedsEntityFigures("certified"));  // park rule: read from cells
}

int64_t At(const char* period_start) { return P(period_start).StartUnixSeconds() * 1000; }

TEST(FeedCompletenessTest, CountsDueCellsPerDepartmentAndYear) {
  auto c = Load(kCatalogue);
  FeedCompleteness f(*c);
  f.Add(Cell{"rd", "p1", P("2020Q1"), D("1"), 1});
  f.Add(Cell{"rd", "p2", P("2020Q1"), D("1"), 1});
  f.Add(Cell{"rd", "p1", P("2020Q2"), D("1"), 1});
  f.Add(Cell{"certified", "p1", P("2020"), D("1"), 1});
  f.Add(Cell{"nope", "p1", P("2020"), D("1"), 1});  // unknown: ignored
  // On 2020-07-01 sci (no contract, no deadline) owes Q1 and Q2 of rd for two parks; the
  // year of `certified` is not due yet.
  auto result = f.Finish(At("2020-07"));
  const DepartmentCompleteness* sci = nullptr;
  for (const auto& r : result) {
    if (r.department->code == "sci" && r.year == 2020) sci = &r;
  }
  ASSERT_NE(sci, nullptr);
  EXPECT_EQ(sci->expected, 4u);
  EXPECT_EQ(sci->received, 3u);
  // A year later everything of 2020 is due: 4 quarters x 2 parks + 1 year x 2 parks.
  for (const auto& r : f.Finish(At("2021-07"))) {
    if (r.department->code == "sci" && r.year == 2020) {
      EXPECT_EQ(r.expected, 10u);
      EXPECT_EQ(r.received, 4u);
    }
  }
}

TEST(FeedCompletenessTest, TheDeadlineDelaysWhatIsOwed) {
  auto c = Load(kCatalogue);
  FeedCompleteness f(*c);
  // tax: yearly, 150 days of grace. On 2021-05-01 (120 days after 2020 ended) nothing of
  // 2020 is owed yet; on 2021-06-01 (151 days after) it is.
  f.Add(Cell{"registered", "p1", P("2020"), D("1"), 1});
  auto before = f.Finish(At("2021-05"));
  auto after = f.Finish(At("2021-06"));
  auto tax2020 = [](const std::vector<DepartmentCompleteness>& v) {
    for (const auto& r : v) {
      if (r.department->code == "tax" && r.year == 2020) return r;
    }
    return DepartmentCompleteness{};
  };
  EXPECT_EQ(tax2020(before).expected, 0u);
  EXPECT_EQ(tax2020(after).expected, 4u);  // two indicators x two parks
  EXPECT_EQ(tax2020(after).received, 1u);
}

TEST(FeedCompletenessTest, EveryDepartmentGetsTheCurrentYear) {
  auto c = Load(kCatalogue);
  FeedCompleteness f(*c);
  auto result = f.Finish(At("2026-11"));
  ASSERT_EQ(result.size(), 3u);
  for (const auto& r : result) EXPECT_EQ(r.year, 2026);
}

TEST(FeedCompletenessTest, CivilYearIsChinaStandardTime) {
  EXPECT_EQ(CivilYear(At("2021")), 2021);
  EXPECT_EQ(CivilYear(At("2021") - 1), 2020);
  EXPECT_EQ(PeriodDueUnixSeconds(P("2020-12"), 20), P("2021").StartUnixSeconds() + 20 * 86400);
  EXPECT_EQ(PeriodDueUnixSeconds(P("2020Q4"), 0), P("2021Q1").StartUnixSeconds());
}

}  // namespace
}  // namespace kpihub::core
