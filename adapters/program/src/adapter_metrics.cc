#include "adapter_metrics.h"

#include <cstdio>
#include <fstream>

namespace kpihub::adapter {
namespace {

void Series(std::string& out, const char* name, const char* type, const char* help,
            const std::string& labels, double value) {
  char number[64];
  std::snprintf(number, sizeof number, "%.17g", value);
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + labels + " " + number + "\n";
}

// kpihub_adapter_replica_state (1 for the replica's state, 0 for the others) and
// kpihub_adapter_replica_acked_sequence, one series per replica endpoint.
void ReplicaSeries(std::string& out, const std::string& department,
                   const std::vector<delivery::ReplicaStatus>& replicas) {
  using delivery::ReplicaState;
  out += "# HELP kpihub_adapter_replica_state State of each replica of the pair for this adapter "
         "(down: batches no longer wait for it; needs_rebuild: restore it from the other's backup).\n"
         "# TYPE kpihub_adapter_replica_state gauge\n";
  for (const auto& r : replicas) {
    for (ReplicaState s : {ReplicaState::kCurrent, ReplicaState::kBehind, ReplicaState::kDown,
                           ReplicaState::kNeedsRebuild}) {
      out += "kpihub_adapter_replica_state{department=\"" + department + "\",endpoint=\"" + r.endpoint +
             "\",state=\"" + std::string(delivery::ReplicaStateName(s)) + "\"} " +
             (r.state == s ? "1" : "0") + "\n";
    }
  }
  out += "# HELP kpihub_adapter_replica_acked_sequence Highest batch sequence each replica acknowledged.\n"
         "# TYPE kpihub_adapter_replica_acked_sequence gauge\n";
  for (const auto& r : replicas) {
    out += "kpihub_adapter_replica_acked_sequence{department=\"" + department + "\",endpoint=\"" +
           r.endpoint + "\"} " + std::to_string(r.acked) + "\n";
  }
}

}  // namespace

std::string AdapterMetrics::Render(const std::string& department) const {
  std::string l = "{department=\"" + department + "\"}";
  std::string out;
  Series(out, "kpihub_adapter_rows_read_total", "counter", "Data rows read from export files.", l, static_cast<double>(rows_read));
  Series(out, "kpihub_adapter_observations_queued_total", "counter", "Observations written to the outbox.", l, static_cast<double>(observations_queued));
  Series(out, "kpihub_adapter_observations_delivered_total", "counter", "Observations acknowledged by kpihubd.", l, static_cast<double>(observations_delivered));
  Series(out, "kpihub_adapter_rejected_total", "counter", "Lines written to reject reports (while reading, and refused by kpihubd).", l, static_cast<double>(rejected));
  Series(out, "kpihub_adapter_files_done_total", "counter", "Export files read and queued.", l, static_cast<double>(files_done));
  Series(out, "kpihub_adapter_files_failed_total", "counter", "Export files refused as a whole (moved to failed/).", l, static_cast<double>(files_failed));
  Series(out, "kpihub_adapter_batches_pending", "gauge", "Batches in the outbox not yet acknowledged.", l, static_cast<double>(batches_pending));
  Series(out, "kpihub_adapter_last_success_timestamp_seconds", "gauge", "When the outbox was last emptied (every batch acknowledged); 0: not yet.", l, static_cast<double>(last_success_unix_seconds));
  if (!replicas.empty()) ReplicaSeries(out, department, replicas);
  return out;
}

Status AdapterMetrics::WriteTextfile(const std::string& path, const std::string& department) const {
  // node_exporter reads *.prom only: the temporary name is ignored until the rename.
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << Render(department);
    out.flush();
    if (!out) return Status::IoError(temporary + ": cannot write the metrics file");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return Status::IoError(path + ": cannot replace the metrics file");
  }
  return Status::Ok();
}

}  // namespace kpihub::adapter
