// DecimalText: figures as departments write them ("1,234.5", "１２３", "-0.25") turned into
// exact decimal text in the catalogue's base unit. Unit conversion (万元 → yuan is ×10^4,
// 亿元 ×10^8) moves the decimal point in the text, so it is exact: no binary floating point
// touches a figure before the wire. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kpihub::feed {

// A plain decimal: optional '-', digits, optional '.' and digits. Canonical text has no
// leading zeros (but "0.5"), no trailing fractional zeros, no "-0".
struct DecimalText {
  bool negative = false;
  std::string digits;  // integer and fractional digits together, no leading zeros kept
  int scale = 0;       // number of fractional digits in `digits`

  // Accepts surrounding spaces (ideographic ones too), thousands separators ("1,234,567.8"),
  // full-width digits, separators and signs (NFKC), and a leading '+'. Refuses exponents,
  // NaN, Inf, and anything else.
  static std::optional<DecimalText> Parse(std::string_view text);
  // Multiplies by 10^power (power may be negative), exactly.
  DecimalText Shifted(int power) const;
  // Fractional digits of the canonical form.
  int Places() const;
  // Rounds to `places` fractional digits, half away from zero (the Chinese statistical
  // convention 四舍五入).
  DecimalText RoundedHalfUp(int places) const;
  std::string ToString() const;  // canonical text
  double ToDouble() const;       // nearest double; its shortest text is ToString() for <= 15 digits
};

// A unit a profile may give a column, and its factor to the catalogue's base unit.
struct UnitSpec {
  std::string_view name;       // as written in profiles, e.g. "wan_yuan" or "万元"
  std::string_view base_unit;  // catalogue unit, e.g. "yuan"
  int power = 0;               // value in base unit = value × 10^power
};
// nullopt for a unit kpihub does not know.
std::optional<UnitSpec> FindUnit(std::string_view name);

}  // namespace kpihub::feed
