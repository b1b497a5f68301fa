// kpihubd's log: one logger writing to standard error. When standard error is the systemd
// journal (JOURNAL_STREAM names its device and inode), every line starts with "<N>", its
// syslog priority, which journald reads as the entry's PRIORITY (so `journalctl -p err`
// works) and carries no time stamp, since journald stamps it; otherwise each line has an ISO
// time stamp with offset and the level name. Not a singleton: main builds it and passes it on.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

#include "kpihub/core/status.h"

namespace kpihub::app {

// debug, info, warn (or warning), error, critical, off; any case. Anything else is refused:
// a misspelt level must not switch logging off.
Result<spdlog::level::level_enum> ParseLogLevel(std::string_view text);

// The syslog priority journald gives a line of this level (debug 7, info 6, warn 4, error 3,
// critical 2).
int JournalPriority(spdlog::level::level_enum level);

// True when file descriptor `fd` is the stream JOURNAL_STREAM ("DEV:INODE") names.
bool IsJournalStream(int fd);

// A logger named `name` on `sink` at `level`, formatted for the journal or for a terminal.
std::shared_ptr<spdlog::logger> MakeLogger(const std::string& name, spdlog::sink_ptr sink,
                                           spdlog::level::level_enum level, bool for_journal);

}  // namespace kpihub::app
