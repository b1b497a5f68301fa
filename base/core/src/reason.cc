// Names of rejection reasons. They appear as metric label values and in CLI output, so they
// are part of the product's interface: never rename one.
#include "kpihub/core/reason.h"

namespace kpihub::core {

std::string_view ReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kUnknownIndicator: return "unknown_indicator";
    case RejectReason::kNotOwner: return "not_owner";
    case RejectReason::kUnknownPark: return "unknown_park";
    case RejectReason::kMalformedPeriod: return "malformed_period";
    case RejectReason::kPeriodTypeNotAllowed: return "period_type_not_allowed";
    case RejectReason::kFuturePeriod: return "future_period";
    case RejectReason::kNotFinite: return "not_finite";
    case RejectReason::kOutOfBounds: return "out_of_bounds";
    case RejectReason::kTooPrecise: return "too_precise";
    case RejectReason::kMalformedEntity: return "malformed_entity";
    case RejectReason::kEntityNotAllowed: return "entity_not_allowed";
    case RejectReason::kEntityRequired: return "entity_required";
    case RejectReason::kNoteTooLong: return "note_too_long";
    case RejectReason::kFrameTooLarge: return "frame_too_large";
    case RejectReason::kUndecodable: return "undecodable";
    case RejectReason::kTooManyObservations: return "too_many_observations";
    case RejectReason::kBadSequence: return "bad_sequence";
    case RejectReason::kFieldTooLong: return "field_too_long";
    case RejectReason::kUnregisteredKey: return "unregistered_key";
    case RejectReason::kReferenceRequired: return "reference_required";
    case RejectReason::kPeriodClosed: return "period_closed";
    case RejectReason::kNotApprover: return "not_approver";
    case RejectReason::kPeriodStateConflict: return "period_state_conflict";
    case RejectReason::kUnknownDepartment: return "unknown_department";
  }
  // A value outside the enum (e.g. a newer wire enum): a stable label rather than UB.
  return "unknown";
}

}  // namespace kpihub::core
