#include "kpihub/feed/decimal_text.h"

#include <array>
#include <cstdlib>

#include "kpihub/feed/folded_text.h"

namespace kpihub::feed {
namespace {

// Thousands separators must group three digits each: "1,234" yes, "1,23" no (it is more
// likely a decimal comma, which kpihub refuses rather than guesses).
bool SeparatorsWellPlaced(std::string_view integer) {
  if (integer.find(',') == std::string_view::npos) return true;
  size_t group = 0;
  bool first = true;
  for (size_t i = 0; i <= integer.size(); ++i) {
    if (i < integer.size() && integer[i] != ',') { ++group; continue; }
    if (first ? (group == 0 || group > 3) : group != 3) return false;
    first = false;
    group = 0;
  }
  return true;
}

}  // namespace

std::optional<DecimalText> DecimalText::Parse(std::string_view raw) {
  // NFKC: full-width digits, signs, '．' and '，' and the ideographic space become ASCII.
  std::string folded = FoldText(raw);
  std::string_view s = folded;
  DecimalText d;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    d.negative = s.front() == '-';
    s.remove_prefix(1);
  }
  size_t dot = s.find('.');
  std::string_view integer = s.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  if (integer.empty() && fraction.empty()) return std::nullopt;
  if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;  // "12."
  if (!SeparatorsWellPlaced(integer)) return std::nullopt;
  for (char c : integer) {
    if (c == ',') continue;
    if (c < '0' || c > '9') return std::nullopt;
    d.digits.push_back(c);
  }
  for (char c : fraction) {
    if (c < '0' || c > '9') return std::nullopt;
    d.digits.push_back(c);
  }
  if (d.digits.empty() || d.digits.size() > 40) return std::nullopt;
  d.scale = static_cast<int>(fraction.size());
  return d;
}

DecimalText DecimalText::Shifted(int power) const {
  DecimalText d = *this;
  if (power >= 0) {
    int from_scale = std::min(power, d.scale);
    d.scale -= from_scale;
    d.digits.append(static_cast<size_t>(power - from_scale), '0');
  } else {
    d.scale -= power;
  }
  return d;
}

int DecimalText::Places() const {
  int places = scale;
  for (size_t i = digits.size(); places > 0 && i > 0 && digits[i - 1] == '0'; --i) --places;
  return places;
}

DecimalText DecimalText::RoundedHalfUp(int places) const {
  if (scale <= places) return *this;
  DecimalText d = *this;
  int drop = scale - places;
  // Pad so that there is at least one integer digit to carry into.
  if (static_cast<int>(d.digits.size()) < drop + 1) {
    d.digits.insert(0, static_cast<size_t>(drop + 1) - d.digits.size(), '0');
  }
  bool up = d.digits[d.digits.size() - static_cast<size_t>(drop)] >= '5';
  d.digits.resize(d.digits.size() - static_cast<size_t>(drop));
  d.scale = places;
  for (size_t i = d.digits.size(); up && i > 0; --i) {
    if (d.digits[i - 1] == '9') { d.digits[i - 1] = '0'; continue; }
    d.digits[i - 1]++;
    up = false;
  }
  if (up) d.digits.insert(0, 1, '1');
  return d;
}

std::string DecimalText::ToString() const {
  int places = Places();
  std::string body = digits.substr(0, digits.size() - static_cast<size_t>(scale - places));
  std::string integer = body.substr(0, body.size() - static_cast<size_t>(places));
  std::string fraction = body.substr(body.size() - static_cast<size_t>(places));
  size_t nz = integer.find_first_not_of('0');
  integer = nz == std::string::npos ? "0" : integer.substr(nz);
  bool zero = integer == "0" && fraction.find_first_not_of('0') == std::string::npos;
  std::string out = (negative && !zero) ? "-" : "";
  out += integer;
  if (!fraction.empty()) out += "." + fraction;
  return out;
}

double DecimalText::ToDouble() const { return std::strtod(ToString().c_str(), nullptr); }

std::optional<UnitSpec> FindUnit(std::string_view name) {
  static constexpr std::array<UnitSpec, 22> kUnits = {{
      {"yuan", "yuan", 0},       {"元", "yuan", 0},
      {"qian_yuan", "yuan", 3},  {"千元", "yuan", 3},
      {"wan_yuan", "yuan", 4},   {"万元", "yuan", 4},
      {"yi_yuan", "yuan", 8},    {"亿元", "yuan", 8},
      {"tonne", "tonne", 0},     {"吨", "tonne", 0},
      {"wan_tonne", "tonne", 4}, {"万吨", "tonne", 4},
      {"m2", "m2", 0},           {"平方米", "m2", 0},
      {"wan_m2", "m2", 4},       {"万平方米", "m2", 4},
      {"kw", "kw", 0},           {"千瓦", "kw", 0},
      {"mw", "kw", 3},           {"兆瓦", "kw", 3},
      {"count", "count", 0},     {"ratio", "ratio", 0},
  }};
  for (const auto& u : kUnits) {
    if (u.name == name) return u;
  }
  return std::nullopt;
}

}  // namespace kpihub::feed
