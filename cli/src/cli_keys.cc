// `kpihub keys list|add|revoke`: edits the key registry (keys.toml) that decides which CURVE
// public keys may send as which adapter and department. Writes are checked by loading the
// new registry exactly as the daemon will (against the catalogue) before the file is
// atomically replaced, keeping its owner, group and mode (the daemon may run as another
// user). The daemon picks the change up on SIGHUP (systemctl reload kpihubd); with --reload
// the command sends it and reports whether the daemon took the change. The file is rewritten
// in canonical form: comments in it are not kept.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "kpihub/app/file_replace.h"
#include "kpihub/app/reload_status.h"

#include "cli_commands.h"
#include "state_location.h"
#include "kpihub/wire/curve_keys.h"

namespace kpihub::cli {
namespace {

struct KeysArgs {
  StateLocation where;
  std::string registry;  // overrides the config's key_registry
  std::string id, department, public_key_file;
  bool reload = false;
  int reload_timeout_s = 10;
  bool reading = false;  // add: a reading key ([[consumer]], the exchange socket)
};

struct LoadedRegistry {
  std::string path;
  std::string state_dir;
  std::shared_ptr<const core::Catalogue> catalogue;
  std::vector<core::AdapterKey> adapters;
  std::vector<core::AdapterKey> consumers;  // reading keys, kept through every rewrite
};

std::optional<LoadedRegistry> Load(const KeysArgs& args, bool may_be_missing) {
  app::DaemonConfig config;
  if (!ResolveConfig(args.where, &config)) return std::nullopt;
  LoadedRegistry out;
  out.path = args.registry.empty() ? config.key_registry : args.registry;
  out.state_dir = config.state_dir;
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
  out.consumers = (*registry)->consumers();
  return out;
}

std::string Render(const std::vector<core::AdapterKey>& adapters,
                   const std::vector<core::AdapterKey>& consumers) {
  std::string text = "# kpihub key registry: who may send, as which adapter and department,\n"
                     "# and who may read on the exchange socket ([[consumer]]).\n"
                     "# Maintained with `kpihub keys`; reload the daemon after a change.\n";
  for (const auto& [kind, keys] : {std::pair{"adapter", &adapters}, {"consumer", &consumers}}) {
    for (const auto& a : *keys) {
      text += std::string("\n[[") + kind + "]]\nid = \"" + a.adapter_id + "\"\ndepartment = \"" +
              a.department + "\"\npublic_key = \"" + a.public_key_z85 + "\"\n";
    }
  }
  return text;
}

// Checks `adapters` as the daemon will load them, then replaces the file atomically.
bool Save(const LoadedRegistry& registry, const std::vector<core::AdapterKey>& adapters,
          const std::vector<core::AdapterKey>& consumers) {
  const std::string text = Render(adapters, consumers);
  auto check = core::KeyRegistry::FromToml(text, registry.path, *registry.catalogue);
  if (!check.ok()) {
    std::fprintf(stderr, "kpihub keys: refused, the registry would not load: %s\n",
                 check.status().message().c_str());
    return false;
  }
  // A new registry: readable by the owner and group only (it lists who may send).
  if (Status written = app::ReplaceFileKeepingOwnership(registry.path, text, 0640);
      !written.ok()) {
    std::fprintf(stderr, "kpihub keys: %s\n", written.message().c_str());
    return false;
  }
  std::printf("wrote %s (%zu adapters, %zu reading keys)\n", registry.path.c_str(),
              adapters.size(), consumers.size());
  return true;
}

bool IsKpihubd(int64_t pid) {
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  return std::getline(comm, name) && name == "kpihubd";
}

// Sends SIGHUP to the daemon named in the state dir's reload-status file and waits for its
// verdict. 0: the daemon took the change; 1: it refused it (the old registry stays in force:
// a revoked key is still accepted); 2: no daemon or no verdict in time.
int ReloadDaemon(const LoadedRegistry& registry, size_t expected_adapters, int timeout_s) {
  auto before = app::ReadReloadStatus(registry.state_dir);
  if (!before || before->pid <= 0 || !IsKpihubd(before->pid)) {
    std::fprintf(stderr, "kpihub keys: no running kpihubd found for state dir %s (no %s, or its "
                 "pid is gone): the change takes effect when the daemon starts\n",
                 registry.state_dir.c_str(), app::ReloadStatusPath(registry.state_dir).c_str());
    return 2;
  }
  if (::kill(static_cast<pid_t>(before->pid), SIGHUP) != 0) {
    std::fprintf(stderr, "kpihub keys: cannot signal kpihubd (pid %lld): %s\n",
                 static_cast<long long>(before->pid), std::strerror(errno));
    return 2;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    auto now = app::ReadReloadStatus(registry.state_dir);
    if (now && (now->pid != before->pid || now->generation > before->generation)) {
      if (now->success) {
        std::printf("kpihubd (pid %lld) reloaded: %zu adapters in force\n",
                    static_cast<long long>(now->pid), now->adapters);
        if (now->adapters != expected_adapters) {
          std::fprintf(stderr, "kpihub keys: warning: the daemon reports %zu adapters, this "
                       "registry has %zu (another change at the same time?)\n", now->adapters,
                       expected_adapters);
        }
        return 0;
      }
      std::fprintf(stderr, "kpihub keys: kpihubd REFUSED the reload, its previous registry stays "
                   "in force: %s\n", now->error.c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr, "kpihub keys: kpihubd (pid %lld) gave no reload verdict within %d s\n",
               static_cast<long long>(before->pid), timeout_s);
  return 2;
}

// After a successful write: reload the daemon (--reload) or tell the operator how to.
int Finish(const KeysArgs& args, const LoadedRegistry& registry, size_t adapters) {
  if (!args.reload) {
    std::printf("Now reload the daemon: systemctl reload kpihubd, or run this command with "
                "--reload; until then the daemon keeps the previous registry.\n");
    return 0;
  }
  int result = ReloadDaemon(registry, adapters, args.reload_timeout_s);
  return result == 0 ? 0 : result + 2;  // 3 refused, 4 no verdict
}

int RunList(const KeysArgs& args) {
  auto registry = Load(args, false);
  if (!registry) return 1;
  std::printf("%-24s %-14s %s\n", "adapter", "department", "public key");
  for (const auto& a : registry->adapters) {
    std::printf("%-24s %-14s %s\n", a.adapter_id.c_str(), a.department.c_str(),
                a.public_key_z85.c_str());
  }
  for (const auto& a : registry->consumers) {
    std::printf("%-24s %-14s %s (reads)\n", a.adapter_id.c_str(), a.department.c_str(),
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
  auto consumers = registry->consumers;
  for (const auto* list : {&adapters, &consumers}) {
    for (const auto& a : *list) {
      if (a.adapter_id != args.id) continue;
      std::fprintf(stderr, "kpihub keys add: adapter '%s' is already registered: revoke it "
                   "first to give it a new key\n", args.id.c_str());
      return 1;
    }
  }
  (args.reading ? consumers : adapters).push_back({args.id, args.department, key->public_z85});
  if (!Save(*registry, adapters, consumers)) return 1;
  return Finish(args, *registry, adapters.size());
}

int RunRevoke(const KeysArgs& args) {
  auto registry = Load(args, false);
  if (!registry) return 1;
  auto adapters = registry->adapters;
  auto consumers = registry->consumers;
  auto named = [&](const core::AdapterKey& a) { return a.adapter_id == args.id; };
  std::erase_if(adapters, named);
  std::erase_if(consumers, named);
  if (adapters.size() + consumers.size() ==
      registry->adapters.size() + registry->consumers.size()) {
    std::fprintf(stderr, "kpihub keys revoke: no adapter '%s' in %s\n", args.id.c_str(),
                 registry->path.c_str());
    return 1;
  }
  if (!Save(*registry, adapters, consumers)) return 1;
  return Finish(args, *registry, adapters.size());
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
  for (CLI::App* sub : {add, revoke}) {
    sub->add_flag("--reload", args->reload,
                  "signal the running kpihubd (SIGHUP) and report whether it took the change; "
                  "exit 3 if it refused it, 4 if no daemon answered");
    sub->add_option("--reload-timeout", args->reload_timeout_s,
                    "seconds to wait for the daemon's verdict (default 10)");
  }
  add->add_option("id", args->id, "adapter id, e.g. tax-1")->required();
  add->add_flag("--reading", args->reading,
                "a reading key ([[consumer]]): it may query the exchange socket under the "
                "department's sharing agreements, and never write");
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
