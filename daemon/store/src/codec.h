// Key encoding for the store's LMDB tables (layout in tables.h); record values use
// platform::RecordWriter/RecordReader. Keys are built so that LMDB's byte order is the order
// we want to scan in: text fields joined by '\0', ids big-endian.
// Internal to kpihub_store. Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kpihub/core/observation.h"
#include "kpihub/platform/record_codec.h"

namespace kpihub::store::internal {

using platform::AppendBigEndian32;
using platform::AppendBigEndian64;
using platform::BigEndian64Key;
using platform::ReadBigEndian32;
using platform::ReadBigEndian64;
using platform::RecordReader;
using platform::RecordWriter;

// Text fields are joined by '\0'; a field must not contain one (checked before writing).
bool IsKeyField(std::string_view field);

// indicator\0park\0period\0entity
std::string EncodeFigureKey(const core::FigureKey& key);
// The same appended to `out`, which is returned, so that a buffer can be reused.
void AppendFigureKey(std::string* out, const core::FigureKey& key);
bool DecodeFigureKey(std::string_view bytes, core::FigureKey* key);
// indicator\0park\0period: the cell a figure adds to.
std::string EncodeCellKey(std::string_view indicator, std::string_view park,
                          std::string_view period);
bool DecodeCellKey(std::string_view bytes, std::string* indicator, std::string* park,
                   std::string* period);

// Splits on '\0' into exactly `count` fields; false if the count differs.
bool SplitKey(std::string_view bytes, size_t count, std::vector<std::string_view>* fields);

}  // namespace kpihub::store::internal
