#include "lmdb_env.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "codec.h"
#include "migrate_v1.h"

namespace kpihub::store::internal {
namespace {

constexpr unsigned kMaxDbs = 16;
constexpr unsigned kMaxReaders = 126;

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
    return Status::Error(Status::Code::kInvalid, path + " is not a directory");
  }
  if (const int err = errno; err != ENOENT) return LmdbError(err, "stat " + path);
  if (read_only) return Status::Error(Status::Code::kNotFound, path + " does not exist");
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return Status::Error(Status::Code::kIoError, "create " + parent.string() + ": " + ec.message());
  if (::mkdir(path.c_str(), 0700) != 0) {
    if (const int err = errno; err != EEXIST) return LmdbError(err, "mkdir " + path);
  }
  return Status::Ok();
}

Status OpenTable(MDB_txn* txn, const char* name, bool read_only, MDB_dbi* dbi) {
  const int rc = mdb_dbi_open(txn, name, read_only ? 0 : MDB_CREATE, dbi);
  if (rc == MDB_NOTFOUND) {
    return Status::Error(Status::Code::kNotFound,
                         std::string("table ") + name + " missing: not a kpihub store");
  }
  return rc == 0 ? Status::Ok() : LmdbError(rc, std::string("open table ") + name);
}

Status IsEmpty(MDB_txn* txn, MDB_dbi dbi, bool* empty) {
  MDB_stat st;
  if (int rc = mdb_stat(txn, dbi, &st); rc != 0) return LmdbError(rc, "mdb_stat");
  *empty = st.ms_entries == 0;
  return Status::Ok();
}

// A fresh environment gets the current version; data without a version is not ours.
Status InitialiseFormatVersion(MDB_txn* txn, const Tables& t) {
  for (MDB_dbi dbi : {t.obs, t.cells, t.senders, t.journal, t.changes, t.dead}) {
    bool empty = false;
    if (Status s = IsEmpty(txn, dbi, &empty); !s.ok()) return s;
    if (!empty) return Corrupt("meta", "format_version missing in a non-empty store");
  }
  RecordWriter w;
  w.PutU32(Store::kFormatVersion);
  return PutRecord(txn, t.meta, kMetaFormatVersion, w.data());
}

// *upgrade: a format 1 store this open must upgrade (writers only).
Status CheckFormatVersion(MDB_txn* txn, MDB_dbi meta, bool read_only, bool* present,
                          bool* upgrade) {
  *upgrade = false;
  std::string_view value;
  if (Status s = GetRecord(txn, meta, kMetaFormatVersion, &value, present); !s.ok()) return s;
  if (!*present) return Status::Ok();
  RecordReader r(value);
  const uint32_t version = r.GetU32();
  if (!r.Done()) return Corrupt("meta", "undecodable format_version");
  if (version == kFormatVersion1) {
    if (read_only) {
      return Status::Error(Status::Code::kOldFormat,
                           "store has format_version 1; kpihubd upgrades it to " +
                               std::to_string(Store::kFormatVersion) + " when it next starts");
    }
    *upgrade = true;
    return Status::Ok();
  }
  if (version != Store::kFormatVersion) {
    return Corrupt("meta", "format_version " + std::to_string(version) + ", this build reads " +
                               std::to_string(Store::kFormatVersion));
  }
  return Status::Ok();
}

Status OpenDataTables(MDB_txn* txn, bool read_only, Tables* t) {
  const std::pair<const char*, MDB_dbi*> tables[] = {
      {"obs", &t->obs},         {"cells", &t->cells},     {"senders", &t->senders},
      {"journal", &t->journal}, {"changes", &t->changes}, {"dead", &t->dead}};
  for (const auto& [name, dbi] : tables) {
    if (Status s = OpenTable(txn, name, read_only, dbi); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Status LmdbError(int rc, std::string_view what) {
  return Status::Error(CodeFor(rc), std::string(what) + ": " + mdb_strerror(rc));
}

Status LmdbWriteError(int rc, std::string_view what) {
  if (rc == MDB_MAP_FULL) return LmdbError(rc, what);
  return Status::Error(Status::Code::kIoError, std::string(what) + ": " + mdb_strerror(rc));
}

Status Corrupt(std::string_view table, std::string_view what) {
  return Status::Error(Status::Code::kCorruption,
                       "table " + std::string(table) + ": " + std::string(what));
}

Txn& Txn::operator=(Txn&& o) noexcept {
  if (this != &o) {
    Abort();
    txn_ = o.txn_;
    o.txn_ = nullptr;
  }
  return *this;
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

Status NextId(MDB_txn* txn, MDB_dbi dbi, std::string_view table, uint64_t* next) {
  Cursor cursor;
  if (int rc = cursor.Open(txn, dbi); rc != 0) return LmdbError(rc, "cursor open");
  MDB_val k, v;
  const int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_LAST);
  if (rc == MDB_NOTFOUND) {
    *next = 1;
    return Status::Ok();
  }
  if (rc != 0) return LmdbError(rc, "cursor last");
  if (k.mv_size != 8) return Corrupt(table, "key is not a u64 id");
  *next = ReadBigEndian64(FromVal(k)) + 1;
  return Status::Ok();
}

Status OpenEnvironment(const StoreOptions& options, MDB_env** out) {
  const std::string path = WithoutTrailingSlashes(options.path);
  if (Status s = PrepareDirectory(path, options.read_only); !s.ok()) return s;
  MDB_env* env = nullptr;
  if (int rc = mdb_env_create(&env); rc != 0) return LmdbError(rc, "mdb_env_create");
  int rc = mdb_env_set_maxdbs(env, kMaxDbs);
  if (rc == 0) rc = mdb_env_set_maxreaders(env, kMaxReaders);
  // A reader adopts the map size recorded by the writer.
  if (rc == 0 && !options.read_only) rc = mdb_env_set_mapsize(env, options.initial_map_bytes);
  unsigned flags = MDB_NOTLS;
  if (options.read_only) flags |= MDB_RDONLY;
  if (options.no_sync) flags |= MDB_NOSYNC;
  if (rc == 0) rc = mdb_env_open(env, path.c_str(), flags, 0600);
  int stale_readers = 0;
  if (rc == 0) rc = mdb_reader_check(env, &stale_readers);
  if (rc != 0) {
    mdb_env_close(env);
    return LmdbError(rc, "open " + path);
  }
  *out = env;
  return Status::Ok();
}

Status OpenTables(MDB_env* env, bool read_only, Tables* tables, uint32_t* upgraded_from) {
  *upgraded_from = 0;
  MDB_txn* raw = nullptr;
  if (int rc = mdb_txn_begin(env, nullptr, read_only ? MDB_RDONLY : 0, &raw); rc != 0) {
    return LmdbError(rc, "begin");
  }
  Txn txn(raw);
  if (Status s = OpenTable(txn.get(), "meta", read_only, &tables->meta); !s.ok()) return s;
  bool present = false, upgrade = false;
  if (Status s = CheckFormatVersion(txn.get(), tables->meta, read_only, &present, &upgrade);
      !s.ok()) {
    return s;
  }
  if (!present && read_only) {
    return Status::Error(Status::Code::kNotFound, "store not initialised (no format_version)");
  }
  if (Status s = OpenDataTables(txn.get(), read_only, tables); !s.ok()) return s;
  if (!present) {
    if (Status s = InitialiseFormatVersion(txn.get(), *tables); !s.ok()) return s;
  }
  if (upgrade) {
    if (Status s = MigrateV1(txn.get(), *tables); !s.ok()) return s;
  }
  // Committing (even a read txn) keeps the table handles open for the env's lifetime.
  if (int rc = txn.Commit(); rc != 0) return LmdbError(rc, "commit");
  if (upgrade) *upgraded_from = kFormatVersion1;
  return Status::Ok();
}

}  // namespace kpihub::store::internal
