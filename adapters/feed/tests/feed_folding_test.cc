// Text folding (NFKC through utf8proc), "did you mean", encoding sniffing and the incremental
// decoder, and the mapper's handling of what Excel leaves in a sheet.
#include <gtest/gtest.h>

#include "feed_test_util.h"
#include "duplicate_finder.h"  // private to the feed library: tested here directly
#include "kpihub/feed/decimal_text.h"
#include "kpihub/feed/export_mapper.h"
#include "kpihub/feed/folded_text.h"
#include "kpihub/feed/text_encoding.h"

namespace kpihub::feed {
namespace {

TEST(FoldTest, FullWidthAndAsciiFormsAreTheSame) {
  EXPECT_EQ(FoldHeader("研发费用加计扣除额(万元)"), FoldHeader("研发费用加计扣除额（万元）"));
  EXPECT_EQ(FoldHeader(" 研发费用　加计扣除额（万元）\t"), FoldHeader("研发费用加计扣除额(万元)"));
  EXPECT_EQ(FoldText("　７８．９ "), "78.9");
  EXPECT_EQ(FoldText("１，２３４．５０"), "1,234.50");
  EXPECT_EQ(FoldText("a\xE2\x80\x8B" "b"), "ab");  // zero-width space
  EXPECT_EQ(FoldText("a \xC2\xA0 b"), "a b");      // no-break space folded with the others
  EXPECT_EQ(FoldText("\xFF\xFE"), "\xFF\xFE");     // invalid UTF-8 is left alone
}

TEST(FoldTest, FiguresPeriodsAndCodesReadFullWidth) {
  EXPECT_EQ(DecimalText::Parse("　７８．９")->ToString(), "78.9");
  EXPECT_EQ(DecimalText::Parse("１，２３４．５０")->ToString(), "1234.5");
  EXPECT_FALSE(DecimalText::Parse("1 234").has_value());
  EXPECT_EQ(NormalizePeriod("２０２０"), "2020");
  EXPECT_EQ(NormalizePeriod("２０２０年第３季度"), "2020Q3");
  EXPECT_EQ(NormalizePeriod("2020 年 9 月"), "2020-09");
}

TEST(FoldTest, ClosestNameSuggestsOnlyPlausibleMisspellings) {
  std::vector<std::string> headers = {"统一社会信用代码", "所属园区", "研发费用加计扣除（万元）"};
  EXPECT_EQ(ClosestName("研发费用加计扣除额（万元）", headers), "研发费用加计扣除（万元）");
  EXPECT_EQ(ClosestName("主管园区", headers), "所属园区");
  EXPECT_FALSE(ClosestName("高新技术企业减免所得税额（万元）", {"园区"}).has_value());
  EXPECT_EQ(EditDistance("园区", "园区名称"), 2u);
}

TEST(SniffTest, ByteOrderMarksWorkbooksAndUtf16) {
  EXPECT_EQ(SniffEncoding("\xEF\xBB\xBF" "a,b", "x.csv", "gb18030")->encoding, "utf-8");
  EXPECT_EQ(SniffEncoding("\xEF\xBB\xBF" "a,b", "x.csv", "gb18030")->bom_bytes, 3u);
  EXPECT_EQ(SniffEncoding(std::string("\xFF\xFE" "a\0", 4), "x.txt", "utf-8")->encoding, "utf-16le");
  EXPECT_EQ(SniffEncoding(std::string("a\0b\0", 4), "x.txt", "utf-8")->encoding, "utf-16le");
  EXPECT_EQ(SniffEncoding("a,b\r\n", "x.csv", "gbk")->encoding, "gb18030");
  auto xlsx = SniffEncoding("PK\x03\x04", "tax.csv", "gb18030");
  ASSERT_FALSE(xlsx.ok());
  EXPECT_NE(xlsx.status().message().find("CSV"), std::string::npos);
  EXPECT_FALSE(SniffEncoding("a,b", "tax.xls", "gb18030").ok());
}

TEST(StreamDecoderTest, SequencesCutBetweenBlocksWaitForTheirRest) {
  std::string utf8 = "园区,季度\r\n汽车零部件产业园,２０２０年第４季度\r\n";
  for (const char* encoding : {"gb18030", "utf-8"}) {
    std::string bytes = FromUtf8(utf8, encoding);
    auto decoder = StreamDecoder::Open(encoding);
    ASSERT_TRUE(decoder.ok());
    std::string out;
    for (size_t i = 0; i < bytes.size(); ++i) {
      ASSERT_TRUE((*decoder)->Decode(bytes.substr(i, 1), i + 1 == bytes.size(), &out).ok()) << encoding << " " << i;
    }
    EXPECT_EQ(out, utf8) << encoding;
  }
  auto decoder = StreamDecoder::Open("gb18030");
  std::string out;
  EXPECT_FALSE((*decoder)->Decode("ab\x81", /*last=*/true, &out).ok());  // cut at the very end
}

TEST(MapperMessTest, TitleRowsBlankRowsAndAFileWideBom) {
  Profile tax = testing::ShippedProfile("tax");
  std::string csv =
      "2020年度企业汇总表,,,,,,,,\r\n"
      "统一社会信用代码,纳税人名称,主管园区,所属年度,登记状态,是否规模以上工业企业,"
      "研发费用加计扣除额(万元),高新技术企业减免所得税额（万元）,备注\r\n"
      ",,,,,,,,\r\n"
      "91410800110911278T,甲,农业科技园,２０１９年度,正常,是,　７８．９,\"１，２３４．５０\",\r\n";
  MappedExport m = MapExport(tax, "t.csv", "\xEF\xBB\xBF" + csv);
  ASSERT_FALSE(m.failed) << (m.rejects.empty() ? "" : m.rejects[0].message);
  EXPECT_EQ(m.title_rows, 1u);
  EXPECT_EQ(m.blank_rows, 1u);
  EXPECT_EQ(m.rows, 1u);
  ASSERT_EQ(m.observations.size(), 4u);
  EXPECT_EQ(m.observations[2].observation.value, 789000.0);
  EXPECT_EQ(m.observations[3].observation.value, 12345000.0);
  EXPECT_EQ(m.observations[3].observation.period, "2019");
  EXPECT_TRUE(m.rejects.empty());
}

TEST(MapperMessTest, DuplicatesAreRefusedInEveryRowThatGivesTheFigure) {
  Profile tax = testing::ShippedProfile("tax");
  std::string csv =
      "统一社会信用代码,纳税人名称,主管园区,所属年度,登记状态,是否规模以上工业企业,"
      "研发费用加计扣除额（万元）,高新技术企业减免所得税额（万元）,备注\n"
      "91410800110911278T,甲,农业科技园,2019,,,10,,\n"
      "91410800143208167J,乙,农业科技园,2019,,,20,,\n"
      "91410800110911278T,甲,农业科技园,2019年度,,,11,5,\n";
  MappedExport m = MapExport(tax, "t.csv", FromUtf8(csv, "gb18030"));
  ASSERT_EQ(m.rejects.size(), 2u);
  EXPECT_EQ(m.rejects[0].reason, kDuplicateRow);
  EXPECT_EQ(m.rejects[0].row, 2u);
  EXPECT_NE(m.rejects[0].message.find("row 4"), std::string::npos) << m.rejects[0].message;
  EXPECT_EQ(m.rejects[1].row, 4u);
  EXPECT_NE(m.rejects[1].message_zh.find("第 2 行"), std::string::npos) << m.rejects[1].message_zh;
  ASSERT_EQ(m.observations.size(), 2u);  // row 3's figure, and row 4's relief (given once)
}

TEST(MapperMessTest, AnUnquotedThousandsSeparatorIsNamed) {
  Profile tax = testing::ShippedProfile("tax");
  std::string csv =
      "统一社会信用代码,纳税人名称,主管园区,所属年度,登记状态,是否规模以上工业企业,"
      "研发费用加计扣除额（万元）,高新技术企业减免所得税额（万元）,备注\n"
      "91410800110911278T,甲,农业科技园,2019,正常,是,1,234.50,3,\n";
  MappedExport m = MapExport(tax, "t.csv", FromUtf8(csv, "gb18030"));
  ASSERT_EQ(m.rejects.size(), 1u);
  EXPECT_EQ(m.rejects[0].reason, kUnquotedThousands);
  EXPECT_EQ(m.rejects[0].value, "1,234.50");
  EXPECT_TRUE(m.observations.empty());
}

}  // namespace
}  // namespace kpihub::feed

namespace kpihub::feed {
namespace {

TEST(DuplicateFinderTest, FindsRepeatsInMemoryAndAcrossSpilledRuns) {
  for (uint64_t n : {uint64_t{1000}, uint64_t{DuplicateFinder::kRunHashes * 2 + 12345}}) {
    DuplicateFinder finder;
    for (uint64_t i = 0; i < n; ++i) ASSERT_TRUE(finder.Add(i * 2654435761u).ok());
    // Repeats in the first run, across runs, and in the last (unspilled) one.
    for (uint64_t i : {uint64_t{3}, n / 2, n - 1}) ASSERT_TRUE(finder.Add(i * 2654435761u).ok());
    auto repeated = finder.Finish(100);
    ASSERT_TRUE(repeated.ok()) << repeated.status().message();
    EXPECT_EQ(repeated->size(), 3u) << n;
    EXPECT_EQ(repeated->count((n / 2) * 2654435761u), 1u) << n;
  }
  DuplicateFinder many;
  for (uint64_t i = 0; i < 50; ++i) { ASSERT_TRUE(many.Add(i).ok()); ASSERT_TRUE(many.Add(i).ok()); }
  EXPECT_FALSE(many.Finish(10).ok());  // more repeated keys than the limit: refused
}

}  // namespace
}  // namespace kpihub::feed
