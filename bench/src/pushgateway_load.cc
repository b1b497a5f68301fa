#include <curl/curl.h>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "alternatives.h"

namespace kpihub::bench {
namespace {

using Clock = std::chrono::steady_clock;

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

std::string GroupBody(const std::vector<core::Observation>& batch) {
  std::string body;
  body.reserve(batch.size() * 128);
  char value[64];
  for (const auto& o : batch) {
    std::snprintf(value, sizeof value, "%.2f", o.value);
    body += "kpihub_observation{indicator=\"" + o.indicator + "\",park=\"" + o.park +
            "\",period=\"" + o.period + "\",entity=\"" + o.entity + "\"} " + value + "\n";
  }
  return body;
}

void RunAdapter(const AlternativeLoadOptions& options, size_t adapter, uint64_t batches,
                std::barrier<>& start, RunSummary* out, Clock::time_point* finished) {
  const Workload workload(options.order);
  std::vector<std::string> bodies;
  const uint64_t first = options.first_index + adapter * batches * options.batch_size;
  for (uint64_t b = 0; b < batches; ++b) {
    bodies.push_back(GroupBody(workload.Range(first + b * options.batch_size, options.batch_size)));
  }
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: text/plain; version=0.0.4");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  start.arrive_and_wait();
  for (uint64_t b = 0; b < batches; ++b) {
    // 64 groups per adapter: the Pushgateway keeps the last push of each.
    const std::string url = options.target + "/metrics/job/kpihub_bench/adapter/a" +
                            std::to_string(adapter) + "/slot/" + std::to_string(b % 64);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, bodies[b].data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(bodies[b].size()));
    const auto sent = Clock::now();
    const CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status / 100 != 2) {
      ++out->failures;
      out->error = rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP " + std::to_string(status);
      continue;
    }
    out->latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
    out->batches += 1;
    out->observations += options.batch_size;
  }
  *finished = Clock::now();
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
}

}  // namespace

RunSummary RunPushgatewayLoad(const AlternativeLoadOptions& options) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  RunSummary total = RunAdapters(options, RunAdapter);
  curl_global_cleanup();
  return total;
}

}  // namespace kpihub::bench
