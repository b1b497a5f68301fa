// Store::Verify's fold: the cells must equal what the observations add up to, exactly, and
// every figure's latest change in the history must hold the stored value.
#include <map>

#include "codec.h"
#include "snapshot.h"

namespace kpihub::store::internal {
namespace {

// Cell keys only hold indicator, park and period: a difference line can never name an entity.
std::string CellName(std::string_view cell_key) {
  std::string indicator, park, period;
  if (!DecodeCellKey(cell_key, &indicator, &park, &period)) return "undecodable cell key";
  return "indicator=" + indicator + " park=" + park + " period=" + period;
}

std::string Describe(const CellValue& cell) {
  return "sum=" + cell.sum.ToString() + " entities=" + std::to_string(cell.entities);
}

// The figure's latest change must be in the history, be a change of this figure and have
// the stored value as its new value. False if not; a read error is returned as such.
Status LatestChangeMatches(MDB_txn* txn, const Tables& tables, const core::FigureKey& figure,
                           core::Decimal value, ChangeId latest, bool* matches) {
  *matches = false;
  if (latest.none()) return Status::Ok();
  const std::string key = EncodeChangeKey(latest);
  std::string_view bytes;
  bool found = false;
  if (Status s = GetRecord(txn, tables.changes, key, &bytes, &found); !s.ok()) return s;
  HistoryEntry change;
  ChangeId previous;
  *matches = found && DecodeHistory(key, bytes, &change, &previous) && change.key == figure &&
             change.new_value == value;
  return Status::Ok();
}

// Every record of a table is read (so its checksum is checked) and counted against the count
// in LMDB's header for the table, which a damaged page would contradict.
void CompareCount(MDB_txn* txn, MDB_dbi dbi, std::string_view table, uint64_t found,
                  std::vector<std::string>* differences) {
  MDB_stat st;
  if (mdb_stat(txn, dbi, &st) != 0 || st.ms_entries == found) return;
  differences->push_back("table " + std::string(table) + ": " + std::to_string(found) +
                         " records read, its header says " + std::to_string(st.ms_entries));
}

Status CheckWholeTables(MDB_txn* txn, const Tables& t, std::vector<std::string>* differences) {
  const std::pair<const char*, MDB_dbi> tables[] = {
      {"senders", t.senders}, {"journal", t.journal}, {"changes", t.changes}, {"dead", t.dead}};
  for (const auto& [name, dbi] : tables) {
    uint64_t found = 0;
    Status s = ScanPrefix(txn, dbi, "", [&](std::string_view, std::string_view) {
      ++found;
      return Status::Ok();
    });
    if (!s.ok()) return s;
    CompareCount(txn, dbi, name, found, differences);
  }
  return Status::Ok();
}

Status FoldObservations(MDB_txn* txn, const Tables& tables,
                        std::map<std::string, CellValue, std::less<>>* fresh,
                        std::vector<std::string>* differences) {
  uint64_t found = 0;
  Status folded = ScanPrefix(txn, tables.obs, "", [&](std::string_view key, std::string_view value) {
    ++found;
    core::FigureKey figure;
    core::Decimal v;
    std::string_view note;
    ChangeId latest;
    if (!DecodeFigureKey(key, &figure) || !DecodeObservationForMerge(value, &v, &note, &latest)) {
      return Corrupt("obs", "undecodable record");
    }
    bool matches = false;
    if (Status s = LatestChangeMatches(txn, tables, figure, v, latest, &matches); !s.ok()) {
      return s;
    }
    if (!matches) {
      // Named by its cell: the line must not carry an entity id.
      differences->push_back(CellName(EncodeCellKey(figure.indicator, figure.park, figure.period)) +
                             ": a figure's latest change is missing from the history or "
                             "does not hold its value");
    }
    CellValue& cell = (*fresh)[EncodeCellKey(figure.indicator, figure.park, figure.period)];
    cell.sum += v;
    if (!figure.entity.empty()) ++cell.entities;
    return Status::Ok();
  });
  if (folded.ok()) CompareCount(txn, tables.obs, "obs", found, differences);
  return folded;
}

}  // namespace

Status LmdbSnapshot::VerifyCells(std::vector<std::string>* differences) {
  differences->clear();
  std::map<std::string, CellValue, std::less<>> fresh;
  if (Status s = FoldObservations(txn_.get(), tables_, &fresh, differences); !s.ok()) return s;
  if (Status s = CheckWholeTables(txn_.get(), tables_, differences); !s.ok()) return s;
  uint64_t cells = 0;
  Status s = ScanPrefix(txn_.get(), tables_.cells, "",
                        [&](std::string_view key, std::string_view value) {
                          ++cells;
                          CellValue stored;
                          if (!DecodeCellValue(value, &stored)) {
                            return Corrupt("cells", "undecodable record");
                          }
                          const auto it = fresh.find(key);
                          if (it == fresh.end()) {
                            differences->push_back(CellName(key) + ": stored " + Describe(stored) +
                                                   ", no observations");
                            return Status::Ok();
                          }
                          if (it->second.sum != stored.sum ||
                              it->second.entities != stored.entities) {
                            differences->push_back(CellName(key) + ": stored " + Describe(stored) +
                                                   ", recomputed " + Describe(it->second));
                          }
                          fresh.erase(it);
                          return Status::Ok();
                        });
  if (!s.ok()) return s;
  CompareCount(txn_.get(), tables_.cells, "cells", cells, differences);
  for (const auto& [key, cell] : fresh) {
    differences->push_back(CellName(key) + ": missing, recomputed " + Describe(cell));
  }
  if (Status s = VerifyClosing(differences); !s.ok()) return s;
  return VerifyAudit(differences);
}

}  // namespace kpihub::store::internal
