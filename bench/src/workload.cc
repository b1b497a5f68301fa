#include "workload.h"

#include <array>
#include <cstdio>

#include "kpihub/core/decimal.h"
#include "kpihub/core/uscc.h"

namespace kpihub::bench {
namespace {

constexpr uint64_t kEnterprises = Workload::kEnterprises;
constexpr std::array<const char*, Workload::kParks> kParkCodes = {
    "core",     "auto_parts", "smart_mfg",  "startup_center",  "hpu_park", "zgc_base",
    "tengyun",  "inspection", "hq_economy", "culture_tourism", "agri_tech"};

struct Series {
  const char* indicator;
  std::string period;
  bool flag;  // a 0/1 indicator
};

// (indicator, period) pairs, ordered by quarter so that a clustered run stays in one quarter
// for as long as possible.
std::vector<Series> MakeSeries() {
  std::vector<Series> out;
  char text[16];
  for (int year = 2017; year <= 2020; ++year) {
    for (int q = 1; q <= 4; ++q) {
      for (const char* monthly : {"industrial_output", "hitech_sei_output"}) {
        for (int m = 3 * q - 2; m <= 3 * q; ++m) {
          std::snprintf(text, sizeof text, "%d-%02d", year, m);
          out.push_back({monthly, text, false});
        }
      }
      std::snprintf(text, sizeof text, "%dQ%d", year, q);
      out.push_back({"rd_expenditure", text, false});
    }
    std::snprintf(text, sizeof text, "%d", year);
    out.push_back({"hightech_certified", text, true});
    out.push_back({"above_scale_with_rd_institution", text, true});
  }
  return out;
}

const std::vector<Series>& AllSeries() {
  static const std::vector<Series> series = MakeSeries();
  return series;
}

// A prime that divides no factor of the key count: i -> i * kStride mod N is a permutation.
constexpr uint64_t kStride = 2654435761ull;

uint64_t KeyIndex(KeyOrder order, uint64_t index) {
  const uint64_t n = Workload::key_count();
  index %= n;
  if (order == KeyOrder::kClustered) return index;
  return static_cast<uint64_t>((static_cast<unsigned __int128>(index) * kStride) % n);
}

}  // namespace

bool ParseKeyOrder(std::string_view text, KeyOrder* out) {
  if (text == "clustered") *out = KeyOrder::kClustered;
  else if (text == "scattered") *out = KeyOrder::kScattered;
  else return false;
  return true;
}

std::string_view KeyOrderName(KeyOrder order) {
  return order == KeyOrder::kClustered ? "clustered" : "scattered";
}

Workload::Workload(KeyOrder order) : order_(order) {}

size_t Workload::series_count() { return AllSeries().size(); }
const char* Workload::series_indicator(size_t series) { return AllSeries()[series].indicator; }

uint64_t Workload::key_count() { return AllSeries().size() * kParkCodes.size() * kEnterprises; }

core::Observation Workload::At(uint64_t index) const {
  uint64_t k = KeyIndex(order_, index);
  const uint64_t enterprise = k % kEnterprises;
  k /= kEnterprises;
  const size_t park = k % kParkCodes.size();
  const Series& series = AllSeries()[k / kParkCodes.size()];
  core::Observation obs;
  obs.indicator = series.indicator;
  obs.park = kParkCodes[park];
  obs.entity = core::SyntheticUscc(static_cast<uint32_t>(enterprise + 1));
  obs.period = series.period;
  // Exact in binary and within bounds and decimals: an integer, or a flag.
  obs.value = series.flag ? static_cast<double>(index & 1) : static_cast<double>(index % 1000000) + 0.25;
  return obs;
}

std::vector<core::Observation> Workload::Range(uint64_t first, size_t count) const {
  std::vector<core::Observation> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) out.push_back(At(first + i));
  return out;
}

core::ValidObservation ValidAt(const Workload& workload, uint64_t index) {
  core::Observation obs = workload.At(index);
  core::ValidObservation valid;
  valid.key = core::FigureKey{obs.indicator, obs.park, obs.period, obs.entity};
  valid.value = core::Decimal::FromMicros(static_cast<__int128>(obs.value * 4) *
                                          (core::Decimal::kUnit / 4));
  return valid;
}

}  // namespace kpihub::bench
