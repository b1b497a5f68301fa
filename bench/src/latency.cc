#include "latency.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>

namespace kpihub::bench {

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return NAN;
  const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * values.size()));
  const size_t i = std::min(values.size() - 1, rank == 0 ? 0 : rank - 1);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(i), values.end());
  return values[i];
}

std::string ToJson(const RunSummary& s) {
  const double secs = s.seconds > 0 ? s.seconds : NAN;
  std::string error;
  for (char c : s.error) error += (c == '"' || c == '\\') ? '\'' : (c < 0x20 ? ' ' : c);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"observations\":%llu,\"batches\":%llu,\"seconds\":%.6f,\"obs_per_s\":%.1f,"
                "\"batches_per_s\":%.1f,\"p50_ms\":%.4f,\"p99_ms\":%.4f,\"rejected\":%llu,"
                "\"failures\":%llu,",
                static_cast<unsigned long long>(s.observations),
                static_cast<unsigned long long>(s.batches), s.seconds, s.observations / secs,
                s.batches / secs, Percentile(s.latencies_ms, 50), Percentile(s.latencies_ms, 99),
                static_cast<unsigned long long>(s.rejected),
                static_cast<unsigned long long>(s.failures));
  std::string out = buf;
  // JSON has no NaN: a run without a figure says null.
  for (std::string nan : {"nan", "-nan"}) {
    for (size_t at; (at = out.find(":" + nan)) != std::string::npos;) out.replace(at + 1, nan.size(), "null");
  }
  return out + "\"error\":\"" + error + "\"}";
}

}  // namespace kpihub::bench
