#include "kpihub/export/scrape_cache.h"

#include <prometheus/text_serializer.h>

namespace kpihub::exporter {

std::shared_ptr<const RenderedFamilies> Render(std::vector<prometheus::MetricFamily> families) {
  auto rendered = std::make_shared<RenderedFamilies>();
  rendered->text = prometheus::TextSerializer().Serialize(families);
  rendered->families = std::move(families);
  return rendered;
}

std::vector<prometheus::MetricFamily> CachedCollectable::Collect() const {
  std::shared_ptr<const RenderedFamilies> current = Current();
  if (current == nullptr) return {};
  return current->families;
}

std::shared_ptr<const std::string> CachedCollectable::CollectText() const {
  std::shared_ptr<const RenderedFamilies> current = Current();
  if (current == nullptr) return std::make_shared<const std::string>();
  return {current, &current->text};
}

}  // namespace kpihub::exporter
