#include <csv.h>

#include <deque>

#include "kpihub/feed/record_reader.h"

namespace kpihub::feed {
namespace {

constexpr size_t kBlockBytes = 64 * 1024;
// A field longer than this is an opening quote that is never closed: stop before the rest of
// the file piles up in one field.
constexpr size_t kMaxFieldBytes = 1 << 20;

class CsvReader : public RecordReader {
 public:
  CsvReader(std::istream& in, std::unique_ptr<StreamDecoder> decoder, char delimiter)
      : in_(in), decoder_(std::move(decoder)) {
    init_ok_ = csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI) == 0;
    csv_set_delim(&parser_, static_cast<unsigned char>(delimiter));
  }
  ~CsvReader() override { if (init_ok_) csv_free(&parser_); }

  Result<bool> Next(RawRecord* record) override {
    if (!init_ok_) return Status::IoError("cannot initialise the CSV parser");
    while (ready_.empty() && !finished_) {
      Status s = Fill();
      if (!s.ok()) return s;
    }
    if (ready_.empty()) return false;
    *record = std::move(ready_.front());
    ready_.pop_front();
    return true;
  }

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

  Status Fill() {
    char block[kBlockBytes];
    in_.read(block, sizeof block);
    size_t got = static_cast<size_t>(in_.gcount());
    bool last = got < sizeof block;
    if (in_.bad()) return Status::IoError("cannot read the file");
    Status s = decoder_->Decode(std::string_view(block, got), last, &text_);
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

  std::istream& in_;
  std::unique_ptr<StreamDecoder> decoder_;
  csv_parser parser_{};
  bool init_ok_ = false;
  bool finished_ = false;
  std::string text_;             // decoded text not yet fed
  uint64_t line_ = 1;            // physical line being fed
  uint64_t record_line_ = 0;     // line where the current record started
  uint64_t row_start_ = 1;       // line at which the parser last stood between records
  std::vector<std::string> fields_;
  std::deque<RawRecord> ready_;
};

}  // namespace

std::unique_ptr<RecordReader> NewCsvReader(std::istream& in, std::unique_ptr<StreamDecoder> decoder,
                                           char delimiter) {
  return std::make_unique<CsvReader>(in, std::move(decoder), delimiter);
}

}  // namespace kpihub::feed
