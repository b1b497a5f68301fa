// Running a built binary to completion and telling an exit code from a death by signal: the
// state-safety and bit-flip tests must prove that a damaged store is refused with a message,
// never a SIGBUS or SIGSEGV. Not thread-safe (uses a file per call under `scratch_dir`).
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace kpihub::testing {

struct ProcessOutcome {
  bool signalled = false;
  int signal = 0;
  int code = -1;        // exit code when !signalled
  std::string output;   // stdout and stderr
  bool exited(int expected) const { return !signalled && code == expected; }
};

// Runs `command` (a shell command line: the binary and its arguments) with a time limit.
// `exec` replaces the shell, and timeout(1) re-raises a signal that killed the program, so a
// crash is seen here as a signal rather than as a shell's 128+n.
inline ProcessOutcome RunToCompletion(const std::string& command, const std::string& scratch_dir,
                                      int timeout_s = 30) {
  const std::string out = scratch_dir + "/.outcome.txt";
  const std::string line = "exec timeout -k 5 " + std::to_string(timeout_s) + " " + command +
                           " >" + out + " 2>&1 </dev/null";
  ProcessOutcome result;
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.signalled = WIFSIGNALED(status);
  result.signal = result.signalled ? WTERMSIG(status) : 0;
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  result.output = ss.str();
  return result;
}

}  // namespace kpihub::testing
