#include "kpihub/app/listen_address.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>

namespace kpihub::app {
namespace {

bool PortNumber(std::string_view text, int min) {
  int port = -1;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size() && port >= min &&
         port <= 65535;
}

bool Ipv4(std::string_view host) {
  in_addr a{};
  return inet_pton(AF_INET, std::string(host).c_str(), &a) == 1;
}

bool BracketedIpv6(std::string_view host) {
  if (host.size() < 3 || host.front() != '[' || host.back() != ']') return false;
  in6_addr a{};
  return inet_pton(AF_INET6, std::string(host.substr(1, host.size() - 2)).c_str(), &a) == 1;
}

bool HostName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.')) return false;
  }
  return true;
}

// HOST:PORT split at the last colon outside brackets.
bool SplitHostPort(std::string_view text, std::string_view* host, std::string_view* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  *host = text.substr(0, colon);
  *port = text.substr(colon + 1);
  return true;
}

}  // namespace

Status CheckIngestEndpoint(std::string_view listen) {
  const std::string expected = "expected tcp://HOST:PORT, e.g. tcp://127.0.0.1:7730 (PORT * "
                               "picks a free one)";
  constexpr std::string_view kScheme = "tcp://";
  std::string_view host, port;
  if (listen.substr(0, kScheme.size()) != kScheme ||
      !SplitHostPort(listen.substr(kScheme.size()), &host, &port)) {
    return Status::InvalidArgument("listen = \"" + std::string(listen) + "\": " + expected);
  }
  if (!(Ipv4(host) || BracketedIpv6(host) || HostName(host) || host == "*")) {
    return Status::InvalidArgument("listen = \"" + std::string(listen) + "\": '" +
                                   std::string(host) + "' is not an address; " + expected);
  }
  if (port != "*" && !PortNumber(port, 1)) {
    return Status::InvalidArgument("listen = \"" + std::string(listen) + "\": '" +
                                   std::string(port) + "' is not a port; " + expected);
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ParseMetricsListen(std::string_view metrics_listen) {
  const std::string expected = "expected HOST:PORT[,HOST:PORT...], e.g. 127.0.0.1:9730 or "
                               "[::1]:9730";
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= metrics_listen.size()) {
    size_t comma = metrics_listen.find(',', start);
    if (comma == std::string_view::npos) comma = metrics_listen.size();
    const std::string_view item = metrics_listen.substr(start, comma - start);
    std::string_view host, port;
    if (!SplitHostPort(item, &host, &port) || !(Ipv4(host) || BracketedIpv6(host)) ||
        !PortNumber(port, 0)) {
      return Status::InvalidArgument("metrics_listen = \"" + std::string(metrics_listen) +
                                     "\": '" + std::string(item) + "' is not an address; " +
                                     expected);
    }
    out.emplace_back(item);
    start = comma + 1;
  }
  return out;
}

bool AllLoopback(const std::vector<std::string>& addresses) {
  for (const std::string& a : addresses) {
    const bool loopback = a.rfind("127.", 0) == 0 || a.rfind("[::1]:", 0) == 0 ||
                          a.rfind("localhost:", 0) == 0;
    if (!loopback) return false;
  }
  return !addresses.empty();
}

}  // namespace kpihub::app
