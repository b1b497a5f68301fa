#include "cli_format.h"

#include <utf8proc.h>

#include <charconv>
#include <chrono>
#include <cmath>

namespace kpihub::cli {
namespace {

// Reads exactly `n` digits at text[*pos].
bool Digits(std::string_view text, size_t* pos, size_t n, int* out) {
  if (*pos + n > text.size()) return false;
  auto [ptr, ec] = std::from_chars(text.data() + *pos, text.data() + *pos + n, *out);
  if (ec != std::errc() || ptr != text.data() + *pos + n) return false;
  *pos += n;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

// Offset suffix at text[pos]: "" (nullopt inside: the civil time zone's own), "Z" or
// "+HH:MM" / "-HH:MM". The outer nullopt means the suffix is malformed.
std::optional<std::optional<int64_t>> OffsetSeconds(std::string_view text, size_t pos) {
  if (pos == text.size()) return std::optional<int64_t>{};
  if (text.substr(pos) == "Z") return std::optional<int64_t>{0};
  if (text[pos] != '+' && text[pos] != '-') return std::nullopt;
  const int sign = text[pos] == '+' ? 1 : -1;
  ++pos;
  int hh = 0, mm = 0;
  if (!Digits(text, &pos, 2, &hh) || !Expect(text, &pos, ':') || !Digits(text, &pos, 2, &mm) ||
      pos != text.size() || hh > 14 || mm > 59) {
    return std::nullopt;
  }
  return std::optional<int64_t>{sign * (hh * 3600 + mm * 60)};
}

struct TypedMoment {
  cctz::civil_second civil;
  bool day_only = true;
  std::optional<int64_t> offset_seconds;  // none: the civil time zone's
};

std::optional<TypedMoment> ReadMoment(std::string_view text) {
  size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!Digits(text, &pos, 4, &y) || !Expect(text, &pos, '-') || !Digits(text, &pos, 2, &mo) ||
      !Expect(text, &pos, '-') || !Digits(text, &pos, 2, &d)) {
    return std::nullopt;
  }
  TypedMoment m;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    ++pos;
    m.day_only = false;
    if (!Digits(text, &pos, 2, &h) || !Expect(text, &pos, ':') || !Digits(text, &pos, 2, &mi)) {
      return std::nullopt;
    }
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!Digits(text, &pos, 2, &s)) return std::nullopt;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return std::nullopt;
  auto offset = OffsetSeconds(text, pos);
  if (!offset) return std::nullopt;
  m.civil = cctz::civil_second(y, mo, d, h, mi, s);
  if (m.civil.day() != d) return std::nullopt;  // 2021-02-30 normalised into March
  m.offset_seconds = *offset;
  return m;
}

}  // namespace

Result<CivilTime> CivilTime::Load(const std::string& iana_name) {
  cctz::time_zone zone;
  if (iana_name.empty() || !cctz::load_time_zone(iana_name, &zone)) {
    return Status::InvalidArgument(
        "time zone '" + iana_name + "' is not in the system's time zone data "
        "(/usr/share/zoneinfo, package tzdata); expected an IANA name such as Asia/Shanghai");
  }
  return CivilTime(iana_name, zone);
}

std::string CivilTime::Format(int64_t unix_ms) const {
  if (unix_ms <= 0) return "-";
  const auto tp = std::chrono::time_point<std::chrono::system_clock, cctz::seconds>(
      cctz::seconds(unix_ms / 1000));
  return cctz::format("%Y-%m-%dT%H:%M:%S%Ez", tp, zone_);
}

std::optional<int64_t> CivilTime::Parse(std::string_view text, Edge edge) const {
  if (!text.empty() && text[0] == '@') {
    int64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(text.data() + 1, text.data() + text.size(), seconds);
    if (ec != std::errc() || ptr != text.data() + text.size() || text.size() == 1) return std::nullopt;
    if (seconds < 0 || seconds > (int64_t{1} << 40)) return std::nullopt;
    return seconds * 1000 + (edge == Edge::kEnd ? 999 : 0);
  }
  auto m = ReadMoment(text);
  if (!m) return std::nullopt;
  // The first second of the span typed (the day, or the second) and its length.
  const int64_t span_seconds = m->day_only ? 86400 : 1;
  int64_t first_second = 0;
  if (m->offset_seconds) {
    first_second = (m->civil - cctz::civil_second(1970, 1, 1, 0, 0, 0)) - *m->offset_seconds;
  } else {
    first_second = cctz::convert(m->civil, zone_).time_since_epoch().count();
  }
  if (edge == Edge::kStart) return first_second * 1000;
  if (m->day_only && !m->offset_seconds) {
    // The day's end is the next day's midnight in this zone, less a millisecond.
    const int64_t next = cctz::convert(m->civil + 86400, zone_).time_since_epoch().count();
    return next * 1000 - 1;
  }
  return (first_second + span_seconds) * 1000 - 1;
}

std::string ShortestNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[512];  // fixed notation of any double: at most ~330 characters
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  if (ec != std::errc()) return "?";
  return std::string(buf, end);
}

size_t DisplayWidth(std::string_view utf8) {
  size_t width = 0;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(utf8.data());
  auto left = static_cast<utf8proc_ssize_t>(utf8.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {  // not UTF-8: one column per byte, as a terminal shows a replacement
      ++width, ++p, --left;
      continue;
    }
    width += static_cast<size_t>(std::max(0, utf8proc_charwidth(cp)));
    p += n, left -= n;
  }
  return width;
}

std::string PadRight(std::string_view utf8, size_t width) {
  const size_t w = DisplayWidth(utf8);
  return std::string(utf8) + std::string(w < width ? width - w : 0, ' ');
}

std::string PadLeft(std::string_view utf8, size_t width) {
  const size_t w = DisplayWidth(utf8);
  return std::string(w < width ? width - w : 0, ' ') + std::string(utf8);
}

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace kpihub::cli
