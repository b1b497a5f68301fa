#include "seed.h"

#include <chrono>
#include <memory>
#include <set>
#include <sstream>
#include <vector>

#include "kpihub/store/store.h"

namespace kpihub::bench {
namespace {

constexpr const char* kSeedAdapter = "bench-seed";

// Workload indices, in the order they are written.
std::vector<uint64_t> PlanIndices(const SeedOptions& options) {
  std::vector<uint64_t> out;
  if (options.enterprise_indicators.empty()) {
    out.reserve(options.observations);
    for (uint64_t i = 0; i < options.observations; ++i) out.push_back(options.first_index + i);
    return out;
  }
  std::set<std::string> wanted;
  std::stringstream list(options.enterprise_indicators);
  for (std::string code; std::getline(list, code, ',');) wanted.insert(code);
  for (size_t s = 0; s < Workload::series_count(); ++s) {
    if (!wanted.count(Workload::series_indicator(s))) continue;
    for (uint64_t e = 0; e < options.enterprises && e < Workload::kEnterprises; ++e) {
      out.push_back(e + Workload::kEnterprises * (e % Workload::kParks + Workload::kParks * s));
    }
  }
  return out;
}

uint64_t LastSequence(store::Store& store) {
  std::unique_ptr<store::Snapshot> snapshot;
  uint64_t last = 0;
  if (!store.OpenSnapshot(&snapshot).ok()) return 0;
  (void)snapshot->ForEachSender([&](const store::SenderState& s) {
    if (s.adapter == kSeedAdapter) last = s.last_sequence;
  });
  return last;
}

}  // namespace

SeedResult Seed(const SeedOptions& options) {
  SeedResult result;
  const auto started = std::chrono::steady_clock::now();
  store::StoreOptions store_options;
  store_options.path = options.state_dir;
  store_options.no_sync = true;
  store_options.initial_map_bytes = 1ull << 30;
  std::unique_ptr<store::Store> store;
  if (kpihub::Status s = store::Store::Open(store_options, &store); !s.ok()) {
    result.error = s.ToString();
    return result;
  }
  const KeyOrder order =
      options.enterprise_indicators.empty() ? options.order : KeyOrder::kClustered;
  const Workload workload(order);
  const std::vector<uint64_t> indices = PlanIndices(options);
  uint64_t sequence = LastSequence(*store);
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  size_t next = 0;
  while (next < indices.size()) {
    std::vector<store::BatchToApply> group;
    for (size_t b = 0; b < options.group_batches && next < indices.size(); ++b) {
      store::BatchToApply batch{kSeedAdapter, Workload::department(), ++sequence, now_ms, {}, {}};
      for (size_t i = 0; i < options.batch_size && next < indices.size(); ++i) {
        batch.accepted.push_back(ValidAt(workload, indices[next++]));
      }
      group.push_back(std::move(batch));
    }
    std::vector<store::ApplyResult> applied;
    if (kpihub::Status s = store->ApplyGroup(group, &applied); !s.ok()) {
      result.error = s.ToString();
      return result;
    }
    for (const auto& batch : group) result.observations += batch.accepted.size();
  }
  store.reset();
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace kpihub::bench
