// The checker itself: Compare must flag a lost batch, a batch applied twice and a stale
// replay, or the suites could pass on a broken daemon.
#include <gtest/gtest.h>

#include "feed_model.h"

namespace kpihub::reliability {
namespace {

StoreState FoldedState(const FeedSpec& feed, uint64_t last) {
  StoreState state;
  state.opened = true;
  Fold(feed, last, 10, &state.figures);
  state.last_sequence[feed.adapter] = last;
  state.batches[feed.adapter] = last;
  state.journal_entries = last;
  return state;
}

TEST(FeedModelTest, CompareFindsLostDoubledAndStaleBatches) {
  const FeedSpec& feed = FourFeeds()[0];
  const std::vector<FeedSpec> feeds = {feed};
  std::map<std::string, std::set<uint64_t>> acked = {{feed.adapter, {1, 2, 3, 4, 5}}};
  Figures clean = Compare(feeds, 10, acked, FoldedState(feed, 5));
  EXPECT_EQ(clean.lost + clean.duplicated + clean.mismatched, 0u);
  EXPECT_EQ(clean.acked, 5u);
  EXPECT_EQ(clean.applied, 5u);

  acked[feed.adapter].insert(6);  // acked, but the state stops at 5
  EXPECT_EQ(Compare(feeds, 10, acked, FoldedState(feed, 5)).lost, 1u);
  acked[feed.adapter].erase(6);

  StoreState doubled = FoldedState(feed, 5);
  doubled.journal_entries = 6;
  doubled.batches[feed.adapter] = 6;
  EXPECT_EQ(Compare(feeds, 10, acked, doubled).duplicated, 2u);

  // Batch 2 replayed after 5: the figures it wrote and 3..5 did not revise go back.
  StoreState stale = FoldedState(feed, 5);
  FigureMap replay;
  Fold(feed, 2, 10, &replay);
  size_t changed = 0;
  for (const auto& [key, figure] : replay) {
    if (figure.sequence == 2 && !(stale.figures[key] == figure)) {
      stale.figures[key] = figure;
      changed++;
    }
  }
  ASSERT_GT(changed, 0u);
  EXPECT_EQ(Compare(feeds, 10, acked, stale).mismatched, changed);
}

TEST(FeedModelTest, BatchFiguresAreDistinctAndValuesEncodeTheirBatch) {
  for (const FeedSpec& feed : FourFeeds()) {
    auto batch = BatchContent(feed, 42, 60);
    std::set<std::tuple<std::string, std::string, std::string>> keys;
    for (const auto& o : batch) keys.insert({o.park, o.period, o.entity});
    EXPECT_EQ(keys.size(), 60u) << feed.adapter;
    EXPECT_EQ(batch[3].value, 42003.25);
  }
  EXPECT_EQ(MicrosText(ParseMicros("-12.25")), "-12.250000");
}

}  // namespace
}  // namespace kpihub::reliability
