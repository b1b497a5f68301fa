// batch_corpus DIR: writes the fuzzer's seed corpus — valid batches built with the real
// encoder for every indicator of the shipped catalogue (each department's own, so they pass
// validation), batches with one broken field each, and broken frames (empty, cut short,
// unaligned, random, too many segments, text without NUL, wrong pointer kind, shared blob,
// deep unknown field, zero-sized observations, sequence 0 and 2^64-1). One file per input,
// named after what it holds.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include "batch_fixture.h"
#include "hostile_frames.h"
#include "kpihub/core/uscc.h"

namespace {

using kpihub::core::Observation;
using kpihub::wire::EncodeBatch;
namespace t = kpihub::testing;

int written = 0;

void Write(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
  ++written;
}

std::string PeriodFor(kpihub::core::PeriodKind kind) {
  switch (kind) {
    case kpihub::core::PeriodKind::kYear: return "2020";
    case kpihub::core::PeriodKind::kQuarter: return "2020Q3";
    case kpihub::core::PeriodKind::kMonth: return "2020-09";
  }
  return "2020";
}

// One valid observation of `indicator`.
Observation ValidFor(const kpihub::core::Indicator& indicator, const std::string& park, uint32_t serial) {
  Observation o;
  o.indicator = indicator.code;
  o.park = park;
  o.entity = indicator.enterprise_level ? kpihub::core::SyntheticUscc(serial) : "";
  o.period = PeriodFor(indicator.period);
  o.value = std::stod(indicator.min.ToString());
  o.note = serial % 2 ? "revision" : "";
  return o;
}

void WriteValid(const std::string& dir, const kpihub::fuzz::BatchFixture& f) {
  const auto& catalogue = *f.view().catalogue;
  const std::string park = catalogue.parks().front().code;
  std::vector<Observation> all;
  uint32_t serial = 1;
  for (const auto& indicator : catalogue.indicators()) {
    Observation o = ValidFor(indicator, park, serial++);
    Write(dir, "valid-" + indicator.code, EncodeBatch(1, 1600000000000, {o}));
    all.push_back(o);
  }
  Write(dir, "valid-all-indicators", EncodeBatch(7, 0, all));
  Write(dir, "valid-empty-batch", EncodeBatch(1, 0, {}));
  // Closing a year: a restatement, every action kind, and refused ones (another department's
  // year, a quarter, an unknown department, a year not ended, an unknown kind).
  Observation restated = all.front();
  restated.restatement = "annual review";
  using kpihub::core::PeriodAction;
  using kpihub::core::PeriodActionKind;
  const std::vector<PeriodAction> actions = {
      {PeriodActionKind::kSubmit, "", "2020", ""},
      {PeriodActionKind::kApprove, "tax", "2019", "ok"},
      {PeriodActionKind::kReopen, "finance", "2018", "fix"},
      {PeriodActionKind::kSubmit, "tax", "2020Q3", ""},
      {PeriodActionKind::kSubmit, "statistics", "2020", ""},
      {PeriodActionKind::kSubmit, "", "2999", ""},
      {static_cast<PeriodActionKind>(7), "", "2020", ""}};
  Write(dir, "valid-restatement-and-actions", EncodeBatch(8, 0, {restated}, actions));
  Write(dir, "valid-actions-only", EncodeBatch(9, 0, {}, actions));
}

void WriteBrokenFields(const std::string& dir, const kpihub::fuzz::BatchFixture& f) {
  const auto& catalogue = *f.view().catalogue;
  const auto& indicator = catalogue.indicators().front();
  const Observation good = ValidFor(indicator, catalogue.parks().front().code, 42);
  auto variant = [&](const std::string& name, auto change) {
    Observation o = good;
    change(o);
    Write(dir, "field-" + name, EncodeBatch(3, 0, {good, o}));
  };
  variant("nan", [](Observation& o) { o.value = std::numeric_limits<double>::quiet_NaN(); });
  variant("inf", [](Observation& o) { o.value = std::numeric_limits<double>::infinity(); });
  variant("minus-inf", [](Observation& o) { o.value = -std::numeric_limits<double>::infinity(); });
  variant("huge", [](Observation& o) { o.value = 1e300; });
  variant("precise", [](Observation& o) { o.value = 0.1234567; });
  variant("future", [](Observation& o) { o.period = "2999"; });
  variant("period-2020-9", [](Observation& o) { o.period = "2020-9"; });
  variant("period-q5", [](Observation& o) { o.period = "2020Q5"; });
  variant("unknown-indicator", [](Observation& o) { o.indicator = "no_such_indicator"; });
  variant("unknown-park", [](Observation& o) { o.park = "zone"; });
  variant("bad-entity", [](Observation& o) { o.entity = "91410800MA45H7J36X"; });
  variant("entity-not-allowed", [](Observation& o) { o.indicator = "gdp"; });
  variant("embedded-nul", [](Observation& o) { o.park = std::string("core\0x", 6); });
  variant("invalid-utf8", [](Observation& o) { o.note = "\xff\xfe\xc3"; });
  variant("long-note", [](Observation& o) { o.note = std::string(300, 'n'); });
  variant("long-code", [](Observation& o) { o.indicator = std::string(65, 'i'); });
}

void WriteBrokenFrames(const std::string& dir, const kpihub::fuzz::BatchFixture& f) {
  const auto& catalogue = *f.view().catalogue;
  const Observation good = ValidFor(catalogue.indicators().front(), catalogue.parks().front().code, 7);
  const std::string valid = EncodeBatch(2, 0, {good, good});
  Write(dir, "frame-empty", "");
  Write(dir, "frame-truncated-words", t::Truncated(valid, valid.size() / 16 * 8));
  Write(dir, "frame-truncated-header", t::Truncated(valid, 8));
  Write(dir, "frame-unaligned", valid + "abc");
  std::mt19937_64 random(20261128);
  for (int i = 0; i < 4; ++i) {
    std::string bytes(64 * (i + 1), '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    Write(dir, "frame-random-" + std::to_string(i), bytes);
  }
  Write(dir, "frame-too-many-segments", t::TooManySegments(600));
  Write(dir, "frame-text-without-nul", t::TextWithoutNul(1));
  Write(dir, "frame-wrong-pointer-kind", t::WrongPointerKind(1));
  Write(dir, "frame-shared-blob", t::SharedBlob(1, 100, 1024));
  Write(dir, "frame-deep-unknown-field", t::DeepUnknownField(1, 64, "gdp", "core", "2020Q3", 1));
  Write(dir, "frame-zero-sized-observations", t::ZeroSizedObservations(1, 100000));
  Write(dir, "frame-compact-unknown", t::CompactUnknownIndicators(1, 0, 200));
  Write(dir, "frame-sequence-0", EncodeBatch(0, 0, {good}));
  Write(dir, "frame-sequence-max", EncodeBatch(std::numeric_limits<uint64_t>::max(), 0, {good}));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: batch_corpus DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::filesystem::create_directories(dir);
  kpihub::fuzz::BatchFixture fixture;
  WriteValid(dir, fixture);
  WriteBrokenFields(dir, fixture);
  WriteBrokenFrames(dir, fixture);
  std::printf("batch_corpus: %d seed inputs in %s\n", written, dir.c_str());
  return 0;
}
