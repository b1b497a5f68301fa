#include "store_read.h"

namespace kpihub::exporter {

std::unique_ptr<store::Snapshot> OpenScrapeSnapshot(store::Store& store, spdlog::logger& log,
                                                    std::string_view what) {
  std::unique_ptr<store::Snapshot> snapshot;
  return ScrapeReadOk(store.OpenSnapshot(&snapshot), log, what) ? std::move(snapshot) : nullptr;
}

bool ScrapeReadOk(const kpihub::Status& read, spdlog::logger& log, std::string_view what) {
  if (!read.ok()) log.error("{} could not read the store: {}", what, read.ToString());
  return read.ok();
}

}  // namespace kpihub::exporter
