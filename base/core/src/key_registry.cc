// KeyRegistry loading. The registry decides who may write which department's figures, so it
// is checked as strictly as the catalogue: a malformed or duplicated key is a refusal to
// start, never a silently ignored entry.
#include "kpihub/core/key_registry.h"

#include "toml_fields.h"

namespace kpihub::core {
namespace {

constexpr std::string_view kZ85Alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

bool IsAdapterId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

AdapterKey ReadAdapter(const toml::table& table, std::string_view source,
                       const Catalogue& catalogue, const char* kind = "adapter") {
  TableReader reader(table, source, kind[0] == 'a' ? "[[adapter]]" : "[[consumer]]");
  AdapterKey key{reader.String("id"), reader.String("department"), reader.String("public_key")};
  reader.RejectUnknownKeys();
  if (!IsAdapterId(key.adapter_id)) {
    reader.Fail("id", std::string(kind) + " id \"" + key.adapter_id + "\" must match [a-z0-9_-]{1,64}");
  }
  if (catalogue.FindDepartment(key.department) == nullptr) {
    reader.Fail("department",
                std::string(kind) + " '" + key.adapter_id + "': unknown department '" + key.department + "'");
  }
  if (!IsZ85Key(key.public_key_z85)) {
    // The key is public, but echoing a possibly pasted secret key into logs is not worth it.
    reader.Fail("public_key", std::string(kind) + " '" + key.adapter_id +
                                  "': public_key must be 40 Z85 characters encoding 32 bytes (a CURVE public key)");
  }
  return key;
}

}  // namespace

bool IsZ85Key(std::string_view text) {
  if (text.size() != 40) return false;
  // Each group of 5 characters encodes 4 bytes: a group worth more than 2^32 - 1 (from
  // "%nSc1" on) decodes to no key at all, so no client could ever present it.
  for (size_t group = 0; group < text.size(); group += 5) {
    uint64_t value = 0;
    for (size_t i = group; i < group + 5; ++i) {
      size_t digit = kZ85Alphabet.find(text[i]);
      if (digit == std::string_view::npos) return false;
      value = value * 85 + digit;
    }
    if (value > 0xffffffffu) return false;
  }
  return true;
}

KeyRegistry::LoadResult KeyRegistry::FromToml(std::string_view text, std::string_view source_name,
                                              const Catalogue& catalogue) {
  try {
    toml::table root = toml::parse(text, source_name);
    RejectUnknownTopLevelKeys(root, {"adapter", "consumer"}, source_name);
    auto registry = std::make_shared<KeyRegistry>();
    for (const toml::table* table : ArrayOfTables(root, "adapter", source_name)) {
      AdapterKey key = ReadAdapter(*table, source_name, catalogue);
      TableReader reader(*table, source_name, "[[adapter]]");
      if (registry->by_id_.count(key.adapter_id) != 0) {
        reader.Fail("id", "duplicate adapter id '" + key.adapter_id + "'");
      }
      if (auto it = registry->by_key_.find(key.public_key_z85); it != registry->by_key_.end()) {
        // One key, two identities: the ZAP handler could not tell which adapter is speaking.
        const std::string& other = registry->adapters_[it->second].adapter_id;
        reader.Fail("public_key",
                    "adapter '" + key.adapter_id + "': public_key already used by '" + other + "'");
      }
      registry->by_id_.emplace(key.adapter_id, registry->adapters_.size());
      registry->by_key_.emplace(key.public_key_z85, registry->adapters_.size());
      registry->adapters_.push_back(std::move(key));
    }
    // Ids share one space with the adapters' (metric labels, audit records), keys too: a key
    // registered for writing must never be admitted for reading, nor the other way round.
    std::unordered_map<std::string, size_t> consumer_ids;
    for (const toml::table* table : ArrayOfTables(root, "consumer", source_name)) {
      AdapterKey key = ReadAdapter(*table, source_name, catalogue, "consumer");
      TableReader reader(*table, source_name, "[[consumer]]");
      if (registry->by_id_.count(key.adapter_id) != 0 || consumer_ids.count(key.adapter_id) != 0) {
        reader.Fail("id", "duplicate id '" + key.adapter_id + "' (ids are shared with [[adapter]])");
      }
      if (registry->by_key_.count(key.public_key_z85) != 0 ||
          registry->consumer_by_key_.count(key.public_key_z85) != 0) {
        reader.Fail("public_key", "consumer '" + key.adapter_id +
                                      "': public_key already registered; a reading key needs a "
                                      "key pair of its own");
      }
      consumer_ids.emplace(key.adapter_id, 0);
      registry->consumer_by_key_.emplace(key.public_key_z85, registry->consumers_.size());
      registry->consumers_.push_back(std::move(key));
    }
    if (registry->adapters_.empty()) {
      return Status::InvalidArgument(FormatAt(source_name, {},
                                          "no [[adapter]]: a daemon that admits nobody is "
                                          "misconfigured"));
    }
    return LoadResult(std::move(registry));
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(FormatAt(source_name, e.source(), e.description()));
  } catch (const ConfigError& e) {
    return Status::InvalidArgument(e.what());
  } catch (const std::exception& e) {
    return Status::InvalidArgument(FormatAt(source_name, {}, e.what()));
  }
}

const AdapterKey* KeyRegistry::FindByPublicKey(std::string_view z85) const {
  auto it = by_key_.find(std::string(z85));
  return it == by_key_.end() ? nullptr : &adapters_[it->second];
}

const AdapterKey* KeyRegistry::FindConsumerByPublicKey(std::string_view z85) const {
  auto it = consumer_by_key_.find(std::string(z85));
  return it == consumer_by_key_.end() ? nullptr : &consumers_[it->second];
}

const AdapterKey* KeyRegistry::FindById(std::string_view adapter_id) const {
  auto it = by_id_.find(std::string(adapter_id));
  return it == by_id_.end() ? nullptr : &adapters_[it->second];
}

}  // namespace kpihub::core
