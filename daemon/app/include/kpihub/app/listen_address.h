// The addresses kpihubd listens on, checked before anything is bound: a malformed one is a
// configuration error that names the setting, the value and the form expected (exit 1, not
// retried); a well-formed one that cannot be bound yet (not configured at boot, in use) is
// retried by systemd. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kpihub/core/status.h"

namespace kpihub::app {

// `listen`: tcp://HOST:PORT, HOST an IPv4 address, [IPv6 address] or name, PORT 1-65535 or *.
Status CheckIngestEndpoint(std::string_view listen);

// `metrics_listen`: one or more HOST:PORT separated by commas (IPv4 or [IPv6] HOST, PORT
// 0-65535; 0 picks a free port). Returns the addresses.
Result<std::vector<std::string>> ParseMetricsListen(std::string_view metrics_listen);

// True when every address is on loopback (127.0.0.0/8, [::1], localhost).
bool AllLoopback(const std::vector<std::string>& addresses);

}  // namespace kpihub::app
