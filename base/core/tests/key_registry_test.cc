#include "kpihub/core/key_registry.h"

#include <gtest/gtest.h>

namespace kpihub::core {
namespace {

// The public example keys of the ZeroMQ CURVE documentation (never used in production).
constexpr std::string_view kKeyA = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
constexpr std::string_view kKeyB = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";

std::shared_ptr<const Catalogue> TwoDepartments() {
  auto r = Catalogue::FromToml(R"(
[[department]]
code = "tax"
name_zh = "税务"
name_en = "Taxation"
[[department]]
code = "finance"
name_zh = "财政"
name_en = "Finance"
[[park]]
code = "core"
name_zh = "核心区"
name_en = "Core"
[[indicator]]
code = "gdp"
department = "finance"
name_zh = "地区生产总值"
name_en = "GDP"
unit = "yuan"
decimals = 2
min = 0
max = 1000
period = "year"
aggregation = "sum"
enterprise_level = false
)",
                               "cat.toml");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : nullptr;
}

std::string Adapter(std::string_view id, std::string_view dept, std::string_view key) {
  return "[[adapter]]\nid = \"" + std::string(id) + "\"\ndepartment = \"" + std::string(dept) +
         "\"\npublic_key = \"" + std::string(key) + "\"\n";
}

std::string LoadError(const std::string& text) {
  auto r = KeyRegistry::FromToml(text, "keys.toml", *TwoDepartments());
  EXPECT_FALSE(r.ok());
  return r.status().message();
}

TEST(KeyRegistryTest, LoadsAndFindsAdapters) {
  auto r = KeyRegistry::FromToml(
      Adapter("tax-1", "tax", kKeyA) + Adapter("finance_main", "finance", kKeyB), "keys.toml",
      *TwoDepartments());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ((*r)->adapters().size(), 2u);
  const AdapterKey* a = (*r)->FindByPublicKey(kKeyA);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->adapter_id, "tax-1");
  EXPECT_EQ(a->department, "tax");
  EXPECT_EQ((*r)->FindById("finance_main")->public_key_z85, kKeyB);
  EXPECT_EQ((*r)->FindById("nobody"), nullptr);
  EXPECT_EQ((*r)->FindByPublicKey(std::string(40, '0')), nullptr);
}

TEST(KeyRegistryTest, RefusesBadEntriesWithPositions) {
  EXPECT_EQ(LoadError(Adapter("Tax", "tax", kKeyA)).substr(0, 15), "keys.toml:2:6: ");
  EXPECT_EQ(LoadError(Adapter("tax-1", "environment", kKeyA)),
            "keys.toml:3:14: adapter 'tax-1': unknown department 'environment'");
  EXPECT_EQ(LoadError(Adapter("tax-1", "tax", kKeyA.substr(1))).substr(0, 16), "keys.toml:4:14: ");
  EXPECT_EQ(LoadError(Adapter("tax-1", "tax", kKeyA) + Adapter("tax-1", "finance", kKeyB)),
            "keys.toml:6:6: duplicate adapter id 'tax-1'");
  EXPECT_EQ(LoadError(Adapter("tax-1", "tax", kKeyA) + Adapter("tax-2", "tax", kKeyA)),
            "keys.toml:8:14: adapter 'tax-2': public_key already used by 'tax-1'");
  EXPECT_EQ(LoadError(Adapter("tax-1", "tax", kKeyA) + "secret_key = \"x\"\n"),
            "keys.toml:5:1: [[adapter]] has unknown key 'secret_key'");
  EXPECT_EQ(LoadError("[[adapter]]\nid = \"tax-1\"\ndepartment = \"tax\"\n"),
            "keys.toml:1:1: [[adapter]] needs 'public_key'");
  EXPECT_EQ(LoadError("adapters = []\n"), "keys.toml:1:1: unknown top-level key 'adapters'");
  EXPECT_EQ(LoadError("[[adapter]\n").substr(0, 12), "keys.toml:1:");
}

TEST(KeyRegistryTest, EmptyRegistryIsAnError) {
  std::string error = LoadError("# nobody\n");
  EXPECT_NE(error.find("no [[adapter]]"), std::string::npos) << error;
}

TEST(KeyRegistryTest, Z85KeyShape) {
  EXPECT_TRUE(IsZ85Key(kKeyA));
  EXPECT_TRUE(IsZ85Key(kKeyB));
  EXPECT_FALSE(IsZ85Key(kKeyA.substr(0, 39)));
  EXPECT_FALSE(IsZ85Key(std::string(kKeyA) + "0"));
  EXPECT_FALSE(IsZ85Key(""));
  for (char bad : {' ', '"', '\'', ',', ';', '\\', '_', '`', '|', '~', '\0'}) {
    std::string key(kKeyA);
    key[7] = bad;
    EXPECT_FALSE(IsZ85Key(key)) << "char " << static_cast<int>(bad);
  }
}

}  // namespace
}  // namespace kpihub::core

namespace kpihub::core {
namespace {

// "%nSc0" is 2^32 - 1, the largest group; "%nSc1" and "#####" overflow 32 bits. libzmq
// refuses to decode such a key, so a registry entry holding one could never match a client.
TEST(KeyRegistryTest, Z85GroupsThatOverflowAreNotKeys) {
  std::string key(kKeyA);
  key.replace(10, 5, "%nSc0");
  EXPECT_TRUE(IsZ85Key(key));
  key.replace(10, 5, "%nSc1");
  EXPECT_FALSE(IsZ85Key(key));
  key = std::string(kKeyA);
  key.replace(35, 5, "#####");
  EXPECT_FALSE(IsZ85Key(key));
  auto result = KeyRegistry::FromToml("[[adapter]]\nid = \"tax-1\"\ndepartment = \"tax\"\n"
                                      "public_key = \"" + key + "\"\n",
                                      "keys.toml", *TwoDepartments());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("public_key"), std::string::npos)
      << result.status().message();
}

}  // namespace
}  // namespace kpihub::core

namespace kpihub::core {
namespace {

std::string Entry(const char* kind, const char* id, const char* department, std::string_view key) {
  return std::string("[[") + kind + "]]\nid = \"" + id + "\"\ndepartment = \"" + department +
         "\"\npublic_key = \"" + std::string(key) + "\"\n";
}

// A reading key is found only as a consumer, a writing key only as an adapter: the ingest
// socket and the exchange socket each look in their own list.
TEST(KeyRegistryTest, ConsumersReadAndNeverWrite) {
  auto result = KeyRegistry::FromToml(Entry("adapter", "tax-1", "tax", kKeyA) +
                                          Entry("consumer", "tax-read", "tax", kKeyB),
                                      "keys.toml", *TwoDepartments());
  ASSERT_TRUE(result.ok()) << result.status().message();
  const KeyRegistry& registry = **result;
  EXPECT_EQ(registry.FindByPublicKey(kKeyB), nullptr);
  EXPECT_EQ(registry.FindConsumerByPublicKey(kKeyA), nullptr);
  ASSERT_NE(registry.FindConsumerByPublicKey(kKeyB), nullptr);
  EXPECT_EQ(registry.FindConsumerByPublicKey(kKeyB)->adapter_id, "tax-read");
  EXPECT_EQ(registry.FindConsumerByPublicKey(kKeyB)->department, "tax");
  EXPECT_EQ(registry.consumers().size(), 1u);
}

TEST(KeyRegistryTest, AKeyOrAnIdIsNeverBothWritingAndReading) {
  auto same_key = KeyRegistry::FromToml(Entry("adapter", "tax-1", "tax", kKeyA) +
                                            Entry("consumer", "tax-read", "tax", kKeyA),
                                        "keys.toml", *TwoDepartments());
  ASSERT_FALSE(same_key.ok());
  EXPECT_NE(same_key.status().message().find("already registered"), std::string::npos)
      << same_key.status().message();
  auto same_id = KeyRegistry::FromToml(Entry("adapter", "tax-1", "tax", kKeyA) +
                                           Entry("consumer", "tax-1", "tax", kKeyB),
                                       "keys.toml", *TwoDepartments());
  ASSERT_FALSE(same_id.ok());
  EXPECT_NE(same_id.status().message().find("duplicate id"), std::string::npos);
  auto unknown = KeyRegistry::FromToml(Entry("adapter", "tax-1", "tax", kKeyA) +
                                           Entry("consumer", "x-read", "nowhere", kKeyB),
                                       "keys.toml", *TwoDepartments());
  EXPECT_FALSE(unknown.ok());
}

}  // namespace
}  // namespace kpihub::core
