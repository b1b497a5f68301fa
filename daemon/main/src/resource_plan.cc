#include "resource_plan.h"

#include <sys/resource.h>

#include <algorithm>

namespace kpihub::app {

ResourcePlan PlanResources(uint64_t descriptors, bool exchange) {
  ResourcePlan plan;
  plan.descriptors = descriptors;
  uint64_t usable = descriptors > kReservedDescriptors + 32 ? descriptors - kReservedDescriptors : 32;
  // HTTP gets a quarter, at most 128 (64 workers and 64 queued are plenty for scrapers).
  uint64_t http = std::clamp<uint64_t>(usable / 4, 8, 128);
  plan.http_threads = static_cast<int>(http / 2);
  plan.http_queue = static_cast<int>(http - http / 2);
  usable -= std::min(usable, http);
  // The exchange an eighth of what is left, at most 256: its readers are a few departments'
  // tools, and a flood of connections there must not take ingest's descriptors.
  if (exchange) {
    plan.exchange_connections = static_cast<size_t>(std::clamp<uint64_t>(usable / 8, 8, 256));
    usable -= std::min<uint64_t>(usable, plan.exchange_connections);
  }
  // Ingest the rest, at most 4096 connections (far above any zone's adapters).
  plan.ingest_connections = static_cast<size_t>(std::clamp<uint64_t>(usable, 8, 4096));
  plan.zmq_max_sockets = 64;  // the ROUTER, the ZAP handler, the monitor and their peers
  return plan;
}

uint64_t RaiseDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  // select(2) is never used (libzmq uses epoll, civetweb poll), so a limit above FD_SETSIZE
  // is safe; an unlimited one is treated as a large number.
  return limit.rlim_cur == RLIM_INFINITY ? (1u << 20) : static_cast<uint64_t>(limit.rlim_cur);
}

std::string Describe(const ResourcePlan& plan) {
  return "descriptors=" + std::to_string(plan.descriptors) +
         " ingest_connections<=" + std::to_string(plan.ingest_connections) +
         (plan.exchange_connections == 0
              ? std::string()
              : " exchange_connections<=" + std::to_string(plan.exchange_connections)) +
         " http_workers=" + std::to_string(plan.http_threads) +
         " http_queue=" + std::to_string(plan.http_queue);
}

}  // namespace kpihub::app
