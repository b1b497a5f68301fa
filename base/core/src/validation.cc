// Validator: the gate between a department's export and the store. Each refusal carries one
// reason code and a short English detail that helps the department fix the row. The detail may
// be logged, so it never contains the entity id (enterprise data is confidential), and any
// echoed wire text is made printable and is bounded by the length checks that come first.
#include "kpihub/core/validation.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <string>

#include "kpihub/core/uscc.h"

namespace kpihub::core {
namespace {

// Wire text made safe for logs: printable ASCII kept, everything else as \xHH.
std::string Printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string Quoted(std::string_view text) { return "'" + Printable(text) + "'"; }

// The double as the sender wrote it (shortest round-trip text), for messages.
std::string DoubleText(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

// Why a check refused the observation.
struct Failure {
  RejectReason reason;
  std::string detail;
};

Failure TooLong(const char* field, size_t size, size_t limit) {
  return {RejectReason::kFieldTooLong, std::string(field) + " is " + std::to_string(size) +
                                           " bytes, limit " + std::to_string(limit)};
}

// First field over its length limit. Runs before anything reads the fields.
std::optional<Failure> CheckLengths(const Observation& obs) {
  if (obs.indicator.size() > kMaxCodeLength) {
    return TooLong("indicator", obs.indicator.size(), kMaxCodeLength);
  }
  if (obs.park.size() > kMaxCodeLength) return TooLong("park", obs.park.size(), kMaxCodeLength);
  if (obs.period.size() > kMaxPeriodLength) {
    return TooLong("period", obs.period.size(), kMaxPeriodLength);
  }
  if (obs.entity.size() > kMaxEntityLength) {
    return TooLong("entity", obs.entity.size(), kMaxEntityLength);
  }
  if (obs.note.size() > kMaxNoteLength) {
    Failure f = TooLong("note", obs.note.size(), kMaxNoteLength);
    f.reason = RejectReason::kNoteTooLong;
    return f;
  }
  if (obs.restatement.size() > kMaxNoteLength) {
    return TooLong("restatement reason", obs.restatement.size(), kMaxNoteLength);
  }
  return std::nullopt;
}

// Entity rules: enterprise-level figures need a valid USCC, park-level ones must not have one.
// Messages are built only on failure: most observations pass, and the ingest path is hot.
std::optional<Failure> CheckEntity(const Indicator& indicator, const Observation& obs) {
  auto name = [&] { return "indicator " + Quoted(indicator.code); };
  if (!indicator.enterprise_level) {
    if (obs.entity.empty()) return std::nullopt;
    return Failure{RejectReason::kEntityNotAllowed,
                   name() + " is a park-level figure: entity must be empty"};
  }
  if (obs.entity.empty()) {
    return Failure{RejectReason::kEntityRequired, name() + " is per enterprise: entity required"};
  }
  if (!IsValidUscc(obs.entity)) {
    return Failure{RejectReason::kMalformedEntity,
                   "entity is not a valid unified social credit code (" + name() + ", park " +
                       Quoted(obs.park) + ")"};
  }
  return std::nullopt;
}

// Value checks: finite, no more decimals than the indicator allows, within its bounds.
std::variant<Decimal, Failure> CheckValue(const Indicator& indicator, double value) {
  auto text = [&] { return "value " + DoubleText(value); };
  auto where = [&] { return " for indicator " + Quoted(indicator.code); };
  Decimal::Parsed parsed = Decimal::FromDouble(value, indicator.decimals);
  if (!parsed.value) {
    switch (parsed.error) {
      case Decimal::Error::kNotFinite:
        return Failure{RejectReason::kNotFinite, text() + " is not finite" + where()};
      case Decimal::Error::kTooPrecise:
        return Failure{RejectReason::kTooPrecise, text() + " has more than " +
                                                      std::to_string(indicator.decimals) +
                                                      " decimal places" + where()};
      case Decimal::Error::kOutOfRange:
      case Decimal::Error::kSyntax: break;
    }
    return Failure{RejectReason::kOutOfBounds, text() + " is beyond 1e18" + where()};
  }
  if (*parsed.value < indicator.min || *parsed.value > indicator.max) {
    return Failure{RejectReason::kOutOfBounds, "value " + parsed.value->ToString() + " outside [" +
                                                   indicator.min.ToString() + ", " +
                                                   indicator.max.ToString() + "]" + where()};
  }
  return *parsed.value;
}

}  // namespace

// A milestone: its owner, its own park (or "zone"), the month of the approval document, no
// entity, 1 (achieved) or 0 (withdrawn), and the document's reference as the note.
std::variant<ValidObservation, Rejection> Validator::ValidateMilestone(const Milestone& m,
                                                                       std::string_view department,
                                                                       Observation&& obs,
                                                                       uint32_t index) const {
  auto reject = [index](RejectReason reason, std::string detail) {
    return std::variant<ValidObservation, Rejection>(Rejection{index, reason, std::move(detail)});
  };
  const std::string name = "milestone " + Quoted(m.code);
  if (m.department != department) {
    return reject(RejectReason::kNotOwner, name + " belongs to department " + Quoted(m.department) +
                                               ", not " + Quoted(department));
  }
  if (obs.park != m.park) {
    return reject(RejectReason::kUnknownPark,
                  name + " is reported for park " + Quoted(m.park) + ", got " + Quoted(obs.park));
  }
  std::optional<Period> period = Period::Parse(obs.period);
  if (!period) {
    return reject(RejectReason::kMalformedPeriod,
                  "period " + Quoted(obs.period) + " is not YYYY, YYYYQn or YYYY-MM");
  }
  if (period->kind != PeriodKind::kMonth) {
    return reject(RejectReason::kPeriodTypeNotAllowed,
                  name + " is reported for the month of its approval document, got period " +
                      Quoted(obs.period));
  }
  if (period->StartUnixSeconds() > now_) {
    return reject(RejectReason::kFuturePeriod, "period " + Quoted(obs.period) + " has not started yet");
  }
  if (!obs.entity.empty()) {
    return reject(RejectReason::kEntityNotAllowed, name + " is a zone or park designation: entity must be empty");
  }
  if (!(obs.value == 0 || obs.value == 1)) {
    if (!std::isfinite(obs.value)) return reject(RejectReason::kNotFinite, "value " + DoubleText(obs.value) + " is not finite");
    return reject(RejectReason::kOutOfBounds,
                  "value " + DoubleText(obs.value) + " for " + name + ": 1 (achieved) or 0 (withdrawn)");
  }
  if (obs.note.find_first_not_of(" \t") == std::string::npos) {
    return reject(RejectReason::kReferenceRequired,
                  name + ": the note must carry the reference of the approval document");
  }
  FigureKey key{std::move(obs.indicator), std::move(obs.park), period->ToString(), std::string()};
  return ValidObservation{std::move(key), obs.value == 1 ? Decimal::FromInt(1) : Decimal(),
                          std::move(obs.note), std::move(obs.restatement), index};
}

std::variant<ValidObservation, Rejection> Validator::Validate(std::string_view department,
                                                              const Observation& obs,
                                                              uint32_t index) const {
  Observation copy = obs;
  return Validate(department, std::move(copy), index);
}

std::variant<ValidObservation, Rejection> Validator::Validate(std::string_view department,
                                                              Observation&& obs,
                                                              uint32_t index) const {
  auto reject = [index](Failure f) {
    return std::variant<ValidObservation, Rejection>(
        Rejection{index, f.reason, std::move(f.detail)});
  };
  if (auto failure = CheckLengths(obs)) return reject(std::move(*failure));

  const Indicator* indicator = catalogue_.FindIndicator(obs.indicator);
  if (indicator == nullptr) {
    if (const Milestone* m = catalogue_.FindMilestone(obs.indicator)) {
      return ValidateMilestone(*m, department, std::move(obs), index);
    }
    return reject({RejectReason::kUnknownIndicator, "unknown indicator " + Quoted(obs.indicator)});
  }
  auto name = [&] { return "indicator " + Quoted(indicator->code); };
  if (indicator->department != department) {
    return reject({RejectReason::kNotOwner, name() + " belongs to department " +
                                                Quoted(indicator->department) + ", not " +
                                                Quoted(department)});
  }
  if (catalogue_.FindPark(obs.park) == nullptr) {
    return reject({RejectReason::kUnknownPark, "unknown park " + Quoted(obs.park)});
  }
  std::optional<Period> period = Period::Parse(obs.period);
  if (!period) {
    return reject({RejectReason::kMalformedPeriod,
                   "period " + Quoted(obs.period) + " is not YYYY, YYYYQn or YYYY-MM"});
  }
  if (period->kind != indicator->period) {
    return reject({RejectReason::kPeriodTypeNotAllowed,
                   name() + " is reported per " + std::string(PeriodKindName(indicator->period)) +
                       ", got period " + Quoted(obs.period)});
  }
  if (period->StartUnixSeconds() > now_) {
    return reject(
        {RejectReason::kFuturePeriod, "period " + Quoted(obs.period) + " has not started yet"});
  }
  if (auto failure = CheckEntity(*indicator, obs)) return reject(std::move(*failure));

  std::variant<Decimal, Failure> value = CheckValue(*indicator, obs.value);
  if (auto* failure = std::get_if<Failure>(&value)) return reject(std::move(*failure));
  // The strings are taken, not copied: the indicator text equals the catalogue code (found
  // by exact match); the period is stored in its canonical text.
  FigureKey key{std::move(obs.indicator), std::move(obs.park), period->ToString(),
                std::move(obs.entity)};
  return ValidObservation{std::move(key), std::get<Decimal>(value), std::move(obs.note),
                          std::move(obs.restatement), index};
}

}  // namespace kpihub::core
