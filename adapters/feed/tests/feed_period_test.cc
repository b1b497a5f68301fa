// NormalizePeriod: the period notations of Chinese exports.
#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>

#include "kpihub/feed/export_mapper.h"

namespace kpihub::feed {
namespace {

// Each notation with the canonical period it stands for.
void ExpectPeriods(std::initializer_list<std::pair<const char*, const char*>> cases) {
  for (const auto& [text, period] : cases) EXPECT_EQ(NormalizePeriod(text), period) << text;
}

TEST(PeriodTextTest, Years) {
  ExpectPeriods({{"2020", "2020"}, {"2020年", "2020"}, {" 2020年度 ", "2020"}});
}

TEST(PeriodTextTest, Quarters) {
  ExpectPeriods({{"2020Q3", "2020Q3"}, {"2020-Q1", "2020Q1"}, {"2020年第4季度", "2020Q4"},
                 {"2020年三季度", "2020Q3"}, {"2020年第二季度", "2020Q2"}});
}

TEST(PeriodTextTest, Months) {
  ExpectPeriods({{"2020-09", "2020-09"}, {"2020-9", "2020-09"}, {"2020/12", "2020-12"},
                 {"2020.3", "2020-03"}, {"202011", "2020-11"}, {"2020年9月", "2020-09"},
                 {"2020年09月", "2020-09"}});
}

TEST(PeriodTextTest, RefusesTheRest) {
  for (const char* bad : {"", "20", "二〇二〇年", "2020年13月", "2020年第5季度", "2020Q0", "2020-13",
                          "2020-001", "2020年9", "Q3 2020", "2020-09-01", "202013"}) {
    EXPECT_FALSE(NormalizePeriod(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace kpihub::feed
