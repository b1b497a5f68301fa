// kpihub-bench: the load side of the benchmark suite (bench/run_bench.py drives it). Each
// subcommand prints one JSON line with its figures.
//   keys        server, adapter and reading CURVE keys plus a key registry for kpihubd
//   ingest      N adapters push batches to kpihubd or kpihub-ceiling, durable acks timed
//   seed        writes observations through the store library (daemon stopped)
//   pushgateway the same batches as groups to a Prometheus Pushgateway
//   postgres    the same batches upserted into PostgreSQL; `postgres-kpi` times the KPI query
//   hello-flood N clients with a wrong server key fail their CURVE handshake over and over
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "alternatives.h"
#include "hello_flood.h"
#include "ingest_load.h"
#include "seed.h"
#include "workload.h"
#include "kpihub/wire/curve_keys.h"

namespace {

using namespace kpihub;

int Keys(const std::string& dir, int adapters, int readers) {
  if (Status s = wire::WriteKeyFiles(dir, "server", wire::GenerateCurveKeyPair()); !s.ok()) {
    std::fprintf(stderr, "kpihub-bench keys: %s\n", s.message().c_str());
    return 1;
  }
  std::ofstream registry(dir + "/keys.toml");
  for (int a = 0; a < adapters; ++a) {
    const std::string id = "bench-" + std::to_string(a);
    const wire::CurveKeyPair keys = wire::GenerateCurveKeyPair();
    if (Status s = wire::WriteKeyFiles(dir, id, keys); !s.ok()) {
      std::fprintf(stderr, "kpihub-bench keys: %s\n", s.message().c_str());
      return 1;
    }
    registry << "[[adapter]]\nid = \"" << id << "\"\ndepartment = \""
             << bench::Workload::department() << "\"\npublic_key = \"" << keys.public_z85
             << "\"\n\n";
  }
  // Reading keys of the same department: its subscribers read its own figures.
  for (int r = 0; r < readers; ++r) {
    const std::string id = "reader-" + std::to_string(r);
    const wire::CurveKeyPair keys = wire::GenerateCurveKeyPair();
    if (Status s = wire::WriteKeyFiles(dir, id, keys); !s.ok()) {
      std::fprintf(stderr, "kpihub-bench keys: %s\n", s.message().c_str());
      return 1;
    }
    registry << "[[consumer]]\nid = \"" << id << "\"\ndepartment = \""
             << bench::Workload::department() << "\"\npublic_key = \"" << keys.public_z85
             << "\"\n\n";
  }
  return 0;
}

bool LoadKeys(const std::string& server_pub, const std::vector<std::string>& adapter_keys,
              bench::IngestLoadOptions* options) {
  auto server = wire::ReadKeyFile(server_pub, false);
  if (!server.ok()) {
    std::fprintf(stderr, "kpihub-bench: %s\n", server.status().message().c_str());
    return false;
  }
  options->server_public_z85 = server->public_z85;
  for (const auto& path : adapter_keys) {
    auto keys = wire::ReadKeyFile(path, true);
    if (!keys.ok()) {
      std::fprintf(stderr, "kpihub-bench: %s\n", keys.status().message().c_str());
      return false;
    }
    options->adapters.push_back(*keys);
  }
  return true;
}

void AddOrder(CLI::App* cmd, std::string* order) {
  cmd->add_option("--order", *order, "clustered or scattered")->check(CLI::IsMember({"clustered", "scattered"}));
}

// The subcommands and what they parsed into.
struct Commands {
  CLI::App* keys = nullptr;
  CLI::App* load = nullptr;
  CLI::App* seed = nullptr;
  CLI::App* push = nullptr;
  CLI::App* pg = nullptr;
  CLI::App* pg_kpi = nullptr;
  CLI::App* flood = nullptr;
  std::string dir;
  int key_count = 4;
  int reader_count = 0;
  bench::IngestLoadOptions ingest;
  std::string server_pub, order = "scattered";
  std::vector<std::string> adapter_keys;
  bench::SeedOptions seed_options;
  bench::AlternativeLoadOptions alt;
  std::string conninfo;
  bench::HelloFloodOptions flood_options;
};

void AddKeysAndIngest(CLI::App& app, Commands& c) {
  c.keys = app.add_subcommand("keys", "write server and adapter keys and keys.toml");
  c.keys->add_option("--dir", c.dir)->required();
  c.keys->add_option("--adapters", c.key_count);
  c.keys->add_option("--readers", c.reader_count, "reading keys reader-0... of the same department");
  c.load = app.add_subcommand("ingest", "push batches to kpihubd or kpihub-ceiling");
  c.load->add_option("--endpoint", c.ingest.endpoint)->required();
  c.load->add_option("--server-pub", c.server_pub)->required();
  c.load->add_option("--key", c.adapter_keys, "an adapter's .key file; one thread per key")->required();
  c.load->add_option("--batch", c.ingest.batch_size);
  c.load->add_option("--observations", c.ingest.observations);
  c.load->add_option("--first-index", c.ingest.first_index);
  c.load->add_option("--window", c.ingest.window);
  c.load->add_option("--rate", c.ingest.rate,
                     "offered batches per second over all adapters (open loop); 0: as fast as "
                     "the window allows");
  AddOrder(c.load, &c.order);
}

void AddSeedAndAlternatives(CLI::App& app, Commands& c) {
  c.seed = app.add_subcommand("seed", "write observations through the store library");
  c.seed->add_option("--state-dir", c.seed_options.state_dir)->required();
  c.seed->add_option("--observations", c.seed_options.observations);
  c.seed->add_option("--first-index", c.seed_options.first_index);
  c.seed->add_option("--enterprise-indicators", c.seed_options.enterprise_indicators,
                     "every enterprise x these indicators' series instead of a range");
  c.seed->add_option("--enterprises", c.seed_options.enterprises);
  AddOrder(c.seed, &c.order);
  c.push = app.add_subcommand("pushgateway", "push the batches as groups to a Pushgateway");
  c.pg = app.add_subcommand("postgres", "upsert the batches into PostgreSQL");
  for (auto* cmd : {c.push, c.pg}) {
    cmd->add_option("--target", c.alt.target, "base URL or libpq connection string")->required();
    cmd->add_option("--adapters", c.alt.adapters);
    cmd->add_option("--batch", c.alt.batch_size);
    cmd->add_option("--observations", c.alt.observations);
    cmd->add_option("--first-index", c.alt.first_index);
    AddOrder(cmd, &c.order);
  }
  c.pg_kpi = app.add_subcommand("postgres-kpi", "time the KPI query over the upserted table");
  c.pg_kpi->add_option("--target", c.conninfo)->required();
  c.flood = app.add_subcommand("hello-flood", "clients with a wrong server key reconnect and "
                               "fail their handshake until SIGTERM");
  c.flood->add_option("--endpoint", c.flood_options.endpoint,
                      "as libzmq connects; \"tcp://SRC:0;DST:PORT\" picks the source address")
      ->required();
  c.flood->add_option("--clients", c.flood_options.clients);
  c.flood->add_option("--cpu", c.flood_options.cpu, "run on this CPU only");
  c.flood->add_option("--seconds", c.flood_options.seconds, "stop after this long (0: at SIGTERM)");
  c.flood->add_flag("--raw", c.flood_options.raw,
                    "bare TCP clients replaying a greeting and a random HELLO, reconnecting at "
                    "once: the daemon's work per attempt without the attacker's Curve work");
}

int RunAlternative(Commands& c) {
  if (c.pg->parsed()) {
    if (std::string error = bench::PreparePostgres(c.alt.target); !error.empty()) {
      std::fprintf(stderr, "kpihub-bench postgres: %s\n", error.c_str());
      return 1;
    }
  }
  const bench::RunSummary summary =
      c.push->parsed() ? bench::RunPushgatewayLoad(c.alt) : bench::RunPostgresLoad(c.alt);
  std::cout << bench::ToJson(summary) << std::endl;
  return summary.error.empty() ? 0 : 2;
}

int Run(Commands& c, bench::KeyOrder key_order) {
  if (c.keys->parsed()) return Keys(c.dir, c.key_count, c.reader_count);
  if (c.load->parsed()) {
    if (!LoadKeys(c.server_pub, c.adapter_keys, &c.ingest)) return 1;
    c.ingest.order = key_order;
    const bench::RunSummary summary = bench::RunIngestLoad(c.ingest);
    std::cout << bench::ToJson(summary) << std::endl;
    return summary.error.empty() ? 0 : 2;
  }
  if (c.seed->parsed()) {
    c.seed_options.order = key_order;
    const bench::SeedResult r = bench::Seed(c.seed_options);
    std::printf("{\"observations\":%llu,\"seconds\":%.3f,\"error\":\"%s\"}\n",
                static_cast<unsigned long long>(r.observations), r.seconds, r.error.c_str());
    return r.error.empty() ? 0 : 2;
  }
  if (c.push->parsed() || c.pg->parsed()) {
    c.alt.order = key_order;
    return RunAlternative(c);
  }
  if (c.flood->parsed()) {
    const bench::HelloFloodResult r = bench::RunHelloFlood(c.flood_options);
    std::printf("{\"clients\":%d,\"attempts\":%llu,\"error\":\"%s\"}\n", c.flood_options.clients,
                static_cast<unsigned long long>(r.attempts), r.error.c_str());
    return r.error.empty() ? 0 : 2;
  }
  if (c.pg_kpi->parsed()) {
    const bench::KpiQueryResult r = bench::RunPostgresKpiQuery(c.conninfo);
    std::printf("{\"rows\":%llu,\"seconds\":%.6f,\"error\":\"%s\"}\n",
                static_cast<unsigned long long>(r.rows), r.seconds, r.error.c_str());
    return r.error.empty() ? 0 : 2;
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kpihub-bench: load generator and seeding tool of the benchmark suite"};
  app.require_subcommand(1);
  Commands commands;
  AddKeysAndIngest(app, commands);
  AddSeedAndAlternatives(app, commands);
  CLI11_PARSE(app, argc, argv);
  bench::KeyOrder key_order = bench::KeyOrder::kScattered;
  bench::ParseKeyOrder(commands.order, &key_order);
  return Run(commands, key_order);
}
