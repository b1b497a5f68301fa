// Text encodings of department exports. Chinese government systems often export GB18030 (a
// superset of GBK and GB2312); everything inside kpihub is UTF-8. Conversion uses glibc's
// iconv. Functions are thread-safe (each call opens its own iconv descriptor).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kpihub::feed {

// Encodings a profile may name: "utf-8" and "gb18030" (also "gbk", "gb2312", read as gb18030).
bool IsKnownEncoding(std::string_view name);

struct DecodeFailure {
  size_t byte_offset = 0;  // first byte that could not be decoded
  size_t line = 0;         // its 1-based line number
  std::string message;
};

// Converts `bytes` to UTF-8, dropping a leading UTF-8 byte order mark. For "utf-8" the input
// is validated, not converted. Any invalid or truncated sequence fails the whole text:
// guessing would put wrong park names and figures into the KPIs.
std::optional<std::string> ToUtf8(std::string_view bytes, std::string_view encoding,
                                  DecodeFailure* failure);

// UTF-8 to `encoding`, for tests and the sample generator. Throws std::runtime_error when a
// character has no representation.
std::string FromUtf8(std::string_view utf8, std::string_view encoding);

}  // namespace kpihub::feed
