// Decimal: an exact fixed-point number with six decimal places, stored as a 128-bit count of
// millionths. Sums of Decimals are exact and independent of order, which is what lets
// aggregates be recomputed bit for bit. A value type; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kpihub::core {

class Decimal {
 public:
  static constexpr int kScale = 6;                   // decimal places kept
  static constexpr int64_t kUnit = 1000000;          // 10^kScale
  // Largest magnitude accepted from outside: 10^18 base units, far above any figure of a zone.
  static constexpr double kMaxMagnitude = 1e18;

  enum class Error { kNotFinite, kTooPrecise, kOutOfRange, kSyntax };

  constexpr Decimal() = default;
  static constexpr Decimal FromMicros(__int128 micros) { return Decimal(micros); }
  static Decimal FromInt(int64_t units) { return Decimal(static_cast<__int128>(units) * kUnit); }

  // Converts a wire double to the decimal it was meant to be: the shortest decimal text that
  // round-trips to the same double, which must have at most `max_decimals` (<= kScale)
  // places. 0.1 becomes exactly 0.1; 0.30000000000000004 is refused as too precise.
  struct Parsed;  // { std::optional<Decimal> value; Error error; }, defined below the class
  static Parsed FromDouble(double v, int max_decimals);
  // Parses "-123.45", "1e3" is not accepted: plain decimal text only.
  static Parsed Parse(std::string_view text, int max_decimals = kScale);

  __int128 micros() const { return micros_; }
  Decimal Abs() const { return Decimal(micros_ < 0 ? -micros_ : micros_); }
  double ToDouble() const;
  // Canonical text: no trailing zeros after the point, no point for integers ("12", "0.5").
  std::string ToString() const;

  Decimal operator+(Decimal o) const { return Decimal(micros_ + o.micros_); }
  Decimal operator-(Decimal o) const { return Decimal(micros_ - o.micros_); }
  Decimal& operator+=(Decimal o) { micros_ += o.micros_; return *this; }
  Decimal& operator-=(Decimal o) { micros_ -= o.micros_; return *this; }
  friend bool operator==(Decimal a, Decimal b) { return a.micros_ == b.micros_; }
  friend auto operator<=>(Decimal a, Decimal b) { return a.micros_ <=> b.micros_; }

 private:
  constexpr explicit Decimal(__int128 m) : micros_(m) {}
  __int128 micros_ = 0;
};

// Defined out of line because std::optional<Decimal> needs Decimal to be a complete type.
struct Decimal::Parsed {
  std::optional<Decimal> value;  // set on success
  Error error = Error::kSyntax;  // meaningful only when `value` is empty
};

}  // namespace kpihub::core
