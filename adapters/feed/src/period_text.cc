#include <algorithm>
#include <string>

#include "kpihub/feed/export_mapper.h"
#include "kpihub/feed/folded_text.h"

namespace kpihub::feed {
namespace {

bool Digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) if (c < '0' || c > '9') return false;
  return true;
}

bool Consume(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// Reads 1-2 ASCII digits, or one Chinese numeral 一..四 (quarters).
std::optional<int> SmallNumber(std::string_view& s) {
  static const char* kNumerals[] = {"一", "二", "三", "四"};
  for (int i = 0; i < 4; ++i) {
    if (Consume(s, kNumerals[i])) return i + 1;
  }
  size_t n = 0;
  while (n < s.size() && n < 2 && s[n] >= '0' && s[n] <= '9') ++n;
  if (n == 0) return std::nullopt;
  int v = std::stoi(std::string(s.substr(0, n)));
  s.remove_prefix(n);
  return v;
}

std::string Month(int year, int month) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
  return buf;
}

}  // namespace

std::optional<std::string> NormalizePeriod(std::string_view raw) {
  std::string text = FoldText(raw);  // "２０２０ 年度" → "2020 年度"
  text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
  std::string_view s = text;
  if (s.size() < 4 || !Digits(s.substr(0, 4))) return std::nullopt;
  int year = std::stoi(std::string(s.substr(0, 4)));
  s.remove_prefix(4);
  if (s.empty() || s == "年" || s == "年度") return std::to_string(year);
  if (Digits(s) && s.size() == 2) {  // 202009
    int m = std::stoi(std::string(s));
    return m >= 1 && m <= 12 ? std::optional(Month(year, m)) : std::nullopt;
  }
  if (Consume(s, "Q") || Consume(s, "-Q") || Consume(s, "年第") || Consume(s, "年")) {
    bool chinese = text.find("年") != std::string::npos;
    auto n = SmallNumber(s);
    if (!n) return std::nullopt;
    if (s.empty() && !chinese) {
      return *n >= 1 && *n <= 4 ? std::optional(std::to_string(year) + "Q" + std::to_string(*n))
                                : std::nullopt;
    }
    if (s == "季度" || s == "季") {
      return *n >= 1 && *n <= 4 ? std::optional(std::to_string(year) + "Q" + std::to_string(*n))
                                : std::nullopt;
    }
    if (s == "月" && *n >= 1 && *n <= 12) return Month(year, *n);
    return std::nullopt;
  }
  if (Consume(s, "-") || Consume(s, "/") || Consume(s, ".")) {
    if (!Digits(s) || s.size() > 2) return std::nullopt;
    int m = std::stoi(std::string(s));
    return m >= 1 && m <= 12 ? std::optional(Month(year, m)) : std::nullopt;
  }
  return std::nullopt;
}

}  // namespace kpihub::feed
