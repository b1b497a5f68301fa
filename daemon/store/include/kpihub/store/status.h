// Status: the outcome of a storage operation. Expected failures are values, not exceptions.
#pragma once

#include <string>
#include <utility>

namespace kpihub::store {

class Status {
 public:
  enum class Code {
    kOk,
    kMapFull,       // the map cannot grow further: answer retryLater, nothing was applied
    kIoError,       // commit or sync failed: the data is not durable; the process must exit
    kCorruption,    // unknown format version, undecodable record
    kNotFound,
    kInvalid,       // bad argument or configuration
    kReadOnly,      // a write on a read-only or failed store (sticky error)
    kOldFormat,     // a read-only open of a store in an older format a writer would upgrade
  };
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(Code code, std::string message) { return Status(code, std::move(message)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace kpihub::store
