// KPI figure math. Numerators and denominators are summed exactly as Decimals and divided
// only once, at the level shown: a ratio is never a mean of ratios.
#include "kpi_figure.h"

#include <algorithm>

namespace kpihub::core {
namespace {

// Exact sum of `codes` over the years of the window, and what was missing or withheld.
struct WindowSum {
  Decimal sum;
  bool any_missing = false;  // some indicator has no figure in any year of the window
  bool withheld = false;     // some figure used is withheld
};

WindowSum SumWindow(const std::vector<std::string>& codes, const std::string& park, int first_year,
                    int last_year, const IndicatorYearIndex& index) {
  WindowSum out;
  for (const std::string& code : codes) {
    bool found = false;
    for (int y = first_year; y <= last_year; ++y) {
      auto it = index.find({code, park, y});
      if (it == index.end()) continue;
      found = true;
      out.sum += it->second->value;
      out.withheld = out.withheld || it->second->withheld;
    }
    out.any_missing = out.any_missing || !found;
  }
  return out;
}

// num / den from exact micros: the integer part is exact, the remainder is divided in long
// double, so the result is within an ulp of the true quotient whatever the magnitudes.
long double Quotient(Decimal num, Decimal den) {
  __int128 q = num.micros() / den.micros();
  __int128 r = num.micros() % den.micros();
  return static_cast<long double>(q) +
         static_cast<long double>(r) / static_cast<long double>(den.micros());
}

double Progress(const Kpi& kpi, double value) {
  if (kpi.direction == Direction::kUp) return value / kpi.target;
  // Falling KPI: reaching zero (or below) meets any positive target; report 1 rather than
  // an infinity that no board can chart.
  return value > 0 ? kpi.target / value : 1.0;
}

}  // namespace

double ExpectedValue(const Kpi& kpi, int year) {
  const double base = kpi.baseline.value_or(0.0);
  const double span = kpi.target_year - kpi.baseline_year;  // > 0, checked at load
  const double share = (year - kpi.baseline_year) / span;
  // The ends are returned as given, so that the target year expects exactly the target.
  if (share <= 0) return base;
  if (share >= 1) return kpi.target;
  return base + (kpi.target - base) * share;
}

KpiStatus StatusAgainstLine(const Kpi& kpi, double value, double expected_value, double tolerance) {
  if (kpi.direction == Direction::kUp) {
    if (value >= expected_value) return KpiStatus::kOnTrack;
    if (value >= expected_value * (1 - tolerance)) return KpiStatus::kAtRisk;
    return KpiStatus::kOffTrack;
  }
  if (value <= expected_value) return KpiStatus::kOnTrack;
  if (value <= expected_value * (1 + tolerance)) return KpiStatus::kAtRisk;
  return KpiStatus::kOffTrack;
}

KpiFigure ComputeKpiFigure(const Kpi& kpi, const std::string& park, int year,
                           const IndicatorYearIndex& index, double tolerance) {
  KpiFigure f;
  f.kpi = &kpi;
  f.park = park;
  f.year = year;
  const int first_year = kpi.cumulative_from.value_or(year);
  WindowSum num = SumWindow(kpi.numerator, park, first_year, year, index);
  f.numerator = num.sum;
  f.withheld = num.withheld;
  const double expected_value = ExpectedValue(kpi, year);
  f.expected = expected_value / kpi.target;
  long double value = 0;
  if (kpi.denominator.empty()) {
    f.has_value = true;
    value = static_cast<long double>(num.sum.ToDouble());
  } else {
    WindowSum den = SumWindow(kpi.denominator, park, first_year, year, index);
    f.denominator = den.sum;
    f.withheld = f.withheld || den.withheld;
    f.has_value = !den.any_missing && den.sum != Decimal();
    if (f.has_value) value = Quotient(num.sum, den.sum);
  }
  if (!f.has_value) return f;  // status stays kNoData, value and progress 0
  f.value = static_cast<double>(static_cast<long double>(kpi.scale) * value);
  f.progress = Progress(kpi, f.value);
  f.status = StatusAgainstLine(kpi, f.value, expected_value, tolerance);
  return f;
}

}  // namespace kpihub::core
