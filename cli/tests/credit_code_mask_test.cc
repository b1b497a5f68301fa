#include "credit_code_mask.h"

#include <gtest/gtest.h>

#include "kpihub/core/uscc.h"

namespace kpihub::cli {
namespace {

TEST(CreditCodeMaskTest, MasksACodeWhereverItIs) {
  const std::string code = core::SyntheticUscc(42);
  const std::string masked = code.substr(0, 8) + "…(credit code withheld)";
  EXPECT_EQ(MaskCreditCodes(code), masked);
  EXPECT_EQ(MaskCreditCodes("unknown park '" + code + "'"), "unknown park '" + masked + "'");
  EXPECT_EQ(MaskCreditCodes("see " + code + "/" + code), "see " + masked + "/" + masked);
}

TEST(CreditCodeMaskTest, ShapeIsEnoughCaseAndCheckCharactersDoNotMatter) {
  std::string code = core::SyntheticUscc(7);
  code[17] = code[17] == '0' ? '1' : '0';  // wrong check character: still an enterprise id
  EXPECT_EQ(MaskCreditCodes(code).find(code), std::string::npos);
  std::string lower = core::SyntheticUscc(8);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(MaskCreditCodes(lower).find(lower), std::string::npos);
  // Inside a longer run of letters and digits (here with an 'Z', outside the alphabet).
  std::string longer = "Z" + core::SyntheticUscc(9) + "Z";
  EXPECT_EQ(MaskCreditCodes(longer).find(core::SyntheticUscc(9)), std::string::npos);
}

TEST(CreditCodeMaskTest, LeavesOrdinaryTextAlone) {
  for (const char* text : {"industrial_output", "2020Q3", "auto_parts", "value 12345678901234567",
                           "NaN is not a finite value", "总产值"}) {
    EXPECT_EQ(MaskCreditCodes(text), text);
  }
}

}  // namespace
}  // namespace kpihub::cli
