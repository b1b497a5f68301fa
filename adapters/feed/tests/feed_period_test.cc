// NormalizePeriod: the period notations of Chinese exports.
#include <gtest/gtest.h>

#include "kpihub/feed/export_mapper.h"

namespace kpihub::feed {
namespace {

TEST(PeriodTextTest, Years) {
  EXPECT_EQ(NormalizePeriod("2020"), "2020");
  EXPECT_EQ(NormalizePeriod("2020年"), "2020");
  EXPECT_EQ(NormalizePeriod(" 2020年度 "), "2020");
}

TEST(PeriodTextTest, Quarters) {
  EXPECT_EQ(NormalizePeriod("2020Q3"), "2020Q3");
  EXPECT_EQ(NormalizePeriod("2020-Q1"), "2020Q1");
  EXPECT_EQ(NormalizePeriod("2020年第4季度"), "2020Q4");
  EXPECT_EQ(NormalizePeriod("2020年三季度"), "2020Q3");
  EXPECT_EQ(NormalizePeriod("2020年第二季度"), "2020Q2");
}

TEST(PeriodTextTest, Months) {
  EXPECT_EQ(NormalizePeriod("2020-09"), "2020-09");
  EXPECT_EQ(NormalizePeriod("2020-9"), "2020-09");
  EXPECT_EQ(NormalizePeriod("2020/12"), "2020-12");
  EXPECT_EQ(NormalizePeriod("2020.3"), "2020-03");
  EXPECT_EQ(NormalizePeriod("202011"), "2020-11");
  EXPECT_EQ(NormalizePeriod("2020年9月"), "2020-09");
  EXPECT_EQ(NormalizePeriod("2020年09月"), "2020-09");
}

TEST(PeriodTextTest, RefusesTheRest) {
  for (const char* bad : {"", "20", "二〇二〇年", "2020年13月", "2020年第5季度", "2020Q0", "2020-13",
                          "2020-001", "2020年9", "Q3 2020", "2020-09-01", "202013"}) {
    EXPECT_FALSE(NormalizePeriod(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace kpihub::feed
