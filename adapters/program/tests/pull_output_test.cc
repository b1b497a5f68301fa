// PullOutput and QueryFingerprint: CSV fields quoted where they must be, GB18030 that decodes
// back, JSON lines with escapes, Beijing time, and a fingerprint that changes with the query.
#include <gtest/gtest.h>

#include "kpihub/feed/text_encoding.h"
#include "pull_output.h"
#include "pull_run.h"

namespace kpihub::adapter {
namespace {

wire::QueryPageMessage EnterprisePage() {
  wire::QueryPageMessage page;
  page.kind = wire::PageKind::kChanges;
  page.change = {7, 2};
  page.enterprise_rows.push_back({"hightech_certified", "core", "91410800MA00000001", "2020",
                                  "1", 1600000000000, "hightech_list_to_finance_startup"});
  page.enterprise_rows.push_back({"hightech_certified", "core,\"x\"", "E2", "2020", "0", 0, "a"});
  return page;
}

TEST(PullOutputTest, CsvQuotesFieldsWithCommasAndQuotesAndUsesBeijingTime) {
  PullOutput out(PullFormat::kCsv, false, core::ShareLevel::kEnterprise, {"hightech_certified"},
                 nullptr);
  EXPECT_EQ(out.File(out.Rows(EnterprisePage())),
            "指标,园区,统一社会信用代码,期间,数值,变更时间,共享协议\r\n"
            "hightech_certified,core,91410800MA00000001,2020,1,2020-09-13 20:26:40,"
            "hightech_list_to_finance_startup\r\n"
            "hightech_certified,\"core,\"\"x\"\"\",E2,2020,0,1970-01-01 08:00:00,a\r\n");
}

TEST(PullOutputTest, Gb18030DecodesBackToTheSameText) {
  PullOutput utf8(PullFormat::kCsv, false, core::ShareLevel::kAggregate, {"gdp"}, nullptr);
  PullOutput gb(PullFormat::kCsv, true, core::ShareLevel::kAggregate, {"gdp"}, nullptr);
  wire::QueryPageMessage page;
  page.aggregate_rows.push_back({"gdp", "core", "2020", "", true, 2, "office"});
  const std::string bytes = gb.File(gb.Rows(page));
  EXPECT_NE(bytes, utf8.File(utf8.Rows(page)));
  auto decoded = feed::ToUtf8(bytes, "gb18030");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, "指标,园区,期间,数值,不予公开,企业数,共享协议\r\ngdp,core,2020,,不予公开,2,office\r\n");
}

TEST(PullOutputTest, JsonLinesEscapeAndCarryTheChangeId) {
  PullOutput out(PullFormat::kJsonl, false, core::ShareLevel::kEnterprise, {"x"}, nullptr);
  const std::string text = out.File(out.Rows(EnterprisePage()));
  EXPECT_EQ(text.substr(text.find('\n') + 1),
            "{\"kind\":\"changes\",\"change\":\"7.2\",\"indicator\":\"hightech_certified\","
            "\"park\":\"core,\\\"x\\\"\",\"entity\":\"E2\",\"period\":\"2020\",\"value\":\"0\","
            "\"changed_unix_ms\":0,\"agreement\":\"a\"}\n");
}

TEST(PullOutputTest, TheFingerprintChangesWithWhatIsAsked) {
  wire::QueryRequest q;
  q.indicators = {"hightech_certified"};
  const std::string base = QueryFingerprint(q);
  EXPECT_EQ(QueryFingerprint(q), base);
  q.level = core::ShareLevel::kEnterprise;
  EXPECT_NE(QueryFingerprint(q), base);
  q.level = core::ShareLevel::kAggregate;
  q.parks = {"core"};
  EXPECT_NE(QueryFingerprint(q), base);
  q.parks.clear();
  q.period_to = "2020";
  EXPECT_NE(QueryFingerprint(q), base);
}

}  // namespace
}  // namespace kpihub::adapter
