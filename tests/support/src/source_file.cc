#include "kpihub/testing/source_file.h"

#include <gtest/gtest.h>

#include "kpihub/platform/file.h"

namespace kpihub::testing {

std::string SourcePath(const std::string& relative_path) {
  return std::string(KPIHUB_SOURCE_DIR) + "/" + relative_path;
}

std::string SourceFile(const std::string& relative_path) {
  auto text = platform::ReadFile(SourcePath(relative_path));
  return text.ok() ? *std::move(text) : std::string();
}

std::shared_ptr<const core::Catalogue> ShippedCatalogue() {
  auto loaded = core::Catalogue::FromToml(SourceFile("config/catalogue.toml"), "catalogue.toml");
  EXPECT_TRUE(loaded.ok()) << loaded.status().message();
  return loaded.ok() ? *std::move(loaded) : nullptr;
}

std::string Replace(std::string_view text, std::string_view from, std::string_view to) {
  std::string s(text);
  size_t pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

}  // namespace kpihub::testing
