// AdapterProcess: runs the built kpihub-adapter binary as a test's child process, with its
// output in a file, and stops it by PID. Not thread-safe. StartSampleFeed: the bundled
// sample fed to a test daemon by one such process per department.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kpihub/testing/child_process.h"

namespace kpihub::testing {

class DaemonHarness;

class AdapterProcess {
 public:
  AdapterProcess(std::vector<std::string> args, std::string log_path);
  // Waits up to `timeout_ms`; the exit code, or -1 on timeout or death by a signal. With
  // `max_rss_kb`, the child's peak resident memory (getrusage's ru_maxrss, through wait4).
  int Wait(int timeout_ms, long* max_rss_kb = nullptr) { return process_.Wait(timeout_ms, max_rss_kb); }
  void Kill(int signal) { process_.Kill(signal); }  // sends `signal` and reaps the child
  std::string Log() const;

 private:
  std::string log_path_;
  ChildProcess process_;  // SIGKILLed on destruction if still running
};

// The bundled sample's export files of each department (samples/demo/README.md).
const std::map<std::string, std::vector<std::string>>& SampleFiles();
// The adapters that send them, as (adapter id, department), for a DaemonHarness.
std::vector<std::pair<std::string, std::string>> SampleAdapters();
// The id of the adapter that sends `department`'s sample files ("tax" -> "tax-1").
const std::string& SampleAdapterId(const std::string& department);
// Starts one kpihub-adapter per department, all at once, each with its shipped profile and
// its department's sample files, copied into `daemon.dir()`/inbox (the adapter writes reject
// reports beside its inputs). `source_dir` is the source tree. The caller waits for them.
std::vector<std::unique_ptr<AdapterProcess>> StartSampleFeed(const DaemonHarness& daemon,
                                                             const std::string& source_dir,
                                                             int deadline_s);

}  // namespace kpihub::testing
