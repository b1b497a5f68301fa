// HistoryFold: the cells as they stood at a moment, from the value history alone.
#include <gtest/gtest.h>

#include "kpihub/store/history_fold.h"
#include "test_util.h"

namespace kpihub::store {
namespace {

using testing_util::Apply;
using testing_util::Batch;
using testing_util::Obs;

HistoryEntry Change(std::string park, std::string entity, int64_t units, int64_t unix_ms) {
  HistoryEntry h;
  h.key = {"rev", std::move(park), "2020", std::move(entity)};
  h.new_value = core::Decimal::FromInt(units);
  h.unix_ms = unix_ms;
  return h;
}

TEST(HistoryFoldTest, TakesTheLatestChangeAtOrBeforeTheMoment) {
  HistoryFold fold(2000);
  fold.Add(Change("p1", "E1", 10, 1000));
  fold.Add(Change("p1", "E2", 5, 1500));
  fold.Add(Change("p1", "E1", 12, 2000));  // at the moment: counts
  fold.Add(Change("p1", "E1", 99, 2001));  // after: ignored
  fold.Add(Change("p2", "", 7, 3000));     // after: the cell did not exist yet
  auto cells = fold.Cells();
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].park, "p1");
  EXPECT_EQ(cells[0].sum, core::Decimal::FromInt(17));
  EXPECT_EQ(cells[0].entities, 2u);
  EXPECT_EQ(fold.changes_used(), 3u);
  EXPECT_EQ(fold.latest_change_unix_ms(), 2000);
}

TEST(HistoryFoldTest, ParkLevelFiguresAreNotCountedAsEnterprises) {
  HistoryFold fold(10);
  fold.Add(Change("p2", "", 7, 1));
  auto cells = fold.Cells();
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].entities, 0u);
  EXPECT_EQ(cells[0].period, *core::Period::Parse("2020"));
}

// Folding the whole history at "now" must give exactly the stored cells, and a moment
// between two commits the cells as they were after the first.
TEST(HistoryFoldTest, MatchesTheStoredCellsNowAndBefore) {
  testing_util::TempDir dir;
  auto store = testing_util::OpenStore(testing_util::Options(dir.path()));
  Apply(*store, {Batch("a", 1, {Obs("rev", "p1", "2020", "E1", 10), Obs("rev", "p1", "2020", "E2", 5),
                                Obs("rev", "p1", "2020-03", "", 4)}, "tax", 1000)});
  auto before = testing_util::Cells(*store);
  Apply(*store, {Batch("a", 2, {Obs("rev", "p1", "2020", "E1", 20), Obs("rev", "p3", "2021", "E9", 1)},
                       "tax", 2000)});
  auto now = testing_util::Cells(*store);
  std::unique_ptr<Snapshot> snapshot;
  ASSERT_TRUE(store->OpenSnapshot(&snapshot).ok());
  for (auto [moment, expected] : {std::pair{int64_t{1999}, &before}, {int64_t{5000}, &now}}) {
    std::vector<core::Cell> cells;
    ASSERT_TRUE(CellsAsOf(*snapshot, moment, &cells).ok());
    ASSERT_EQ(cells.size(), expected->size()) << moment;
    for (size_t i = 0; i < cells.size(); ++i) {
      EXPECT_EQ(cells[i].indicator, (*expected)[i].indicator);
      EXPECT_EQ(cells[i].park, (*expected)[i].park);
      EXPECT_EQ(cells[i].period, (*expected)[i].period);
      EXPECT_EQ(cells[i].sum, (*expected)[i].sum) << moment;
      EXPECT_EQ(cells[i].entities, (*expected)[i].entities);
    }
  }
  std::vector<core::Cell> none;
  ASSERT_TRUE(CellsAsOf(*snapshot, 999, &none).ok());
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace kpihub::store
