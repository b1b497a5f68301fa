#include "feed_model.h"

#include <cstdio>
#include <memory>

#include "kpihub/core/uscc.h"
#include "kpihub/store/store.h"

namespace kpihub::reliability {
namespace {

constexpr uint64_t kPool = 60;  // figures per adapter; batch sizes must not exceed it
const char* const kParks[] = {"core",      "auto_parts", "smart_mfg", "startup_center",
                              "hpu_park",  "zgc_base",   "tengyun",   "inspection",
                              "hq_economy", "culture_tourism", "agri_tech"};
constexpr uint64_t kParkCount = sizeof kParks / sizeof kParks[0];

std::string PeriodFor(char kind, uint64_t n) {
  char text[16];
  if (kind == 'y') {
    std::snprintf(text, sizeof text, "%d", 2017 + static_cast<int>(n % 4));
  } else if (kind == 'q') {
    n %= 8;
    std::snprintf(text, sizeof text, "%dQ%d", 2019 + static_cast<int>(n / 4), 1 + static_cast<int>(n % 4));
  } else {
    std::snprintf(text, sizeof text, "2020-%02d", 1 + static_cast<int>(n % 12));
  }
  return text;
}

size_t FeedIndex(const FeedSpec& feed) {
  const auto& feeds = FourFeeds();
  for (size_t i = 0; i < feeds.size(); ++i) {
    if (feeds[i].adapter == feed.adapter) return i;
  }
  return feeds.size();
}

}  // namespace

const std::vector<FeedSpec>& FourFeeds() {
  static const std::vector<FeedSpec> feeds = {
      {"tax-1", "tax", "rd_super_deduction", true, 'y'},
      {"finance-1", "finance", "gdp", false, 'q'},
      {"scitech-1", "scitech", "industrial_output", true, 'm'},
      {"env-1", "environment", "sewage_treated", false, 'm'},
  };
  return feeds;
}

std::vector<std::pair<std::string, std::string>> AdapterIds(const std::vector<FeedSpec>& feeds) {
  std::vector<std::pair<std::string, std::string>> ids;
  for (const auto& f : feeds) ids.emplace_back(f.adapter, f.department);
  return ids;
}

std::vector<core::Observation> BatchContent(const FeedSpec& feed, uint64_t sequence, size_t size) {
  std::vector<core::Observation> out;
  for (uint64_t i = 0; i < size && i < kPool; ++i) {
    // 13 is prime to the pool size: the figures of one batch are distinct.
    const uint64_t k = (sequence * 7 + i * 13) % kPool;
    core::Observation o;
    o.indicator = feed.indicator;
    o.park = kParks[k % kParkCount];
    o.period = PeriodFor(feed.period_kind, k / kParkCount);
    if (feed.enterprise_level) {
      o.entity = core::SyntheticUscc(static_cast<uint32_t>(1000 * FeedIndex(feed) + k));
    }
    o.value = static_cast<double>(sequence * 1000 + i) + 0.25;  // exact in binary
    out.push_back(std::move(o));
  }
  return out;
}

void Fold(const FeedSpec& feed, uint64_t last_sequence, size_t batch_size, FigureMap* figures) {
  for (uint64_t s = 1; s <= last_sequence; ++s) {
    uint64_t i = 0;
    for (const auto& o : BatchContent(feed, s, batch_size)) {
      core::FigureKey key{o.indicator, o.park, o.period, o.entity};
      (*figures)[key] = Figure{static_cast<__int128>(s * 1000 + i) * 1000000 + 250000, s};
      ++i;
    }
  }
}

StoreState ReadStore(const std::string& state_dir) {
  StoreState state;
  store::StoreOptions options;
  options.path = state_dir;
  options.read_only = true;
  std::unique_ptr<store::Store> store;
  kpihub::Status s = store::Store::Open(options, &store);
  if (!s.ok()) {
    state.error = s.ToString();
    return state;
  }
  {
    std::unique_ptr<store::Snapshot> snapshot;
    if (s = store->OpenSnapshot(&snapshot); !s.ok()) {
      state.error = s.ToString();
      return state;
    }
    s = snapshot->ForEachObservation([&](const store::StoredObservation& o) {
      state.figures[o.key] = Figure{o.value.micros(), o.sequence};
    });
    if (s.ok()) {
      s = snapshot->ForEachSender([&](const store::SenderState& sender) {
        state.last_sequence[sender.adapter] = sender.last_sequence;
        state.batches[sender.adapter] = sender.batches;
      });
    }
    state.journal_entries = snapshot->Stats().journal_entries;
  }
  if (s.ok()) s = store->Verify(&state.verify_differences);
  state.opened = s.ok();
  if (!s.ok()) state.error = s.ToString();
  return state;
}

namespace {

// Notes at most 10 details of what differs.
void Note(Figures* f, const std::string& line) {
  if (f->details.size() < 10) f->details.push_back(line);
}

// One feed's sequences: acked beyond what the state applied (lost) and applied more than
// once (duplicated); its expected figures folded into *expected.
void CompareFeed(const FeedSpec& feed, size_t batch_size,
                 const std::map<std::string, std::set<uint64_t>>& acked, const StoreState& state,
                 Figures* f, FigureMap* expected) {
  auto seq = state.last_sequence.find(feed.adapter);
  const uint64_t last = seq == state.last_sequence.end() ? 0 : seq->second;
  f->applied += last;
  if (auto it = acked.find(feed.adapter); it != acked.end()) {
    f->acked += it->second.size();
    for (uint64_t s : it->second) {
      if (s > last) {
        f->lost++;
        Note(f, feed.adapter + " batch " + std::to_string(s) + " acked, state has up to " +
                    std::to_string(last));
      }
    }
  }
  auto batches = state.batches.find(feed.adapter);
  if (batches != state.batches.end() && batches->second > last) {
    f->duplicated += batches->second - last;
    Note(f, feed.adapter + ": " + std::to_string(batches->second) + " batches applied for " +
                std::to_string(last) + " sequences");
  }
  Fold(feed, last, batch_size, expected);
}

// The figures held against those expected, both ways.
void CompareFigures(const FigureMap& expected, const StoreState& state, Figures* f) {
  for (const auto& [key, want] : expected) {
    auto it = state.figures.find(key);
    if (it == state.figures.end() || !(it->second == want)) {
      f->mismatched++;
      Note(f, key.indicator + "/" + key.park + "/" + key.period + ": want " +
                  MicrosText(want.micros) + " from batch " + std::to_string(want.sequence) +
                  (it == state.figures.end()
                       ? ", missing"
                       : ", got " + MicrosText(it->second.micros) + " from batch " +
                             std::to_string(it->second.sequence)));
    }
  }
  for (const auto& [key, got] : state.figures) {
    if (!expected.count(key)) {
      f->mismatched++;
      Note(f, "unexpected figure " + key.indicator + "/" + key.park + "/" + key.period);
    }
  }
}

}  // namespace

Figures Compare(const std::vector<FeedSpec>& feeds, size_t batch_size,
                const std::map<std::string, std::set<uint64_t>>& acked, const StoreState& state) {
  Figures f;
  if (!state.opened) {
    f.mismatched++;
    Note(&f, "store unreadable: " + state.error);
    return f;
  }
  FigureMap expected;
  for (const FeedSpec& feed : feeds) CompareFeed(feed, batch_size, acked, state, &f, &expected);
  if (state.journal_entries > f.applied) {
    f.duplicated += state.journal_entries - f.applied;
    Note(&f, std::to_string(state.journal_entries) + " journal entries for " +
                 std::to_string(f.applied) + " sequences");
  } else if (state.journal_entries < f.applied) {
    f.mismatched += f.applied - state.journal_entries;
    Note(&f, "journal short: " + std::to_string(state.journal_entries));
  }
  CompareFigures(expected, state, &f);
  f.mismatched += state.verify_differences.size();
  for (const auto& d : state.verify_differences) Note(&f, "verify: " + d);
  return f;
}

__int128 ParseMicros(const std::string& text) {
  bool negative = !text.empty() && text[0] == '-';
  __int128 whole = 0, frac = 0;
  int frac_digits = 0;
  bool in_frac = false;
  for (size_t i = negative ? 1 : 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') { in_frac = true; continue; }
    if (c < '0' || c > '9') break;
    if (in_frac) {
      if (frac_digits < 6) { frac = frac * 10 + (c - '0'); frac_digits++; }
    } else {
      whole = whole * 10 + (c - '0');
    }
  }
  while (frac_digits < 6) { frac *= 10; frac_digits++; }
  __int128 v = whole * 1000000 + frac;
  return negative ? -v : v;
}

std::string MicrosText(__int128 micros) {
  bool negative = micros < 0;
  if (negative) micros = -micros;
  std::string whole;
  __int128 w = micros / 1000000;
  do { whole.insert(whole.begin(), static_cast<char>('0' + static_cast<int>(w % 10))); w /= 10; } while (w > 0);
  char frac[8];
  std::snprintf(frac, sizeof frac, "%06d", static_cast<int>(micros % 1000000));
  return (negative ? "-" : "") + whole + "." + frac;
}

}  // namespace kpihub::reliability
