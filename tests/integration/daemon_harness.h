// DaemonHarness: runs the real kpihubd binary for a test — a temp state dir, freshly
// generated CURVE keys and key registry, an ephemeral loopback ingest port and metrics port —
// and stops it by PID. Also a minimal HTTP GET for /metrics and a Prometheus text parser.
// Not thread-safe.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kpihub/wire/curve_keys.h"

namespace kpihub::testing {

// A directory under /tmp removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct TestAdapter {
  std::string id;
  std::string department;
  wire::CurveKeyPair keys;
};

class DaemonHarness {
 public:
  // Generates the server key and one key per adapter, writes keys.toml and kpihubd.toml.
  explicit DaemonHarness(std::vector<std::pair<std::string, std::string>> adapters);
  ~DaemonHarness();

  // Starts kpihubd and waits for its ready file. False if it exited or timed out.
  bool Start(const std::vector<std::string>& extra_args = {});
  void Kill(int signal);  // sends `signal` and reaps the process
  void Signal(int signal);  // sends `signal` only (SIGHUP, SIGSTOP, ...)
  int Stop();             // SIGTERM, wait, return the exit status (or -1)
  // Waits for the process to exit by itself; its exit code, or -1 on timeout / signal.
  int WaitExit(int timeout_ms);
  bool running() const { return pid_ > 0; }
  // The wait status (waitpid) of the last exit Start or WaitExit saw: tells a refusal (an exit
  // code) from a crash (a signal).
  int last_wait_status() const { return last_wait_status_; }

  const std::string& endpoint() const { return endpoint_; }
  int metrics_port() const { return metrics_port_; }
  const std::string& server_public() const { return server_.public_z85; }
  const TestAdapter& adapter(const std::string& id) const;
  const std::string& state_dir() const { return state_dir_; }
  const std::string& dir() const { return dir_.path(); }
  const std::string& config_path() const { return config_path_; }
  const std::string& log_path() const { return log_path_; }
  std::string ReadLog() const;
  // Rewrites keys.toml with the given adapters only (for SIGHUP tests).
  void WriteRegistry(const std::vector<std::string>& adapter_ids);
  // Gives adapter `id` a fresh key pair (the old one leaked) and rewrites keys.toml.
  void ReplaceKey(const std::string& id);

 private:
  TempDir dir_;
  std::string state_dir_, config_path_, keys_path_, log_path_, ready_path_;
  wire::CurveKeyPair server_;
  std::vector<TestAdapter> adapters_;
  pid_t pid_ = -1;
  int last_wait_status_ = 0;
  std::string endpoint_;
  int metrics_port_ = 0;
};

// Path of a built binary (kpihubd, kpihub), from the KPIHUB_BINARY_DIR compile definition.
std::string BinaryPath(const std::string& name);

// GET http://127.0.0.1:port/path; the body, or nullopt on any failure.
std::optional<std::string> HttpGet(int port, const std::string& path,
                                   const std::string& basic_auth = "", int* status = nullptr);

// Prometheus text format: "name{l1=\"v1\",...}" (labels sorted by name) -> value.
std::map<std::string, double> ParseMetrics(const std::string& text);
// Builds the key ParseMetrics uses, labels sorted by name.
std::string SeriesKey(const std::string& name, std::map<std::string, std::string> labels);

// Runs a shell command; its exit status and combined output.
int RunCommand(const std::string& command, std::string* output);

}  // namespace kpihub::testing

namespace kpihub::testing {
// A valid unified social credit code for a made-up enterprise number `serial` in Jiaozuo
// (admin division 410800), with correct organisation-code and final check characters.
std::string MakeUscc(uint32_t serial);
}  // namespace kpihub::testing
