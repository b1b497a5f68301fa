#include "reject_report.h"

#include <sys/stat.h>

#include <map>
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

// The BOM makes Excel read UTF-8; the first five column names stay what scripts look for.
constexpr const char* kHeader =
    "\xEF\xBB\xBF" "file 文件,row 行,column 列,value 值,reason_code 原因代码,说明,message\r\n";

std::string Format(const RejectLine& l) {
  return CsvField(l.file) + ',' + std::to_string(l.row) + ',' + CsvField(l.column) + ',' +
         CsvField(l.value) + ',' + CsvField(l.reason) + ',' + CsvField(l.message_zh) + ',' +
         CsvField(l.message) + "\r\n";
}

bool IsNew(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) != 0 || st.st_size == 0;
}

// Origins separate fields with a unit separator (0x1f), which no export cell contains.
constexpr char kSep = '\x1f';

}  // namespace

Status RejectReport::Append(const RejectLine& line) {
  if (!out_.is_open()) {
    bool fresh = IsNew(path_);
    out_.open(path_, std::ios::app | std::ios::binary);
    if (!out_) return Status::IoError(path_ + ": cannot write the reject report");
    if (fresh) out_ << kHeader;
  }
  out_ << Format(line);
  out_.flush();
  if (!out_) return Status::IoError(path_ + ": cannot write the reject report");
  lines_++;
  return Status::Ok();
}

Status AppendReject(const std::string& path, const RejectLine& line) {
  RejectReport report(path);
  return report.Append(line);
}

std::string ReportPathFor(const std::string& input_path) { return input_path + ".rejects.csv"; }

std::string ChineseReason(const std::string& code) {
  static const std::map<std::string, std::string> kText = {
      {"unknown_indicator", "指标代码不在指标目录中"},
      {"not_owner", "该指标不属于本部门，不能由本部门报送"},
      {"unknown_park", "园区代码不在目录中"},
      {"malformed_period", "期间格式不对"},
      {"period_type_not_allowed", "该指标不接受这种期间（年度、季度或月份）"},
      {"future_period", "期间在未来，尚不能报送"},
      {"not_finite", "数值不是有限数"},
      {"out_of_bounds", "数值超出该指标的合理范围"},
      {"too_precise", "小数位数超过该指标允许的精度"},
      {"malformed_entity", "统一社会信用代码无效"},
      {"entity_not_allowed", "园区级指标不能填写企业代码"},
      {"entity_required", "企业级指标必须填写统一社会信用代码"},
      {"note_too_long", "备注太长"},
      {"frame_too_large", "批次太大，被服务端拒收"},
      {"undecodable", "批次无法解码，被服务端拒收"},
      {"too_many_observations", "批次中的数据条数过多"},
      {"bad_sequence", "批次序号不对"},
      {"field_too_long", "字段太长"},
      {"unregistered_key", "本适配器的密钥未在服务端登记"},
      {"reference_required", "里程碑须在备注中填写批准文件文号"},
      // Closing a year (docs/adapters.md, "Closing a year").
      {"period_closed",
       "该年度已报送或已审定，数据已锁定：已报送待审定的，请领导小组办公室退回后再修改；"
       "已审定的，修改须作为更正报送，并填写更正原因"},
      {"not_approver", "只有领导小组办公室能审定或退回年度数据；各部门只能报送本部门的年度"},
      {"period_state_conflict",
       "该年度当前的状态不允许这一操作（已审定的年度不能再报送或退回，未报送的年度不能审定）"},
      {"unknown_department", "部门代码不在目录中"},
  };
  auto it = kText.find(code);
  return it == kText.end() ? "服务端拒收（原因代码 " + code + "）" : it->second;
}

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
