#include "lmdb_env.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "codec.h"
#include "kpihub/platform/lmdb_file_check.h"
#include "migrate_v1.h"
#include "seal_records.h"

namespace kpihub::store::internal {
namespace {

constexpr unsigned kMaxDbs = 16;
constexpr unsigned kMaxReaders = 126;

std::string WithoutTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// LMDB maps the data file and trusts it: a truncated file is SIGBUS on first touch, an empty
// one is silently made a fresh environment. Both are refused before mapping.
Status CheckDataFile(const std::string& data_file) {
  const platform::LmdbFileCheck check = platform::CheckLmdbDataFile(data_file);
  switch (check.kind) {
    case platform::LmdbFileCheck::Kind::kDamaged:
      return Status::Error(Status::Code::kCorruption, check.problem);
    case platform::LmdbFileCheck::Kind::kEmpty:
      return Status::Error(Status::Code::kInvalidArgument,
                           data_file + " is empty (0 bytes): not a store; refusing to turn it into "
                                       "a new one (restore a backup, or `kpihub init`)");
    default:
      return Status::Ok();
  }
}

// What the operator must fix rather than systemd retry: a state folder this user cannot write
// (EACCES, EPERM, EROFS) or a map size this host cannot map (ENOMEM, EINVAL). kInvalidArgument, with
// the folder or the setting named; other failures unchanged.
Status ConfigError(Status s, const std::string& path, int rc = 0, uint64_t map_bytes = 0) {
  if (s.ok()) return s;
  const std::string m = s.message();
  const bool denied = rc == EACCES || rc == EPERM || rc == EROFS ||
                      m.find(std::strerror(EACCES)) != std::string::npos ||
                      m.find(std::strerror(EROFS)) != std::string::npos;
  if (denied) {
    return Status::Error(Status::Code::kInvalidArgument,
                         "the state folder " + path + " (state_dir) cannot be used by this user (the daemon needs it writable): " + m);
  }
  if (rc == ENOMEM || rc == EINVAL) {
    return Status::Error(Status::Code::kInvalidArgument,
                         "cannot map " + std::to_string(map_bytes) + " bytes for " + path +
                             " (initial_map_mib is too large for this host): " + m);
  }
  return s;
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
  return PutRawRecord(txn, t.meta, kMetaFormatVersion, w.data());
}

// *upgrade: a format 1 store this open must upgrade (writers only).
Status CheckFormatVersion(MDB_txn* txn, MDB_dbi meta, bool read_only, bool* present,
                          uint32_t* upgrade) {
  *upgrade = 0;
  std::string_view value;
  if (Status s = GetRawRecord(txn, meta, kMetaFormatVersion, &value, present); !s.ok()) return s;
  if (!*present) return Status::Ok();
  RecordReader r(value);
  const uint32_t version = r.GetU32();
  if (!r.Done()) return Corrupt("meta", "undecodable format_version");
  if (version == kFormatVersion1 || version == kFormatVersion2) {
    if (read_only) {
      return Status::Error(Status::Code::kOldFormat,
                           "store has format_version " + std::to_string(version) +
                               "; kpihubd upgrades it to " +
                               std::to_string(Store::kFormatVersion) + " when it next starts");
    }
    *upgrade = version;
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

Status OpenClosingTables(MDB_txn* txn, bool read_only, Tables* t) {
  const std::pair<const char*, MDB_dbi*> tables[] = {
      {"periods", &t->periods}, {"period_log", &t->period_log}, {"restatements", &t->restatements}};
  for (const auto& [name, dbi] : tables) {
    Status s = OpenTable(txn, name, read_only, dbi);
    if (s.code() == Status::Code::kNotFound && read_only) return Status::Ok();  // an older store
    if (!s.ok()) return s;
  }
  t->closing = true;
  return Status::Ok();
}

Status OpenAuditTable(MDB_txn* txn, bool read_only, Tables* t) {
  Status s = OpenTable(txn, "audit", read_only, &t->audit);
  if (s.code() == Status::Code::kNotFound && read_only) return Status::Ok();  // an older store
  if (!s.ok()) return s;
  t->audit_table = true;
  return Status::Ok();
}

}  // namespace

Status Corrupt(std::string_view table, std::string_view what) {
  return Status::Error(Status::Code::kCorruption,
                       "table " + std::string(table) + ": " + std::string(what));
}

Status CheckedRecord(MDB_txn* txn, const MDB_val& key, const MDB_val& value,
                     std::string_view* checked) {
  return CheckedRecord(RecordBounds::For(mdb_txn_env(txn)), key, value, checked);
}

Status CheckedRecord(const RecordBounds& bounds, const MDB_val& key, const MDB_val& value,
                     std::string_view* checked) {
  if (!bounds.Contains(key, value)) {
    return Status::Error(Status::Code::kCorruption,
                         "a record lies outside the data file (the data file is damaged; restore "
                         "a backup: docs/operations.md)");
  }
  return UnsealRecord("of the store", FromVal(key), FromVal(value), checked);
}

Status GetRawRecord(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view* value,
                    bool* found) {
  std::string_view raw;
  if (Status s = platform::GetRecord(txn, dbi, key, &raw, found); !s.ok() || !*found) return s;
  if (!RecordBounds::For(mdb_txn_env(txn)).Contains(ToVal(key), ToVal(raw))) {
    return Corrupt("meta", "a record lies outside the data file");
  }
  *value = raw;
  return Status::Ok();
}

Status GetRecord(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view* value,
                 bool* found) {
  std::string_view raw;
  if (Status s = platform::GetRecord(txn, dbi, key, &raw, found); !s.ok() || !*found) return s;
  return CheckedRecord(txn, ToVal(key), ToVal(raw), value);
}

Status PutRawRecord(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
                    unsigned flags) {
  return platform::PutRecord(txn, dbi, key, value, flags);
}

Status PutRecord(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
                 unsigned flags) {
  return PutRawRecord(txn, dbi, key, Sealed(key, value), flags);
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
  // Checked before the platform layer creates the directory and LMDB maps the file.
  if (Status s = CheckDataFile(path + "/data.mdb"); !s.ok()) return s;
  const bool existed = platform::CheckLmdbDataFile(path + "/data.mdb").kind !=
                       platform::LmdbFileCheck::Kind::kMissing;
  platform::LmdbEnvOptions env_options;
  env_options.path = path;
  env_options.max_dbs = kMaxDbs;
  env_options.max_readers = kMaxReaders;
  env_options.map_bytes = options.read_only ? 0 : options.initial_map_bytes;  // a reader adopts the writer's
  env_options.read_only = options.read_only;
  env_options.no_sync = options.no_sync;
  MDB_env* env = nullptr;
  int rc = 0;
  if (Status s = platform::OpenLmdbEnv(env_options, &env, &rc); !s.ok()) {
    // A first open that failed (a map this host cannot hold, say) leaves an empty data.mdb,
    // which every later open would refuse: remove what this open created.
    std::error_code ec;
    if (!existed && std::filesystem::file_size(path + "/data.mdb", ec) == 0 && !ec) {
      std::filesystem::remove(path + "/data.mdb", ec);
    }
    return ConfigError(s, path, rc, options.initial_map_bytes);
  }
  RecordBounds::AttachMapLocation(env);
  *out = env;
  return Status::Ok();
}

void CloseEnvironment(MDB_env* env) {
  RecordBounds::DetachMapLocation(env);
  mdb_env_close(env);
}

Status OpenTables(MDB_env* env, bool read_only, Tables* tables, uint32_t* upgraded_from,
                  bool must_exist) {
  *upgraded_from = 0;
  MDB_txn* raw = nullptr;
  if (int rc = mdb_txn_begin(env, nullptr, read_only ? MDB_RDONLY : 0, &raw); rc != 0) {
    return LmdbError(rc, "begin");
  }
  Txn txn(raw);
  if (Status s = OpenTable(txn.get(), "meta", read_only, &tables->meta); !s.ok()) return s;
  bool present = false;
  uint32_t upgrade = 0;
  if (Status s = CheckFormatVersion(txn.get(), tables->meta, read_only, &present, &upgrade);
      !s.ok()) {
    return s;
  }
  if (!present && must_exist) {
    return Corrupt("meta", "no format_version in a store that was created before: the data "
                           "file is damaged or not this store's (restore a backup)");
  }
  if (!present && read_only) {
    return Status::Error(Status::Code::kNotFound, "store not initialised (no format_version)");
  }
  if (Status s = OpenDataTables(txn.get(), read_only, tables); !s.ok()) return s;
  if (Status s = OpenClosingTables(txn.get(), read_only, tables); !s.ok()) return s;
  if (Status s = OpenAuditTable(txn.get(), read_only, tables); !s.ok()) return s;
  if (!present) {
    if (Status s = InitialiseFormatVersion(txn.get(), *tables); !s.ok()) return s;
  }
  if (upgrade == kFormatVersion1) {
    if (Status s = MigrateV1(txn.get(), *tables); !s.ok()) return s;
  }
  if (upgrade != 0) {
    if (Status s = SealRecords(txn.get(), *tables); !s.ok()) return s;
  }
  // Committing (even a read txn) keeps the table handles open for the env's lifetime.
  if (int rc = txn.Commit(); rc != 0) return LmdbError(rc, "commit");
  *upgraded_from = upgrade;
  return Status::Ok();
}

}  // namespace kpihub::store::internal
