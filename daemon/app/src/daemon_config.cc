#include "kpihub/app/daemon_config.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <filesystem>
#include <variant>
#include <vector>
#include <sstream>
#include <toml++/toml.h>

#include <arpa/inet.h>

#include "kpihub/platform/file.h"

namespace kpihub::app {
namespace {

constexpr uint32_t kMinCellFloor = 3;

std::string Where(const std::string& source, const toml::source_region& region) {
  std::ostringstream os;
  os << source << ":" << region.begin.line << ":" << region.begin.column;
  return os.str();
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

// Copies table[key] into *out when present; an error when of the wrong type, or for a
// number, negative or beyond what the setting's type holds.
template <typename T>
Status Take(const toml::table& table, const char* key, T* out, const std::string& source) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return Status::Ok();
  if constexpr (std::is_same_v<T, std::string>) {
    if (auto v = node->value<std::string>()) {
      *out = *v;
      return Status::Ok();
    }
    return Status::InvalidArgument(Where(source, node->source()) + ": '" + key +
                                   "' must be a string");
  } else {
    // Compared as integers before any conversion: 4294967296 must not become 0.
    constexpr uint64_t kMax = std::min<uint64_t>(std::numeric_limits<T>::max(),
                                                 std::numeric_limits<int64_t>::max());
    if (const auto* i = node->as_integer()) {
      int64_t v = i->get();
      if (v >= 0 && static_cast<uint64_t>(v) <= kMax) {
        *out = static_cast<T>(v);
        return Status::Ok();
      }
      return Status::InvalidArgument(Where(source, node->source()) + ": '" + key + "' = " +
                                     std::to_string(v) + " is out of range (0 to " +
                                     std::to_string(kMax) + ")");
    }
    return Status::InvalidArgument(Where(source, node->source()) + ": '" + key +
                                   "' must be an integer (0 to " + std::to_string(kMax) + ")");
  }
}

// Every setting and where it goes, in the order the file documents them. A number may carry
// a range of its own (`max` 0: only its type's): bounds past which a value is certainly a
// typo and would overflow what uses it (ZMQ_MAXMSGSIZE is twice max_frame_bytes, the map
// size is MiB << 20).
using Field = std::variant<std::string*, uint32_t*, uint64_t*>;
struct FieldSpec {
  const char* key;
  Field field;
  uint64_t min = 0;
  uint64_t max = 0;
};
std::vector<FieldSpec> Fields(DaemonConfig* c) {
  return {{"state_dir", &c->state_dir}, {"catalogue", &c->catalogue},
          {"key_registry", &c->key_registry}, {"server_key", &c->server_key},
          {"report_key_file", &c->report_key_file},
          {"listen", &c->listen}, {"metrics_listen", &c->metrics_listen},
          {"metrics_basic_auth", &c->metrics_basic_auth}, {"log_level", &c->log_level},
          {"exchange_listen", &c->exchange_listen},
          {"exchange_max_subscriptions", &c->exchange_max_subscriptions, 1, 100000},
          {"exchange_heartbeat_ms", &c->exchange_heartbeat_ms, 100, 600000},
          {"exchange_subscription_idle_ms", &c->exchange_subscription_idle_ms, 1000, 86400000},
          {"time_zone", &c->time_zone},
          {"min_cell_entities", &c->min_cell_entities},
          {"max_frame_bytes", &c->max_frame_bytes, 64, 1u << 30},
          {"max_observations", &c->max_observations, 1, 100000000},
          {"max_group_batches", &c->max_group_batches},
          {"max_connections_per_key", &c->max_connections_per_key, 1, 64},
          {"ingest_queue_mib_per_key", &c->ingest_queue_mib_per_key, 1, 1u << 20},
          {"ingest_queue_mib_total", &c->ingest_queue_mib_total, 1, 1u << 20},
          {"initial_map_mib", &c->initial_map_mib}, {"max_map_mib", &c->max_map_mib, 1, 1u << 24}};
}

Status TakeAll(const toml::table& table, const std::string& source, DaemonConfig* c) {
  for (const auto& spec : Fields(c)) {
    Status s = std::visit([&](auto* out) { return Take(table, spec.key, out, source); },
                          spec.field);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status CheckLimits(const DaemonConfig& c, const std::string& source) {
  if (c.min_cell_entities < kMinCellFloor) {
    return Status::InvalidArgument(
        source + ": min_cell_entities must be at least " + std::to_string(kMinCellFloor) +
        ": smaller cells would let a single enterprise's figure be read off a board");
  }
  if (c.max_group_batches == 0 || c.max_frame_bytes < 64 || c.initial_map_mib == 0 ||
      c.max_map_mib < c.initial_map_mib) {
    return Status::InvalidArgument(
        source + ": limits out of range (max_group_batches > 0, max_frame_bytes >= 64, "
                 "0 < initial_map_mib <= max_map_mib)");
  }
  return Status::Ok();
}

// The per-setting ranges of Fields().
Status CheckRanges(DaemonConfig* c, const std::string& source) {
  for (const auto& spec : Fields(c)) {
    if (spec.max == 0) continue;
    Status s = std::visit(
        [&](auto* out) -> Status {
          if constexpr (std::is_same_v<decltype(out), std::string*>) {
            return Status::Ok();
          } else {
            const uint64_t value = *out;
            if (value >= spec.min && value <= spec.max) return Status::Ok();
            return Status::InvalidArgument(source + ": '" + spec.key + "' = " +
                                           std::to_string(value) + " is out of range (" +
                                           std::to_string(spec.min) + " to " +
                                           std::to_string(spec.max) + ")");
          }
        },
        spec.field);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

constexpr const char* kAllowFrom = "ingest_allow_from";

// Why `entry` is not an IPv4 address or network ADDRESS/BITS; empty when it is one. The
// ingest socket listens on IPv4 only (libzmq's ZMQ_IPV6 is not set), so an IPv6 entry could
// never match a peer and is refused rather than silently ignored.
std::string AllowEntryProblem(const std::string& entry) {
  const size_t slash = entry.find('/');
  const std::string address = entry.substr(0, slash);
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, address.c_str(), &v4) != 1) {
    if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
      return "an IPv6 address; the ingest socket listens on IPv4 only";
    }
    return "not an IPv4 address (a.b.c.d, or a network a.b.c.d/bits)";
  }
  if (slash == std::string::npos) return "";
  const std::string bits = entry.substr(slash + 1);
  if (bits.empty() || bits.size() > 2 ||
      bits.find_first_not_of("0123456789") != std::string::npos || std::stoi(bits) > 32) {
    return "the prefix length after '/' must be 0 to 32";
  }
  return "";
}

Status TakeAllowFrom(const toml::table& table, const std::string& source, DaemonConfig* c) {
  const toml::node* node = table.get(kAllowFrom);
  if (node == nullptr) return Status::Ok();
  const toml::array* list = node->as_array();
  if (list == nullptr) {
    return Status::InvalidArgument(Where(source, node->source()) + ": '" + kAllowFrom +
                                   "' must be a list of strings, e.g. [\"10.12.0.0/16\"]");
  }
  for (const toml::node& item : *list) {
    auto text = item.value<std::string>();
    if (!text) {
      return Status::InvalidArgument(Where(source, item.source()) + ": '" + kAllowFrom +
                                     "' entries must be strings");
    }
    if (std::string problem = AllowEntryProblem(*text); !problem.empty()) {
      return Status::InvalidArgument(Where(source, item.source()) + ": '" + kAllowFrom +
                                     "' entry \"" + *text + "\": " + problem);
    }
    c->ingest_allow_from.push_back(*text);
  }
  return Status::Ok();
}

Status CheckKnownKeys(const toml::table& table, const std::string& source) {
  DaemonConfig scratch;
  const auto fields = Fields(&scratch);
  for (const auto& [key, node] : table) {
    bool known = key.str() == kAllowFrom;
    for (const auto& field : fields) known = known || key.str() == field.key;
    if (!known) {
      return Status::InvalidArgument(Where(source, node.source()) + ": unknown setting '" +
                                     std::string(key.str()) + "'");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<DaemonConfig> ParseDaemonConfig(std::string_view text, const std::string& source_path) {
  toml::table table;
  try {
    table = toml::parse(text, source_path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(Where(source_path, e.source()) + ": " +
                                   std::string(e.description()));
  }
  if (Status s = CheckKnownKeys(table, source_path); !s.ok()) return s;
  DaemonConfig c;
  if (Status s = TakeAll(table, source_path, &c); !s.ok()) return s;
  if (Status s = TakeAllowFrom(table, source_path, &c); !s.ok()) return s;
  if (Status s = CheckLimits(c, source_path); !s.ok()) return s;
  if (Status s = CheckRanges(&c, source_path); !s.ok()) return s;
  std::string base = std::filesystem::path(source_path).parent_path().string();
  for (std::string* p : {&c.state_dir, &c.catalogue, &c.key_registry, &c.server_key,
                         &c.report_key_file, &c.metrics_basic_auth}) {
    *p = Resolve(base, *p);
  }
  return c;
}

Result<DaemonConfig> LoadDaemonConfig(const std::string& path) {
  auto text = platform::ReadRegularFile(path);
  if (!text.ok()) return text.status();
  return ParseDaemonConfig(*text, path);
}

core::Catalogue::LoadResult LoadCatalogue(const std::string& path) {
  if (path.empty()) return core::Catalogue::FromToml(BuiltInCatalogueText(), "<built-in catalogue>");
  auto text = platform::ReadRegularFile(path);
  if (!text.ok()) return text.status();
  return core::Catalogue::FromToml(*text, path);
}

core::KeyRegistry::LoadResult LoadKeyRegistry(const std::string& path,
                                              const core::Catalogue& catalogue) {
  auto text = platform::ReadRegularFile(path);
  if (!text.ok()) {
    return Status::Error(text.status().code(), text.status().message() +
                                                   " (the daemon does not start without a key registry)");
  }
  return core::KeyRegistry::FromToml(*text, path, catalogue);
}

}  // namespace kpihub::app
