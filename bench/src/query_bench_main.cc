// kpihub-query-bench: how long the exchange takes to answer a large query, end to end over
// its real socket. It seeds ROWS enterprise figures of one indicator through the store
// library (no sync: the pages stay in the page cache), serves them with the daemon's own
// ExchangeServer on loopback (CURVE, ZAP, audit commits, as kpihubd runs it), and reads them
// all with the client library's Consumer at the largest page size. Prints one JSON line;
// exits 1 when a page is refused or the rows are not all there.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "kpihub/app/daemon_config.h"
#include "kpihub/client/consumer.h"
#include "kpihub/core/uscc.h"
#include "kpihub/exchange/exchange_server.h"
#include "kpihub/platform/system_clock.h"
#include "kpihub/wire/curve_keys.h"

namespace {

using namespace kpihub;

// `rows` yearly figures of hightech_certified: rows / 4 enterprises over 2017..2020.
Status SeedCertified(store::Store& store, uint64_t rows) {
  const char* parks[] = {"core", "auto_parts", "smart_mfg", "hpu_park"};
  store::BatchToApply batch{"bench-seed", "scitech", 1, 0, {}, {}};
  for (uint64_t i = 0; i < rows; ++i) {
    const uint32_t enterprise = static_cast<uint32_t>(i / 4);
    core::ValidObservation o;
    o.key = {"hightech_certified", parks[enterprise % 4], std::to_string(2017 + i % 4),
             core::SyntheticUscc(enterprise)};
    o.value = core::Decimal::FromInt(1);
    o.index = static_cast<uint32_t>(batch.accepted.size());
    batch.accepted.push_back(std::move(o));
  }
  std::vector<store::ApplyResult> results;
  return store.ApplyGroup({batch}, &results);
}

// Reads every row; the time in seconds, or a negative number when it failed.
double TimeQuery(const std::string& endpoint, const wire::CurveKeyPair& server,
                 const wire::CurveKeyPair& reader, uint64_t rows, uint32_t* pages) {
  zmq::context_t context(1);
  client::Consumer consumer(context, {endpoint, server.public_z85, reader, 5000, 5000});
  wire::QueryRequest query;
  query.indicators = {"hightech_certified"};
  query.level = core::ShareLevel::kEnterprise;
  query.page_size = wire::QueryLimits{}.max_page_size;
  // A first small query: the CURVE handshake is not what is measured.
  wire::QueryRequest warm = query;
  warm.page_size = 1;
  warm.indicators = {"rd_expenditure"};
  (void)consumer.RequestPage(warm, 30000);
  const auto start = std::chrono::steady_clock::now();
  client::QueryResult result = consumer.Query(query, 60000);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  *pages = result.pages;
  if (!result.answered || result.enterprise.size() != rows) {
    std::fprintf(stderr, "kpihub-query-bench: %s %s, %zu rows\n",
                 std::string(wire::QueryRefusalName(result.reason)).c_str(),
                 result.detail.c_str(), result.enterprise.size());
    return -1;
  }
  return seconds;
}

int Run(uint64_t rows, const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::unique_ptr<store::Store> store;
  store::StoreOptions options{dir, 256ull << 20, 8ull << 30, false, true};
  if (Status s = store::Store::Open(options, &store); !s.ok() || !(s = SeedCertified(*store, rows)).ok()) {
    std::fprintf(stderr, "kpihub-query-bench: %s\n", s.ToString().c_str());
    return 1;
  }
  const wire::CurveKeyPair server = wire::GenerateCurveKeyPair(), reader = wire::GenerateCurveKeyPair();
  auto catalogue = core::Catalogue::FromToml(app::BuiltInCatalogueText(), "catalogue.toml");
  auto registry = core::KeyRegistry::FromToml(
      "[[adapter]]\nid = \"bench-seed\"\ndepartment = \"scitech\"\npublic_key = \"" +
          wire::GenerateCurveKeyPair().public_z85 + "\"\n[[consumer]]\nid = \"finance-read\"\n"
          "department = \"finance\"\npublic_key = \"" + reader.public_z85 + "\"\n",
      "keys.toml", **catalogue);
  core::LiveConfig live(*catalogue, *registry);
  platform::SystemClock clock;
  prometheus::Registry metrics_registry;
  exchange::ExchangeMetrics metrics(metrics_registry);
  exchange::ExchangeOptions exchange_options;
  exchange_options.endpoint = "tcp://127.0.0.1:*";
  exchange_options.server_secret_z85 = server.secret_z85;
  auto log = std::make_shared<spdlog::logger>("bench", std::make_shared<spdlog::sinks::null_sink_mt>());
  exchange::ExchangeServer server_socket(exchange_options, live, *store, clock, metrics, log);
  server_socket.Start();
  std::atomic<bool> stop{false};
  std::thread serving([&] { server_socket.Run(stop); });
  uint32_t pages = 0;
  const double seconds = TimeQuery(server_socket.bound_endpoint(), server, reader, rows, &pages);
  stop = true;
  serving.join();
  std::printf("{\"bench\": \"exchange_query\", \"rows\": %llu, \"pages\": %u, \"seconds\": %.3f, "
              "\"under_1s\": %s}\n", static_cast<unsigned long long>(rows), pages, seconds,
              seconds >= 0 && seconds < 1.0 ? "true" : "false");
  return seconds < 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kpihub-query-bench: time one large query on the exchange socket"};
  uint64_t rows = 100000;
  std::string dir = "/tmp/kpihub-query-bench";
  app.add_option("--rows", rows, "enterprise rows the query returns (default 100000)");
  app.add_option("--dir", dir, "store directory (removed and rewritten)");
  CLI11_PARSE(app, argc, argv);
  return Run(rows, dir);
}
