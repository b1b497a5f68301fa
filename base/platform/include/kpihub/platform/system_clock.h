// SystemClock: the real clocks behind core::Clock — wall time for what is recorded and
// monotonic time for timeouts. main creates one and passes it down. Thread-safe.
#pragma once

#include <chrono>

#include "kpihub/core/clock.h"

namespace kpihub::platform {

class SystemClock : public core::Clock {
 public:
  int64_t NowUnixMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  int64_t NowSteadyMicros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace kpihub::platform
