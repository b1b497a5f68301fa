#include "reject_report.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace kpihub::adapter {
namespace {

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Origins separate fields with a unit separator (0x1f), which no export cell contains.
constexpr char kSep = '\x1f';

}  // namespace

bool AppendReject(const std::string& path, const RejectLine& l) {
  struct stat st {};
  bool fresh = stat(path.c_str(), &st) != 0 || st.st_size == 0;
  std::ofstream out(path, std::ios::app);
  if (!out) return false;
  if (fresh) out << "file,row,column,value,reason_code,message\n";
  out << CsvField(l.file) << ',' << l.row << ',' << CsvField(l.column) << ','
      << CsvField(l.value) << ',' << CsvField(l.reason) << ',' << CsvField(l.message) << '\n';
  out.flush();
  return static_cast<bool>(out);
}

std::string ReportPathFor(const std::string& input_path) { return input_path + ".rejects.csv"; }

std::string EncodeOrigin(const std::string& report_path, const RejectLine& w) {
  return report_path + kSep + w.file + kSep + std::to_string(w.row) + kSep + w.column + kSep + w.value;
}

bool DecodeOrigin(const std::string& origin, std::string* report_path, RejectLine* w) {
  std::vector<std::string> parts;
  std::stringstream in(origin);
  std::string part;
  while (std::getline(in, part, kSep)) parts.push_back(part);
  if (origin.ends_with(kSep)) parts.emplace_back();
  if (parts.size() != 5) return false;
  *report_path = parts[0];
  w->file = parts[1];
  w->row = std::strtoull(parts[2].c_str(), nullptr, 10);
  w->column = parts[3];
  w->value = parts[4];
  return true;
}

}  // namespace kpihub::adapter
