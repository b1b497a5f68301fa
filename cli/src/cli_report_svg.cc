#include "cli_report_svg.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace kpihub::cli {
namespace {

constexpr double kWidth = 150, kHeight = 46, kPad = 5;

struct Frame {
  int first_year, last_year;
  double top;  // value at the top edge; 0 at the bottom
  double X(double year) const {
    const double span = std::max(1, last_year - first_year);
    return kPad + (year - first_year) * (kWidth - 2 * kPad) / span;
  }
  double Y(double v) const {
    return kHeight - kPad - std::clamp(v / top, 0.0, 1.0) * (kHeight - 2 * kPad);
  }
};

std::string Point(double x, double y) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f,%.1f ", x, y);
  return buf;
}

}  // namespace

std::string TrendSvg(const ReportKpi& r) {
  const std::optional<Trajectory> line = LevelTrajectory(r.zone);
  std::vector<std::pair<int, double>> values;
  for (const core::KpiFigure& k : r.trend) {
    if (k.has_value && !k.withheld) values.emplace_back(k.year, k.value);
  }
  Frame f{r.kpi->baseline_year, std::max(r.zone.year, line ? line->due_year : r.zone.year), 0};
  for (const auto& [year, v] : values) f.top = std::max(f.top, v);
  if (line) f.top = std::max({f.top, line->target, line->from_value});
  if (f.top <= 0) f.top = 1;
  f.top *= 1.1;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"150\" height=\"46\" "
                    "viewBox=\"0 0 150 46\" role=\"img\"><rect x=\"0.5\" y=\"0.5\" width=\"149\" "
                    "height=\"45\" fill=\"none\" stroke=\"#ccc\"/>";
  if (line) {
    svg += "<polyline fill=\"none\" stroke=\"#888\" stroke-dasharray=\"3,2\" points=\"" +
           Point(f.X(line->from_year), f.Y(line->from_value)) +
           Point(f.X(line->due_year), f.Y(line->target)) +
           Point(f.X(std::max(line->due_year, f.last_year)), f.Y(line->target)) + "\"/>";
  }
  if (values.size() > 1) {
    svg += "<polyline fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"1.5\" points=\"";
    for (const auto& [year, v] : values) svg += Point(f.X(year), f.Y(v));
    svg += "\"/>";
  }
  for (const auto& [year, v] : values) {
    char dot[96];
    std::snprintf(dot, sizeof dot, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.8\" fill=\"#1f5fa8\"/>",
                  f.X(year), f.Y(v));
    svg += dot;
  }
  return svg + "</svg>";
}

}  // namespace kpihub::cli
