// kpihub_state_digest: two stores that hold the same figures give the same digests, whatever
// the batching, order, revisions, adapters, sequences and times that led there; a figure that
// differs in value, note or presence changes its year's digest and `all`, and no other year's.
#include "kpihub/export/digest_collector.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>
#include <spdlog/sinks/null_sink.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>

#include "kpihub/core/uscc.h"
#include "kpihub/testing/temp_dir.h"

namespace kpihub::exporter {
namespace {

// See DigestOfAKnownFigureIsPinned.
constexpr uint64_t kPinnedDigest = 708716304875791;

using Figures = std::vector<core::ValidObservation>;

core::ValidObservation Figure(const std::string& indicator, const std::string& park,
                              const std::string& period, uint32_t entity, __int128 micros,
                              const std::string& note = "") {
  core::ValidObservation o;
  o.key = {indicator, park, period, entity == 0 ? "" : core::SyntheticUscc(entity)};
  o.value = core::Decimal::FromMicros(micros);
  o.note = note;
  return o;
}

uint64_t Seed() {
  static const uint64_t seed = [] {
    const char* env = std::getenv("KPIHUB_TEST_SEED");
    return env != nullptr ? std::strtoull(env, nullptr, 10) : std::random_device{}();
  }();
  return seed;
}

// Figures of 2020 and 2021 (years, quarters, months; enterprise and park level), with values
// beyond int64 millionths and negative ones.
Figures SampleFigures(std::mt19937_64& rng) {
  Figures out;
  const char* periods[] = {"2020", "2020Q2", "2020-11", "2021", "2021Q1", "2021-07"};
  for (const char* period : periods) {
    for (uint32_t e = 0; e < 12; ++e) {
      __int128 v = static_cast<int64_t>(rng() % 2'000'000'000'000) - 500'000'000'000;
      if (e == 3) v *= 1'000'000'000;  // beyond 64 bits
      out.push_back(Figure(e % 2 ? "industrial_output" : "rd_spend", e % 3 ? "core" : "auto_parts",
                           period, e, v, e == 5 ? "批复文号 2020-7" : ""));
    }
  }
  return out;
}

class StateDigestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::cout << "seed " << Seed() << " (set KPIHUB_TEST_SEED to repeat)\n";
    for (auto* s : {&a_, &b_}) {
      store::StoreOptions options;
      options.path = (s == &a_ ? dir_a_ : dir_b_).path();
      options.no_sync = true;
      ASSERT_TRUE(store::Store::Open(options, s).ok());
    }
  }

  // Applies `batches` to `store` as one group; every batch must be applied.
  static void ApplyGroup(store::Store& store, const std::vector<store::BatchToApply>& batches) {
    std::vector<store::ApplyResult> results;
    ASSERT_TRUE(store.ApplyGroup(batches, &results).ok());
    for (const store::ApplyResult& r : results) {
      ASSERT_EQ(r.outcome, store::BatchOutcome::kApplied);
    }
  }

  static store::BatchToApply Batch(const std::string& adapter, uint64_t sequence, Figures figures,
                                   int64_t unix_ms) {
    store::BatchToApply b;
    b.adapter = adapter;
    b.department = "scitech";
    b.sequence = sequence;
    b.received_unix_ms = unix_ms;
    b.accepted = std::move(figures);
    return b;
  }

  static StateDigests Digests(store::Store& store) {
    std::unique_ptr<store::Snapshot> snapshot;
    EXPECT_TRUE(store.OpenSnapshot(&snapshot).ok());
    StateDigests d;
    EXPECT_TRUE(ComputeStateDigests(*snapshot, &d).ok());
    return d;
  }

  // The next sequence of `adapter` on `store`.
  uint64_t Next(store::Store& store, const std::string& adapter) {
    return ++sequences_[{&store, adapter}];
  }

  // One batch of scitech-1 in a group of its own.
  void Send(store::Store& store, Figures figures, int64_t unix_ms = 5) {
    ApplyGroup(store, {Batch("scitech-1", Next(store, "scitech-1"), std::move(figures), unix_ms)});
  }

  // Replica A: one adapter, one batch per group, in the figures' order.
  void FeedInOrder(store::Store& store, const Figures& figures) {
    for (size_t i = 0; i < figures.size(); i += 7) {
      Send(store, Figures(figures.begin() + i, figures.begin() + std::min(figures.size(), i + 7)),
           1000 + static_cast<int64_t>(i));
    }
  }

  // Replica B: the same final figures through another history — shuffled, two adapters
  // with their own sequences starting elsewhere, several batches per group, other times,
  // and every figure first sent with a wrong value that a later batch revises.
  void FeedShuffledWithRevisions(store::Store& store, Figures figures, std::mt19937_64& rng) {
    std::shuffle(figures.begin(), figures.end(), rng);
    Figures wrong = figures;
    for (auto& o : wrong) o.value = o.value + core::Decimal::FromInt(1);
    const std::string adapters[] = {"scitech-2", "scitech-3"};
    // scitech-2 has sent batches without figures before: its numbering is ahead.
    std::vector<store::BatchToApply> group;
    for (int i = 0; i < 3; ++i) group.push_back(Batch(adapters[0], Next(store, adapters[0]), {}, 0));
    auto send = [&](Figures part, int who) {
      const uint64_t seq = Next(store, adapters[who]);
      group.push_back(Batch(adapters[who], seq, std::move(part), 9'999'000 + static_cast<int64_t>(seq)));
      if (group.size() == 3) {
        ApplyGroup(store, group);
        group.clear();
      }
    };
    for (size_t i = 0; i < figures.size(); i += 5) {
      // Disjoint keys per adapter, so that which adapter arrives first does not matter.
      const int who = static_cast<int>((i / 5) % 2);
      const size_t end = std::min(figures.size(), i + 5);
      send(Figures(wrong.begin() + i, wrong.begin() + end), who);
      send(Figures(figures.begin() + i, figures.begin() + end), who);
    }
    if (!group.empty()) ApplyGroup(store, group);
  }

  kpihub::testing::TempDir dir_a_, dir_b_;
  std::unique_ptr<store::Store> a_, b_;
  std::map<std::pair<store::Store*, std::string>, uint64_t> sequences_;
};

TEST_F(StateDigestTest, SameFiguresThroughDifferentHistoriesGiveEqualDigests) {
  std::mt19937_64 rng(Seed());
  const Figures figures = SampleFigures(rng);
  FeedInOrder(*a_, figures);
  FeedShuffledWithRevisions(*b_, figures, rng);

  const StateDigests da = Digests(*a_), db = Digests(*b_);
  EXPECT_EQ(da.figures, figures.size());
  ASSERT_EQ(da.by_year.size(), 2u);
  EXPECT_EQ(da.by_year.count(2020), 1u);
  EXPECT_EQ(da.by_year.count(2021), 1u);
  EXPECT_NE(da.by_year.at(2020), da.by_year.at(2021));
  EXPECT_EQ(db.by_year, da.by_year);
  EXPECT_EQ(db.all, da.all);
  for (const auto& [year, digest] : da.by_year) EXPECT_LT(digest, uint64_t{1} << 52);
}

TEST_F(StateDigestTest, AFigureThatDiffersChangesItsYearAndAllOnly) {
  std::mt19937_64 rng(Seed());
  const Figures figures = SampleFigures(rng);
  FeedInOrder(*a_, figures);
  FeedInOrder(*b_, figures);
  const StateDigests before = Digests(*b_);
  ASSERT_EQ(before.by_year, Digests(*a_).by_year);

  // One millionth more on one 2021 figure.
  Figures changed = {figures[40]};
  ASSERT_EQ(changed[0].key.period.substr(0, 4), "2021");
  changed[0].value = changed[0].value + core::Decimal::FromMicros(1);
  Send(*b_, changed);
  StateDigests after = Digests(*b_);
  EXPECT_EQ(after.by_year.at(2020), before.by_year.at(2020));
  EXPECT_NE(after.by_year.at(2021), before.by_year.at(2021));
  EXPECT_NE(after.all, before.all);

  // Restored: equal again, although history, journal and sender state now differ.
  Send(*b_, {figures[40]});
  after = Digests(*b_);
  EXPECT_EQ(after.by_year, before.by_year);
  EXPECT_EQ(after.all, before.all);

  // Same value, another note (what the store keeps as the figure's reference).
  Figures noted = {figures[2]};
  noted[0].note = "另一文号";
  Send(*b_, noted);
  after = Digests(*b_);
  EXPECT_NE(after.by_year.at(2020), before.by_year.at(2020));
  EXPECT_EQ(after.by_year.at(2021), before.by_year.at(2021));
}

TEST_F(StateDigestTest, AFigureOnlyOneStoreHoldsShowsInAll) {
  std::mt19937_64 rng(Seed());
  const Figures figures = SampleFigures(rng);
  FeedInOrder(*a_, figures);
  FeedInOrder(*b_, figures);
  // A year the other store has no figure of: no series of that year to compare there, but
  // `all` differs. A figure of an existing key's neighbour: its year differs.
  Send(*b_, {Figure("rd_spend", "core", "2022", 1, 5)});
  StateDigests da = Digests(*a_), db = Digests(*b_);
  EXPECT_EQ(db.by_year.count(2022), 1u);
  EXPECT_EQ(da.by_year.count(2022), 0u);
  EXPECT_EQ(db.by_year.at(2020), da.by_year.at(2020));
  EXPECT_NE(db.all, da.all);
  // A zero figure is still a figure: its absence and its presence differ.
  Send(*a_, {Figure("rd_spend", "core", "2020", 999, 0)});
  da = Digests(*a_);
  EXPECT_NE(db.by_year.at(2020), da.by_year.at(2020));
}

// Pins the algorithm: replicas running different builds must agree. The value was computed
// from the definition (FNV-1a 64 of the serialised figure, splitmix64 finaliser, sum, count,
// low 52 bits) by an independent implementation (Python).
TEST_F(StateDigestTest, DigestOfAKnownFigureIsPinned) {
  Send(*a_, {Figure("rd_spend", "core", "2020-03", 0, 1'500'000)});
  const StateDigests d = Digests(*a_);
  ASSERT_EQ(d.by_year.count(2020), 1u);
  EXPECT_EQ(d.by_year.at(2020), kPinnedDigest);
  EXPECT_EQ(d.all, kPinnedDigest);
}

TEST_F(StateDigestTest, CollectorExportsEveryYearAndAllExactlyAndCachesByVersion) {
  auto log = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  DigestCollector collector(*a_, log);
  EXPECT_EQ(*collector.CollectText(), "");  // no figure, no family
  std::mt19937_64 rng(Seed());
  FeedInOrder(*a_, SampleFigures(rng));
  const StateDigests d = Digests(*a_);
  const std::string text = *collector.CollectText();
  for (const auto& [period, value] :
       {std::pair<std::string, uint64_t>{"2020", d.by_year.at(2020)}, {"2021", d.by_year.at(2021)},
        {"all", d.all}}) {
    const std::string line =
        "kpihub_state_digest{period=\"" + period + "\"} " + std::to_string(value) + "\n";
    EXPECT_NE(text.find(line), std::string::npos) << line << " not in\n" << text;
  }
  EXPECT_EQ(collector.computations(), 2u);
  EXPECT_EQ(*collector.CollectText(), text);
  EXPECT_EQ(collector.computations(), 2u);
  Send(*a_, {Figure("rd_spend", "core", "2020", 7, 1)});
  EXPECT_NE(*collector.CollectText(), text);
  EXPECT_EQ(collector.computations(), 3u);
}

}  // namespace
}  // namespace kpihub::exporter
