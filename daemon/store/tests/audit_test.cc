// The audit trail of reads (audit_table.h): appended records get ids 1, 2, ... in commit
// order, across reopening; readers page from an id; a read-only store refuses to append; an
// older store without the table reads as empty until a writer opens it; a damaged record is
// refused on read and by Verify; a backup carries the trail.
#include <gtest/gtest.h>

#include <thread>

#include "../src/audit_table.h"
#include "test_util.h"

namespace kpihub::store {
namespace {

using namespace testing_util;

AuditRecord Read(std::string consumer, std::string provider, uint64_t rows,
                 std::string outcome = "answered") {
  AuditRecord r;
  r.unix_ms = 1700000000000 + static_cast<int64_t>(rows);
  r.consumer_key = consumer + "-query-1";
  r.consumer_department = consumer;
  r.provider_department = provider;
  r.agreement = outcome == "answered" ? "TAX-SCI-2021" : "";
  r.kind = "query";
  r.request = "indicators=hightech_certified parks=* periods=2019..2020 level=park";
  r.rows = rows;
  r.outcome = outcome;
  r.as_of = outcome == "answered" ? 42 : 0;
  return r;
}

std::vector<AuditRecord> Trail(Store& store, uint64_t from_id = 0) {
  std::vector<AuditRecord> out;
  std::unique_ptr<Snapshot> snapshot;
  Status s = store.OpenSnapshot(&snapshot);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return out;
  s = snapshot->ForEachAudit(from_id, [&](const AuditRecord& r) { out.push_back(r); });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::vector<uint64_t> Ids(const std::vector<AuditRecord>& records) {
  std::vector<uint64_t> ids;
  for (const AuditRecord& r : records) ids.push_back(r.id);
  return ids;
}

void Append(Store& store, std::vector<AuditRecord>* records) {
  Status s = store.AppendAudit(records);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

void ExpectVerified(Store& store) {
  std::vector<std::string> differences;
  Status s = store.Verify(&differences);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(differences.empty()) << differences.front();
}

// Drops the audit table, leaving a store as written before the table existed.
void DropAuditTable(const std::string& dir) {
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  ASSERT_EQ(mdb_env_set_maxdbs(env, 16), 0);
  ASSERT_EQ(mdb_env_open(env, dir.c_str(), 0, 0600), 0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  MDB_dbi dbi;
  ASSERT_EQ(mdb_dbi_open(txn, "audit", 0, &dbi), 0);
  ASSERT_EQ(mdb_drop(txn, dbi, 1), 0);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

TEST(AuditTest, AppendAssignsIdsInCommitOrderAndReadersPage) {
  TempDir dir;
  auto store = OpenStore(Options(dir.path()));
  std::vector<AuditRecord> first{Read("scitech", "tax", 3), Read("finance", "", 0, "no_agreement"),
                                 Read("scitech", "tax", 5)};
  Append(*store, &first);
  EXPECT_EQ(Ids(first), (std::vector<uint64_t>{1, 2, 3}));
  std::vector<AuditRecord> second{Read("environment", "tax", 7), Read("scitech", "finance", 9)};
  Append(*store, &second);
  EXPECT_EQ(Ids(second), (std::vector<uint64_t>{4, 5}));
  std::vector<AuditRecord> none;
  Append(*store, &none);

  const std::vector<AuditRecord> all = Trail(*store);
  ASSERT_EQ(Ids(all), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  const AuditRecord& refused = all[1];
  EXPECT_EQ(refused.consumer_key, "finance-query-1");
  EXPECT_EQ(refused.consumer_department, "finance");
  EXPECT_EQ(refused.provider_department, "");
  EXPECT_EQ(refused.agreement, "");
  EXPECT_EQ(refused.outcome, "no_agreement");
  EXPECT_EQ(refused.as_of, 0u);
  const AuditRecord& answered = all[4];
  EXPECT_EQ(answered.unix_ms, 1700000000009);
  EXPECT_EQ(answered.provider_department, "finance");
  EXPECT_EQ(answered.agreement, "TAX-SCI-2021");
  EXPECT_EQ(answered.kind, "query");
  EXPECT_EQ(answered.request, "indicators=hightech_certified parks=* periods=2019..2020 level=park");
  EXPECT_EQ(answered.rows, 9u);
  EXPECT_EQ(answered.outcome, "answered");
  EXPECT_EQ(answered.as_of, 42u);

  EXPECT_EQ(Ids(Trail(*store, 4)), (std::vector<uint64_t>{4, 5}));
  EXPECT_EQ(Ids(Trail(*store, 1)), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_TRUE(Trail(*store, 6).empty());
  ExpectVerified(*store);
}

TEST(AuditTest, IdsContinueAcrossReopening) {
  TempDir dir;
  StoreOptions options = Options(dir.path());
  options.no_sync = false;
  {
    auto store = OpenStore(options);
    std::vector<AuditRecord> records{Read("scitech", "tax", 1), Read("scitech", "tax", 2)};
    Append(*store, &records);
  }
  auto store = OpenStore(options);
  std::vector<AuditRecord> more{Read("scitech", "tax", 3)};
  Append(*store, &more);
  EXPECT_EQ(more[0].id, 3u);
  EXPECT_EQ(Ids(Trail(*store)), (std::vector<uint64_t>{1, 2, 3}));
}

TEST(AuditTest, AReadOnlyStoreRefusesToAppend) {
  TempDir dir;
  { auto store = OpenStore(Options(dir.path())); }
  StoreOptions read = Options(dir.path());
  read.read_only = true;
  auto store = OpenStore(read);
  std::vector<AuditRecord> records{Read("scitech", "tax", 1)};
  EXPECT_EQ(store->AppendAudit(&records).code(), Status::Code::kReadOnly);
  EXPECT_EQ(records[0].id, 0u);
  EXPECT_TRUE(Trail(*store).empty());
}

TEST(AuditTest, ARecordWithoutAnOutcomeIsRefusedAndNothingWritten) {
  TempDir dir;
  auto store = OpenStore(Options(dir.path()));
  std::vector<AuditRecord> records{Read("scitech", "tax", 1), Read("scitech", "tax", 2, "")};
  EXPECT_EQ(store->AppendAudit(&records).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(records[0].id, 0u);
  EXPECT_TRUE(Trail(*store).empty());
}

TEST(AuditTest, AnOlderStoreReadsAsEmptyUntilAWriterCreatesTheTable) {
  TempDir dir;
  {
    auto store = OpenStore(Options(dir.path()));
    Apply(*store, {Batch("a", 1, {Obs("rev", "p1", "2020", "", 10)})});
  }
  DropAuditTable(dir.path());
  {
    RawEnv raw(dir.path());
    EXPECT_FALSE(raw.HasTable("audit"));
  }
  StoreOptions read = Options(dir.path());
  read.read_only = true;
  {
    auto store = OpenStore(read);
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(Trail(*store).empty());
    ExpectVerified(*store);
  }
  {
    auto store = OpenStore(Options(dir.path()));
    std::vector<AuditRecord> records{Read("scitech", "tax", 1)};
    Append(*store, &records);
    EXPECT_EQ(records[0].id, 1u);
  }
  RawEnv raw(dir.path());
  EXPECT_TRUE(raw.HasTable("audit"));
}

TEST(AuditTest, ADamagedRecordIsRefusedOnReadAndByVerify) {
  TempDir dir;
  {
    auto store = OpenStore(Options(dir.path()));
    std::vector<AuditRecord> records{Read("scitech", "tax", 1), Read("scitech", "tax", 2),
                                     Read("scitech", "tax", 3)};
    Append(*store, &records);
    ExpectVerified(*store);
  }
  const std::string key = internal::BigEndian64Key(2);
  {
    RawEnv raw(dir.path());
    std::optional<std::string> stored = raw.Get("audit", key);
    ASSERT_TRUE(stored.has_value());
    (*stored)[5] = static_cast<char>((*stored)[5] ^ 0x10);  // one bit of the time
    raw.PutUnsealed("audit", key, *stored);
  }
  auto store = OpenStore(Options(dir.path()));
  std::vector<std::string> differences;
  Status verify = store->Verify(&differences);
  EXPECT_EQ(verify.code(), Status::Code::kCorruption) << verify.ToString();
  EXPECT_NE(verify.message().find("checksum"), std::string::npos) << verify.ToString();
  std::unique_ptr<Snapshot> snapshot;
  ASSERT_TRUE(store->OpenSnapshot(&snapshot).ok());
  Status read = snapshot->ForEachAudit(0, [](const AuditRecord&) {});
  EXPECT_EQ(read.code(), Status::Code::kCorruption) << read.ToString();
}

TEST(AuditTest, ASealedButMalformedRecordIsRefusedByVerify) {
  TempDir dir;
  {
    auto store = OpenStore(Options(dir.path()));
    std::vector<AuditRecord> records{Read("scitech", "tax", 1)};
    Append(*store, &records);
  }
  {
    RawEnv raw(dir.path());  // sealed with a valid checksum: only the decoder can tell
    raw.Put("audit", internal::BigEndian64Key(2), internal::EncodeAudit(Read("a", "b", 1)) + "x");
  }
  auto store = OpenStore(Options(dir.path()));
  std::vector<std::string> differences;
  Status verify = store->Verify(&differences);
  EXPECT_EQ(verify.code(), Status::Code::kCorruption) << verify.ToString();
  EXPECT_NE(verify.message().find("audit"), std::string::npos) << verify.ToString();
}

TEST(AuditTest, ABackupCarriesTheTrail) {
  TempDir dir;
  auto store = OpenStore(Options(dir.Sub("live")));
  std::vector<AuditRecord> records{Read("scitech", "tax", 1), Read("finance", "", 0, "no_agreement")};
  Append(*store, &records);
  ASSERT_TRUE(store->Backup(dir.Sub("copy")).ok());
  StoreOptions read = Options(dir.Sub("copy"));
  read.read_only = true;
  auto copy = OpenStore(read);
  ASSERT_NE(copy, nullptr);
  const std::vector<AuditRecord> copied = Trail(*copy);
  ASSERT_EQ(Ids(copied), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(copied[1].outcome, "no_agreement");
  ExpectVerified(*copy);
}

// The query thread appends while the ingest thread commits groups: the writer lock keeps them
// apart, and every audit id is taken once, in order.
TEST(AuditTest, AppendsBesideGroupCommitsFromAnotherThread) {
  TempDir dir;
  auto store = OpenStore(Options(dir.path()));
  constexpr int kRounds = 40;
  std::thread ingest([&] {
    for (uint64_t seq = 1; seq <= kRounds; ++seq) {
      std::vector<ApplyResult> results;
      EXPECT_TRUE(store->ApplyGroup({Batch("a", seq, {Obs("rev", "p1", "2020", "", 1)})}, &results).ok());
    }
  });
  std::vector<uint64_t> ids;
  for (int i = 0; i < kRounds; ++i) {
    std::vector<AuditRecord> records{Read("scitech", "tax", 1), Read("scitech", "tax", 2)};
    ASSERT_TRUE(store->AppendAudit(&records).ok());
    ids.push_back(records[0].id);
    ids.push_back(records[1].id);
  }
  ingest.join();
  std::vector<uint64_t> expected;
  for (uint64_t id = 1; id <= 2 * kRounds; ++id) expected.push_back(id);
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(Ids(Trail(*store)), expected);
  EXPECT_EQ(Journal(*store).size(), static_cast<size_t>(kRounds));
  ExpectVerified(*store);
}

}  // namespace
}  // namespace kpihub::store
