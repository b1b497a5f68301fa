// What both senders (one daemon, or a replica pair) share: the dealer's options, how entries are
// cut into batches, a stored batch's frame, and rejection indices mapped to entries. Private to
// the delivery library. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "kpihub/delivery/durable_sender.h"
#include "kpihub/platform/curve_dealer.h"

namespace kpihub::delivery {

platform::CurveDealerOptions DealerOptions(const SenderOptions& o, const std::string& server_public_z85);
std::vector<std::vector<OutboxEntry>> CutBatches(const std::vector<OutboxEntry>& entries, size_t size);
std::string EncodeStoredBatch(const StoredBatch& batch, int64_t sent_unix_ms);
std::vector<core::Rejection> ToEntryIndices(const StoredBatch& batch,
                                            const std::vector<core::Rejection>& rejections,
                                            bool actions);

}  // namespace kpihub::delivery
