#include "kpihub/platform/journal.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace kpihub::platform {

bool IsJournalStream(int fd) {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat st {};
  if (fstat(fd, &st) != 0) return false;
  const std::string expected = std::to_string(static_cast<unsigned long long>(st.st_dev)) + ":" +
                               std::to_string(static_cast<unsigned long long>(st.st_ino));
  return expected == stream;
}

void LogLine(Priority priority, const char* format, ...) {
  static const bool journal = IsJournalStream(STDERR_FILENO);  // fixed for the process
  char text[4096];
  va_list args;
  va_start(args, format);
  const int n = std::vsnprintf(text, sizeof text, format, args);
  va_end(args);
  if (n < 0) return;
  std::string line;
  if (journal) line = "<" + std::to_string(static_cast<int>(priority)) + ">";
  line.append(text, std::min<size_t>(static_cast<size_t>(n), sizeof text - 1));
  std::fflush(stderr);
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace kpihub::platform
