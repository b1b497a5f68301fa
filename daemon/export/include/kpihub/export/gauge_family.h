// GaugeFamily: builds one prometheus MetricFamily of gauges at scrape time. Value type.
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <utility>
#include <vector>

namespace kpihub::exporter {

class GaugeFamily {
 public:
  GaugeFamily(std::string name, std::string help) {
    family_.name = std::move(name);
    family_.help = std::move(help);
    family_.type = prometheus::MetricType::Gauge;
  }
  void Add(std::vector<prometheus::ClientMetric::Label> labels, double value) {
    prometheus::ClientMetric m;
    m.label = std::move(labels);
    m.gauge.value = value;
    family_.metric.push_back(std::move(m));
  }
  // Moves the family into `out`, unless it has no series (promtool flags empty families? no,
  // but an empty family is noise).
  void MoveTo(std::vector<prometheus::MetricFamily>* out) {
    if (!family_.metric.empty()) out->push_back(std::move(family_));
  }

 private:
  prometheus::MetricFamily family_;
};

}  // namespace kpihub::exporter
