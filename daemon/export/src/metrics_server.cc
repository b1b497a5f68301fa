#include "kpihub/export/metrics_server.h"

#include <civetweb.h>
#include <prometheus/text_serializer.h>

#include <cstring>
#include <stdexcept>

#include "kpihub/export/rendered_collectable.h"
#include "landing_page.h"

namespace kpihub::exporter {
namespace {

int MetricsTrampoline(mg_connection* conn, void* self) {
  return static_cast<MetricsServer*>(self)->ServeMetrics(conn);
}
int HealthTrampoline(mg_connection* conn, void* self) {
  return static_cast<MetricsServer*>(self)->ServeHealth(conn);
}
int ReadyTrampoline(mg_connection* conn, void* self) {
  return static_cast<MetricsServer*>(self)->ServeReady(conn);
}
int LandingTrampoline(mg_connection* conn, void* self) {
  return static_cast<MetricsServer*>(self)->ServeLanding(conn);
}

void Reply(mg_connection* conn, int code, const char* reason, const std::string& content_type,
           const std::string& body, const char* extra_headers = "") {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
            code, reason, content_type.c_str(), body.size(), extra_headers);
  mg_write(conn, body.data(), body.size());
}

bool IsGet(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  return info != nullptr && info->request_method != nullptr &&
         std::strcmp(info->request_method, "GET") == 0;
}

// Compares in full whatever the first difference: no timing hint about the secret.
bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < b.size(); ++i) {
    diff |= static_cast<unsigned char>((i < a.size() ? a[i] : 0) ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

std::optional<std::string> DecodeBase64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  if (count >= 6) return std::nullopt;  // a lone trailing character carries no byte
  return out;
}

MetricsServer::MetricsServer(const MetricsServerOptions& options)
    : options_(options), own_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("kpihub_http_requests_total")
                   .Help("HTTP requests served, by path and status code.")
                   .Register(*own_);
  collectables_.push_back(own_);
  const std::string threads = std::to_string(options.threads);
  const std::string request_timeout = std::to_string(options.request_timeout_ms);
  const std::string queue = std::to_string(options.connection_queue);
  const std::string request_size = std::to_string(options.max_request_size);
  const char* mg_options[] = {"listening_ports",    options_.listen.c_str(),
                              "num_threads",        threads.c_str(),
                              "request_timeout_ms", request_timeout.c_str(),
                              "connection_queue",   queue.c_str(),
                              "max_request_size",   request_size.c_str(),
                              // Closing waits at most this long for the peer (0 would
                              // reset the connection and could cut a large /metrics body).
                              "linger_timeout_ms",  "500",
                              "enable_keep_alive",  "no",
                              nullptr};
  mg_callbacks callbacks{};
  context_ = mg_start(&callbacks, this, mg_options);
  if (context_ == nullptr) throw std::runtime_error("cannot serve HTTP on " + options_.listen);
  mg_set_request_handler(context_, "/metrics$", MetricsTrampoline, this);
  mg_set_request_handler(context_, "/healthz$", HealthTrampoline, this);
  mg_set_request_handler(context_, "/readyz$", ReadyTrampoline, this);
  mg_set_request_handler(context_, "/$", LandingTrampoline, this);
  mg_server_port ports[4];
  int n = mg_get_server_ports(context_, 4, ports);
  port_ = n > 0 ? ports[0].port : 0;
}

MetricsServer::~MetricsServer() {
  if (context_ != nullptr) mg_stop(context_);
}

void MetricsServer::RegisterCollectable(std::shared_ptr<prometheus::Collectable> collectable) {
  std::lock_guard lock(mutex_);
  collectables_.push_back(std::move(collectable));
}

void MetricsServer::Count(const char* path, int code) {
  requests_->Add({{"path", path}, {"code", std::to_string(code)}}).Increment();
}

bool MetricsServer::Authorized(mg_connection* conn) const {
  if (!options_.basic_auth) return true;
  const char* header = mg_get_header(conn, "Authorization");
  if (header == nullptr || std::strncmp(header, "Basic ", 6) != 0) return false;
  std::optional<std::string> credentials = DecodeBase64(header + 6);
  if (!credentials) return false;
  std::string expected = options_.basic_auth->first + ":" + options_.basic_auth->second;
  return ConstantTimeEquals(*credentials, expected);
}

int MetricsServer::RefuseUnlessAuthorizedGet(mg_connection* conn, const char* path) {
  if (!IsGet(conn)) {
    Count(path, 405);
    Reply(conn, 405, "Method Not Allowed", "text/plain", "GET only\n");
    return 405;
  }
  if (!Authorized(conn)) {
    Count(path, 401);
    Reply(conn, 401, "Unauthorized", "text/plain", "Unauthorized\n",
          "WWW-Authenticate: Basic realm=\"kpihub\"\r\n");
    return 401;
  }
  return 0;
}

// Behind the same credentials as /metrics: the page says what serves here and links it.
int MetricsServer::ServeLanding(mg_connection* conn) {
  if (int refused = RefuseUnlessAuthorizedGet(conn, "/")) return refused;
  Count("/", 200);
  std::string_view page = LandingPageHtml();
  Reply(conn, 200, "OK", "text/html; charset=utf-8", std::string(page));
  return 200;
}

int MetricsServer::ServeMetrics(mg_connection* conn) {
  if (int refused = RefuseUnlessAuthorizedGet(conn, "/metrics")) return refused;
  Count("/metrics", 200);  // counted before collecting, so this scrape includes itself
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables;
  {
    std::lock_guard lock(mutex_);
    collectables = collectables_;
  }
  // In registration order, each collectable's families serialised on their own: the text
  // format is family after family, so the body is what serialising them all at once gives.
  // A RenderedCollectable hands its text over ready (usually from its scrape cache).
  std::string body;
  const prometheus::TextSerializer serializer;
  for (const auto& c : collectables) {
    if (const auto* rendered = dynamic_cast<const RenderedCollectable*>(c.get())) {
      body += *rendered->CollectText();
    } else {
      body += serializer.Serialize(c->Collect());
    }
  }
  Reply(conn, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", body);
  return 200;
}

int MetricsServer::ServeHealth(mg_connection* conn) {
  Count("/healthz", 200);
  Reply(conn, 200, "OK", "text/plain", "ok\n");
  return 200;
}

int MetricsServer::ServeReady(mg_connection* conn) {
  if (ready_) {
    Count("/readyz", 200);
    Reply(conn, 200, "OK", "text/plain", "ready\n");
    return 200;
  }
  Count("/readyz", 503);
  Reply(conn, 503, "Service Unavailable", "text/plain", "not ready\n");
  return 503;
}

}  // namespace kpihub::exporter
