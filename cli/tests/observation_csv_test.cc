#include "observation_csv.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kpihub::cli {
namespace {

TEST(ObservationCsvTest, RowsAndErrorsCarryTheirLineAndColumn) {
  auto csv = ParseObservationCsv(
      "indicator,park,entity,period,value,note\n"
      "gdp,core,,2020Q1,12.5,\n"
      "gdp,core,,2020Q2,abc\n"
      "gdp,core\n"
      "gdp,core,,2020Q3,nan,deliberate\n");
  ASSERT_EQ(csv.observations.size(), 2u);
  EXPECT_EQ(csv.rows[0], 2u);
  EXPECT_EQ(csv.observations[0].value, 12.5);
  EXPECT_EQ(csv.rows[1], 5u);
  EXPECT_TRUE(std::isnan(csv.observations[1].value));
  ASSERT_EQ(csv.errors.size(), 2u);
  EXPECT_EQ(csv.errors[0].row, 3u);
  EXPECT_EQ(csv.errors[0].column, 5u);
  EXPECT_EQ(csv.errors[1].row, 4u);
}

TEST(ObservationCsvTest, WrongHeaderIsRefused) {
  auto csv = ParseObservationCsv("a,b,c\n1,2,3\n");
  EXPECT_TRUE(csv.observations.empty());
  ASSERT_EQ(csv.errors.size(), 1u);
  EXPECT_EQ(csv.errors[0].row, 1u);
}

TEST(ObservationCsvTest, ARestatementColumnCarriesTheReason) {
  auto csv = ParseObservationCsv(
      "indicator,park,entity,period,value,note,restatement\n"
      "gdp,core,,2020,12.5,,census correction\n"
      "gdp,core,,2021,13,checked\n"
      "gdp,core,,2022,14,a,b,c\n");
  ASSERT_EQ(csv.observations.size(), 2u);
  EXPECT_EQ(csv.observations[0].restatement, "census correction");
  EXPECT_EQ(csv.observations[0].note, "");
  EXPECT_EQ(csv.observations[1].note, "checked");
  EXPECT_EQ(csv.observations[1].restatement, "");
  ASSERT_EQ(csv.errors.size(), 1u);
  EXPECT_EQ(csv.errors[0].row, 4u);
}

TEST(ObservationCsvTest, OptionalColumnsFollowTheHeadersOrder) {
  auto csv = ParseObservationCsv(
      "indicator,park,entity,period,value,restatement\n"
      "gdp,core,,2020,12.5,revised after audit\n");
  ASSERT_EQ(csv.observations.size(), 1u);
  EXPECT_EQ(csv.observations[0].restatement, "revised after audit");
  EXPECT_EQ(csv.observations[0].note, "");
  // Without a named optional column a sixth field is still the note.
  auto legacy = ParseObservationCsv("indicator,park,entity,period,value\ngdp,core,,2020,1,n\n");
  ASSERT_EQ(legacy.observations.size(), 1u);
  EXPECT_EQ(legacy.observations[0].note, "n");
}

TEST(ObservationCsvTest, UnknownOrRepeatedOptionalColumnsAreRefused) {
  for (const char* header : {"indicator,park,entity,period,value,reason\n",
                             "indicator,park,entity,period,value,note,note\n",
                             "indicator,park,entity,period,value_x\n"}) {
    auto csv = ParseObservationCsv(header);
    ASSERT_EQ(csv.errors.size(), 1u) << header;
    EXPECT_EQ(csv.errors[0].row, 1u);
  }
}

}  // namespace
}  // namespace kpihub::cli
