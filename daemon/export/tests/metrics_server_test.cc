// MetricsServer over a real loopback socket: /metrics, basic auth, /healthz, /readyz.
#include "kpihub/export/metrics_server.h"
#include "kpihub/export/rendered_collectable.h"

#include <gtest/gtest.h>
#include <prometheus/gauge.h>

#include <string>

#include "kpihub/testing/daemon_harness.h"

namespace kpihub::exporter {
namespace {

// GET on 127.0.0.1:port; the status code and body ("" and 0 on failure).
std::pair<int, std::string> Get(int port, const std::string& path, const std::string& auth = "") {
  int status = 0;
  auto body = kpihub::testing::HttpGet(port, path, auth, &status);
  if (!body) return {0, ""};
  return {status, *body};
}

std::shared_ptr<prometheus::Registry> OneGauge() {
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge().Name("kpihub_test_gauge").Help("A test gauge.").Register(*registry).Add({}).Set(42);
  return registry;
}

TEST(MetricsServerTest, ServesRegisteredCollectablesAndHealth) {
  MetricsServerOptions options;
  options.listen = "127.0.0.1:0";
  MetricsServer server(options);
  ASSERT_GT(server.port(), 0);
  server.RegisterCollectable(OneGauge());
  auto [code, body] = Get(server.port(), "/metrics");
  EXPECT_EQ(code, 200);
  EXPECT_NE(body.find("kpihub_test_gauge 42"), std::string::npos) << body;
  EXPECT_NE(body.find("kpihub_http_requests_total{code=\"200\",path=\"/metrics\"} 1"), std::string::npos) << body;
  EXPECT_EQ(Get(server.port(), "/healthz"), std::make_pair(200, std::string("ok\n")));
  EXPECT_EQ(Get(server.port(), "/nothing").first, 404);
}

TEST(MetricsServerTest, ReadyOnlyOnceToldSo) {
  MetricsServerOptions options;
  options.listen = "127.0.0.1:0";
  MetricsServer server(options);
  EXPECT_EQ(Get(server.port(), "/readyz").first, 503);
  server.SetReady(true);
  EXPECT_EQ(Get(server.port(), "/readyz").first, 200);
  server.SetReady(false);
  EXPECT_EQ(Get(server.port(), "/readyz").first, 503);
}

TEST(MetricsServerTest, BasicAuthGuardsMetricsButNotHealth) {
  MetricsServerOptions options;
  options.listen = "127.0.0.1:0";
  options.basic_auth = std::pair<std::string, std::string>{"prom", "s3cret"};
  MetricsServer server(options);
  server.RegisterCollectable(OneGauge());
  EXPECT_EQ(Get(server.port(), "/metrics").first, 401);
  EXPECT_EQ(Get(server.port(), "/metrics", "cHJvbTp3cm9uZw==").first, 401);  // prom:wrong
  EXPECT_EQ(Get(server.port(), "/metrics", "!!!").first, 401);
  auto [code, body] = Get(server.port(), "/metrics", "cHJvbTpzM2NyZXQ=");  // prom:s3cret
  EXPECT_EQ(code, 200);
  EXPECT_NE(body.find("kpihub_test_gauge 42"), std::string::npos);
  EXPECT_EQ(Get(server.port(), "/healthz").first, 200);
}

TEST(MetricsServerTest, RefusesAnAddressInUse) {
  MetricsServerOptions options;
  options.listen = "127.0.0.1:0";
  MetricsServer first(options);
  options.listen = "127.0.0.1:" + std::to_string(first.port());
  EXPECT_THROW(MetricsServer second(options), std::runtime_error);
}

TEST(MetricsServerTest, DecodesBase64) {
  EXPECT_EQ(DecodeBase64("cHJvbTpzM2NyZXQ="), "prom:s3cret");
  EXPECT_EQ(DecodeBase64("YQ=="), "a");
  EXPECT_EQ(DecodeBase64(""), "");
  EXPECT_FALSE(DecodeBase64("a$b").has_value());
  EXPECT_FALSE(DecodeBase64("Y").has_value());
}

// A collectable with its own rendering: the server sends that text, in registration order.
class PreRendered : public RenderedCollectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    ADD_FAILURE() << "Collect called although the text is at hand";
    return {};
  }
  std::shared_ptr<const std::string> CollectText() const override {
    return std::make_shared<const std::string>(
        "# HELP kpihub_rendered A rendered gauge.\n# TYPE kpihub_rendered gauge\n"
        "kpihub_rendered 7\n");
  }
};

TEST(MetricsServerTest, ServesRenderedTextInRegistrationOrder) {
  MetricsServerOptions options;
  options.listen = "127.0.0.1:0";
  MetricsServer server(options);
  server.RegisterCollectable(OneGauge());
  server.RegisterCollectable(std::make_shared<PreRendered>());
  auto [code, body] = Get(server.port(), "/metrics");
  EXPECT_EQ(code, 200);
  const size_t gauge = body.find("kpihub_test_gauge 42");
  const size_t rendered = body.find("# HELP kpihub_rendered A rendered gauge.\n# TYPE "
                                    "kpihub_rendered gauge\nkpihub_rendered 7\n");
  ASSERT_NE(gauge, std::string::npos) << body;
  ASSERT_NE(rendered, std::string::npos) << body;
  EXPECT_LT(gauge, rendered);
}

}  // namespace
}  // namespace kpihub::exporter
