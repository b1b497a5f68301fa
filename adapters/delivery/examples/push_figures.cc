// A department system that pushes its figures to kpihubd with the client library: the
// complete example of docs/integrating.md. Build: linked against kpihub::delivery and
// kpihub::platform.
//
//   push_figures ENDPOINT ADAPTER.key SERVER.pub STATE_DIR
#include <cstdio>

#include "kpihub/delivery/durable_sender.h"
#include "kpihub/platform/system_clock.h"

namespace {

// Called for every acknowledged batch: report what the daemon refused, with its reason.
class PrintRejections : public kpihub::delivery::DeliveryListener {
 public:
  void OnDelivered(const kpihub::delivery::StoredBatch& batch,
                   const kpihub::wire::AckMessage& ack) override {
    for (const auto& r : ack.rejections) {
      std::fprintf(stderr, "refused %s (%s): %s\n", batch.entries[r.index].origin.c_str(),
                   std::string(kpihub::core::ReasonName(r.reason)).c_str(), r.detail.c_str());
    }
  }
  void OnRefused(const kpihub::delivery::StoredBatch& batch,
                 const kpihub::wire::AckMessage& ack) override {
    std::fprintf(stderr, "batch %llu refused whole: %s\n",
                 static_cast<unsigned long long>(batch.sequence), ack.frame_detail.c_str());
  }
};

}  // namespace

int main(int argc, char** argv) {
  using namespace kpihub;
  if (argc != 5) {
    std::fprintf(stderr, "usage: push_figures ENDPOINT ADAPTER.key SERVER.pub STATE_DIR\n");
    return 1;
  }
  delivery::SenderOptions options;
  options.endpoint = argv[1];
  if (Status keys = delivery::LoadCurveKeys(argv[2], argv[3], &options); !keys.ok()) {
    std::fprintf(stderr, "%s\n", keys.message().c_str());
    return 1;
  }
  // The outbox lives in the adapter's own state directory; whatever an earlier run left
  // unacknowledged is still there and goes first.
  auto opened = delivery::Outbox::Open(argv[4]);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().message().c_str());
    return 1;
  }
  std::unique_ptr<delivery::Outbox> outbox = *std::move(opened);
  zmq::context_t context(1);
  // The library takes the clock from its caller (tests pass a fake one).
  platform::SystemClock clock;
  PrintRejections listener;
  delivery::DurableSender sender(context, *outbox, options, clock, &listener);

  // Figures in the catalogue's base unit (yuan), one observation each. The origin is yours:
  // it comes back with any rejection, so make it point at the source record.
  std::vector<delivery::OutboxEntry> figures = {
      {{"gdp", "core", "", "2020Q4", 2587089523.0, ""}, "ledger 2020Q4 line 1"},
      {{"gdp", "auto_parts", "", "2020Q4", 1930000000.0, ""}, "ledger 2020Q4 line 2"},
      {{"startup_subsidy", "startup_center", "91410800MA45H7J36N", "2020", 50000.0, ""},
       "subsidy register no. 17"},
  };
  if (!sender.Enqueue(figures).ok()) {  // durable (synced) before anything is sent
    std::fprintf(stderr, "%s\n", sender.error().c_str());
    return 1;
  }
  // Wait up to ten minutes for the acks. What is not acknowledged by then stays in the outbox.
  delivery::DrainResult result = sender.Drain(10 * 60 * 1000);
  std::printf("%s: %llu observations delivered, %zu batches pending\n",
              std::string(delivery::DrainResultName(result)).c_str(),
              static_cast<unsigned long long>(sender.counters().observations_delivered),
              sender.pending_batches());
  return result == delivery::DrainResult::kEmpty ? 0 : 2;
}
