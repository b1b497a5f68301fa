#include "kpihub/export/digest_collector.h"

#include <string_view>

#include "kpihub/core/period.h"
#include "kpihub/export/gauge_family.h"
#include "store_read.h"

namespace kpihub::exporter {
namespace {

constexpr uint64_t kLow52 = (uint64_t{1} << 52) - 1;

// 64-bit FNV-1a over a canonical serialisation of one figure: every text field with its
// length before it (so that no two different keys serialise alike), the value as its exact
// millionths in 16 little-endian bytes.
class FigureHasher {
 public:
  void Text(std::string_view s) {
    Integer(s.size(), 4);
    for (char c : s) Byte(static_cast<uint8_t>(c));
  }
  void Integer(unsigned __int128 v, int bytes) {
    for (int i = 0; i < bytes; ++i) Byte(static_cast<uint8_t>(v >> (8 * i)));
  }
  uint64_t value() const { return h_; }

 private:
  void Byte(uint8_t b) { h_ = (h_ ^ b) * 0x100000001b3ull; }
  uint64_t h_ = 0xcbf29ce484222325ull;
};

// splitmix64's finaliser: spreads every input bit over the whole word, so that sums of
// figure hashes and their low 52 bits keep the hash's strength.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t FigureHash(const store::StoredObservation& o) {
  FigureHasher h;
  h.Text(o.key.indicator);
  h.Text(o.key.park);
  h.Text(o.key.period);
  h.Text(o.key.entity);
  h.Integer(static_cast<unsigned __int128>(o.value.micros()), 16);
  h.Text(o.note);
  return Mix(h.value());
}

// A set of figures: the sum of their hashes (order does not matter) and their number.
struct FigureSet {
  uint64_t sum = 0;
  uint64_t count = 0;
  void Add(uint64_t hash) {
    sum += hash;
    ++count;
  }
  uint64_t Digest() const { return Mix(sum ^ Mix(count + 0x9e3779b97f4a7c15ull)) & kLow52; }
};

}  // namespace

Status ComputeStateDigests(store::Snapshot& snapshot, StateDigests* out) {
  std::map<int, FigureSet> years;
  FigureSet all;
  Status read = snapshot.ForEachObservation([&](const store::StoredObservation& o) {
    const uint64_t hash = FigureHash(o);
    all.Add(hash);
    if (auto period = core::Period::Parse(o.key.period)) years[period->year].Add(hash);
  });
  if (!read.ok()) return read;
  *out = StateDigests{};
  for (const auto& [year, set] : years) out->by_year[year] = set.Digest();
  out->all = all.count == 0 ? 0 : all.Digest();
  out->figures = all.count;
  return Status::Ok();
}

std::shared_ptr<const RenderedFamilies> DigestCollector::Current() const {
  std::unique_ptr<store::Snapshot> snapshot = OpenScrapeSnapshot(store_, *log_, "digest scrape");
  if (snapshot == nullptr) return nullptr;
  const ScrapeKey key{snapshot->Version(), nullptr};
  return cache_.Get(key, [&]() -> std::shared_ptr<const RenderedFamilies> {
    StateDigests digests;
    Status read = ComputeStateDigests(*snapshot, &digests);
    snapshot.reset();
    if (!ScrapeReadOk(read, *log_, "digest scrape")) return nullptr;
    GaugeFamily family{"kpihub_state_digest",
                       "Digest (52 bits) of the stored figures of a year (period=\"all\": of "
                       "every year): keys, exact values and notes, not who sent them or when. "
                       "Equal on two replicas exactly when their figures are equal."};
    for (const auto& [year, digest] : digests.by_year) {
      family.Add({{"period", std::to_string(year)}}, static_cast<double>(digest));
    }
    if (digests.figures > 0) family.Add({{"period", "all"}}, static_cast<double>(digests.all));
    std::vector<prometheus::MetricFamily> out;
    family.MoveTo(&out);
    return Render(std::move(out));
  });
}

}  // namespace kpihub::exporter
