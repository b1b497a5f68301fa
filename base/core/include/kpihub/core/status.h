// Status and Result<T>: the one way kpihub's libraries report an expected failure across a
// library boundary (store, codec, catalogue, profiles, adapters, delivery). A failure is a
// value with a code and a message for the person who must act on it; exceptions stay for bugs
// and broken invariants. Plain values: thread-compatible, cheap to move.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace kpihub {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk,
    kInvalidArgument,  // bad input, argument or configuration: fix the input
    kNotFound,
    kCorruption,       // undecodable record, unknown format, broken invariant on disk
    kIoError,          // the OS refused (file, socket, sync): the data may not be durable
    kMapFull,          // LMDB map at its cap: nothing applied, retry later
    kReadOnly,         // a write on a read-only or failed store (sticky error)
    kOldFormat,        // a store in an older format that a writer would upgrade
    kUnavailable,      // a peer or resource cannot be reached now: retrying may help
    kPermissionDenied, // authenticated but not allowed, or refused credentials
    kTimedOut,
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(Code code, std::string message) { return Status(code, std::move(message)); }
  static Status InvalidArgument(std::string m) { return Error(Code::kInvalidArgument, std::move(m)); }
  static Status NotFound(std::string m) { return Error(Code::kNotFound, std::move(m)); }
  static Status Corruption(std::string m) { return Error(Code::kCorruption, std::move(m)); }
  static Status IoError(std::string m) { return Error(Code::kIoError, std::move(m)); }
  static Status Unavailable(std::string m) { return Error(Code::kUnavailable, std::move(m)); }
  static Status PermissionDenied(std::string m) { return Error(Code::kPermissionDenied, std::move(m)); }
  static Status TimedOut(std::string m) { return Error(Code::kTimedOut, std::move(m)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Corruption: <message>", or "OK".
  std::string ToString() const;
  // Prefixes the message with where it happened ("reading keys.toml: ..."); OK stays OK.
  Status WithContext(const std::string& where) const;

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

const char* CodeName(Status::Code code);

// Either a value or a failed Status. Reading value() of a failed result is a bug (asserted).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}                       // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace kpihub
