// The LMDB-backed Store: environment lifetime, the write path (one transaction per group,
// grow-and-retry on MDB_MAP_FULL, sticky errors) and snapshots. Table layout: tables.h.
#include <algorithm>
#include <cerrno>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <lmdb.h>

#include "audit_table.h"
#include "backup.h"
#include "data_file_identity.h"
#include "kpihub/platform/disk_space.h"
#include "kpihub/platform/lmdb_file_check.h"
#include "group_writer.h"
#include "lmdb_env.h"
#include "map_gate.h"
#include "reader_check.h"
#include "snapshot.h"
#include "store_impl.h"
#include "tables.h"

namespace kpihub::store {
namespace internal {
namespace {

Status ReadOnlyError() {
  return Status::Error(Status::Code::kReadOnly, "store opened read-only");
}

class LmdbStore final : public Store {
 public:
  LmdbStore(const StoreOptions& options, StoreTuning tuning, MDB_env* env, const Tables& tables,
            uint32_t upgraded_from)
      : options_(options), tuning_(std::move(tuning)), env_(env), tables_(tables),
        data_file_(options.path + "/data.mdb"), identity_(env, data_file_),
        upgraded_from_(upgraded_from) {}
  // Every Snapshot must have been destroyed before: they use env_.
  ~LmdbStore() override { CloseEnvironment(env_); }

  Status ApplyGroup(const std::vector<BatchToApply>& batches,
                    std::vector<ApplyResult>* results) override;
  Status OpenSnapshot(std::unique_ptr<Snapshot>* out) override;
  Status SetCatalogueFingerprint(const std::string& fingerprint) override;
  Status AppendAudit(std::vector<AuditRecord>* records) override;
  Status Verify(std::vector<std::string>* differences) override;
  StoreStats Stats() override;
  Status Backup(const std::string& dest_dir) override;
  Status CheckReaders(ReaderReport* report) override { return CheckReaderTable(env_, report); }
  uint32_t UpgradedFrom() const override { return upgraded_from_; }

 private:
  using TxnBody = std::function<Status(MDB_txn*)>;
  // Runs `body` in a write txn and commits, growing the map and rerunning `body` from
  // scratch on MDB_MAP_FULL. Requires write_mu_.
  Status RunWrite(const TxnBody& body);
  Status WriteOnce(const TxnBody& body);
  Status BeginWrite(Txn* txn);
  Status GrowMap();
  // mdb_env_set_mapsize; 0 adopts a size another process set. Requires write_mu_ (so no
  // write txn is open) and waits for this process's snapshots to close.
  Status Remap(uint64_t bytes);
  // Makes a kIoError sticky. Requires write_mu_.
  Status Remember(Status s);
  Status OpenLmdbSnapshot(std::unique_ptr<LmdbSnapshot>* out);

 public:
  // Keeps zeroed bytes after the last used page (platform::PadLmdbDataFile), so that a
  // damaged page read by any process reads zeros, not past the end of the file. Best effort:
  // a commit that succeeded stays a success. Writers only.
  void PadTail() {
    MDB_envinfo info;
    MDB_stat st;
    mdb_filehandle_t fd;
    if (options_.read_only || mdb_env_info(env_, &info) != 0 || mdb_env_stat(env_, &st) != 0 ||
        mdb_env_get_fd(env_, &fd) != 0) {
      return;
    }
    (void)platform::PadLmdbDataFile(fd, (info.me_last_pgno + 1) * uint64_t{st.ms_psize});
  }

 private:

  const StoreOptions options_;
  const StoreTuning tuning_;
  MDB_env* const env_;
  const Tables tables_;
  const std::string data_file_;
  const DataFileIdentity identity_;
  const uint32_t upgraded_from_;
  MapGate gate_;
  std::mutex write_mu_;  // LMDB's single writer, plus remaps
  Status sticky_error_;  // guarded by write_mu_; the first failed write, for good
  GroupScratch scratch_;  // guarded by write_mu_
};

Status LmdbStore::ApplyGroup(const std::vector<BatchToApply>& batches,
                             std::vector<ApplyResult>* results) {
  if (results != nullptr) results->clear();
  if (options_.read_only) return ReadOnlyError();
  std::lock_guard lock(write_mu_);
  if (!sticky_error_.ok()) return sticky_error_;
  if (Status s = CheckGroup(env_, batches); !s.ok()) return s;
  std::vector<ApplyResult> applied;
  Status s = RunWrite([&](MDB_txn* txn) {
    applied.assign(batches.size(), ApplyResult{});  // a retry starts from scratch
    GroupWriter writer(txn, tables_, &scratch_);
    if (Status st = writer.Start(); !st.ok()) return st;
    for (size_t i = 0; i < batches.size(); ++i) {
      if (Status st = writer.Apply(batches[i], &applied[i]); !st.ok()) return st;
    }
    return writer.Finish();
  });
  // Outcomes are reported only for a group whose commit returned 0.
  if (s.ok() && results != nullptr) *results = std::move(applied);
  return s;
}

Status LmdbStore::SetCatalogueFingerprint(const std::string& fingerprint) {
  if (options_.read_only) return ReadOnlyError();
  std::lock_guard lock(write_mu_);
  if (!sticky_error_.ok()) return sticky_error_;
  return RunWrite([&](MDB_txn* txn) {
    return PutRawRecord(txn, tables_.meta, kMetaCatalogueFingerprint, fingerprint);
  });
}

Status LmdbStore::AppendAudit(std::vector<AuditRecord>* records) {
  if (options_.read_only) return ReadOnlyError();
  if (records->empty()) return Status::Ok();
  for (const AuditRecord& record : *records) {
    if (record.outcome.empty()) {
      return Status::Error(Status::Code::kInvalidArgument, "an audit record without an outcome");
    }
  }
  std::lock_guard lock(write_mu_);
  if (!sticky_error_.ok()) return sticky_error_;
  std::vector<uint64_t> ids;
  Status s = RunWrite([&](MDB_txn* txn) { return PutAuditRecords(txn, tables_, *records, &ids); });
  if (!s.ok()) return s;
  for (size_t i = 0; i < ids.size(); ++i) (*records)[i].id = ids[i];
  return s;
}

Status LmdbStore::RunWrite(const TxnBody& body) {
  for (;;) {
    Status s = WriteOnce(body);
    if (s.code() != Status::Code::kMapFull) return Remember(std::move(s));
    if (Status grown = GrowMap(); !grown.ok()) return Remember(std::move(grown));
  }
}

Status LmdbStore::Remember(Status s) {
  if (s.code() == Status::Code::kIoError) sticky_error_ = s;
  return s;
}

Status LmdbStore::WriteOnce(const TxnBody& body) {
  Txn txn;
  if (Status s = BeginWrite(&txn); !s.ok()) return s;
  if (Status s = body(txn.get()); !s.ok()) return s;  // ~Txn aborts
  if (Status s = identity_.Check(); !s.ok()) return s;  // ~Txn aborts; sticky
  int rc = tuning_.commit_fault ? tuning_.commit_fault() : 0;
  if (rc == 0) {
    rc = txn.Commit();
  } else {
    txn.Abort();
  }
  if (rc == 0) {
    PadTail();
    return Status::Ok();
  }
  Status failed = LmdbWriteError(rc, "commit");
  // LMDB reports the short write of a full disk as EIO: say which it was.
  if (rc == EIO || rc == ENOSPC) {
    std::string reason = platform::DiskFullReason(options_.path);
    if (reason.empty()) {
      reason = std::to_string(platform::FreeBytes(options_.path)) + " bytes free on the disk holding " +
               options_.path;
    }
    failed = Status::Error(failed.code(), failed.message() + " (" + reason + ")");
  }
  return failed;
}

// A writer in another process may have grown the map beyond ours (MDB_MAP_RESIZED).
Status LmdbStore::BeginWrite(Txn* txn) {
  for (int attempt = 0;; ++attempt) {
    MDB_txn* raw = nullptr;
    const int rc = mdb_txn_begin(env_, nullptr, 0, &raw);
    if (rc == 0) {
      *txn = Txn(raw);
      return Status::Ok();
    }
    if (rc != MDB_MAP_RESIZED || attempt > 0) return LmdbWriteError(rc, "begin write");
    if (Status s = Remap(0); !s.ok()) return s;
  }
}

Status LmdbStore::GrowMap() {
  MDB_envinfo info;
  MDB_stat st;
  if (int rc = mdb_env_info(env_, &info); rc != 0) return LmdbWriteError(rc, "env info");
  if (int rc = mdb_env_stat(env_, &st); rc != 0) return LmdbWriteError(rc, "env stat");
  const uint64_t current = info.me_mapsize;
  uint64_t next = std::min<uint64_t>(current * 2, options_.max_map_bytes);
  next -= next % st.ms_psize;  // lmdb.h: the size should be a multiple of the page size
  if (next <= current) {
    return Status::Error(Status::Code::kMapFull,
                         "map full at " + std::to_string(current) + " bytes (max_map_bytes " +
                             std::to_string(options_.max_map_bytes) + ")");
  }
  return Remap(next);
}

Status LmdbStore::Remap(uint64_t bytes) {
  if (!gate_.EnterExclusive(tuning_.remap_wait)) {
    return Status::Error(Status::Code::kMapFull,
                         "cannot resize the map while snapshots stay open; retry later");
  }
  const int rc = mdb_env_set_mapsize(env_, bytes);
  gate_.ExitExclusive();
  // A failed remap leaves the environment without a map: sticky.
  return rc == 0 ? Status::Ok() : Status::Error(Status::Code::kIoError,
                                                std::string("resize map: ") + mdb_strerror(rc));
}

Status LmdbStore::OpenLmdbSnapshot(std::unique_ptr<LmdbSnapshot>* out) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    gate_.EnterShared();
    MDB_txn* raw = nullptr;
    const int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &raw);
    if (rc == 0) {
      *out = std::make_unique<LmdbSnapshot>(env_, tables_, Txn(raw), &gate_, data_file_);
      return Status::Ok();
    }
    gate_.ExitShared();
    if (rc != MDB_MAP_RESIZED) return LmdbError(rc, "begin snapshot");
    // Another process grew the map past ours: adopt its size, with no txn of ours open.
    std::lock_guard lock(write_mu_);
    if (Status s = Remap(0); !s.ok()) return Remember(std::move(s));
  }
  return Status::Error(Status::Code::kIoError, "map resized repeatedly while opening a snapshot");
}

Status LmdbStore::OpenSnapshot(std::unique_ptr<Snapshot>* out) {
  std::unique_ptr<LmdbSnapshot> snapshot;
  if (Status s = OpenLmdbSnapshot(&snapshot); !s.ok()) return s;
  *out = std::move(snapshot);
  return Status::Ok();
}

Status LmdbStore::Verify(std::vector<std::string>* differences) {
  std::unique_ptr<LmdbSnapshot> snapshot;
  if (Status s = OpenLmdbSnapshot(&snapshot); !s.ok()) return s;
  return snapshot->VerifyCells(differences);
}

StoreStats LmdbStore::Stats() {
  std::unique_ptr<LmdbSnapshot> snapshot;
  if (OpenLmdbSnapshot(&snapshot).ok()) return snapshot->Stats();
  StoreStats stats;
  MDB_envinfo info;
  if (mdb_env_info(env_, &info) == 0) stats.map_size_bytes = info.me_mapsize;
  return stats;
}

// The snapshot holds a share of the gate, so this process does not remap under the copy, and
// it adopts a map another process (the daemon, for a CLI backup) has grown. Should the daemon
// grow the map again between the two, the copy reports MDB_MAP_RESIZED and is retried.
Status LmdbStore::Backup(const std::string& dest_dir) {
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<LmdbSnapshot> snapshot;
    if (Status s = OpenLmdbSnapshot(&snapshot); !s.ok()) return s;
    int rc = 0;
    Status s = CopyEnvironment(env_, dest_dir, &rc);
    if (rc != MDB_MAP_RESIZED || attempt == 2) return s;
  }
}

Status ValidateOptions(const StoreOptions& options) {
  if (options.path.empty()) return Status::Error(Status::Code::kInvalidArgument, "empty store path");
  if (!options.read_only &&
      (options.initial_map_bytes == 0 || options.initial_map_bytes > options.max_map_bytes)) {
    return Status::Error(Status::Code::kInvalidArgument, "need 0 < initial_map_bytes <= max_map_bytes");
  }
  return Status::Ok();
}

}  // namespace

Status OpenLmdbStore(const StoreOptions& options, StoreTuning tuning,
                     std::unique_ptr<Store>* out) {
  if (Status s = ValidateOptions(options); !s.ok()) return s;
  MDB_env* env = nullptr;
  if (Status s = OpenEnvironment(options, &env); !s.ok()) return s;
  Tables tables;
  uint32_t upgraded_from = 0;
  for (;;) {
    Status s = OpenTables(env, options.read_only, &tables, &upgraded_from, options.must_exist);
    if (s.ok()) break;
    // Only an upgrade from format 1 writes enough to fill the map here. No transaction is
    // open, so the map can be grown directly.
    MDB_envinfo info;
    MDB_stat st;
    if (s.code() == Status::Code::kMapFull && mdb_env_info(env, &info) == 0 &&
        mdb_env_stat(env, &st) == 0 && info.me_mapsize < options.max_map_bytes) {
      uint64_t next = std::min<uint64_t>(info.me_mapsize * 2, options.max_map_bytes);
      next -= next % st.ms_psize;
      if (next > info.me_mapsize && mdb_env_set_mapsize(env, next) == 0) continue;
    }
    CloseEnvironment(env);
    return s;
  }
  auto store = std::make_unique<LmdbStore>(options, std::move(tuning), env, tables, upgraded_from);
  store->PadTail();
  *out = std::move(store);
  return Status::Ok();
}

}  // namespace internal

Status Store::Open(const StoreOptions& options, std::unique_ptr<Store>* out) {
  return internal::OpenLmdbStore(options, internal::StoreTuning{}, out);
}

}  // namespace kpihub::store
