#include "cli_names.h"

#include <algorithm>
#include <cctype>

#include "kpihub/core/edit_distance.h"

namespace kpihub::cli {
namespace {

// Code points of a UTF-8 string; a byte that starts no valid sequence counts as one.
std::u32string CodePoints(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
    if (i + len > s.size()) len = 1;
    char32_t cp = len == 1 ? b : b & (0xFF >> (len + 1));
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

std::string Folded(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Label(const NamedCode& n) {
  std::string out = n.code;
  if (!n.name_zh.empty()) out += " " + n.name_zh;
  return out;
}

}  // namespace

size_t EditDistance(std::string_view a, std::string_view b) {
  return core::EditDistance(CodePoints(a), CodePoints(b));
}

Result<std::string> ResolveName(std::string_view what, std::string_view typed,
                                const std::vector<NamedCode>& known) {
  const std::string want = Folded(typed);
  for (const NamedCode& n : known) {
    if (want == Folded(n.code) || (!n.name_zh.empty() && want == Folded(n.name_zh)) ||
        (!n.name_en.empty() && want == Folded(n.name_en))) {
      return n.code;
    }
  }
  const NamedCode* closest = nullptr;
  size_t best = SIZE_MAX;
  for (const NamedCode& n : known) {
    for (const std::string* name : {&n.code, &n.name_zh, &n.name_en}) {
      if (name->empty()) continue;
      const size_t d = EditDistance(want, Folded(*name));
      if (d < best) best = d, closest = &n;
    }
  }
  std::string message = "no " + std::string(what) + " is called '" + std::string(typed) + "'";
  if (closest != nullptr) message += "; did you mean " + Label(*closest) + "?";
  message += " (known: ";
  for (size_t i = 0; i < known.size(); ++i) message += (i ? ", " : "") + Label(known[i]);
  return Status::NotFound(message + ")");
}

Result<std::string> ResolvePark(const core::Catalogue& catalogue, std::string_view typed,
                                bool allow_all) {
  std::vector<NamedCode> known{{"zone", "全区", "whole zone"}};
  if (allow_all) known.push_back({"all", "全部园区", "every park"});
  for (const core::Park& p : catalogue.parks()) known.push_back({p.code, p.name_zh, p.name_en});
  return ResolveName("park 园区", typed, known);
}

Result<std::string> ResolveDepartment(const core::Catalogue& catalogue, std::string_view typed) {
  std::vector<NamedCode> known;
  for (const core::Department& d : catalogue.departments()) {
    known.push_back({d.code, d.name_zh, d.name_en});
  }
  return ResolveName("department 部门", typed, known);
}

Result<std::string> ResolveIndicator(const core::Catalogue& catalogue, std::string_view typed) {
  std::vector<NamedCode> known;
  for (const core::Indicator& i : catalogue.indicators()) {
    known.push_back({i.code, i.name_zh, i.name_en});
  }
  return ResolveName("indicator 指标", typed, known);
}

Result<std::string> ResolveKpi(const core::Catalogue& catalogue, std::string_view typed) {
  std::vector<NamedCode> known;
  for (const core::Kpi& k : catalogue.kpis()) known.push_back({k.code, k.name_zh, k.name_en});
  return ResolveName("KPI 考核指标", typed, known);
}

}  // namespace kpihub::cli
