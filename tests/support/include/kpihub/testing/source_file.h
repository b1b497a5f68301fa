// SourceFile: the bytes of a file in the source tree (config/catalogue.toml, the samples, test
// data), for tests. Empty when it cannot be read: the test's own assertions then fail.
// Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "kpihub/core/catalogue.h"

namespace kpihub::testing {

// `relative_path` is relative to the top of the source tree.
std::string SourceFile(const std::string& relative_path);

// The absolute path of `relative_path` in the source tree.
std::string SourcePath(const std::string& relative_path);

// config/catalogue.toml, loaded; null (and the current test failed) if it does not load.
std::shared_ptr<const core::Catalogue> ShippedCatalogue();

// `text` with the first `from` replaced by `to`; fails the current test if `from` is absent.
std::string Replace(std::string_view text, std::string_view from, std::string_view to);

}  // namespace kpihub::testing
