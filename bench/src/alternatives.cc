#include <algorithm>
#include <thread>
#include <vector>

#include "alternatives.h"

namespace kpihub::bench {

RunSummary RunAdapters(const AlternativeLoadOptions& options, const AdapterRun& run) {
  using Clock = std::chrono::steady_clock;
  const uint64_t batches =
      std::max<uint64_t>(1, options.observations / options.batch_size / options.adapters);
  std::vector<RunSummary> results(options.adapters);
  std::vector<Clock::time_point> finished(options.adapters);
  std::barrier start(static_cast<ptrdiff_t>(options.adapters + 1));
  std::vector<std::thread> threads;
  for (size_t a = 0; a < options.adapters; ++a) {
    threads.emplace_back(run, std::cref(options), a, batches, std::ref(start), &results[a],
                         &finished[a]);
  }
  start.arrive_and_wait();
  const auto started = Clock::now();
  for (auto& t : threads) t.join();
  RunSummary total;
  for (size_t a = 0; a < options.adapters; ++a) {
    total.observations += results[a].observations;
    total.batches += results[a].batches;
    total.failures += results[a].failures;
    total.latencies_ms.insert(total.latencies_ms.end(), results[a].latencies_ms.begin(),
                              results[a].latencies_ms.end());
    if (total.error.empty()) total.error = results[a].error;
  }
  total.seconds = std::chrono::duration<double>(
                      *std::max_element(finished.begin(), finished.end()) - started).count();
  return total;
}

}  // namespace kpihub::bench
