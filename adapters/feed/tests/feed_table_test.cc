// CSV (libcsv), JSON (nlohmann) and encodings (iconv), and the mapper's row handling.
#include <gtest/gtest.h>

#include "feed_test_util.h"
#include "kpihub/feed/export_mapper.h"
#include "kpihub/feed/table.h"
#include "kpihub/feed/text_encoding.h"

namespace kpihub::feed {
namespace {

TEST(CsvTest, QuotingAndRowNumbers) {
  Table t = ReadCsv("a,b,c\r\n1,\"x,y\",3\n\n\"multi\nline\",2,3\n4,5\n", ',');
  ASSERT_EQ(t.fatal, "");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t.records.size(), 3u);
  EXPECT_EQ(t.records[0].row, 2u);
  EXPECT_EQ(t.records[0].fields.at("b"), "x,y");
  EXPECT_EQ(t.records[1].row, 4u);  // line 3 is blank
  EXPECT_EQ(t.records[1].fields.at("a"), "multi\nline");
  EXPECT_EQ(t.records[2].row, 6u);
  EXPECT_EQ(t.records[2].fields.count("c"), 0u);  // a short row lacks the field
}

TEST(CsvTest, TooManyFieldsIsARecordErrorAndBadQuotingIsFatal) {
  Table t = ReadCsv("a,b\n1,2,3\n4,5\n", ',');
  ASSERT_EQ(t.errors.size(), 1u);
  EXPECT_EQ(t.errors[0].row, 2u);
  EXPECT_EQ(t.records.size(), 1u);
  EXPECT_NE(ReadCsv("a,b\n1,\"2\"x\n", ',').fatal, "");
  EXPECT_NE(ReadCsv("", ',').fatal, "");
}

TEST(JsonTest, LinesAndArrays) {
  Table lines = ReadJson("{\"p\":\"core\",\"v\":1234.5,\"n\":null}\n\n[1]\n{bad\n{\"p\":\"x\",\"v\":\"7\"}\n");
  ASSERT_EQ(lines.records.size(), 2u);
  EXPECT_EQ(lines.records[0].row, 1u);
  EXPECT_EQ(lines.records[0].fields.at("v"), "1234.5");
  EXPECT_EQ(lines.records[0].fields.at("n"), "");
  EXPECT_EQ(lines.records[1].row, 5u);
  ASSERT_EQ(lines.errors.size(), 2u);
  EXPECT_EQ(lines.errors[0].row, 3u);  // an array is not an object
  EXPECT_EQ(lines.errors[1].row, 4u);
  Table array = ReadJson(" [{\"p\":\"a\"},{\"p\":\"b\",\"q\":{\"x\":1}}]");
  EXPECT_EQ(array.records.size(), 1u);
  ASSERT_EQ(array.errors.size(), 1u);
  EXPECT_EQ(array.errors[0].row, 2u);
  EXPECT_NE(ReadJson("[{\"p\":").fatal, "");
}

// An array is parsed whole, so its size is capped to keep the adapter's memory bounded; the
// message tells the clerk to write JSON lines instead.
TEST(JsonTest, AnArrayOverTwoMebibytesIsRefusedWithAdvice) {
  std::string big = "[";
  while (big.size() < (2u << 20) + 100) big += "{\"p\":\"core\",\"v\":1234.5},";
  big.back() = ']';
  Table t = ReadJson(big);
  EXPECT_NE(t.fatal.find("JSON lines"), std::string::npos) << t.fatal;
  std::string small = big.substr(0, 100000);
  small.back() = ']';
  small.erase(small.rfind('{'));
  small.back() = ']';
  EXPECT_EQ(ReadJson(small).fatal, "");
}

TEST(EncodingTest, Gb18030RoundTripAndRefusal) {
  std::string utf8 = "园区,季度\n汽车零部件产业园,2020年第4季度\n";
  std::string gb = FromUtf8(utf8, "gb18030");
  EXPECT_NE(gb, utf8);
  EXPECT_EQ(ToUtf8(gb, "gb18030").value(), utf8);
  EXPECT_EQ(ToUtf8("\xEF\xBB\xBF" + utf8, "utf-8").value(), utf8);  // BOM dropped
  auto as_utf8 = ToUtf8(gb, "utf-8");                                    // GB18030 read as UTF-8
  ASSERT_FALSE(as_utf8.ok());
  EXPECT_NE(as_utf8.status().message().find("line 1"), std::string::npos) << as_utf8.status().message();
  auto truncated = ToUtf8("a\nb\n\x81", "gb18030");                   // truncated double byte
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("line 3"), std::string::npos) << truncated.status().message();
  EXPECT_FALSE(IsKnownEncoding("big5"));
}

TEST(MapperTest, WideRowBecomesOneObservationPerFilledCell) {
  Profile p = testing::ShippedProfile("scitech");
  std::string csv =
      "园区,年度,省、市级研发机构（家）,科技企业加速器建筑面积（万平方米）,新增孵化面积（平方米）\n"
      "智能制造产业园,2020年度,12,5.1234,-\n"
      "东区,2020,1,,\n"
      "智能制造产业园,2020,x,,\n";
  // 4 of the 9 mapped columns are absent from the header (the 2 optional ones are too): the file is refused, each missing
  // column named, and nothing of it is used.
  MappedExport refused = MapExport(p, "parks.csv", csv);
  EXPECT_TRUE(refused.failed);
  EXPECT_TRUE(refused.observations.empty());
  ASSERT_EQ(refused.rejects.size(), 4u);
  for (const auto& r : refused.rejects) {
    EXPECT_EQ(r.reason, kMissingColumn);
    EXPECT_EQ(r.row, 1u);
  }
  // The same file with those columns optional in the profile.
  for (auto& l : p.layouts) for (auto& c : l.columns) c.optional = true;
  MappedExport m = MapExport(p, "parks.csv", csv);
  EXPECT_FALSE(m.failed);
  EXPECT_EQ(m.layout, "park_annual");
  ASSERT_EQ(m.observations.size(), 2u);
  EXPECT_EQ(m.observations[0].observation.indicator, "rd_institutions_prov_muni");
  EXPECT_EQ(m.observations[0].observation.park, "smart_mfg");
  EXPECT_EQ(m.observations[0].observation.period, "2020");
  EXPECT_EQ(m.observations[1].observation.value, 51234.0);
  EXPECT_EQ(m.observations[1].row, 2u);
  EXPECT_EQ(m.empty_cells, 3u);
  ASSERT_EQ(m.rejects.size(), 2u);
  EXPECT_EQ(m.rejects[0].row, 3u);
  EXPECT_EQ(m.rejects[0].reason, kUnknownParkName);
  EXPECT_EQ(m.rejects[1].row, 4u);
  EXPECT_EQ(m.rejects[1].reason, kUnparseableNumber);
  EXPECT_EQ(m.rejects[1].column, "省、市级研发机构（家）");
}

TEST(MapperTest, UnreadableFilesFailWhole) {
  Profile tax = testing::ShippedProfile("tax");
  MappedExport wrong_encoding = MapExport(tax, "t.csv", "统一社会信用代码,主管园区\n");
  EXPECT_TRUE(wrong_encoding.failed);  // UTF-8 bytes are not valid GB18030 here
  Profile env = testing::ShippedProfile("environment");
  MappedExport no_layout = MapExport(env, "e.jsonl", "{\"station\": 1}\n");
  EXPECT_TRUE(no_layout.failed);
  ASSERT_EQ(no_layout.rejects.size(), 1u);
  EXPECT_EQ(no_layout.rejects[0].reason, kNoLayout);
}

}  // namespace
}  // namespace kpihub::feed
