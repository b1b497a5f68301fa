// Profile: how one department's exports become observations — a TOML file per department
// (config/profiles/*.toml; reference: docs/adapters.md), so that a new department or a new
// export shape is configuration, not code. A profile has one or more layouts, one per shape of
// export file (e.g. finance's monthly budget sheet and its quarterly GDP sheet); each layout
// says the format and encoding, which columns (CSV) or fields (JSON) hold the park, the
// period and the enterprise code, and which hold which indicator, in which unit.
//
// Loading checks the profile against the catalogue: the department exists, every indicator
// exists and belongs to it, every unit converts to the indicator's unit, every park alias
// names a catalogue park. Immutable once loaded; safe to share between threads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kpihub/core/catalogue.h"
#include "kpihub/core/status.h"
#include "kpihub/feed/decimal_text.h"

namespace kpihub::feed {

enum class InputFormat { kCsv, kJson };  // JSON: one object per line, or one array of objects

struct ColumnMapping {
  std::string name;        // CSV header or JSON field; matched after FoldHeader (NFKC, no spaces)
  std::string indicator;   // catalogue indicator code
  UnitSpec unit;           // how the column's figures convert to the indicator's unit
  std::optional<int> round_to;  // round half up to this many places after conversion
  std::map<std::string, std::string> values;  // folded text → figure (e.g. "是" → "1")
  // A file without this column is still read (its other columns are mapped). Otherwise a
  // missing column refuses the whole file: a renamed header must not lose a column silently.
  bool optional = false;
};

struct Layout {
  std::string name;
  InputFormat format = InputFormat::kCsv;
  std::string encoding = "utf-8";
  char delimiter = ',';
  std::string file_pattern;  // glob on the file name; empty: chosen by its columns alone
  std::string park_column;
  std::string period_column;
  std::string entity_column;  // empty for a layout of park-level figures
  std::string note_column;    // optional
  // Optional: the column that gives a row's restatement reason. A non-empty cell marks the
  // row's figures as restatements of an approved year (core::Observation::restatement).
  std::string restatement_column;
  std::vector<ColumnMapping> columns;
};

struct Profile {
  std::string department;
  std::string description;
  std::vector<Layout> layouts;
  // Park name (folded with FoldHeader) → park code. Holds the profile's aliases, and the
  // catalogue's codes and Chinese and English names.
  std::map<std::string, std::string> park_names;
  // Cell texts (folded with FoldText) that mean "no figure" (e.g. "-", "—"): skipped, not
  // rejected.
  std::vector<std::string> empty_values = {"", "-", "--", "—", "/"};

  // `name` as written; it is folded here.
  std::optional<std::string> ParkCode(std::string_view name) const;
};

// Parses and checks a profile. On error, InvalidArgument: "<source>:<line>:<column>: <reason>".
Result<Profile> LoadProfile(std::string_view toml_text,
                                               std::string_view source_name,
                                               const core::Catalogue& catalogue);

}  // namespace kpihub::feed
