// Format 3: every record of the data tables carries a checksum of its key and value. A flipped
// bit in either is refused as corruption on every read path, a format 2 store is upgraded by
// a writer in one transaction and refused by readers until then, and a store known to exist
// (must_exist) is never initialised afresh.
#include <gtest/gtest.h>

#include "../src/codec.h"
#include "../src/record_seal.h"
#include "test_util.h"

namespace kpihub::store {
namespace {

using testing_util::Batch;
using testing_util::Obs;

const char* const kDataTables[] = {"obs", "cells", "senders", "journal", "changes", "dead"};

void Fill(const StoreOptions& options) {
  auto store = testing_util::OpenStore(options);
  testing_util::Apply(*store, {Batch("a", 1, {Obs("rev", "p1", "2020", "91350200MA2SECRET1", 10),
                                              Obs("rev", "p2", "2020", "", 7)}),
                               Batch("a", 2, {Obs("rev", "p1", "2020", "91350200MA2SECRET1", 12)})});
}

// Rewrites every record of `table` with `change` applied to its stored value.
void RewriteTable(const std::string& dir, const char* table,
                  const std::function<std::string(std::string_view, std::string_view)>& change) {
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  ASSERT_EQ(mdb_env_set_maxdbs(env, 16), 0);
  ASSERT_EQ(mdb_env_set_mapsize(env, 64ull << 20), 0);
  ASSERT_EQ(mdb_env_open(env, dir.c_str(), 0, 0600), 0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  MDB_dbi dbi;
  ASSERT_EQ(mdb_dbi_open(txn, table, 0, &dbi), 0);
  std::vector<std::pair<std::string, std::string>> records;
  MDB_cursor* cursor = nullptr;
  ASSERT_EQ(mdb_cursor_open(txn, dbi, &cursor), 0);
  MDB_val k, v;
  for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    std::string_view key(static_cast<const char*>(k.mv_data), k.mv_size);
    records.emplace_back(key, change(key, {static_cast<const char*>(v.mv_data), v.mv_size}));
  }
  mdb_cursor_close(cursor);
  for (auto& [key, value] : records) {
    MDB_val nk{key.size(), key.data()}, nv{value.size(), value.data()};
    ASSERT_EQ(mdb_put(txn, dbi, &nk, &nv, 0), 0);
  }
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

TEST(RecordSealTest, ChecksumCoversKeyAndValue) {
  const std::string sealed = internal::Sealed("key", "value");
  std::string_view value;
  ASSERT_TRUE(internal::Unseal("key", sealed, &value));
  EXPECT_EQ(value, "value");
  EXPECT_FALSE(internal::Unseal("kez", sealed, &value));
  for (size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    std::string flipped = sealed;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_FALSE(internal::Unseal("key", flipped, &value)) << "bit " << bit;
  }
  EXPECT_FALSE(internal::Unseal("key", "abc", &value));  // shorter than a checksum
}

TEST(RecordSealTest, AFlippedBitInAnyTableIsCorruptionOnRead) {
  for (const char* table : {"obs", "cells", "journal", "changes"}) {
    SCOPED_TRACE(table);
    testing_util::TempDir dir;
    const StoreOptions options = testing_util::Options(dir.path());
    Fill(options);
    RewriteTable(dir.path(), table, [](std::string_view, std::string_view value) {
      std::string flipped(value);
      flipped[0] = static_cast<char>(flipped[0] ^ 0x04);
      return flipped;
    });
    auto store = testing_util::OpenStore(options);
    std::vector<std::string> differences;
    Status s = store->Verify(&differences);
    std::unique_ptr<Snapshot> snapshot;
    ASSERT_TRUE(store->OpenSnapshot(&snapshot).ok());
    Status history = snapshot->ForEachHistory({}, [](const HistoryEntry&) {});
    Status obs = snapshot->ForEachObservation([](const StoredObservation&) {});
    Status cells = snapshot->ForEachCell([](const core::Cell&) {});
    const bool refused = s.code() == Status::Code::kCorruption ||
                         history.code() == Status::Code::kCorruption ||
                         obs.code() == Status::Code::kCorruption ||
                         cells.code() == Status::Code::kCorruption;
    EXPECT_TRUE(refused) << s.ToString();
    for (const Status& st : {s, history, obs, cells}) {
      if (!st.ok()) {
        EXPECT_NE(st.message().find("checksum"), std::string::npos) << st.ToString();
      }
    }
  }
}

TEST(RecordSealTest, AFormat2StoreIsUpgradedByAWriterAndRefusedByReaders) {
  testing_util::TempDir dir;
  StoreOptions options = testing_util::Options(dir.path());
  Fill(options);
  auto figures = [](Store& store) {
    std::vector<std::string> out;
    for (const StoredObservation& o : testing_util::Observations(store)) {
      out.push_back(o.key.indicator + "/" + o.key.park + "/" + o.key.period + "/" + o.key.entity +
                    "=" + o.value.ToString() + " by " + o.adapter + "#" + std::to_string(o.sequence));
    }
    return out;
  };
  std::vector<std::string> before;
  {
    auto store = testing_util::OpenStore(options);
    before = figures(*store);
  }
  // Format 2 is format 3 without the checksums.
  for (const char* table : kDataTables) {
    RewriteTable(dir.path(), table, [](std::string_view, std::string_view value) {
      return std::string(value.substr(0, value.size() - internal::kSealBytes));
    });
  }
  {
    testing_util::RawEnv raw(dir.path());
    raw.Put("meta", "format_version", std::string("\x02\x00\x00\x00", 4));
  }
  StoreOptions read_only = options;
  read_only.read_only = true;
  std::unique_ptr<Store> reader;
  Status refused = Store::Open(read_only, &reader);
  EXPECT_EQ(refused.code(), Status::Code::kOldFormat) << refused.ToString();
  EXPECT_NE(refused.message().find("format_version 2"), std::string::npos) << refused.ToString();

  auto store = testing_util::OpenStore(options);
  EXPECT_EQ(store->UpgradedFrom(), 2u);
  EXPECT_EQ(figures(*store), before);
  std::vector<std::string> differences;
  ASSERT_TRUE(store->Verify(&differences).ok());
  EXPECT_TRUE(differences.empty());
  testing_util::Apply(*store, {Batch("a", 3, {Obs("rev", "p1", "2020", "", 1)})});
}

TEST(RecordSealTest, AStoreKnownToExistIsNotInitialisedAfresh) {
  testing_util::TempDir dir;
  StoreOptions options = testing_util::Options(dir.path());
  {
    testing_util::RawEnv raw(dir.path());  // an environment with no tables: LMDB's first state
  }
  options.must_exist = true;
  std::unique_ptr<Store> store;
  Status s = Store::Open(options, &store);
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
  options.must_exist = false;
  EXPECT_TRUE(Store::Open(options, &store).ok());
}

}  // namespace
}  // namespace kpihub::store
