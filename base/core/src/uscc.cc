// Unified social credit code checks (GB 32100-2015). The code carries two check characters:
// the GB 11714 check of the embedded organisation code (position 17) and the mod-31 check of
// the whole code (position 18). Both are enforced so that typing errors in a department's
// export are caught before they create a phantom enterprise.
#include "kpihub/core/uscc.h"

#include <array>

namespace kpihub::core {
namespace {

constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";  // 31, no I O S V Z
constexpr std::array<int, 17> kUsccWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                              29, 25, 13, 8,  24, 10, 30, 28};
constexpr std::array<int, 8> kOrgCodeWeights = {3, 7, 9, 10, 5, 8, 4, 2};

// Value of `c` in the USCC alphabet, or -1.
int UsccValue(char c) {
  size_t pos = kUsccAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// Value of `c` in the GB 11714 alphabet (0-9 then A-Z as 10..35), or -1. Uppercase only.
int OrgCodeValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return -1;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// GB 11714 check character for the eight-character organisation code body.
char OrgCodeCheckCharacter(std::string_view body8) {
  int sum = 0;
  for (size_t i = 0; i < kOrgCodeWeights.size(); ++i) {
    int v = OrgCodeValue(body8[i]);
    if (v < 0) return '\0';
    sum += v * kOrgCodeWeights[i];
  }
  int check = 11 - sum % 11;
  if (check == 10) return 'X';
  if (check == 11) return '0';
  return static_cast<char>('0' + check);
}

}  // namespace

char UsccCheckCharacter(std::string_view first17) {
  if (first17.size() < kUsccWeights.size()) return '\0';
  int sum = 0;
  for (size_t i = 0; i < kUsccWeights.size(); ++i) {
    int v = UsccValue(first17[i]);
    if (v < 0) return '\0';
    sum += v * kUsccWeights[i];
  }
  return kUsccAlphabet[(31 - sum % 31) % 31];
}

bool IsValidUscc(std::string_view code) {
  if (code.size() != 18) return false;
  for (char c : code) {
    if (UsccValue(c) < 0) return false;  // also refuses lowercase and I, O, S, V, Z
  }
  for (size_t i = 2; i < 8; ++i) {  // administrative division code: six digits
    if (!IsDigit(code[i])) return false;
  }
  if (OrgCodeCheckCharacter(code.substr(8, 8)) != code[16]) return false;
  return UsccCheckCharacter(code.substr(0, 17)) == code[17];
}

std::string SyntheticUscc(uint32_t serial) {
  std::string org = std::to_string(serial % 100000000u);
  org.insert(0, 8 - org.size(), '0');
  std::string first17 = "91410800" + org + OrgCodeCheckCharacter(org);
  return first17 + UsccCheckCharacter(first17);
}

}  // namespace kpihub::core
