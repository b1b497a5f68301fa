#include "cli_format.h"

#include <charconv>
#include <ctime>

namespace kpihub::cli {
namespace {

constexpr int64_t kZoneOffsetSeconds = 8 * 3600;  // China Standard Time, no DST

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

// Offset suffix at text[pos]: "" (zone time), "Z" or "+HH:MM" / "-HH:MM".
std::optional<int64_t> OffsetSeconds(std::string_view text, size_t pos) {
  if (pos == text.size()) return kZoneOffsetSeconds;
  if (text.substr(pos) == "Z") return 0;
  if (text[pos] != '+' && text[pos] != '-') return std::nullopt;
  const int sign = text[pos] == '+' ? 1 : -1;
  ++pos;
  int hh = 0, mm = 0;
  if (!Digits(text, &pos, 2, &hh) || !Expect(text, &pos, ':') || !Digits(text, &pos, 2, &mm) ||
      pos != text.size() || hh > 14 || mm > 59) {
    return std::nullopt;
  }
  return sign * (hh * 3600 + mm * 60);
}

}  // namespace

std::string FormatUnixMs(int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<int64_t> ParseMoment(std::string_view text) {
  if (!text.empty() && text[0] == '@') {
    int64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(text.data() + 1, text.data() + text.size(), seconds);
    if (ec != std::errc() || ptr != text.data() + text.size() || text.size() == 1) return std::nullopt;
    return seconds * 1000 + 999;
  }
  size_t pos = 0;
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 23, mi = 59, s = 59;
  if (!Digits(text, &pos, 4, &y) || !Expect(text, &pos, '-') || !Digits(text, &pos, 2, &mo) ||
      !Expect(text, &pos, '-') || !Digits(text, &pos, 2, &d)) {
    return std::nullopt;
  }
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    ++pos;
    s = 59;
    if (!Digits(text, &pos, 2, &h) || !Expect(text, &pos, ':') || !Digits(text, &pos, 2, &mi)) {
      return std::nullopt;
    }
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!Digits(text, &pos, 2, &s)) return std::nullopt;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  auto offset = OffsetSeconds(text, pos);
  if (!offset) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const int64_t utc_as_if = static_cast<int64_t>(timegm(&tm));
  if (tm.tm_mday != d) return std::nullopt;  // 2021-02-30 normalised into March
  return (utc_as_if - *offset) * 1000 + 999;
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
