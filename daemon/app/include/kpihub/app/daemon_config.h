// DaemonConfig: kpihubd's settings (config/kpihubd.toml documents every key), with the
// built-in defaults that make `kpihubd` run with no file at all. Value type.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kpihub/core/catalogue.h"
#include "kpihub/core/key_registry.h"
#include "kpihub/core/status.h"

namespace kpihub::app {

struct DaemonConfig {
  std::string state_dir = "/var/lib/kpihub";
  std::string catalogue;  // empty: the catalogue built into the binary
  std::string key_registry = "/etc/kpihub/keys.toml";
  std::string server_key = "/etc/kpihub/server.key";
  // Ed25519 key `kpihub report` signs with (`kpihub keygen --report-key`); its public half
  // is the file beside it with the extension .pub. Only the CLI reads it.
  std::string report_key_file = "/etc/kpihub/report.key";
  std::string listen = "tcp://127.0.0.1:7730";
  std::string metrics_listen = "127.0.0.1:9730";
  // The exchange socket (departments read shared figures), e.g. "tcp://127.0.0.1:7731";
  // "" = off, the default: a read path is opened only when the operator asks for it.
  std::string exchange_listen;
  // Subscriptions on the exchange socket (docs/exchange.md): how many in all, the heartbeat
  // interval, and how long a subscriber may stay silent (no credit, no keep-alive) before
  // its subscription is ended.
  uint32_t exchange_max_subscriptions = 256;
  uint32_t exchange_heartbeat_ms = 5000;
  uint32_t exchange_subscription_idle_ms = 60000;
  std::string metrics_basic_auth;  // "" or a file with "user:password" on one line
  std::string log_level = "info";
  std::string time_zone = "Asia/Shanghai";  // of every moment `kpihub` reads and prints
  uint32_t min_cell_entities = 3;
  uint64_t max_frame_bytes = 8u << 20;
  uint32_t max_observations = 100000;
  uint32_t max_group_batches = 512;
  uint32_t max_connections_per_key = 4;
  // Received frames waiting for, or in, a commit: per adapter key and in total, in MiB
  // (docs/security.md, "Resource limits"); frames over them are answered retryLater unread.
  uint64_t ingest_queue_mib_per_key = 64;
  uint64_t ingest_queue_mib_total = 256;
  uint64_t initial_map_mib = 64;
  uint64_t max_map_mib = 64 * 1024;
  // IPv4 addresses or networks ("10.12.0.0/16", "127.0.0.1") the ingest socket accepts
  // connections from; empty: every address. Others are closed at accept, before any
  // cryptography (ZMQ_TCP_ACCEPT_FILTER).
  std::vector<std::string> ingest_allow_from;
};

// Parses a config file's text over the defaults. Relative paths are resolved against the
// directory of `source_path`. A failure's message is "<file>:<line>:<col>: <reason>".
Result<DaemonConfig> ParseDaemonConfig(std::string_view text, const std::string& source_path);
Result<DaemonConfig> LoadDaemonConfig(const std::string& path);

// The catalogue shipped in config/catalogue.toml, compiled in.
std::string_view BuiltInCatalogueText();

// Loads `path`, or the built-in catalogue when `path` is empty.
core::Catalogue::LoadResult LoadCatalogue(const std::string& path);
core::KeyRegistry::LoadResult LoadKeyRegistry(const std::string& path,
                                              const core::Catalogue& catalogue);

}  // namespace kpihub::app
