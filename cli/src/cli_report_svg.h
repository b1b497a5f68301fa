// The small trend chart of one KPI in the leadership report: the zone's yearly values as a
// line with dots, and the straight-line trajectory from baseline to target (dashed, flat at
// the target after the due year). Inline SVG, no script. Pure; thread-safe.
#pragma once

#include <string>

#include "cli_report_figures.h"

namespace kpihub::cli {

std::string TrendSvg(const ReportKpi& kpi);

}  // namespace kpihub::cli
