// kpihub-bench: the load side of the benchmark suite (bench/run_bench.py drives it). Each
// subcommand prints one JSON line with its figures.
//   keys        server and adapter CURVE keys plus a key registry for kpihubd
//   ingest      N adapters push batches to kpihubd or kpihub-ceiling, durable acks timed
//   seed        writes observations through the store library (daemon stopped)
//   pushgateway the same batches as groups to a Prometheus Pushgateway
//   postgres    the same batches upserted into PostgreSQL; `postgres-kpi` times the KPI query
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "alternatives.h"
#include "ingest_load.h"
#include "seed.h"
#include "workload.h"
#include "kpihub/wire/curve_keys.h"

namespace {

using namespace kpihub;

int Keys(const std::string& dir, int adapters) {
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kpihub-bench: load generator and seeding tool of the benchmark suite"};
  app.require_subcommand(1);

  std::string dir;
  int key_count = 4;
  auto* keys = app.add_subcommand("keys", "write server and adapter keys and keys.toml");
  keys->add_option("--dir", dir)->required();
  keys->add_option("--adapters", key_count);

  bench::IngestLoadOptions ingest;
  std::string server_pub, order = "scattered";
  std::vector<std::string> adapter_keys;
  auto* load = app.add_subcommand("ingest", "push batches to kpihubd or kpihub-ceiling");
  load->add_option("--endpoint", ingest.endpoint)->required();
  load->add_option("--server-pub", server_pub)->required();
  load->add_option("--key", adapter_keys, "an adapter's .key file; one thread per key")->required();
  load->add_option("--batch", ingest.batch_size);
  load->add_option("--observations", ingest.observations);
  load->add_option("--first-index", ingest.first_index);
  load->add_option("--window", ingest.window);
  load->add_option("--rate", ingest.rate,
                   "offered batches per second over all adapters (open loop); 0: as fast as "
                   "the window allows");
  AddOrder(load, &order);

  bench::SeedOptions seed;
  auto* seed_cmd = app.add_subcommand("seed", "write observations through the store library");
  seed_cmd->add_option("--state-dir", seed.state_dir)->required();
  seed_cmd->add_option("--observations", seed.observations);
  seed_cmd->add_option("--first-index", seed.first_index);
  seed_cmd->add_option("--enterprise-indicators", seed.enterprise_indicators,
                       "every enterprise x these indicators' series instead of a range");
  seed_cmd->add_option("--enterprises", seed.enterprises);
  AddOrder(seed_cmd, &order);

  bench::AlternativeLoadOptions alt;
  auto* push = app.add_subcommand("pushgateway", "push the batches as groups to a Pushgateway");
  auto* pg = app.add_subcommand("postgres", "upsert the batches into PostgreSQL");
  for (auto* cmd : {push, pg}) {
    cmd->add_option("--target", alt.target, "base URL or libpq connection string")->required();
    cmd->add_option("--adapters", alt.adapters);
    cmd->add_option("--batch", alt.batch_size);
    cmd->add_option("--observations", alt.observations);
    cmd->add_option("--first-index", alt.first_index);
    AddOrder(cmd, &order);
  }
  std::string conninfo;
  auto* pg_kpi = app.add_subcommand("postgres-kpi", "time the KPI query over the upserted table");
  pg_kpi->add_option("--target", conninfo)->required();

  CLI11_PARSE(app, argc, argv);
  bench::KeyOrder key_order = bench::KeyOrder::kScattered;
  bench::ParseKeyOrder(order, &key_order);

  if (keys->parsed()) return Keys(dir, key_count);
  if (load->parsed()) {
    if (!LoadKeys(server_pub, adapter_keys, &ingest)) return 1;
    ingest.order = key_order;
    const bench::RunSummary summary = bench::RunIngestLoad(ingest);
    std::cout << bench::ToJson(summary) << std::endl;
    return summary.error.empty() ? 0 : 2;
  }
  if (seed_cmd->parsed()) {
    seed.order = key_order;
    const bench::SeedResult r = bench::Seed(seed);
    std::printf("{\"observations\":%llu,\"seconds\":%.3f,\"error\":\"%s\"}\n",
                static_cast<unsigned long long>(r.observations), r.seconds, r.error.c_str());
    return r.error.empty() ? 0 : 2;
  }
  if (push->parsed() || pg->parsed()) {
    alt.order = key_order;
    if (pg->parsed()) {
      if (std::string error = bench::PreparePostgres(alt.target); !error.empty()) {
        std::fprintf(stderr, "kpihub-bench postgres: %s\n", error.c_str());
        return 1;
      }
    }
    const bench::RunSummary summary =
        push->parsed() ? bench::RunPushgatewayLoad(alt) : bench::RunPostgresLoad(alt);
    std::cout << bench::ToJson(summary) << std::endl;
    return summary.error.empty() ? 0 : 2;
  }
  if (pg_kpi->parsed()) {
    const bench::KpiQueryResult r = bench::RunPostgresKpiQuery(conninfo);
    std::printf("{\"rows\":%llu,\"seconds\":%.6f,\"error\":\"%s\"}\n",
                static_cast<unsigned long long>(r.rows), r.seconds, r.error.c_str());
    return r.error.empty() ? 0 : 2;
  }
  return 1;
}
