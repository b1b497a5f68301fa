// KeyRegistry: which CURVE public keys may send, as which adapter and for which department,
// and which may read on the exchange socket ([[consumer]], as which department). A key is
// either a writing key or a reading key, never both. Loaded from TOML (see docs/security.md).
// Immutable once loaded; safe to share between threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kpihub/core/catalogue.h"

namespace kpihub::core {

struct AdapterKey {
  std::string adapter_id;      // [a-z0-9_-]{1,64}, unique
  std::string department;      // a catalogue department code
  std::string public_key_z85;  // 40 Z85 characters, unique
};

class KeyRegistry {
 public:
  // A failure (kInvalidArgument) says "<source>:<line>:<column>: <reason>".
  using LoadResult = Result<std::shared_ptr<const KeyRegistry>>;
  // Format:  [[adapter]]  id = "tax-1"  department = "tax"  public_key = "<z85>"
  //          [[consumer]] id = "finance-read"  department = "finance"  public_key = "<z85>"
  // Every department must exist in `catalogue`. Ids are unique across both kinds (they are
  // metric labels), and so are keys. A registry without [[adapter]] is an error: a daemon
  // that admits nobody is a misconfiguration.
  static LoadResult FromToml(std::string_view text, std::string_view source_name,
                             const Catalogue& catalogue);

  const AdapterKey* FindByPublicKey(std::string_view z85) const;
  const AdapterKey* FindById(std::string_view adapter_id) const;
  const std::vector<AdapterKey>& adapters() const { return adapters_; }

  // Reading keys ([[consumer]]); adapter_id holds the consumer's id. Never found by the
  // lookups above, so a reading key cannot write, nor a writing key read.
  const AdapterKey* FindConsumerByPublicKey(std::string_view z85) const;
  const std::vector<AdapterKey>& consumers() const { return consumers_; }

 private:
  std::vector<AdapterKey> adapters_;
  std::vector<AdapterKey> consumers_;
  std::unordered_map<std::string, size_t> by_key_, by_id_, consumer_by_key_;
};

// True for 40 characters of the Z85 alphabet (a 32-byte CURVE key).
bool IsZ85Key(std::string_view text);

}  // namespace kpihub::core
