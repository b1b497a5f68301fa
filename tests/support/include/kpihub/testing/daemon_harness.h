// DaemonHarness: runs the real kpihubd binary for a test — a temp state dir, freshly
// generated CURVE keys and key registry, a loopback ingest port and metrics port reserved for
// the harness's whole life (PortReservation), so every restart binds the same two ports —
// and stops it by PID. Also a minimal HTTP GET for /metrics and a Prometheus text parser.
// Not thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kpihub/testing/child_process.h"
#include "kpihub/testing/port_reservation.h"
#include "kpihub/testing/temp_dir.h"
#include "kpihub/wire/curve_keys.h"

namespace kpihub::testing {

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
  void Kill(int signal) { process_.Kill(signal); }  // sends `signal` and reaps the process
  void Signal(int signal) { process_.Signal(signal); }  // sends `signal` only (SIGHUP, ...)
  int Stop();             // SIGTERM, wait, return the exit status (or -1)
  // Waits for the process to exit by itself; its exit code, or -1 on timeout / signal.
  int WaitExit(int timeout_ms) { return process_.Wait(timeout_ms); }
  bool running() const { return process_.running(); }
  pid_t pid() const { return process_.pid(); }
  // Binds the ingest socket on another loopback address (e.g. "127.0.0.2", a second host of
  // a replica pair) from the next Start on; metrics and the exchange stay on 127.0.0.1.
  void ListenOn(const std::string& host);
  // RLIMIT_NOFILE (soft and hard) of the next Start's process; 0 leaves it inherited.
  void set_descriptor_limit(int n) { descriptor_limit_ = n; }
  // The wait status (waitpid) of the last exit Start or WaitExit saw: tells a refusal (an exit
  // code) from a crash (a signal).
  int last_wait_status() const { return process_.last_wait_status(); }

  const std::string& endpoint() const { return endpoint_; }
  // The exchange socket: the ready file's "exchange=" line (the port picked when
  // exchange_listen ends in ":*"), else the reserved port kpihubd.toml names.
  std::string exchange_endpoint() const {
    return exchange_endpoint_.empty() ? exchange_port_.tcp_endpoint() : exchange_endpoint_;
  }
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
  // Held until after the child is gone; kpihubd.toml names these two ports.
  PortReservation ingest_port_, metrics_port_reserved_;
  PortReservation exchange_port_;  // exchange_listen: never the packaged default 7731
  std::string state_dir_, config_path_, keys_path_, log_path_, ready_path_;
  wire::CurveKeyPair server_;
  std::vector<TestAdapter> adapters_;
  ChildProcess process_;  // SIGKILLed on destruction if still running
  int descriptor_limit_ = 0;
  std::string endpoint_, exchange_endpoint_;
  int metrics_port_ = 0;
};

// Path of a built binary (kpihubd, kpihub), from the KPIHUB_BINARY_DIR compile definition.
std::string BinaryPath(const std::string& name);

// `s` percent-encoded for a URL query (RFC 3986: unreserved characters kept).
std::string UrlEncode(const std::string& s);

// GET http://127.0.0.1:port/path; the body, or nullopt on any failure.
std::optional<std::string> HttpGet(int port, const std::string& path,
                                   const std::string& basic_auth = "", int* status = nullptr);

// A TCP connection to 127.0.0.1:port; the socket, or -1.
int ConnectLoopback(int port);

// Prometheus text format: "name{l1=\"v1\",...}" (labels sorted by name) -> value.
std::map<std::string, double> ParseMetrics(const std::string& text);
// Builds the key ParseMetrics uses, labels sorted by name.
std::string SeriesKey(const std::string& name, std::map<std::string, std::string> labels);

// GET /metrics of a running daemon, parsed; a failed scrape fails the current test and
// gives an empty map.
std::map<std::string, double> ScrapeMetrics(int port);
// The value of `key` in `metrics`, or `absent` when it is not exported.
double MetricOr(const std::map<std::string, double>& metrics, const std::string& key,
                double absent);
// How often `needle` occurs in `text` (overlapping occurrences count).
int CountOccurrences(const std::string& text, const std::string& needle);
// Waits up to 10 s until `needle` occurs `occurrences` times in the daemon's log.
bool WaitForLog(const DaemonHarness& daemon, const std::string& needle, int occurrences = 1);
// The process's anonymous resident memory (RssAnon of /proc/PID/status) in bytes; 0 if
// unreadable.
uint64_t RssAnonBytes(pid_t pid);

// Runs a shell command; its exit status and combined output.
int RunCommand(const std::string& command, std::string* output);

}  // namespace kpihub::testing

namespace kpihub::testing {
// A valid unified social credit code for a made-up enterprise number `serial` in Jiaozuo
// (admin division 410800), with correct organisation-code and final check characters.
std::string MakeUscc(uint32_t serial);
}  // namespace kpihub::testing
