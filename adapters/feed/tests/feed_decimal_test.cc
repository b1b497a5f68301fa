// DecimalText and units: exact conversion of department figures.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "kpihub/core/decimal.h"
#include "kpihub/feed/decimal_text.h"

namespace kpihub::feed {
namespace {

std::string Convert(std::string_view text, std::string_view unit) {
  auto d = DecimalText::Parse(text);
  if (!d) return "ERR";
  return d->Shifted(FindUnit(unit)->power).ToString();
}

TEST(DecimalTextTest, ParsesDepartmentNotations) {
  EXPECT_EQ(DecimalText::Parse("1,234,567.80")->ToString(), "1234567.8");
  EXPECT_EQ(DecimalText::Parse(" 42 ")->ToString(), "42");
  EXPECT_EQ(DecimalText::Parse("-0.50")->ToString(), "-0.5");
  EXPECT_EQ(DecimalText::Parse("+7")->ToString(), "7");
  EXPECT_EQ(DecimalText::Parse("-0")->ToString(), "0");
  EXPECT_EQ(DecimalText::Parse("\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x8E\xEF\xBC\x95")->ToString(), "12.5");  // １２．５
}

TEST(DecimalTextTest, RefusesWhatIsNotAPlainNumber) {
  for (const char* bad : {"", "abc", "1e6", "nan", "inf", "12.3.4", "1,23", "12,", ".", "12.",
                          "1 234", "--1", "是否"}) {
    EXPECT_FALSE(DecimalText::Parse(bad).has_value()) << bad;
  }
}

TEST(DecimalTextTest, UnitsConvertExactly) {
  EXPECT_EQ(Convert("123.4567", "万元"), "1234567");
  EXPECT_EQ(Convert("0.000001", "wan_yuan"), "0.01");
  EXPECT_EQ(Convert("25.87089523", "亿元"), "2587089523");
  EXPECT_EQ(Convert("1.23456789012", "yi_yuan"), "123456789.012");
  EXPECT_EQ(Convert("1089926.363", "千元"), "1089926363");
  EXPECT_EQ(Convert("5.1", "万平方米"), "51000");
  EXPECT_EQ(Convert("3", "万吨"), "30000");
  EXPECT_EQ(Convert("41234.5", "吨"), "41234.5");
  EXPECT_EQ(Convert("12.5", "平方米"), "12.5");
  EXPECT_EQ(Convert("2", "兆瓦"), "2000");
}

TEST(DecimalTextTest, UnknownUnitAndBaseUnits) {
  EXPECT_FALSE(FindUnit("斤").has_value());
  EXPECT_EQ(FindUnit("万元")->base_unit, "yuan");
  EXPECT_EQ(FindUnit("万平方米")->base_unit, "m2");
  EXPECT_EQ(FindUnit("吨")->base_unit, "tonne");
}

TEST(DecimalTextTest, RoundsHalfUpAndCountsPlaces) {
  auto d = *DecimalText::Parse("2.345");
  EXPECT_EQ(d.Places(), 3);
  EXPECT_EQ(d.RoundedHalfUp(2).ToString(), "2.35");
  EXPECT_EQ(DecimalText::Parse("-2.345")->RoundedHalfUp(2).ToString(), "-2.35");
  EXPECT_EQ(DecimalText::Parse("9.995")->RoundedHalfUp(2).ToString(), "10");
  EXPECT_EQ(DecimalText::Parse("0.004")->RoundedHalfUp(2).ToString(), "0");
  EXPECT_EQ(DecimalText::Parse("1.50")->Places(), 1);
}

// The adapter sends DecimalText::ToDouble(); the daemon's validation turns the wire double back
// into a decimal with core::Decimal::FromDouble. For a figure of up to 15 significant digits
// and at most six places the daemon must recover exactly the decimal the adapter read.
void ExpectDaemonRecovers(const std::string& text) {
  auto adapter_side = DecimalText::Parse(text);
  ASSERT_TRUE(adapter_side.has_value()) << text;
  auto daemon_side = core::Decimal::FromDouble(adapter_side->ToDouble(), core::Decimal::kScale);
  ASSERT_TRUE(daemon_side.value.has_value()) << text << ": refused by the daemon";
  auto meant = core::Decimal::Parse(text);
  ASSERT_TRUE(meant.value.has_value()) << text;
  EXPECT_EQ(*daemon_side.value, *meant.value)
      << text << " came back as " << daemon_side.value->ToString();
  EXPECT_EQ(daemon_side.value->ToString(), adapter_side->ToString()) << text;
}

TEST(DecimalTextTest, DoubleCarriesTheDecimalTheDaemonRecovers) {
  for (const char* text : {"123456789012.34", "123456789012.345", "944997923.420685", "0.1", "0.3",
                           "-0.5", "2587089523", "123456789.012",
                           "999999999999999", "99999999.999999", "0.000001", "-41234.5",
                           "1089926363", "0"}) {
    ExpectDaemonRecovers(text);
  }
  // A unit shift first, as a profile applies it: 25.87089523 亿元 is 2587089523 yuan.
  auto shifted = DecimalText::Parse("25.87089523")->Shifted(FindUnit("亿元")->power);
  auto daemon_side = core::Decimal::FromDouble(shifted.ToDouble(), core::Decimal::kScale);
  ASSERT_TRUE(daemon_side.value.has_value());
  EXPECT_EQ(daemon_side.value->ToString(), "2587089523");
}

TEST(DecimalTextTest, EveryFifteenDigitFigureSurvivesTheWire) {
  // Random figures of 1 to 15 significant digits with 0 to 6 places. KPIHUB_TEST_SEED repeats
  // a run.
  uint64_t seed = std::random_device{}();
  if (const char* env = std::getenv("KPIHUB_TEST_SEED")) seed = std::strtoull(env, nullptr, 10);
  std::printf("decimal round trip: seed %llu (KPIHUB_TEST_SEED)\n",
              static_cast<unsigned long long>(seed));
  SCOPED_TRACE("KPIHUB_TEST_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 20000; ++i) {
    const int digits = 1 + static_cast<int>(rng() % 15);
    const int places = static_cast<int>(rng() % (std::min(digits, 6) + 1));
    std::string text = (rng() % 4 == 0) ? "-" : "";
    std::string all;
    for (int d = 0; d < digits; ++d) all.push_back(static_cast<char>('0' + rng() % 10));
    const std::string whole = all.substr(0, static_cast<size_t>(digits - places));
    text += (whole.empty() ? "0" : whole);
    if (places > 0) text += "." + all.substr(static_cast<size_t>(digits - places));
    ASSERT_NO_FATAL_FAILURE(ExpectDaemonRecovers(text));
    if (::testing::Test::HasFailure()) break;
  }
}

}  // namespace
}  // namespace kpihub::feed
