// Validator: checks one observation against the catalogue on behalf of an authenticated
// department. Pure and immutable: safe to share between threads.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "kpihub/core/catalogue.h"
#include "kpihub/core/observation.h"

namespace kpihub::core {

// Limits on untrusted text, checked before anything else.
inline constexpr size_t kMaxCodeLength = 64;    // indicator and park codes
inline constexpr size_t kMaxPeriodLength = 16;
inline constexpr size_t kMaxEntityLength = 64;  // anything past 18 is malformed anyway
inline constexpr size_t kMaxNoteLength = 256;

class Validator {
 public:
  // `now_unix_seconds` decides which periods lie in the future.
  Validator(const Catalogue& catalogue, int64_t now_unix_seconds)
      : catalogue_(catalogue), now_(now_unix_seconds) {}

  // Checks in this order: field lengths, indicator known, owner, park known, period syntax,
  // period kind, not in the future, entity rules, value finite, precision, bounds.
  // The first failing check decides the reason. `detail` never echoes an entity id.
  std::variant<ValidObservation, Rejection> Validate(std::string_view department,
                                                     const Observation& obs,
                                                     uint32_t index) const;
  // The same, taking the observation's strings into the ValidObservation instead of copying
  // them. On a Rejection `obs` is left untouched, so the caller can keep the raw observation.
  std::variant<ValidObservation, Rejection> Validate(std::string_view department,
                                                     Observation&& obs, uint32_t index) const;

 private:
  std::variant<ValidObservation, Rejection> ValidateMilestone(const Milestone& milestone,
                                                              std::string_view department,
                                                              Observation&& obs,
                                                              uint32_t index) const;
  const Catalogue& catalogue_;
  int64_t now_;
};

}  // namespace kpihub::core
