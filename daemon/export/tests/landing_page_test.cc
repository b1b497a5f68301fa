// MetricsServer's page at `/` over a real loopback socket: HTML in UTF-8 with the three
// links, and behind basic auth exactly when /metrics is.
#include <gtest/gtest.h>

#include <string>

#include "kpihub/export/metrics_server.h"
#include "kpihub/testing/http_exchange.h"

namespace kpihub::exporter {
namespace {

using kpihub::testing::HttpExchange;

int StatusOf(const std::string& response) {
  size_t sp = response.find(' ');
  return sp == std::string::npos ? 0 : std::atoi(response.c_str() + sp + 1);
}

TEST(LandingPageTest, NamesTheEndpointAndLinksItsPaths) {
  MetricsServerOptions options;
  options.listen = "127.0.0.1:0";
  MetricsServer server(options);
  std::string response = HttpExchange(server.port(), "GET /");
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
  EXPECT_NE(HttpExchange(server.port(), "GET /metrics").find("kpihub_http_requests_total{code=\"200\",path=\"/\"} 1"),
            std::string::npos);
  EXPECT_EQ(StatusOf(HttpExchange(server.port(), "GET /index.html")), 404);
  EXPECT_EQ(StatusOf(HttpExchange(server.port(), "POST /")), 405);
}

TEST(LandingPageTest, NeedsTheCredentialsOfMetricsWhenThoseAreSet) {
  MetricsServerOptions options;
  options.listen = "127.0.0.1:0";
  options.basic_auth = std::pair<std::string, std::string>{"prom", "s3cret"};
  MetricsServer server(options);
  std::string refused = HttpExchange(server.port(), "GET /");
  EXPECT_EQ(StatusOf(refused), 401);
  EXPECT_NE(refused.find("WWW-Authenticate: Basic realm=\"kpihub\""), std::string::npos) << refused;
  EXPECT_EQ(refused.find("/metrics"), std::string::npos) << "nothing of the page without credentials";
  EXPECT_EQ(StatusOf(HttpExchange(server.port(), "GET /", "cHJvbTp3cm9uZw==")), 401);  // prom:wrong
  EXPECT_EQ(StatusOf(HttpExchange(server.port(), "GET /", "cHJvbTpzM2NyZXQ=")), 200);  // prom:s3cret
  EXPECT_EQ(StatusOf(HttpExchange(server.port(), "GET /healthz")), 200);
}

}  // namespace
}  // namespace kpihub::exporter
