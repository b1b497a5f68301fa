// `kpihub init`: creates a new, empty store on purpose. kpihubd creates one by itself only on a
// first start (no store was ever recorded beside the state folder); once one was, a missing
// or empty data.mdb is refused, and this command is how an operator says "start over".
// It refuses while kpihubd runs and never overwrites a data file that holds a store.
#include <cstdio>
#include <filesystem>

#include "cli_commands.h"
#include "kpihub/platform/lmdb_file_check.h"
#include "kpihub/store/state_guard.h"
#include "kpihub/store/store.h"
#include "state_location.h"

namespace kpihub::cli {
namespace {

namespace fs = std::filesystem;

int Fail(const std::string& message) {
  std::fprintf(stderr, "kpihub init: %s\n", message.c_str());
  return 1;
}

// An empty data.mdb (and its lock file) holds nothing to lose; anything else is kept.
int ClearEmptyDataFile(const std::string& state) {
  const std::string data = state + "/data.mdb";
  const auto check = platform::CheckLmdbDataFile(data);
  using Kind = platform::LmdbFileCheck::Kind;
  if (check.kind == Kind::kUsable) {
    return Fail(state + " already holds a store: refusing to replace it (move the folder "
                "aside first, or use `kpihub restore`)");
  }
  if (check.kind == Kind::kDamaged) {
    return Fail(check.problem + "; move it aside first if a new store is really wanted");
  }
  std::error_code ec;
  if (check.kind == Kind::kEmpty) fs::remove(data, ec);
  fs::remove(state + "/lock.mdb", ec);
  return 0;
}

int RunInit(const StateLocation& where) {
  app::DaemonConfig config;
  if (!ResolveConfig(where, &config)) return 1;
  std::string state = config.state_dir;
  while (state.size() > 1 && state.back() == '/') state.pop_back();
  std::error_code ec;
  fs::create_directories(fs::path(state).parent_path(), ec);
  std::unique_ptr<store::StateLock> lock;
  kpihub::Status s = store::StateLock::Acquire(state, std::chrono::milliseconds(0), &lock);
  if (!s.ok()) {
    return Fail(s.message() + (s.code() == kpihub::Status::Code::kReadOnly
                                   ? ": stop the daemon first (systemctl stop kpihubd)" : ""));
  }
  if (int code = ClearEmptyDataFile(state); code != 0) return code;
  store::StoreOptions options;
  options.path = state;
  options.initial_map_bytes = config.initial_map_mib << 20;
  options.max_map_bytes = config.max_map_mib << 20;
  {
    std::unique_ptr<store::Store> store;
    if (s = store::Store::Open(options, &store); !s.ok()) return Fail(s.ToString());
  }
  if (s = store::MarkStateCreated(state); !s.ok()) return Fail(s.message());
  std::printf("created an empty store in %s (recorded in %s).\n", state.c_str(),
              store::StateMarkerPath(state).c_str());
  return 0;
}

}  // namespace

CommandRunner AddInitCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "init", "create a new, empty store on purpose (the daemon must be stopped; an existing "
              "store is never replaced)");
  auto where = std::make_shared<StateLocation>();
  AddStateOptions(cmd, where.get());
  return [where] { return RunInit(*where); };
}

}  // namespace kpihub::cli
