// `kpihub audit` as an operator runs it: records written through the store's API into a real
// state, read by the real `kpihub` binary: every read with its Chinese gloss, each filter, the
// CSV, the per-provider report, the exit codes, and a state written before the audit trail
// existed, which reads as empty.
#include <gtest/gtest.h>
#include <lmdb.h>

#include <sstream>

#include "kpihub/store/store.h"
#include "kpihub/testing/temp_dir.h"
#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

constexpr int64_t kMarch15At10 = 1615773600000;  // 2021-03-15T10:00:00+08:00
constexpr int64_t kDayMs = 86400000;

store::AuditRecord Record(int day, std::string key, std::string consumer, std::string provider,
                          std::string agreement, uint64_t rows, std::string outcome,
                          std::string request = "indicators=hightech_certified parks=* "
                                                "periods=2019..2020 level=enterprise entities=3") {
  store::AuditRecord r;
  r.unix_ms = kMarch15At10 + day * kDayMs;
  r.consumer_key = std::move(key);
  r.consumer_department = std::move(consumer);
  r.provider_department = std::move(provider);
  r.agreement = std::move(agreement);
  r.kind = "query";
  r.request = std::move(request);
  r.rows = rows;
  r.outcome = std::move(outcome);
  r.as_of = r.outcome == "answered" ? 17 : 0;
  return r;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The ids of the records `kpihub audit` listed ("#3 ..." lines), in order.
std::vector<int> Listed(const std::string& output) {
  std::vector<int> ids;
  for (const std::string& line : Lines(output)) {
    if (line.size() > 1 && line[0] == '#') ids.push_back(std::stoi(line.substr(1)));
  }
  return ids;
}

class AuditCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::unique_ptr<store::Store> store = OpenWritable();
    ASSERT_NE(store, nullptr);
    std::vector<store::AuditRecord> records{
        Record(0, "scitech-q1", "scitech", "tax", "TAX-SCI-2021", 3, "answered"),
        Record(1, "finance-q1", "finance", "", "", 0, "no_agreement"),
        Record(2, "scitech-q1", "scitech", "tax", "TAX-SCI-2021", 5, "answered",
               "indicators=revenue parks=core periods=2020 level=enterprise entity=" + MakeUscc(7)),
        Record(3, "environment-q1", "environment", "finance", "FIN-ENV-2021", 0,
               "level_not_granted"),
        Record(4, "scitech-q1", "scitech", "tax", "TAX-SCI-2021", 0, "rate_limited")};
    Status s = store->AppendAudit(&records);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(records.back().id, 5u);
  }

  std::unique_ptr<store::Store> OpenWritable() {
    store::StoreOptions options;
    options.path = state_;
    options.initial_map_bytes = 8ull << 20;
    std::unique_ptr<store::Store> store;
    Status s = store::Store::Open(options, &store);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return store;
  }

  CliResult Audit(const std::string& options) {
    return Kpihub("audit --state-dir " + state_ + " --time-zone Asia/Shanghai " + options);
  }

  TempDir dir_;
  const std::string state_ = dir_.path() + "/state";
};

TEST_F(AuditCliTest, ListsEveryReadOldestFirstWithTheRefusalsExplained) {
  const CliResult r = Audit("");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(Listed(r.output), (std::vector<int>{1, 2, 3, 4, 5})) << r.output;
  const std::vector<std::string> lines = Lines(r.output);
  ASSERT_EQ(lines.size(), 6u) << r.output;
  EXPECT_EQ(lines[0],
            "#1 2021-03-15T10:00:00+08:00  scitech 科学技术 key scitech-q1  read tax 税务 under "
            "TAX-SCI-2021  rows 3  answered  query: indicators=hightech_certified parks=* "
            "periods=2019..2020 level=enterprise entities=3");
  EXPECT_NE(lines[1].find("finance 财政 key finance-q1  read - under -  rows 0  refused "
                          "no_agreement 无共享协议"),
            std::string::npos) << lines[1];
  EXPECT_NE(lines[3].find("read finance 财政 under FIN-ENV-2021  rows 0  refused "
                          "level_not_granted 共享协议仅提供汇总数据，不含企业明细"),
            std::string::npos) << lines[3];
  // A reason this build has no gloss for prints as its code.
  EXPECT_NE(lines[4].find("refused rate_limited  query:"), std::string::npos) << lines[4];
  EXPECT_EQ(lines[5], "5 reads: 2 answered, 3 refused");
  // Anything shaped like a credit code is withheld, even where a request should never hold one.
  EXPECT_EQ(r.output.find(MakeUscc(7)), std::string::npos) << r.output;
  EXPECT_NE(lines[2].find("entity=" + MakeUscc(7).substr(0, 8)), std::string::npos) << lines[2];
}

TEST_F(AuditCliTest, EachFilterNarrowsTheList) {
  const std::vector<std::pair<std::string, std::vector<int>>> cases{
      {"--consumer scitech", {1, 3, 5}},
      {"--consumer 科学技术", {1, 3, 5}},
      {"--provider tax", {1, 3, 5}},
      {"--provider finance", {4}},
      {"--agreement FIN-ENV-2021", {4}},
      {"--since 2021-03-16 --until 2021-03-17", {2, 3}},
      {"--since 2021-03-19", {5}},
      {"--until 2021-03-14", {}},
      {"--refused", {2, 4, 5}},
      {"--refused --consumer scitech", {5}},
  };
  for (const auto& [options, ids] : cases) {
    const CliResult r = Audit(options);
    ASSERT_EQ(r.code, 0) << options << "\n" << r.output;
    EXPECT_EQ(Listed(r.output), ids) << options << "\n" << r.output;
    EXPECT_NE(r.output.find(std::to_string(ids.size()) + " reads: "), std::string::npos)
        << options << "\n" << r.output;
  }
}

TEST_F(AuditCliTest, AFilterThatNamesNothingIsRefused) {
  for (const std::string options : {"--consumer nosuch", "--provider 不存在的部门",
                                    "--since 2021-13-45", "--until yesterday"}) {
    const CliResult r = Audit(options);
    EXPECT_EQ(r.code, 1) << options << "\n" << r.output;
    EXPECT_NE(r.output.find("kpihub audit: --"), std::string::npos) << options << "\n" << r.output;
    EXPECT_TRUE(Listed(r.output).empty()) << r.output;
  }
}

TEST_F(AuditCliTest, CsvHasAHeaderAndOneRowPerRead) {
  const CliResult r = Audit("--csv --provider tax");
  ASSERT_EQ(r.code, 0) << r.output;
  const std::vector<std::string> lines = Lines(r.output);
  ASSERT_EQ(lines.size(), 4u) << r.output;
  EXPECT_EQ(lines[0], "id,time,consumer_key,consumer_department,provider_department,agreement,"
                      "kind,request,rows,outcome,as_of");
  EXPECT_EQ(lines[1], "1,2021-03-15T10:00:00+08:00,scitech-q1,scitech,tax,TAX-SCI-2021,query,"
                      "indicators=hightech_certified parks=* periods=2019..2020 level=enterprise "
                      "entities=3,3,answered,17");
  EXPECT_EQ(lines[3].substr(0, 2), "5,");
  EXPECT_NE(lines[3].find(",0,rate_limited,0"), std::string::npos) << lines[3];
}

TEST_F(AuditCliTest, ByProviderSaysWhoReadEachDepartmentsData) {
  const CliResult r = Audit("--by-provider");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(Lines(r.output),
            (std::vector<std::string>{
                "refused before a provider was known 未确定数据提供方",
                "  finance 财政 key finance-q1  under -  reads 0  rows 0  refused 1  first "
                "2021-03-16T10:00:00+08:00  last 2021-03-16T10:00:00+08:00",
                "provider finance 财政",
                "  environment 生态环境 key environment-q1  under FIN-ENV-2021  reads 0  rows 0  "
                "refused 1  first 2021-03-18T10:00:00+08:00  last 2021-03-18T10:00:00+08:00",
                "provider tax 税务",
                "  scitech 科学技术 key scitech-q1  under TAX-SCI-2021  reads 2  rows 8  refused 1  "
                "first 2021-03-15T10:00:00+08:00  last 2021-03-19T10:00:00+08:00",
                "5 reads: 2 answered, 3 refused"}));
  const CliResult csv = Audit("--by-provider --csv --provider tax --until 2021-03-17");
  ASSERT_EQ(csv.code, 0) << csv.output;
  EXPECT_EQ(Lines(csv.output),
            (std::vector<std::string>{
                "provider,consumer_department,consumer_key,agreement,reads,rows,refused,first,last",
                "tax,scitech,scitech-q1,TAX-SCI-2021,2,8,0,2021-03-15T10:00:00+08:00,"
                "2021-03-17T10:00:00+08:00"}));
}

// Opens the state with raw LMDB; drops the audit table when `drop`. Whether the table was there.
bool AuditTableThere(const std::string& state, bool drop) {
  MDB_env* env = nullptr;
  EXPECT_EQ(mdb_env_create(&env), 0);
  EXPECT_EQ(mdb_env_set_maxdbs(env, 16), 0);
  EXPECT_EQ(mdb_env_open(env, state.c_str(), 0, 0600), 0);
  MDB_txn* txn = nullptr;
  EXPECT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  MDB_dbi dbi;
  const bool there = mdb_dbi_open(txn, "audit", 0, &dbi) == 0;
  if (there && drop) {
    EXPECT_EQ(mdb_drop(txn, dbi, 1), 0);
  }
  EXPECT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
  return there;
}

// A state written before the audit trail existed has no `audit` table: it reads as no reads,
// verifies, and is not changed by reading it.
TEST_F(AuditCliTest, AStateWithoutTheAuditTableReadsAsEmpty) {
  ASSERT_TRUE(AuditTableThere(state_, /*drop=*/true));

  for (const std::string options : {"", "--by-provider"}) {
    const CliResult r = Audit(options);
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(Lines(r.output), (std::vector<std::string>{"0 reads: 0 answered, 0 refused"}));
  }
  const CliResult verify = Kpihub("verify --state-dir " + state_);
  EXPECT_EQ(verify.code, 0) << verify.output;
  EXPECT_FALSE(AuditTableThere(state_, /*drop=*/false));
}

TEST_F(AuditCliTest, AMissingStateIsAnError) {
  const CliResult r = Kpihub("audit --state-dir " + dir_.path() + "/nothing-here");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot open the state"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace kpihub::testing
