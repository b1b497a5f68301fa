#include "row_mapper.h"

#include <algorithm>

#include "bilingual.h"
#include "kpihub/core/uscc.h"
#include "kpihub/feed/decimal_text.h"
#include "kpihub/feed/folded_text.h"

namespace kpihub::feed {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "1" + "234.50": the two halves of a figure an unquoted thousands separator split.
bool LooksSplitByThousands(const std::string& left_raw, const std::string& right_raw) {
  std::string left = FoldText(left_raw), right = FoldText(right_raw);
  if (!left.empty() && (left[0] == '-' || left[0] == '+')) left.erase(0, 1);
  if (!AllDigits(left) || left.size() > 3) return false;
  std::string_view r = right;
  size_t dot = r.find('.');
  if (dot != std::string_view::npos && !AllDigits(r.substr(dot + 1))) return false;
  return r.size() >= 3 && AllDigits(r.substr(0, 3)) && (r.size() == 3 || r[3] == '.');
}

std::string Join(const std::vector<uint64_t>& rows, uint64_t except, const char* sep) {
  std::string out;
  for (uint64_t r : rows) {
    if (r == except) continue;
    out += (out.empty() ? "" : sep) + std::to_string(r);
  }
  return out;
}

}  // namespace

bool RowMapper::IsBlank(const Row& row) {
  return std::all_of(row.cells.begin(), row.cells.end(), [](const std::string& c) { return FoldText(c).empty(); });
}

const std::string* RowMapper::Cell(const Row& row, int index) const {
  if (index < 0 || static_cast<size_t>(index) >= row.cells.size()) return nullptr;
  if (!row.present.empty() && !row.present[static_cast<size_t>(index)]) return nullptr;
  return &row.cells[static_cast<size_t>(index)];
}

std::string RowMapper::DuplicateKey(const Row& row) const {
  const std::string* who = Cell(row, shape_.entity >= 0 ? shape_.entity : shape_.park);
  const std::string* when = Cell(row, shape_.period);
  if (!who || !when) return "";
  std::string period = FoldText(*when);
  if (auto canonical = NormalizePeriod(period)) period = *canonical;
  std::string entity = shape_.entity >= 0 ? FoldText(*who) : FoldHeader(*who);
  if (entity.empty() || period.empty()) return "";
  return entity + '\x1f' + period;
}

bool RowMapper::CheckWidth(Row& row) {
  size_t width = shape_.columns.size();
  // Even surplus fields that are empty are refused: an unquoted comma shifts every cell after
  // it one column to the right, and the last one is often empty.
  if (row.cells.size() <= width) return true;
  std::string counts = std::to_string(row.cells.size()) + " fields, the header " + std::to_string(width);
  std::string counts_zh = "该行有 " + std::to_string(row.cells.size()) + " 个字段，表头只有 " + std::to_string(width) + " 个";
  for (size_t i = 0; i + 1 < row.cells.size(); ++i) {
    if (!LooksSplitByThousands(row.cells[i], row.cells[i + 1])) continue;
    std::string figure = row.cells[i] + "," + row.cells[i + 1];
    Emit(Reject(row.row, "", figure, kUnquotedThousands,
                counts_zh + "：数字“" + figure + "”中的千位分隔符逗号没有加引号，把它拆成了两个字段。"
                "请在 Excel 中把该列设为不带千位分隔符的数字格式后重新另存为 CSV",
                "the row has " + counts + ": the unquoted thousands separator in '" + figure +
                    "' splits the figure in two; format the column without thousands separators "
                    "(or quote the figure) and save the CSV again"));
    return false;
  }
  Emit(Reject(row.row, "", "", kMalformedRecord, counts_zh + "（是否有未加引号的逗号？）",
              "the row has " + counts + " (an unquoted comma?)"));
  return false;
}

std::optional<std::string> RowMapper::KeyCell(const Row& row, int index, const std::string& column) {
  const std::string* cell = Cell(row, index);
  if (!cell) {
    Emit(Reject(row.row, column, "", kMissingColumn, "该行没有“" + column + "”字段",
                "the row has no '" + column + "' field"));
    return std::nullopt;
  }
  return *cell;
}

std::optional<RowKeys> RowMapper::ReadKeys(const Row& row) {
  const Layout& l = *shape_.layout;
  RowKeys k;
  auto park = KeyCell(row, shape_.park, l.park_column);
  if (!park) return std::nullopt;
  auto code = profile_.ParkCode(*park);
  if (!code) {
    std::string folded = FoldText(*park);
    Emit(Reject(row.row, l.park_column, *park, kUnknownParkName,
                "目录和配置中都没有名为“" + folded + "”的园区",
                "no park of the catalogue or the profile is called '" + folded + "'"));
    return std::nullopt;
  }
  k.park = *code;
  auto period = KeyCell(row, shape_.period, l.period_column);
  if (!period) return std::nullopt;
  auto canonical = NormalizePeriod(*period);
  if (!canonical) {
    Emit(Reject(row.row, l.period_column, *period, kMalformedPeriodText,
                "不是年度、季度或月份（如 2020、2020年第3季度、2020年9月）",
                "not a year, quarter or month (e.g. 2020, 2020Q3, 2020-09)"));
    return std::nullopt;
  }
  k.period = *canonical;
  if (!l.entity_column.empty()) {
    auto entity = KeyCell(row, shape_.entity, l.entity_column);
    if (!entity) return std::nullopt;
    std::string code_text = FoldText(*entity);
    if (!core::IsValidUscc(code_text)) {
      Emit(Reject(row.row, l.entity_column, *entity, kBadCreditCode,
                  "不是有效的统一社会信用代码（GB 32100-2015）",
                  "not a valid unified social credit code (GB 32100-2015)"));
      return std::nullopt;
    }
    k.entity = code_text;
  }
  if (const std::string* note = Cell(row, shape_.note)) k.note = FoldText(*note);
  if (const std::string* reason = Cell(row, shape_.restatement)) k.restatement = FoldText(*reason);
  return k;
}

void RowMapper::MapCell(const Row& row, const BoundColumn& column, const RowKeys& k) {
  const ColumnMapping& c = *column.mapping;
  const std::string* cell = Cell(row, static_cast<int>(column.index));
  if (!cell) {
    Emit(Reject(row.row, c.name, "", kMissingColumn, "该行没有“" + c.name + "”字段",
                "the row has no '" + c.name + "' field"));
    return;
  }
  std::string folded = FoldText(*cell);
  if (std::find(profile_.empty_values.begin(), profile_.empty_values.end(), folded) != profile_.empty_values.end()) {
    summary_.empty_cells++;
    return;
  }
  std::string text = folded;
  if (auto mapped = c.values.find(folded); mapped != c.values.end()) text = mapped->second;
  auto number = DecimalText::Parse(text);
  if (!number) {
    bool mapped = !c.values.empty();
    Emit(Reject(row.row, c.name, *cell, kUnparseableNumber,
                mapped ? "既不是数字，也不是配置中列出的取值" : "不是数字",
                "not a number" + std::string(mapped ? " nor a mapped value" : "")));
    return;
  }
  DecimalText value = number->Shifted(c.unit.power);
  if (c.round_to) value = value.RoundedHalfUp(*c.round_to);
  core::Observation o{c.indicator, k.park, k.entity, k.period, value.ToDouble(), k.note, k.restatement};
  if (!sink_status_.ok()) return;
  sink_status_ = sink_.OnObservation({std::move(o), row.row, c.name, *cell});
  if (sink_status_.ok()) summary_.observations++;
}

void RowMapper::MapCells(const Row& row, const RowKeys& keys) {
  for (const BoundColumn& c : shape_.mapped) MapCell(row, c, keys);
}

bool RowMapper::HasFigure(const Row& row, const BoundColumn& column) const {
  const std::string* cell = Cell(row, static_cast<int>(column.index));
  if (!cell) return false;
  std::string folded = FoldText(*cell);
  const auto& empty = profile_.empty_values;
  if (std::find(empty.begin(), empty.end(), folded) != empty.end()) return false;
  auto mapped = column.mapping->values.find(folded);
  return DecimalText::Parse(mapped == column.mapping->values.end() ? folded : mapped->second).has_value();
}

void RowMapper::RejectDuplicate(const Row& row, const BoundColumn& column, const std::vector<uint64_t>& rows) {
  const Layout& l = *shape_.layout;
  std::string who_zh = l.entity_column.empty() ? "园区" : "企业";
  std::string who_en = l.entity_column.empty() ? "park" : "enterprise";
  const std::string& name = column.mapping->name;
  Emit(Reject(row.row, name, *Cell(row, static_cast<int>(column.index)), kDuplicateRow,
              "第 " + Join(rows, row.row, "、") + " 行也填了同一" + who_zh + "、同一期间的“" + name +
                  "”：这几个数都未提交，请删除重复行后重新提交",
              "row " + Join(rows, row.row, ", ") + " gives '" + name + "' for the same " + who_en +
                  " and period too: none of these figures was sent; remove the duplicate and hand the file in again"));
}

void RowMapper::Emit(RowReject&& reject) {
  if (!sink_status_.ok()) return;
  sink_status_ = sink_.OnReject(std::move(reject));
  if (sink_status_.ok()) summary_.rejects++;
}

}  // namespace kpihub::feed
