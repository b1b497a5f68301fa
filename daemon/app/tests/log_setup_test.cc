#include "kpihub/app/log_setup.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace kpihub::app {
namespace {

TEST(LogSetupTest, ForTheJournalEveryLevelCarriesItsSyslogPriority) {
  std::ostringstream out;
  auto log = MakeLogger("t", std::make_shared<spdlog::sinks::ostream_sink_st>(out),
                        spdlog::level::debug, /*for_journal=*/true);
  log->debug("d");
  log->info("i");
  log->warn("w");
  log->error("e");
  log->critical("c");
  log->flush();
  EXPECT_EQ(out.str(), "<7>d\n<6>i\n<4>w\n<3>e\n<2>c\n");
}

TEST(LogSetupTest, OnATerminalLinesHaveATimeStampAndLevelNoPriority) {
  std::ostringstream out;
  auto log = MakeLogger("t", std::make_shared<spdlog::sinks::ostream_sink_st>(out),
                        spdlog::level::info, /*for_journal=*/false);
  log->debug("hidden");
  log->warn("careful");
  log->flush();
  const std::string line = out.str();
  EXPECT_EQ(line.find("hidden"), std::string::npos);
  EXPECT_EQ(line.rfind("<", 0), std::string::npos) << line;
  EXPECT_NE(line.find(" warning careful"), std::string::npos) << line;
  EXPECT_EQ(line[4], '-');  // 2026-...
}

TEST(LogSetupTest, LevelsAreReadInAnyCaseAndUnknownOnesRefused) {
  EXPECT_EQ(*ParseLogLevel("INFO"), spdlog::level::info);
  EXPECT_EQ(*ParseLogLevel("Warning"), spdlog::level::warn);
  EXPECT_EQ(*ParseLogLevel("debug"), spdlog::level::debug);
  for (const char* bad : {"verbose", "", "inf", "trace2"}) {
    auto r = ParseLogLevel(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(LogSetupTest, RecognisesTheJournalStreamByDeviceAndInode) {
  char path[] = "/tmp/kpihub-journal-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  struct stat st {};
  ASSERT_EQ(fstat(fd, &st), 0);
  const std::string id = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  setenv("JOURNAL_STREAM", id.c_str(), 1);
  EXPECT_TRUE(IsJournalStream(fd));
  setenv("JOURNAL_STREAM", (id + "1").c_str(), 1);  // another inode: a pipe passed on
  EXPECT_FALSE(IsJournalStream(fd));
  unsetenv("JOURNAL_STREAM");
  EXPECT_FALSE(IsJournalStream(fd));
  close(fd);
  unlink(path);
}

}  // namespace
}  // namespace kpihub::app
