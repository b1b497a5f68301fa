// AdapterProcess: runs the built kpihub-adapter binary as a test's child process, with its
// output in a file, and stops it by PID. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace kpihub::testing {

class AdapterProcess {
 public:
  AdapterProcess(std::vector<std::string> args, std::string log_path);
  ~AdapterProcess();  // SIGKILLs a child still running
  // Waits up to `timeout_ms`; the exit code, or -1 on timeout or death by a signal.
  int Wait(int timeout_ms);
  void Kill(int signal);  // sends `signal` and reaps the child
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

}  // namespace kpihub::testing
