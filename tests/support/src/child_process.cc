#include "kpihub/testing/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "kpihub/platform/file.h"

namespace kpihub::testing {

ChildProcess::~ChildProcess() {
  if (pid_ > 0) Kill(SIGKILL);
}

void ChildProcess::Start(std::vector<std::string> args, const std::string& log_path,
                         int descriptor_limit) {
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    if (descriptor_limit > 0) {
      rlimit limit{static_cast<rlim_t>(descriptor_limit), static_cast<rlim_t>(descriptor_limit)};
      setrlimit(RLIMIT_NOFILE, &limit);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
}

bool ChildProcess::Exited() {
  int status = 0;
  if (pid_ <= 0 || waitpid(pid_, &status, WNOHANG) != pid_) return false;
  pid_ = -1;
  last_wait_status_ = status;
  return true;
}

int ChildProcess::Wait(int timeout_ms, long* max_rss_kb) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    struct rusage usage {};
    if (wait4(pid_, &status, WNOHANG, &usage) == pid_) {
      pid_ = -1;
      last_wait_status_ = status;
      if (max_rss_kb) *max_rss_kb = usage.ru_maxrss;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

void ChildProcess::Kill(int signal) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void ChildProcess::Signal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

std::string ReadWholeFile(const std::string& path) {
  auto text = platform::ReadFile(path);
  return text.ok() ? *std::move(text) : std::string();
}

}  // namespace kpihub::testing
