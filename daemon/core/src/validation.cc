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

// First field over its length limit, as (reason, detail).
std::optional<std::pair<RejectReason, std::string>> CheckLengths(const Observation& obs) {
  auto too_long = [](const char* field, size_t size, size_t limit) {
    return std::make_pair(RejectReason::kFieldTooLong, std::string(field) + " is " +
                                                           std::to_string(size) + " bytes, limit " +
                                                           std::to_string(limit));
  };
  if (obs.indicator.size() > kMaxCodeLength) return too_long("indicator", obs.indicator.size(), kMaxCodeLength);
  if (obs.park.size() > kMaxCodeLength) return too_long("park", obs.park.size(), kMaxCodeLength);
  if (obs.period.size() > kMaxPeriodLength) return too_long("period", obs.period.size(), kMaxPeriodLength);
  if (obs.entity.size() > kMaxEntityLength) return too_long("entity", obs.entity.size(), kMaxEntityLength);
  if (obs.note.size() > kMaxNoteLength) {
    return std::make_pair(RejectReason::kNoteTooLong, "note is " + std::to_string(obs.note.size()) +
                                                          " bytes, limit " + std::to_string(kMaxNoteLength));
  }
  return std::nullopt;
}

// Entity rules: enterprise-level figures need a valid USCC, park-level ones must not have one.
std::optional<std::pair<RejectReason, std::string>> CheckEntity(const Indicator& indicator,
                                                                const Observation& obs) {
  if (indicator.enterprise_level) {
    if (obs.entity.empty()) {
      return std::make_pair(RejectReason::kEntityRequired,
                            "indicator " + Quoted(indicator.code) + " is per enterprise: entity required");
    }
    if (!IsValidUscc(obs.entity)) {
      return std::make_pair(RejectReason::kMalformedEntity,
                            "entity is not a valid unified social credit code (indicator " +
                                Quoted(indicator.code) + ", park " + Quoted(obs.park) + ")");
    }
    return std::nullopt;
  }
  if (!obs.entity.empty()) {
    return std::make_pair(RejectReason::kEntityNotAllowed,
                          "indicator " + Quoted(indicator.code) + " is a park-level figure: entity must be empty");
  }
  return std::nullopt;
}

// Value checks: finite, no more decimals than the indicator allows, within its bounds.
std::variant<Decimal, std::pair<RejectReason, std::string>> CheckValue(const Indicator& indicator,
                                                                      double value) {
  const std::string where = " for indicator " + Quoted(indicator.code);
  Decimal::Parsed parsed = Decimal::FromDouble(value, indicator.decimals);
  if (!parsed.value) {
    switch (parsed.error) {
      case Decimal::Error::kNotFinite:
        return std::make_pair(RejectReason::kNotFinite, "value " + DoubleText(value) + " is not finite" + where);
      case Decimal::Error::kTooPrecise:
        return std::make_pair(RejectReason::kTooPrecise, "value " + DoubleText(value) + " has more than " +
                                                             std::to_string(indicator.decimals) + " decimal places" + where);
      case Decimal::Error::kOutOfRange:
      case Decimal::Error::kSyntax:
        break;
    }
    return std::make_pair(RejectReason::kOutOfBounds, "value " + DoubleText(value) + " is beyond 1e18" + where);
  }
  if (*parsed.value < indicator.min || *parsed.value > indicator.max) {
    return std::make_pair(RejectReason::kOutOfBounds,
                          "value " + parsed.value->ToString() + " outside [" + indicator.min.ToString() +
                              ", " + indicator.max.ToString() + "]" + where);
  }
  return *parsed.value;
}

}  // namespace

std::variant<ValidObservation, Rejection> Validator::Validate(std::string_view department,
                                                              const Observation& obs,
                                                              uint32_t index) const {
  auto reject = [index](RejectReason reason, std::string detail) {
    return std::variant<ValidObservation, Rejection>(Rejection{index, reason, std::move(detail)});
  };
  if (auto failure = CheckLengths(obs)) return reject(failure->first, std::move(failure->second));

  const Indicator* indicator = catalogue_.FindIndicator(obs.indicator);
  if (indicator == nullptr) {
    return reject(RejectReason::kUnknownIndicator, "unknown indicator " + Quoted(obs.indicator));
  }
  if (indicator->department != department) {
    return reject(RejectReason::kNotOwner, "indicator " + Quoted(indicator->code) + " belongs to department " +
                                               Quoted(indicator->department) + ", not " + Quoted(department));
  }
  if (catalogue_.FindPark(obs.park) == nullptr) {
    return reject(RejectReason::kUnknownPark, "unknown park " + Quoted(obs.park));
  }
  std::optional<Period> period = Period::Parse(obs.period);
  if (!period) {
    return reject(RejectReason::kMalformedPeriod,
                  "period " + Quoted(obs.period) + " is not YYYY, YYYYQn or YYYY-MM");
  }
  if (period->kind != indicator->period) {
    return reject(RejectReason::kPeriodTypeNotAllowed,
                  "indicator " + Quoted(indicator->code) + " is reported per " +
                      std::string(PeriodKindName(indicator->period)) + ", got period " + Quoted(obs.period));
  }
  if (period->StartUnixSeconds() > now_) {
    return reject(RejectReason::kFuturePeriod, "period " + Quoted(obs.period) + " has not started yet");
  }
  if (auto failure = CheckEntity(*indicator, obs)) return reject(failure->first, std::move(failure->second));

  auto value = CheckValue(*indicator, obs.value);
  if (auto* failure = std::get_if<std::pair<RejectReason, std::string>>(&value)) {
    return reject(failure->first, std::move(failure->second));
  }
  FigureKey key{indicator->code, obs.park, period->ToString(), obs.entity};
  return ValidObservation{std::move(key), std::get<Decimal>(value), obs.note};
}

}  // namespace kpihub::core
