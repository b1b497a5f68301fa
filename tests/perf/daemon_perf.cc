// daemon_perf: measures the daemon's internals in process, with a real LMDB store in a temp
// dir and real fsync (the store's default):
//   BM_Ingest/<obs per batch>/<batches per group>   frames -> BatchIntake -> ApplyGroup
//   BM_Ceiling/<obs per batch>/<batches per group>  frames -> capnp decode -> one mdb_put per
//                                                   observation, same commit and sync
//   BM_Scrape         every collector kpihubd registers, serialised as /metrics does, on a
//                     copy of KPIHUB_PERF_STATE (default /tmp/perf-demo/state)
//   BM_OpenStore      Store::Open + SetCatalogueFingerprint + close on KPIHUB_PERF_STATE
// `daemon_perf --fill DIR N` writes N new enterprise observations into DIR (no sync) for
// the large-state measurements.
#include <benchmark/benchmark.h>
#include <lmdb.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/sinks/null_sink.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "kpihub/core/live_config.h"
#include "kpihub/core/uscc.h"
#include "kpihub/export/feed_collector.h"
#include "kpihub/export/kpi_collector.h"
#if __has_include("kpihub/export/rendered_collectable.h")
#include "kpihub/export/rendered_collectable.h"
#define KPIHUB_PERF_RENDERED 1
#endif
#include "kpihub/export/rule_collector.h"
#include "kpihub/export/state_collector.h"
#include "kpihub/ingest/batch_intake.h"
#include "kpihub/platform/system_clock.h"
#include "kpihub/store/store.h"
#include "kpihub/wire/codec.h"

namespace kpihub::perf {
namespace {

constexpr int kAdapters = 4;
const char* const kIndicators[] = {"industrial_output", "hitech_sei_output"};
const char* const kParks[] = {"core", "auto_parts", "smart_mfg", "startup_center", "hpu_park",
                              "zgc_base", "tengyun", "inspection"};

std::string AdapterKey(int a) { return std::string(40, static_cast<char>('a' + a)); }

struct Fixture {
  std::shared_ptr<const core::Catalogue> catalogue;
  std::unique_ptr<core::LiveConfig> config;

  Fixture() {
    std::ifstream in(std::string(KPIHUB_SOURCE_DIR) + "/config/catalogue.toml");
    std::stringstream ss;
    ss << in.rdbuf();
    auto loaded = core::Catalogue::FromToml(ss.str(), "catalogue.toml");
    if (!loaded.ok()) throw std::runtime_error(loaded.status().message());
    catalogue = *loaded;
    std::string keys;
    for (int a = 0; a < kAdapters; ++a) {
      keys += "[[adapter]]\nid = \"perf-" + std::to_string(a) +
              "\"\ndepartment = \"scitech\"\npublic_key = \"" + AdapterKey(a) + "\"\n";
    }
    auto registry = core::KeyRegistry::FromToml(keys, "keys.toml", *catalogue);
    if (!registry.ok()) throw std::runtime_error(registry.status().message());
    config = std::make_unique<core::LiveConfig>(catalogue, *registry);
  }
};

Fixture& TheFixture() {
  static Fixture f;
  return f;
}

std::string TempDir() {
  char tmpl[] = "/var/tmp/kpihub-perf-XXXXXX";  // on disk, so that fsync costs what it costs
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
  return tmpl;
}

// Observation number `n` (0, 1, ...) of an endless stream of new figures: a new enterprise
// every 36 figures, a month of 2018-2020, an enterprise indicator and a park.
core::Observation MakeObservation(uint64_t n) {
  core::Observation o;
  const uint64_t entity = n / 36;
  const int month = static_cast<int>(n % 36);
  o.indicator = kIndicators[entity % 2];
  o.park = kParks[entity % 8];
  o.entity = core::SyntheticUscc(static_cast<uint32_t>(entity));
  char period[16];
  std::snprintf(period, sizeof period, "%d-%02d", 2018 + month / 12, month % 12 + 1);
  o.period = period;
  o.value = static_cast<double>((n * 7919) % 1000000) / 100.0;
  return o;
}

using FrameGroup = std::vector<std::pair<int, std::string>>;  // (adapter, frame)

// Frames for `groups` groups of `per_group` batches of `per_batch` observations, adapters
// taking turns, sequences contiguous per adapter from `first_seq`.
struct Frames {
  std::vector<FrameGroup> groups;
};

Frames MakeFrames(int groups, int per_group, int per_batch, uint64_t* next_obs,
                  std::vector<uint64_t>* next_seq) {
  Frames f;
  for (int g = 0; g < groups; ++g) {
    FrameGroup group;
    for (int b = 0; b < per_group; ++b) {
      const int a = b % kAdapters;
      std::vector<core::Observation> obs;
      for (int i = 0; i < per_batch; ++i) obs.push_back(MakeObservation((*next_obs)++));
      group.emplace_back(a, wire::EncodeBatch((*next_seq)[a]++, 0, obs));
    }
    f.groups.push_back(std::move(group));
  }
  return f;
}

// Endless frame groups for a benchmark loop, made 64 groups at a time with the timer paused;
// observations numbered and sequences contiguous across the refills.
class FrameSupply {
 public:
  FrameSupply(int per_group, int per_batch) : per_group_(per_group), per_batch_(per_batch) {}

  const FrameGroup& Next(benchmark::State& state) {
    if (next_group_ == frames_.groups.size()) {
      state.PauseTiming();
      frames_ = MakeFrames(kChunk, per_group_, per_batch_, &next_obs_, &next_seq_);
      next_group_ = 0;
      state.ResumeTiming();
    }
    return frames_.groups[next_group_++];
  }
  uint64_t observations_made() const { return next_obs_; }

 private:
  static constexpr int kChunk = 64;
  const int per_group_, per_batch_;
  uint64_t next_obs_ = 0;
  std::vector<uint64_t> next_seq_ = std::vector<uint64_t>(kAdapters, 1);
  Frames frames_;
  size_t next_group_ = 0;
};

// The throughput counters both pipelines report.
void SetRates(benchmark::State& state, uint64_t observations, int per_group) {
  state.counters["obs_per_s"] =
      benchmark::Counter(static_cast<double>(observations), benchmark::Counter::kIsRate);
  state.counters["batches_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * per_group, benchmark::Counter::kIsRate);
}

void BM_Ingest(benchmark::State& state) {
  const int per_batch = static_cast<int>(state.range(0));
  const int per_group = static_cast<int>(state.range(1));
  Fixture& fx = TheFixture();
  const std::string dir = TempDir();
  std::unique_ptr<store::Store> st;
  store::StoreOptions options;
  options.path = dir;
  options.initial_map_bytes = 1ull << 30;
  if (!store::Store::Open(options, &st).ok()) throw std::runtime_error("open");
  ingest::BatchIntake intake(wire::DecodeLimits{});
  platform::SystemClock clock;
  std::vector<ingest::Sender> senders;
  for (int a = 0; a < kAdapters; ++a) {
    senders.push_back({"perf-" + std::to_string(a), "scitech", AdapterKey(a)});
  }
  FrameSupply supply(per_group, per_batch);
  uint64_t observations = 0;
  for (auto _ : state) {
    const FrameGroup& group = supply.Next(state);
    const auto view = fx.config->Get();
    const int64_t now = clock.NowUnixMillis();
    std::vector<store::BatchToApply> batches;
    std::vector<ingest::IntakeResult> keep;
    for (const auto& [a, frame] : group) {
      ingest::IntakeResult r = intake.Process(senders[a], frame.data(), frame.size(), view, now);
      if (r.immediate_ack) throw std::runtime_error("refused frame");
      observations += r.batch.accepted.size();
      batches.push_back(std::move(r.batch));
    }
    std::vector<store::ApplyResult> results;
    kpihub::Status s = st->ApplyGroup(batches, &results);
    if (!s.ok()) throw std::runtime_error(s.ToString());
    // Acks as the server builds them, so that their cost is counted too.
    for (const auto& r : results) benchmark::DoNotOptimize(r.next_expected);
  }
  SetRates(state, observations, per_group);
  state.counters["stored"] = static_cast<double>(supply.observations_made());
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  state.counters["maxrss_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
  st.reset();
  std::filesystem::remove_all(dir);
}

// The ceiling: the same frames decoded and put into one LMDB table, one put per observation
// (key = the figure key, value = the value), one synced commit per group.
void BM_Ceiling(benchmark::State& state) {
  const int per_batch = static_cast<int>(state.range(0));
  const int per_group = static_cast<int>(state.range(1));
  const std::string dir = TempDir();
  MDB_env* env = nullptr;
  mdb_env_create(&env);
  mdb_env_set_mapsize(env, 1ull << 30);
  if (mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0600) != 0) throw std::runtime_error("open");
  MDB_dbi dbi;
  {
    MDB_txn* txn;
    mdb_txn_begin(env, nullptr, 0, &txn);
    mdb_dbi_open(txn, nullptr, 0, &dbi);
    mdb_txn_commit(txn);
  }
  FrameSupply supply(per_group, per_batch);
  uint64_t observations = 0;
  std::string key;
  for (auto _ : state) {
    const FrameGroup& group = supply.Next(state);
    MDB_txn* txn;
    mdb_txn_begin(env, nullptr, 0, &txn);
    for (const auto& [a, frame] : group) {
      auto decoded = wire::DecodeBatch(frame.data(), frame.size(), wire::DecodeLimits{});
      for (const core::Observation& o : decoded.batch->observations) {
        key.assign(o.indicator).push_back('\0');
        key.append(o.park).push_back('\0');
        key.append(o.period).push_back('\0');
        key.append(o.entity);
        MDB_val k{key.size(), key.data()};
        MDB_val v{sizeof o.value, const_cast<double*>(&o.value)};
        if (mdb_put(txn, dbi, &k, &v, 0) != 0) throw std::runtime_error("put");
        ++observations;
      }
    }
    if (mdb_txn_commit(txn) != 0) throw std::runtime_error("commit");
  }
  SetRates(state, observations, per_group);
  mdb_env_close(env);
  std::filesystem::remove_all(dir);
}

std::string PerfState() {
  const char* s = std::getenv("KPIHUB_PERF_STATE");
  return s != nullptr ? s : "/tmp/perf-demo/state";
}

// A private copy of the state, so that the store under measurement is not shared.
std::string CopyOfState() {
  const std::string dir = TempDir();
  std::filesystem::copy(PerfState(), dir,
                        std::filesystem::copy_options::recursive |
                            std::filesystem::copy_options::overwrite_existing);
  return dir;
}

void BM_Scrape(benchmark::State& state) {
  Fixture& fx = TheFixture();
  const std::string dir = CopyOfState();
  std::unique_ptr<store::Store> st;
  store::StoreOptions options;
  options.path = dir;
  if (!store::Store::Open(options, &st).ok()) throw std::runtime_error("open");
  auto log = std::make_shared<spdlog::logger>("perf", std::make_shared<spdlog::sinks::null_sink_mt>());
  platform::SystemClock clock;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables = {
      std::make_shared<exporter::KpiCollector>(*st, *fx.config, core::RollupOptions{}, log),
      std::make_shared<exporter::StateCollector>(*st, exporter::BuildInfo{"perf", "perf"}, 1ull << 36, 1.0),
      std::make_shared<exporter::FeedCollector>(*st, *fx.config, clock, log),
      std::make_shared<exporter::RuleCollector>(*st, *fx.config, core::RollupOptions{}, log)};
  const int only = static_cast<int>(state.range(0));  // -1: all
  size_t bytes = 0;
  for (auto _ : state) {
    // As MetricsServer::ServeMetrics builds the body.
    std::string body;
    for (size_t i = 0; i < collectables.size(); ++i) {
      if (only >= 0 && static_cast<int>(i) != only) continue;
#ifdef KPIHUB_PERF_RENDERED
      if (const auto* r = dynamic_cast<const exporter::RenderedCollectable*>(collectables[i].get())) {
        body += *r->CollectText();
        continue;
      }
#endif
      body += prometheus::TextSerializer().Serialize(collectables[i]->Collect());
    }
    bytes = body.size();
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  collectables.clear();
  st.reset();
  std::filesystem::remove_all(dir);
}

void BM_OpenStore(benchmark::State& state) {
  Fixture& fx = TheFixture();
  const std::string dir = CopyOfState();
  for (auto _ : state) {
    std::unique_ptr<store::Store> st;
    store::StoreOptions options;
    options.path = dir;
    options.initial_map_bytes = 64ull << 20;
    if (!store::Store::Open(options, &st).ok()) throw std::runtime_error("open");
    (void)st->SetCatalogueFingerprint(fx.catalogue->fingerprint());
  }
  std::filesystem::remove_all(dir);
}

BENCHMARK(BM_Ingest)->Args({100, 256})->Args({100, 4})->Args({100, 16})->Args({100, 64})->Args({1, 64})
    ->Args({1, 256})->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_Ceiling)->Args({100, 4})->Args({100, 16})->Args({100, 64})->Args({1, 64})
    ->Args({1, 256})->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_Scrape)->Arg(-1)->Arg(0)->Arg(1)->Arg(2)->Arg(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_OpenStore)->Unit(benchmark::kMillisecond);

// Writes `n` new figures (continuing after what the store holds) in groups of 64 batches of
// 100, without fsync, then syncs once.
int Fill(const std::string& dir, uint64_t n) {
  Fixture& fx = TheFixture();
  std::unique_ptr<store::Store> st;
  store::StoreOptions options;
  options.path = dir;
  options.no_sync = true;
  options.initial_map_bytes = 1ull << 30;
  if (kpihub::Status s = store::Store::Open(options, &st); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  uint64_t next_obs = st->Stats().observations;
  std::vector<uint64_t> next_seq(kAdapters, 1);
  {
    std::unique_ptr<store::Snapshot> snap;
    (void)st->OpenSnapshot(&snap);
    (void)snap->ForEachSender([&](const store::SenderState& s) {
      for (int a = 0; a < kAdapters; ++a) {
        if (s.adapter == "perf-" + std::to_string(a)) next_seq[a] = s.last_sequence + 1;
      }
    });
  }
  ingest::BatchIntake intake(wire::DecodeLimits{});
  std::vector<ingest::Sender> senders;
  for (int a = 0; a < kAdapters; ++a) {
    senders.push_back({"perf-" + std::to_string(a), "scitech", AdapterKey(a)});
  }
  const uint64_t end = next_obs + n;
  auto started = std::chrono::steady_clock::now();
  while (next_obs < end) {
    Frames frames = MakeFrames(1, 64, 100, &next_obs, &next_seq);
    std::vector<store::BatchToApply> batches;
    for (const auto& [a, frame] : frames.groups[0]) {
      auto r = intake.Process(senders[a], frame.data(), frame.size(), fx.config->Get(),
                              1700000000000);
      batches.push_back(std::move(r.batch));
    }
    std::vector<store::ApplyResult> results;
    if (kpihub::Status s = st->ApplyGroup(batches, &results); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("filled %s: %llu observations stored, %.0f obs/s unsynced\n", dir.c_str(),
              static_cast<unsigned long long>(next_obs), static_cast<double>(n) / seconds);
  return 0;
}

}  // namespace
}  // namespace kpihub::perf

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--fill") {
    return kpihub::perf::Fill(argv[2], std::strtoull(argv[3], nullptr, 10));
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
