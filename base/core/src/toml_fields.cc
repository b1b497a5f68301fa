// TableReader implementation. See toml_fields.h for the contract.
#include "toml_fields.h"

#include <cmath>
#include <string>

namespace kpihub::core {
namespace {

std::string Quoted(std::string_view key) { return "'" + std::string(key) + "'"; }

}  // namespace

std::string FormatAt(std::string_view source, const toml::source_region& where,
                     std::string_view reason) {
  // A region toml++ could not attribute (line 0) still gets a valid "line:col" for editors.
  auto line = where.begin.line == 0 ? 1 : where.begin.line;
  auto column = where.begin.column == 0 ? 1 : where.begin.column;
  return std::string(source) + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
         std::string(reason);
}

void FailAt(std::string_view source, const toml::source_region& where, std::string_view reason) {
  throw ConfigError(FormatAt(source, where, reason));
}

bool IsCatalogueCode(std::string_view code) {
  if (code.empty() || code.size() > 64) return false;
  if (code[0] < 'a' || code[0] > 'z') return false;
  for (char c : code) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

const toml::node* TableReader::Find(std::string_view key) {
  known_.emplace(key);
  return table_.get(key);
}

const toml::node& TableReader::Require(std::string_view key) {
  const toml::node* node = Find(key);
  if (node == nullptr) Fail(key, what_ + " needs " + Quoted(key));
  return *node;
}

std::vector<const toml::table*> TableReader::NestedTables(std::string_view key) {
  known_.emplace(key);
  return ArrayOfTables(table_, key, source_);
}

void TableReader::Fail(std::string_view key, std::string_view reason) const {
  const toml::node* node = table_.get(key);
  FailAt(source_, node != nullptr ? node->source() : table_.source(), reason);
}

void TableReader::FailNode(const toml::node& node, std::string_view reason) const {
  FailAt(source_, node.source(), reason);
}

std::string TableReader::String(std::string_view key) {
  const toml::node& node = Require(key);
  const auto* s = node.as_string();
  if (s == nullptr) FailNode(node, what_ + " " + Quoted(key) + " must be a string");
  if (s->get().empty()) FailNode(node, what_ + " " + Quoted(key) + " must not be empty");
  return s->get();
}

std::optional<std::string> TableReader::OptionalString(std::string_view key) {
  const toml::node* node = Find(key);
  if (node == nullptr) return std::nullopt;
  const auto* s = node->as_string();
  if (s == nullptr) FailNode(*node, what_ + " " + Quoted(key) + " must be a string");
  return s->get();
}

std::string TableReader::Code(std::string_view key) {
  std::string code = String(key);
  if (!IsCatalogueCode(code)) {
    Fail(key, what_ + " " + Quoted(key) + " \"" + code + "\" must match [a-z][a-z0-9_]{0,63}");
  }
  return code;
}

int64_t TableReader::Int(std::string_view key, int64_t min, int64_t max) {
  Require(key);
  return *OptionalInt(key, min, max);
}

std::optional<int64_t> TableReader::OptionalInt(std::string_view key, int64_t min, int64_t max) {
  const toml::node* node = Find(key);
  if (node == nullptr) return std::nullopt;
  const auto* i = node->as_integer();
  if (i == nullptr) FailNode(*node, what_ + " " + Quoted(key) + " must be an integer");
  int64_t v = i->get();
  if (v < min || v > max) {
    FailNode(*node, what_ + " " + Quoted(key) + " must be between " + std::to_string(min) +
                        " and " + std::to_string(max));
  }
  return v;
}

bool TableReader::Bool(std::string_view key) {
  const toml::node& node = Require(key);
  const auto* b = node.as_boolean();
  if (b == nullptr) FailNode(node, what_ + " " + Quoted(key) + " must be true or false");
  return b->get();
}

std::optional<bool> TableReader::OptionalBool(std::string_view key) {
  if (Find(key) == nullptr) return std::nullopt;
  return Bool(key);
}

double TableReader::Number(std::string_view key) {
  Require(key);
  return *OptionalNumber(key);
}

std::optional<double> TableReader::OptionalNumber(std::string_view key) {
  const toml::node* node = Find(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* i = node->as_integer()) return static_cast<double>(i->get());
  const auto* f = node->as_floating_point();
  if (f == nullptr) FailNode(*node, what_ + " " + Quoted(key) + " must be a number");
  if (!std::isfinite(f->get())) FailNode(*node, what_ + " " + Quoted(key) + " must be finite");
  return f->get();
}

Decimal TableReader::ExactDecimal(std::string_view key) {
  const toml::node& node = Require(key);
  Decimal::Parsed parsed;
  if (const auto* s = node.as_string()) {
    parsed = Decimal::Parse(s->get());
  } else if (const auto* i = node.as_integer()) {
    parsed = Decimal::Parse(std::to_string(i->get()));
  } else if (const auto* f = node.as_floating_point()) {
    parsed = Decimal::FromDouble(f->get(), Decimal::kScale);
  } else {
    FailNode(node, what_ + " " + Quoted(key) + " must be a number or a decimal string");
  }
  if (parsed.value) return *parsed.value;
  switch (parsed.error) {
    case Decimal::Error::kSyntax:
      FailNode(node, what_ + " " + Quoted(key) + " is not a plain decimal such as \"-12.5\"");
    case Decimal::Error::kTooPrecise:
      FailNode(node, what_ + " " + Quoted(key) + " has more than 6 decimal places");
    case Decimal::Error::kOutOfRange:
      FailNode(node, what_ + " " + Quoted(key) + " is beyond 1e18 in magnitude");
    case Decimal::Error::kNotFinite: break;
  }
  FailNode(node, what_ + " " + Quoted(key) + " must be finite");
}

std::vector<StringAt> TableReader::StringArray(std::string_view key) {
  return ReadStringArray(key, Require(key));
}

std::optional<std::vector<StringAt>> TableReader::OptionalStringArray(std::string_view key) {
  const toml::node* node = Find(key);
  if (node == nullptr) return std::nullopt;
  return ReadStringArray(key, *node);
}

std::vector<StringAt> TableReader::ReadStringArray(std::string_view key, const toml::node& node) {
  const auto* array = node.as_array();
  if (array == nullptr) FailNode(node, what_ + " " + Quoted(key) + " must be an array of strings");
  if (array->empty()) FailNode(node, what_ + " " + Quoted(key) + " must not be empty");
  std::vector<StringAt> out;
  for (const toml::node& element : *array) {
    const auto* s = element.as_string();
    if (s == nullptr) FailNode(element, what_ + " " + Quoted(key) + " must contain only strings");
    out.push_back(StringAt{s->get(), &element});
  }
  return out;
}

void TableReader::RejectUnknownKeys() const {
  for (const auto& [key, unused] : table_) {
    if (known_.count(key.str()) == 0) {
      FailAt(source_, key.source(), what_ + " has unknown key " + Quoted(key.str()));
    }
  }
}

std::vector<const toml::table*> ArrayOfTables(const toml::table& root, std::string_view key,
                                              std::string_view source) {
  std::vector<const toml::table*> out;
  const toml::node* node = root.get(key);
  if (node == nullptr) return out;
  const auto* array = node->as_array();
  if (array == nullptr) {
    FailAt(source, node->source(),
           "'" + std::string(key) + "' must be an array of tables [[" + std::string(key) + "]]");
  }
  for (const toml::node& element : *array) {
    const auto* table = element.as_table();
    if (table == nullptr) {
      FailAt(source, element.source(), "'" + std::string(key) + "' must contain only tables");
    }
    out.push_back(table);
  }
  return out;
}

void RejectUnknownTopLevelKeys(const toml::table& root,
                               std::initializer_list<std::string_view> allowed,
                               std::string_view source) {
  for (const auto& [key, unused] : root) {
    bool known = false;
    for (std::string_view a : allowed) known = known || key.str() == a;
    if (!known) {
      FailAt(source, key.source(), "unknown top-level key '" + std::string(key.str()) + "'");
    }
  }
}

}  // namespace kpihub::core
