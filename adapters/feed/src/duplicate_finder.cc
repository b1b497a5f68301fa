#include "duplicate_finder.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <queue>

namespace kpihub::feed {
namespace {

constexpr size_t kReadHashes = 8192;  // per run while merging

// Reads one spilled run back in blocks.
class RunReader {
 public:
  explicit RunReader(std::FILE* f) : f_(f) { std::rewind(f_); }
  bool Next(uint64_t* out) {
    if (pos_ == buffer_.size()) {
      buffer_.resize(kReadHashes);
      size_t n = std::fread(buffer_.data(), sizeof(uint64_t), buffer_.size(), f_);
      buffer_.resize(n);
      pos_ = 0;
      if (n == 0) return false;
    }
    *out = buffer_[pos_++];
    return true;
  }

 private:
  std::FILE* f_;
  std::vector<uint64_t> buffer_;
  size_t pos_ = 0;
};

Status TooMany(size_t limit) {
  return Status::InvalidArgument(
      "超过 " + std::to_string(limit) + " 组行的企业（或园区）和期间重复：文件像是同一份导出拼接了两次 / more than " +
      std::to_string(limit) + " keys (enterprise or park, and period) repeat: the file looks like an export appended to itself");
}

}  // namespace

Status DuplicateFinder::Spill() {
  std::sort(run_.begin(), run_.end());
  std::unique_ptr<std::FILE, FileCloser> f(std::tmpfile());
  if (!f) return Status::IoError(std::string("cannot create a temporary file: ") + std::strerror(errno));
  if (std::fwrite(run_.data(), sizeof(uint64_t), run_.size(), f.get()) != run_.size() || std::fflush(f.get()) != 0) {
    return Status::IoError(std::string("cannot write a temporary file: ") + std::strerror(errno));
  }
  spilled_.push_back(std::move(f));
  run_.clear();
  return Status::Ok();
}

Status DuplicateFinder::Add(uint64_t hash) {
  if (run_.capacity() == 0) run_.reserve(std::min<size_t>(kRunHashes, 65536));
  run_.push_back(hash);
  return run_.size() >= kRunHashes ? Spill() : Status::Ok();
}

Result<std::unordered_set<uint64_t>> DuplicateFinder::Finish(size_t limit) {
  std::unordered_set<uint64_t> repeated;
  if (spilled_.empty()) {
    std::sort(run_.begin(), run_.end());
    for (size_t i = 1; i < run_.size(); ++i) {
      if (run_[i] != run_[i - 1]) continue;
      repeated.insert(run_[i]);
      if (repeated.size() > limit) return TooMany(limit);
    }
    run_ = {};
    return repeated;
  }
  if (!run_.empty()) {
    Status s = Spill();
    if (!s.ok()) return s;
  }
  run_ = {};
  // k-way merge of the sorted runs.
  std::vector<RunReader> readers;
  for (auto& f : spilled_) readers.emplace_back(f.get());
  using Head = std::pair<uint64_t, size_t>;
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
  for (size_t i = 0; i < readers.size(); ++i) {
    uint64_t v;
    if (readers[i].Next(&v)) heads.push({v, i});
  }
  bool any = false;
  uint64_t previous = 0;
  while (!heads.empty()) {
    auto [v, i] = heads.top();
    heads.pop();
    if (any && v == previous) {
      repeated.insert(v);
      if (repeated.size() > limit) return TooMany(limit);
    }
    previous = v;
    any = true;
    uint64_t next;
    if (readers[i].Next(&next)) heads.push({next, i});
  }
  spilled_.clear();
  return repeated;
}

}  // namespace kpihub::feed
