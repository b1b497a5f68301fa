// Decimal conversions. The only way a value enters the system is as text (catalogue) or as a
// wire double; both are turned into an exact count of millionths here, so that every later
// sum is exact and independent of the order of arrival.
#include "kpihub/core/decimal.h"

#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

namespace kpihub::core {
namespace {

using Parsed = Decimal::Parsed;

Parsed Fail(Decimal::Error error) { return Parsed{std::nullopt, error}; }
Parsed Ok(__int128 micros) { return Parsed{Decimal::FromMicros(micros), Decimal::Error::kSyntax}; }

constexpr __int128 kMaxMicros = static_cast<__int128>(1000000000000000000LL) * Decimal::kUnit;

__int128 Pow10(int n) {
  __int128 p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A decimal number split into its significant digits and a power of ten:
// value = (negative ? -1 : 1) * digits * 10^exponent, with no trailing zeros in `digits`.
struct DigitsExponent {
  bool negative = false;
  std::string digits;  // without leading or trailing zeros; empty for zero
  int exponent = 0;
};

// Drops leading and trailing zeros, moving the exponent so that the value is unchanged.
void Normalise(DigitsExponent& d) {
  size_t first = d.digits.find_first_not_of('0');
  if (first == std::string::npos) {
    d.digits.clear();
    d.exponent = 0;
    return;
  }
  d.digits.erase(0, first);
  size_t last = d.digits.find_last_not_of('0');
  d.exponent += static_cast<int>(d.digits.size() - 1 - last);
  d.digits.erase(last + 1);
}

// Splits the output of std::to_chars(double), which is either fixed ("-12.5", "100") or
// scientific ("1e+20", "1.5e-07"), into digits and exponent. The text is trusted (we made it).
DigitsExponent SplitShortest(std::string_view text) {
  DigitsExponent d;
  size_t i = 0;
  if (i < text.size() && text[i] == '-') {
    d.negative = true;
    ++i;
  }
  int fraction_digits = 0;
  bool in_fraction = false;
  for (; i < text.size() && text[i] != 'e'; ++i) {
    if (text[i] == '.') {
      in_fraction = true;
      continue;
    }
    d.digits.push_back(text[i]);
    if (in_fraction) ++fraction_digits;
  }
  int exponent = 0;
  if (i < text.size()) {  // 'e', sign, digits
    std::string_view e = text.substr(i + 1);
    if (!e.empty() && e[0] == '+') e.remove_prefix(1);
    std::from_chars(e.data(), e.data() + e.size(), exponent);
  }
  d.exponent = exponent - fraction_digits;
  Normalise(d);
  return d;
}

// Exact micros of `d`, which the caller has bounded to at most kScale decimals and 1e18.
__int128 ToMicros(const DigitsExponent& d) {
  __int128 m = 0;
  for (char c : d.digits) m = m * 10 + (c - '0');
  m *= Pow10(d.exponent + Decimal::kScale);
  return d.negative ? -m : m;
}

int DecimalPlaces(const DigitsExponent& d) { return d.exponent < 0 ? -d.exponent : 0; }

}  // namespace

Decimal::Parsed Decimal::FromDouble(double v, int max_decimals) {
  if (!std::isfinite(v)) return Fail(Error::kNotFinite);
  if (std::fabs(v) > kMaxMagnitude) return Fail(Error::kOutOfRange);
  // Whole numbers below 2^53 (most figures: counts, yuan) are exact doubles whose shortest
  // text is the number itself, so the text below would give the same; skip it.
  if (std::fabs(v) < 9007199254740992.0 && v == std::trunc(v)) {
    return Ok(static_cast<__int128>(static_cast<int64_t>(v)) * kUnit);
  }
  // Shortest text that round-trips: the decimal the sender most plausibly meant.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return Fail(Error::kSyntax);  // cannot happen with 64 bytes
  DigitsExponent d = SplitShortest(std::string_view(buf, end - buf));
  if (DecimalPlaces(d) > max_decimals || DecimalPlaces(d) > kScale) return Fail(Error::kTooPrecise);
  return Ok(ToMicros(d));
}

Decimal::Parsed Decimal::Parse(std::string_view text, int max_decimals) {
  DigitsExponent d;
  size_t i = 0;
  if (i < text.size() && text[i] == '-') {
    d.negative = true;
    ++i;
  }
  size_t int_start = i;
  while (i < text.size() && IsDigit(text[i])) d.digits.push_back(text[i++]);
  if (i == int_start) return Fail(Error::kSyntax);
  int fraction_digits = 0;
  if (i < text.size() && text[i] == '.') {
    size_t frac_start = ++i;
    while (i < text.size() && IsDigit(text[i])) d.digits.push_back(text[i++]);
    fraction_digits = static_cast<int>(i - frac_start);
    if (fraction_digits == 0) return Fail(Error::kSyntax);  // "12." is not plain decimal text
  }
  if (i != text.size()) return Fail(Error::kSyntax);
  d.exponent = -fraction_digits;
  Normalise(d);
  if (DecimalPlaces(d) > max_decimals || DecimalPlaces(d) > kScale) return Fail(Error::kTooPrecise);
  // Integer digits: digits.size() + exponent. More than 19 is certainly beyond 1e18; checking
  // the count first keeps ToMicros from overflowing on long hostile input.
  if (static_cast<int>(d.digits.size()) + d.exponent > 19) return Fail(Error::kOutOfRange);
  __int128 micros = ToMicros(d);
  if (micros > kMaxMicros || micros < -kMaxMicros) return Fail(Error::kOutOfRange);
  return Ok(micros);
}

std::string Decimal::ToString() const {
  unsigned __int128 magnitude = micros_ < 0 ? -static_cast<unsigned __int128>(micros_)
                                            : static_cast<unsigned __int128>(micros_);
  unsigned __int128 integer = magnitude / kUnit;
  auto fraction = static_cast<int64_t>(magnitude % kUnit);
  std::string int_text;
  do {
    int_text.insert(int_text.begin(), static_cast<char>('0' + static_cast<int>(integer % 10)));
    integer /= 10;
  } while (integer != 0);
  std::string out = micros_ < 0 ? "-" + int_text : int_text;
  if (fraction != 0) {
    std::string frac = std::to_string(fraction);
    frac.insert(0, kScale - frac.size(), '0');
    frac.erase(frac.find_last_not_of('0') + 1);
    out += "." + frac;
  }
  return out;
}

double Decimal::ToDouble() const {
  // Going through the canonical text makes the conversion correctly rounded (from_chars is),
  // so FromDouble(d.ToDouble(), kScale) == d for every d within range.
  std::string text = ToString();
  double v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

}  // namespace kpihub::core
