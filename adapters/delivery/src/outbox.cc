#include "kpihub/delivery/outbox.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "kpihub/platform/disk_space.h"
#include "kpihub/platform/lmdb.h"
#include "kpihub/platform/lmdb_file_check.h"
#include "outbox_record.h"
#include "state_dir.h"

namespace kpihub::delivery {
namespace {

using platform::Txn;

constexpr size_t kInitialMapBytes = size_t{1} << 30;  // sparse; grows on MDB_MAP_FULL
constexpr char kNextSequenceKey[] = "next_sequence";
constexpr char kCursorPrefix[] = "replica/";

// A cursor record: acked (8 bytes, big-endian), behind_since (8), released (1).
std::string EncodeCursor(const ReplicaCursor& c) {
  std::string out = SequenceKey(c.acked) + SequenceKey(static_cast<uint64_t>(c.behind_since_unix_ms));
  out.push_back(c.released ? 1 : 0);
  return out;
}

std::optional<ReplicaCursor> DecodeCursor(std::string_view bytes) {
  if (bytes.size() != 17) return std::nullopt;
  ReplicaCursor c;
  c.acked = SequenceFromKey(bytes.substr(0, 8));
  c.behind_since_unix_ms = static_cast<int64_t>(SequenceFromKey(bytes.substr(8, 8)));
  c.released = bytes[16] != 0;
  return c;
}

}  // namespace

struct Outbox::Env {
  MDB_env* env = nullptr;
  MDB_dbi meta = 0;
  MDB_dbi batches = 0;
  size_t map_bytes = kInitialMapBytes;
  ~Env() { if (env) mdb_env_close(env); }

  // Opens the tables and reads the next sequence.
  Status OpenTables(uint64_t* next) {
    Txn txn;
    if (Status s = Txn::Begin(env, 0, &txn); !s.ok()) return s;
    int rc = mdb_dbi_open(txn.get(), "meta", MDB_CREATE, &meta);
    if (rc == 0) rc = mdb_dbi_open(txn.get(), "batches", MDB_CREATE, &batches);
    if (rc != 0) return platform::LmdbError(rc, "open tables");
    std::string_view value;
    bool found = false;
    if (Status s = platform::GetRecord(txn.get(), meta, kNextSequenceKey, &value, &found); !s.ok()) {
      return s;
    }
    *next = found && value.size() == 8 ? SequenceFromKey(value) : 1;
    rc = txn.Commit();
    return rc == 0 ? Status::Ok() : platform::LmdbError(rc, "commit");
  }
};

Outbox::Outbox(std::string dir, std::unique_ptr<Env> env, int lock_fd)
    : dir_(std::move(dir)), env_(std::move(env)), lock_fd_(lock_fd) {}

Outbox::~Outbox() {
  env_.reset();
  if (lock_fd_ >= 0) close(lock_fd_);
}

Result<std::unique_ptr<Outbox>> Outbox::Open(const std::string& dir) {
  // Two processes must not drain one outbox.
  Result<int> lock_fd = internal::LockAndCheckStateDir(
      dir, "outbox.lock", "outbox",
      "not a usable outbox; move it aside (the batches it held must be resent from the "
      "department's export)");
  if (!lock_fd.ok()) return lock_fd.status();
  auto env = std::make_unique<Env>();
  platform::LmdbEnvOptions options;
  options.path = dir;
  options.max_dbs = 4;
  options.map_bytes = env->map_bytes;
  Status s = platform::OpenLmdbEnv(options, &env->env);
  uint64_t next = 1;
  if (s.ok()) s = env->OpenTables(&next);
  if (!s.ok()) {
    close(*lock_fd);
    return s.WithContext(dir + ": cannot open the outbox");
  }
  std::unique_ptr<Outbox> box(new Outbox(dir, std::move(env), *lock_fd));
  box->next_sequence_ = next;
  return box;
}

Status Outbox::CheckWritable() const {
  if (!failed_) return Status::Ok();
  return Status::Error(Status::Code::kReadOnly,
                       dir_ + ": outbox refused writes after an earlier failure");
}

Status Outbox::Fail(const std::string& what, const Status& cause) {
  // MDB_MAP_FULL aborts cleanly and can be retried; anything else may have half-written.
  if (cause.code() != Status::Code::kMapFull) failed_ = true;
  Status failed = cause.WithContext(dir_ + ": " + what);
  // LMDB reports the short write of a full disk as EIO: say which it was.
  if (cause.code() == Status::Code::kIoError) {
    if (std::string full = platform::DiskFullReason(dir_); !full.empty()) {
      failed = Status::Error(failed.code(), failed.message() + " (" + full + ")");
    }
  }
  return failed;
}

Status Outbox::WriteOnce(const std::vector<std::vector<OutboxEntry>>& batches,
                         int64_t now_unix_ms, std::vector<uint64_t>* sequences) {
  Txn txn;
  if (Status s = Txn::Begin(env_->env, 0, &txn); !s.ok()) return s;
  uint64_t seq = next_sequence_;
  std::vector<uint64_t> given;
  for (const auto& entries : batches) {
    StoredBatch b{seq, now_unix_ms, entries};
    Status s = platform::PutRecord(txn.get(), env_->batches, SequenceKey(seq), EncodeOutboxRecord(b));
    if (!s.ok()) return s;
    given.push_back(seq++);
  }
  Status s = platform::PutRecord(txn.get(), env_->meta, kNextSequenceKey, SequenceKey(seq));
  if (!s.ok()) return s;
  if (int rc = txn.Commit(); rc != 0) return platform::LmdbWriteError(rc, "commit");
  next_sequence_ = seq;
  if (sequences) *sequences = std::move(given);
  return Status::Ok();
}

Status Outbox::Append(const std::vector<std::vector<OutboxEntry>>& batches, int64_t now_unix_ms,
                      std::vector<uint64_t>* sequences) {
  if (Status s = CheckWritable(); !s.ok()) return s;
  Status s;
  for (int attempt = 0; attempt < 8; ++attempt) {
    s = WriteOnce(batches, now_unix_ms, sequences);
    if (s.code() != Status::Code::kMapFull) break;
    env_->map_bytes *= 2;  // no transaction is open here, so the map may be resized
    if (int grow = mdb_env_set_mapsize(env_->env, env_->map_bytes); grow != 0) {
      return Fail("grow map", platform::LmdbWriteError(grow, "mdb_env_set_mapsize"));
    }
  }
  return s.ok() ? s : Fail("append", s);
}

Result<std::vector<uint64_t>> Outbox::Pending() const {
  Txn txn;
  if (Status s = Txn::Begin(env_->env, MDB_RDONLY, &txn); !s.ok()) {
    return s.WithContext(dir_ + ": read pending");
  }
  std::vector<uint64_t> out;
  Status s = platform::ScanPrefix(txn.get(), env_->batches, "",
                                  [&](std::string_view key, std::string_view) {
                                    out.push_back(SequenceFromKey(key));
                                    return Status::Ok();
                                  });
  if (!s.ok()) return s.WithContext(dir_ + ": read pending");
  return out;
}

Result<StoredBatch> Outbox::Load(uint64_t sequence) const {
  const std::string where = dir_ + ": batch " + std::to_string(sequence);
  Txn txn;
  if (Status s = Txn::Begin(env_->env, MDB_RDONLY, &txn); !s.ok()) return s.WithContext(where);
  std::string_view value;
  bool found = false;
  Status s = platform::GetRecord(txn.get(), env_->batches, SequenceKey(sequence), &value, &found);
  if (!s.ok()) return s.WithContext(where);
  if (!found) return Status::NotFound(where + ": not in the outbox");
  auto batch = DecodeOutboxRecord(value, sequence);
  if (!batch) return Status::Corruption(where + " is corrupt");
  return *std::move(batch);
}

Status Outbox::Remove(uint64_t sequence) {
  if (Status s = CheckWritable(); !s.ok()) return s;
  Txn txn;
  Status s = Txn::Begin(env_->env, 0, &txn);
  if (s.ok()) s = platform::DeleteRecord(txn.get(), env_->batches, SequenceKey(sequence));
  if (s.ok()) {
    if (int rc = txn.Commit(); rc != 0) s = platform::LmdbWriteError(rc, "commit");
  }
  return s.ok() ? s : Fail("remove", s);
}

// Moves the records of `pending` to first, first+1, ... and stores the next sequence.
Status Outbox::MoveRecords(MDB_txn* txn, const std::vector<uint64_t>& pending, uint64_t first,
                           uint64_t* next) {
  std::vector<std::string> records;
  for (uint64_t seq : pending) {
    std::string_view value;
    bool found = false;
    Status s = platform::GetRecord(txn, env_->batches, SequenceKey(seq), &value, &found);
    if (s.ok() && found) records.emplace_back(value);
    if (s.ok()) s = platform::DeleteRecord(txn, env_->batches, SequenceKey(seq));
    if (!s.ok()) return s;
  }
  uint64_t seq = first;
  for (const std::string& bytes : records) {
    if (Status s = platform::PutRecord(txn, env_->batches, SequenceKey(seq++), bytes); !s.ok()) {
      return s;
    }
  }
  *next = seq;
  return platform::PutRecord(txn, env_->meta, kNextSequenceKey, SequenceKey(seq));
}

Status Outbox::Renumber(uint64_t first) {
  if (Status s = CheckWritable(); !s.ok()) return s;
  Result<std::vector<uint64_t>> pending = Pending();
  if (!pending.ok()) return pending.status();
  Txn txn;
  uint64_t next = first;
  Status s = Txn::Begin(env_->env, 0, &txn);
  if (s.ok()) s = MoveRecords(txn.get(), *pending, first, &next);
  if (s.ok()) {
    if (int rc = txn.Commit(); rc != 0) s = platform::LmdbWriteError(rc, "commit");
  }
  if (!s.ok()) return Fail("renumber", s);
  next_sequence_ = next;
  return s;
}

}  // namespace kpihub::delivery

namespace kpihub::delivery {

Result<std::map<std::string, ReplicaCursor>> Outbox::Cursors() const {
  Txn txn;
  if (Status s = Txn::Begin(env_->env, MDB_RDONLY, &txn); !s.ok()) return s.WithContext(dir_);
  std::map<std::string, ReplicaCursor> out;
  Status s = platform::ScanPrefix(
      txn.get(), env_->meta, kCursorPrefix, [&](std::string_view key, std::string_view value) {
        auto cursor = DecodeCursor(value);
        if (!cursor) return Status::Corruption(std::string(key) + " is corrupt");
        out[std::string(key.substr(sizeof kCursorPrefix - 1))] = *cursor;
        return Status::Ok();
      });
  if (!s.ok()) return s.WithContext(dir_ + ": read replica cursors");
  return out;
}

// Runs `write` in one write transaction and commits it; a failure is sticky.
Status Outbox::Commit(const std::string& what, const std::function<Status(MDB_txn*)>& write) {
  if (Status s = CheckWritable(); !s.ok()) return s;
  Txn txn;
  Status s = Txn::Begin(env_->env, 0, &txn);
  if (s.ok()) s = write(txn.get());
  if (s.ok()) {
    if (int rc = txn.Commit(); rc != 0) s = platform::LmdbWriteError(rc, "commit");
  }
  return s.ok() ? s : Fail(what, s);
}

Status Outbox::Advance(const std::map<std::string, ReplicaCursor>& cursors,
                       uint64_t remove_through) {
  return Commit("advance", [&](MDB_txn* txn) {
    for (const auto& [id, cursor] : cursors) {
      Status s = platform::PutRecord(txn, env_->meta, kCursorPrefix + id, EncodeCursor(cursor));
      if (!s.ok()) return s;
    }
    std::vector<std::string> gone;
    Status s = platform::ScanPrefix(txn, env_->batches, "", [&](std::string_view key, std::string_view) {
      if (SequenceFromKey(key) > remove_through) return Status::Error(Status::Code::kNotFound, "");
      gone.emplace_back(key);
      return Status::Ok();
    });
    if (!s.ok() && s.code() != Status::Code::kNotFound) return s;
    for (const std::string& key : gone) {
      if (Status d = platform::DeleteRecord(txn, env_->batches, key); !d.ok()) return d;
    }
    return Status::Ok();
  });
}

Status Outbox::Empty(uint64_t sequence) {
  Result<StoredBatch> batch = Load(sequence);
  if (!batch.ok()) return batch.status();
  batch->entries.clear();
  return Commit("empty a refused batch", [&](MDB_txn* txn) {
    return platform::PutRecord(txn, env_->batches, SequenceKey(sequence), EncodeOutboxRecord(*batch));
  });
}

}  // namespace kpihub::delivery
