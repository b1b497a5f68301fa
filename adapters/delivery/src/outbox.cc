#include "kpihub/delivery/outbox.h"

#include <fcntl.h>
#include <lmdb.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "kpihub/platform/disk_space.h"
#include "kpihub/platform/lmdb_file_check.h"
#include "outbox_record.h"

namespace kpihub::delivery {
namespace {

constexpr size_t kInitialMapBytes = size_t{1} << 30;  // sparse; grows on MDB_MAP_FULL
constexpr char kNextSequenceKey[] = "next_sequence";

MDB_val Val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view View(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

// Aborts the transaction unless committed.
class Txn {
 public:
  Txn(MDB_env* env, unsigned flags, int* rc) { *rc = mdb_txn_begin(env, nullptr, flags, &txn_); }
  ~Txn() { if (txn_) mdb_txn_abort(txn_); }
  int Commit() { int rc = mdb_txn_commit(txn_); txn_ = nullptr; return rc; }
  MDB_txn* get() { return txn_; }

 private:
  MDB_txn* txn_ = nullptr;
};

}  // namespace

struct Outbox::Env {
  MDB_env* env = nullptr;
  MDB_dbi meta = 0;
  MDB_dbi batches = 0;
  size_t map_bytes = kInitialMapBytes;
  ~Env() { if (env) mdb_env_close(env); }
};

Outbox::Outbox(std::string dir, std::unique_ptr<Env> env, int lock_fd)
    : dir_(std::move(dir)), env_(std::move(env)), lock_fd_(lock_fd) {}

Outbox::~Outbox() {
  env_.reset();
  if (lock_fd_ >= 0) close(lock_fd_);
}

std::unique_ptr<Outbox> Outbox::Open(const std::string& dir, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) { *error = dir + ": " + ec.message(); return nullptr; }
  chmod(dir.c_str(), 0700);
  int lock_fd = open((dir + "/outbox.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    *error = dir + ": outbox is in use by another process (" + std::strerror(errno) + ")";
    if (lock_fd >= 0) close(lock_fd);
    return nullptr;
  }
  // LMDB trusts the file it maps: a truncated outbox would be SIGBUS on first touch.
  const auto check = platform::CheckLmdbDataFile(dir + "/data.mdb");
  if (check.kind == platform::LmdbFileCheck::Kind::kDamaged ||
      check.kind == platform::LmdbFileCheck::Kind::kEmpty) {
    *error = check.kind == platform::LmdbFileCheck::Kind::kEmpty
                 ? dir + "/data.mdb is empty (0 bytes): not an outbox; move it aside (the batches "
                         "it held must be resent from the department's export)"
                 : check.problem;
    close(lock_fd);
    return nullptr;
  }
  auto env = std::make_unique<Env>();
  int rc = mdb_env_create(&env->env);
  if (rc == 0) rc = mdb_env_set_maxdbs(env->env, 4);
  if (rc == 0) rc = mdb_env_set_mapsize(env->env, env->map_bytes);
  if (rc == 0) rc = mdb_env_open(env->env, dir.c_str(), MDB_NOTLS, 0600);
  int dead = 0;
  if (rc == 0) mdb_reader_check(env->env, &dead);
  std::unique_ptr<Outbox> box;
  if (rc == 0) {
    Txn txn(env->env, 0, &rc);
    if (rc == 0) rc = mdb_dbi_open(txn.get(), "meta", MDB_CREATE, &env->meta);
    if (rc == 0) rc = mdb_dbi_open(txn.get(), "batches", MDB_CREATE, &env->batches);
    uint64_t next = 1;
    MDB_val key = Val(kNextSequenceKey), val;
    if (rc == 0 && mdb_get(txn.get(), env->meta, &key, &val) == 0 && val.mv_size == 8) {
      next = SequenceFromKey(View(val));
    }
    if (rc == 0) rc = txn.Commit();
    if (rc == 0) {
      box.reset(new Outbox(dir, std::move(env), lock_fd));
      box->next_sequence_ = next;
      return box;
    }
  }
  *error = dir + ": cannot open the outbox: " + mdb_strerror(rc);
  close(lock_fd);
  return nullptr;
}

bool Outbox::Fail(const std::string& what, int rc, std::string* error) {
  // MDB_MAP_FULL aborts cleanly and can be retried; anything else may have half-written.
  if (rc != MDB_MAP_FULL) failed_ = true;
  *error = dir_ + ": " + what + ": " + mdb_strerror(rc);
  // LMDB reports the short write of a full disk as EIO: say which it was.
  if (rc == EIO || rc == ENOSPC) {
    if (std::string full = platform::DiskFullReason(dir_); !full.empty()) *error += " (" + full + ")";
  }
  return false;
}

bool Outbox::Append(const std::vector<std::vector<OutboxEntry>>& batches, int64_t now_unix_ms,
                    std::vector<uint64_t>* sequences, std::string* error) {
  if (failed_) { *error = dir_ + ": outbox refused writes after an earlier failure"; return false; }
  for (int attempt = 0; attempt < 8; ++attempt) {
    int rc = 0;
    Txn txn(env_->env, 0, &rc);
    uint64_t seq = next_sequence_;
    std::vector<uint64_t> given;
    for (size_t i = 0; rc == 0 && i < batches.size(); ++i, ++seq) {
      StoredBatch b{seq, now_unix_ms, batches[i]};
      std::string k = SequenceKey(seq), v = EncodeOutboxRecord(b);
      MDB_val key = Val(k), val = Val(v);
      rc = mdb_put(txn.get(), env_->batches, &key, &val, 0);
      given.push_back(seq);
    }
    std::string next = SequenceKey(seq);
    MDB_val key = Val(kNextSequenceKey), val = Val(next);
    if (rc == 0) rc = mdb_put(txn.get(), env_->meta, &key, &val, 0);
    if (rc == 0) rc = txn.Commit();
    if (rc == 0) {
      next_sequence_ = seq;
      if (sequences) *sequences = std::move(given);
      return true;
    }
    if (rc != MDB_MAP_FULL) return Fail("append", rc, error);
    env_->map_bytes *= 2;  // no transaction is open here, so the map may be resized
    if (int grow = mdb_env_set_mapsize(env_->env, env_->map_bytes); grow != 0) {
      return Fail("grow map", grow, error);
    }
  }
  return Fail("append", MDB_MAP_FULL, error);
}

std::vector<uint64_t> Outbox::Pending(std::string* error) const {
  std::vector<uint64_t> out;
  int rc = 0;
  Txn txn(env_->env, MDB_RDONLY, &rc);
  MDB_cursor* cursor = nullptr;
  if (rc == 0) rc = mdb_cursor_open(txn.get(), env_->batches, &cursor);
  MDB_val key, val;
  for (int op = MDB_FIRST; rc == 0; op = MDB_NEXT) {
    if (mdb_cursor_get(cursor, &key, &val, static_cast<MDB_cursor_op>(op)) != 0) break;
    out.push_back(SequenceFromKey(View(key)));
  }
  if (cursor) mdb_cursor_close(cursor);
  if (rc != 0) *error = dir_ + ": read pending: " + mdb_strerror(rc);
  return out;
}

std::optional<StoredBatch> Outbox::Load(uint64_t sequence, std::string* error) const {
  int rc = 0;
  Txn txn(env_->env, MDB_RDONLY, &rc);
  std::string k = SequenceKey(sequence);
  MDB_val key = Val(k), val;
  if (rc == 0) rc = mdb_get(txn.get(), env_->batches, &key, &val);
  if (rc != 0) {
    *error = dir_ + ": batch " + std::to_string(sequence) + ": " + mdb_strerror(rc);
    return std::nullopt;
  }
  auto batch = DecodeOutboxRecord(View(val), sequence);
  if (!batch) *error = dir_ + ": batch " + std::to_string(sequence) + " is corrupt";
  return batch;
}

bool Outbox::Remove(uint64_t sequence, std::string* error) {
  if (failed_) { *error = dir_ + ": outbox refused writes after an earlier failure"; return false; }
  int rc = 0;
  Txn txn(env_->env, 0, &rc);
  std::string k = SequenceKey(sequence);
  MDB_val key = Val(k);
  if (rc == 0) rc = mdb_del(txn.get(), env_->batches, &key, nullptr);
  if (rc == MDB_NOTFOUND) rc = 0;
  if (rc == 0) rc = txn.Commit();
  return rc == 0 || Fail("remove", rc, error);
}

bool Outbox::Renumber(uint64_t first, std::string* error) {
  if (failed_) { *error = dir_ + ": outbox refused writes after an earlier failure"; return false; }
  std::vector<uint64_t> pending = Pending(error);
  std::vector<std::pair<uint64_t, std::string>> records;
  int rc = 0;
  {
    Txn txn(env_->env, 0, &rc);
    for (uint64_t seq : pending) {
      std::string k = SequenceKey(seq);
      MDB_val key = Val(k), val;
      if (rc == 0) rc = mdb_get(txn.get(), env_->batches, &key, &val);
      if (rc == 0) records.emplace_back(seq, std::string(View(val)));
      if (rc == 0) rc = mdb_del(txn.get(), env_->batches, &key, nullptr);
    }
    uint64_t seq = first;
    for (auto& [old, bytes] : records) {
      std::string k = SequenceKey(seq++);
      MDB_val key = Val(k), val = Val(bytes);
      if (rc == 0) rc = mdb_put(txn.get(), env_->batches, &key, &val, 0);
    }
    std::string next = SequenceKey(seq);
    MDB_val key = Val(kNextSequenceKey), val = Val(next);
    if (rc == 0) rc = mdb_put(txn.get(), env_->meta, &key, &val, 0);
    if (rc == 0) rc = txn.Commit();
    if (rc == 0) next_sequence_ = seq;
  }
  return rc == 0 || Fail("renumber", rc, error);
}

}  // namespace kpihub::delivery
