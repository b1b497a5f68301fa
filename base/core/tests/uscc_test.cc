#include "kpihub/core/uscc.h"

#include <gtest/gtest.h>

#include <set>

#include <random>
#include <string>

namespace kpihub::core {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

// Real codes as printed on published business licences; they satisfy both check characters.
// The first is the worked example of GB 32100-2015.
constexpr std::string_view kPublished[] = {
    "91350100M000100Y43", "914403001922038216", "9144030071526726XG",
    "91330100799655058B", "91110000802100433B", "91110108551385082Q",
};

// GB 11714 check character of an eight-character organisation code body.
char OrgCheck(std::string_view body) {
  static constexpr int kWeights[] = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 8; ++i) {
    char c = body[i];
    sum += (c <= '9' ? c - '0' : c - 'A' + 10) * kWeights[i];
  }
  int check = 11 - sum % 11;
  return check == 10 ? 'X' : check == 11 ? '0' : static_cast<char>('0' + check);
}

// A random well-formed code: both checks computed, so IsValidUscc must accept it.
std::string RandomValidCode(std::mt19937& rng) {
  auto pick = [&rng](std::string_view from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
  };
  std::string code;
  code += pick("159Y");                                    // registration authority
  code += pick("123");                                     // category
  for (int i = 0; i < 6; ++i) code += pick("0123456789");  // administrative division
  for (int i = 0; i < 8; ++i) code += pick(kAlphabet);     // organisation code body
  code += OrgCheck(code.substr(8, 8));
  code += UsccCheckCharacter(code);
  return code;
}

TEST(UsccTest, AcceptsPublishedCodes) {
  for (std::string_view code : kPublished) {
    EXPECT_TRUE(IsValidUscc(code)) << code;
    EXPECT_EQ(UsccCheckCharacter(code.substr(0, 17)), code[17]) << code;
  }
}

TEST(UsccTest, ComputesTheStandardsExampleCheck) {
  EXPECT_EQ(UsccCheckCharacter("91350100M000100Y4"), '3');
  EXPECT_EQ(UsccCheckCharacter("91350100M000100y4"), '\0');  // lowercase is outside the alphabet
  EXPECT_EQ(UsccCheckCharacter("9135010"), '\0');            // too short
}

TEST(UsccTest, RefusesMalformedCodes) {
  for (std::string_view bad : {
           "", "91350100M000100Y4", "91350100M000100Y433", "91350100m000100y43",
           "91350100M000100Y4 ", " 91350100M000100Y4",
           "9135010AM000100Y43",  // admin division must be digits
           "91350100M000I00Y43",  // I is outside the alphabet
           "91350100M000100Z43",  // Z too
           "91350100M000101Y43",  // organisation body changed: GB 11714 check fails first
       }) {
    EXPECT_FALSE(IsValidUscc(bad)) << bad;
  }
}

TEST(UsccTest, EnforcesTheOrganisationCodeCheck) {
  // Change the organisation check (position 17) and repair the mod-31 check: the GB 11714
  // check alone must still refuse it.
  std::string code(kPublished[0]);
  code[16] = code[16] == '4' ? '5' : '4';
  code[17] = UsccCheckCharacter(code.substr(0, 17));
  EXPECT_FALSE(IsValidUscc(code)) << code;
}

TEST(UsccTest, RandomWellFormedCodesAreAccepted) {
  std::mt19937 rng(32100);
  for (int i = 0; i < 2000; ++i) {
    std::string code = RandomValidCode(rng);
    EXPECT_TRUE(IsValidUscc(code)) << code;
  }
}

// The mod-31 check detects every single-character substitution: weights are non-zero mod 31
// and 31 is prime, so no substitution leaves the weighted sum unchanged.
TEST(UsccTest, EverySingleCharacterChangeIsDetected) {
  std::mt19937 rng(2015);
  std::vector<std::string> codes(std::begin(kPublished), std::end(kPublished));
  for (int i = 0; i < 300; ++i) codes.push_back(RandomValidCode(rng));
  int mutations = 0;
  for (const std::string& code : codes) {
    for (size_t pos = 0; pos < 18; ++pos) {
      for (char c : kAlphabet) {
        if (c == code[pos]) continue;
        std::string mutated = code;
        mutated[pos] = c;
        ++mutations;
        EXPECT_NE(UsccCheckCharacter(mutated.substr(0, 17)), mutated[17]) << mutated;
        EXPECT_FALSE(IsValidUscc(mutated)) << mutated;
      }
    }
  }
  EXPECT_EQ(mutations, static_cast<int>(codes.size()) * 18 * 30);
}

TEST(UsccTest, SyntheticCodesAreValidAndDistinct) {
  std::set<std::string> seen;
  for (uint32_t serial : {0u, 1u, 42u, 99999999u, 123456789u}) {
    std::string code = SyntheticUscc(serial);
    EXPECT_EQ(code.size(), 18u);
    EXPECT_TRUE(IsValidUscc(code)) << code;
    EXPECT_EQ(code.rfind("91410800", 0), 0u);
    seen.insert(code);
  }
  EXPECT_EQ(seen.size(), 5u);
}

}  // namespace
}  // namespace kpihub::core
