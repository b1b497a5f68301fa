// Each profile on its bundled sample files: the observation counts and the rejects (with
// their reasons) the generator says they must give; GB18030 and UTF-8 give the same.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <tuple>

#include "feed_test_util.h"
#include "kpihub/core/validation.h"
#include "kpihub/feed/export_mapper.h"
#include "kpihub/feed/text_encoding.h"

namespace kpihub::feed {
namespace {

using Reject = std::tuple<std::string, uint64_t, std::string, std::string>;  // file,row,column,reason

std::vector<std::vector<std::string>> ReadSimpleCsv(const std::string& relative) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream in(testing::ReadSource(relative));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream ls(line);
    std::string f;
    while (std::getline(ls, f, ',')) fields.push_back(f);
    if (line.ends_with(",")) fields.emplace_back();
    rows.push_back(fields);
  }
  return rows;
}

// What the adapter reports for a file: its own rejects, then the daemon's (Validator) reasons.
std::pair<size_t, std::set<Reject>> MapAndValidate(const std::string& file, const std::string& dept) {
  Profile p = testing::ShippedProfile(dept);
  MappedExport m = MapExport(p, file, testing::ReadSource("samples/demo/" + file));
  EXPECT_FALSE(m.failed) << file;
  std::set<Reject> rejects;
  for (const auto& r : m.rejects) rejects.insert({file, r.row, r.column, r.reason});
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch()).count();
  core::Validator validator(testing::ShippedCatalogue(), now);
  for (const auto& o : m.observations) {
    auto v = validator.Validate(dept, o.observation, 0);
    if (auto* r = std::get_if<core::Rejection>(&v)) {
      rejects.insert({file, o.row, o.column, std::string(core::ReasonName(r->reason))});
    }
  }
  return {m.observations.size(), rejects};
}

TEST(SampleTest, EveryProfileGivesTheExpectedObservationsAndRejects) {
  std::set<Reject> expected, got;
  for (const auto& row : ReadSimpleCsv("samples/demo/expected-rejects.csv")) {
    expected.insert({row[0], std::stoull(row[1]), row[2], row[3]});
  }
  auto files = ReadSimpleCsv("samples/demo/expected-observations.csv");
  ASSERT_EQ(files.size(), 16u);
  std::set<std::string> reasons;
  for (const auto& f : files) {
    auto [count, rejects] = MapAndValidate(f[0], f[1]);
    EXPECT_EQ(count, std::stoull(f[3])) << f[0];
    got.insert(rejects.begin(), rejects.end());
  }
  EXPECT_EQ(got, expected);
  for (const auto& r : got) reasons.insert(std::get<3>(r));
  EXPECT_GE(reasons.size(), 8u);  // local and daemon-side reasons are both exercised
}

TEST(SampleTest, Gb18030AndUtf8GiveTheSameObservations) {
  Profile gb = testing::ShippedProfile("tax");
  Profile utf = gb;
  for (auto& l : utf.layouts) l.encoding = "utf-8";
  std::string bytes = testing::ReadSource("samples/demo/tax-enterprises-annual.csv");
  auto as_utf8 = ToUtf8(bytes, "gb18030");
  ASSERT_TRUE(as_utf8.ok()) << as_utf8.status().message();
  ASSERT_NE(as_utf8.value(), bytes);
  MappedExport a = MapExport(gb, "tax.csv", bytes);
  MappedExport b = MapExport(utf, "tax.csv", as_utf8.value());
  ASSERT_GT(a.observations.size(), 1000u);
  ASSERT_EQ(a.observations.size(), b.observations.size());
  for (size_t i = 0; i < a.observations.size(); ++i) {
    const auto& x = a.observations[i].observation;
    const auto& y = b.observations[i].observation;
    ASSERT_EQ(std::tie(x.indicator, x.park, x.entity, x.period, x.value, x.note),
              std::tie(y.indicator, y.park, y.entity, y.period, y.value, y.note)) << i;
  }
  EXPECT_EQ(a.rejects.size(), b.rejects.size());
  // And the GB18030 file read as UTF-8 is refused whole, never half-read.
  EXPECT_TRUE(MapExport(utf, "tax.csv", bytes).failed);
}

}  // namespace
}  // namespace kpihub::feed
