#include "kpihub/feed/text_encoding.h"

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
  if (IsUtf8(n)) return "UTF-8";
  if (n == "gb18030" || n == "gbk" || n == "gb2312") return "GB18030";
  if (n == "utf-16le") return "UTF-16LE";
  if (n == "utf-16be") return "UTF-16BE";
  return nullptr;
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

Status WorkbookRefusal(std::string_view kind) {
  return Status::InvalidArgument(
      "这是 Excel 工作簿（" + std::string(kind) + "），不是 CSV 文件：请在 Excel 中“文件 → 另存为”，"
      "保存类型选“CSV (逗号分隔)”后再提交 / this is an Excel workbook (" + std::string(kind) +
      "), not a CSV file: open it in Excel, choose File > Save As, type 'CSV (Comma delimited)', "
      "and hand in the saved file");
}

// UTF-16 without a byte order mark: ASCII text has a zero byte in every other position.
const char* Utf16WithoutBom(std::string_view head) {
  if (head.size() < 4) return nullptr;
  if (head[1] == 0 && head[3] == 0 && head[0] != 0 && head[2] != 0) return "utf-16le";
  if (head[0] == 0 && head[2] == 0 && head[1] != 0 && head[3] != 0) return "utf-16be";
  return nullptr;
}

// Is `bytes` valid UTF-8 (a sequence cut at the very end counts as valid)? Used only to give a
// better message when GB18030 decoding fails.
bool LooksLikeUtf8(std::string_view bytes) {
  iconv_t cd = iconv_open("UTF-8", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  std::string out(bytes.size() + 16, '\0');
  char* src = const_cast<char*>(bytes.data());
  size_t left = bytes.size(), room = out.size();
  char* dst = out.data();
  size_t r = iconv(cd, &src, &left, &dst, &room);
  bool ok = r != static_cast<size_t>(-1) || errno == EINVAL;
  iconv_close(cd);
  return ok && std::any_of(bytes.begin(), bytes.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

}  // namespace

bool IsKnownEncoding(std::string_view name) {
  auto n = Lower(name);
  return IsUtf8(n) || n == "gb18030" || n == "gbk" || n == "gb2312";
}

Result<SniffedEncoding> SniffEncoding(std::string_view head, std::string_view file_name,
                                      std::string_view profile_encoding) {
  std::string name = Lower(file_name);
  if (StartsWith(head, "PK\x03\x04") || name.ends_with(".xlsx") || name.ends_with(".xlsm")) {
    return WorkbookRefusal(".xlsx");
  }
  if (StartsWith(head, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") || name.ends_with(".xls") ||
      name.ends_with(".et")) {
    return WorkbookRefusal(".xls");
  }
  if (StartsWith(head, "\xEF\xBB\xBF")) return SniffedEncoding{"utf-8", 3};
  if (StartsWith(head, "\xFF\xFE")) return SniffedEncoding{"utf-16le", 2};
  if (StartsWith(head, "\xFE\xFF")) return SniffedEncoding{"utf-16be", 2};
  if (const char* utf16 = Utf16WithoutBom(head)) return SniffedEncoding{utf16, 0};
  if (!IsKnownEncoding(profile_encoding)) {
    return Status::InvalidArgument("unknown encoding '" + std::string(profile_encoding) + "'");
  }
  return SniffedEncoding{IsUtf8(profile_encoding) ? "utf-8" : "gb18030", 0};
}

Result<std::unique_ptr<StreamDecoder>> StreamDecoder::Open(std::string_view encoding) {
  const char* from = IconvName(encoding);
  if (!from) return Status::InvalidArgument("unknown encoding '" + std::string(encoding) + "'");
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == reinterpret_cast<iconv_t>(-1)) return Status::IoError("iconv_open failed for " + std::string(from));
  return std::unique_ptr<StreamDecoder>(new StreamDecoder(cd, from));
}

StreamDecoder::~StreamDecoder() { iconv_close(cd_); }

Status StreamDecoder::Decode(std::string_view bytes, bool last, std::string* out) {
  std::string in = carry_;
  in.append(bytes);
  carry_.clear();
  size_t out_start = out->size();
  char* src = in.data();
  size_t src_left = in.size();
  bool bad = false, cut = false;
  while (src_left > 0) {
    size_t used = out->size();
    out->resize(used + src_left * 4 + 16);
    char* dst = out->data() + used;
    size_t dst_left = out->size() - used;
    size_t r = iconv(cd_, &src, &src_left, &dst, &dst_left);
    out->resize(out->size() - dst_left);
    if (r != static_cast<size_t>(-1)) continue;
    if (errno == E2BIG) continue;
    if (errno == EINVAL) { cut = true; break; }
    bad = true;  // EILSEQ
    break;
  }
  size_t converted = in.size() - src_left;
  lines_done_ += static_cast<size_t>(std::count(out->begin() + static_cast<std::ptrdiff_t>(out_start), out->end(), '\n'));
  size_t offset = bytes_done_ + converted;
  bytes_done_ = offset;
  if (cut && !last) {
    carry_.assign(src, src_left);
    return Status::Ok();
  }
  if (!bad && !cut) return Status::Ok();
  std::string where = "第 " + std::to_string(lines_done_ + 1) + " 行（字节 " + std::to_string(offset) + "）";
  std::string where_en = "line " + std::to_string(lines_done_ + 1) + ", byte " + std::to_string(offset);
  if (name_ == "GB18030" && LooksLikeUtf8(std::string_view(in).substr(0, 4096))) {
    return Status::Corruption(
        "文件似乎是 UTF-8 编码（没有 BOM），而配置写的是 GB18030：请用 Excel 另存为“CSV (逗号分隔)”或“CSV UTF-8”，" + where +
        " / the file seems to be UTF-8 without a byte order mark, but the profile says GB18030: "
        "save it again from Excel as 'CSV (Comma delimited)' or 'CSV UTF-8' (" + where_en + ")");
  }
  return Status::Corruption("文件中有不是 " + name_ + " 编码的字节，" + where + "：请确认导出时选择的编码 / bytes are not valid " +
                            name_ + " (" + where_en + "): is the export's encoding right?");
}

Result<std::string> ToUtf8(std::string_view bytes, std::string_view encoding) {
  auto decoder = StreamDecoder::Open(encoding);
  if (!decoder.ok()) return decoder.status();
  std::string out;
  Status s = (*decoder)->Decode(bytes, /*last=*/true, &out);
  if (!s.ok()) return s;
  if (out.rfind("\xEF\xBB\xBF", 0) == 0) out.erase(0, 3);
  return out;
}

std::string FromUtf8(std::string_view utf8, std::string_view encoding) {
  if (IsUtf8(encoding)) return std::string(utf8);
  const char* to = IconvName(encoding);
  if (!to) throw std::runtime_error("unknown encoding");
  iconv_t cd = iconv_open(to, "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("iconv_open failed");
  std::string out(utf8.size() * 4 + 16, '\0');
  char* src = const_cast<char*>(utf8.data());
  size_t src_left = utf8.size(), dst_left = out.size();
  char* dst = out.data();
  size_t r = iconv(cd, &src, &src_left, &dst, &dst_left);
  iconv_close(cd);
  if (r == static_cast<size_t>(-1)) throw std::runtime_error("text cannot be encoded in " + std::string(encoding));
  out.resize(out.size() - dst_left);
  return out;
}

}  // namespace kpihub::feed
