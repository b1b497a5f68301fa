// Property: cells depend only on the final figures, never on arrival order, batching,
// resends or intermediate revisions. Each run folds the same final figures through a
// different random history; all runs must store bit-identical cells, equal to a fold done
// here in memory, and Verify must agree.
#include <algorithm>
#include <map>
#include <random>
#include <tuple>

#include <gtest/gtest.h>

#include "test_util.h"

namespace kpihub::store {
namespace {

using core::FigureKey;

struct Figure {
  FigureKey key;
  __int128 final_micros = 0;
  std::vector<__int128> revisions;  // sent before the final value
};

__int128 RandomMicros(std::mt19937_64& rng) {
  // Up to ±10^12 units with six decimals, and now and then a huge one beyond int64.
  std::uniform_int_distribution<int64_t> dist(-1'000'000'000'000'000'000, 1'000'000'000'000'000'000);
  __int128 v = dist(rng);
  if (rng() % 50 == 0) v *= 1'000'000'000;
  return v;
}

std::vector<Figure> MakeFigures(uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  const std::vector<std::string> indicators = {"revenue", "tax_paid", "rd_spend", "jobs"};
  const std::vector<std::string> parks = {"p1", "p2", "p3"};
  const std::vector<std::string> periods = {"2020", "2021Q3", "2020-09"};
  std::map<FigureKey, Figure> figures;
  while (static_cast<int>(figures.size()) < count) {
    FigureKey key{indicators[rng() % indicators.size()], parks[rng() % parks.size()],
                  periods[rng() % periods.size()],
                  rng() % 5 == 0 ? "" : "E" + std::to_string(rng() % 12)};
    Figure& f = figures[key];
    f.key = key;
    f.final_micros = RandomMicros(rng);
  }
  std::vector<Figure> out;
  for (auto& [key, f] : figures) out.push_back(f);
  return out;
}

// One event per value sent: revisions then the final value, interleaved across figures at
// random but in order within a figure.
std::vector<core::ValidObservation> RandomHistory(const std::vector<Figure>& figures,
                                                  std::mt19937_64& rng) {
  std::vector<std::vector<__int128>> pending;
  for (const Figure& f : figures) {
    std::vector<__int128> values;
    for (int r = static_cast<int>(rng() % 4); r > 0; --r) values.push_back(RandomMicros(rng));
    values.push_back(f.final_micros);
    pending.push_back(values);
  }
  std::vector<size_t> next(figures.size(), 0);
  std::vector<size_t> open(figures.size());
  for (size_t i = 0; i < open.size(); ++i) open[i] = i;
  std::vector<core::ValidObservation> events;
  while (!open.empty()) {
    const size_t pick = rng() % open.size();
    const size_t f = open[pick];
    events.push_back(testing_util::ObsMicros(figures[f].key, pending[f][next[f]++]));
    if (next[f] == pending[f].size()) {
      open[pick] = open.back();
      open.pop_back();
    }
  }
  return events;
}

// Splits the events into batches of three adapters, groups of a few batches, and resends
// some batches (duplicates must not count twice).
void ApplyInRandomGroups(Store& store, const std::vector<core::ValidObservation>& events,
                         std::mt19937_64& rng) {
  const std::vector<std::string> adapters = {"tax", "fin", "sci"};
  std::map<std::string, uint64_t> sequence;
  std::vector<BatchToApply> group;
  std::vector<BatchToApply> sent;
  size_t i = 0;
  while (i < events.size()) {
    const std::string& adapter = adapters[rng() % adapters.size()];
    const size_t n = std::min<size_t>(1 + rng() % 20, events.size() - i);
    std::vector<core::ValidObservation> obs(events.begin() + i, events.begin() + i + n);
    i += n;
    group.push_back(testing_util::Batch(adapter, ++sequence[adapter], obs));
    sent.push_back(group.back());
    if (!sent.empty() && rng() % 4 == 0) {
      BatchToApply resend = sent[rng() % sent.size()];
      resend.accepted.push_back(testing_util::ObsMicros({"noise", "p1", "2020", ""}, 12345));
      group.push_back(resend);  // a duplicate: its (different) content must be ignored
    }
    if (group.size() >= 1 + rng() % 4 || i == events.size()) {
      std::vector<ApplyResult> results;
      ASSERT_TRUE(store.ApplyGroup(group, &results).ok());
      group.clear();
    }
  }
}

using CellRow = std::tuple<std::string, std::string, std::string, __int128, uint32_t>;

std::vector<CellRow> CellRows(Store& store) {
  std::vector<CellRow> rows;
  for (const core::Cell& c : testing_util::Cells(store)) {
    rows.emplace_back(c.indicator, c.park, c.period.ToString(), c.sum.micros(), c.entities);
  }
  return rows;
}

std::vector<CellRow> ExpectedRows(const std::vector<Figure>& figures) {
  std::map<std::tuple<std::string, std::string, std::string>, std::pair<__int128, uint32_t>> fold;
  for (const Figure& f : figures) {
    auto& cell = fold[{f.key.indicator, f.key.park, f.key.period}];
    cell.first += f.final_micros;
    if (!f.key.entity.empty()) ++cell.second;
  }
  std::vector<CellRow> rows;
  for (const auto& [k, v] : fold) {
    rows.emplace_back(std::get<0>(k), std::get<1>(k), std::get<2>(k), v.first, v.second);
  }
  return rows;
}

TEST(OrderPropertyTest, CellsIndependentOfArrivalOrderAndRevisions) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const std::vector<Figure> figures = MakeFigures(seed, 300);
    const std::vector<CellRow> expected = ExpectedRows(figures);
    for (uint64_t run = 0; run < 3; ++run) {
      SCOPED_TRACE("run " + std::to_string(run));
      testing_util::TempDir dir;
      auto store = testing_util::OpenStore(testing_util::Options(dir.path()));
      std::mt19937_64 rng(seed * 1000 + run);
      ApplyInRandomGroups(*store, RandomHistory(figures, rng), rng);
      const std::vector<CellRow> rows = CellRows(*store);
      // Compared as exact int128 micros: bit-identical, not approximately equal.
      EXPECT_TRUE(rows == expected);
      std::vector<std::string> differences;
      ASSERT_TRUE(store->Verify(&differences).ok());
      EXPECT_TRUE(differences.empty()) << differences.front();
      EXPECT_EQ(testing_util::Observations(*store).size(), figures.size());
    }
  }
}

}  // namespace
}  // namespace kpihub::store
