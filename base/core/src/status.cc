#include "kpihub/core/status.h"

namespace kpihub {

const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "OK";
    case Status::Code::kInvalidArgument: return "Invalid argument";
    case Status::Code::kNotFound: return "Not found";
    case Status::Code::kCorruption: return "Corruption";
    case Status::Code::kIoError: return "IO error";
    case Status::Code::kMapFull: return "Map full";
    case Status::Code::kReadOnly: return "Read-only";
    case Status::Code::kOldFormat: return "Older store format";
    case Status::Code::kUnavailable: return "Unavailable";
    case Status::Code::kPermissionDenied: return "Permission denied";
    case Status::Code::kTimedOut: return "Timed out";
  }
  return "Unknown status";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out = CodeName(code_);
  if (!message_.empty()) out += ": " + message_;
  return out;
}

Status Status::WithContext(const std::string& where) const {
  if (ok()) return *this;
  return Status(code_, where + ": " + message_);
}

}  // namespace kpihub
