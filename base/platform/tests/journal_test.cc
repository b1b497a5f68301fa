#include "kpihub/platform/journal.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace kpihub::platform {
namespace {

// Runs LogLine in a child whose standard error is `path`, with JOURNAL_STREAM naming that
// file (as systemd names the journal stream) or not set; the file's text.
std::string LinesWrittenBy(bool as_journal) {
  char path[] = "/tmp/kpihub-journal-XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fd, STDERR_FILENO);
    struct stat st {};
    fstat(fd, &st);
    const std::string id = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    if (as_journal) setenv("JOURNAL_STREAM", id.c_str(), 1);
    else unsetenv("JOURNAL_STREAM");
    LogLine(Priority::kError, "kpihub-adapter: %s\n", "refused");
    LogLine(Priority::kWarning, "careful %d\n", 1);
    LogLine(Priority::kInfo, "queued %s\n", "a.csv");
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(fd);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  unlink(path);
  return text.str();
}

TEST(JournalTest, UnderTheJournalEachLineCarriesItsPriority) {
  EXPECT_EQ(LinesWrittenBy(true), "<3>kpihub-adapter: refused\n<4>careful 1\n<6>queued a.csv\n");
}

TEST(JournalTest, ElsewhereLinesAreWrittenAsTheyAre) {
  EXPECT_EQ(LinesWrittenBy(false), "kpihub-adapter: refused\ncareful 1\nqueued a.csv\n");
}

}  // namespace
}  // namespace kpihub::platform
