#include "kpihub/feed/folded_text.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "kpihub/core/edit_distance.h"

namespace kpihub::feed {
namespace {

bool IsPlainAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string Nfkc(std::string_view s) {
  if (IsPlainAscii(s)) return std::string(s);  // ASCII is NFKC-stable: the common fast path
  utf8proc_uint8_t* out = nullptr;
  auto options = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                                UTF8PROC_COMPAT | UTF8PROC_IGNORE);
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                    static_cast<utf8proc_ssize_t>(s.size()), &out, options);
  if (n < 0) return std::string(s);
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
}

// After NFKC every Unicode space is U+0020 (ideographic and no-break spaces included); tabs,
// line breaks and carriage returns are ASCII.
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::u32string CodePoints(std::string_view s) {
  std::u32string out;
  auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(s.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) { cp = *p; n = 1; }  // an invalid byte counts as one character
    out.push_back(static_cast<char32_t>(cp));
    p += n;
    left -= n;
  }
  return out;
}

}  // namespace

std::string FoldText(std::string_view utf8) {
  std::string n = Nfkc(utf8);
  std::string out;
  out.reserve(n.size());
  bool pending_space = false;
  for (char c : n) {
    if (IsSpace(c)) { pending_space = !out.empty(); continue; }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string FoldHeader(std::string_view utf8) {
  std::string folded = FoldText(utf8);
  folded.erase(std::remove(folded.begin(), folded.end(), ' '), folded.end());
  return folded;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  return core::EditDistance(CodePoints(a), CodePoints(b));
}

std::optional<std::string> ClosestName(std::string_view name,
                                       const std::vector<std::string>& candidates) {
  std::string key = FoldHeader(name);
  std::optional<std::string> best;
  size_t best_distance = 0;
  for (const auto& c : candidates) {
    std::string folded = FoldHeader(c);
    if (folded.empty()) continue;
    size_t d = EditDistance(key, folded);
    size_t longer = std::max(CodePoints(key).size(), CodePoints(folded).size());
    if (d * 2 > longer) continue;
    if (!best || d < best_distance) { best = c; best_distance = d; }
  }
  return best;
}

}  // namespace kpihub::feed
