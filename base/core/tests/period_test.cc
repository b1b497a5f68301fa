#include "kpihub/core/period.h"

#include <gtest/gtest.h>

namespace kpihub::core {
namespace {

TEST(PeriodTest, ParsesTheThreeForms) {
  EXPECT_EQ(Period::Parse("2020"), (Period{PeriodKind::kYear, 2020, 0}));
  EXPECT_EQ(Period::Parse("2020Q3"), (Period{PeriodKind::kQuarter, 2020, 3}));
  EXPECT_EQ(Period::Parse("2020-09"), (Period{PeriodKind::kMonth, 2020, 9}));
  EXPECT_EQ(Period::Parse("1900"), (Period{PeriodKind::kYear, 1900, 0}));
  EXPECT_EQ(Period::Parse("2999-12"), (Period{PeriodKind::kMonth, 2999, 12}));
}

TEST(PeriodTest, RefusesAnythingElse) {
  for (std::string_view bad : std::initializer_list<std::string_view>{
           "",        "2020Q5",     "2020Q0",   "2020-13",
           "2020-00", "20201",      " 2020",    "2020 ",
           "2020-9",  "2020q3",     "1899",     "3000",
           "0202",    "2020-09-01", "2020-Q3",  "2020Q",
           "2020-",   "+202",       "２０２０", "2020H1",
           "2020/09", "-2020",      "2020\n",   std::string_view("2020\0", 5)}) {
    EXPECT_FALSE(Period::Parse(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(PeriodTest, ToStringIsCanonicalAndRoundTrips) {
  for (std::string_view text : {"2020", "2020Q1", "2020Q4", "2020-01", "2020-12", "1999-07",
                                "1900-10", "2999Q3"}) {
    std::optional<Period> p = Period::Parse(text);
    ASSERT_TRUE(p.has_value()) << text;
    EXPECT_EQ(p->ToString(), text);
  }
  // Years Parse refuses, as computed periods may hold them, print the same way.
  EXPECT_EQ((Period{PeriodKind::kMonth, 7, 3}).ToString(), "0007-03");
  EXPECT_EQ((Period{PeriodKind::kQuarter, 999, 2}).ToString(), "0999Q2");
  EXPECT_EQ((Period{PeriodKind::kMonth, 12345, 1}).ToString(), "12345-01");
  EXPECT_EQ((Period{PeriodKind::kYear, -5, 0}).ToString(), "-005");
}

TEST(PeriodTest, StartsAtLocalMidnightInUtcPlus8) {
  // 2020-01-01T00:00+08:00 == 2019-12-31T16:00Z == 1577808000.
  EXPECT_EQ(Period::Parse("2020")->StartUnixSeconds(), 1577808000);
  EXPECT_EQ(Period::Parse("2020Q1")->StartUnixSeconds(), 1577808000);
  EXPECT_EQ(Period::Parse("2020-01")->StartUnixSeconds(), 1577808000);
  // 2020-07-01T00:00+08:00 == 1593532800.
  EXPECT_EQ(Period::Parse("2020Q3")->StartUnixSeconds(), 1593532800);
  EXPECT_EQ(Period::Parse("2020-07")->StartUnixSeconds(), 1593532800);
  // Leap day: 2020-03-01T00:00+08:00 == 1582992000.
  EXPECT_EQ(Period::Parse("2020-03")->StartUnixSeconds(), 1582992000);
  // Before the epoch: 1969-12-01T00:00+08:00 == 1969-11-30T16:00Z == -2707200.
  EXPECT_EQ(Period::Parse("1969-12")->StartUnixSeconds(), -2707200);
}

TEST(PeriodTest, OrdersByYearFirst) {
  EXPECT_LT(*Period::Parse("2019-12"), *Period::Parse("2020"));
  EXPECT_LT(*Period::Parse("2020-02"), *Period::Parse("2020-10"));
  EXPECT_LT(*Period::Parse("2020Q1"), *Period::Parse("2020Q2"));
}

TEST(PeriodTest, KindNamesRoundTrip) {
  for (PeriodKind kind : {PeriodKind::kYear, PeriodKind::kQuarter, PeriodKind::kMonth}) {
    EXPECT_EQ(ParsePeriodKind(PeriodKindName(kind)), kind);
  }
  EXPECT_EQ(PeriodKindName(PeriodKind::kQuarter), "quarter");
  EXPECT_FALSE(ParsePeriodKind("Year").has_value());
  EXPECT_FALSE(ParsePeriodKind("week").has_value());
}

}  // namespace
}  // namespace kpihub::core
