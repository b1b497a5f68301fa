// RejectReason: why an observation or a whole frame is refused. The numeric values are the
// wire enum `Reason` in schemas/kpihub.capnp and must stay equal to it.
#pragma once

#include <cstdint>
#include <string_view>

namespace kpihub::core {

enum class RejectReason : uint16_t {
  kUnknownIndicator = 0,
  kNotOwner = 1,
  kUnknownPark = 2,
  kMalformedPeriod = 3,
  kPeriodTypeNotAllowed = 4,
  kFuturePeriod = 5,
  kNotFinite = 6,
  kOutOfBounds = 7,
  kTooPrecise = 8,
  kMalformedEntity = 9,
  kEntityNotAllowed = 10,
  kEntityRequired = 11,
  kNoteTooLong = 12,
  kFrameTooLarge = 13,
  kUndecodable = 14,
  kTooManyObservations = 15,
  kBadSequence = 16,
  kFieldTooLong = 17,
  kUnregisteredKey = 18,
  kReferenceRequired = 19,
  kPeriodClosed = 20,         // a change to a figure of a submitted or approved year
  kNotApprover = 21,          // a period action this department may not take
  kPeriodStateConflict = 22,  // e.g. approving a year that was not submitted
  kUnknownDepartment = 23,    // a period action for a department the catalogue lacks
};
inline constexpr int kRejectReasonCount = 24;

// snake_case name used in logs, metrics labels and CLI output, e.g. "unknown_indicator".
std::string_view ReasonName(RejectReason reason);

}  // namespace kpihub::core
