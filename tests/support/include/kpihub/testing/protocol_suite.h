// What the end-to-end suites that speak the wire protocol to a real kpihubd (hostile input,
// security) share: the names they use and how long they wait for an answer.
#pragma once

#include <chrono>

#include "kpihub/core/observation.h"
#include "kpihub/core/reason.h"
#include "kpihub/wire/codec.h"

namespace kpihub::testing {

using core::Observation;
using core::RejectReason;
using wire::AckStatus;
using Clock = std::chrono::steady_clock;

// Generous: ctest -j2 and ASan share two cores.
inline constexpr int kAckTimeoutMs = 30000;

}  // namespace kpihub::testing
