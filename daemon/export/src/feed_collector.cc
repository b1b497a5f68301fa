#include "kpihub/export/feed_collector.h"

#include <algorithm>
#include <map>

#include "kpihub/core/feed_completeness.h"
#include "kpihub/export/gauge_family.h"
#include "store_read.h"

namespace kpihub::exporter {
namespace {

struct FeedFamilies {
  GaugeFamily contract{"kpihub_feed_contract_info",
                       "Feed contract of a department: the period it delivers (cadence)."};
  GaugeFamily deadline{"kpihub_feed_contract_deadline_seconds",
                       "Time after a period ends by which the department's figures are due."};
  GaugeFamily max_silence{"kpihub_feed_contract_max_silence_seconds",
                          "Longest gap between accepted batches the contract allows."};
  GaugeFamily last{"kpihub_feed_last_accepted_timestamp_seconds",
                   "Unix time of the last batch accepted from any adapter of the department."};
  GaugeFamily silence{"kpihub_feed_silence_seconds",
                      "Seconds since the department's last accepted batch (feed freshness)."};
  GaugeFamily expected{"kpihub_feed_expected_cells",
                       "Indicator-park-period cells the department owes for the year by now."};
  GaugeFamily received{"kpihub_feed_received_cells",
                       "Of the cells owed for the year, those the store holds."};
  GaugeFamily ratio{"kpihub_feed_completeness_ratio",
                    "Received over expected cells of the department for the year (0-1)."};
};

void AddContracts(const core::Catalogue& catalogue, FeedFamilies& f) {
  for (const core::Department& d : catalogue.departments()) {
    if (!d.contract) continue;
    f.contract.Add({{"department", d.code},
                    {"cadence", std::string(core::PeriodKindName(d.contract->cadence))}},
                   1);
    f.deadline.Add({{"department", d.code}}, d.contract->deadline_days * 86400.0);
    f.max_silence.Add({{"department", d.code}},
                      static_cast<double>(d.contract->max_silence_seconds));
  }
}

void AddCompleteness(const std::vector<core::DepartmentCompleteness>& counts, FeedFamilies& f) {
  for (const core::DepartmentCompleteness& c : counts) {
    std::vector<prometheus::ClientMetric::Label> labels = {
        {"department", c.department->code}, {"period", std::to_string(c.year)}};
    f.expected.Add(labels, c.expected);
    f.received.Add(labels, c.received);
    if (c.expected > 0) f.ratio.Add(labels, static_cast<double>(c.received) / c.expected);
  }
}

}  // namespace

std::shared_ptr<const FeedCollector::StoredFeeds> FeedCollector::Current(
    const core::LiveConfig::View& view) const {
  std::unique_ptr<store::Snapshot> snapshot = OpenScrapeSnapshot(store_, *log_, "feed scrape");
  if (snapshot == nullptr) return nullptr;
  const ScrapeKey key{snapshot->Version(), view.catalogue};
  return cache_.Get(key, [&]() -> std::shared_ptr<const StoredFeeds> {
    // Holds the catalogue the completeness refers to for as long as the cache keeps it.
    auto feeds = std::make_shared<StoredFeeds>(view.catalogue);
    kpihub::Status read =
        snapshot->ForEachCell([&](const core::Cell& c) { feeds->completeness.Add(c); });
    if (read.ok()) {
      read = snapshot->ForEachSender([&](const store::SenderState& s) {
        int64_t& t = feeds->last_ms[s.department];
        t = std::max(t, s.last_batch_unix_ms);
      });
    }
    return ScrapeReadOk(read, *log_, "feed scrape") ? feeds : nullptr;
  });
}

// The stored part is cached per data version; what depends on the clock (silence, which
// periods are owed by now) is computed on every scrape.
std::vector<prometheus::MetricFamily> FeedCollector::Collect() const {
  auto view = config_.Get();
  const core::Catalogue& catalogue = *view.catalogue;
  std::shared_ptr<const StoredFeeds> feeds = Current(view);
  if (feeds == nullptr) return {};
  int64_t now_ms = clock_.NowUnixMillis();
  FeedFamilies f;
  AddContracts(catalogue, f);
  for (const auto& [department, ms] : feeds->last_ms) {
    if (catalogue.FindDepartment(department) == nullptr || ms <= 0) continue;
    f.last.Add({{"department", department}}, static_cast<double>(ms) / 1000.0);
    f.silence.Add({{"department", department}},
                  static_cast<double>(std::max<int64_t>(0, now_ms - ms)) / 1000.0);
  }
  AddCompleteness(feeds->completeness.Finish(now_ms), f);
  std::vector<prometheus::MetricFamily> out;
  for (GaugeFamily* g : {&f.contract, &f.deadline, &f.max_silence, &f.last, &f.silence,
                         &f.expected, &f.received, &f.ratio}) {
    g->MoveTo(&out);
  }
  return out;
}

}  // namespace kpihub::exporter
