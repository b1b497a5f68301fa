// The byte layout of one outbox record: created time, then per entry the observation's text
// fields, its value (IEEE bits) and its origin. Integers little-endian, strings u32 length +
// bytes. Private to the outbox. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kpihub/delivery/outbox.h"

namespace kpihub::delivery {

inline constexpr uint32_t kOutboxRecordVersion = 1;

std::string EncodeOutboxRecord(const StoredBatch& batch);
// nullopt when the bytes are not a record of this version (a corrupt or foreign file).
std::optional<StoredBatch> DecodeOutboxRecord(std::string_view bytes, uint64_t sequence);

// Big-endian key, so that LMDB's byte order is sequence order.
std::string SequenceKey(uint64_t sequence);
uint64_t SequenceFromKey(std::string_view key);

}  // namespace kpihub::delivery
