#include "landing_page.h"

namespace kpihub::exporter {

std::string_view LandingPageHtml() {
  static constexpr std::string_view kPage = R"(<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>kpihubd 考核指标数据交换 | kpihub KPI exchange</title>
</head>
<body>
<h1>kpihubd 考核指标数据交换 | kpihub KPI exchange</h1>
<p>各部门指标数据的接收与汇总服务。 Receives the departments' indicator feeds and exports the KPIs to Prometheus.</p>
<ul>
<li><a href="metrics">/metrics</a> — 指标（Prometheus 格式） | metrics in the Prometheus text format</li>
<li><a href="healthz">/healthz</a> — 存活检查 | liveness</li>
<li><a href="readyz">/readyz</a> — 就绪检查 | readiness</li>
</ul>
</body>
</html>
)";
  return kPage;
}

}  // namespace kpihub::exporter
