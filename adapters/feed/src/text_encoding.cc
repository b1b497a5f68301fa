#include "kpihub/feed/text_encoding.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

namespace kpihub::feed {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool IsUtf8(std::string_view name) {
  auto n = Lower(name);
  return n == "utf-8" || n == "utf8";
}

const char* IconvName(std::string_view name) {
  auto n = Lower(name);
  if (n == "gb18030" || n == "gbk" || n == "gb2312") return "GB18030";
  return nullptr;
}

size_t LineOf(std::string_view bytes, size_t offset) {
  return 1 + static_cast<size_t>(std::count(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// Converts with iconv; on failure returns nullopt and the offset of the offending input byte.
std::optional<std::string> Convert(std::string_view in, const char* to, const char* from,
                                   size_t* bad_offset) {
  iconv_t cd = iconv_open(to, from);
  if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("iconv_open failed");
  std::string out;
  out.resize(in.size() * 2 + 16);
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  char* dst = out.data();
  size_t dst_left = out.size();
  bool ok = true;
  while (src_left > 0) {
    if (iconv(cd, &src, &src_left, &dst, &dst_left) != static_cast<size_t>(-1)) continue;
    if (errno == E2BIG) {
      size_t used = out.size() - dst_left;
      out.resize(out.size() * 2);
      dst = out.data() + used;
      dst_left = out.size() - used;
      continue;
    }
    ok = false;  // EILSEQ or EINVAL (truncated at the end)
    break;
  }
  iconv_close(cd);
  if (!ok) {
    *bad_offset = static_cast<size_t>(src - in.data());
    return std::nullopt;
  }
  out.resize(out.size() - dst_left);
  return out;
}

}  // namespace

bool IsKnownEncoding(std::string_view name) { return IsUtf8(name) || IconvName(name) != nullptr; }

std::optional<std::string> ToUtf8(std::string_view bytes, std::string_view encoding,
                                  DecodeFailure* failure) {
  if (!IsKnownEncoding(encoding)) {
    *failure = {0, 0, "unknown encoding '" + std::string(encoding) + "'"};
    return std::nullopt;
  }
  const char* from = IsUtf8(encoding) ? "UTF-8" : IconvName(encoding);
  size_t bad = 0;
  auto text = Convert(bytes, "UTF-8", from, &bad);
  if (!text) {
    *failure = {bad, LineOf(bytes, bad),
                "bytes are not valid " + std::string(IsUtf8(encoding) ? "UTF-8" : "GB18030") +
                    " (is the profile's encoding right?)"};
    return std::nullopt;
  }
  if (text->rfind("\xEF\xBB\xBF", 0) == 0) text->erase(0, 3);
  return text;
}

std::string FromUtf8(std::string_view utf8, std::string_view encoding) {
  if (IsUtf8(encoding)) return std::string(utf8);
  const char* to = IconvName(encoding);
  if (!to) throw std::runtime_error("unknown encoding");
  size_t bad = 0;
  auto out = Convert(utf8, to, "UTF-8", &bad);
  if (!out) throw std::runtime_error("text cannot be encoded in " + std::string(encoding));
  return *out;
}

}  // namespace kpihub::feed
