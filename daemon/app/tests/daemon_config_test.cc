#include "kpihub/app/daemon_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

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
  EXPECT_EQ(loaded->max_connections_per_key, defaults.max_connections_per_key);
  EXPECT_EQ(loaded->ingest_queue_mib_per_key, defaults.ingest_queue_mib_per_key);
  EXPECT_EQ(loaded->ingest_queue_mib_total, defaults.ingest_queue_mib_total);
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

// TOML integers are 64-bit; a value beyond the setting's own type must be refused by name
// and range, not wrapped (4294967296 would become 0 observations, 4294967299 a threshold of 3).
TEST(DaemonConfigTest, OutOfRangeNumbersAreRefusedWithTheKeyAndItsRange) {
  auto Error = [](const char* text) {
    auto c = ParseDaemonConfig(text, "e.toml");
    EXPECT_FALSE(c.ok()) << text;
    return c.ok() ? std::string() : c.status().message();
  };
  std::string error = Error("max_observations = 4294967296\n");
  EXPECT_NE(error.find("'max_observations' = 4294967296 is out of range (0 to 4294967295)"),
            std::string::npos) << error;
  EXPECT_EQ(error.rfind("e.toml:1:", 0), 0u) << error;
  error = Error("min_cell_entities = 4294967299\n");
  EXPECT_NE(error.find("min_cell_entities"), std::string::npos) << error;
  error = Error("max_group_batches = -1\n");
  EXPECT_NE(error.find("out of range"), std::string::npos) << error;
  error = Error("max_connections_per_key = 0\n");
  EXPECT_NE(error.find("max_connections_per_key"), std::string::npos) << error;
  error = Error("ingest_queue_mib_per_key = 0\n");
  EXPECT_NE(error.find("'ingest_queue_mib_per_key' = 0 is out of range (1 to 1048576)"),
            std::string::npos) << error;
  error = Error("ingest_queue_mib_total = 1048577\n");
  EXPECT_NE(error.find("'ingest_queue_mib_total' = 1048577 is out of range"), std::string::npos)
      << error;
  error = Error("max_frame_bytes = 9223372036854775807\n");
  EXPECT_NE(error.find("'max_frame_bytes' = 9223372036854775807 is out of range (64 to 1073741824)"),
            std::string::npos) << error;
  auto c = ParseDaemonConfig("max_observations = 100000000\nmax_frame_bytes = 1073741824\n",
                             "e.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->max_observations, 100000000u);
}

// A FIFO (or any non-regular file) named as a configuration file is refused at once: reading
// it would block the reload, and with it the daemon's SIGTERM.
TEST(DaemonConfigTest, OnlyRegularFilesAreRead) {
  char dir[] = "/tmp/kpihub-config-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string fifo = std::string(dir) + "/keys.toml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto config = LoadDaemonConfig(fifo);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("not a regular file"), std::string::npos)
      << config.status().message();
  EXPECT_FALSE(LoadDaemonConfig(dir).ok());
  EXPECT_FALSE(LoadDaemonConfig("/dev/zero").ok());
  EXPECT_FALSE(LoadCatalogue(fifo).ok());
  auto catalogue = LoadCatalogue("");
  ASSERT_TRUE(catalogue.ok());
  auto registry = LoadKeyRegistry(fifo, **catalogue);
  ASSERT_FALSE(registry.ok());
  EXPECT_NE(registry.status().message().find("not a regular file"), std::string::npos)
      << registry.status().message();
  unlink(fifo.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace kpihub::app
