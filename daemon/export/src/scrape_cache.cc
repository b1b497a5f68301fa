#include "kpihub/export/scrape_cache.h"

#include <prometheus/text_serializer.h>

namespace kpihub::exporter {

std::shared_ptr<const RenderedFamilies> Render(std::vector<prometheus::MetricFamily> families) {
  auto rendered = std::make_shared<RenderedFamilies>();
  rendered->text = prometheus::TextSerializer().Serialize(families);
  rendered->families = std::move(families);
  return rendered;
}

}  // namespace kpihub::exporter
