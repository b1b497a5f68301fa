#include "kpihub/export/snapshot_collector.h"

#include "store_read.h"

namespace kpihub::exporter {

bool SnapshotCollector::ReadOk(const kpihub::Status& read) const {
  return ScrapeReadOk(read, *log_, what_);
}

std::shared_ptr<const RenderedFamilies> SnapshotCollector::Current() const {
  auto view = config_.Get();
  std::unique_ptr<store::Snapshot> snapshot = OpenScrapeSnapshot(store_, *log_, what_);
  if (snapshot == nullptr) return nullptr;
  const ScrapeKey key{snapshot->Version(), view.catalogue};
  return cache_.Get(key, [&]() { return Compute(std::move(snapshot), *view.catalogue); });
}

}  // namespace kpihub::exporter
