// DecimalText and units: exact conversion of department figures.
#include <gtest/gtest.h>

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

TEST(DecimalTextTest, DoubleCarriesTheDecimalTheDaemonRecovers) {
  // The daemon turns a wire double back into its shortest decimal text; for a figure of up to
  // 15 significant digits that is the text the adapter meant.
  auto d = DecimalText::Parse("123456789012.34")->ToDouble();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", d);
  EXPECT_STREQ(buf, "123456789012.34");
}

}  // namespace
}  // namespace kpihub::feed
