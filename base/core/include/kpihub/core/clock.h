// Clock: the time source, injected from main so that no library reads the real clock and
// tests can move time by hand (platform::SystemClock is the real one; the tests' FakeClock
// the manual one). Implementations must be thread-safe.
#pragma once

#include <cstdint>

namespace kpihub::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall time: what is recorded (send times, history, feed freshness).
  virtual int64_t NowUnixMillis() const = 0;
  // Monotonic time, in microseconds, for timeouts and intervals (ack timeouts, back-off,
  // watchdog pings, commit latency): never jumps with the wall clock. The default suits
  // clocks that do not jump either.
  virtual int64_t NowSteadyMicros() const { return NowUnixMillis() * 1000; }
};

}  // namespace kpihub::core
