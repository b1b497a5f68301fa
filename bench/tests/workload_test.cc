// The workload is valid for the built-in catalogue, its indices name distinct keys, and the
// seeding tool stores the exact decimal the daemon would have.
#include <gtest/gtest.h>

#include <ctime>
#include <set>
#include <variant>

#include "kpihub/app/daemon_config.h"
#include "kpihub/core/validation.h"
#include "latency.h"
#include "workload.h"

namespace kpihub::bench {
namespace {

TEST(Workload, EveryObservationPassesValidation) {
  auto loaded = app::LoadCatalogue("");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  core::Validator validator(**loaded, std::time(nullptr));
  for (KeyOrder order : {KeyOrder::kClustered, KeyOrder::kScattered}) {
    Workload workload(order);
    for (uint64_t i = 0; i < 20000; i += 7) {
      auto result = validator.Validate(Workload::department(), workload.At(i), 0);
      ASSERT_TRUE(std::holds_alternative<core::ValidObservation>(result))
          << KeyOrderName(order) << " index " << i << ": "
          << std::get<core::Rejection>(result).detail;
      const auto& valid = std::get<core::ValidObservation>(result);
      const core::ValidObservation seeded = ValidAt(workload, i);
      EXPECT_EQ(valid.key, seeded.key);
      EXPECT_EQ(valid.value, seeded.value);
    }
  }
}

TEST(Workload, DistinctIndicesNameDistinctKeys) {
  for (KeyOrder order : {KeyOrder::kClustered, KeyOrder::kScattered}) {
    Workload workload(order);
    std::set<std::string> keys;
    for (uint64_t i = 0; i < 50000; ++i) {
      const core::Observation o = workload.At(i * 997);
      keys.insert(o.indicator + "/" + o.park + "/" + o.period + "/" + o.entity);
    }
    EXPECT_EQ(keys.size(), 50000u) << KeyOrderName(order);
  }
}

TEST(Workload, ClusteredBatchesStayInOneSeries) {
  Workload workload(KeyOrder::kClustered);
  const auto batch = workload.Range(0, 1000);
  for (const auto& o : batch) {
    EXPECT_EQ(o.indicator, batch.front().indicator);
    EXPECT_EQ(o.period, batch.front().period);
    EXPECT_EQ(o.park, batch.front().park);
  }
}

TEST(RunSummary, JsonHasPercentilesOrNull) {
  RunSummary s;
  s.observations = 10;
  s.batches = 2;
  s.seconds = 1;
  s.latencies_ms = {1, 2, 3, 4};
  const std::string json = ToJson(s);
  EXPECT_NE(json.find("\"obs_per_s\":10.0"), std::string::npos) << json;
  EXPECT_NE(json.find("\"p50_ms\":2.0"), std::string::npos) << json;
  EXPECT_NE(json.find("\"p99_ms\":4.0"), std::string::npos) << json;
  EXPECT_NE(ToJson(RunSummary{}).find("\"p50_ms\":null"), std::string::npos);
}

}  // namespace
}  // namespace kpihub::bench
