#include "batch_fixture.h"

#include <cstdio>
#include <cstdlib>

#include "kpihub/platform/file.h"

namespace kpihub::fuzz {
namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "batch fixture: %s\n", what.c_str());
  std::abort();
}

std::string ReadFile(const std::string& path) {
  auto text = platform::ReadFile(path);
  if (!text.ok()) Fail(text.status().message());
  return *std::move(text);
}

// A syntactically valid Z85 key, different for each adapter.
std::string FakeKey(size_t i) { return std::string(38, 'k') + static_cast<char>('a' + i / 26) +
                                       static_cast<char>('a' + i % 26); }

}  // namespace

BatchFixture::BatchFixture() {
  const std::string path = std::string(KPIHUB_SOURCE_DIR) + "/config/catalogue.toml";
  auto catalogue = core::Catalogue::FromToml(ReadFile(path), path);
  if (!catalogue.ok()) Fail(catalogue.status().message());
  std::string registry_text;
  for (size_t i = 0; i < (*catalogue)->departments().size(); ++i) {
    const std::string& dept = (*catalogue)->departments()[i].code;
    senders_.push_back({dept + "-1", dept, FakeKey(i)});
    registry_text += "[[adapter]]\nid = \"" + dept + "-1\"\ndepartment = \"" + dept +
                     "\"\npublic_key = \"" + FakeKey(i) + "\"\n";
  }
  auto registry = core::KeyRegistry::FromToml(registry_text, "fuzz-keys.toml", **catalogue);
  if (!registry.ok()) Fail(registry.status().message());
  view_ = {*catalogue, *registry};
}

}  // namespace kpihub::fuzz
