// Helpers shared by the exchange's end-to-end tests (queries and subscriptions).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace kpihub::testing {

// The shipped catalogue, without the [[agreement]] tables whose code starts with `drop`.
inline std::string CatalogueWithout(const std::string& drop) {
  std::ifstream in(std::string(KPIHUB_SOURCE_DIR) + "/config/catalogue.toml");
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str(), out;
  size_t pos = 0;
  while (true) {
    size_t start = text.find("[[agreement]]\ncode = \"" + drop, pos);
    if (drop.empty() || start == std::string::npos) break;
    size_t end = text.find("\n\n", start);
    out += text.substr(pos, start - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
  }
  return out + text.substr(pos);
}

}  // namespace kpihub::testing
