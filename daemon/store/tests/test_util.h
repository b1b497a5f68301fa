// Helpers shared by the store tests: a temp directory per test, batch builders, readers that
// collect a snapshot into vectors, and raw LMDB access for corrupting a closed store.
#pragma once

#include <lmdb.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kpihub/store/store.h"
#include "../src/record_seal.h"

namespace kpihub::store::testing_util {

// A fresh directory under the test temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "/kpihub_store_XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline StoreOptions Options(const std::string& path) {
  StoreOptions options;
  options.path = path;
  options.initial_map_bytes = 8ull << 20;
  options.max_map_bytes = 1ull << 30;
  options.no_sync = true;  // durability across crashes is LMDB's; reopen tests use sync
  return options;
}

inline core::ValidObservation Obs(std::string indicator, std::string park, std::string period,
                                  std::string entity, int64_t units, std::string note = "") {
  core::ValidObservation obs;
  obs.key = {std::move(indicator), std::move(park), std::move(period), std::move(entity)};
  obs.value = core::Decimal::FromInt(units);
  obs.note = std::move(note);
  return obs;
}

inline core::ValidObservation ObsMicros(const core::FigureKey& key, __int128 micros) {
  core::ValidObservation obs;
  obs.key = key;
  obs.value = core::Decimal::FromMicros(micros);
  return obs;
}

inline BatchToApply Batch(std::string adapter, uint64_t sequence,
                          std::vector<core::ValidObservation> accepted,
                          std::string department = "tax", int64_t unix_ms = 1700000000000) {
  BatchToApply batch;
  batch.adapter = std::move(adapter);
  batch.department = std::move(department);
  batch.sequence = sequence;
  batch.received_unix_ms = unix_ms;
  batch.accepted = std::move(accepted);
  return batch;
}

inline std::pair<core::Rejection, core::Observation> Rejected(uint32_t index,
                                                              core::RejectReason reason) {
  core::Rejection rejection{index, reason, "detail " + std::to_string(index)};
  core::Observation raw{"bad_indicator", "p1", "91350200MA2XXXXXXX", "2020", 1.5, "raw note"};
  return {rejection, raw};
}

inline std::unique_ptr<Store> OpenStore(const StoreOptions& options) {
  std::unique_ptr<Store> store;
  Status s = Store::Open(options, &store);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return store;
}

// Applies and expects the group to commit.
inline std::vector<ApplyResult> Apply(Store& store, std::vector<BatchToApply> batches) {
  std::vector<ApplyResult> results;
  Status s = store.ApplyGroup(batches, &results);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return results;
}

template <typename Record, typename Method>
std::vector<Record> Collect(Store& store, Method method) {
  std::vector<Record> out;
  std::unique_ptr<Snapshot> snapshot;
  Status s = store.OpenSnapshot(&snapshot);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return out;
  s = ((*snapshot).*method)([&](const Record& r) { out.push_back(r); });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

inline std::vector<core::Cell> Cells(Store& store) {
  return Collect<core::Cell>(store, &Snapshot::ForEachCell);
}
inline std::vector<StoredObservation> Observations(Store& store) {
  return Collect<StoredObservation>(store, &Snapshot::ForEachObservation);
}
inline std::vector<SenderState> Senders(Store& store) {
  return Collect<SenderState>(store, &Snapshot::ForEachSender);
}
inline std::vector<JournalEntry> Journal(Store& store) {
  return Collect<JournalEntry>(store, &Snapshot::ForEachJournal);
}
inline std::vector<DeadLetter> DeadLetters(Store& store) {
  return Collect<DeadLetter>(store, &Snapshot::ForEachDeadLetter);
}
inline std::vector<HistoryEntry> History(Store& store, const core::FigureKey& prefix = {}) {
  std::vector<HistoryEntry> out;
  std::unique_ptr<Snapshot> snapshot;
  EXPECT_TRUE(store.OpenSnapshot(&snapshot).ok());
  if (!snapshot) return out;
  Status s = snapshot->ForEachHistory(prefix, [&](const HistoryEntry& h) { out.push_back(h); });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// Raw LMDB on a store that is NOT open in this process (LMDB forbids opening one
// environment twice in a process). Used to plant corruption and to build old formats.
class RawEnv {
 public:
  // `seal`: records put in the data tables get their format 3 checksum, so that planted
  // values reach the decoders and Verify; false for building a format 1 or 2 store.
  explicit RawEnv(const std::string& path, bool seal = true) : seal_(seal) {
    EXPECT_EQ(mdb_env_create(&env_), 0);
    EXPECT_EQ(mdb_env_set_maxdbs(env_, 16), 0);
    EXPECT_EQ(mdb_env_set_mapsize(env_, 64ull << 20), 0);
    EXPECT_EQ(mdb_env_open(env_, path.c_str(), 0, 0600), 0);
  }
  ~RawEnv() { mdb_env_close(env_); }

  void Put(const char* table, std::string_view key, std::string_view value) {
    const std::string stored = Stored(table, key, value);
    value = stored;
    Write(table, [&](MDB_txn* txn, MDB_dbi dbi) {
      MDB_val k{key.size(), const_cast<char*>(key.data())};
      MDB_val v{value.size(), const_cast<char*>(value.data())};
      return mdb_put(txn, dbi, &k, &v, 0);
    });
  }
  // Many records in one transaction.
  void PutAll(const char* table, const std::vector<std::pair<std::string, std::string>>& records) {
    Write(table, [&](MDB_txn* txn, MDB_dbi dbi) {
      for (const auto& [key, plain] : records) {
        const std::string value = Stored(table, key, plain);
        MDB_val k{key.size(), const_cast<char*>(key.data())};
        MDB_val v{value.size(), const_cast<char*>(value.data())};
        if (int rc = mdb_put(txn, dbi, &k, &v, 0); rc != 0) return rc;
      }
      return 0;
    });
  }
  // A value without a checksum, even in a data table (a record garbled on disk).
  void PutUnsealed(const char* table, std::string_view key, std::string_view value) {
    const bool seal = seal_;
    seal_ = false;
    Put(table, key, value);
    seal_ = seal;
  }
  // The record under `key` as stored (with its checksum), or nullopt; the table must exist.
  std::optional<std::string> Get(const char* table, std::string_view key) {
    std::optional<std::string> out;
    MDB_txn* txn = nullptr;
    EXPECT_EQ(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn), 0);
    MDB_dbi dbi;
    EXPECT_EQ(mdb_dbi_open(txn, table, 0, &dbi), 0);
    MDB_val k{key.size(), const_cast<char*>(key.data())}, v;
    if (mdb_get(txn, dbi, &k, &v) == 0) out.emplace(static_cast<const char*>(v.mv_data), v.mv_size);
    mdb_txn_abort(txn);
    return out;
  }
  bool HasTable(const char* table) {
    MDB_txn* txn = nullptr;
    EXPECT_EQ(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn), 0);
    MDB_dbi dbi;
    const int rc = mdb_dbi_open(txn, table, 0, &dbi);
    mdb_txn_abort(txn);
    return rc == 0;
  }
  void Delete(const char* table, std::string_view key) {
    Write(table, [&](MDB_txn* txn, MDB_dbi dbi) {
      MDB_val k{key.size(), const_cast<char*>(key.data())};
      return mdb_del(txn, dbi, &k, nullptr);
    });
  }

 private:
  std::string Stored(const char* table, std::string_view key, std::string_view value) const {
    if (!seal_ || std::string_view(table) == "meta") return std::string(value);
    return internal::Sealed(key, value);
  }
  bool seal_ = true;

  template <typename Fn>
  void Write(const char* table, Fn fn) {
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(env_, nullptr, 0, &txn), 0);
    MDB_dbi dbi;
    ASSERT_EQ(mdb_dbi_open(txn, table, MDB_CREATE, &dbi), 0);
    ASSERT_EQ(fn(txn, dbi), 0);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
  }
  MDB_env* env_ = nullptr;
};

}  // namespace kpihub::store::testing_util
