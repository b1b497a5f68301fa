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

}  // namespace

KpiFigure ComputeKpiFigure(const Kpi& kpi, const std::string& park, int year,
                           const IndicatorYearIndex& index) {
  KpiFigure f;
  f.kpi = &kpi;
  f.park = park;
  f.year = year;
  const int first_year = kpi.cumulative_from.value_or(year);
  WindowSum num = SumWindow(kpi.numerator, park, first_year, year, index);
  f.numerator = num.sum;
  f.withheld = num.withheld;
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
  if (!f.has_value) return f;  // status stays kNoData, value 0
  f.value = static_cast<double>(static_cast<long double>(kpi.scale) * value);
  return f;
}

}  // namespace kpihub::core
