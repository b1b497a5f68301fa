// Log lines on standard error that systemd's journal files at the right priority. Under
// systemd a service's standard error is the journal stream named by JOURNAL_STREAM
// ("DEVICE:INODE"); a line that starts with "<N>" is stored with syslog priority N, so
// `journalctl -p err` finds the errors. Elsewhere (a terminal, a test's log file) lines are
// written as they are. Thread-safe: one write(2) per line.
#pragma once

namespace kpihub::platform {

enum class Priority { kCritical = 2, kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

// True when file descriptor `fd` is the stream JOURNAL_STREAM names.
bool IsJournalStream(int fd);

// printf-style text to standard error, prefixed with "<N>" when standard error is the
// journal. The format gives its own line end.
void LogLine(Priority priority, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace kpihub::platform
