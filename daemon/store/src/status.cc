#include "kpihub/store/status.h"

namespace kpihub::store {
namespace {

const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "OK";
    case Status::Code::kMapFull: return "Map full";
    case Status::Code::kIoError: return "IO error";
    case Status::Code::kCorruption: return "Corruption";
    case Status::Code::kNotFound: return "Not found";
    case Status::Code::kInvalid: return "Invalid argument";
    case Status::Code::kReadOnly: return "Read-only";
    case Status::Code::kOldFormat: return "Older store format";
  }
  return "Unknown status";
}

}  // namespace

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out = CodeName(code_);
  if (!message_.empty()) out += ": " + message_;
  return out;
}

}  // namespace kpihub::store
