// The exchange's Query and QueryPage codec: round trips, and hostile queries refused by their
// limits before anything is read.
#include <gtest/gtest.h>

#include "kpihub/wire/query_codec.h"

namespace kpihub::wire {
namespace {

QueryRequest SampleQuery() {
  QueryRequest q;
  q.request_id = 42;
  q.indicators = {"hightech_certified"};
  q.parks = {"core", "auto_parts"};
  q.period_from = "2019";
  q.period_to = "2020Q4";
  q.entities = {"91410800MA45H7J36N"};
  q.level = core::ShareLevel::kEnterprise;
  q.page_size = 500;
  q.continuation = "1000";
  q.as_of = 77;
  return q;
}

TEST(QueryCodecTest, QueryRoundTrips) {
  const std::string frame = EncodeQuery(SampleQuery());
  auto decoded = DecodeQuery(frame.data(), frame.size(), QueryLimits{});
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->request_id, 42u);
  EXPECT_EQ(decoded->indicators, SampleQuery().indicators);
  EXPECT_EQ(decoded->parks, SampleQuery().parks);
  EXPECT_EQ(decoded->period_to, "2020Q4");
  EXPECT_EQ(decoded->entities, SampleQuery().entities);
  EXPECT_EQ(decoded->level, core::ShareLevel::kEnterprise);
  EXPECT_EQ(decoded->page_size, 500u);
  EXPECT_EQ(decoded->continuation, "1000");
  EXPECT_EQ(decoded->as_of, 77u);
}

TEST(QueryCodecTest, PageSizeZeroMeansTheDefault) {
  QueryRequest q = SampleQuery();
  q.page_size = 0;
  const std::string frame = EncodeQuery(q);
  auto decoded = DecodeQuery(frame.data(), frame.size(), QueryLimits{});
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->page_size, QueryLimits{}.default_page_size);
}

TEST(QueryCodecTest, LimitsRefuseBeforeReading) {
  QueryLimits limits;
  QueryRequest many = SampleQuery();
  many.entities.assign(limits.max_entities + 1, "91410800MA45H7J36N");
  QueryRequest long_code = SampleQuery();
  long_code.indicators = {std::string(65, 'x')};
  QueryRequest big_page = SampleQuery();
  big_page.page_size = limits.max_page_size + 1;
  QueryRequest many_indicators = SampleQuery();
  many_indicators.indicators.assign(limits.max_indicators + 1, "gdp");
  for (const QueryRequest* q : {&many, &long_code, &big_page, &many_indicators}) {
    limits.max_frame_bytes = 1u << 20;
    const std::string frame = EncodeQuery(*q);
    auto decoded = DecodeQuery(frame.data(), frame.size(), limits);
    EXPECT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().message().find("91410800MA45H7J36N"), std::string::npos);
  }
}

TEST(QueryCodecTest, GarbageAndOversizedFramesAreRefused) {
  QueryLimits limits;
  std::string garbage(64, '\xff');
  EXPECT_FALSE(DecodeQuery(garbage.data(), garbage.size(), limits).ok());
  EXPECT_FALSE(DecodeQuery(garbage.data(), 7, limits).ok());
  EXPECT_FALSE(DecodeQuery("", 0, limits).ok());
  std::string big(limits.max_frame_bytes + 8, '\0');
  EXPECT_FALSE(DecodeQuery(big.data(), big.size(), limits).ok());
}

TEST(QueryCodecTest, PageRoundTripsBothKindsOfRow) {
  QueryPageMessage page;
  page.request_id = 9;
  page.answered = true;
  page.as_of = 1234;
  page.level = core::ShareLevel::kEnterprise;
  page.enterprise_rows.push_back({"hightech_certified", "core", "91410800MA45H7J36N", "2020",
                                  "1", 1600000000000, "hightech_list_to_finance_startup"});
  page.aggregate_rows.push_back({"industrial_output", "core", "2020", "", true, 0, "a"});
  page.continuation = "1";
  const std::string frame = EncodeQueryPage(page);
  auto decoded = DecodeQueryPage(frame.data(), frame.size());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_TRUE(decoded->answered);
  EXPECT_EQ(decoded->as_of, 1234u);
  ASSERT_EQ(decoded->enterprise_rows.size(), 1u);
  EXPECT_EQ(decoded->enterprise_rows[0].entity, "91410800MA45H7J36N");
  EXPECT_EQ(decoded->enterprise_rows[0].changed_unix_ms, 1600000000000);
  ASSERT_EQ(decoded->aggregate_rows.size(), 1u);
  EXPECT_TRUE(decoded->aggregate_rows[0].withheld);
  EXPECT_EQ(decoded->continuation, "1");

  QueryPageMessage refused;
  refused.reason = QueryRefusal::kNoAgreement;
  refused.detail = "无共享协议";
  const std::string refused_frame = EncodeQueryPage(refused);
  auto r = DecodeQueryPage(refused_frame.data(), refused_frame.size());
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->answered);
  EXPECT_EQ(r->reason, QueryRefusal::kNoAgreement);
  EXPECT_EQ(QueryRefusalName(r->reason), "no_agreement");
}

}  // namespace
}  // namespace kpihub::wire
