#include "kpihub/core/status.h"

#include <gtest/gtest.h>

namespace kpihub {
namespace {

TEST(StatusTest, OkHasNoMessageAndSaysOk) {
  Status s = Status::Ok();
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(s.WithContext("anywhere").ok());
}

TEST(StatusTest, ErrorCarriesCodeMessageAndContext) {
  Status s = Status::Corruption("bad record").WithContext("reading obs");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_EQ(s.message(), "reading obs: bad record");
  EXPECT_EQ(s.ToString(), "Corruption: reading obs: bad record");
}

TEST(ResultTest, HoldsAValueOrAFailure) {
  Result<int> good = 42;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  Result<int> bad = Status::NotFound("no such park");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace kpihub
