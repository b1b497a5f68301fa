#include "lmdb_env.h"

#include "codec.h"
#include "migrate_v1.h"

namespace kpihub::store::internal {
namespace {

constexpr unsigned kMaxDbs = 16;
constexpr unsigned kMaxReaders = 126;

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

Status Corrupt(std::string_view table, std::string_view what) {
  return Status::Error(Status::Code::kCorruption,
                       "table " + std::string(table) + ": " + std::string(what));
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
  platform::LmdbEnvOptions env;
  env.path = options.path;
  env.max_dbs = kMaxDbs;
  env.max_readers = kMaxReaders;
  env.map_bytes = options.read_only ? 0 : options.initial_map_bytes;  // a reader adopts the writer's
  env.read_only = options.read_only;
  env.no_sync = options.no_sync;
  return platform::OpenLmdbEnv(env, out);
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
