// Unified social credit code (统一社会信用代码) check, per GB 32100-2015: 18 characters from
// "0123456789ABCDEFGHJKLMNPQRTUWXY", the 9-character organisation code inside it carrying its
// own GB 11714 check, and the last character a mod-31 check over the first 17. Pure function.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kpihub::core {

// True when `code` is a well-formed USCC whose final check character is correct.
bool IsValidUscc(std::string_view code);

// The check character for the first 17 characters, or '\0' if any is outside the alphabet.
// Exposed for sample generators and tests.
char UsccCheckCharacter(std::string_view first17);

// A valid code for made-up enterprise number `serial` (mod 10^8): registration authority 9,
// category 1 (enterprise), admin division 410800 (Jiaozuo), both check characters correct.
// For sample generators and tests: no real enterprise is meant.
std::string SyntheticUscc(uint32_t serial);

}  // namespace kpihub::core
