// ProcessCollector: the standard process_* metrics of the Prometheus client libraries'
// process collector (client_golang, client_python), which prometheus-cpp 1.0.1 lacks, read
// from Linux's /proc at scrape time:
//   process_cpu_seconds_total       user + system CPU time (/proc/self/stat)
//   process_start_time_seconds      Unix time the process started (stat starttime + btime)
//   process_resident_memory_bytes   resident set size (stat rss × page size)
//   process_virtual_memory_bytes    virtual memory size (stat vsize)
//   process_open_fds                entries of /proc/self/fd
//   process_max_fds                 soft limit "Max open files" (/proc/self/limits)
// What cannot be read or parsed is left out of that scrape; nothing here throws. The parsers
// are separate so that they can be tested on malformed text: they treat their input as
// untrusted (a process name in stat may hold any bytes, parentheses and spaces included).
// Thread-safe: Collect keeps no state.
#pragma once

#include <prometheus/collectable.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kpihub::exporter {

// The fields of /proc/<pid>/stat the collector uses, in the kernel's units.
struct ProcStat {
  uint64_t utime_ticks = 0, stime_ticks = 0;
  uint64_t start_ticks_after_boot = 0;
  uint64_t vsize_bytes = 0, rss_pages = 0;
};

// Parses one /proc/<pid>/stat line; nullopt unless every field is there and a number.
std::optional<ProcStat> ParseProcStat(std::string_view text);
// The `btime` (boot time, Unix seconds) of /proc/stat.
std::optional<uint64_t> ParseBootTime(std::string_view text);
// The soft limit of "Max open files" in /proc/<pid>/limits; +Inf for "unlimited".
std::optional<double> ParseMaxOpenFiles(std::string_view text);

struct ProcessCollectorOptions {
  std::string proc_root = "/proc";  // a test points it at a directory of its own
  uint64_t clock_ticks_per_second = 0;  // 0: sysconf(_SC_CLK_TCK)
  uint64_t page_size_bytes = 0;         // 0: sysconf(_SC_PAGESIZE)
};

class ProcessCollector : public prometheus::Collectable {
 public:
  explicit ProcessCollector(ProcessCollectorOptions options = {});
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  ProcessCollectorOptions options_;
};

}  // namespace kpihub::exporter
