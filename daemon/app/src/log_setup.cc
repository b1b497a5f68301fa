#include "kpihub/app/log_setup.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <spdlog/pattern_formatter.h>

#include "kpihub/platform/journal.h"

namespace kpihub::app {
namespace {

// "%*": the line's "<N>" journal priority prefix.
class PriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string prefix = "<" + std::to_string(JournalPriority(msg.level)) + ">";
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PriorityFlag>();
  }
};

}  // namespace

Result<spdlog::level::level_enum> ParseLogLevel(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "debug") return spdlog::level::debug;
  if (lower == "info") return spdlog::level::info;
  if (lower == "warn" || lower == "warning") return spdlog::level::warn;
  if (lower == "error") return spdlog::level::err;
  if (lower == "critical") return spdlog::level::critical;
  if (lower == "off") return spdlog::level::off;
  return Status::InvalidArgument("log_level = \"" + std::string(text) +
                                 "\": expected debug, info, warn, error, critical or off");
}

int JournalPriority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug: return 7;
    case spdlog::level::info: return 6;
    case spdlog::level::warn: return 4;
    case spdlog::level::err: return 3;
    case spdlog::level::critical: return 2;
    default: return 6;
  }
}

bool IsJournalStream(int fd) { return platform::IsJournalStream(fd); }

std::shared_ptr<spdlog::logger> MakeLogger(const std::string& name, spdlog::sink_ptr sink,
                                           spdlog::level::level_enum level, bool for_journal) {
  auto log = std::make_shared<spdlog::logger>(name, std::move(sink));
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<PriorityFlag>('*');
  formatter->set_pattern(for_journal ? "%*%v" : "%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  log->set_formatter(std::move(formatter));
  log->set_level(level);
  log->flush_on(spdlog::level::info);
  return log;
}

}  // namespace kpihub::app
