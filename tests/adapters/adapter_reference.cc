#include "adapter_reference.h"

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <variant>

#include "kpihub/core/validation.h"
#include "kpihub/feed/export_mapper.h"
#include "kpihub/testing/source_file.h"
#include "kpihub/testing/child_process.h"

namespace kpihub::testing {
namespace {

// Period text → (year, order within the year); months and quarters order by their position.
std::pair<int, int> PeriodOrder(const std::string& p) {
  int year = std::stoi(p.substr(0, 4));
  if (p.size() == 4) return {year, 0};
  if (p[4] == 'Q') return {year, p[5] - '0'};
  return {year, std::stoi(p.substr(5))};
}

}  // namespace

void AdapterReference::AddFile(const std::string& department, const std::string& path) {
  auto loaded = feed::LoadProfile(SourceFile("config/profiles/" +
                                       department + ".toml"), department, catalogue_);
  if (!loaded.ok()) throw std::runtime_error(loaded.status().message());
  const feed::Profile& profile = loaded.value();
  std::string name = path.substr(path.rfind('/') + 1);
  feed::MappedExport m = feed::MapExport(profile, name, ReadWholeFile(path));
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch()).count();
  core::Validator validator(catalogue_, now);
  for (const auto& o : m.observations) {
    auto v = validator.Validate(department, o.observation, 0);
    if (auto* ok = std::get_if<core::ValidObservation>(&v)) {
      figures_[{ok->key.indicator, ok->key.park, ok->key.period, ok->key.entity}] = ok->value.micros();
    }
  }
}

std::map<std::pair<std::string, int>, double> AdapterReference::ZoneIndicators() const {
  // (indicator, park, year) -> (order of the latest period, its total) for `last`, or the sum.
  std::map<std::tuple<std::string, std::string, int>, std::pair<int, __int128>> park_year;
  std::map<std::tuple<std::string, std::string, std::string>, __int128> cells;
  for (const auto& [key, micros] : figures_) {
    cells[{std::get<0>(key), std::get<1>(key), std::get<2>(key)}] += micros;
  }
  for (const auto& [key, total] : cells) {
    const auto& [indicator, park, period] = key;
    auto [year, order] = PeriodOrder(period);
    auto& slot = park_year.try_emplace({indicator, park, year}, -1, 0).first->second;
    if (catalogue_.FindIndicator(indicator)->aggregation == core::Aggregation::kSum) {
      slot.first = 0;
      slot.second += total;
    } else if (order > slot.first) {
      slot = {order, total};
    }
  }
  std::map<std::pair<std::string, int>, __int128> zone;
  for (const auto& [key, slot] : park_year) zone[{std::get<0>(key), std::get<2>(key)}] += slot.second;
  std::map<std::pair<std::string, int>, double> out;
  for (const auto& [key, micros] : zone) out[key] = static_cast<double>(micros) / 1e6;
  return out;
}

std::map<std::pair<std::string, int>, double> AdapterReference::ZoneKpis() const {
  auto zone = ZoneIndicators();
  std::map<std::pair<std::string, int>, double> out;
  for (const core::Kpi& kpi : catalogue_.kpis()) {
    for (int year = kpi.baseline_year; year <= 2020; ++year) {  // the sample's years
      int from = kpi.cumulative_from.value_or(year);
      double num = 0, den = 0;
      bool has_num = false, has_den = true;
      for (int y = from; y <= year; ++y) {
        for (const auto& c : kpi.numerator) {
          if (auto it = zone.find({c, y}); it != zone.end()) { num += it->second; has_num = true; }
        }
        for (const auto& c : kpi.denominator) {
          if (auto it = zone.find({c, y}); it != zone.end()) den += it->second;
          else has_den = false;
        }
      }
      if (!has_num) continue;
      if (kpi.denominator.empty()) out[{kpi.code, year}] = kpi.scale * num;
      else if (has_den && den != 0) out[{kpi.code, year}] = kpi.scale * num / den;
    }
  }
  return out;
}

}  // namespace kpihub::testing
