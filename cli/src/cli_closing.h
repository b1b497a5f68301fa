// What the `kpihub` commands share about closing a year (core/period_state.h): the years'
// states read from a snapshot (now, or as they stood at a moment), the Chinese sentence a
// refused period action is explained with, and one restatement as the committee reads it.
// Pure functions over a snapshot; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli_format.h"
#include "kpihub/core/catalogue.h"
#include "kpihub/core/period_state.h"
#include "kpihub/store/store.h"

namespace kpihub::cli {

// The states of every department's years: the stored ones, or (with `as_of_ms`) the ones the
// period log gives for that moment, so a report recomputed later sees the basis it had.
Status ReadPeriodStates(store::Snapshot& snapshot, std::optional<int64_t> as_of_ms,
                        core::PeriodStates* out);

// A clerk's sentence for a refused period action, e.g. not_approver -> 只有领导小组办公室可以
// 审定或退回; empty for a reason that is not about period actions.
std::string PeriodRefusalZh(core::RejectReason reason);

// The catalogue KPIs whose numerator or denominator includes `indicator`, by code.
std::vector<std::string> KpisUsing(const core::Catalogue& catalogue, const std::string& indicator);

// One accepted restatement, ready to print. Without `entities` an enterprise's figure is
// "an enterprise 企业", its values "withheld" (as `kpihub history` does), and anything shaped
// like a credit code in the reason is masked.
struct RestatementView {
  std::string time;
  std::string department;
  std::string adapter;
  std::string indicator;  // "code 中文名"
  std::string park;
  std::string period;
  std::string entity;     // empty: a park-level figure
  std::string old_value;  // "(new)" when the figure did not exist
  std::string new_value;
  std::string reason;
  std::vector<std::string> kpis;  // whose figures it changes
  uint64_t journal_id = 0;
};
RestatementView ViewRestatement(const core::Catalogue& catalogue, const CivilTime& time,
                                const store::Restatement& r, bool entities);
// "2026-03-02T10:00:00+08:00 tax (tax-1) gdp 地区生产总值 core 2020 (park): 1 -> 2 — reason;
// changes KPIs gdp_growth"
std::string RestatementLine(const RestatementView& v);

}  // namespace kpihub::cli
