// FakeClock: a core::Clock that tests set and advance by hand; wall and monotonic time move
// together. Thread-safe (the daemon's threads may read it while a test advances it).
#pragma once

#include <atomic>
#include <cstdint>

#include "kpihub/core/clock.h"

namespace kpihub::testing {

class FakeClock : public core::Clock {
 public:
  explicit FakeClock(int64_t unix_ms) : now_(unix_ms) {}
  int64_t NowUnixMillis() const override { return now_.load(); }
  int64_t NowSteadyMicros() const override { return now_.load() * 1000; }
  void Set(int64_t unix_ms) { now_.store(unix_ms); }
  void Advance(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace kpihub::testing
