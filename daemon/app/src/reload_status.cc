#include "kpihub/app/reload_status.h"

#include <sstream>

#include "kpihub/app/file_replace.h"
#include "kpihub/platform/file.h"

namespace kpihub::app {

std::string ReloadStatusPath(const std::string& state_dir) {
  return state_dir + "/" + kReloadStatusFile;
}

Status WriteReloadStatus(const std::string& state_dir, const ReloadStatus& s) {
  std::string error = s.error;
  for (char& c : error) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::ostringstream out;
  out << "pid=" << s.pid << "\ngeneration=" << s.generation << "\nsuccess=" << (s.success ? 1 : 0)
      << "\nunix_ms=" << s.unix_ms << "\nadapters=" << s.adapters << "\nerror=" << error << "\n";
  return ReplaceFileKeepingOwnership(ReloadStatusPath(state_dir), out.str(), 0644);
}

std::optional<ReloadStatus> ReadReloadStatus(const std::string& state_dir) {
  auto text = platform::ReadRegularFile(ReloadStatusPath(state_dir), 1 << 16);
  if (!text.ok()) return std::nullopt;
  ReloadStatus s;
  std::istringstream in(*text);
  bool any = false;
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    try {
      if (key == "pid") s.pid = std::stoll(value);
      if (key == "generation") s.generation = std::stoull(value);
      if (key == "success") s.success = value == "1";
      if (key == "unix_ms") s.unix_ms = std::stoll(value);
      if (key == "adapters") s.adapters = std::stoull(value);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (key == "error") s.error = value;
    any = true;
  }
  if (!any) return std::nullopt;
  return s;
}

}  // namespace kpihub::app
