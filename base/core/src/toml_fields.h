// TableReader: typed, position-aware reads of one TOML table, shared by the catalogue and the
// key registry loaders. Every refusal names the file, line and column of the offending node, so
// that an operator can fix a configuration without reading code. Strict on purpose: unknown
// keys are refused, because a misspelt key in a configuration otherwise silently reverts to a
// default.
//
// Private to kpihub_core (toml++ is a private dependency). Errors are reported by throwing
// ConfigError, which the loaders catch at their API boundary; nothing escapes the core API.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kpihub/core/decimal.h"

namespace kpihub::core {

// Bad configuration: the message is already "<source>:<line>:<column>: <reason>".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "<source>:<line>:<column>: <reason>" for the start of `where` (1:1 when unknown).
std::string FormatAt(std::string_view source, const toml::source_region& where,
                     std::string_view reason);
// Throws ConfigError with FormatAt's message.
[[noreturn]] void FailAt(std::string_view source, const toml::source_region& where,
                         std::string_view reason);

// True for [a-z][a-z0-9_]{0,63}: the shape of every catalogue code (also a metric label value).
bool IsCatalogueCode(std::string_view code);

// A string element of a TOML array with the node it came from, for error positions.
struct StringAt {
  std::string value;
  const toml::node* node = nullptr;
};

class TableReader {
 public:
  // `what` names the table in messages, e.g. "[[indicator]]".
  TableReader(const toml::table& table, std::string_view source, std::string what)
      : table_(table), source_(source), what_(std::move(what)) {}

  // Required non-empty string.
  std::string String(std::string_view key);
  // Optional string (may be empty when present).
  std::optional<std::string> OptionalString(std::string_view key);
  // Required string of IsCatalogueCode shape.
  std::string Code(std::string_view key);
  int64_t Int(std::string_view key, int64_t min, int64_t max);
  std::optional<int64_t> OptionalInt(std::string_view key, int64_t min, int64_t max);
  bool Bool(std::string_view key);
  std::optional<bool> OptionalBool(std::string_view key);
  // A finite TOML integer or float.
  double Number(std::string_view key);
  std::optional<double> OptionalNumber(std::string_view key);
  // An exact decimal from a TOML integer, a float (its shortest round-trip text) or a string
  // such as "0.1" (exact, recommended).
  Decimal ExactDecimal(std::string_view key);
  // Required non-empty array of strings.
  std::vector<StringAt> StringArray(std::string_view key);
  std::optional<std::vector<StringAt>> OptionalStringArray(std::string_view key);

  std::string_view source() const { return source_; }
  // The [[key]] tables nested in this table (key = [ {...}, ... ]); empty when absent.
  std::vector<const toml::table*> NestedTables(std::string_view key);

  // Refuses with the position of `key`'s value (or of the table when it is absent).
  [[noreturn]] void Fail(std::string_view key, std::string_view reason) const;
  [[noreturn]] void FailNode(const toml::node& node, std::string_view reason) const;
  // After all reads: refuses the first key that no read asked for.
  void RejectUnknownKeys() const;

 private:
  // The node at `key`, marking the key as known; null when absent.
  const toml::node* Find(std::string_view key);
  const toml::node& Require(std::string_view key);
  std::vector<StringAt> ReadStringArray(std::string_view key, const toml::node& node);

  const toml::table& table_;
  std::string_view source_;
  std::string what_;
  std::set<std::string, std::less<>> known_;
};

// The array of tables at `key` of `root` ([[key]] in TOML); empty when absent. Refuses any
// other type at `key`.
std::vector<const toml::table*> ArrayOfTables(const toml::table& root, std::string_view key,
                                              std::string_view source);

// Refuses the first top-level key of `root` that is not in `allowed`.
void RejectUnknownTopLevelKeys(const toml::table& root,
                               std::initializer_list<std::string_view> allowed,
                               std::string_view source);

}  // namespace kpihub::core
