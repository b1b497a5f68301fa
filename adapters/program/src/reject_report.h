// RejectReport: the CSV beside an input file that lists every row, cell or observation that
// did not become a figure in kpihub — refused by the adapter while reading, or by the daemon —
// as file,row,column,value,reason_code,message. Appends, so that rejections the daemon sends
// after a restart of the adapter land in the same report. Not thread-safe.
#pragma once

#include <string>

namespace kpihub::adapter {

struct RejectLine {
  std::string file;  // the input's name as the department knows it
  uint64_t row = 0;
  std::string column, value, reason, message;
};

// Appends `line` to the report at `path`, writing the header first if the file is new.
// False if the report cannot be written (the caller must not claim the row was reported).
bool AppendReject(const std::string& path, const RejectLine& line);

// The report's path for an input file: "<input>.rejects.csv".
std::string ReportPathFor(const std::string& input_path);

// The outbox origin of an observation: where to report it if the daemon refuses it.
std::string EncodeOrigin(const std::string& report_path, const RejectLine& where);
bool DecodeOrigin(const std::string& origin, std::string* report_path, RejectLine* where);

}  // namespace kpihub::adapter
