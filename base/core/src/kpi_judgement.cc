#include "kpi_judgement.h"

#include <cmath>
#include <map>
#include <string>
#include <utility>

namespace kpihub::core {
namespace {

using FigureIndex = std::map<std::pair<std::string, int>, const KpiFigure*>;

struct Line {
  std::optional<double> target;
  std::optional<double> baseline;
  BaselineSource source = BaselineSource::kNone;
};

// The baseline from data: the level's own figure of the baseline year, when published.
void BaselineFromData(const Kpi& kpi, const std::string& park, const FigureIndex& index, Line& line) {
  if (kpi.cumulative_from && *kpi.cumulative_from > kpi.baseline_year) {
    line.baseline = 0;  // nothing had accumulated before the window opened
    line.source = BaselineSource::kCumulative;
    return;
  }
  auto it = index.find({park, kpi.baseline_year});
  if (it == index.end() || !it->second->has_value || it->second->withheld) return;
  line.baseline = it->second->value;
  line.source = BaselineSource::kData;
}

// What judges `park` (or the zone): its target and the start of its line.
Line LineFor(const Kpi& kpi, const std::string& park, const FigureIndex& index) {
  Line line;
  const ParkTarget* own = park == kZonePark ? nullptr : kpi.FindParkTarget(park);
  if (own != nullptr) {
    line.target = own->target;
    if (own->baseline) {
      line.baseline = own->baseline;
      line.source = BaselineSource::kCatalogue;
      return line;
    }
  } else if (park == kZonePark || kpi.every_park) {
    line.target = kpi.target;
    if (park == kZonePark && kpi.baseline) {
      line.baseline = kpi.baseline;
      line.source = BaselineSource::kCatalogue;
      return line;
    }
  } else {
    return line;  // a park the zone's target was not set for
  }
  BaselineFromData(kpi, park, index, line);
  return line;
}

// Relative slack of a comparison with the line: the line is computed in doubles from a
// baseline and a target, so a value exactly on it may miss it by an ulp or two.
constexpr double kOnTheLine = 1e-12;

KpiStatus StatusAgainstLine(Direction direction, double value, double expected_value,
                            double tolerance) {
  const double slack = std::abs(expected_value) * kOnTheLine;
  if (direction == Direction::kUp) {
    value += slack;
    if (value >= expected_value) return KpiStatus::kOnTrack;
    if (value >= expected_value * (1 - tolerance)) return KpiStatus::kAtRisk;
    return KpiStatus::kOffTrack;
  }
  value -= slack;
  if (value <= expected_value) return KpiStatus::kOnTrack;
  if (value <= expected_value * (1 + tolerance)) return KpiStatus::kAtRisk;
  return KpiStatus::kOffTrack;
}

double Progress(Direction direction, double value, double target) {
  if (direction == Direction::kUp) return value / target;
  // Falling KPI: reaching zero (or below) meets any positive target; report 1 rather than
  // an infinity that no board can chart.
  return value > 0 ? target / value : 1.0;
}

// A park not judged: its weight in the zone of the same year. Only for a KPI without
// denominator, whose park and zone values are published anyway: for a ratio the share of
// numerators would publish a relation between sums that no other output shows.
void ShareOfZone(const Kpi& kpi, KpiFigure& f, const FigureIndex& index) {
  if (!kpi.denominator.empty()) return;
  f.contribution = f.value / kpi.target;
  auto it = index.find({std::string(kZonePark), f.year});
  if (it == index.end() || it->second->withheld || !it->second->has_value) return;
  const KpiFigure& zone = *it->second;
  if (zone.numerator != Decimal()) f.share_of_zone = f.numerator.ToDouble() / zone.numerator.ToDouble();
}

void Judge(const Kpi& kpi, const Line& line, double tolerance, const FigureIndex& index,
           KpiFigure& f) {
  f.target = line.target;
  f.baseline = line.baseline;
  f.baseline_source = line.source;
  if (!f.has_value) return;  // kNoData
  if (!line.target) {
    f.status = KpiStatus::kNotJudged;
    f.not_judged = NotJudgedReason::kNoParkTarget;
    ShareOfZone(kpi, f, index);
    return;
  }
  f.progress = Progress(kpi.direction, f.value, *line.target);
  const int due = kpi.due_year();
  if (f.year <= kpi.baseline_year) {
    f.status = KpiStatus::kNotJudged;
    f.not_judged = NotJudgedReason::kBaselinePeriod;
    return;
  }
  if (!line.baseline && f.year < due) {  // no line to be on: only the year due is judged
    f.status = KpiStatus::kNotJudged;
    f.not_judged = NotJudgedReason::kNoBaseline;
    return;
  }
  f.expected_value =
      line.baseline ? LineValue(*line.baseline, kpi.baseline_year, *line.target, due, f.year)
                    : *line.target;
  f.expected = f.expected_value / *line.target;
  f.status = StatusAgainstLine(kpi.direction, f.value, f.expected_value, tolerance);
}

}  // namespace

double LineValue(double base, int baseline_year, double target, int due_year, int year) {
  const double share = static_cast<double>(year - baseline_year) / (due_year - baseline_year);
  // The ends are returned as given, so that the year due expects exactly the target.
  if (share <= 0) return base;
  if (share >= 1) return target;
  return base + (target - base) * share;
}

void JudgeKpiFigures(const Kpi& kpi, double tolerance, std::vector<KpiFigure*>& figures) {
  FigureIndex index;
  for (const KpiFigure* f : figures) index[{f->park, f->year}] = f;
  std::map<std::string, Line> lines;
  for (KpiFigure* f : figures) {
    auto it = lines.find(f->park);
    if (it == lines.end()) it = lines.emplace(f->park, LineFor(kpi, f->park, index)).first;
    Judge(kpi, it->second, tolerance, index, *f);
  }
}

}  // namespace kpihub::core
