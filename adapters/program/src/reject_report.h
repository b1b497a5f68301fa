// RejectReport: the CSV beside an input file that lists every row, cell or observation that
// did not become a figure in kpihub — refused by the adapter while reading, or by the daemon —
// as file,row,column,value,reason_code,说明 (Chinese),message (English). Written for the clerk
// who opens it in Excel on a Chinese Windows desktop: UTF-8 with a byte order mark (without
// one Excel reads it as GBK and garbles it) and CRLF line endings. Appends, so that
// rejections the daemon sends after a restart of the adapter land in the same report.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include "kpihub/core/status.h"

namespace kpihub::adapter {

struct RejectLine {
  std::string file;  // the input's name as the department knows it
  uint64_t row = 0;
  std::string column, value, reason;
  std::string message;     // English
  std::string message_zh;  // 中文
};

// One report, open for the mapping of one file.
class RejectReport {
 public:
  explicit RejectReport(std::string path) : path_(std::move(path)) {}
  // Appends `line`, writing the BOM and the header first if the report is new.
  Status Append(const RejectLine& line);
  uint64_t lines() const { return lines_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
  uint64_t lines_ = 0;
};

// Appends one line to the report at `path` (opening and closing it). A failed status: the
// caller must not claim the row was reported.
Status AppendReject(const std::string& path, const RejectLine& line);

// The report's path for an input file: "<input>.rejects.csv".
std::string ReportPathFor(const std::string& input_path);

// The Chinese explanation of a reason code the daemon gives (core::ReasonName), for the
// report's 说明 column; the daemon's own detail goes to the English message.
std::string ChineseReason(const std::string& reason_code);

// The outbox origin of an observation: where to report it if the daemon refuses it.
std::string EncodeOrigin(const std::string& report_path, const RejectLine& where);
bool DecodeOrigin(const std::string& origin, std::string* report_path, RejectLine* where);

}  // namespace kpihub::adapter
