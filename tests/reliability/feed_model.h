// FeedModel: the synthetic feeds the reliability tests push, and the reference fold of them.
// Each of four adapters (one per department) sends batches whose content is a pure function
// of (adapter, sequence): a pool of figures revised over and over with values that encode the
// sequence, so a lost batch, a batch applied twice out of turn or a stale replay all leave a
// figure with the wrong value or the wrong last writer. The fold is computed here from that
// function alone, never from kpihub's own merge code.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "kpihub/core/observation.h"

namespace kpihub::reliability {

struct FeedSpec {
  std::string adapter;
  std::string department;
  std::string indicator;
  bool enterprise_level = false;
  char period_kind = 'm';  // 'y', 'q' or 'm', as the catalogue has the indicator
};

// tax-1, finance-1, scitech-1, env-1 with an indicator of their department each.
const std::vector<FeedSpec>& FourFeeds();
std::vector<std::pair<std::string, std::string>> AdapterIds(const std::vector<FeedSpec>& feeds);

// The observations of batch `sequence` (from 1) of `feed`: `size` figures out of a pool.
std::vector<core::Observation> BatchContent(const FeedSpec& feed, uint64_t sequence, size_t size);

struct Figure {
  __int128 micros = 0;
  uint64_t sequence = 0;  // the batch that wrote it last
  friend bool operator==(const Figure&, const Figure&) = default;
};
using FigureMap = std::map<core::FigureKey, Figure>;

// Applies batches 1..last_sequence of `feed` in order, later values replacing earlier ones.
void Fold(const FeedSpec& feed, uint64_t last_sequence, size_t batch_size, FigureMap* figures);

// The daemon's state as read back from its LMDB environment (read-only, as `kpihub` does).
struct StoreState {
  bool opened = false;
  std::string error;
  FigureMap figures;
  std::map<std::string, uint64_t> last_sequence;  // per adapter
  std::map<std::string, uint64_t> batches;        // per adapter, batches applied
  uint64_t journal_entries = 0;
  std::vector<std::string> verify_differences;
};
StoreState ReadStore(const std::string& state_dir);

// What a comparison of acked batches with the state found.
struct Figures {
  uint64_t acked = 0;       // batches the adapters hold an ack for
  uint64_t applied = 0;     // batches the state says it applied (Σ last sequences)
  uint64_t lost = 0;        // acked but not in the state
  uint64_t duplicated = 0;  // applied more than once (journal or sender counts beyond sequences)
  uint64_t mismatched = 0;  // figures differing from the fold, plus verify differences
  std::vector<std::string> details;  // the first few differences, for the failure message
};
// The state must hold exactly batches 1..last_sequence of every adapter (a prefix that
// includes every acked batch: batches committed whose ack was lost are there too), each once.
Figures Compare(const std::vector<FeedSpec>& feeds, size_t batch_size,
                const std::map<std::string, std::set<uint64_t>>& acked, const StoreState& state);

// Parses a decimal text ("-12.25") to millionths.
__int128 ParseMicros(const std::string& text);
std::string MicrosText(__int128 micros);

}  // namespace kpihub::reliability
