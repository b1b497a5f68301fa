#include "kpihub/core/decimal.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace kpihub::core {
namespace {

Decimal D(std::string_view text) {
  Decimal::Parsed p = Decimal::Parse(text);
  EXPECT_TRUE(p.value.has_value()) << text;
  return p.value.value_or(Decimal());
}

Decimal::Error FromDoubleError(double v, int max_decimals) {
  Decimal::Parsed p = Decimal::FromDouble(v, max_decimals);
  EXPECT_FALSE(p.value.has_value()) << v;
  return p.error;
}

TEST(DecimalTest, SumsAreExact) {
  // The classic double surprise does not happen with Decimals.
  ASSERT_NE(0.1 + 0.2, 0.3);
  Decimal a = *Decimal::FromDouble(0.1, 6).value;
  Decimal b = *Decimal::FromDouble(0.2, 6).value;
  EXPECT_EQ(a + b, *Decimal::FromDouble(0.3, 6).value);
  EXPECT_EQ((a + b).ToString(), "0.3");
  EXPECT_EQ((a + b).micros(), 300000);
}

TEST(DecimalTest, FromDoubleTakesTheShortestDecimal) {
  EXPECT_EQ(Decimal::FromDouble(0.1, 1).value->micros(), 100000);
  EXPECT_EQ(Decimal::FromDouble(-12.345, 3).value->micros(), -12345000);
  EXPECT_EQ(Decimal::FromDouble(750e8, 0).value->micros(),
            static_cast<__int128>(75000000000) * 1000000);
  EXPECT_EQ(Decimal::FromDouble(-0.0, 0).value->micros(), 0);
  EXPECT_EQ(Decimal::FromDouble(1e-6, 6).value->micros(), 1);
  EXPECT_EQ(Decimal::FromDouble(0.000123, 6).value->micros(), 123);
}

// Whole numbers take a shortcut; it must agree with the decimal text of the number.
TEST(DecimalTest, FromDoubleOfWholeNumbersIsExact) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const int64_t n = static_cast<int64_t>(rng() % (uint64_t{1} << (1 + i % 53))) * (i % 2 ? -1 : 1);
    const Decimal::Parsed from_double = Decimal::FromDouble(static_cast<double>(n), 0);
    const Decimal::Parsed from_text = Decimal::Parse(std::to_string(n), 0);
    ASSERT_TRUE(from_double.value.has_value()) << n;
    ASSERT_TRUE(from_text.value.has_value()) << n;
    EXPECT_EQ(from_double.value->micros(), from_text.value->micros()) << n;
  }
  // Past 2^53 the shortest text is taken, not the binary value.
  // 123456789012345678.0 is the double 123456789012345680, whose shortest text is
  // 1.2345678901234568e+17.
  ASSERT_TRUE(Decimal::FromDouble(123456789012345678.0, 0).value.has_value());
  EXPECT_EQ(Decimal::FromDouble(123456789012345678.0, 0).value->ToString(), "123456789012345680");
}

TEST(DecimalTest, FromDoubleHandlesExponentForms) {
  // std::to_chars writes these in scientific form; they must still be exact.
  EXPECT_EQ(Decimal::FromDouble(1e+17, 0).value->ToString(), "100000000000000000");
  EXPECT_EQ(Decimal::FromDouble(1e18, 0).value->ToString(), "1000000000000000000");
  EXPECT_EQ(Decimal::FromDouble(1.5e-05, 6).value->micros(), 15);
  EXPECT_EQ(Decimal::FromDouble(2e-06, 6).value->micros(), 2);
  EXPECT_EQ(Decimal::FromDouble(1.25e15, 2).value->ToString(), "1250000000000000");
}

TEST(DecimalTest, FromDoubleRefusesTooPrecise) {
  EXPECT_EQ(FromDoubleError(1e-7, 6), Decimal::Error::kTooPrecise);
  EXPECT_EQ(FromDoubleError(0.1 + 0.2, 6), Decimal::Error::kTooPrecise);  // 0.30000000000000004
  EXPECT_EQ(FromDoubleError(0.5, 0), Decimal::Error::kTooPrecise);
  EXPECT_EQ(FromDoubleError(1.25, 1), Decimal::Error::kTooPrecise);
  EXPECT_TRUE(Decimal::FromDouble(1.25, 2).value.has_value());
  EXPECT_TRUE(Decimal::FromDouble(1.20, 1).value.has_value());  // trailing zero is not a place
}

TEST(DecimalTest, FromDoubleRefusesNonFiniteAndHuge) {
  EXPECT_EQ(FromDoubleError(std::numeric_limits<double>::quiet_NaN(), 6),
            Decimal::Error::kNotFinite);
  EXPECT_EQ(FromDoubleError(std::numeric_limits<double>::infinity(), 6),
            Decimal::Error::kNotFinite);
  EXPECT_EQ(FromDoubleError(-std::numeric_limits<double>::infinity(), 6),
            Decimal::Error::kNotFinite);
  EXPECT_EQ(FromDoubleError(1.0000000000000002e18, 0), Decimal::Error::kOutOfRange);
  EXPECT_EQ(FromDoubleError(-1e19, 0), Decimal::Error::kOutOfRange);
  EXPECT_EQ(FromDoubleError(std::numeric_limits<double>::max(), 0), Decimal::Error::kOutOfRange);
}

TEST(DecimalTest, ParseAcceptsPlainDecimalText) {
  EXPECT_EQ(D("-12.345").micros(), -12345000);
  EXPECT_EQ(D("0").micros(), 0);
  EXPECT_EQ(D("-0").micros(), 0);
  EXPECT_EQ(D("007.50").micros(), 7500000);
  EXPECT_EQ(D("0.000001").micros(), 1);
  EXPECT_EQ(D("1000000000000000000").ToString(), "1000000000000000000");
  EXPECT_EQ(D("-1000000000000000000").ToString(), "-1000000000000000000");
  EXPECT_EQ(D("1.0000000000").micros(), 1000000);  // trailing zeros are not precision
}

TEST(DecimalTest, ParseRefusesEverythingElse) {
  for (std::string_view bad : {"", "-", "+1", "1e3", "1.", ".5", " 1", "1 ", "1,5", "0x10", "--1",
                               "1.2.3", "NaN", "inf", "１"}) {
    Decimal::Parsed p = Decimal::Parse(bad);
    EXPECT_FALSE(p.value.has_value()) << bad;
    EXPECT_EQ(p.error, Decimal::Error::kSyntax) << bad;
  }
  EXPECT_EQ(Decimal::Parse("0.0000001").error, Decimal::Error::kTooPrecise);
  EXPECT_EQ(Decimal::Parse("1.25", 1).error, Decimal::Error::kTooPrecise);
  EXPECT_EQ(Decimal::Parse("1000000000000000000.000001").error, Decimal::Error::kOutOfRange);
  EXPECT_EQ(Decimal::Parse("99999999999999999999999999999999999999999").error,
            Decimal::Error::kOutOfRange);
  EXPECT_FALSE(Decimal::Parse(std::string(100000, '9')).value.has_value());
}

TEST(DecimalTest, ToStringIsCanonical) {
  EXPECT_EQ(Decimal().ToString(), "0");
  EXPECT_EQ(Decimal::FromMicros(-500000).ToString(), "-0.5");
  EXPECT_EQ(Decimal::FromMicros(1).ToString(), "0.000001");
  EXPECT_EQ(Decimal::FromMicros(-1).ToString(), "-0.000001");
  EXPECT_EQ(Decimal::FromInt(12).ToString(), "12");
  EXPECT_EQ(Decimal::FromMicros(12340000).ToString(), "12.34");
  EXPECT_EQ(Decimal::FromInt(-75000000000).ToString(), "-75000000000");
}

TEST(DecimalTest, ToDoubleIsCorrectlyRounded) {
  EXPECT_EQ(D("0.1").ToDouble(), 0.1);
  EXPECT_EQ(D("12.3").ToDouble(), 12.3);
  EXPECT_EQ(D("-0.000001").ToDouble(), -1e-6);
  EXPECT_EQ(D("123456789012.345678").ToDouble(), 123456789012.345678);
  EXPECT_EQ(D("1000000000000000000").ToDouble(), 1e18);
}

TEST(DecimalTest, RoundTripsThroughTextAndDouble) {
  std::mt19937_64 rng(20170531);
  std::uniform_int_distribution<int64_t> micros(-1000000000000000LL, 1000000000000000LL);
  for (int i = 0; i < 20000; ++i) {
    Decimal d = Decimal::FromMicros(micros(rng));
    EXPECT_EQ(*Decimal::Parse(d.ToString()).value, d) << d.ToString();
    // Up to 15 significant digits survive a double: check the double round trip only below
    // 1e8 (at most 14 digits with six decimals), where it is guaranteed.
    if (d.micros() < 100000000000000 && d.micros() > -100000000000000) {
      Decimal::Parsed back = Decimal::FromDouble(d.ToDouble(), 6);
      ASSERT_TRUE(back.value.has_value()) << d.ToString();
      EXPECT_EQ(*back.value, d) << d.ToString();
    }
  }
}

TEST(DecimalTest, SumIsIndependentOfOrder) {
  std::vector<double> wire = {0.1, 0.2, 0.3, 1e12, 0.000001, 7.7, -3.3, 123456.789};
  Decimal forward, backward;
  for (double v : wire) forward += *Decimal::FromDouble(v, 6).value;
  for (auto it = wire.rbegin(); it != wire.rend(); ++it) {
    backward += *Decimal::FromDouble(*it, 6).value;
  }
  EXPECT_EQ(forward, backward);
  EXPECT_EQ(forward.ToString(), "1000000123461.789001");
}

}  // namespace
}  // namespace kpihub::core
