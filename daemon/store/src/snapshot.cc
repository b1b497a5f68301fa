#include "snapshot.h"

#include <sys/stat.h>

#include <algorithm>
#include <tuple>

#include "codec.h"

namespace kpihub::store::internal {
namespace {

// "ind\0park\0" for the leading non-empty fields: history keys start with the obs key.
std::string HistoryScanPrefix(const core::FigureKey& prefix) {
  std::string out;
  for (const std::string* field : {&prefix.indicator, &prefix.park, &prefix.period, &prefix.entity}) {
    if (field->empty()) break;
    out.append(*field).push_back('\0');
  }
  return out;
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
  return ForEachRecord<StoredObservation>(tables_.obs, "obs", DecodeObservation, fn);
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

// Key order groups changes by figure; "oldest first" across figures needs a sort by
// (journal id, index in batch), so the matches are collected first.
Status LmdbSnapshot::ForEachHistory(const core::FigureKey& prefix,
                                    const std::function<void(const HistoryEntry&)>& fn) {
  std::vector<std::pair<uint32_t, HistoryEntry>> matches;
  Status s = ScanPrefix(txn_.get(), tables_.history, HistoryScanPrefix(prefix),
                        [&](std::string_view key, std::string_view value) {
                          HistoryEntry entry;
                          uint32_t index = 0;
                          if (!DecodeHistory(key, value, &entry, &index)) {
                            return Corrupt("history", "undecodable record");
                          }
                          if (KeyMatches(prefix, entry.key)) matches.emplace_back(index, std::move(entry));
                          return Status::Ok();
                        });
  if (!s.ok()) return s;
  std::stable_sort(matches.begin(), matches.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.journal_id, a.first) < std::tie(b.second.journal_id, b.first);
  });
  for (const auto& match : matches) fn(match.second);
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
  stats.history_entries = Entries(txn_.get(), tables_.history);
  return stats;
}

}  // namespace kpihub::store::internal
