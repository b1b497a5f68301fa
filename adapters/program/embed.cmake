# Turns INPUT into a C++ source defining kpihub::adapter::BuiltInCatalogueText().
file(READ "${INPUT}" HEX HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," BYTES "${HEX}")
file(WRITE "${OUTPUT}.tmp" "// Generated from config/catalogue.toml. Do not edit.\n#include <string_view>\nnamespace kpihub::adapter {\nnamespace { const unsigned char kText[] = {${BYTES} 0}; }\nstd::string_view BuiltInCatalogueText() { return std::string_view(reinterpret_cast<const char*>(kText), sizeof(kText) - 1); }\n}\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
