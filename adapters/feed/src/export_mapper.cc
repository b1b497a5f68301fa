#include "kpihub/feed/export_mapper.h"

#include <fnmatch.h>

#include <algorithm>

#include "kpihub/core/uscc.h"
#include "kpihub/feed/table.h"
#include "kpihub/feed/text_encoding.h"

namespace kpihub::feed {
namespace {

bool Has(const std::vector<std::string>& columns, const std::string& name) {
  return name.empty() || std::find(columns.begin(), columns.end(), name) != columns.end();
}

// The layout whose key columns are all present and which maps the most present columns.
const Layout* ChooseLayout(const Profile& profile, std::string_view file_name,
                           const std::vector<std::string>& columns, InputFormat format) {
  const Layout* best = nullptr;
  size_t best_hits = 0;
  for (const auto& l : profile.layouts) {
    if (l.format != format) continue;
    if (!l.file_pattern.empty() &&
        fnmatch(l.file_pattern.c_str(), std::string(file_name).c_str(), 0) != 0) continue;
    if (!Has(columns, l.park_column) || !Has(columns, l.period_column) ||
        !Has(columns, l.entity_column)) continue;
    size_t hits = static_cast<size_t>(std::count_if(l.columns.begin(), l.columns.end(),
        [&](const ColumnMapping& c) { return Has(columns, c.name); }));
    if (hits > best_hits) { best = &l; best_hits = hits; }
  }
  return best;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool IsEmptyValue(const Profile& p, const std::string& v) {
  return std::find(p.empty_values.begin(), p.empty_values.end(), v) != p.empty_values.end();
}

// The row's common fields (park, period, entity, note); nullopt after recording a reject.
struct RowKeys {
  std::string park, period, entity, note;
};

std::optional<RowKeys> ReadKeys(const Profile& p, const Layout& l, const Record& r,
                                std::vector<RowReject>& rejects) {
  auto field = [&](const std::string& column) -> std::optional<std::string> {
    auto it = r.fields.find(column);
    if (it == r.fields.end()) {
      rejects.push_back({r.row, column, "", std::string(kMissingColumn),
                         "the row has no '" + column + "' field"});
      return std::nullopt;
    }
    return Trim(it->second);
  };
  RowKeys k;
  auto park = field(l.park_column);
  if (!park) return std::nullopt;
  auto code = p.ParkCode(*park);
  if (!code) {
    rejects.push_back({r.row, l.park_column, *park, std::string(kUnknownParkName),
                       "no park of the catalogue or the profile is called '" + *park + "'"});
    return std::nullopt;
  }
  k.park = *code;
  auto period = field(l.period_column);
  if (!period) return std::nullopt;
  auto canonical = NormalizePeriod(*period);
  if (!canonical) {
    rejects.push_back({r.row, l.period_column, *period, std::string(kMalformedPeriodText),
                       "not a year, quarter or month"});
    return std::nullopt;
  }
  k.period = *canonical;
  if (!l.entity_column.empty()) {
    auto entity = field(l.entity_column);
    if (!entity) return std::nullopt;
    if (!core::IsValidUscc(*entity)) {
      rejects.push_back({r.row, l.entity_column, *entity, std::string(kBadCreditCode),
                         "not a valid unified social credit code (GB 32100-2015)"});
      return std::nullopt;
    }
    k.entity = *entity;
  }
  if (!l.note_column.empty()) {
    auto it = r.fields.find(l.note_column);
    if (it != r.fields.end()) k.note = Trim(it->second);
  }
  return k;
}

// One indicator cell → an observation, a reject, or nothing (an empty cell).
void MapCell(const Profile& p, const ColumnMapping& c, const Record& r, const RowKeys& k,
             MappedExport& out) {
  auto it = r.fields.find(c.name);
  if (it == r.fields.end()) {
    out.rejects.push_back({r.row, c.name, "", std::string(kMissingColumn),
                           "the row has no '" + c.name + "' field"});
    return;
  }
  std::string raw = Trim(it->second);
  if (IsEmptyValue(p, raw)) { out.empty_cells++; return; }
  std::string text = raw;
  if (auto mapped = c.values.find(raw); mapped != c.values.end()) text = mapped->second;
  auto number = DecimalText::Parse(text);
  if (!number) {
    out.rejects.push_back({r.row, c.name, raw, std::string(kUnparseableNumber),
                           "not a number" + std::string(c.values.empty() ? "" : " nor a mapped value")});
    return;
  }
  DecimalText value = number->Shifted(c.unit.power);
  if (c.round_to) value = value.RoundedHalfUp(*c.round_to);
  core::Observation o{c.indicator, k.park, k.entity, k.period, value.ToDouble(), k.note};
  out.observations.push_back({std::move(o), r.row, c.name, raw});
}

}  // namespace

MappedExport MapExport(const Profile& profile, std::string_view file_name, std::string_view bytes) {
  MappedExport out;
  // Every layout of a format shares the file's bytes; JSON is UTF-8 by definition (RFC 8259).
  bool json = !profile.layouts.empty() &&
              std::all_of(profile.layouts.begin(), profile.layouts.end(),
                          [](const Layout& l) { return l.format == InputFormat::kJson; });
  std::string name(file_name);
  bool json_name = name.size() > 5 && (name.ends_with(".json") || name.ends_with(".jsonl"));
  InputFormat format = (json || json_name) ? InputFormat::kJson : InputFormat::kCsv;
  std::string encoding = "utf-8";
  for (const auto& l : profile.layouts) {
    if (l.format == format && (l.file_pattern.empty() ||
                               fnmatch(l.file_pattern.c_str(), name.c_str(), 0) == 0)) {
      encoding = l.encoding;
      break;
    }
  }
  DecodeFailure failure;
  auto text = ToUtf8(bytes, format == InputFormat::kJson ? "utf-8" : encoding, &failure);
  if (!text) {
    out.failed = true;
    out.rejects.push_back({failure.line, "", "", std::string(kUndecodableText),
                           failure.message + " (byte " + std::to_string(failure.byte_offset) + ")"});
    return out;
  }
  char delimiter = ',';
  for (const auto& l : profile.layouts) if (l.format == InputFormat::kCsv) { delimiter = l.delimiter; break; }
  Table table = format == InputFormat::kJson ? ReadJson(*text) : ReadCsv(*text, delimiter);
  if (!table.fatal.empty()) {
    out.failed = true;
    out.rejects.push_back({0, "", "", std::string(kMalformedRecord), table.fatal});
    return out;
  }
  const Layout* layout = ChooseLayout(profile, file_name, table.columns, format);
  if (!layout) {
    out.failed = true;
    out.rejects.push_back({1, "", "", std::string(kNoLayout),
                           "no layout of the profile matches the file's columns"});
    return out;
  }
  out.layout = layout->name;
  for (const auto& c : layout->columns) {
    if (!Has(table.columns, c.name)) {
      out.rejects.push_back({1, c.name, "", std::string(kMissingColumn),
                             "the file has no column '" + c.name + "' (" + c.indicator + ")"});
    }
  }
  for (const auto& e : table.errors) out.rejects.push_back({e.row, "", "", e.reason, e.message});
  std::vector<const ColumnMapping*> present;
  for (const auto& c : layout->columns) if (Has(table.columns, c.name)) present.push_back(&c);
  for (const Record& r : table.records) {
    out.rows++;
    auto keys = ReadKeys(profile, *layout, r, out.rejects);
    if (!keys) continue;
    for (const ColumnMapping* c : present) MapCell(profile, *c, r, *keys, out);
  }
  out.rows += table.errors.size();
  std::stable_sort(out.rejects.begin(), out.rejects.end(),
                   [](const RowReject& a, const RowReject& b) { return a.row < b.row; });
  return out;
}

}  // namespace kpihub::feed
