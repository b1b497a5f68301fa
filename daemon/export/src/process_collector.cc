#include "kpihub/export/process_collector.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <limits>
#include <vector>

#include "kpihub/export/gauge_family.h"

namespace kpihub::exporter {
namespace {

// /proc files are small; a larger one is not what we expect to read.
constexpr size_t kMaxProcFileBytes = 1 << 20;

std::optional<std::string> ReadProcFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buf[8192];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 && text.size() < kMaxProcFileBytes) {
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (n < 0 || text.size() >= kMaxProcFileBytes) return std::nullopt;
  return text;
}

// The whole of `token` as an unsigned decimal number; no sign, no spaces, no overflow.
std::optional<uint64_t> ParseUnsigned(std::string_view token) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (token.empty() || ec != std::errc() || end != token.data() + token.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> SplitSpaces(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

std::optional<size_t> CountDirectoryEntries(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return std::nullopt;
  size_t count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") ++count;
  }
  ::closedir(dir);
  return count;
}

void AddCounter(std::vector<prometheus::MetricFamily>* out, std::string name, std::string help,
                double value) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = prometheus::MetricType::Counter;
  family.metric.emplace_back().counter.value = value;
  out->push_back(std::move(family));
}

void AddGauge(std::vector<prometheus::MetricFamily>* out, std::string name, std::string help,
              double value) {
  GaugeFamily family(std::move(name), std::move(help));
  family.Add({}, value);
  family.MoveTo(out);
}

}  // namespace

std::optional<ProcStat> ParseProcStat(std::string_view text) {
  // "pid (comm) state ppid ...": comm may contain anything, ")" included; the last ")" ends it.
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  // Fields from the 3rd (state) on; proc(5) numbers them from 1.
  std::vector<std::string_view> f = SplitSpaces(text.substr(close + 1));
  auto field = [&](size_t number) -> std::optional<uint64_t> {
    size_t index = number - 3;
    return index < f.size() ? ParseUnsigned(f[index]) : std::nullopt;
  };
  auto utime = field(14), stime = field(15), start = field(22), vsize = field(23), rss = field(24);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  return ProcStat{*utime, *stime, *start, *vsize, *rss};
}

std::optional<uint64_t> ParseBootTime(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? end : end - pos);
    std::vector<std::string_view> words = SplitSpaces(line);
    if (words.size() == 2 && words[0] == "btime") return ParseUnsigned(words[1]);
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<double> ParseMaxOpenFiles(std::string_view text) {
  constexpr std::string_view kName = "Max open files";
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? end : end - pos);
    if (line.substr(0, kName.size()) == kName) {
      // "Max open files  <soft>  <hard>  files"
      std::vector<std::string_view> words = SplitSpaces(line.substr(kName.size()));
      if (words.empty()) return std::nullopt;
      if (words[0] == "unlimited") return std::numeric_limits<double>::infinity();
      auto soft = ParseUnsigned(words[0]);
      if (!soft) return std::nullopt;
      return static_cast<double>(*soft);
    }
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return std::nullopt;
}

ProcessCollector::ProcessCollector(ProcessCollectorOptions options) : options_(std::move(options)) {
  if (options_.clock_ticks_per_second == 0) {
    long ticks = ::sysconf(_SC_CLK_TCK);
    options_.clock_ticks_per_second = ticks > 0 ? static_cast<uint64_t>(ticks) : 100;
  }
  if (options_.page_size_bytes == 0) {
    long page = ::sysconf(_SC_PAGESIZE);
    options_.page_size_bytes = page > 0 ? static_cast<uint64_t>(page) : 4096;
  }
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::vector<prometheus::MetricFamily> out;
  const std::string self = options_.proc_root + "/self";
  const double ticks = static_cast<double>(options_.clock_ticks_per_second);
  std::optional<std::string> stat_text = ReadProcFile(self + "/stat");
  std::optional<ProcStat> stat = stat_text ? ParseProcStat(*stat_text) : std::nullopt;
  if (stat) {
    AddCounter(&out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
               (static_cast<double>(stat->utime_ticks) + static_cast<double>(stat->stime_ticks)) / ticks);
    std::optional<std::string> system = ReadProcFile(options_.proc_root + "/stat");
    std::optional<uint64_t> boot = system ? ParseBootTime(*system) : std::nullopt;
    if (boot) {
      AddGauge(&out, "process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.",
               static_cast<double>(*boot) + static_cast<double>(stat->start_ticks_after_boot) / ticks);
    }
    AddGauge(&out, "process_resident_memory_bytes", "Resident memory size in bytes.",
             static_cast<double>(stat->rss_pages) * static_cast<double>(options_.page_size_bytes));
    AddGauge(&out, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
             static_cast<double>(stat->vsize_bytes));
  }
  if (std::optional<size_t> fds = CountDirectoryEntries(self + "/fd")) {
    AddGauge(&out, "process_open_fds", "Number of open file descriptors.", static_cast<double>(*fds));
  }
  std::optional<std::string> limits = ReadProcFile(self + "/limits");
  if (std::optional<double> max = limits ? ParseMaxOpenFiles(*limits) : std::nullopt) {
    AddGauge(&out, "process_max_fds", "Maximum number of open file descriptors.", *max);
  }
  return out;
}

}  // namespace kpihub::exporter
