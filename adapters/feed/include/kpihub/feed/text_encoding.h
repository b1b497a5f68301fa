// Text encodings of department exports. Chinese government systems often export GB18030 (a
// superset of GBK and GB2312); Excel writes UTF-8 with a byte order mark ("CSV UTF-8") or
// UTF-16 ("Unicode text"); everything inside kpihub is UTF-8. Conversion uses glibc's iconv,
// incrementally, so that a file of any size is decoded in bounded memory. Functions are
// thread-safe; a StreamDecoder is not (one per file).
#pragma once

#include <iconv.h>

#include <memory>
#include <string>
#include <string_view>

#include "kpihub/core/status.h"

namespace kpihub::feed {

// Encodings a profile may name: "utf-8" and "gb18030" (also "gbk", "gb2312", read as gb18030).
bool IsKnownEncoding(std::string_view name);

// What the first bytes of a file say about its encoding: a byte order mark wins over the
// profile (Excel's "CSV UTF-8" is UTF-8 with a BOM whatever the department's system writes).
struct SniffedEncoding {
  std::string encoding;  // "utf-8", "gb18030", "utf-16le" or "utf-16be"
  size_t bom_bytes = 0;  // bytes to skip before decoding
};
// `head`: the file's first bytes (at least 4 when the file has them). An Excel workbook
// (.xlsx, .xls, by content or by name) is refused with a message that says to save it as CSV.
Result<SniffedEncoding> SniffEncoding(std::string_view head, std::string_view file_name,
                                      std::string_view profile_encoding);

// Incremental conversion to UTF-8. Any invalid or truncated sequence fails the whole text:
// guessing would put wrong park names and figures into the KPIs.
class StreamDecoder {
 public:
  static Result<std::unique_ptr<StreamDecoder>> Open(std::string_view encoding);
  ~StreamDecoder();
  StreamDecoder(const StreamDecoder&) = delete;
  StreamDecoder& operator=(const StreamDecoder&) = delete;

  // Appends the UTF-8 of `bytes` to `*out`; a sequence cut at the end of `bytes` waits for the
  // next call. `last`: no more bytes follow. The error names the line and byte of the failure.
  Status Decode(std::string_view bytes, bool last, std::string* out);

 private:
  StreamDecoder(iconv_t cd, std::string name) : cd_(cd), name_(std::move(name)) {}
  iconv_t cd_;
  std::string name_;
  std::string carry_;        // undecoded tail of the previous call
  size_t bytes_done_ = 0;    // input bytes converted so far
  size_t lines_done_ = 0;    // line breaks produced so far
};

// Whole-text conversion (a BOM matching `encoding` is dropped), for tests and small inputs.
Result<std::string> ToUtf8(std::string_view bytes, std::string_view encoding);

// UTF-8 to `encoding`, for tests and the sample generator. Throws std::runtime_error when a
// character has no representation.
std::string FromUtf8(std::string_view utf8, std::string_view encoding);

}  // namespace kpihub::feed
