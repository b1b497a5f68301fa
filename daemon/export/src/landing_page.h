// The page kpihubd serves at `/`: what the endpoint is, in Chinese and English, with links
// to its three paths. Private to the export library.
#pragma once

#include <string_view>

namespace kpihub::exporter {

// HTML, UTF-8. The links are relative, so that they also work behind a TLS proxy that serves
// the endpoint under a path prefix.
std::string_view LandingPageHtml();

}  // namespace kpihub::exporter
