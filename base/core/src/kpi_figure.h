// KPI figure math: from yearly indicator figures of one place (a park or the zone) to a KPI's
// value. Private to core; used by Rollup::Finish. Pure functions.
#pragma once

#include <map>
#include <string>
#include <tuple>

#include "kpihub/core/rollup.h"

namespace kpihub::core {

// Yearly figures by (indicator code, park, year).
using IndicatorYearIndex =
    std::map<std::tuple<std::string, std::string, int>, const IndicatorYear*>;

// The KPI's figure for `park` (or kZonePark) in `year`: value, numerator, denominator and
// whether it is withheld. The judgement (kpi_judgement.h) comes after, over all figures.
KpiFigure ComputeKpiFigure(const Kpi& kpi, const std::string& park, int year,
                           const IndicatorYearIndex& index);

}  // namespace kpihub::core
