// HttpExchange: one plain HTTP/1.0 request to a loopback port and the whole response as read
// (status line, headers, body), for the tests of the metrics endpoint. Thread-safe: no state.
#pragma once

#include <string>

namespace kpihub::testing {

// `request_line` is the method and target, e.g. "GET /metrics"; `basic_auth`, when not empty,
// is the base64 of "user:password". "" when nothing listens on the port; a read waits 10 s at
// most.
std::string HttpExchange(int port, const std::string& request_line, const std::string& basic_auth = "");

}  // namespace kpihub::testing
