// Clock: the time source, injected from main so that core and tests never read the real
// clock. Implementations must be thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

namespace kpihub::core {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowUnixMillis() const = 0;
};

// A clock tests set by hand.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t unix_ms) : now_(unix_ms) {}
  int64_t NowUnixMillis() const override { return now_.load(); }
  void Set(int64_t unix_ms) { now_.store(unix_ms); }
  void Advance(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace kpihub::core
