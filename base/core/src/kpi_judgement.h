// The judgement of KPI figures (docs/catalogue.md, "Judgement"): which target judges each
// level, where its straight line starts, and the status. Private to core; used by
// Rollup::Finish after every figure of a KPI is computed. Pure.
#pragma once

#include <vector>

#include "kpihub/core/rollup.h"

namespace kpihub::core {

// Judges every figure of `kpi` (all parks and the zone, all years) in place. A baseline taken
// from data is the figure of baseline_year at the same level, when it has a value and is not
// withheld.
void JudgeKpiFigures(const Kpi& kpi, double tolerance, std::vector<KpiFigure*>& figures);

// The straight line from (baseline_year, base) to (due_year, target), flat outside that span;
// exactly `target` from due_year on.
double LineValue(double base, int baseline_year, double target, int due_year, int year);

}  // namespace kpihub::core
