// KPI figure math: from yearly indicator figures of one place (a park or the zone) to a KPI's
// value, progress against the straight line from baseline to target, and status. Private to
// core; used by Rollup::Finish. Pure functions.
#pragma once

#include <map>
#include <string>
#include <tuple>

#include "kpihub/core/rollup.h"

namespace kpihub::core {

// Yearly figures by (indicator code, park, year).
using IndicatorYearIndex =
    std::map<std::tuple<std::string, std::string, int>, const IndicatorYear*>;

// The KPI's figure for `park` (or kZonePark) in `year`. `tolerance` is the catalogue's
// at_risk_tolerance.
KpiFigure ComputeKpiFigure(const Kpi& kpi, const std::string& park, int year,
                           const IndicatorYearIndex& index, double tolerance);

// The straight-line value the KPI should have reached in `year`: baseline (0 when absent) at
// baseline_year rising (or falling) evenly to target at target_year, flat outside that span.
double ExpectedValue(const Kpi& kpi, int year);

// Status of `value` against `expected_value` for the KPI's direction.
KpiStatus StatusAgainstLine(const Kpi& kpi, double value, double expected_value, double tolerance);

}  // namespace kpihub::core
