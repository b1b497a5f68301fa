#include <gtest/gtest.h>

#include "cli_format.h"
#include "cli_names.h"

namespace kpihub::cli {
namespace {

constexpr int64_t k2021_03_15_10h_shanghai_ms = 1615773600000;  // 02:00:00Z

CivilTime Shanghai() {
  auto t = CivilTime::Load("Asia/Shanghai");
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return *t;
}

TEST(CivilTimeTest, PrintsEveryMomentWithItsOffset) {
  EXPECT_EQ(Shanghai().Format(k2021_03_15_10h_shanghai_ms), "2021-03-15T10:00:00+08:00");
  EXPECT_EQ(CivilTime().Format(k2021_03_15_10h_shanghai_ms), "2021-03-15T02:00:00+00:00");
  auto berlin = CivilTime::Load("Europe/Berlin");
  ASSERT_TRUE(berlin.ok());
  EXPECT_EQ(berlin->Format(k2021_03_15_10h_shanghai_ms), "2021-03-15T03:00:00+01:00");
  EXPECT_EQ(berlin->Format(1625097600000), "2021-07-01T02:00:00+02:00");  // summer time
  EXPECT_EQ(Shanghai().Format(0), "-");
}

TEST(CivilTimeTest, RefusesAZoneTzdataDoesNotHave) {
  auto bad = CivilTime::Load("Asia/Shanghia");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("Asia/Shanghia"), std::string::npos);
  EXPECT_FALSE(CivilTime::Load("").ok());
}

TEST(CivilTimeTest, ReadsCivilTimeInItsZoneAndExplicitOffsetsAsGiven) {
  const CivilTime t = Shanghai();
  const auto end = CivilTime::Edge::kEnd, start = CivilTime::Edge::kStart;
  EXPECT_EQ(t.Parse("2021-03-15 10:00", start), k2021_03_15_10h_shanghai_ms);
  EXPECT_EQ(t.Parse("2021-03-15T10:00:00", end), k2021_03_15_10h_shanghai_ms + 999);
  EXPECT_EQ(t.Parse("2021-03-15T02:00:00Z", start), k2021_03_15_10h_shanghai_ms);
  EXPECT_EQ(t.Parse("2021-03-15T03:00:00+01:00", start), k2021_03_15_10h_shanghai_ms);
  EXPECT_EQ(t.Parse("@1615773600", start), k2021_03_15_10h_shanghai_ms);
  EXPECT_EQ(t.Parse("@1615773600", end), k2021_03_15_10h_shanghai_ms + 999);
}

TEST(CivilTimeTest, ADayAloneIsItsFirstOrLastMillisecond) {
  const CivilTime t = Shanghai();
  const int64_t midnight = k2021_03_15_10h_shanghai_ms - 10 * 3600 * 1000;
  EXPECT_EQ(t.Parse("2021-03-15", CivilTime::Edge::kStart), midnight);
  EXPECT_EQ(t.Parse("2021-03-15", CivilTime::Edge::kEnd), midnight + 86400 * 1000 - 1);
  // A day that is 23 hours long where summer time starts.
  auto berlin = CivilTime::Load("Europe/Berlin");
  ASSERT_TRUE(berlin.ok());
  const int64_t day_start = *berlin->Parse("2021-03-28", CivilTime::Edge::kStart);
  EXPECT_EQ(*berlin->Parse("2021-03-28", CivilTime::Edge::kEnd) - day_start, 23 * 3600 * 1000 - 1);
}

TEST(CivilTimeTest, RefusesWhatIsNotAMoment) {
  const CivilTime t = Shanghai();
  for (const char* bad : {"yesterday", "2021-02-30", "2021-13-01", "2021-03-15T25:00",
                          "2021-03-15T10:00+8", "@", "@12x", "@-5", "2021-03-15T10:00:60"}) {
    EXPECT_FALSE(t.Parse(bad, CivilTime::Edge::kEnd).has_value()) << bad;
  }
}

TEST(ShortestNumberTest, PrintsNoBinaryFloatNoise) {
  EXPECT_EQ(ShortestNumber(0.025), "0.025");
  EXPECT_EQ(ShortestNumber(41234.567), "41234.567");
  EXPECT_EQ(ShortestNumber(75000000000.0), "75000000000");
  EXPECT_EQ(ShortestNumber(0.1 + 0.2), "0.30000000000000004");  // a different double
}

TEST(DisplayWidthTest, CountsTerminalColumns) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("243.98 亿元"), 11u);
  EXPECT_EQ(DisplayWidth("120 m²"), 6u);
  EXPECT_EQ(PadRight("亿元", 6), "亿元  ");
  EXPECT_EQ(PadLeft("m²", 4), "  m²");
  EXPECT_EQ(PadRight("toolong", 3), "toolong");
  EXPECT_EQ(DisplayWidth(std::string("\xff\xfe", 2)), 2u);  // not UTF-8: a column a byte
}

TEST(ResolveNameTest, AcceptsCodesChineseAndEnglishNames) {
  const std::vector<NamedCode> parks{{"auto_parts", "汽车零部件产业园", "Auto parts park"},
                                     {"agri_tech", "农业科技园", "Agricultural tech park"}};
  EXPECT_EQ(*ResolveName("park 园区", "auto_parts", parks), "auto_parts");
  EXPECT_EQ(*ResolveName("park 园区", " 汽车零部件产业园 ", parks), "auto_parts");
  EXPECT_EQ(*ResolveName("park 园区", "AGRICULTURAL TECH PARK", parks), "agri_tech");
}

TEST(ResolveNameTest, AnUnknownNameSaysSoAndSuggestsTheClosest) {
  const std::vector<NamedCode> parks{{"auto_parts", "汽车零部件产业园", "Auto parts park"},
                                     {"agri_tech", "农业科技园", "Agricultural tech park"}};
  auto r = ResolveName("park 园区", "汽车零部件园", parks);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_NE(r.status().message().find("did you mean auto_parts 汽车零部件产业园"),
            std::string::npos)
      << r.status().message();
  auto typo = ResolveName("park 园区", "agri_tec", parks);
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("did you mean agri_tech"), std::string::npos);
}

TEST(EditDistanceTest, CountsCodePointsNotBytes) {
  EXPECT_EQ(EditDistance("税务", "财务"), 1u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("", "园区"), 2u);
}

}  // namespace
}  // namespace kpihub::cli
