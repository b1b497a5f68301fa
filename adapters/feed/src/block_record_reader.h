// BlockRecordReader: what the CSV and JSON readers share: the file read a block at a time and
// decoded to UTF-8, and the records parsed from that text handed out in order. A subclass
// parses in Fill(). Not thread-safe.
#pragma once

#include <deque>
#include <istream>
#include <memory>
#include <string>

#include "kpihub/feed/record_reader.h"

namespace kpihub::feed {

class BlockRecordReader : public RecordReader {
 public:
  Result<bool> Next(RawRecord* record) final;

 protected:
  // `in` must outlive the reader.
  BlockRecordReader(std::istream& in, std::unique_ptr<StreamDecoder> decoder)
      : in_(in), decoder_(std::move(decoder)) {}

  // Reads the next block and appends it, decoded, to text_; *last: the file ends with it.
  Status ReadBlock(bool* last);
  // Parses text from ReadBlock into ready_, and sets finished_ once the whole file is read.
  virtual Status Fill() = 0;

  std::string text_;  // decoded text not yet parsed
  std::deque<RawRecord> ready_;
  bool finished_ = false;

 private:
  std::istream& in_;
  std::unique_ptr<StreamDecoder> decoder_;
};

}  // namespace kpihub::feed
