// The byte layout of one outbox record: created time, then per entry either an observation
// (its text fields, its value as IEEE bits, its restatement reason) or a period action, and
// the entry's origin. Integers little-endian, strings u32 length + bytes. Private to the
// outbox. Pure functions.
//
// Version 1 (written before period actions existed) holds observations only, without a
// restatement reason; it is still read, so an outbox left on disk by an older adapter drains.
// Version 2 is written.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kpihub/delivery/outbox.h"

namespace kpihub::delivery {

inline constexpr uint32_t kOutboxRecordVersion = 2;
inline constexpr uint32_t kOutboxRecordVersionObservationsOnly = 1;

std::string EncodeOutboxRecord(const StoredBatch& batch);
// nullopt when the bytes are not a record of a known version (a corrupt or foreign file).
std::optional<StoredBatch> DecodeOutboxRecord(std::string_view bytes, uint64_t sequence);

// Big-endian key, so that LMDB's byte order is sequence order.
std::string SequenceKey(uint64_t sequence);
uint64_t SequenceFromKey(std::string_view key);

}  // namespace kpihub::delivery
