// Outbox replica cursors: stored with the removal of what every replica holding batches acked,
// durable across reopen, and an emptied (refused) batch keeps its number and time.
#include <gtest/gtest.h>

#include "kpihub/delivery/outbox.h"
#include "kpihub/testing/temp_dir.h"

namespace kpihub::delivery {
namespace {

std::vector<OutboxEntry> One(const std::string& tag) {
  return {{{"gdp", "core", "", "2020Q1", 1.0, "", ""}, tag, std::nullopt}};
}

TEST(ReplicaCursorTest, CursorsAndRemovalsSurviveReopenTogether) {
  kpihub::testing::TempDir dir;
  {
    auto box = Outbox::Open(dir.path());
    ASSERT_TRUE(box.ok());
    ASSERT_TRUE((*box)->Append({One("1"), One("2"), One("3"), One("4")}, 1000, nullptr).ok());
    std::map<std::string, ReplicaCursor> cursors = {{"a", {4, 0, false}}, {"b", {2, 1500, false}}};
    ASSERT_TRUE((*box)->Advance(cursors, 2).ok());
    ASSERT_TRUE((*box)->Empty(3).ok());
  }
  auto box = Outbox::Open(dir.path());
  ASSERT_TRUE(box.ok());
  EXPECT_EQ(*(*box)->Pending(), (std::vector<uint64_t>{3, 4}));
  auto cursors = (*box)->Cursors();
  ASSERT_TRUE(cursors.ok()) << cursors.status().ToString();
  ASSERT_EQ(cursors->size(), 2u);
  EXPECT_EQ(cursors->at("a").acked, 4u);
  EXPECT_EQ(cursors->at("b").acked, 2u);
  EXPECT_EQ(cursors->at("b").behind_since_unix_ms, 1500);
  EXPECT_FALSE(cursors->at("b").released);
  auto emptied = (*box)->Load(3);
  ASSERT_TRUE(emptied.ok());
  EXPECT_TRUE(emptied->entries.empty());
  EXPECT_EQ(emptied->created_unix_ms, 1000);
  EXPECT_EQ((*box)->Load(4)->entries.size(), 1u);

  // B released: nothing waits for it; A's cursor alone decides.
  (*cursors)["b"].released = true;
  ASSERT_TRUE((*box)->Advance(*cursors, 4).ok());
  EXPECT_TRUE((*box)->Pending()->empty());
  EXPECT_TRUE((*box)->Cursors()->at("b").released);
}

}  // namespace
}  // namespace kpihub::delivery
