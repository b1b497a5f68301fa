// Helpers shared by the feed tests: files of the source tree and the shipped catalogue.
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>

#include "kpihub/core/catalogue.h"
#include "kpihub/feed/profile.h"

namespace kpihub::feed::testing {

inline std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(KPIHUB_SOURCE_DIR) + "/" + relative, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline const core::Catalogue& ShippedCatalogue() {
  static const auto loaded = core::Catalogue::FromToml(ReadSource("config/catalogue.toml"), "catalogue.toml");
  if (!loaded.ok()) throw std::runtime_error(loaded.status().message());
  return **loaded;
}

inline Profile ShippedProfile(const std::string& department) {
  auto loaded = LoadProfile(ReadSource("config/profiles/" + department + ".toml"), department,
                            ShippedCatalogue());
  if (!loaded.ok()) throw std::runtime_error(loaded.status().message());
  return std::move(loaded).value();
}

}  // namespace kpihub::feed::testing
