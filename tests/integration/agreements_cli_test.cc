// `kpihub agreements` as an operator runs it: the shipped agreements with Chinese names,
// filters by consumer and provider (code or name), the state on a day (UTC+8), and refusals
// of a bad day, an unknown department and a bad agreement in a catalogue.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "kpihub/testing/csv_rows.h"
#include "kpihub/testing/source_file.h"
#include "kpihub/testing/temp_dir.h"
#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

constexpr size_t kFields = 16;

// CSV rows by agreement code. The shipped texts hold no ASCII comma or quote.
std::map<std::string, std::vector<std::string>> RowsByCode(const std::string& output) {
  std::map<std::string, std::vector<std::string>> out;
  for (auto& row : CsvRows(output, kFields)) out[row[0]] = row;
  return out;
}

class AgreementsCliTest : public ::testing::Test {
 protected:
  // A copy of the shipped catalogue with `from` replaced by `to`, for --catalogue.
  std::string CatalogueWith(std::string_view from, std::string_view to) {
    return Write(Replace(SourceFile("config/catalogue.toml"), from, to));
  }
  std::string Write(const std::string& text) {
    const std::string path = dir_.path() + "/catalogue.toml";
    std::ofstream(path) << text;
    return path;
  }
  TempDir dir_;
};

TEST_F(AgreementsCliTest, ListsTheShippedAgreementsWithTheirClauses) {
  CliResult r = Kpihub("agreements --csv --at 2020-06-01");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("agreement,name_zh,provider,provider_zh,consumers,consumers_zh,level,", 0),
            0u) << r.output;
  auto rows = RowsByCode(r.output);
  ASSERT_EQ(rows.size(), 9u) << r.output;
  const std::vector<std::string> to_tax = {
      "hightech_list_to_tax", "高新技术企业认定名单（税收优惠）", "scitech", "科学技术", "tax", "税务",
      "enterprise", "企业明细", "hightech_certified", "经认定的高新技术企业",
      "税务部门对经认定的高新技术企业落实15%企业所得税优惠税率和研发费用加计扣除", "§15",
      "2017-05-31", "", "in_force", "生效中"};
  EXPECT_EQ(rows["hightech_list_to_tax"], to_tax);
  EXPECT_EQ(rows["hightech_list_to_finance_startup"][11], "§10");
  EXPECT_EQ(rows["talents_to_finance"][9], "引进高层次创新创业团队;培养高新技术产业领军人才");
  EXPECT_EQ(rows["rd_deduction_to_scitech"][2], "tax");
  EXPECT_EQ(rows["rd_deduction_to_scitech"][6], "enterprise");
  EXPECT_EQ(rows["finance_aggregates_to_office"][7], "汇总数据");
  EXPECT_EQ(rows["finance_aggregates_to_office"][11], "§20");
}

TEST_F(AgreementsCliTest, FiltersByConsumerAndProviderCodeOrName) {
  CliResult finance = Kpihub("agreements --csv --consumer finance");
  ASSERT_EQ(finance.code, 0) << finance.output;
  auto rows = RowsByCode(finance.output);
  EXPECT_EQ(rows.size(), 3u) << finance.output;
  EXPECT_EQ(rows.count("talents_to_finance"), 1u);
  CliResult by_name = Kpihub("agreements --csv --consumer 财政");
  EXPECT_EQ(by_name.output, finance.output);

  CliResult tax = Kpihub("agreements --csv --provider tax");
  ASSERT_EQ(tax.code, 0) << tax.output;
  rows = RowsByCode(tax.output);
  EXPECT_EQ(rows.size(), 2u) << tax.output;
  EXPECT_EQ(rows.count("rd_deduction_to_scitech"), 1u);
  EXPECT_EQ(rows.count("tax_aggregates_to_office"), 1u);

  CliResult both = Kpihub("agreements --csv --provider tax --consumer scitech");
  EXPECT_EQ(RowsByCode(both.output).size(), 1u) << both.output;
  CliResult none = Kpihub("agreements --csv --provider environment --consumer tax");
  EXPECT_EQ(none.code, 0) << none.output;
  EXPECT_TRUE(RowsByCode(none.output).empty()) << none.output;
}

// valid_from and valid_until are inclusive days of the zone.
TEST_F(AgreementsCliTest, StateOnADayFollowsTheValidityDays) {
  // hightech_list_to_tax from 2021-01-01 until 2021-06-30.
  const std::string catalogue = Write(Replace(
      Replace(SourceFile("config/catalogue.toml"), "code = \"hightech_list_to_tax\"",
              "code = \"hightech_list_to_tax\"\nvalid_until = \"2021-06-30\""),
      "valid_from = \"2017-05-31\"\n\n# §15 企业研发费用加计扣除",
      "valid_from = \"2021-01-01\"\n\n# §15 企业研发费用加计扣除"));
  auto state_on = [&](const std::string& day) {
    CliResult r = Kpihub("agreements --csv --provider scitech --consumer tax --catalogue " +
                         catalogue + " --at " + day);
    EXPECT_EQ(r.code, 0) << r.output;
    auto rows = RowsByCode(r.output);
    return rows.count("hightech_list_to_tax") != 0 ? rows["hightech_list_to_tax"][15] : r.output;
  };
  EXPECT_EQ(state_on("2020-12-31"), "未生效");
  EXPECT_EQ(state_on("2021-01-01"), "生效中");
  EXPECT_EQ(state_on("2021-06-30"), "生效中");
  EXPECT_EQ(state_on("2021-07-01"), "已过期");
  CliResult text = Kpihub("agreements --provider scitech --consumer tax --catalogue " + catalogue +
                          " --at 2021-07-01");
  ASSERT_EQ(text.code, 0) << text.output;
  EXPECT_NE(text.output.find("已过期 expired"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("有效期 valid: 2021-01-01 至 2021-06-30"), std::string::npos)
      << text.output;
}

TEST_F(AgreementsCliTest, TextOutputNamesDepartmentsAndIndicatorsInChinese) {
  CliResult r = Kpihub("agreements --provider tax --consumer scitech --at 2020-01-01");
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* needle : {"on 2020-01-01 (UTC+8)", "rd_deduction_to_scitech", "生效中 in_force",
                             "tax 税务 → scitech 科学技术",
                             "企业明细 enterprise: rd_super_deduction ", "[§15]",
                             "有效期 valid: 2017-05-31 至 长期"}) {
    EXPECT_NE(r.output.find(needle), std::string::npos) << needle << "\n" << r.output;
  }
  CliResult before = Kpihub("agreements --csv --at 2017-05-30");
  ASSERT_EQ(before.code, 0) << before.output;
  for (auto& [code, row] : RowsByCode(before.output)) EXPECT_EQ(row[14], "not_yet") << code;
}

TEST_F(AgreementsCliTest, RefusesABadDayAnUnknownDepartmentAndABadAgreement) {
  CliResult day = Kpihub("agreements --at 2021-02-30");
  EXPECT_EQ(day.code, 1) << day.output;
  EXPECT_NE(day.output.find("--at '2021-02-30': expected a day YYYY-MM-DD"), std::string::npos)
      << day.output;
  CliResult who = Kpihub("agreements --consumer taxes");
  EXPECT_EQ(who.code, 1) << who.output;
  EXPECT_NE(who.output.find("--consumer"), std::string::npos) << who.output;
  EXPECT_NE(who.output.find("tax"), std::string::npos) << who.output;  // the closest name

  const std::string bad = CatalogueWith("indicators = [\"rd_super_deduction\"]",
                                        "indicators = [\"rd_super_deduction\", \"gdp\"]");
  CliResult refused = Kpihub("agreements --catalogue " + bad);
  EXPECT_EQ(refused.code, 1) << refused.output;
  EXPECT_NE(refused.output.find(bad + ":"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("agreement 'rd_deduction_to_scitech': indicator 'gdp' belongs to "
                                "'finance', not to the provider 'tax'"),
            std::string::npos)
      << refused.output;
}

// The daemon reads agreements with the catalogue: on SIGHUP a bad one is refused (the
// catalogue in force stays) and a good one is taken; `kpihub agreements --config` then reads
// the same file.
TEST(AgreementsReloadTest, ABadAgreementIsRefusedOnReloadAndAGoodOneIsTaken) {
  DaemonHarness daemon({std::pair<std::string, std::string>{"scitech-1", "scitech"}});
  const std::string catalogue = daemon.dir() + "/catalogue.toml";
  const std::string shipped = SourceFile("config/catalogue.toml");
  std::ofstream(catalogue) << shipped;
  { std::ofstream(daemon.config_path(), std::ios::app) << "catalogue = \"catalogue.toml\"\n"; }
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  const std::string good = R"(
[[agreement]]
code = "output_to_environment"
name_zh = "工业总产值（环境监管）"
provider = "scitech"
consumers = ["environment"]
indicators = ["industrial_output"]
level = "aggregate"
purpose_zh = "生态环境部门对照各园区工业总产值安排环境执法监管"
clause = "§14"
valid_from = "2021-01-01"
)";
  std::ofstream(catalogue) << shipped << Replace(good, "[\"industrial_output\"]", "[\"gdp\"]");
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog(daemon, "reload refused")) << daemon.ReadLog();
  EXPECT_NE(daemon.ReadLog().find("agreement 'output_to_environment': indicator 'gdp' belongs to "
                                  "'finance', not to the provider 'scitech'"),
            std::string::npos)
      << daemon.ReadLog();

  std::ofstream(catalogue) << shipped << good;
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog(daemon, "reloaded catalogue")) << daemon.ReadLog();
  CliResult listed = Kpihub("agreements --csv --consumer environment --at 2021-01-01 --config " +
                            daemon.config_path());
  ASSERT_EQ(listed.code, 0) << listed.output;
  auto rows = RowsByCode(listed.output);
  ASSERT_EQ(rows.size(), 1u) << listed.output;
  EXPECT_EQ(rows["output_to_environment"][14], "in_force");
  EXPECT_EQ(daemon.Stop(), 0) << daemon.ReadLog();
}

}  // namespace
}  // namespace kpihub::testing
