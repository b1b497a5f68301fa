// Outbox: durable, numbered, contiguous across reopen; removal only of what is named;
// renumbering; one process per state directory.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kpihub/testing/temp_dir.h"
#include "kpihub/delivery/outbox.h"
#include "kpihub/platform/lmdb.h"
#include "kpihub/platform/record_codec.h"

namespace kpihub::delivery {
namespace {

std::vector<OutboxEntry> Entries(int n, const std::string& tag) {
  std::vector<OutboxEntry> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({{"gdp", "core", "", "2020Q" + std::to_string(i % 4 + 1), 1.5 * i, tag, ""},
                   tag + "#" + std::to_string(i), std::nullopt});
  }
  return out;
}

std::unique_ptr<Outbox> Open(const std::string& dir) {
  auto box = Outbox::Open(dir);
  EXPECT_TRUE(box.ok()) << box.status().ToString();
  return box.ok() ? *std::move(box) : nullptr;
}

TEST(OutboxTest, NumbersBatchesContiguouslyAcrossReopen) {
  kpihub::testing::TempDir dir;
  std::vector<uint64_t> seqs;
  {
    auto box = Open(dir.path());
    EXPECT_EQ(box->next_sequence(), 1u);
    ASSERT_TRUE(box->Append({Entries(2, "a"), Entries(3, "b")}, 1000, &seqs).ok());
    EXPECT_EQ(seqs, (std::vector<uint64_t>{1, 2}));
    ASSERT_TRUE(box->Remove(1).ok());
  }
  auto box = Open(dir.path());  // as after a restart (or kill -9: LMDB commits are atomic)
  EXPECT_EQ(box->next_sequence(), 3u);
  EXPECT_EQ(*box->Pending(), (std::vector<uint64_t>{2}));
  ASSERT_TRUE(box->Append({Entries(1, "c")}, 2000, &seqs).ok());
  EXPECT_EQ(seqs, (std::vector<uint64_t>{3}));
  auto b = box->Load(2);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(b->entries.size(), 3u);
  EXPECT_EQ(b->created_unix_ms, 1000);
  EXPECT_EQ(b->entries[2].observation.value, 3.0);
  EXPECT_EQ(b->entries[2].observation.period, "2020Q3");
  EXPECT_EQ(b->entries[2].origin, "b#2");
  EXPECT_EQ(b->entries[2].observation.note, "b");
}

TEST(OutboxTest, KeepsExactValuesIncludingNonFinite) {
  kpihub::testing::TempDir dir;
  auto box = Open(dir.path());
  auto e = Entries(3, "x");
  e[0].observation.value = std::numeric_limits<double>::quiet_NaN();
  e[1].observation.value = 0.1 + 0.2;
  ASSERT_TRUE(box->Append({e}, 0, nullptr).ok());
  auto b = box->Load(1);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(std::isnan(b->entries[0].observation.value));
  EXPECT_EQ(b->entries[1].observation.value, 0.1 + 0.2);
}

TEST(OutboxTest, RemovingTheAbsentIsHarmlessAndEmptyBatchesCount) {
  kpihub::testing::TempDir dir;
  auto box = Open(dir.path());
  std::vector<uint64_t> seqs;
  ASSERT_TRUE(box->Append({{}, Entries(1, "a")}, 0, &seqs).ok());
  EXPECT_EQ(seqs.size(), 2u);
  EXPECT_TRUE(box->Remove(42).ok());
  EXPECT_EQ(box->Pending()->size(), 2u);
  EXPECT_TRUE(box->Load(1)->entries.empty());
}

TEST(OutboxTest, RenumberKeepsOrderAndMovesTheNextSequence) {
  kpihub::testing::TempDir dir;
  auto box = Open(dir.path());
  ASSERT_TRUE(box->Append({Entries(1, "a"), Entries(1, "b"), Entries(1, "c")}, 0, nullptr).ok());
  ASSERT_TRUE(box->Remove(1).ok());
  ASSERT_TRUE(box->Renumber(7).ok());
  EXPECT_EQ(*box->Pending(), (std::vector<uint64_t>{7, 8}));
  EXPECT_EQ(box->Load(7)->entries[0].origin, "b#0");
  EXPECT_EQ(box->Load(8)->entries[0].origin, "c#0");
  EXPECT_EQ(box->next_sequence(), 9u);
  ASSERT_TRUE(box->Renumber(1).ok());  // down as well (a refused sequence is reused)
  EXPECT_EQ(*box->Pending(), (std::vector<uint64_t>{1, 2}));
  box.reset();
  EXPECT_EQ(Open(dir.path())->next_sequence(), 3u);
}

TEST(OutboxTest, KeepsRestatementsAndPeriodActions) {
  kpihub::testing::TempDir dir;
  auto box = Open(dir.path());
  auto e = Entries(2, "r");
  e[1].observation.restatement = "审计调整 audit";
  OutboxEntry submit;
  submit.action = core::PeriodAction{core::PeriodActionKind::kReopen, "tax", "2020", "退回"};
  submit.origin = "submit";
  e.push_back(submit);
  ASSERT_TRUE(box->Append({e}, 5, nullptr).ok());
  box.reset();
  auto b = Open(dir.path())->Load(1);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(b->entries.size(), 3u);
  EXPECT_FALSE(b->entries[0].action);
  EXPECT_EQ(b->entries[0].observation.restatement, "");
  EXPECT_EQ(b->entries[1].observation.restatement, "审计调整 audit");
  EXPECT_EQ(b->entries[1].origin, "r#1");
  ASSERT_TRUE(b->entries[2].action);
  EXPECT_EQ(b->entries[2].action->kind, core::PeriodActionKind::kReopen);
  EXPECT_EQ(b->entries[2].action->department, "tax");
  EXPECT_EQ(b->entries[2].action->period, "2020");
  EXPECT_EQ(b->entries[2].action->note, "退回");
  EXPECT_EQ(b->entries[2].origin, "submit");
}

// An outbox an older adapter left on disk: its records are version 1 (observations only, no
// restatement). Built here byte for byte as that version wrote them, with LMDB directly.
void WriteVersion1Outbox(const std::string& dir) {
  platform::RecordWriter w;
  w.PutU32(1);
  w.PutI64(777);
  w.PutU32(1);
  for (const char* text : {"gdp", "core", "", "2019Q4"}) w.PutString(text);
  w.PutF64(12.5);
  w.PutString("note");
  w.PutString("old-origin");
  platform::LmdbEnvOptions options;
  options.path = dir;
  options.max_dbs = 4;
  options.map_bytes = size_t{1} << 20;
  MDB_env* env = nullptr;
  ASSERT_TRUE(platform::OpenLmdbEnv(options, &env).ok());
  platform::Txn txn;
  ASSERT_TRUE(platform::Txn::Begin(env, 0, &txn).ok());
  MDB_dbi meta = 0, batches = 0;
  ASSERT_EQ(mdb_dbi_open(txn.get(), "meta", MDB_CREATE, &meta), 0);
  ASSERT_EQ(mdb_dbi_open(txn.get(), "batches", MDB_CREATE, &batches), 0);
  ASSERT_TRUE(platform::PutRecord(txn.get(), batches, platform::BigEndian64Key(4), w.data()).ok());
  ASSERT_TRUE(platform::PutRecord(txn.get(), meta, "next_sequence", platform::BigEndian64Key(5)).ok());
  ASSERT_EQ(txn.Commit(), 0);
  mdb_env_close(env);
}

TEST(OutboxTest, ReadsBatchesAnOlderVersionWrote) {
  kpihub::testing::TempDir dir;
  WriteVersion1Outbox(dir.path());
  auto box = Open(dir.path());
  EXPECT_EQ(box->next_sequence(), 5u);
  EXPECT_EQ(*box->Pending(), (std::vector<uint64_t>{4}));
  auto old = box->Load(4);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->created_unix_ms, 777);
  ASSERT_EQ(old->entries.size(), 1u);
  const auto& o = old->entries[0].observation;
  EXPECT_EQ(o.indicator, "gdp");
  EXPECT_EQ(o.period, "2019Q4");
  EXPECT_EQ(o.value, 12.5);
  EXPECT_EQ(o.note, "note");
  EXPECT_EQ(o.restatement, "");
  EXPECT_EQ(old->entries[0].origin, "old-origin");
  EXPECT_FALSE(old->entries[0].action);
  // New batches beside it are written in the current version; both read back, and the old
  // one survives renumbering (which moves records as they are).
  ASSERT_TRUE(box->Append({Entries(1, "new")}, 0, nullptr).ok());
  ASSERT_TRUE(box->Renumber(1).ok());
  EXPECT_EQ(box->Load(1)->entries[0].origin, "old-origin");
  EXPECT_EQ(box->Load(2)->entries[0].origin, "new#0");
}

TEST(OutboxTest, OneProcessPerStateDirectory) {
  kpihub::testing::TempDir dir;
  auto first = Open(dir.path());
  auto second = Outbox::Open(dir.path());
  EXPECT_FALSE(second.ok());
  const std::string error = second.status().message();
  EXPECT_NE(error.find("in use"), std::string::npos) << error;
  first.reset();
  EXPECT_TRUE(Outbox::Open(dir.path()).ok());
}

TEST(OutboxTest, RefusesAnUnusableDirectory) {
  auto box = Outbox::Open("/proc/kpihub-no-such/outbox");
  EXPECT_FALSE(box.ok());
  EXPECT_FALSE(box.status().message().empty());
}

}  // namespace
}  // namespace kpihub::delivery
