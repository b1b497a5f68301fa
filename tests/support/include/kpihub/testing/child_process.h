// ChildProcess: one of the built binaries run as a test's child, its stdout and stderr
// appended to a log file; stopped by PID. What DaemonHarness and AdapterProcess share.
// Not thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace kpihub::testing {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // SIGKILLs a child still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Forks and execs args[0] with `args`, output appended to `log_path`. With
  // `descriptor_limit` > 0 the child runs with that RLIMIT_NOFILE (soft and hard).
  void Start(std::vector<std::string> args, const std::string& log_path,
             int descriptor_limit = 0);
  // True (and no longer running) once the child has exited, without waiting.
  bool Exited();
  // Waits up to `timeout_ms`; the exit code, or -1 on timeout or death by a signal. With
  // `max_rss_kb`, the child's peak resident memory (getrusage's ru_maxrss, through wait4).
  int Wait(int timeout_ms, long* max_rss_kb = nullptr);
  void Kill(int signal);    // sends `signal` and reaps the child
  void Signal(int signal);  // sends `signal` only
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // The wait status (waitpid) of the last exit Exited or Wait saw: tells an exit code from
  // death by a signal.
  int last_wait_status() const { return last_wait_status_; }

 private:
  pid_t pid_ = -1;
  int last_wait_status_ = 0;
};

// The text of a log (or any) file; empty when it cannot be read.
std::string ReadWholeFile(const std::string& path);

}  // namespace kpihub::testing
