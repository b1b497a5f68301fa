// AdapterReference: the figures kpihub should show after a set of department files is fed,
// computed in the test straight from the files — each file mapped with its department's
// shipped profile, each observation checked with the catalogue's Validator, later figures
// replacing earlier ones with the same key — and then rolled up by the rules of
// docs/catalogue.md written out again here (yearly sum or latest period, zone = Σ parks,
// KPI = Σ numerator / Σ denominator), not by core::Rollup. Not thread-safe.
// It shares the mapping and validation code with kpihub-adapter and kpihubd, so it checks
// delivery (everything sent arrives once, in order), not the figures' correctness: that is
// the oracle's (tests/oracle), against the sample generator's own expectations.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kpihub/core/catalogue.h"

namespace kpihub::testing {

class AdapterReference {
 public:
  explicit AdapterReference(const core::Catalogue& catalogue) : catalogue_(catalogue) {}
  // Adds a file as `department` would send it (in this order).
  void AddFile(const std::string& department, const std::string& path);
  size_t observations() const { return figures_.size(); }
  // Zone value of `indicator` in `year`; nullopt without data.
  std::map<std::pair<std::string, int>, double> ZoneIndicators() const;
  // Zone KPI values by (kpi, year), for years with numerator data and a non-zero denominator.
  std::map<std::pair<std::string, int>, double> ZoneKpis() const;

 private:
  const core::Catalogue& catalogue_;
  // (indicator, park, period, entity) -> value in millionths (exact)
  std::map<std::tuple<std::string, std::string, std::string, std::string>, __int128> figures_;
};

}  // namespace kpihub::testing
