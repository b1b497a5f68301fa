// The small-cell threshold in kpihubd.toml: the default when the key is absent, the floor
// itself accepted, one below it refused.
#include <gtest/gtest.h>

#include "kpihub/app/daemon_config.h"
#include "kpihub/core/rollup.h"

namespace kpihub::app {
namespace {

TEST(SmallCellConfigTest, AbsentKeyGivesTheDefaultOfThree) {
  auto c = ParseDaemonConfig("state_dir = \"/var/lib/kpihub\"\n", "f.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->min_cell_entities, 3u);
  // The daemon and the CLI pass it on; the rollup's own default is the same.
  EXPECT_EQ(c->min_cell_entities, core::RollupOptions{}.min_cell_entities);
}

TEST(SmallCellConfigTest, TheFloorIsAcceptedOneBelowAndZeroAreRefused) {
  auto floor = ParseDaemonConfig("min_cell_entities = 3\n", "f.toml");
  ASSERT_TRUE(floor.ok()) << floor.status().message();
  EXPECT_EQ(floor->min_cell_entities, 3u);
  for (const char* text : {"min_cell_entities = 2\n", "min_cell_entities = 0\n"}) {
    auto below = ParseDaemonConfig(text, "f.toml");
    ASSERT_FALSE(below.ok()) << text;
    EXPECT_NE(below.status().message().find("min_cell_entities must be at least 3"),
              std::string::npos)
        << below.status().message();
  }
  auto negative = ParseDaemonConfig("min_cell_entities = -3\n", "f.toml");
  EXPECT_FALSE(negative.ok());
}

}  // namespace
}  // namespace kpihub::app
