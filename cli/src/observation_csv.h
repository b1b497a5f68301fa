// Reading the canonical observation CSV that `kpihub push` sends:
//   indicator,park,entity,period,value[,note][,restatement]
// with that header on the first line, UTF-8, no quoting (notes may not contain commas). The
// optional columns are the ones the header names, in its order; a row may leave trailing
// optional fields out. A non-empty `restatement` is the reason for changing a figure of an
// approved year (docs/operations.md, "Closing a year").
// Department exports in their own shapes go through the adapter program instead.
#pragma once

#include <string>
#include <vector>

#include "kpihub/core/observation.h"

namespace kpihub::cli {

struct CsvRowError {
  size_t row = 0;     // 1-based line number in the file
  size_t column = 0;  // 1-based column, 0 for the whole row
  std::string message;
};

struct ObservationCsv {
  std::vector<core::Observation> observations;
  std::vector<size_t> rows;  // line number of each observation
  std::vector<CsvRowError> errors;
};

ObservationCsv ParseObservationCsv(const std::string& text);

}  // namespace kpihub::cli
