// What an operator types for a park, department, indicator or KPI, resolved to its catalogue
// code: the code itself, its Chinese name or its English name (case and surrounding space
// ignored). A name that matches nothing is an error that says so and names the closest known
// one, so that a filter never silently matches nothing. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kpihub/core/catalogue.h"
#include "kpihub/core/status.h"

namespace kpihub::cli {

struct NamedCode {
  std::string code;
  std::string name_zh;
  std::string name_en;
};

// `what` names the kind in the message, e.g. "park 园区".
Result<std::string> ResolveName(std::string_view what, std::string_view typed,
                                const std::vector<NamedCode>& known);

// The catalogue's parks ("zone" 全区 and, when `allow_all`, "all" 全部园区 too), departments,
// indicators and KPIs.
Result<std::string> ResolvePark(const core::Catalogue& catalogue, std::string_view typed,
                                bool allow_all);
Result<std::string> ResolveDepartment(const core::Catalogue& catalogue, std::string_view typed);
Result<std::string> ResolveIndicator(const core::Catalogue& catalogue, std::string_view typed);
Result<std::string> ResolveKpi(const core::Catalogue& catalogue, std::string_view typed);

// Edit distance between two UTF-8 strings, counted in code points (so one Chinese character
// is one edit).
size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace kpihub::cli
