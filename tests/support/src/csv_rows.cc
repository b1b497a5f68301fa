#include "kpihub/testing/csv_rows.h"

#include <gtest/gtest.h>

#include <sstream>

namespace kpihub::testing {

std::vector<std::vector<std::string>> CsvRows(const std::string& output, size_t min_fields) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(output);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::istringstream row(line);
    for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
    if (fields.size() < min_fields) {
      ADD_FAILURE() << "a CSV row with " << fields.size() << " fields, expected at least "
                    << min_fields << ": " << line;
      continue;
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

}  // namespace kpihub::testing
