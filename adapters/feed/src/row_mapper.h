// RowMapper: one data row of a shaped file → observations or rejects, handed to the sink.
// Private to the feed library. Not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "file_shape.h"

namespace kpihub::feed {

// A data row with its cells in the order of FileShape::columns.
struct Row {
  uint64_t row = 0;
  std::vector<std::string> cells;
  std::vector<bool> present;  // JSON: which keys the object had; empty for CSV (all it has)
};

struct RowKeys {
  std::string park, period, entity, note;
  std::string restatement;  // empty: the row's figures are not restatements
};

class RowMapper {
 public:
  RowMapper(const Profile& profile, const FileShape& shape, MapSink& sink, MapSummary& summary)
      : profile_(profile), shape_(shape), sink_(sink), summary_(summary) {}

  // Whether every cell is empty: a blank row Excel leaves behind (",,,,").
  static bool IsBlank(const Row& row);
  // The key under which duplicate rows are found — entity (or park for park-level figures)
  // and period — from the cells as written, folded; empty when the row lacks them.
  std::string DuplicateKey(const Row& row) const;
  // Rejects a row with more fields than the header (saying so when an unquoted thousands
  // separator split a figure); true when the row can be mapped.
  bool CheckWidth(Row& row);
  // The row's park, period, entity and note, or nullopt after rejecting the row.
  std::optional<RowKeys> ReadKeys(const Row& row);
  void MapCells(const Row& row, const RowKeys& keys);
  void MapCell(const Row& row, const BoundColumn& column, const RowKeys& keys);
  // Whether the cell would give a figure (it is there, not an empty value, and a number).
  bool HasFigure(const Row& row, const BoundColumn& column) const;
  // Rejects the cell of `row` in `column`: `rows` (this one among them) all give a figure for
  // the same indicator, entity (or park) and period.
  void RejectDuplicate(const Row& row, const BoundColumn& column, const std::vector<uint64_t>& rows);
  void Emit(RowReject&& reject);

  const Status& sink_status() const { return sink_status_; }

 private:
  const std::string* Cell(const Row& row, int index) const;
  std::optional<std::string> KeyCell(const Row& row, int index, const std::string& column);

  const Profile& profile_;
  const FileShape& shape_;
  MapSink& sink_;
  MapSummary& summary_;
  Status sink_status_;
};

}  // namespace kpihub::feed
