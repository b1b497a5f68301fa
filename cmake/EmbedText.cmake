# Script mode (cmake -P): turns INPUT into a C++ source OUTPUT that defines
# `std::string_view NAMESPACE::FUNCTION()` as the file's bytes. Used through
# kpihub_embed_text() in cmake/KpihubEmbed.cmake.
file(READ "${INPUT}" HEX HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," BYTES "${HEX}")
file(WRITE "${OUTPUT}.tmp" "// Generated from ${SOURCE_NAME}. Do not edit.\n#include <string_view>\nnamespace ${NAMESPACE} {\nnamespace { const unsigned char kText[] = {${BYTES} 0}; }\nstd::string_view ${FUNCTION}() { return std::string_view(reinterpret_cast<const char*>(kText), sizeof(kText) - 1); }\n}\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
