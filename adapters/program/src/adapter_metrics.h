// AdapterMetrics: what an operator needs to see of an adapter that runs unattended (spool
// mode under systemd), written in the Prometheus text format for node_exporter's textfile
// collector: rows read, observations queued and delivered, rows rejected, files done and
// failed, batches pending, the time the outbox was last emptied, and with a replica pair each
// replica's state. Written atomically (a
// temporary file renamed over the old one) so that a scrape never reads half a file.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kpihub/core/status.h"
#include "kpihub/delivery/durable_sender.h"

namespace kpihub::adapter {

struct AdapterMetrics {
  uint64_t rows_read = 0, observations_queued = 0, observations_delivered = 0;
  uint64_t rejected = 0;  // report lines: while reading and by the daemon
  uint64_t files_done = 0, files_failed = 0, batches_pending = 0;
  int64_t last_success_unix_seconds = 0;  // the outbox was last empty; 0: never in this run
  // With a replica pair: each replica's state and what it acked (series per endpoint).
  std::vector<delivery::ReplicaStatus> replicas;

  // The text node_exporter reads, every series labelled with the department.
  std::string Render(const std::string& department) const;
  Status WriteTextfile(const std::string& path, const std::string& department) const;
};

}  // namespace kpihub::adapter
