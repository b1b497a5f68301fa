// FeedRollup: everything a Rollup needs from a snapshot to decide small-cell suppression —
// every cell, and every enterprise figure for the dominance rule. Every output that
// publishes figures feeds its rollup through this, so they all withhold the same cells.
// Reads the snapshot only; thread-compatible like the snapshot.
#pragma once

#include "kpihub/core/rollup.h"
#include "kpihub/core/status.h"
#include "kpihub/store/store.h"

namespace kpihub::store {

Status FeedRollup(Snapshot& snapshot, core::Rollup* rollup);

}  // namespace kpihub::store
