#include "kpihub/app/daemon_config.h"

#include "kpihub/wire/regular_file.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

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

// Copies table[key] into *out when present; false (with error) when of the wrong type.
template <typename T>
bool Take(const toml::table& table, const char* key, T* out, const std::string& source,
          std::string* error) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return true;
  if constexpr (std::is_same_v<T, std::string>) {
    if (auto v = node->value<std::string>()) {
      *out = *v;
      return true;
    }
  } else {
    // Compared as integers before any conversion: 4294967296 must not become 0.
    constexpr uint64_t kMax = std::min<uint64_t>(std::numeric_limits<T>::max(),
                                                 std::numeric_limits<int64_t>::max());
    if (const auto* i = node->as_integer()) {
      int64_t v = i->get();
      if (v >= 0 && static_cast<uint64_t>(v) <= kMax) {
        *out = static_cast<T>(v);
        return true;
      }
      *error = Where(source, node->source()) + ": '" + key + "' = " + std::to_string(v) +
               " is out of range (0 to " + std::to_string(kMax) + ")";
      return false;
    }
    *error = Where(source, node->source()) + ": '" + key + "' must be an integer (0 to " +
             std::to_string(kMax) + ")";
    return false;
  }
  *error = Where(source, node->source()) + ": '" + key + "' must be a string";
  return false;
}

bool CheckKnownKeys(const toml::table& table, const std::string& source, std::string* error) {
  static const char* kKnown[] = {"state_dir",        "catalogue",         "key_registry",
                                 "server_key",       "listen",            "metrics_listen",
                                 "metrics_basic_auth", "log_level",       "min_cell_entities",
                                 "max_frame_bytes",  "max_observations",  "max_group_batches",
                                 "initial_map_mib",  "max_map_mib",       "time_zone",
                                 "max_connections_per_key"};
  for (const auto& [key, node] : table) {
    bool known = false;
    for (const char* k : kKnown) known = known || key.str() == k;
    if (!known) {
      *error = Where(source, node.source()) + ": unknown setting '" + std::string(key.str()) + "'";
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<DaemonConfig> ParseDaemonConfig(std::string_view text, const std::string& source_path,
                                              std::string* error) {
  toml::table table;
  try {
    table = toml::parse(text, source_path);
  } catch (const toml::parse_error& e) {
    *error = Where(source_path, e.source()) + ": " + std::string(e.description());
    return std::nullopt;
  }
  if (!CheckKnownKeys(table, source_path, error)) return std::nullopt;
  DaemonConfig c;
  bool ok = Take(table, "state_dir", &c.state_dir, source_path, error) &&
            Take(table, "catalogue", &c.catalogue, source_path, error) &&
            Take(table, "key_registry", &c.key_registry, source_path, error) &&
            Take(table, "server_key", &c.server_key, source_path, error) &&
            Take(table, "listen", &c.listen, source_path, error) &&
            Take(table, "metrics_listen", &c.metrics_listen, source_path, error) &&
            Take(table, "metrics_basic_auth", &c.metrics_basic_auth, source_path, error) &&
            Take(table, "log_level", &c.log_level, source_path, error) &&
            Take(table, "time_zone", &c.time_zone, source_path, error) &&
            Take(table, "min_cell_entities", &c.min_cell_entities, source_path, error) &&
            Take(table, "max_frame_bytes", &c.max_frame_bytes, source_path, error) &&
            Take(table, "max_observations", &c.max_observations, source_path, error) &&
            Take(table, "max_group_batches", &c.max_group_batches, source_path, error) &&
            Take(table, "max_connections_per_key", &c.max_connections_per_key, source_path, error) &&
            Take(table, "initial_map_mib", &c.initial_map_mib, source_path, error) &&
            Take(table, "max_map_mib", &c.max_map_mib, source_path, error);
  if (!ok) return std::nullopt;
  if (c.min_cell_entities < kMinCellFloor) {
    *error = source_path + ": min_cell_entities must be at least " + std::to_string(kMinCellFloor) +
             ": smaller cells would let a single enterprise's figure be read off a board";
    return std::nullopt;
  }
  if (c.max_group_batches == 0 || c.max_frame_bytes < 64 || c.initial_map_mib == 0 ||
      c.max_map_mib < c.initial_map_mib) {
    *error = source_path + ": limits out of range (max_group_batches > 0, max_frame_bytes >= 64, "
                           "0 < initial_map_mib <= max_map_mib)";
    return std::nullopt;
  }
  // Upper bounds past which a value is certainly a typo and would overflow what uses it
  // (ZMQ_MAXMSGSIZE is twice max_frame_bytes, the map size is MiB << 20).
  const struct {
    const char* key;
    uint64_t value, min, max;
  } ranges[] = {
      {"max_frame_bytes", c.max_frame_bytes, 64, 1u << 30},
      {"max_observations", c.max_observations, 1, 100000000},
      {"max_connections_per_key", c.max_connections_per_key, 1, 64},
      {"max_map_mib", c.max_map_mib, 1, 1u << 24},
  };
  for (const auto& r : ranges) {
    if (r.value < r.min || r.value > r.max) {
      *error = source_path + ": '" + r.key + "' = " + std::to_string(r.value) +
               " is out of range (" + std::to_string(r.min) + " to " + std::to_string(r.max) + ")";
      return std::nullopt;
    }
  }
  std::string base = std::filesystem::path(source_path).parent_path().string();
  for (std::string* p : {&c.state_dir, &c.catalogue, &c.key_registry, &c.server_key,
                         &c.metrics_basic_auth}) {
    *p = Resolve(base, *p);
  }
  return c;
}

std::optional<std::string> ReadTextFile(const std::string& path, std::string* error) {
  return wire::ReadRegularFile(path, error);
}

std::optional<DaemonConfig> LoadDaemonConfig(const std::string& path, std::string* error) {
  auto text = ReadTextFile(path, error);
  if (!text) return std::nullopt;
  return ParseDaemonConfig(*text, path, error);
}

core::Catalogue::LoadResult LoadCatalogue(const std::string& path) {
  if (path.empty()) return core::Catalogue::FromToml(BuiltInCatalogueText(), "<built-in catalogue>");
  std::string error;
  auto text = ReadTextFile(path, &error);
  if (!text) return {nullptr, error};
  return core::Catalogue::FromToml(*text, path);
}

core::KeyRegistry::LoadResult LoadKeyRegistry(const std::string& path,
                                              const core::Catalogue& catalogue) {
  std::string error;
  auto text = ReadTextFile(path, &error);
  if (!text) return {nullptr, error + " (the daemon does not start without a key registry)"};
  return core::KeyRegistry::FromToml(*text, path, catalogue);
}

}  // namespace kpihub::app
