#include "monitoring_services.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>


namespace kpihub::testing {
namespace {

using Clock = std::chrono::steady_clock;

// The most a test's webhook accepts in one body; Alertmanager's are a few KB.
constexpr long long kMaxWebhookBody = 1 << 20;

int WebhookTrampoline(mg_connection* conn, void* self) {
  return static_cast<WebhookReceiver*>(self)->Serve(conn);
}

// The status code of GET 127.0.0.1:port/path, 0 on any failure; at most 2 s per send and read.
int StatusOfGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  timeval timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  char head[64] = {};
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()) &&
            read(fd, head, sizeof head - 1) > 0;
  close(fd);
  const char* space = ok ? std::strchr(head, ' ') : nullptr;
  return space != nullptr ? std::atoi(space + 1) : 0;
}

}  // namespace

ServiceProcess::ServiceProcess(std::vector<std::string> argv, std::string log_path)
    : argv_(std::move(argv)), log_path_(std::move(log_path)) {}

ServiceProcess::~ServiceProcess() { Stop(); }

bool ServiceProcess::StartAndWaitReady(int port, const std::string& path,
                                       std::chrono::milliseconds timeout) {
  child_.Start(argv_, log_path_);
  if (!child_.running()) return false;
  for (auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
    if (child_.Exited()) return false;
    if (StatusOfGet(port, path) == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void ServiceProcess::Stop() {
  if (!child_.running()) return;
  child_.Signal(SIGTERM);
  for (auto deadline = Clock::now() + std::chrono::seconds(10); Clock::now() < deadline;) {
    if (child_.Exited()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  child_.Kill(SIGKILL);
}

std::string ServiceProcess::Log() const { return ReadWholeFile(log_path_); }

WebhookReceiver::WebhookReceiver() {
  const char* options[] = {"listening_ports", "127.0.0.1:0", "num_threads", "2",
                           "request_timeout_ms", "10000", nullptr};
  mg_callbacks callbacks{};
  context_ = mg_start(&callbacks, this, options);
  if (context_ == nullptr) throw std::runtime_error("webhook receiver cannot listen");
  mg_set_request_handler(context_, "/alerts$", WebhookTrampoline, this);
  mg_server_port ports[2];
  port_ = mg_get_server_ports(context_, 2, ports) > 0 ? ports[0].port : 0;
}

WebhookReceiver::~WebhookReceiver() {
  if (context_ != nullptr) mg_stop(context_);
}

std::string WebhookReceiver::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/alerts";
}

int WebhookReceiver::Serve(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  bool post = info != nullptr && info->request_method != nullptr &&
              std::strcmp(info->request_method, "POST") == 0;
  if (!post || info->content_length < 0 || info->content_length > kMaxWebhookBody) {
    mg_printf(conn, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return 400;
  }
  std::string body(static_cast<size_t>(info->content_length), '\0');
  size_t got = 0;
  while (got < body.size()) {
    int n = mg_read(conn, body.data() + got, body.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  body.resize(got);
  {
    std::lock_guard lock(mutex_);
    bodies_.push_back(std::move(body));
  }
  received_.notify_all();
  mg_printf(conn, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  return 200;
}

std::string WebhookReceiver::WaitForBody(const std::function<bool(const std::string&)>& match,
                                         std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::string found;
  received_.wait_for(lock, timeout, [&] {
    for (const std::string& body : bodies_) {
      if (match(body)) {
        found = body;
        return true;
      }
    }
    return false;
  });
  return found;
}

std::vector<std::string> WebhookReceiver::Bodies() const {
  std::lock_guard lock(mutex_);
  return bodies_;
}

}  // namespace kpihub::testing
