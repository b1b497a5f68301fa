// FeedRollup: everything a Rollup needs from a snapshot to decide small-cell suppression —
// every cell, and every enterprise figure for the dominance rule. Every output that
// publishes figures feeds its rollup through this, so they all withhold the same cells.
// Reads the snapshot only; thread-compatible like the snapshot.
#pragma once

#include "kpihub/core/milestone.h"
#include "kpihub/core/rollup.h"
#include "kpihub/core/status.h"
#include "kpihub/store/store.h"

namespace kpihub::store {

Status FeedRollup(Snapshot& snapshot, core::Rollup* rollup);

// The stored reports of the catalogue's milestones (docs/catalogue.md, "[[milestone]]"): one
// fact per report, the note as the approval document's reference.
Status ReadMilestoneFacts(Snapshot& snapshot, const core::Catalogue& catalogue,
                          std::vector<core::MilestoneFact>* facts);
// The same as they stood at `as_of_unix_ms`, from the value history. The history keeps values,
// not notes: a report's reference is the note stored now for that month, given only while the
// value stored now is still the one of the moment.
Status ReadMilestoneFactsAsOf(Snapshot& snapshot, const core::Catalogue& catalogue,
                              int64_t as_of_unix_ms, std::vector<core::MilestoneFact>* facts);

}  // namespace kpihub::store
