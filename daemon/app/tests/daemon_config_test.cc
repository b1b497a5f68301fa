#include "kpihub/app/daemon_config.h"

#include <gtest/gtest.h>

namespace kpihub::app {
namespace {

TEST(DaemonConfigTest, ShippedExampleStatesTheBuiltInDefaults) {
  auto loaded = LoadDaemonConfig(std::string(KPIHUB_SOURCE_DIR) + "/config/kpihubd.toml");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  DaemonConfig defaults;
  EXPECT_EQ(loaded->state_dir, defaults.state_dir);
  EXPECT_EQ(loaded->catalogue, defaults.catalogue);
  EXPECT_EQ(loaded->key_registry, defaults.key_registry);
  EXPECT_EQ(loaded->server_key, defaults.server_key);
  EXPECT_EQ(loaded->listen, defaults.listen);
  EXPECT_EQ(loaded->metrics_listen, defaults.metrics_listen);
  EXPECT_EQ(loaded->min_cell_entities, defaults.min_cell_entities);
  EXPECT_EQ(loaded->max_frame_bytes, defaults.max_frame_bytes);
  EXPECT_EQ(loaded->max_observations, defaults.max_observations);
  EXPECT_EQ(loaded->max_group_batches, defaults.max_group_batches);
  EXPECT_EQ(loaded->initial_map_mib, defaults.initial_map_mib);
  EXPECT_EQ(loaded->max_map_mib, defaults.max_map_mib);
}

TEST(DaemonConfigTest, RelativePathsFollowTheConfigFile) {
  auto c = ParseDaemonConfig("state_dir = \"state\"\nkey_registry = \"../keys.toml\"\n",
                             "/etc/kpihub/kpihubd.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->state_dir, "/etc/kpihub/state");
  EXPECT_EQ(c->key_registry, "/etc/keys.toml");
}

TEST(DaemonConfigTest, UnknownKeyAndWrongTypeNameTheirPlace) {
  auto a = ParseDaemonConfig("listen = \"x\"\nlisten_port = 3\n", "a.toml");
  EXPECT_FALSE(a.ok());
  std::string error = a.status().message();
  EXPECT_EQ(error.rfind("a.toml:2:", 0), 0u) << error;
  EXPECT_NE(error.find("listen_port"), std::string::npos);
  auto b = ParseDaemonConfig("min_cell_entities = \"three\"\n", "b.toml");
  EXPECT_FALSE(b.ok());
  error = b.status().message();
  EXPECT_EQ(error.rfind("b.toml:1:", 0), 0u) << error;
  EXPECT_FALSE(ParseDaemonConfig("initial_map_mib = 100\nmax_map_mib = 10\n", "c.toml").ok());
}

TEST(DaemonConfigTest, BuiltInCatalogueIsTheShippedFileAndLoads) {
  auto result = LoadCatalogue("");
  ASSERT_TRUE(result.ok()) << result.status().message();
  auto shipped = LoadCatalogue(std::string(KPIHUB_SOURCE_DIR) + "/config/catalogue.toml");
  ASSERT_TRUE(shipped.ok()) << shipped.status().message();
  EXPECT_EQ((*result)->fingerprint(), (*shipped)->fingerprint());
  EXPECT_EQ((*result)->kpis().size(), 12u);
}

TEST(DaemonConfigTest, SmallCellThresholdCannotBeSwitchedOff) {
  auto one = ParseDaemonConfig("min_cell_entities = 1\n", "d.toml");
  EXPECT_FALSE(one.ok());
  EXPECT_NE(one.status().message().find("min_cell_entities"), std::string::npos);
  auto five = ParseDaemonConfig("min_cell_entities = 5\n", "d.toml");
  EXPECT_TRUE(five.ok()) << five.status().message();
}

}  // namespace
}  // namespace kpihub::app
