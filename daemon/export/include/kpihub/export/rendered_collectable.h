// RenderedCollectable: a Collectable that can also hand out its families already serialised
// in the Prometheus text format, typically from a ScrapeCache, so that /metrics need not
// copy and serialise them again on every scrape. MetricsServer uses CollectText() when a
// registered collectable is one; the bytes are those TextSerializer would write for
// Collect(). Implementations are thread-safe.
#pragma once

#include <prometheus/collectable.h>

#include <memory>
#include <string>

namespace kpihub::exporter {

class RenderedCollectable : public prometheus::Collectable {
 public:
  // Never null; empty when there is nothing to export.
  virtual std::shared_ptr<const std::string> CollectText() const = 0;
};

}  // namespace kpihub::exporter
