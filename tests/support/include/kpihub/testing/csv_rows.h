// CsvRows: the data rows of a CLI's CSV output (`kpihub export`, `kpihub rejects --csv`), split
// on commas; the header line is skipped. Only for outputs whose fields hold no comma or quote
// (codes, numbers, times); a row with fewer than `min_fields` fields is a test failure (it is
// reported and left out), so a changed format cannot pass unnoticed.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace kpihub::testing {

std::vector<std::vector<std::string>> CsvRows(const std::string& output, size_t min_fields);

}  // namespace kpihub::testing
