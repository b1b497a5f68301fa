#include "daemon_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace kpihub::testing {
namespace fs = std::filesystem;

TempDir::TempDir() {
  char tmpl[] = "/tmp/kpihub-test-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string BinaryPath(const std::string& name) { return std::string(KPIHUB_BINARY_DIR) + "/" + name; }

DaemonHarness::DaemonHarness(std::vector<std::pair<std::string, std::string>> adapters) {
  state_dir_ = dir_.path() + "/state";
  config_path_ = dir_.path() + "/kpihubd.toml";
  keys_path_ = dir_.path() + "/keys.toml";
  log_path_ = dir_.path() + "/kpihubd.log";
  ready_path_ = dir_.path() + "/ready";
  server_ = wire::GenerateCurveKeyPair();
  std::string error;
  if (!wire::WriteKeyFiles(dir_.path(), "server", server_, &error)) throw std::runtime_error(error);
  std::vector<std::string> ids;
  for (auto& [id, dept] : adapters) {
    adapters_.push_back({id, dept, wire::GenerateCurveKeyPair()});
    if (!wire::WriteKeyFiles(dir_.path(), id, adapters_.back().keys, &error)) {
      throw std::runtime_error(error);
    }
    ids.push_back(id);
  }
  WriteRegistry(ids);
  std::ofstream config(config_path_);
  config << "state_dir = \"state\"\nkey_registry = \"keys.toml\"\nserver_key = \"server.key\"\n"
         << "listen = \"tcp://127.0.0.1:*\"\nmetrics_listen = \"127.0.0.1:0\"\n"
         << "min_cell_entities = 3\nlog_level = \"debug\"\n";
}

DaemonHarness::~DaemonHarness() {
  if (pid_ > 0) Kill(SIGKILL);
}

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
  metrics_port_ = 0;
  std::vector<std::string> args = {BinaryPath("kpihubd"), "--config", config_path_,
                                   "--ready-file", ready_path_};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 2);
    dup2(fd, 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      last_wait_status_ = status;
      return false;
    }
    std::ifstream ready(ready_path_);
    std::string line;
    while (std::getline(ready, line)) {
      if (line.rfind("ingest=", 0) == 0) endpoint_ = line.substr(7);
      if (line.rfind("metrics_port=", 0) == 0) metrics_port_ = std::stoi(line.substr(13));
    }
    if (!endpoint_.empty() && metrics_port_ > 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void DaemonHarness::Kill(int signal) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void DaemonHarness::Signal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

int DaemonHarness::WaitExit(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      last_wait_status_ = status;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

int DaemonHarness::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int code = WaitExit(20000);
  if (pid_ > 0) Kill(SIGKILL);
  return code;
}

std::string DaemonHarness::ReadLog() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::string> HttpGet(int port, const std::string& path,
                                   const std::string& basic_auth, int* status) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return std::nullopt;
  }
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
