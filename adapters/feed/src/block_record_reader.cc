#include "block_record_reader.h"

namespace kpihub::feed {
namespace {

constexpr size_t kBlockBytes = 64 * 1024;

}  // namespace

Result<bool> BlockRecordReader::Next(RawRecord* record) {
  while (ready_.empty() && !finished_) {
    Status s = Fill();
    if (!s.ok()) return s;
  }
  if (ready_.empty()) return false;
  *record = std::move(ready_.front());
  ready_.pop_front();
  return true;
}

Status BlockRecordReader::ReadBlock(bool* last) {
  char block[kBlockBytes];
  in_.read(block, sizeof block);
  size_t got = static_cast<size_t>(in_.gcount());
  *last = got < sizeof block;
  if (in_.bad()) return Status::IoError("cannot read the file");
  return decoder_->Decode(std::string_view(block, got), *last, &text_);
}

}  // namespace kpihub::feed
