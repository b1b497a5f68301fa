#include "kpihub/core/validation.h"
#include "kpihub/testing/source_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace kpihub::core {
namespace {

constexpr std::string_view kUscc = "91350100M000100Y43";
// 2021-01-15T00:00+08:00: January 2021 has started, February has not.
constexpr int64_t kNow = 1610640000;

std::shared_ptr<const Catalogue> Shipped() { return kpihub::testing::ShippedCatalogue(); }

class ValidationTest : public ::testing::Test {
 protected:
  // Enterprise-level, monthly, 2 decimals, owned by scitech.
  static Observation Output(double value = 1234.5) {
    return Observation{"industrial_output", "auto_parts", std::string(kUscc),
                       "2020-09",           value,        "rev 2"};
  }
  // A milestone of the whole zone, owned by scitech: achieved in June 2019.
  static Observation Milestone() {
    return Observation{"national_integration_zone", "zone", "", "2019-06", 1, "发改规划〔2019〕7号"};
  }
  // Park-level, quarterly, owned by finance.
  static Observation Gdp(double value = 1e9) {
    return Observation{"gdp", "core", "", "2020Q3", value, ""};
  }

  std::variant<ValidObservation, Rejection> Check(std::string_view dept, const Observation& obs) {
    return validator_.Validate(dept, obs, 7);
  }
  // The rejection, checking the invariants every rejection must keep.
  Rejection Rejected(std::string_view dept, const Observation& obs) {
    auto result = Check(dept, obs);
    EXPECT_TRUE(std::holds_alternative<Rejection>(result));
    if (!std::holds_alternative<Rejection>(result)) return Rejection{};
    Rejection r = std::get<Rejection>(result);
    EXPECT_EQ(r.index, 7u);
    EXPECT_FALSE(r.detail.empty());
    EXPECT_LT(r.detail.size(), 400u) << r.detail;
    if (!obs.entity.empty()) {
      // Confidentiality: no part of the entity id long enough to identify it.
      EXPECT_EQ(r.detail.find(obs.entity.substr(0, 10)), std::string::npos) << r.detail;
    }
    return r;
  }
  RejectReason Reason(std::string_view dept, const Observation& obs) {
    return Rejected(dept, obs).reason;
  }

  std::shared_ptr<const Catalogue> catalogue_ = Shipped();
  Validator validator_{*catalogue_, kNow};
};

TEST_F(ValidationTest, AcceptsValidObservations) {
  auto result = Check("scitech", Output(1234.5));
  ASSERT_TRUE(std::holds_alternative<ValidObservation>(result));
  const ValidObservation& v = std::get<ValidObservation>(result);
  EXPECT_EQ(v.key, (FigureKey{"industrial_output", "auto_parts", "2020-09", std::string(kUscc)}));
  EXPECT_EQ(v.value.ToString(), "1234.5");
  EXPECT_EQ(v.note, "rev 2");

  auto gdp = Check("finance", Gdp(1e9));
  ASSERT_TRUE(std::holds_alternative<ValidObservation>(gdp));
  EXPECT_EQ(std::get<ValidObservation>(gdp).key.period, "2020Q3");
  EXPECT_EQ(std::get<ValidObservation>(gdp).key.entity, "");
}

TEST_F(ValidationTest, BoundariesAreInclusive) {
  Observation at_max = Output(1e13);
  EXPECT_TRUE(std::holds_alternative<ValidObservation>(Check("scitech", at_max)));
  Observation at_min = Output(0);
  EXPECT_TRUE(std::holds_alternative<ValidObservation>(Check("scitech", at_min)));
  Observation current_month = Output();
  current_month.period = "2021-01";  // started on the 1st, now is the 15th
  EXPECT_TRUE(std::holds_alternative<ValidObservation>(Check("scitech", current_month)));
  Validator at_start(*catalogue_, Period::Parse("2021-02")->StartUnixSeconds());
  current_month.period = "2021-02";
  EXPECT_TRUE(
      std::holds_alternative<ValidObservation>(at_start.Validate("scitech", current_month, 0)));
}

TEST_F(ValidationTest, FieldLengths) {
  Observation o = Output();
  o.indicator = std::string(kMaxCodeLength + 1, 'a');
  Rejection r = Rejected("scitech", o);
  EXPECT_EQ(r.reason, RejectReason::kFieldTooLong);
  EXPECT_EQ(r.detail, "indicator is 65 bytes, limit 64");
  o = Output();
  o.park = std::string(kMaxCodeLength + 1, 'p');
  EXPECT_EQ(Reason("scitech", o), RejectReason::kFieldTooLong);
  o = Output();
  o.period = std::string(kMaxPeriodLength + 1, '2');
  EXPECT_EQ(Reason("scitech", o), RejectReason::kFieldTooLong);
  o = Output();
  o.entity = std::string(kUscc) + std::string(kMaxEntityLength, 'X');
  EXPECT_EQ(Reason("scitech", o), RejectReason::kFieldTooLong);
  o = Output();
  o.note = std::string(kMaxNoteLength + 1, 'n');
  EXPECT_EQ(Reason("scitech", o), RejectReason::kNoteTooLong);
  o.note = std::string(kMaxNoteLength, 'n');
  EXPECT_TRUE(std::holds_alternative<ValidObservation>(Check("scitech", o)));
}

TEST_F(ValidationTest, IndicatorOwnerAndPark) {
  Observation o = Output();
  o.indicator = "industrial_outptu";
  EXPECT_EQ(Reason("scitech", o), RejectReason::kUnknownIndicator);
  EXPECT_EQ(Reason("tax", Output()), RejectReason::kNotOwner);
  EXPECT_EQ(Rejected("tax", Output()).detail,
            "indicator 'industrial_output' belongs to department 'scitech', not 'tax'");
  o = Output();
  o.park = "zone";  // the computed total, never an input park
  EXPECT_EQ(Reason("scitech", o), RejectReason::kUnknownPark);
  o.park = "Auto_parts";
  EXPECT_EQ(Reason("scitech", o), RejectReason::kUnknownPark);
}

TEST_F(ValidationTest, Periods) {
  Observation o = Output();
  o.period = "2020-9";
  EXPECT_EQ(Reason("scitech", o), RejectReason::kMalformedPeriod);
  o.period = "2020Q3";  // industrial output is monthly
  EXPECT_EQ(Reason("scitech", o), RejectReason::kPeriodTypeNotAllowed);
  o.period = "2020";
  EXPECT_EQ(Reason("scitech", o), RejectReason::kPeriodTypeNotAllowed);
  o.period = "2021-02";
  EXPECT_EQ(Reason("scitech", o), RejectReason::kFuturePeriod);
  Observation g = Gdp();
  g.period = "2021Q2";
  EXPECT_EQ(Reason("finance", g), RejectReason::kFuturePeriod);
}

TEST_F(ValidationTest, EntityRules) {
  Observation o = Output();
  o.entity = "";
  EXPECT_EQ(Reason("scitech", o), RejectReason::kEntityRequired);
  o.entity = "91350100M000100Y44";  // check character off by one
  EXPECT_EQ(Reason("scitech", o), RejectReason::kMalformedEntity);
  o.entity = "91350100m000100y43";  // lowercase
  EXPECT_EQ(Reason("scitech", o), RejectReason::kMalformedEntity);
  Observation g = Gdp();
  g.entity = std::string(kUscc);
  EXPECT_EQ(Reason("finance", g), RejectReason::kEntityNotAllowed);
}

TEST_F(ValidationTest, Values) {
  EXPECT_EQ(Reason("scitech", Output(std::numeric_limits<double>::quiet_NaN())),
            RejectReason::kNotFinite);
  EXPECT_EQ(Reason("scitech", Output(std::numeric_limits<double>::infinity())),
            RejectReason::kNotFinite);
  EXPECT_EQ(Reason("scitech", Output(1.005)), RejectReason::kTooPrecise);  // 2 decimals allowed
  EXPECT_EQ(Reason("scitech", Output(1e-7)), RejectReason::kTooPrecise);
  EXPECT_EQ(Reason("scitech", Output(-0.01)), RejectReason::kOutOfBounds);
  EXPECT_EQ(Reason("scitech", Output(1e13 + 0.01)), RejectReason::kOutOfBounds);
  EXPECT_EQ(Reason("scitech", Output(1e19)), RejectReason::kOutOfBounds);  // beyond Decimal's range
  Observation flag{"hightech_certified", "core", std::string(kUscc), "2020", 2, ""};
  Rejection r = Rejected("scitech", flag);
  EXPECT_EQ(r.reason, RejectReason::kOutOfBounds);
  EXPECT_EQ(r.detail, "value 2 outside [0, 1] for indicator 'hightech_certified'");
  flag.value = 0.5;
  EXPECT_EQ(Reason("scitech", flag), RejectReason::kTooPrecise);
}

TEST_F(ValidationTest, FirstFailingCheckDecides) {
  Observation o{
      "no_such", "no_park", "ENTITY-JUNK", "junk", std::numeric_limits<double>::quiet_NaN(), ""};
  EXPECT_EQ(Reason("scitech", o), RejectReason::kUnknownIndicator);
  o.indicator = "industrial_output";
  EXPECT_EQ(Reason("tax", o), RejectReason::kNotOwner);
  EXPECT_EQ(Reason("scitech", o), RejectReason::kUnknownPark);
  o.park = "core";
  EXPECT_EQ(Reason("scitech", o), RejectReason::kMalformedPeriod);
  o.period = "2020";
  EXPECT_EQ(Reason("scitech", o), RejectReason::kPeriodTypeNotAllowed);
  o.period = "2030-01";
  EXPECT_EQ(Reason("scitech", o), RejectReason::kFuturePeriod);
  o.period = "2020-01";
  EXPECT_EQ(Reason("scitech", o), RejectReason::kMalformedEntity);
  o.entity = std::string(kUscc);
  EXPECT_EQ(Reason("scitech", o), RejectReason::kNotFinite);
  o.indicator = std::string(100, 'x');  // lengths come before everything
  EXPECT_EQ(Reason("scitech", o), RejectReason::kFieldTooLong);
}

TEST_F(ValidationTest, DetailIsPrintableAndNamesTheField) {
  Observation o = Output();
  o.indicator = "bad\x01\xff";
  Rejection r = Rejected("scitech", o);
  EXPECT_EQ(r.detail, "unknown indicator 'bad\\x01\\xff'");
  o = Output();
  o.period = "2020Q3";
  EXPECT_EQ(Rejected("scitech", o).detail,
            "indicator 'industrial_output' is reported per month, got period '2020Q3'");
  EXPECT_NE(Rejected("scitech", Output(1.005)).detail.find("1.005"), std::string::npos);
}

// One observation per reason the validator can give: together they cover every
// per-observation reason (the frame-level ones belong to ingest).
TEST_F(ValidationTest, EveryValidatorReasonIsReachable) {
  struct Case {
    std::string_view dept;
    Observation obs;
    RejectReason reason;
  };
  auto with = [](Observation o, auto change) {
    change(o);
    return o;
  };
  const std::vector<Case> cases = {
      {"scitech", with(Output(), [](Observation& o) { o.park = std::string(65, 'p'); }),
       RejectReason::kFieldTooLong},
      {"scitech", with(Milestone(), [](Observation& o) { o.note = "  "; }),
       RejectReason::kReferenceRequired},
      {"scitech", with(Output(), [](Observation& o) { o.note = std::string(300, 'n'); }),
       RejectReason::kNoteTooLong},
      {"scitech", with(Output(), [](Observation& o) { o.indicator = "nope"; }),
       RejectReason::kUnknownIndicator},
      {"finance", Output(), RejectReason::kNotOwner},
      {"scitech", with(Output(), [](Observation& o) { o.park = "zone"; }),
       RejectReason::kUnknownPark},
      {"scitech", with(Output(), [](Observation& o) { o.period = "2020-13"; }),
       RejectReason::kMalformedPeriod},
      {"scitech", with(Output(), [](Observation& o) { o.period = "2020"; }),
       RejectReason::kPeriodTypeNotAllowed},
      {"scitech", with(Output(), [](Observation& o) { o.period = "2099-01"; }),
       RejectReason::kFuturePeriod},
      {"scitech", with(Output(), [](Observation& o) { o.entity = ""; }),
       RejectReason::kEntityRequired},
      {"scitech", with(Output(), [](Observation& o) { o.entity = "913501000000100Y43"; }),
       RejectReason::kMalformedEntity},
      {"finance", with(Gdp(), [](Observation& o) { o.entity = std::string(kUscc); }),
       RejectReason::kEntityNotAllowed},
      {"scitech", Output(-std::numeric_limits<double>::infinity()), RejectReason::kNotFinite},
      {"scitech", Output(0.125), RejectReason::kTooPrecise},
      {"scitech", Output(-1), RejectReason::kOutOfBounds},
  };
  std::set<RejectReason> covered;
  for (const Case& c : cases) {
    EXPECT_EQ(Reason(c.dept, c.obs), c.reason) << ReasonName(c.reason);
    covered.insert(c.reason);
  }
  // Given by ingest for a whole frame or session, never by the validator.
  const std::set<RejectReason> frame_level = {
      RejectReason::kFrameTooLarge, RejectReason::kUndecodable, RejectReason::kTooManyObservations,
      RejectReason::kBadSequence, RejectReason::kUnregisteredKey};
  // Given for closing a year, by ValidatePeriodAction and the store (period_state_test.cc).
  const std::set<RejectReason> closing = {
      RejectReason::kPeriodClosed, RejectReason::kNotApprover,
      RejectReason::kPeriodStateConflict, RejectReason::kUnknownDepartment};
  for (int i = 0; i < kRejectReasonCount; ++i) {
    auto reason = static_cast<RejectReason>(i);
    EXPECT_TRUE(covered.count(reason) == 1 || frame_level.count(reason) == 1 ||
                closing.count(reason) == 1)
        << ReasonName(reason);
  }
}

TEST(ReasonTest, NamesAreSnakeCaseAndUnique) {
  std::set<std::string_view> names;
  for (int i = 0; i < kRejectReasonCount; ++i) {
    std::string_view name = ReasonName(static_cast<RejectReason>(i));
    EXPECT_NE(name, "unknown") << i;
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kRejectReasonCount));
  EXPECT_EQ(ReasonName(RejectReason::kUnknownIndicator), "unknown_indicator");
  EXPECT_EQ(ReasonName(RejectReason::kPeriodTypeNotAllowed), "period_type_not_allowed");
  EXPECT_EQ(ReasonName(RejectReason::kFieldTooLong), "field_too_long");
  EXPECT_EQ(ReasonName(RejectReason::kTooManyObservations), "too_many_observations");
  EXPECT_EQ(ReasonName(RejectReason::kUnregisteredKey), "unregistered_key");
  EXPECT_EQ(ReasonName(static_cast<RejectReason>(999)), "unknown");
}

TEST_F(ValidationTest, MilestoneIsItsOwnersMonthWithTheApprovalReference) {
  auto ok = Check("scitech", Milestone());
  ASSERT_TRUE(std::holds_alternative<ValidObservation>(ok));
  const ValidObservation& v = std::get<ValidObservation>(ok);
  EXPECT_EQ(v.key.park, "zone");  // a zone-wide designation is reported for the zone itself
  EXPECT_EQ(v.value, Decimal::FromInt(1));
  EXPECT_EQ(v.note, "发改规划〔2019〕7号");
  Observation withdrawn = Milestone();
  withdrawn.value = 0;
  EXPECT_TRUE(std::holds_alternative<ValidObservation>(Check("scitech", withdrawn)));
  auto with = [](auto change) {
    Observation o = Milestone();
    change(o);
    return o;
  };
  EXPECT_EQ(Reason("finance", Milestone()), RejectReason::kNotOwner);
  EXPECT_EQ(Reason("scitech", with([](Observation& o) { o.park = "core"; })), RejectReason::kUnknownPark);
  EXPECT_EQ(Reason("scitech", with([](Observation& o) { o.period = "2019"; })),
            RejectReason::kPeriodTypeNotAllowed);
  EXPECT_EQ(Reason("scitech", with([](Observation& o) { o.period = "2021-02"; })),
            RejectReason::kFuturePeriod);
  EXPECT_EQ(Reason("scitech", with([](Observation& o) { o.value = 0.5; })), RejectReason::kOutOfBounds);
  EXPECT_EQ(Reason("scitech", with([](Observation& o) { o.value = 2; })), RejectReason::kOutOfBounds);
  EXPECT_EQ(Reason("scitech", with([](Observation& o) { o.entity = std::string(kUscc); })),
            RejectReason::kEntityNotAllowed);
  EXPECT_EQ(Reason("scitech", with([](Observation& o) { o.note.clear(); })),
            RejectReason::kReferenceRequired);
  // A park's milestone is reported for that park, and "zone" is still no park for indicators.
  Observation park_milestone{"national_university_park", "hpu_park", "", "2019-11", 1, "教高函〔2019〕3号"};
  EXPECT_TRUE(std::holds_alternative<ValidObservation>(Check("scitech", park_milestone)));
  EXPECT_EQ(Reason("scitech", with([](Observation& o) { o.indicator = "industrial_output"; })),
            RejectReason::kUnknownPark);
}

}  // namespace
}  // namespace kpihub::core
