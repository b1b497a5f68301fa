#include <csv.h>

#include "block_record_reader.h"

namespace kpihub::feed {
namespace {

// A field longer than this is an opening quote that is never closed: stop before the rest of
// the file piles up in one field.
constexpr size_t kMaxFieldBytes = 1 << 20;

class CsvReader : public BlockRecordReader {
 public:
  CsvReader(std::istream& in, std::unique_ptr<StreamDecoder> decoder, char delimiter)
      : BlockRecordReader(in, std::move(decoder)) {
    init_ok_ = csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI) == 0;
    csv_set_delim(&parser_, static_cast<unsigned char>(delimiter));
  }
  ~CsvReader() override { if (init_ok_) csv_free(&parser_); }

 private:
  static void OnField(void* data, size_t size, void* self_ptr) {
    auto* self = static_cast<CsvReader*>(self_ptr);
    if (self->fields_.empty() && self->record_line_ == 0) self->record_line_ = self->row_start_;
    self->fields_.emplace_back(static_cast<const char*>(data), size);
  }
  static void OnRecord(int, void* self_ptr) {
    auto* self = static_cast<CsvReader*>(self_ptr);
    RawRecord r;
    r.row = self->record_line_ ? self->record_line_ : self->line_;
    r.cells = std::move(self->fields_);
    self->ready_.push_back(std::move(r));
    self->fields_.clear();
    self->record_line_ = 0;
  }

  Status CsvError(uint64_t line) {
    return Status::InvalidArgument("第 " + std::to_string(line) + " 行的引号或字段格式不对（" +
                              csv_strerror(csv_error(&parser_)) + "）/ line " + std::to_string(line) +
                              ": " + csv_strerror(csv_error(&parser_)));
  }

  // Feeds one physical line (with its '\n') so that each record knows the line it started on.
  Status FeedLine(std::string_view line) {
    // libcsv's state 0 is "no row begun": a record that starts now starts on this line, even
    // if a quoted newline makes it end on a later one.
    if (parser_.pstate == 0 && fields_.empty()) row_start_ = line_;
    if (csv_parse(&parser_, line.data(), line.size(), OnField, OnRecord, this) != line.size()) {
      return CsvError(line_);
    }
    if (parser_.entry_pos > kMaxFieldBytes) {
      return Status::InvalidArgument("第 " + std::to_string(row_start_) + " 行开始的引号没有结束 / a quote opened on line " +
                                std::to_string(row_start_) + " is never closed");
    }
    line_++;
    return Status::Ok();
  }

  Status Fill() override {
    if (!init_ok_) return Status::IoError("cannot initialise the CSV parser");
    bool last = false;
    Status s = ReadBlock(&last);
    if (!s.ok()) return s;
    size_t pos = 0;
    for (size_t nl = text_.find('\n'); nl != std::string::npos; nl = text_.find('\n', pos)) {
      s = FeedLine(std::string_view(text_).substr(pos, nl + 1 - pos));
      if (!s.ok()) return s;
      pos = nl + 1;
    }
    text_.erase(0, pos);
    if (!last) return Status::Ok();
    if (!text_.empty()) {
      s = FeedLine(text_);
      if (!s.ok()) return s;
      text_.clear();
    }
    if (csv_fini(&parser_, OnField, OnRecord, this) != 0) return CsvError(line_ - 1);
    finished_ = true;
    return Status::Ok();
  }

  csv_parser parser_{};
  bool init_ok_ = false;
  uint64_t line_ = 1;            // physical line being fed
  uint64_t record_line_ = 0;     // line where the current record started
  uint64_t row_start_ = 1;       // line at which the parser last stood between records
  std::vector<std::string> fields_;
};

}  // namespace

std::unique_ptr<RecordReader> NewCsvReader(std::istream& in, std::unique_ptr<StreamDecoder> decoder,
                                           char delimiter) {
  return std::make_unique<CsvReader>(in, std::move(decoder), delimiter);
}

}  // namespace kpihub::feed
