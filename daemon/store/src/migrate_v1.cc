#include "migrate_v1.h"

#include <string_view>

#include "codec.h"
#include "kpihub/store/store.h"
#include "lmdb_env.h"

namespace kpihub::store::internal {
namespace {

constexpr size_t kV1IdSuffix = 1 + 8 + 4;  // '\0', BE journal id, BE index

// A format 1 obs value: i128 value, str adapter, u64 sequence, i64 unix_ms, str note.
bool DecodeV1Observation(std::string_view value, StoredObservation* out) {
  RecordReader r(value);
  out->value = core::Decimal::FromMicros(r.GetI128());
  out->adapter = r.GetString();
  out->sequence = r.GetU64();
  out->unix_ms = r.GetI64();
  out->note = r.GetString();
  return r.Done();
}

// A format 1 history value: u8 has_old, i128 old, i128 new, str adapter, str department,
// u64 sequence, i64 unix_ms. The key's figure part is checked by the caller.
bool DecodeV1History(std::string_view key, std::string_view value, HistoryEntry* out) {
  if (key.size() < kV1IdSuffix || key[key.size() - kV1IdSuffix] != '\0') return false;
  const std::string_view ids = key.substr(key.size() - kV1IdSuffix + 1);
  if (!DecodeFigureKey(key.substr(0, key.size() - kV1IdSuffix), &out->key)) return false;
  out->journal_id = ReadBigEndian64(ids);
  out->index = ReadBigEndian32(ids.substr(8));
  RecordReader r(value);
  const uint8_t has_old = r.GetU8();
  const __int128 old_micros = r.GetI128();
  out->new_value = core::Decimal::FromMicros(r.GetI128());
  out->adapter = r.GetString();
  out->department = r.GetString();
  out->sequence = r.GetU64();
  out->unix_ms = r.GetI64();
  if (has_old > 1 || out->journal_id == 0) return false;
  out->old_value.reset();
  if (has_old) out->old_value = core::Decimal::FromMicros(old_micros);
  return r.Done();
}

Status CursorError(int rc) { return LmdbWriteError(rc, "upgrade from format 1"); }

}  // namespace

std::string EncodeV1Observation(const StoredObservation& obs) {
  RecordWriter w;
  w.PutI128(obs.value.micros());
  w.PutString(obs.adapter);
  w.PutU64(obs.sequence);
  w.PutI64(obs.unix_ms);
  w.PutString(obs.note);
  return w.data();
}

std::string EncodeV1HistoryKey(const core::FigureKey& key, uint64_t journal_id, uint32_t index) {
  std::string out = EncodeFigureKey(key);
  out.push_back('\0');
  AppendBigEndian64(&out, journal_id);
  AppendBigEndian32(&out, index);
  return out;
}

std::string EncodeV1History(const HistoryEntry& entry) {
  RecordWriter w;
  w.PutU8(entry.old_value ? 1 : 0);
  w.PutI128(entry.old_value ? entry.old_value->micros() : 0);
  w.PutI128(entry.new_value.micros());
  w.PutString(entry.adapter);
  w.PutString(entry.department);
  w.PutU64(entry.sequence);
  w.PutI64(entry.unix_ms);
  return w.data();
}

namespace {

// The format 1 history table, walked alongside the figures, with the buffers reused from
// one figure to the next.
struct V1History {
  Cursor cursor;
  MDB_val key, value;
  int rc = MDB_NOTFOUND;
  HistoryEntry change;
  RecordWriter record;
  std::string change_key;
};

// Moves `figure`'s history entries into the changes table, each chained to the one before;
// *previous ends as the last one's id (unchanged when there is none). The entries are the
// next ones: "obs key \0 id" sorts right after every key before it (key fields hold no NUL)
// and before the next figure's.
Status MoveHistory(MDB_txn* txn, const Tables& tables, const std::string& obs_key,
                   const StoredObservation& figure, V1History* h, ChangeId* previous) {
  for (; h->rc == 0; h->rc = mdb_cursor_get(h->cursor.get(), &h->key, &h->value, MDB_NEXT)) {
    const std::string_view key = FromVal(h->key);
    if (key.size() != obs_key.size() + kV1IdSuffix || !key.starts_with(obs_key)) {
      if (key < std::string_view(obs_key)) return Corrupt("history", "a change without a figure");
      break;
    }
    if (!DecodeV1History(key, FromVal(h->value), &h->change) || h->change.key != figure.key) {
      return Corrupt("history", "undecodable record");
    }
    const ChangeId id{h->change.journal_id, h->change.index};
    // Adapter, department, sequence and time are in the journal, which format 1 had too.
    EncodeHistoryTo(h->change.key, h->change.old_value, h->change.new_value, *previous,
                    &h->record);
    h->change_key.clear();
    AppendChangeKey(&h->change_key, id);
    MDB_val k = ToVal(h->change_key), v = ToVal(h->record.data());
    const int rc = mdb_put(txn, tables.changes, &k, &v, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST) return Corrupt("history", "a change id used twice");
    if (rc != 0) return CursorError(rc);
    *previous = id;
  }
  return h->rc == 0 || h->rc == MDB_NOTFOUND ? Status::Ok() : CursorError(h->rc);
}

}  // namespace

Status MigrateV1(MDB_txn* txn, const Tables& tables) {
  MDB_dbi history = 0;
  if (int rc = mdb_dbi_open(txn, kV1HistoryTable, 0, &history); rc != 0) {
    return rc == MDB_NOTFOUND ? Corrupt("history", "format 1 store without a history table")
                              : CursorError(rc);
  }
  Cursor obs_cursor;
  V1History h;
  if (int rc = obs_cursor.Open(txn, tables.obs); rc != 0) return CursorError(rc);
  if (int rc = h.cursor.Open(txn, history); rc != 0) return CursorError(rc);
  h.rc = mdb_cursor_get(h.cursor.get(), &h.key, &h.value, MDB_FIRST);
  MDB_val ok, ov;
  int orc = mdb_cursor_get(obs_cursor.get(), &ok, &ov, MDB_FIRST);
  StoredObservation figure;
  for (; orc == 0; orc = mdb_cursor_get(obs_cursor.get(), &ok, &ov, MDB_NEXT)) {
    const std::string obs_key(FromVal(ok));
    if (!DecodeFigureKey(obs_key, &figure.key) || !DecodeV1Observation(FromVal(ov), &figure)) {
      return Corrupt("obs", "undecodable record");
    }
    ChangeId previous;
    if (Status s = MoveHistory(txn, tables, obs_key, figure, &h, &previous); !s.ok()) return s;
    EncodeObservationTo(figure.value, figure.adapter, figure.sequence, figure.unix_ms,
                        figure.note, previous, &h.record);
    MDB_val k = ToVal(obs_key), v = ToVal(h.record.data());
    if (int rc = mdb_cursor_put(obs_cursor.get(), &k, &v, MDB_CURRENT); rc != 0) {
      return CursorError(rc);
    }
  }
  if (orc != MDB_NOTFOUND) return CursorError(orc);
  if (h.rc == 0) return Corrupt("history", "a change without a figure");
  if (h.rc != MDB_NOTFOUND) return CursorError(h.rc);
  obs_cursor.Close();
  h.cursor.Close();
  if (int rc = mdb_drop(txn, history, 1); rc != 0) return CursorError(rc);
  RecordWriter version;
  version.PutU32(Store::kFormatVersion);
  return PutRawRecord(txn, tables.meta, kMetaFormatVersion, version.data());
}

}  // namespace kpihub::store::internal
