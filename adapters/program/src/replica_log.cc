// ReportingListener's log lines for a replica pair: the endpoint, and what the operator does.
#include "feed_run.h"
#include "kpihub/platform/journal.h"

namespace kpihub::adapter {

void ReportingListener::OnReplicaState(const delivery::ReplicaStatus& r) {
  using delivery::ReplicaState;
  const char* endpoint = r.endpoint.c_str();
  const auto acked = static_cast<unsigned long long>(r.acked);
  switch (r.state) {
    case ReplicaState::kDown:
      platform::LogLine(platform::Priority::kWarning,
                        "kpihub-adapter: replica %s is down: behind the other replica for longer "
                        "than --replica-down-after (acked through batch %llu); batches no longer "
                        "wait for it\n", endpoint, acked);
      return;
    case ReplicaState::kNeedsRebuild:
      platform::LogLine(platform::Priority::kError,
                        "kpihub-adapter: replica %s needs a rebuild: it asks for batch %llu, which "
                        "this outbox no longer holds. Restore it from a `kpihub backup` of the other "
                        "replica taken from now on (docs/operations.md, \"A replica pair\"); the "
                        "outbox keeps its batches from here\n", endpoint,
                        static_cast<unsigned long long>(r.expected));
      return;
    default:
      platform::LogLine(platform::Priority::kInfo,
                        "kpihub-adapter: replica %s is back (acked through batch %llu): catching up "
                        "from the outbox\n", endpoint, acked);
  }
}

}  // namespace kpihub::adapter
