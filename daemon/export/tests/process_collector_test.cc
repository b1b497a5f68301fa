// ProcessCollector: the /proc parsers on real and malformed text, the collector on a proc
// tree of the test's own (real files in a temp dir) and on this process's /proc.
#include "kpihub/export/process_collector.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

namespace kpihub::exporter {
namespace {

namespace fs = std::filesystem;

// Fields 3..24 of proc(5): state, ppid ... rss, then the rest of a real line.
const char* const kStatTail =
    " S 1 4242 4242 0 -1 4194560 1200 0 3 0 250 75 0 0 20 0 9 0 123456 873463808 2560"
    " 18446744073709551615 1 1 0 0 0 0 0 4096 17663 0 0 0 17 1 0 0 0 0 0\n";

std::map<std::string, double> ValuesOf(const std::vector<prometheus::MetricFamily>& families) {
  std::map<std::string, double> out;
  for (const auto& f : families) {
    EXPECT_EQ(f.metric.size(), 1u) << f.name;
    if (f.metric.empty()) continue;
    const auto& m = f.metric[0];
    out[f.name] = f.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
  }
  return out;
}

TEST(ProcStatTest, ReadsTheFieldsAfterTheProcessName) {
  auto stat = ParseProcStat(std::string("4242 (kpihubd)") + kStatTail);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->utime_ticks, 250u);
  EXPECT_EQ(stat->stime_ticks, 75u);
  EXPECT_EQ(stat->start_ticks_after_boot, 123456u);
  EXPECT_EQ(stat->vsize_bytes, 873463808u);
  EXPECT_EQ(stat->rss_pages, 2560u);
}

TEST(ProcStatTest, AProcessNameWithSpacesAndParenthesesIsSkippedWhole) {
  auto stat = ParseProcStat(std::string("4242 (a) 7 8 (b) ) x)") + kStatTail);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->utime_ticks, 250u);
  EXPECT_EQ(stat->rss_pages, 2560u);
}

TEST(ProcStatTest, MalformedLinesAreRefused) {
  const std::string good = std::string("1 (x)") + kStatTail;
  for (const std::string& bad : {
           std::string(""), std::string("1 (x"), std::string("1 x) S"), std::string(") 1 ("),
           std::string("1 (x) S 1 2 3"),                            // truncated
           std::string("1 (x) S 1 4242 4242 0 -1 4194560 1200 0 3 0 -250 75 0 0 20 0 9 0 1 2 3"),
           std::string("1 (x) S 1 4242 4242 0 -1 4194560 1200 0 3 0 25x 75 0 0 20 0 9 0 1 2 3"),
           std::string("1 (x) S 1 4242 4242 0 -1 4194560 1200 0 3 0 99999999999999999999999 75 0 0 20 0 9 0 1 2 3"),
           std::string("1 (x) S 1 4242 4242 0 -1 4194560 1200 0 3 0 +2 75 0 0 20 0 9 0 1 2 3"),
           std::string("1 (x) S 1 4242 4242 0 -1 4194560 1200 0 3 0 2 75 0 0 20 0 9 0 1 2 0x3"),
           good.substr(0, good.size() / 2),
       }) {
    EXPECT_FALSE(ParseProcStat(bad).has_value()) << bad;
  }
  EXPECT_TRUE(ParseProcStat(good).has_value());
}

TEST(ProcStatTest, RandomBytesNeverCrash) {
  std::mt19937 random(18);
  const std::string good = std::string("4242 (kpihubd)") + kStatTail;
  for (int i = 0; i < 20000; ++i) {
    std::string text = good;
    for (int k = 0; k < 1 + i % 8; ++k) text[random() % text.size()] = static_cast<char>(random());
    if (i % 3 == 0) text.resize(random() % text.size());
    (void)ParseProcStat(text);
    (void)ParseBootTime(text);
    (void)ParseMaxOpenFiles(text);
  }
}

TEST(BootTimeTest, FindsBtimeAmongTheOtherLines) {
  EXPECT_EQ(ParseBootTime("cpu  1 2 3\nintr 1 2 3\nctxt 99\nbtime 1764990000\nprocesses 5\n"),
            std::optional<uint64_t>(1764990000));
  EXPECT_EQ(ParseBootTime("btime 7"), std::optional<uint64_t>(7));  // no final newline
  EXPECT_FALSE(ParseBootTime("").has_value());
  EXPECT_FALSE(ParseBootTime("cpu 1 2\nbtimes 5\n").has_value());
  EXPECT_FALSE(ParseBootTime("btime\n").has_value());
  EXPECT_FALSE(ParseBootTime("btime -5\n").has_value());
  EXPECT_FALSE(ParseBootTime("btime 5 6\n").has_value());
  EXPECT_FALSE(ParseBootTime("btime 1e9\n").has_value());
}

TEST(MaxOpenFilesTest, TakesTheSoftLimit) {
  const char* limits =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max cpu time              unlimited            unlimited            seconds   \n"
      "Max open files            1024                 524288               files     \n";
  EXPECT_EQ(ParseMaxOpenFiles(limits), std::optional<double>(1024));
  EXPECT_EQ(ParseMaxOpenFiles("Max open files  unlimited  unlimited  files\n"),
            std::optional<double>(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(ParseMaxOpenFiles("").has_value());
  EXPECT_FALSE(ParseMaxOpenFiles("Max open files\n").has_value());
  EXPECT_FALSE(ParseMaxOpenFiles("Max open files  -1  4  files\n").has_value());
  EXPECT_FALSE(ParseMaxOpenFiles("Max open files  many  4  files\n").has_value());
  EXPECT_FALSE(ParseMaxOpenFiles("Max processes  1024  4  processes\n").has_value());
}

// A proc tree in a temp dir: <root>/stat, <root>/self/{stat,limits,fd/}.
class FakeProc {
 public:
  FakeProc() {
    char tmpl[] = "/tmp/kpihub-proc-XXXXXX";
    root_ = mkdtemp(tmpl);
    fs::create_directories(root_ + "/self/fd");
  }
  ~FakeProc() { fs::remove_all(root_); }
  void Write(const std::string& relative, const std::string& text) {
    std::ofstream(root_ + "/" + relative, std::ios::binary) << text;
  }
  void AddFds(int n) {
    for (int i = 0; i < n; ++i) Write("self/fd/" + std::to_string(i), "");
  }
  ProcessCollectorOptions Options() const { return {root_, 100, 4096}; }

 private:
  std::string root_;
};

TEST(ProcessCollectorTest, ComputesTheClientLibraryMetricsFromProc) {
  FakeProc proc;
  proc.Write("stat", "cpu 1 2 3\nbtime 1764990000\n");
  proc.Write("self/stat", std::string("4242 (kpihubd)") + kStatTail);
  proc.Write("self/limits", "Max open files            1024                 524288               files\n");
  proc.AddFds(5);
  auto families = ProcessCollector(proc.Options()).Collect();
  auto v = ValuesOf(families);
  EXPECT_DOUBLE_EQ(v["process_cpu_seconds_total"], 3.25);  // (250 + 75) ticks / 100
  EXPECT_DOUBLE_EQ(v["process_start_time_seconds"], 1764990000 + 1234.56);
  EXPECT_DOUBLE_EQ(v["process_resident_memory_bytes"], 2560.0 * 4096);
  EXPECT_DOUBLE_EQ(v["process_virtual_memory_bytes"], 873463808);
  EXPECT_DOUBLE_EQ(v["process_open_fds"], 5);
  EXPECT_DOUBLE_EQ(v["process_max_fds"], 1024);
  EXPECT_EQ(v.size(), 6u);
  for (const auto& f : families) {
    EXPECT_EQ(f.type, f.name == "process_cpu_seconds_total" ? prometheus::MetricType::Counter
                                                             : prometheus::MetricType::Gauge)
        << f.name;
  }
}

TEST(ProcessCollectorTest, LeavesOutWhatItCannotReadOrParse) {
  FakeProc proc;
  proc.Write("stat", "no boot time here\n");
  proc.Write("self/stat", "4242 (kpihubd) S 1 2");
  proc.Write("self/limits", std::string("Max open files ") + '\0' + "\xff garbage");
  proc.AddFds(2);
  auto v = ValuesOf(ProcessCollector(proc.Options()).Collect());
  EXPECT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v["process_open_fds"], 2);

  FakeProc empty;  // nothing but an empty fd directory; no stat, no limits
  v = ValuesOf(ProcessCollector(empty.Options()).Collect());
  EXPECT_EQ(v.size(), 1u);
  EXPECT_EQ(ValuesOf(ProcessCollector({"/nonexistent/proc", 100, 4096}).Collect()).size(), 0u);
}

TEST(ProcessCollectorTest, StartTimeWithoutBootTimeIsLeftOutAlone) {
  FakeProc proc;
  proc.Write("self/stat", std::string("4242 (kpihubd)") + kStatTail);
  auto v = ValuesOf(ProcessCollector(proc.Options()).Collect());
  EXPECT_EQ(v.count("process_start_time_seconds"), 0u);
  EXPECT_EQ(v.count("process_cpu_seconds_total"), 1u);
  EXPECT_EQ(v.count("process_resident_memory_bytes"), 1u);
}

// This very process, through the real /proc.
TEST(ProcessCollectorTest, ThisProcessIsPlausible) {
  auto families = ProcessCollector().Collect();
  auto v = ValuesOf(families);
  ASSERT_EQ(v.size(), 6u) << prometheus::TextSerializer().Serialize(families);
  double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(v["process_start_time_seconds"], now + 1);
  EXPECT_GT(v["process_start_time_seconds"], now - 3600);
  EXPECT_GE(v["process_cpu_seconds_total"], 0);
  EXPECT_GT(v["process_resident_memory_bytes"], 1 << 20);
  EXPECT_GE(v["process_virtual_memory_bytes"], v["process_resident_memory_bytes"]);
  EXPECT_GE(v["process_open_fds"], 3);
  EXPECT_GE(v["process_max_fds"], v["process_open_fds"]);
}

}  // namespace
}  // namespace kpihub::exporter
