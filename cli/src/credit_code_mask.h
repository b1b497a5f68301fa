// Withholding enterprise ids from operator output: a department may put a unified social
// credit code anywhere — in the park, indicator or period field, in a note — and the dead
// letters keep what it sent. Output meant for anyone but the sending department masks every
// run of text shaped like a credit code (18 characters of the USCC alphabet, either case,
// check characters not required), keeping its first 8 characters (authority, category,
// admin division): "91410800…(credit code withheld)". Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace kpihub::cli {

std::string MaskCreditCodes(std::string_view text);

}  // namespace kpihub::cli
