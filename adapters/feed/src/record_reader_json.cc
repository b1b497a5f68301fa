#include <nlohmann/json.hpp>

#include "block_record_reader.h"

namespace kpihub::feed {
namespace {

using nlohmann::json;

// A JSON array is parsed whole (nlohmann::json takes several times the text in memory), so
// it is kept small enough for the adapter to stay within its memory bound; JSON lines stream.
constexpr size_t kMaxArrayBytes = 2u << 20;
constexpr size_t kMaxLineBytes = 1u << 20;

// One JSON value becomes one record; numbers keep their shortest round-trip text, so a
// figure such as 1234.5 reaches the unit conversion as "1234.5".
RawRecord FromValue(const json& value, uint64_t row) {
  RawRecord r;
  r.row = row;
  if (!value.is_object()) {
    r.error = "not a JSON object";
    return r;
  }
  for (const auto& [key, v] : value.items()) {
    std::string text;
    if (v.is_string()) text = v.get<std::string>();
    else if (v.is_number()) text = v.dump();
    else if (v.is_boolean()) text = v.get<bool>() ? "1" : "0";
    else if (!v.is_null()) {
      r.error = "field '" + key + "' is not a scalar";
      return r;
    }
    r.keys.push_back(key);
    r.cells.push_back(std::move(text));
  }
  return r;
}

class JsonReader : public BlockRecordReader {
 public:
  JsonReader(std::istream& in, std::unique_ptr<StreamDecoder> decoder)
      : BlockRecordReader(in, std::move(decoder)) {}

 private:
  void AddLine(std::string_view text) {
    ++line_;
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) return;
    json value = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
      RawRecord r;
      r.row = line_;
      r.error = "not valid JSON";
      ready_.push_back(std::move(r));
      return;
    }
    ready_.push_back(FromValue(value, line_));
  }

  Status ParseArray() {
    json array = json::parse(text_.begin(), text_.end(), nullptr, false);
    text_.clear();
    if (array.is_discarded() || !array.is_array()) {
      return Status::InvalidArgument("不是 JSON 对象数组 / not a JSON array of objects");
    }
    for (size_t i = 0; i < array.size(); ++i) ready_.push_back(FromValue(array[i], i + 1));
    finished_ = true;
    return Status::Ok();
  }

  Status Fill() override {
    bool last = false;
    Status s = ReadBlock(&last);
    if (!s.ok()) return s;
    if (!array_decided_) {
      size_t first = text_.find_first_not_of(" \t\r\n");
      if (first != std::string::npos) { array_ = text_[first] == '['; array_decided_ = true; }
    }
    if (array_) {
      if (text_.size() > kMaxArrayBytes) {
        return Status::InvalidArgument("JSON 数组超过 2 MiB，请改为每行一个对象（JSON lines） / the JSON array is larger than 2 MiB: write one object per line (JSON lines) instead");
      }
      return last ? ParseArray() : Status::Ok();
    }
    size_t pos = 0;
    for (size_t nl = text_.find('\n'); nl != std::string::npos; nl = text_.find('\n', pos)) {
      AddLine(std::string_view(text_).substr(pos, nl - pos));
      pos = nl + 1;
    }
    text_.erase(0, pos);
    if (text_.size() > kMaxLineBytes) {
      return Status::InvalidArgument("第 " + std::to_string(line_ + 1) + " 行太长 / line " +
                                     std::to_string(line_ + 1) + " is longer than 1 MiB");
    }
    if (last) {
      if (!text_.empty()) AddLine(text_);
      text_.clear();
      finished_ = true;
    }
    return Status::Ok();
  }

  bool array_decided_ = false, array_ = false;
  uint64_t line_ = 0;
};

}  // namespace

std::unique_ptr<RecordReader> NewJsonReader(std::istream& in, std::unique_ptr<StreamDecoder> decoder) {
  return std::make_unique<JsonReader>(in, std::move(decoder));
}

}  // namespace kpihub::feed
