// FoldedText: the one place where text from a department export is made comparable. Excel on
// a Chinese Windows desktop writes the same header or figure in several ways — full-width or
// ASCII brackets, digits and commas ("（万元）" / "(万元)", "２０２０", "１，２３４．５"), an
// ideographic space (U+3000) or a no-break space for padding, a stray zero-width space. Unicode
// NFKC (through utf8proc, not hand-written tables) maps each of those to one form; whitespace
// is then folded. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kpihub::feed {

// NFKC, default-ignorable characters removed, whitespace runs folded to one ASCII space and
// trimmed. For cell values: "　７８．９" → "78.9". Invalid UTF-8 is returned trimmed, unchanged.
std::string FoldText(std::string_view utf8);

// FoldText with every whitespace removed: the key under which headers and profile column
// names are compared ("研发费用 加计扣除额(万元)" and "研发费用加计扣除额（万元）" are equal).
std::string FoldHeader(std::string_view utf8);

// Levenshtein distance in code points.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `name` (by EditDistance of folded headers), if it is close enough
// to be a plausible misspelling: at most half of the longer name's code points differ.
std::optional<std::string> ClosestName(std::string_view name,
                                       const std::vector<std::string>& candidates);

}  // namespace kpihub::feed
