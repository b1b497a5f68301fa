// MetricsServer's page at `/` over a real loopback socket: HTML in UTF-8 with the three
// links, and behind basic auth exactly when /metrics is.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "kpihub/export/metrics_server.h"

namespace kpihub::exporter {
namespace {

// The whole HTTP response to one request ("" on failure).
std::string Fetch(int port, const std::string& request_line, const std::string& auth = "") {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  std::string request = request_line + " HTTP/1.0\r\nHost: 127.0.0.1\r\n";
  if (!auth.empty()) request += "Authorization: Basic " + auth + "\r\n";
  request += "\r\n";
  (void)!write(fd, request.data(), request.size());
  std::string response;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) response.append(buf, static_cast<size_t>(n));
  close(fd);
  return response;
}

int StatusOf(const std::string& response) {
  size_t sp = response.find(' ');
  return sp == std::string::npos ? 0 : std::atoi(response.c_str() + sp + 1);
}

TEST(LandingPageTest, NamesTheEndpointAndLinksItsPaths) {
  MetricsServerOptions options;
  options.listen = "127.0.0.1:0";
  MetricsServer server(options);
  std::string response = Fetch(server.port(), "GET /");
  ASSERT_EQ(StatusOf(response), 200) << response;
  EXPECT_NE(response.find("\r\nContent-Type: text/html; charset=utf-8\r\n"), std::string::npos) << response;
  std::string body = response.substr(response.find("\r\n\r\n") + 4);
  EXPECT_EQ(body.rfind("<!DOCTYPE html>", 0), 0u) << body;
  EXPECT_NE(body.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(body.find("<title>kpihubd 考核指标数据交换 | kpihub KPI exchange</title>"), std::string::npos);
  for (const char* path : {"metrics", "healthz", "readyz"}) {
    EXPECT_NE(body.find(std::string("<a href=\"") + path + "\">/" + path + "</a>"), std::string::npos) << path;
  }
  // The page is counted like every other path; other paths stay unknown.
  EXPECT_NE(Fetch(server.port(), "GET /metrics").find("kpihub_http_requests_total{code=\"200\",path=\"/\"} 1"),
            std::string::npos);
  EXPECT_EQ(StatusOf(Fetch(server.port(), "GET /index.html")), 404);
  EXPECT_EQ(StatusOf(Fetch(server.port(), "POST /")), 405);
}

TEST(LandingPageTest, NeedsTheCredentialsOfMetricsWhenThoseAreSet) {
  MetricsServerOptions options;
  options.listen = "127.0.0.1:0";
  options.basic_auth = std::pair<std::string, std::string>{"prom", "s3cret"};
  MetricsServer server(options);
  std::string refused = Fetch(server.port(), "GET /");
  EXPECT_EQ(StatusOf(refused), 401);
  EXPECT_NE(refused.find("WWW-Authenticate: Basic realm=\"kpihub\""), std::string::npos) << refused;
  EXPECT_EQ(refused.find("/metrics"), std::string::npos) << "nothing of the page without credentials";
  EXPECT_EQ(StatusOf(Fetch(server.port(), "GET /", "cHJvbTp3cm9uZw==")), 401);  // prom:wrong
  EXPECT_EQ(StatusOf(Fetch(server.port(), "GET /", "cHJvbTpzM2NyZXQ=")), 200);  // prom:s3cret
  EXPECT_EQ(StatusOf(Fetch(server.port(), "GET /healthz")), 200);
}

}  // namespace
}  // namespace kpihub::exporter
