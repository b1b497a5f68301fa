// What an operator gets from the CLI and the daemon when a name, a year, a moment or an address
// is not what they think: an error that says so (never a silent empty answer), moments in the
// configured time zone with their offset, exact numbers, and journal priorities.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

using wire::AckStatus;

std::vector<std::pair<std::string, std::string>> OneAdapter() { return {{"scitech-1", "scitech"}}; }

class OperatorCliTest : public ::testing::Test {
 protected:
  OperatorCliTest() : daemon_(OneAdapter()) {}
  void SetUp() override { ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog(); }

  void Feed() {
    client::Connection c(context_, client::ConnectionOptions{daemon_.endpoint(),
                                                             daemon_.server_public(),
                                                             daemon_.adapter("scitech-1").keys,
                                                             5000});
    std::vector<core::Observation> obs;
    for (int i = 0; i < 4; ++i) {
      obs.push_back({"industrial_output", "auto_parts", MakeUscc(300 + i), "2020-03",
                     412345670.25, ""});
    }
    obs.push_back({"industrial_output", "auto_parts", "bad", "2020-03", 1.0, ""});  // refused
    auto ack = c.SendBatch(1, std::move(obs), 0, 10000);
    ASSERT_TRUE(ack.has_value());
    ASSERT_EQ(ack->status, AckStatus::kAccepted);
  }
  std::string Where() const { return " --config " + daemon_.config_path(); }

  zmq::context_t context_{1};
  DaemonHarness daemon_;
};

TEST_F(OperatorCliTest, ParksAndDepartmentsAreNamedInChineseAndUnknownNamesAreErrors) {
  Feed();
  CliResult by_name = Kpihub("kpis --csv --year 2020 --park 汽车零部件产业园" + Where());
  CliResult by_code = Kpihub("kpis --csv --year 2020 --park auto_parts" + Where());
  ASSERT_EQ(by_code.code, 0) << by_code.output;
  EXPECT_EQ(by_name.code, 0) << by_name.output;
  EXPECT_EQ(by_name.output, by_code.output);

  CliResult unknown = Kpihub("kpis --park 汽车零部件园" + Where());
  EXPECT_EQ(unknown.code, 1) << unknown.output;
  EXPECT_NE(unknown.output.find("no park 园区 is called '汽车零部件园'"), std::string::npos)
      << unknown.output;
  EXPECT_NE(unknown.output.find("did you mean auto_parts 汽车零部件产业园"), std::string::npos)
      << unknown.output;

  CliResult dept = Kpihub("rejects --csv --department 科学技术" + Where());
  EXPECT_EQ(dept.code, 0) << dept.output;
  EXPECT_NE(dept.output.find("scitech"), std::string::npos) << dept.output;
  CliResult bad_dept = Kpihub("rejects --department 税物" + Where());
  EXPECT_EQ(bad_dept.code, 1);
  EXPECT_NE(bad_dept.output.find("did you mean tax 税务"), std::string::npos) << bad_dept.output;
  CliResult bad_export = Kpihub("export --department taxes" + Where());
  EXPECT_EQ(bad_export.code, 1);
  EXPECT_NE(bad_export.output.find("did you mean tax"), std::string::npos) << bad_export.output;
}

TEST_F(OperatorCliTest, AYearWithoutFiguresIsAnErrorThatNamesTheYearsWithFigures) {
  Feed();
  CliResult r = Kpihub("kpis --year 2019" + Where());  // the feed holds 2020 only
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("no KPI figure for 2019; years with figures: 2020"), std::string::npos)
      << r.output;
}

TEST_F(OperatorCliTest, AsOfBeforeAnyDataIsRefusedWithTheFirstReceiptTime) {
  Feed();
  CliResult r = Kpihub("kpis --as-of 2001-01-01" + Where());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_TRUE(std::regex_search(
      r.output, std::regex(R"(no figure had been received by 2001-01-01T23:59:59\+08:00; the )"
                           R"(first was received 20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00)")))
      << r.output;
}

TEST_F(OperatorCliTest, MomentsAreInTheConfiguredZoneWithOffsetAndSinceADayIsItsStart) {
  Feed();
  CliResult shanghai = Kpihub("rejects --csv" + Where());
  ASSERT_EQ(shanghai.code, 0) << shanghai.output;
  EXPECT_TRUE(std::regex_search(shanghai.output, std::regex(R"(,20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00,)")))
      << shanghai.output;
  CliResult utc = Kpihub("rejects --csv --time-zone UTC" + Where());
  EXPECT_TRUE(std::regex_search(utc.output, std::regex(R"(,20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00,)")))
      << utc.output;
  CliResult misspelt = Kpihub("rejects --time-zone Asia/Shanghia" + Where());
  EXPECT_EQ(misspelt.code, 1);
  EXPECT_NE(misspelt.output.find("Asia/Shanghia"), std::string::npos) << misspelt.output;

  // Today, in the zone's time: the refusal was received today, so "since today" lists it.
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  const std::time_t shifted = now + 8 * 3600;
  gmtime_r(&shifted, &tm);
  char today[16];
  std::strftime(today, sizeof today, "%Y-%m-%d", &tm);
  CliResult since = Kpihub(std::string("rejects --csv --since ") + today + Where());
  ASSERT_EQ(since.code, 0) << since.output;
  EXPECT_NE(since.output.find("malformed_entity"), std::string::npos) << since.output;
}

TEST_F(OperatorCliTest, FiguresArePrintedWithoutBinaryFloatNoiseAndTablesAlignByWidth) {
  Feed();
  CliResult csv = Kpihub("kpis --csv --year 2020 --park all" + Where());
  ASSERT_EQ(csv.code, 0) << csv.output;
  EXPECT_NE(csv.output.find("industrial_output,工业总产值,zone,2020,1649382681,75000000000,"),
            std::string::npos)
      << csv.output;
  EXPECT_FALSE(std::regex_search(csv.output, std::regex(R"(\d{14,})"))) << csv.output;
  CliResult table = Kpihub("kpis --year 2020 --park all" + Where());
  ASSERT_EQ(table.code, 0) << table.output;
  // Each value line puts "target" in the same terminal column whatever the units before it.
  std::istringstream lines(table.output);
  std::string line;
  std::set<size_t> target_columns;
  while (std::getline(lines, line)) {
    const size_t at = line.find(" target ");
    if (line.rfind("  ", 0) != 0 || at == std::string::npos) continue;
    size_t columns = 0;
    for (size_t i = 0; i < at; ++i) {
      const auto c = static_cast<unsigned char>(line[i]);
      if ((c & 0xC0) != 0x80) columns += c >= 0xE3 ? 2 : 1;  // CJK is 3 bytes, 2 columns
    }
    target_columns.insert(columns);
  }
  EXPECT_EQ(target_columns.size(), 1u) << table.output;
}

// kpihubd, started as systemd starts it (stderr is the journal stream JOURNAL_STREAM names),
// prefixes each line with its priority; journald stores that as the entry's PRIORITY.
TEST(DaemonJournalTest, EveryLineCarriesItsSyslogPriority) {
  DaemonHarness daemon(OneAdapter());
  { std::ofstream create(daemon.log_path()); }
  struct stat st {};
  ASSERT_EQ(stat(daemon.log_path().c_str(), &st), 0);
  const std::string stream = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  setenv("JOURNAL_STREAM", stream.c_str(), 1);
  // Debug level; a metrics address off loopback gives a warning.
  const bool started = daemon.Start({"--log-level", "DEBUG", "--metrics-listen", "0.0.0.0:0"});
  unsetenv("JOURNAL_STREAM");
  ASSERT_TRUE(started) << daemon.ReadLog();
  EXPECT_EQ(daemon.Stop(), 0);
  const std::string log = daemon.ReadLog();
  EXPECT_TRUE(std::regex_search(log, std::regex(R"((^|\n)<6>ready ingest=)"))) << log;
  EXPECT_TRUE(std::regex_search(log, std::regex(R"((^|\n)<4>metrics_listen 0\.0\.0\.0:0 is not loopback)")))
      << log;
  EXPECT_TRUE(std::regex_search(log, std::regex(R"((^|\n)<6>stopped cleanly)"))) << log;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    EXPECT_TRUE(std::regex_search(line, std::regex(R"(^<[2-7]>)"))) << "no priority: " << line;
  }
}

TEST(DaemonJournalTest, AnErrorIsPriorityThreeAndAnUnknownLevelIsRefused) {
  DaemonHarness daemon(OneAdapter());
  { std::ofstream create(daemon.log_path()); }
  struct stat st {};
  ASSERT_EQ(stat(daemon.log_path().c_str(), &st), 0);
  setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)).c_str(), 1);
  const bool started = daemon.Start({"--server-key", daemon.dir() + "/no-such.key"});
  unsetenv("JOURNAL_STREAM");
  EXPECT_FALSE(started);
  EXPECT_TRUE(std::regex_search(daemon.ReadLog(), std::regex(R"((^|\n)<3>server key refused)")))
      << daemon.ReadLog();

  DaemonHarness verbose(OneAdapter());
  EXPECT_FALSE(verbose.Start({"--log-level", "verbose"}));
  EXPECT_NE(verbose.ReadLog().find("log_level = \"verbose\": expected debug, info"),
            std::string::npos)
      << verbose.ReadLog();
}

// A malformed address is a configuration error naming the form expected (exit 1, not
// retried); a well-formed one that cannot be bound here exits 4, which systemd retries.
TEST(DaemonListenTest, MalformedAndUnbindableAddressesSayWhichAndHow) {
  std::string out;
  DaemonHarness daemon(OneAdapter());
  const std::string base = BinaryPath("kpihubd") + " --config " + daemon.config_path();
  EXPECT_EQ(RunCommand(base + " --listen 127.0.0.1:7730", &out), 1) << out;
  EXPECT_NE(out.find("listen = \"127.0.0.1:7730\": expected tcp://HOST:PORT"), std::string::npos)
      << out;
  EXPECT_EQ(RunCommand(base + " --metrics-listen 127.0.0.1:1,localhost", &out), 1) << out;
  EXPECT_NE(out.find("'localhost' is not an address; expected HOST:PORT"), std::string::npos)
      << out;
  // 192.0.2.1 (TEST-NET-1) is on no interface here: binding fails at once, nothing is sent.
  EXPECT_EQ(RunCommand(base + " --listen tcp://192.0.2.1:7730", &out), 4) << out;
  EXPECT_NE(out.find("cannot bind the ingest socket on tcp://192.0.2.1:7730 (listen)"),
            std::string::npos)
      << out;
  EXPECT_EQ(RunCommand(base + " --metrics-listen 192.0.2.1:9730", &out), 4) << out;
  EXPECT_NE(out.find("cannot serve /metrics on 192.0.2.1:9730 (metrics_listen)"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace kpihub::testing
