#include "kpihub/feed/export_mapper.h"

#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "bilingual.h"
#include "duplicate_finder.h"
#include "file_shape.h"
#include "kpihub/feed/folded_text.h"
#include "kpihub/feed/record_reader.h"
#include "kpihub/feed/text_encoding.h"
#include "row_mapper.h"

namespace kpihub::feed {
namespace {

constexpr size_t kHeadBytes = 4096;
constexpr size_t kMaxJsonKeys = 1000;
// Rows that share a key wait in memory until the end of the file: a bound on how many keys.
constexpr size_t kMaxDuplicateKeys = 10000;

bool NameFits(const Layout& l, const std::string& name) {
  return l.file_pattern.empty() || fnmatch(l.file_pattern.c_str(), name.c_str(), 0) == 0;
}

InputFormat FormatFor(const Profile& profile, const std::string& name) {
  // JSON is UTF-8 by definition (RFC 8259); a profile of JSON layouts reads JSON whatever
  // the name.
  bool json = !profile.layouts.empty() &&
              std::all_of(profile.layouts.begin(), profile.layouts.end(),
                          [](const Layout& l) { return l.format == InputFormat::kJson; });
  bool json_name = name.ends_with(".json") || name.ends_with(".jsonl");
  return (json || json_name) ? InputFormat::kJson : InputFormat::kCsv;
}

std::string EncodingFor(const Profile& profile, InputFormat format, const std::string& name) {
  if (format == InputFormat::kJson) return "utf-8";
  for (const auto& l : profile.layouts) {
    if (l.format == format && NameFits(l, name)) return l.encoding;
  }
  return "utf-8";
}

char DelimiterFor(const Profile& profile) {
  for (const auto& l : profile.layouts) if (l.format == InputFormat::kCsv) return l.delimiter;
  return ',';
}

// "中文 / English" → {中文, English}.
std::pair<std::string, std::string> SplitBilingual(const std::string& message) {
  size_t at = message.find(" / ");
  if (at == std::string::npos) return {message, message};
  return {message.substr(0, at), message.substr(at + 3)};
}

RowReject FileReject(std::string_view reason, const Status& status) {
  auto [zh, en] = SplitBilingual(status.message());
  return Reject(0, "", "", reason, zh + "：整个文件未提交", en + ": nothing of the file was sent");
}

struct Input {
  std::unique_ptr<std::istream> stream;
  std::unique_ptr<RecordReader> reader;
};

// Excel's "Unicode text" (UTF-16) separates fields with tabs.
char Utf16Delimiter(std::string_view head, const std::string& encoding, char profile_delimiter) {
  std::string text;
  auto decoder = StreamDecoder::Open(encoding);
  if (!decoder.ok() || !(*decoder)->Decode(head, false, &text).ok()) return profile_delimiter;
  std::string first = text.substr(0, text.find('\n'));
  bool tabs = first.find('\t') != std::string::npos;
  return tabs && first.find(profile_delimiter) == std::string::npos ? '\t' : profile_delimiter;
}

// Opens the file, recognises a workbook, a BOM or UTF-16, and sets up the record reader.
// A failed status with kInvalidArgument: the file is refused (the status says why).
Result<Input> OpenInput(const Profile& profile, const std::string& name, const InputOpener& open) {
  auto stream = open();
  if (!stream.ok()) return stream.status();
  Input in{std::move(stream.value()), nullptr};
  std::string head(kHeadBytes, '\0');
  in.stream->read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.stream->gcount()));
  in.stream->clear();
  in.stream->seekg(0);
  InputFormat format = FormatFor(profile, name);
  auto sniffed = SniffEncoding(head, name, EncodingFor(profile, format, name));
  if (!sniffed.ok()) return sniffed.status();
  in.stream->ignore(static_cast<std::streamsize>(sniffed->bom_bytes));
  auto decoder = StreamDecoder::Open(sniffed->encoding);
  if (!decoder.ok()) return decoder.status();
  char delimiter = DelimiterFor(profile);
  if (sniffed->encoding.starts_with("utf-16")) {
    delimiter = Utf16Delimiter(std::string_view(head).substr(sniffed->bom_bytes), sniffed->encoding, delimiter);
  }
  in.reader = format == InputFormat::kJson ? NewJsonReader(*in.stream, std::move(decoder.value()))
                                           : NewCsvReader(*in.stream, std::move(decoder.value()), delimiter);
  return in;
}

class ExportMapping {
 public:
  ExportMapping(const Profile& profile, std::string_view file_name, const InputOpener& open, MapSink& sink)
      : profile_(profile), name_(file_name), open_(open), sink_(sink),
        format_(FormatFor(profile, name_)) {}

  MapSummary Run() {
    if (!Shape() || !FindDuplicates()) return Finish();
    Map();
    return Finish();
  }

 private:
  // Refuses the file with `rejects`; they are all the sink hears of it.
  void Refuse(std::vector<RowReject> rejects, Status status) {
    summary_.refused = true;
    summary_.status = std::move(status);
    for (auto& r : rejects) {
      Status s = sink_.OnReject(std::move(r));
      if (!s.ok()) { summary_.status = s; return; }
      summary_.rejects++;
    }
  }

  // A failure while reading: a refusal of the file for bad bytes or records, else an I/O error.
  void ReadFailed(const Status& status) {
    if (status.code() == Status::Code::kIoError) { summary_.status = status; return; }
    std::string_view reason = status.code() == Status::Code::kCorruption ? kUndecodableText : kMalformedRecord;
    Refuse({FileReject(reason, status)}, status);
  }

  Result<Input> Open() {
    auto in = OpenInput(profile_, name_, open_);
    if (!in.ok() && in.status().code() != Status::Code::kIoError) {
      bool workbook = in.status().message().find("Excel") != std::string::npos;
      Refuse({FileReject(workbook ? kExcelWorkbook : kUndecodableText, in.status())}, in.status());
    } else if (!in.ok()) {
      summary_.status = in.status();
    }
    return in;
  }

  // Pass 1: the header (or the JSON keys), the layout, the columns.
  bool Shape() {
    auto in = Open();
    if (!in.ok()) return false;
    RawRecord raw;
    std::vector<RawRecord> candidates;
    std::vector<std::string> keys;
    std::unordered_set<std::string> seen;
    for (;;) {
      if (format_ == InputFormat::kCsv && candidates.size() > static_cast<size_t>(kMaxTitleRows)) break;
      Result<bool> more = in->reader->Next(&raw);
      if (!more.ok()) { ReadFailed(more.status()); return false; }
      if (!*more) break;
      if (format_ == InputFormat::kCsv) {
        if (!RowMapper::IsBlank({raw.row, raw.cells, {}})) candidates.push_back(raw);
        continue;
      }
      for (const auto& k : raw.keys) {
        if (seen.size() < kMaxJsonKeys && seen.insert(FoldHeader(k)).second) keys.push_back(k);
      }
    }
    shape_ = format_ == InputFormat::kCsv ? ShapeCsv(profile_, name_, candidates)
                                          : ShapeJson(profile_, name_, keys);
    summary_.title_rows = shape_.title_rows;
    if (shape_.layout) summary_.layout = shape_.layout->name;
    for (size_t i = 0; i < shape_.columns.size(); ++i) index_.emplace(FoldHeader(shape_.columns[i]), i);
    if (shape_.problems.empty()) return true;
    const RowReject& first = shape_.problems.front();
    std::string more = shape_.problems.size() > 1
        ? " (+" + std::to_string(shape_.problems.size() - 1) + ")" : "";
    Status why = Status::InvalidArgument(first.message_zh + more + " / " + first.message + more);
    Refuse(std::move(shape_.problems), std::move(why));
    return false;
  }

  // Reads every data row of a fresh pass, skipping title and blank rows.
  template <typename Fn>
  bool ForEachRow(Fn&& fn, bool count_blanks) {
    auto in = Open();
    if (!in.ok()) return false;
    RawRecord raw;
    for (;;) {
      Result<bool> more = in->reader->Next(&raw);
      if (!more.ok()) { ReadFailed(more.status()); return false; }
      if (!*more) return true;
      if (format_ == InputFormat::kCsv && raw.row <= shape_.header_row) continue;
      Row row = ToRow(std::move(raw));
      if (format_ == InputFormat::kCsv && RowMapper::IsBlank(row)) {
        if (count_blanks) summary_.blank_rows++;
        continue;
      }
      if (!fn(row, raw.error)) return false;
    }
  }

  Row ToRow(RawRecord&& raw) const {
    Row row{raw.row, {}, {}};
    if (format_ == InputFormat::kCsv) { row.cells = std::move(raw.cells); return row; }
    row.cells.resize(shape_.columns.size());
    row.present.assign(shape_.columns.size(), false);
    for (size_t i = 0; i < raw.keys.size(); ++i) {
      auto it = index_.find(FoldHeader(raw.keys[i]));
      if (it == index_.end()) continue;
      row.cells[it->second] = std::move(raw.cells[i]);
      row.present[it->second] = true;
    }
    return row;
  }

  static uint64_t Hash(const std::string& key) { return std::hash<std::string>{}(key); }

  // Pass 2: every byte decodes and every record parses; which row keys occur twice.
  bool FindDuplicates() {
    RowMapper probe(profile_, shape_, sink_, summary_);
    DuplicateFinder finder;
    Status spilled;
    bool ok = ForEachRow([&](const Row& row, const std::string&) {
      std::string key = probe.DuplicateKey(row);
      if (!key.empty()) spilled = finder.Add(Hash(key));
      return spilled.ok();
    }, false);
    if (!spilled.ok()) { summary_.status = spilled; return false; }
    if (!ok) return false;
    auto repeated = finder.Finish(kMaxDuplicateKeys);
    if (repeated.ok()) {
      duplicated_ = std::move(repeated).value();
      return true;
    }
    if (repeated.status().code() == Status::Code::kIoError) summary_.status = repeated.status();
    else Refuse({FileReject(kDuplicateRow, repeated.status())}, repeated.status());
    return false;
  }

  // Pass 3: rows to the sink; rows that share a key wait until the end.
  void Map() {
    RowMapper mapper(profile_, shape_, sink_, summary_);
    std::map<std::string, std::vector<std::pair<Row, RowKeys>>> held;
    ForEachRow([&](Row& row, const std::string& error) {
      summary_.rows++;
      if (!error.empty()) {
        mapper.Emit(Reject(row.row, "", "", kMalformedRecord, "这一行不是有效的 JSON 对象（" + error + "）", error));
      } else if (mapper.CheckWidth(row)) {
        auto keys = mapper.ReadKeys(row);
        std::string key = keys && !duplicated_.empty() ? mapper.DuplicateKey(row) : "";
        if (keys && !key.empty() && duplicated_.count(Hash(key))) {
          held[key].emplace_back(std::move(row), std::move(*keys));
        } else if (keys) {
          mapper.MapCells(row, *keys);
        }
      }
      return mapper.sink_status().ok();
    }, true);
    for (auto& [key, rows] : held) ResolveDuplicates(mapper, rows);
    if (!mapper.sink_status().ok()) summary_.status = mapper.sink_status();
  }

  // Rows that share a key: a figure of an indicator that two or more of them give is
  // rejected in each; every other cell is mapped as usual.
  void ResolveDuplicates(RowMapper& mapper, const std::vector<std::pair<Row, RowKeys>>& rows) {
    for (const BoundColumn& column : shape_.mapped) {
      std::vector<uint64_t> giving;
      for (const auto& r : rows) if (mapper.HasFigure(r.first, column)) giving.push_back(r.first.row);
      for (const auto& [row, keys] : rows) {
        bool clash = giving.size() > 1 && std::find(giving.begin(), giving.end(), row.row) != giving.end();
        if (clash) mapper.RejectDuplicate(row, column, giving);
        else mapper.MapCell(row, column, keys);
      }
    }
  }

  MapSummary Finish() { return std::move(summary_); }

  const Profile& profile_;
  std::string name_;
  const InputOpener& open_;
  MapSink& sink_;
  InputFormat format_;
  FileShape shape_;
  std::unordered_map<std::string, size_t> index_;  // folded column name → index
  std::unordered_set<uint64_t> duplicated_;
  MapSummary summary_;
};

class CollectingSink : public MapSink {
 public:
  explicit CollectingSink(MappedExport& out) : out_(out) {}
  Status OnObservation(MappedObservation&& o) override { out_.observations.push_back(std::move(o)); return Status::Ok(); }
  Status OnReject(RowReject&& r) override { out_.rejects.push_back(std::move(r)); return Status::Ok(); }

 private:
  MappedExport& out_;
};

}  // namespace

MapSummary MapExport(const Profile& profile, std::string_view file_name, const InputOpener& open,
                     MapSink& sink) {
  return ExportMapping(profile, file_name, open, sink).Run();
}

MappedExport MapExport(const Profile& profile, std::string_view file_name, std::string_view bytes) {
  MappedExport out;
  CollectingSink sink(out);
  std::string copy(bytes);
  InputOpener open = [&]() -> Result<std::unique_ptr<std::istream>> {
    return std::unique_ptr<std::istream>(std::make_unique<std::istringstream>(copy));
  };
  MapSummary s = MapExport(profile, file_name, open, sink);
  out.layout = s.layout;
  out.failed = s.refused;
  out.rows = s.rows;
  out.blank_rows = s.blank_rows;
  out.title_rows = s.title_rows;
  out.empty_cells = s.empty_cells;
  std::stable_sort(out.rejects.begin(), out.rejects.end(),
                   [](const RowReject& a, const RowReject& b) { return a.row < b.row; });
  return out;
}

}  // namespace kpihub::feed
