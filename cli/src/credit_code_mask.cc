#include "credit_code_mask.h"

#include <cctype>

namespace kpihub::cli {
namespace {

constexpr size_t kUsccLength = 18;
constexpr size_t kKeptPrefix = 8;
constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool InUsccAlphabet(char c) {
  return kUsccAlphabet.find(static_cast<char>(std::toupper(static_cast<unsigned char>(c)))) !=
         std::string_view::npos;
}

// True when `run` (letters and digits) holds 18 consecutive characters of the USCC alphabet.
bool HoldsCreditCode(std::string_view run) {
  size_t streak = 0;
  for (char c : run) {
    streak = InUsccAlphabet(c) ? streak + 1 : 0;
    if (streak >= kUsccLength) return true;
  }
  return false;
}

}  // namespace

std::string MaskCreditCodes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (!IsAlnum(text[i])) {
      out.push_back(text[i++]);
      continue;
    }
    size_t end = i;
    while (end < text.size() && IsAlnum(text[end])) ++end;
    std::string_view run = text.substr(i, end - i);
    if (run.size() >= kUsccLength && HoldsCreditCode(run)) {
      out.append(run.substr(0, kKeptPrefix));
      out.append("…(credit code withheld)");
    } else {
      out.append(run);
    }
    i = end;
  }
  return out;
}

}  // namespace kpihub::cli
