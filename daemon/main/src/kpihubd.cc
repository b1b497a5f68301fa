// kpihubd: wires the real store, ingest server and exporters together, then serves until
// SIGTERM/SIGINT. SIGHUP reloads the catalogue and key registry (an invalid one is refused
// and the old one stays). Exit codes: 0 stopped cleanly, 1 bad configuration, 3 storage
// failure (nothing unacked was lost; systemd restarts the daemon), 4 an address that cannot be
// bound now (not configured yet at boot, or in use; systemd retries).
#include <malloc.h>
#include <signal.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <prometheus/registry.h>
#include <spdlog/fmt/ranges.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <thread>

#include "kpihub/app/daemon_config.h"
#include "kpihub/app/listen_address.h"
#include "kpihub/app/log_setup.h"
#include "kpihub/app/reload_status.h"
#include "kpihub/export/closing_collector.h"
#include "kpihub/export/digest_collector.h"
#include "kpihub/export/feed_collector.h"
#include "kpihub/export/milestone_collector.h"
#include "kpihub/export/kpi_collector.h"
#include "kpihub/export/metrics_server.h"
#include "kpihub/export/process_collector.h"
#include "kpihub/export/rule_collector.h"
#include "kpihub/export/state_collector.h"
#include "kpihub/ingest/ingest_server.h"
#include "kpihub/platform/file.h"
#include "kpihub/platform/system_clock.h"
#include "kpihub/wire/curve_keys.h"
#include "build_revision.h"
#include "exchange_thread.h"
#include "reload.h"
#include "resource_plan.h"
#include "state_open.h"
#include "kpihub/platform/map_fault.h"

#ifndef KPIHUB_VERSION
#define KPIHUB_VERSION "0.0.0"
#endif

namespace kpihub::app {
namespace {

constexpr int kExitConfig = 1;
constexpr int kExitStorage = 3;
constexpr int kExitCannotBind = 4;
// Frames one ingest connection may have queued in libzmq, in bytes (see ReceiveHwmFor).
constexpr uint64_t kReceiveBudgetPerConnection = 64u << 20;

struct Options {
  std::string config_path;
  std::string ready_file;
  DaemonConfig config;
};

// Loads the catalogue and registry named by `config`; the refusal ("catalogue refused: ...")
// if either fails.
// `exchange` is "" when the exchange socket is off: its line is then left out.
void WriteReadyFile(const std::string& path, const std::string& ingest,
                    const std::string& exchange, int metrics_port) {
  if (path.empty()) return;
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << "ingest=" << ingest << "\n";
    if (!exchange.empty()) out << "exchange=" << exchange << "\n";
    out << "metrics_port=" << metrics_port << "\npid=" << getpid() << "\n";
  }
  std::filesystem::rename(tmp, path);
}

// Starts serving /metrics, /healthz and /readyz (not ready yet). Throws std::invalid_argument
// when the basic-auth file is unusable, std::runtime_error when the address cannot be bound.
std::unique_ptr<exporter::MetricsServer> StartMetricsServer(const DaemonConfig& config,
                                                            const std::vector<std::string>& addresses,
                                                            const ResourcePlan& plan,
                                                            spdlog::logger& log) {
  if (!AllLoopback(addresses)) {
    // civetweb's TLS is unusable on Debian 12: off loopback the figures travel in clear.
    log.warn("metrics_listen {} is not loopback: put a TLS proxy in front and set "
             "metrics_basic_auth", config.metrics_listen);
  }
  exporter::MetricsServerOptions options;
  options.listen = config.metrics_listen;
  options.threads = plan.http_threads;
  options.connection_queue = plan.http_queue;
  if (!config.metrics_basic_auth.empty()) {
    auto text = platform::ReadRegularFile(config.metrics_basic_auth);
    auto colon = text.ok() ? text->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      throw std::invalid_argument("metrics_basic_auth: " +
                               (text.ok() ? config.metrics_basic_auth + ": expected user:password"
                                          : text.status().message()));
    }
    std::string password = text->substr(colon + 1);
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) password.pop_back();
    options.basic_auth = std::pair{text->substr(0, colon), password};
  }
  return std::make_unique<exporter::MetricsServer>(options);
}

// Opening a store takes milliseconds, but upgrading one written in an older format rewrites
// its whole value history and can take minutes. systemd's start timeout must not kill that
// (the upgrade would be rolled back and restarted for ever), so while the open runs the
// start timeout is extended, 60 s at a time.
kpihub::Status OpenStore(const store::StoreOptions& options, std::unique_ptr<store::Store>* out,
                        const core::Clock& clock, spdlog::logger& log) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread keep_alive([&] {
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, std::chrono::seconds(20), [&] { return done; })) {
      sd_notify(0, "EXTEND_TIMEOUT_USEC=60000000\nSTATUS=opening the store (upgrading its format)");
    }
  });
  const int64_t start_us = clock.NowSteadyMicros();
  kpihub::Status status = store::Store::Open(options, out);
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  keep_alive.join();
  if (status.ok() && (*out)->UpgradedFrom() != 0) {
    const double took_s = static_cast<double>(clock.NowSteadyMicros() - start_us) / 1e6;
    log.info("store upgraded from format {} to {} in {:.1f} s", (*out)->UpgradedFrom(),
             store::Store::kFormatVersion, took_s);
  }
  return status;
}

// Tells the ready file (tests, scripts), the log and systemd that the daemon serves.
// `exchange` is the exchange socket's bound endpoint, "" when it is off.
void AnnounceReady(const std::string& ready_file, const std::string& endpoint,
                   const std::string& exchange, int metrics_port, const std::string& state_dir,
                   size_t adapters, spdlog::logger& log) {
  WriteReadyFile(ready_file, endpoint, exchange, metrics_port);
  log.info("ready ingest={}{} metrics=:{} state={} adapters={} version={}", endpoint,
           exchange.empty() ? "" : " exchange=" + exchange, metrics_port, state_dir, adapters,
           KPIHUB_VERSION);
  sd_notify(0, "READY=1");
}

// How the ingest loop ended: a storage failure is the only way besides a clean stop.
int ExitCodeAfterRun(const kpihub::Status& status, spdlog::logger& log) {
  if (!status.ok()) {
    log.critical("stopping: storage failed ({}); acked data is safe, unacked batches will be "
                 "resent by their adapters",
                 status.ToString());
    return kExitStorage;
  }
  log.info("stopped cleanly");
  return 0;
}

ingest::IngestOptions IngestOptionsFor(const DaemonConfig& config,
                                       const std::string& server_secret_z85,
                                       const ResourcePlan& plan) {
  ingest::IngestOptions options;
  options.endpoint = config.listen;
  options.server_secret_z85 = server_secret_z85;
  options.limits.max_frame_bytes = config.max_frame_bytes;
  options.limits.max_observations = config.max_observations;
  options.max_group_batches = config.max_group_batches;
  options.receive_hwm = ingest::ReceiveHwmFor(kReceiveBudgetPerConnection, config.max_frame_bytes);
  options.connections.max_connections = plan.ingest_connections;
  options.connections.max_per_key = config.max_connections_per_key;
  options.queue.bytes_per_key = config.ingest_queue_mib_per_key << 20;
  options.queue.bytes_total = config.ingest_queue_mib_total << 20;
  options.accept_from = config.ingest_allow_from;
  return options;
}

// The collectors /metrics serves, each computing from the store at scrape time.
void RegisterCollectors(exporter::MetricsServer& http, store::Store& store,
                        const core::LiveConfig& live, const core::Clock& clock,
                        const DaemonConfig& config, double start_seconds,
                        std::shared_ptr<spdlog::logger> log) {
  http.RegisterCollectable(std::make_shared<exporter::KpiCollector>(
      store, live, core::RollupOptions{config.min_cell_entities}, log));
  http.RegisterCollectable(std::make_shared<exporter::StateCollector>(
      store, exporter::BuildInfo{KPIHUB_VERSION, kBuildRevision}, config.max_map_mib << 20,
      start_seconds));
  http.RegisterCollectable(std::make_shared<exporter::ProcessCollector>());
  http.RegisterCollectable(std::make_shared<exporter::FeedCollector>(store, live, clock, log));
  http.RegisterCollectable(std::make_shared<exporter::MilestoneCollector>(store, live, clock, log));
  http.RegisterCollectable(std::make_shared<exporter::ClosingCollector>(store, live, clock, log));
  http.RegisterCollectable(std::make_shared<exporter::RuleCollector>(
      store, live, core::RollupOptions{config.min_cell_entities}, log));
  http.RegisterCollectable(std::make_shared<exporter::DigestCollector>(store, log));
}

// The systemd watchdog is pinged from the ingest loop itself, so a stuck loop gets the daemon
// restarted; a quarter of the timeout apart is enough and keeps the loop from a syscall per
// pass. Without a watchdog the tick does nothing.
std::function<void()> WatchdogPinger(const core::Clock& clock) {
  uint64_t watchdog_usec = 0;
  if (sd_watchdog_enabled(0, &watchdog_usec) <= 0) return [] {};
  const auto ping_every_us = static_cast<int64_t>(watchdog_usec / 4);
  return [&clock, ping_every_us, last_ping_us = INT64_MIN / 2]() mutable {
    const int64_t now_us = clock.NowSteadyMicros();
    if (now_us - last_ping_us < ping_every_us) return;
    last_ping_us = now_us;
    sd_notify(0, "WATCHDOG=1");
  };
}

// The logger log_level asks for; nullptr (the reason printed) for an unknown level.
std::shared_ptr<spdlog::logger> MakeDaemonLogger(const DaemonConfig& config) {
  auto level = ParseLogLevel(config.log_level);
  if (!level.ok()) {
    std::fprintf(stderr, "kpihubd: %s\n", level.status().message().c_str());
    return nullptr;
  }
  return MakeLogger("kpihubd", std::make_shared<spdlog::sinks::stderr_sink_mt>(), *level,
                    IsJournalStream(STDERR_FILENO));
}

// What must be right before anything is bound or opened: catalogue, key registry, the
// server's key pair and the form of both listen addresses. Nullopt (logged) when not.
struct StartInputs {
  core::LiveConfig::View view;
  wire::CurveKeyPair server_keys;
  std::vector<std::string> metrics_addresses;
};
std::optional<StartInputs> LoadStartInputs(const DaemonConfig& config, spdlog::logger& log) {
  auto view = LoadView(config);
  if (!view.ok()) {
    log.error("{}", view.status().message());
    return std::nullopt;
  }
  auto server_keys = wire::ReadKeyFile(config.server_key, true);
  if (!server_keys.ok()) {
    log.error("server key refused: {}", server_keys.status().message());
    return std::nullopt;
  }
  auto metrics_addresses = ParseMetricsListen(config.metrics_listen);
  if (Status endpoint = CheckIngestEndpoint(config.listen); !endpoint.ok() || !metrics_addresses.ok()) {
    log.error("{}", (endpoint.ok() ? metrics_addresses.status() : endpoint).message());
    return std::nullopt;
  }
  return StartInputs{*view, *std::move(server_keys), *std::move(metrics_addresses)};
}

// Serves /metrics, /healthz, /readyz and / (not ready yet); 0, or the exit code.
int StartHttp(const DaemonConfig& config, const std::vector<std::string>& addresses,
              const ResourcePlan& plan, spdlog::logger& log,
              std::unique_ptr<exporter::MetricsServer>* http) {
  try {
    *http = StartMetricsServer(config, addresses, plan, log);
    return 0;
  } catch (const std::invalid_argument& e) {
    log.error("{}", e.what());
    return kExitConfig;
  } catch (const std::exception& e) {
    log.error("cannot serve /metrics on {} (metrics_listen): {}; is the address configured on "
              "this host and the port free? (exit {}: systemd retries)",
              config.metrics_listen, e.what(), kExitCannotBind);
    return kExitCannotBind;
  }
}

// Binds the ZAP handler, then the CURVE ingest socket; 0, or the exit code.
int StartIngest(const DaemonConfig& config, ingest::IngestServer& server, spdlog::logger& log) {
  try {
    server.Start();
    if (!config.ingest_allow_from.empty()) {
      log.info("ingest accepts connections only from {} (ingest_allow_from)",
               fmt::join(config.ingest_allow_from, ", "));
    }
    return 0;
  } catch (const std::exception& e) {
    log.error("cannot bind the ingest socket on {} (listen): {}; is the address configured on "
              "this host and the port free? (exit {}: systemd retries)",
              config.listen, e.what(), kExitCannotBind);
    return kExitCannotBind;
  }
}

// Large frames are freed back to the system at once: with glibc's dynamic threshold they
// would be carved from the heap after the first free, and a flood of big frames would leave
// the process holding what it no longer uses. The descriptor limit is raised to the hard one
// and shared out between HTTP and ingest (resource_plan.h). Raising M_TRIM_THRESHOLD and
// M_TOP_PAD, or M_ARENA_MAX=1, did not lower the cost of a refused handshake (page faults and
// mprotect calls unchanged): that page-table work is libsodium's guarded allocation of each
// connection's keys (mmap, mlock, mprotect, munmap), not the heap.
ResourcePlan PlanMemoryAndDescriptors(const DaemonConfig& config, spdlog::logger& log) {
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  const ResourcePlan plan =
      PlanResources(RaiseDescriptorLimit(), !config.exchange_listen.empty());
  log.info("limits {} ingest_connections_per_key<={} ingest_queue_mib_per_key={} "
           "ingest_queue_mib_total={}", Describe(plan), config.max_connections_per_key,
           config.ingest_queue_mib_per_key, config.ingest_queue_mib_total);
  return plan;
}

// Two I/O threads: handshakes (CURVE decryption of each HELLO) of a flood of refused clients
// are spread over both, and an admitted connection is not queued behind all of them. A
// refused handshake costs 250-290 us of CPU with one thread or two, but under a flood that
// saturates the daemon's CPU (bench "hello flood", raw replay) an adapter kept 0.39-0.41 of
// its throughput with one I/O thread against 0.48-0.56 with two; SCHED_BATCH for the I/O
// threads (ZMQ_THREAD_SCHED_POLICY) gave 0.43. docs/security.md has the figures.
constexpr int kIngestIoThreads = 2;

// HTTP first, so that /healthz answers and /readyz says 503 while the store opens; then the
// state, whose lock beside the state folder is held until the store has closed
// (state_open.h). 0, or the exit code.
int StartHttpAndState(const DaemonConfig& config, const StartInputs& inputs,
                      const ResourcePlan& plan, const platform::SystemClock& clock,
                      spdlog::logger& log, std::unique_ptr<exporter::MetricsServer>* http,
                      DaemonState* state) {
  if (int code = StartHttp(config, inputs.metrics_addresses, plan, log, http); code != 0) {
    return code;
  }
  StoreOpener open_store = [&](const store::StoreOptions& store_options,
                               std::unique_ptr<store::Store>* out) {
    return OpenStore(store_options, out, clock, log);
  };
  return OpenDaemonState(config, open_store, log, state);
}

int Serve(const Options& options) {
  const DaemonConfig& config = options.config;
  auto log = MakeDaemonLogger(config);
  if (!log) return kExitConfig;
  SignalWatcher::BlockAll();  // before any thread starts, so all inherit the mask
  auto inputs = LoadStartInputs(config, *log);
  if (!inputs) return kExitConfig;
  core::LiveConfig live(inputs->view.catalogue, inputs->view.registry);
  const ResourcePlan plan = PlanMemoryAndDescriptors(config, *log);
  platform::SystemClock clock;
  double start_seconds = static_cast<double>(clock.NowUnixMillis()) / 1000.0;
  // Declared before the HTTP server, so that the server (whose collectors read the store)
  // stops first.
  DaemonState state;  // the state lock; declared before the store, so released after it
  std::unique_ptr<store::Store> store;
  std::unique_ptr<exporter::MetricsServer> http;
  if (int code = StartHttpAndState(config, *inputs, plan, clock, *log, &http, &state); code != 0) {
    return code;
  }
  store = std::move(state.store);
  (void)store->SetCatalogueFingerprint(inputs->view.catalogue->fingerprint());

  auto registry = std::make_shared<prometheus::Registry>();
  ingest::IngestMetrics metrics(*registry);
  zmq::context_t context(kIngestIoThreads);
  context.set(zmq::ctxopt::max_sockets, plan.zmq_max_sockets);
  ingest::IngestServer server(context,
                              IngestOptionsFor(config, inputs->server_keys.secret_z85, plan),
                              live, *store, clock, metrics, log);
  if (int code = StartIngest(config, server, *log); code != 0) return code;
  // The exchange socket (exchange_listen) on its own thread; stopped before the store closes.
  ExchangeThread exchange;
  if (int code = exchange.Start(config, inputs->server_keys.secret_z85,
                                plan.exchange_connections, live, *store, clock, *registry, log);
      code != 0) {
    return code;
  }
  http->RegisterCollectable(registry);
  RegisterCollectors(*http, *store, live, clock, config, start_seconds, log);
  http->SetReady(true);  // storage open, ZAP handler bound

  ReloadReport reload(*registry, config.state_dir, clock, *log);
  reload.Record(true, inputs->view.registry->adapters().size(), "");
  std::atomic<bool> stop{false};
  SignalWatcher signals(stop, Reloader(config, live, *store, reload, *log));
  AnnounceReady(options.ready_file, server.bound_endpoint(), exchange.endpoint(), http->port(),
                config.state_dir,
                inputs->view.registry->adapters().size(), *log);

  kpihub::Status status = server.Run(stop, WatchdogPinger(clock));
  sd_notify(0, "STOPPING=1");
  http->SetReady(false);
  return ExitCodeAfterRun(status, *log);
}

}  // namespace
}  // namespace kpihub::app

int main(int argc, char** argv) {
  using kpihub::app::DaemonConfig;
  kpihub::platform::ExitCleanlyOnMapFault("kpihubd", 3);  // exit 3: a storage failure
  CLI::App app{"kpihubd: authenticated ingest of department feeds into KPI state"};
  kpihub::app::Options options;
  std::string state_dir, listen, metrics_listen, keys, server_key, catalogue, log_level;
  app.add_option("-c,--config", options.config_path, "daemon configuration file (TOML)");
  app.add_option("--state-dir", state_dir, "overrides state_dir");
  app.add_option("--listen", listen, "overrides listen (ZeroMQ endpoint; port * picks one)");
  app.add_option("--metrics-listen", metrics_listen, "overrides metrics_listen (host:port)");
  app.add_option("--keys", keys, "overrides key_registry");
  app.add_option("--server-key", server_key, "overrides server_key");
  app.add_option("--catalogue", catalogue, "overrides catalogue");
  app.add_option("--log-level", log_level, "overrides log_level (debug, info, warn, error, critical, off)");
  app.add_option("--ready-file", options.ready_file,
                 "write the bound endpoints to this file once ready");
  app.set_version_flag("--version", KPIHUB_VERSION);
  CLI11_PARSE(app, argc, argv);

  if (!options.config_path.empty()) {
    auto loaded = kpihub::app::LoadDaemonConfig(options.config_path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "kpihubd: %s\n", loaded.status().message().c_str());
      return 1;
    }
    options.config = *loaded;
  }
  DaemonConfig& c = options.config;
  for (auto [value, target] : {std::pair{&state_dir, &c.state_dir}, {&listen, &c.listen},
                               {&metrics_listen, &c.metrics_listen}, {&keys, &c.key_registry},
                               {&server_key, &c.server_key}, {&catalogue, &c.catalogue},
                               {&log_level, &c.log_level}}) {
    if (!value->empty()) *target = *value;
  }
  return kpihub::app::Serve(options);
}
