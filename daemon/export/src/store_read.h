// The store reads a collector makes at scrape time. A failed read is logged and the scrape
// then serves nothing: an empty scrape makes the absent-series alerts fire, which is what an
// operator needs. `what` names the collector in the log ("scrape", "feed scrape", ...).
// Thread-safe as the Store is.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string_view>

#include "kpihub/store/store.h"

namespace kpihub::exporter {

// A snapshot to compute the scrape from; null (error logged) when the store cannot be read.
std::unique_ptr<store::Snapshot> OpenScrapeSnapshot(store::Store& store, spdlog::logger& log,
                                                    std::string_view what);

// True when `read` is ok; else logs it as a store that could not be read.
bool ScrapeReadOk(const kpihub::Status& read, spdlog::logger& log, std::string_view what);

}  // namespace kpihub::exporter
