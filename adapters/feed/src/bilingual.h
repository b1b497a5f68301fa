// Building RowRejects whose message is in Chinese (for the clerk) and English (for the
// operator and the logs). Private to the feed library.
#pragma once

#include <string>

#include "kpihub/feed/export_mapper.h"

namespace kpihub::feed {

inline RowReject Reject(uint64_t row, std::string column, std::string value, std::string_view reason,
                        std::string zh, std::string en) {
  return RowReject{row, std::move(column), std::move(value), std::string(reason), std::move(en), std::move(zh)};
}

// "（是否为“X”？）" / " (did you mean 'X'?)", or nothing.
inline std::string DidYouMeanZh(const std::optional<std::string>& s) {
  return s ? "（是否为“" + *s + "”？）" : "";
}
inline std::string DidYouMeanEn(const std::optional<std::string>& s) {
  return s ? " (did you mean '" + *s + "'?)" : "";
}

}  // namespace kpihub::feed
