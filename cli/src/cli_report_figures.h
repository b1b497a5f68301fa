// ReportFigures: everything the leadership report shows, as the store's value history had it
// at one moment (`as_of`), and the canonical text of its figures that the report's
// fingerprint hashes. Both the report and its verification build it the same way, from the
// history (store::HistoryFold), so that a report can be recomputed months later. Never holds
// an enterprise identifier. Value type.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cli_report_judgement.h"
#include "kpihub/core/catalogue.h"
#include "kpihub/core/period_state.h"
#include "kpihub/core/rollup.h"
#include "kpihub/store/store.h"

namespace kpihub::cli {

struct ReportKpi {
  const core::Kpi* kpi = nullptr;
  core::KpiFigure zone;                 // the report's year
  std::vector<core::KpiFigure> parks;   // the report's year, catalogue park order
  std::vector<core::KpiFigure> trend;   // the zone, baseline year .. report year
};

struct ReportFeed {
  const core::Department* department = nullptr;
  int64_t last_accepted_ms = 0;  // 0: nothing accepted by the moment
  uint32_t expected = 0;         // cells due in the report's year by the moment
  uint32_t received = 0;
};

struct ReportRuleCount {
  const core::Rule* rule = nullptr;
  int year = 0;
  uint32_t violations = 0;  // all parks, withheld ones pooled in
  uint32_t checked = 0;
};

struct ReportFigures {
  int year = 0;
  int64_t as_of_ms = 0;
  uint64_t journal_id = 0;  // the latest batch received by the moment
  uint64_t changes_used = 0;
  std::vector<ReportKpi> kpis;
  std::vector<ReportMilestone> milestones;
  std::vector<ReportFeed> feeds;
  std::vector<ReportRuleCount> rules;
  // (KPI code, year) -> whether its figures rest on approved data (正式数) as of the moment;
  // every KPI and year the report shows.
  std::map<std::pair<std::string, int>, bool> approved;

  bool Approved(const core::KpiFigure& k) const;

  // One line per figure: KPI rows (value, target, expected, status and, from version 2, the
  // basis), the zone's trend, rule counts and milestone facts. Nothing that depends on the
  // moment alone (freshness, pending vs overdue), so the texts as of two moments differ only
  // where figures (or their basis) changed. `version` 1 reproduces reports written before the
  // basis was part of the figures, so they still verify.
  std::string CanonicalText(int version = kVersion) const;
  static constexpr int kVersion = 2;
  // The version a canonical text was written in (its first line).
  static int VersionOf(const std::string& canonical_text);
};

// Builds the figures of `year` from `snapshot`'s history as of `as_of_ms`, with the small-cell
// threshold `min_cell`. kNotFound when nothing had been received by then.
Status BuildReportFigures(store::Snapshot& snapshot, const core::Catalogue& catalogue,
                          uint32_t min_cell, int year, int64_t as_of_ms, ReportFigures* out);

}  // namespace kpihub::cli
