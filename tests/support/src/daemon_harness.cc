#include "kpihub/testing/daemon_harness.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace kpihub::testing {
namespace fs = std::filesystem;

uint64_t RssAnonBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::stoull(line.substr(8)) * 1024;  // "... kB"
  }
  return 0;
}

std::string BinaryPath(const std::string& name) { return std::string(KPIHUB_BINARY_DIR) + "/" + name; }

DaemonHarness::DaemonHarness(std::vector<std::pair<std::string, std::string>> adapters) {
  state_dir_ = dir_.path() + "/state";
  config_path_ = dir_.path() + "/kpihubd.toml";
  keys_path_ = dir_.path() + "/keys.toml";
  log_path_ = dir_.path() + "/kpihubd.log";
  ready_path_ = dir_.path() + "/ready";
  server_ = wire::GenerateCurveKeyPair();
  if (Status s = wire::WriteKeyFiles(dir_.path(), "server", server_); !s.ok()) {
    throw std::runtime_error(s.message());
  }
  std::vector<std::string> ids;
  for (auto& [id, dept] : adapters) {
    adapters_.push_back({id, dept, wire::GenerateCurveKeyPair()});
    if (Status s = wire::WriteKeyFiles(dir_.path(), id, adapters_.back().keys); !s.ok()) {
      throw std::runtime_error(s.message());
    }
    ids.push_back(id);
  }
  WriteRegistry(ids);
  std::ofstream config(config_path_);
  config << "state_dir = \"state\"\nkey_registry = \"keys.toml\"\nserver_key = \"server.key\"\n"
         << "listen = \"" << ingest_port_.tcp_endpoint() << "\"\n"
         << "metrics_listen = \"" << metrics_port_reserved_.host_port() << "\"\n"
         << "exchange_listen = \"" << exchange_port_.tcp_endpoint() << "\"\n"
         << "min_cell_entities = 3\nlog_level = \"debug\"\n";
}

DaemonHarness::~DaemonHarness() = default;  // the child is killed before its directory goes

void DaemonHarness::WriteRegistry(const std::vector<std::string>& ids) {
  std::ofstream out(keys_path_ + ".tmp");
  for (const auto& id : ids) {
    const TestAdapter& a = adapter(id);
    out << "[[adapter]]\nid = \"" << a.id << "\"\ndepartment = \"" << a.department
        << "\"\npublic_key = \"" << a.keys.public_z85 << "\"\n\n";
  }
  out.close();
  fs::rename(keys_path_ + ".tmp", keys_path_);
}

void DaemonHarness::ReplaceKey(const std::string& id) {
  std::vector<std::string> ids;
  for (auto& a : adapters_) {
    if (a.id == id) a.keys = wire::GenerateCurveKeyPair();
    ids.push_back(a.id);
  }
  WriteRegistry(ids);
}

const TestAdapter& DaemonHarness::adapter(const std::string& id) const {
  for (const auto& a : adapters_) {
    if (a.id == id) return a;
  }
  throw std::runtime_error("no test adapter " + id);
}

bool DaemonHarness::Start(const std::vector<std::string>& extra_args) {
  fs::remove(ready_path_);
  endpoint_.clear();
  exchange_endpoint_.clear();
  metrics_port_ = 0;
  std::vector<std::string> args = {BinaryPath("kpihubd"), "--config", config_path_,
                                   "--ready-file", ready_path_};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  process_.Start(std::move(args), log_path_, descriptor_limit_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (process_.Exited()) return false;
    std::ifstream ready(ready_path_);
    std::string line;
    while (std::getline(ready, line)) {
      if (line.rfind("ingest=", 0) == 0) endpoint_ = line.substr(7);
      if (line.rfind("exchange=", 0) == 0) exchange_endpoint_ = line.substr(9);
      if (line.rfind("metrics_port=", 0) == 0) metrics_port_ = std::stoi(line.substr(13));
    }
    if (!endpoint_.empty() && metrics_port_ > 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void DaemonHarness::ListenOn(const std::string& host) {
  std::string config = ReadWholeFile(config_path_);
  const std::string from = "\nlisten = \"tcp://127.0.0.1:";  // not exchange_listen
  const size_t at = config.find(from);
  if (at != std::string::npos) config.replace(at, from.size(), "\nlisten = \"tcp://" + host + ":");
  std::ofstream(config_path_, std::ios::trunc) << config;
}

int DaemonHarness::Stop() {
  if (!process_.running()) return -1;
  process_.Signal(SIGTERM);
  int code = process_.Wait(20000);
  if (process_.running()) process_.Kill(SIGKILL);
  return code;
}

std::string DaemonHarness::ReadLog() const { return ReadWholeFile(log_path_); }

int ConnectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::optional<std::string> HttpGet(int port, const std::string& path,
                                   const std::string& basic_auth, int* status) {
  int fd = ConnectLoopback(port);
  if (fd < 0) return std::nullopt;
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n";
  if (!basic_auth.empty()) request += "Authorization: Basic " + basic_auth + "\r\n";
  request += "\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return std::nullopt;
  }
  std::string response;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) response.append(buf, static_cast<size_t>(n));
  close(fd);
  size_t sp = response.find(' ');
  int code = sp == std::string::npos ? 0 : std::atoi(response.c_str() + sp + 1);
  if (status) *status = code;
  size_t body = response.find("\r\n\r\n");
  if (body == std::string::npos) return std::nullopt;
  return response.substr(body + 4);
}

std::string SeriesKey(const std::string& name, std::map<std::string, std::string> labels) {
  if (labels.empty()) return name;
  std::string key = name + "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    key += (first ? "" : ",") + k + "=\"" + v + "\"";
    first = false;
  }
  return key + "}";
}

std::map<std::string, double> ParseMetrics(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t brace = line.find('{');
    size_t space = line.rfind(' ');
    std::string name, labels_text;
    if (brace != std::string::npos && brace < space) {
      name = line.substr(0, brace);
      labels_text = line.substr(brace + 1, line.rfind('}') - brace - 1);
    } else {
      name = line.substr(0, space);
    }
    std::map<std::string, std::string> labels;
    size_t pos = 0;
    while (pos < labels_text.size()) {
      size_t eq = labels_text.find('=', pos);
      size_t q1 = labels_text.find('"', eq);
      size_t q2 = q1 + 1;
      while (q2 < labels_text.size() && labels_text[q2] != '"') q2 += labels_text[q2] == '\\' ? 2 : 1;
      labels[labels_text.substr(pos, eq - pos)] = labels_text.substr(q1 + 1, q2 - q1 - 1);
      pos = q2 + 2;  // skip quote and comma
    }
    out[SeriesKey(name, labels)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return out;
}

std::map<std::string, double> ScrapeMetrics(int port) {
  auto body = HttpGet(port, "/metrics");
  EXPECT_TRUE(body.has_value()) << "scrape of 127.0.0.1:" << port << " failed";
  return body ? ParseMetrics(*body) : std::map<std::string, double>{};
}

double MetricOr(const std::map<std::string, double>& metrics, const std::string& key,
                double absent) {
  auto it = metrics.find(key);
  return it == metrics.end() ? absent : it->second;
}

int CountOccurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

bool WaitForLog(const DaemonHarness& daemon, const std::string& needle, int occurrences) {
  for (int i = 0; i < 500; ++i) {
    if (CountOccurrences(daemon.ReadLog(), needle) >= occurrences) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int RunCommand(const std::string& command, std::string* output) {
  std::string full = command + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (!pipe) return -1;
  char buf[4096];
  size_t n;
  output->clear();
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output->append(buf, n);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace kpihub::testing

#include "kpihub/core/uscc.h"

namespace kpihub::testing {

std::string MakeUscc(uint32_t serial) { return core::SyntheticUscc(serial); }

}  // namespace kpihub::testing
