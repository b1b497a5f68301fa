// SystemClock: the real wall clock. Thread-safe.
#pragma once

#include <chrono>

#include "kpihub/core/clock.h"

namespace kpihub::ingest {

class SystemClock : public core::Clock {
 public:
  int64_t NowUnixMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace kpihub::ingest
