// EditDistance: the Levenshtein distance between two strings of code points (insertions,
// deletions and substitutions of one code point each), for "did you mean" suggestions.
// Decoding UTF-8 into code points is the caller's: each caller has its own rule for bytes
// that are not valid UTF-8. Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace kpihub::core {

size_t EditDistance(std::u32string_view a, std::u32string_view b);

}  // namespace kpihub::core
