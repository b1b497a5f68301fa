// `kpihub report`: the leadership report as a signed, self-contained HTML page, and
// `kpihub report --verify`. The key it signs with comes from `kpihub keygen --report-key`.
#pragma once

#include <string>

namespace kpihub::cli {

// Exit codes of `kpihub report --verify` (docs/report.md).
inline constexpr int kReportGenuine = 0;       // signature good, the store still gives the figures
inline constexpr int kReportUnchecked = 1;     // could not check: file, key or store unreadable
inline constexpr int kReportTampered = 2;      // no valid signature over this page
inline constexpr int kReportNoLongerMatches = 4;  // genuine, but the store's figures differ now

// Writes `<dir>/<name>.key` and `.pub` (keygen --report-key); the exit code.
int WriteReportKey(const std::string& dir, const std::string& name);

}  // namespace kpihub::cli
