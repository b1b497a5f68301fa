// Observation: one figure as a department sent it, before validation, and the validated form
// that the store merges. Value types.
#pragma once

#include <string>

#include "kpihub/core/decimal.h"
#include "kpihub/core/period.h"
#include "kpihub/core/reason.h"

namespace kpihub::core {

// As received on the wire (strings not yet checked).
struct Observation {
  std::string indicator;
  std::string park;
  std::string entity;  // USCC or empty for a park-level figure
  std::string period;
  double value = 0;
  std::string note;
  // Non-empty: a deliberate change to a figure of an approved (closed) year, with its reason
  // (docs/operations.md, "Closing a year"). At most kMaxNoteLength bytes.
  std::string restatement{};
};

// The identity of one figure: a revision with the same key replaces the earlier value.
struct FigureKey {
  std::string indicator;
  std::string park;
  std::string period;  // canonical text of the Period
  std::string entity;  // empty for park-level
  friend bool operator==(const FigureKey&, const FigureKey&) = default;
  friend auto operator<=>(const FigureKey&, const FigureKey&) = default;
};

struct ValidObservation {
  FigureKey key;
  Decimal value;
  std::string note;
  std::string restatement{};  // the reason, when the sender marked the change as a restatement
  uint32_t index = 0;       // the observation's place in its batch, for the ack
};

struct Rejection {
  uint32_t index = 0;
  RejectReason reason = RejectReason::kUndecodable;
  std::string detail;  // never contains an entity id: it may be logged at info level
};

}  // namespace kpihub::core
