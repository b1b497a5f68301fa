#include "kpihub/export/state_collector.h"

#include "kpihub/export/gauge_family.h"

namespace kpihub::exporter {

std::vector<prometheus::MetricFamily> StateCollector::Collect() const {
  GaugeFamily last_seq{"kpihub_sender_last_sequence", "Last applied batch sequence per adapter."};
  GaugeFamily last_time{"kpihub_sender_last_batch_timestamp_seconds",
                        "Unix time of the last accepted batch per adapter (feed freshness)."};
  GaugeFamily map_size{"kpihub_store_map_size_bytes", "Current LMDB map size."};
  GaugeFamily used{"kpihub_store_used_bytes", "LMDB pages in use, in bytes."};
  GaugeFamily file{"kpihub_store_file_bytes", "Size of the LMDB data file on disk."};
  GaugeFamily rows{"kpihub_store_records", "Records per table."};
  GaugeFamily max_map{"kpihub_store_max_map_size_bytes",
                      "Largest size the LMDB map may grow to (max_map_mib)."};
  GaugeFamily build{"kpihub_build_info", "Build of the running daemon."};
  GaugeFamily start{"kpihub_start_time_seconds", "Unix time at which the daemon started."};

  std::vector<prometheus::MetricFamily> out;
  std::unique_ptr<store::Snapshot> snapshot;
  if (store_.OpenSnapshot(&snapshot).ok()) {
    (void)snapshot->ForEachSender([&](const store::SenderState& s) {
      std::vector<prometheus::ClientMetric::Label> labels = {{"adapter", s.adapter},
                                                             {"department", s.department}};
      last_seq.Add(labels, static_cast<double>(s.last_sequence));
      last_time.Add(labels, static_cast<double>(s.last_batch_unix_ms) / 1000.0);
    });
    store::StoreStats stats = snapshot->Stats();
    snapshot.reset();
    map_size.Add({}, static_cast<double>(stats.map_size_bytes));
    used.Add({}, static_cast<double>(stats.used_bytes));
    file.Add({}, static_cast<double>(stats.file_bytes));
    rows.Add({{"table", "observations"}}, static_cast<double>(stats.observations));
    rows.Add({{"table", "cells"}}, static_cast<double>(stats.cells));
    rows.Add({{"table", "journal"}}, static_cast<double>(stats.journal_entries));
    rows.Add({{"table", "history"}}, static_cast<double>(stats.history_entries));
    rows.Add({{"table", "dead_letters"}}, static_cast<double>(stats.dead_letters));
  }
  if (max_map_bytes_ > 0) max_map.Add({}, static_cast<double>(max_map_bytes_));
  build.Add({{"revision", build_.revision}, {"version", build_.version}}, 1);
  if (start_unix_seconds_ > 0) start.Add({}, start_unix_seconds_);
  for (GaugeFamily* g : {&last_seq, &last_time, &map_size, &used, &file, &rows, &max_map, &build,
                        &start}) {
    g->MoveTo(&out);
  }
  return out;
}

}  // namespace kpihub::exporter
