#include "snapshot.h"

#include <sys/stat.h>

#include <algorithm>
#include <tuple>

#include "codec.h"

namespace kpihub::store::internal {
namespace {

// "ind\0park\0" for the leading non-empty fields: the obs keys of the figures they name.
// The entity is the last field of an obs key, without a NUL after it; KeyMatches then drops
// the longer entities the prefix also matches.
std::string ObsScanPrefix(const core::FigureKey& prefix) {
  std::string out;
  for (const std::string* field : {&prefix.indicator, &prefix.park, &prefix.period}) {
    if (field->empty()) return out;
    out.append(*field).push_back('\0');
  }
  return out.append(prefix.entity);
}

bool FieldMatches(const std::string& wanted, const std::string& actual) {
  return wanted.empty() || wanted == actual;
}

bool KeyMatches(const core::FigureKey& prefix, const core::FigureKey& key) {
  return FieldMatches(prefix.indicator, key.indicator) && FieldMatches(prefix.park, key.park) &&
         FieldMatches(prefix.period, key.period) && FieldMatches(prefix.entity, key.entity);
}

uint64_t Entries(MDB_txn* txn, MDB_dbi dbi) {
  MDB_stat st;
  return mdb_stat(txn, dbi, &st) == 0 ? st.ms_entries : 0;
}

}  // namespace

LmdbSnapshot::LmdbSnapshot(MDB_env* env, const Tables& tables, Txn txn, MapGate* gate,
                           std::string data_file)
    : env_(env), tables_(tables), txn_(std::move(txn)), gate_(gate),
      data_file_(std::move(data_file)) {}

LmdbSnapshot::~LmdbSnapshot() {
  txn_.Abort();
  gate_->ExitShared();
}

template <typename Record, typename Decode, typename Fn>
Status LmdbSnapshot::ForEachRecord(MDB_dbi dbi, std::string_view table, Decode decode,
                                   const Fn& fn) {
  return ScanPrefix(txn_.get(), dbi, "", [&](std::string_view key, std::string_view value) {
    Record record;
    if (!decode(key, value, &record)) return Corrupt(table, "undecodable record");
    fn(record);
    return Status::Ok();
  });
}

Status LmdbSnapshot::ForEachCell(const std::function<void(const core::Cell&)>& fn) {
  return ForEachRecord<core::Cell>(tables_.cells, "cells", DecodeCell, fn);
}

Status LmdbSnapshot::ForEachSender(const std::function<void(const SenderState&)>& fn) {
  return ForEachRecord<SenderState>(tables_.senders, "senders", DecodeSender, fn);
}

Status LmdbSnapshot::ForEachObservation(
    const std::function<void(const StoredObservation&)>& fn) {
  return ForEachRecord<StoredObservation>(
      tables_.obs, "obs",
      [](std::string_view key, std::string_view value, StoredObservation* out) {
        return DecodeObservation(key, value, out);
      },
      fn);
}

Status LmdbSnapshot::ForEachObservationOf(
    std::string_view indicator, const std::function<void(const StoredObservation&)>& fn) {
  std::string prefix(indicator);
  prefix.push_back('\0');
  StoredObservation record;
  return ScanPrefix(txn_.get(), tables_.obs, prefix,
                    [&](std::string_view key, std::string_view value) {
                      if (!DecodeObservation(key, value, &record)) {
                        return Corrupt("obs", "undecodable record");
                      }
                      fn(record);
                      return Status::Ok();
                    });
}

Status LmdbSnapshot::ForEachJournal(const std::function<void(const JournalEntry&)>& fn) {
  return ForEachRecord<JournalEntry>(tables_.journal, "journal", DecodeJournal, fn);
}

Status LmdbSnapshot::ForEachDeadLetter(const std::function<void(const DeadLetter&)>& fn) {
  return ForEachRecord<DeadLetter>(tables_.dead, "dead", DecodeDeadLetter, fn);
}

// The changes table is in commit order. Without an indicator the whole table is read in that
// order. With one, the figures under the prefix are found in obs (one range) and each
// figure's chain of changes is followed from its latest change back to its first; the
// matches are then sorted into commit order.
Status LmdbSnapshot::ForEachHistory(const core::FigureKey& prefix,
                                    const std::function<void(const HistoryEntry&)>& fn) {
  HistoryEntry entry;
  ChangeId previous;
  JournalEntry batch;
  if (prefix.indicator.empty()) {
    return ScanPrefix(txn_.get(), tables_.changes, "",
                      [&](std::string_view key, std::string_view value) {
                        if (!DecodeHistory(key, value, &entry, &previous)) {
                          return Corrupt("changes", "undecodable record");
                        }
                        if (!KeyMatches(prefix, entry.key)) return Status::Ok();
                        if (Status s = AddProvenance(&entry, &batch); !s.ok()) return s;
                        fn(entry);
                        return Status::Ok();
                      });
  }
  std::vector<HistoryEntry> matches;
  StoredObservation figure;
  Status s = ScanPrefix(txn_.get(), tables_.obs, ObsScanPrefix(prefix),
                        [&](std::string_view key, std::string_view value) {
                          ChangeId next;
                          if (!DecodeObservation(key, value, &figure, &next)) {
                            return Corrupt("obs", "undecodable record");
                          }
                          if (!KeyMatches(prefix, figure.key)) return Status::Ok();
                          return CollectChain(figure.key, next, &batch, &matches);
                        });
  if (!s.ok()) return s;
  std::sort(matches.begin(), matches.end(), [](const HistoryEntry& a, const HistoryEntry& b) {
    return std::tie(a.journal_id, a.index) < std::tie(b.journal_id, b.index);
  });
  for (const HistoryEntry& match : matches) fn(match);
  return Status::Ok();
}

// Every link must be a change of this figure and older than the one before it, so the walk
// ends; anything else is reported as corruption.
Status LmdbSnapshot::CollectChain(const core::FigureKey& figure, ChangeId next,
                                  JournalEntry* batch, std::vector<HistoryEntry>* out) {
  std::string key;
  while (!next.none()) {
    key.clear();
    AppendChangeKey(&key, next);
    std::string_view value;
    bool found = false;
    if (Status s = GetRecord(txn_.get(), tables_.changes, key, &value, &found); !s.ok()) return s;
    if (!found) return Corrupt("changes", "a figure's change is missing");
    HistoryEntry entry;
    ChangeId previous;
    if (!DecodeHistory(key, value, &entry, &previous)) {
      return Corrupt("changes", "undecodable record");
    }
    if (entry.key != figure) return Corrupt("changes", "a change of another figure in a chain");
    if (Status s = AddProvenance(&entry, batch); !s.ok()) return s;
    out->push_back(std::move(entry));
    next = previous;  // DecodeHistory checked that it is older
  }
  return Status::Ok();
}

Status LmdbSnapshot::LoadJournal(uint64_t journal_id, std::string_view table,
                                 JournalEntry* batch) {
  if (batch->journal_id == journal_id) return Status::Ok();
  const std::string key = BigEndian64Key(journal_id);
  std::string_view value;
  bool found = false;
  if (Status s = GetRecord(txn_.get(), tables_.journal, key, &value, &found); !s.ok()) return s;
  if (!found) return Corrupt(table, "a record without its batch in the journal");
  if (!DecodeJournal(key, value, batch)) return Corrupt("journal", "undecodable record");
  return Status::Ok();
}

Status LmdbSnapshot::AddProvenance(HistoryEntry* change, JournalEntry* batch) {
  if (Status s = LoadJournal(change->journal_id, "changes", batch); !s.ok()) return s;
  change->adapter = batch->adapter;
  change->department = batch->department;
  change->sequence = batch->sequence;
  change->unix_ms = batch->received_unix_ms;
  return Status::Ok();
}

Status LmdbSnapshot::GetObservation(const core::FigureKey& key, StoredObservation* out) {
  const std::string encoded = EncodeFigureKey(key);
  std::string_view value;
  bool found = false;
  if (Status s = GetRecord(txn_.get(), tables_.obs, encoded, &value, &found); !s.ok()) return s;
  if (!found) return Status::Error(Status::Code::kNotFound, "no such figure");
  if (!DecodeObservation(encoded, value, out)) return Corrupt("obs", "undecodable record");
  return Status::Ok();
}

StoreStats LmdbSnapshot::Stats() {
  StoreStats stats;
  MDB_envinfo info;
  MDB_stat env_stat;
  if (mdb_env_info(env_, &info) == 0 && mdb_env_stat(env_, &env_stat) == 0) {
    stats.map_size_bytes = info.me_mapsize;
    stats.used_bytes = (static_cast<uint64_t>(info.me_last_pgno) + 1) * env_stat.ms_psize;
  }
  struct stat st;
  if (::stat(data_file_.c_str(), &st) == 0) stats.file_bytes = static_cast<uint64_t>(st.st_size);
  stats.observations = Entries(txn_.get(), tables_.obs);
  stats.cells = Entries(txn_.get(), tables_.cells);
  stats.journal_entries = Entries(txn_.get(), tables_.journal);
  stats.dead_letters = Entries(txn_.get(), tables_.dead);
  stats.history_entries = Entries(txn_.get(), tables_.changes);
  return stats;
}

}  // namespace kpihub::store::internal
