#include "kpihub/platform/lmdb.h"
#include "kpihub/platform/map_fault.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace kpihub::platform {
namespace {

Status::Code CodeFor(int rc) {
  switch (rc) {
    case MDB_MAP_FULL:
      return Status::Code::kMapFull;
    case ENOENT:
      return Status::Code::kNotFound;
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
    case MDB_CORRUPTED:
    case MDB_INCOMPATIBLE:
    case MDB_PAGE_NOTFOUND:
      return Status::Code::kCorruption;
    default:
      return Status::Code::kIoError;
  }
}

std::string WithoutTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// The state is private: the directory is created 0700, its parents with the usual mode.
Status PrepareDirectory(const std::string& path, bool read_only) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::Ok();
    return Status::InvalidArgument(path + " is not a directory");
  }
  if (const int err = errno; err != ENOENT) return LmdbError(err, "stat " + path);
  if (read_only) return Status::NotFound(path + " does not exist");
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return Status::IoError("create " + parent.string() + ": " + ec.message());
  if (::mkdir(path.c_str(), 0700) != 0) {
    if (const int err = errno; err != EEXIST) return LmdbError(err, "mkdir " + path);
  }
  return Status::Ok();
}

}  // namespace

Status LmdbError(int rc, std::string_view what) {
  return Status::Error(CodeFor(rc), std::string(what) + ": " + mdb_strerror(rc));
}

Status LmdbWriteError(int rc, std::string_view what) {
  if (rc == MDB_MAP_FULL) return LmdbError(rc, what);
  return Status::IoError(std::string(what) + ": " + mdb_strerror(rc));
}

Txn& Txn::operator=(Txn&& o) noexcept {
  if (this != &o) {
    Abort();
    txn_ = o.txn_;
    o.txn_ = nullptr;
  }
  return *this;
}

Status Txn::Begin(MDB_env* env, unsigned flags, Txn* txn) {
  MDB_txn* raw = nullptr;
  if (int rc = mdb_txn_begin(env, nullptr, flags, &raw); rc != 0) return LmdbError(rc, "begin");
  *txn = Txn(raw);
  return Status::Ok();
}

int Txn::Commit() {
  MDB_txn* txn = txn_;
  txn_ = nullptr;
  return mdb_txn_commit(txn);
}

void Txn::Abort() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

Status GetRecord(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view* value,
                 bool* found) {
  MDB_val k = ToVal(key), v;
  const int rc = mdb_get(txn, dbi, &k, &v);
  *found = rc == 0;
  if (rc == MDB_NOTFOUND) return Status::Ok();
  if (rc != 0) return LmdbError(rc, "get");
  *value = FromVal(v);
  return Status::Ok();
}

Status PutRecord(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
                 unsigned flags) {
  MDB_val k = ToVal(key), v = ToVal(value);
  const int rc = mdb_put(txn, dbi, &k, &v, flags);
  return rc == 0 ? Status::Ok() : LmdbWriteError(rc, "put");
}

Status DeleteRecord(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  MDB_val k = ToVal(key);
  const int rc = mdb_del(txn, dbi, &k, nullptr);
  return rc == 0 || rc == MDB_NOTFOUND ? Status::Ok() : LmdbWriteError(rc, "del");
}

Status OpenLmdbEnv(const LmdbEnvOptions& options, MDB_env** out, int* lmdb_rc) {
  if (lmdb_rc != nullptr) *lmdb_rc = 0;
  const std::string path = WithoutTrailingSlashes(options.path);
  if (Status s = PrepareDirectory(path, options.read_only); !s.ok()) return s;
  MDB_env* env = nullptr;
  if (int rc = mdb_env_create(&env); rc != 0) return LmdbError(rc, "mdb_env_create");
  int rc = mdb_env_set_assert(env, OnLmdbAssertFailure);
  if (rc == 0) rc = mdb_env_set_maxdbs(env, options.max_dbs);
  if (rc == 0) rc = mdb_env_set_maxreaders(env, options.max_readers);
  if (rc == 0 && options.map_bytes > 0) rc = mdb_env_set_mapsize(env, options.map_bytes);
  unsigned flags = MDB_NOTLS;
  if (options.read_only) flags |= MDB_RDONLY;
  if (options.no_sync) flags |= MDB_NOSYNC;
  if (rc == 0) rc = mdb_env_open(env, path.c_str(), flags, 0600);
  int stale_readers = 0;
  if (rc == 0) rc = mdb_reader_check(env, &stale_readers);
  if (rc != 0) {
    mdb_env_close(env);
    if (lmdb_rc != nullptr) *lmdb_rc = rc;
    return LmdbError(rc, "open " + path);
  }
  *out = env;
  return Status::Ok();
}

}  // namespace kpihub::platform
