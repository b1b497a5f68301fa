// Builds a store in format 1 (value history keyed by figure, migrate_v1.h) with raw LMDB, for
// the tests of the upgrade: the store's tests and the end-to-end ones.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../src/codec.h"
#include "../src/migrate_v1.h"
#include "../src/tables.h"
#include "test_util.h"

namespace kpihub::store::testing_util {

using core::Decimal;
using core::FigureKey;

inline std::string U32(uint32_t v) {
  return std::string(reinterpret_cast<const char*>(&v), 4);  // little-endian host
}

struct V1Change {
  FigureKey key;
  std::optional<int64_t> old_value;
  int64_t new_value;
  uint64_t journal_id;
  uint32_t index;
};

// Writes a format 1 store: obs holding each figure's last new value, history, cells, the
// journal and the sender state of `adapter` (one batch per journal id, sequence = id).
inline void WriteV1Store(const std::string& dir, const std::vector<V1Change>& changes,
                         const std::string& adapter = "a", const std::string& department = "tax") {
  RawEnv raw(dir, /*seal=*/false);
  std::map<FigureKey, int64_t> figures;
  std::map<std::string, std::pair<int64_t, uint32_t>> cells;
  std::vector<std::pair<std::string, std::string>> history, obs, cell_records, journal;
  uint64_t last_journal = 0;
  for (const V1Change& c : changes) {
    HistoryEntry h{c.key, std::nullopt, Decimal::FromInt(c.new_value), adapter, department,
                   c.journal_id, 1700000000000 + static_cast<int64_t>(c.journal_id),
                   c.journal_id, c.index};
    if (c.old_value) h.old_value = Decimal::FromInt(*c.old_value);
    history.emplace_back(internal::EncodeV1HistoryKey(c.key, c.journal_id, c.index),
                         internal::EncodeV1History(h));
    figures[c.key] = c.new_value;
    last_journal = std::max(last_journal, c.journal_id);
  }
  for (const auto& [key, value] : figures) {
    StoredObservation o{key, Decimal::FromInt(value), "", adapter, 1, 1700000000000};
    obs.emplace_back(internal::EncodeFigureKey(key), internal::EncodeV1Observation(o));
    auto& cell = cells[internal::EncodeCellKey(key.indicator, key.park, key.period)];
    cell.first += value;
    if (!key.entity.empty()) ++cell.second;
  }
  for (const auto& [key, cell] : cells) {
    cell_records.emplace_back(key, internal::EncodeCell({Decimal::FromInt(cell.first), cell.second}));
  }
  for (uint64_t id = 1; id <= last_journal; ++id) {
    journal.emplace_back(internal::BigEndian64Key(id),
                         internal::EncodeJournal({id, adapter, department, id,
                                                  1700000000000 + static_cast<int64_t>(id), 1, 0}));
  }
  raw.Put("meta", "format_version", U32(1));
  raw.PutAll("history", history);
  raw.PutAll("obs", obs);
  raw.PutAll("cells", cell_records);
  raw.PutAll("journal", journal);
  raw.Put("senders", adapter, internal::EncodeSender({adapter, department, last_journal,
                                                      1700000000000, last_journal,
                                                      changes.size(), 0}));
  raw.PutAll("dead", {});
}

inline const FigureKey kA{"rev", "p1", "2020", "91350200MA2SECRET1"};
inline const FigureKey kB{"rev", "p1", "2020", ""};
inline const FigureKey kC{"jobs", "p2", "2021-03", "91350200MA2SECRET2"};

inline std::vector<V1Change> SmallHistory() {
  return {{kA, std::nullopt, 10, 1, 0},
          {kB, std::nullopt, 7, 1, 1},
          {kA, 10, 12, 2, 0},
          {kC, std::nullopt, 3, 2, 1}};
}

}  // namespace kpihub::store::testing_util
