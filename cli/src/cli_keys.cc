// `kpihub keys list|add|revoke`: edits the key registry (keys.toml) that decides which CURVE
// public keys may send as which adapter and department. Writes are checked by loading the
// new registry exactly as the daemon will (against the catalogue) before the file is
// atomically replaced; the daemon picks the change up on SIGHUP (systemctl reload kpihubd).
// The file is rewritten in canonical form: comments in it are not kept.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli_commands.h"
#include "state_location.h"
#include "kpihub/wire/curve_keys.h"

namespace kpihub::cli {
namespace {

struct KeysArgs {
  StateLocation where;
  std::string registry;  // overrides the config's key_registry
  std::string id, department, public_key_file;
};

struct LoadedRegistry {
  std::string path;
  std::shared_ptr<const core::Catalogue> catalogue;
  std::vector<core::AdapterKey> adapters;
};

std::optional<LoadedRegistry> Load(const KeysArgs& args, bool may_be_missing) {
  app::DaemonConfig config;
  if (!ResolveConfig(args.where, &config)) return std::nullopt;
  LoadedRegistry out;
  out.path = args.registry.empty() ? config.key_registry : args.registry;
  auto catalogue = app::LoadCatalogue(config.catalogue);
  if (!catalogue.ok()) {
    std::fprintf(stderr, "kpihub keys: catalogue: %s\n", catalogue.status().message().c_str());
    return std::nullopt;
  }
  out.catalogue = *catalogue;
  if (may_be_missing && !std::filesystem::exists(out.path)) return out;
  auto registry = app::LoadKeyRegistry(out.path, *out.catalogue);
  if (!registry.ok()) {
    std::fprintf(stderr, "kpihub keys: %s\n", registry.status().message().c_str());
    return std::nullopt;
  }
  out.adapters = (*registry)->adapters();
  return out;
}

std::string Render(const std::vector<core::AdapterKey>& adapters) {
  std::string text = "# kpihub key registry: who may send, as which adapter and department.\n"
                     "# Maintained with `kpihub keys`; reload the daemon after a change.\n";
  for (const auto& a : adapters) {
    text += "\n[[adapter]]\nid = \"" + a.adapter_id + "\"\ndepartment = \"" + a.department +
            "\"\npublic_key = \"" + a.public_key_z85 + "\"\n";
  }
  return text;
}

// Checks `adapters` as the daemon will load them, then replaces the file atomically.
bool Save(const LoadedRegistry& registry, const std::vector<core::AdapterKey>& adapters) {
  const std::string text = Render(adapters);
  auto check = core::KeyRegistry::FromToml(text, registry.path, *registry.catalogue);
  if (!check.ok()) {
    std::fprintf(stderr, "kpihub keys: refused, the registry would not load: %s\n",
                 check.status().message().c_str());
    return false;
  }
  const std::string tmp = registry.path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::fprintf(stderr, "kpihub keys: cannot write %s\n", tmp.c_str());
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, registry.path, ec);
  if (ec) {
    std::fprintf(stderr, "kpihub keys: cannot replace %s: %s\n", registry.path.c_str(),
                 ec.message().c_str());
    return false;
  }
  std::printf("wrote %s (%zu adapters). Now reload the daemon: systemctl reload kpihubd "
              "(or kill -HUP $(pidof kpihubd)); check `journalctl -u kpihubd` says \"reloaded\".\n",
              registry.path.c_str(), adapters.size());
  return true;
}

int RunList(const KeysArgs& args) {
  auto registry = Load(args, false);
  if (!registry) return 1;
  std::printf("%-24s %-14s %s\n", "adapter", "department", "public key");
  for (const auto& a : registry->adapters) {
    std::printf("%-24s %-14s %s\n", a.adapter_id.c_str(), a.department.c_str(),
                a.public_key_z85.c_str());
  }
  return 0;
}

int RunAdd(const KeysArgs& args) {
  auto registry = Load(args, true);
  if (!registry) return 1;
  auto key = wire::ReadKeyFile(args.public_key_file, false);
  if (!key.ok()) {
    std::fprintf(stderr, "kpihub keys add: %s\n", key.status().message().c_str());
    return 1;
  }
  auto adapters = registry->adapters;
  for (const auto& a : adapters) {
    if (a.adapter_id == args.id) {
      std::fprintf(stderr, "kpihub keys add: adapter '%s' is already registered: revoke it "
                   "first to give it a new key\n", args.id.c_str());
      return 1;
    }
  }
  adapters.push_back({args.id, args.department, key->public_z85});
  return Save(*registry, adapters) ? 0 : 1;
}

int RunRevoke(const KeysArgs& args) {
  auto registry = Load(args, false);
  if (!registry) return 1;
  auto adapters = registry->adapters;
  std::erase_if(adapters, [&](const core::AdapterKey& a) { return a.adapter_id == args.id; });
  if (adapters.size() == registry->adapters.size()) {
    std::fprintf(stderr, "kpihub keys revoke: no adapter '%s' in %s\n", args.id.c_str(),
                 registry->path.c_str());
    return 1;
  }
  return Save(*registry, adapters) ? 0 : 1;
}

}  // namespace

CommandRunner AddKeysCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("keys", "list, add or revoke adapter keys in the key registry "
                                         "(writes keys.toml; then reload the daemon)");
  cmd->require_subcommand(1);
  auto args = std::make_shared<KeysArgs>();
  auto* list = cmd->add_subcommand("list", "the registered adapters and their public keys");
  auto* add = cmd->add_subcommand("add", "register an adapter's public key");
  auto* revoke = cmd->add_subcommand("revoke", "remove an adapter: its next batch is refused, "
                                               "on a live session too, once reloaded");
  for (CLI::App* sub : {list, add, revoke}) {
    AddStateOptions(sub, &args->where);
    sub->add_option("--registry", args->registry, "key registry file (overrides the config)");
  }
  add->add_option("id", args->id, "adapter id, e.g. tax-1")->required();
  add->add_option("--department", args->department, "department code, e.g. tax")->required();
  add->add_option("--public-key", args->public_key_file,
                  "the adapter's .pub file (from `kpihub keygen`)")->required();
  revoke->add_option("id", args->id, "adapter id")->required();
  return [args, list, add] {
    if (list->parsed()) return RunList(*args);
    if (add->parsed()) return RunAdd(*args);
    return RunRevoke(*args);
  };
}

}  // namespace kpihub::cli
