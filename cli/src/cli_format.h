// Text formats shared by the `kpihub` commands: moments in time as operators type and read
// them, and CSV fields. Pure functions and value types; thread-compatible.
#pragma once

#include <cctz/time_zone.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kpihub/core/status.h"

namespace kpihub::cli {

// The civil time the zone's staff read: every moment a command prints or reads is in this
// time zone (an IANA name from the system's tzdata, `time_zone` in kpihubd.toml, default
// Asia/Shanghai), and every printed moment carries its offset.
class CivilTime {
 public:
  static constexpr const char* kDefaultZone = "Asia/Shanghai";
  // Fails when tzdata has no such zone (a misspelt name must not silently become UTC).
  static Result<CivilTime> Load(const std::string& iana_name);
  CivilTime() : name_("UTC"), zone_(cctz::utc_time_zone()) {}

  const std::string& name() const { return name_; }

  // "2021-03-15T18:00:00+08:00" (second precision; "-" for 0 or less).
  std::string Format(int64_t unix_ms) const;

  // Which millisecond a moment typed with second or day precision stands for.
  enum class Edge { kStart, kEnd };
  // Parses a moment as an operator types it; nullopt when it is none of:
  //   2021-03-15T10:00:00Z, 2021-03-15T10:00:00+08:00   an explicit offset
  //   2021-03-15T10:00:00, "2021-03-15 10:00[:00]"       this time zone's civil time
  //   2021-03-15                                         that whole day, this time zone
  //   @1615773600                                        Unix seconds
  // kEnd gives the last millisecond of the second or day ("as of 10:00:00" includes
  // everything received during that second), kStart the first ("since 2026-12-06" is from
  // that day's midnight).
  std::optional<int64_t> Parse(std::string_view text, Edge edge) const;

 private:
  CivilTime(std::string name, cctz::time_zone zone) : name_(std::move(name)), zone_(zone) {}
  std::string name_;
  cctz::time_zone zone_;
};

// The shortest text that reads back as the same double: "0.025", never
// "0.025000000000000001". Figures the store holds exactly are printed from their Decimal.
std::string ShortestNumber(double v);

// Columns on a terminal: the display width of UTF-8 text (a CJK character or "亿" is 2
// columns, "²" is 1), and padding to a width by it, so that rows holding 亿元 or m² line up.
size_t DisplayWidth(std::string_view utf8);
std::string PadRight(std::string_view utf8, size_t width);
std::string PadLeft(std::string_view utf8, size_t width);

// One CSV field: quoted (RFC 4180) when it holds a comma, quote, CR or LF.
std::string CsvField(std::string_view text);

// Printed above any output that `--confidential` lets show enterprise-level figures.
inline constexpr char kConfidentialBanner[] =
    "*** confidential — enterprise-level / 机密：企业级数据 ***\n"
    "*** shows enterprise-level figures: do not forward, mail or paste into tickets ***\n";

}  // namespace kpihub::cli
