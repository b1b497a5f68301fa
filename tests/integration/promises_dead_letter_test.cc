// protocol.md, "Sequences" and "Reasons": every refused observation of an applied batch is
// kept in the dead-letter table; a batch answered `duplicate` or `outOfOrder` is not applied,
// so its rejections are recorded once, when it is applied — never for the answer that did not
// apply it. integrating.md: the durable sender takes `duplicate` as delivered and rewinds on
// `outOfOrder`, so such a batch leaves the outbox and is not resent for ever.
// Checked against the real kpihubd, reading the dead letters back with `kpihub rejects`.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "kpihub/core/reason.h"
#include "kpihub/delivery/durable_sender.h"
#include "kpihub/platform/system_clock.h"
#include "kpihub/testing/csv_rows.h"
#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

using wire::AckStatus;

constexpr int kAckTimeoutMs = 10000;

// (sequence, index in the batch, reason) of each dead letter, from `kpihub rejects --csv`.
using DeadLetter = std::tuple<uint64_t, uint32_t, std::string>;

std::multiset<DeadLetter> DeadLetters(const DaemonHarness& daemon) {
  CliResult r = Kpihub("rejects --csv --config " + daemon.config_path());
  EXPECT_EQ(r.code, 0) << r.output;
  std::multiset<DeadLetter> out;
  // id,time,department,adapter,sequence,index,reason,...
  for (const auto& f : CsvRows(r.output, 7)) {
    out.insert({std::stoull(f[4]), static_cast<uint32_t>(std::stoul(f[5])), f[6]});
  }
  return out;
}

double DeadLetterRecords(const DaemonHarness& daemon) {
  return MetricOr(ScrapeMetrics(daemon.metrics_port()),
                  SeriesKey("kpihub_store_records", {{"table", "dead_letters"}}), -1);
}

// Two valid figures and two refused ones (indexes 1 and 3).
std::vector<core::Observation> MixedBatch(uint32_t serial) {
  return {{"gdp", "core", "", "2020Q1", 1e6, ""},
          {"gdp", "no_such_park", "", "2020Q1", 1e6, ""},
          {"gdp", "auto_parts", "", "2020Q2", 2e6, ""},
          {"gdp", "core", "", "2020-03", static_cast<double>(serial), ""}};
}

std::multiset<DeadLetter> kMixedDeadLetters(uint64_t sequence) {
  return {{sequence, 1, "unknown_park"}, {sequence, 3, "period_type_not_allowed"}};
}

TEST(PromisesDeadLetters, OnlyTheAnswerThatAppliesABatchRecordsItsRejections) {
  DaemonHarness daemon(std::vector<std::pair<std::string, std::string>>{{"finance-1", "finance"}});
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  zmq::context_t context(1);
  auto finance = ConnectAs(context, daemon, "finance-1");

  auto early = finance->SendBatch(2, MixedBatch(2), 0, kAckTimeoutMs);  // 1 is missing
  ASSERT_TRUE(early.has_value()) << daemon.ReadLog();
  EXPECT_EQ(wire::AckStatusName(early->status), "out_of_order");
  EXPECT_EQ(early->next_expected, 1u);
  EXPECT_TRUE(early->rejections.empty());
  EXPECT_TRUE(DeadLetters(daemon).empty()) << "out_of_order applies nothing";

  ASSERT_EQ(finance->SendBatch(1, {{"gdp", "zgc_base", "", "2020Q1", 3e6, ""}}, 0,
                               kAckTimeoutMs)->status, AckStatus::kAccepted);
  auto applied = finance->SendBatch(2, MixedBatch(2), 0, kAckTimeoutMs);
  ASSERT_TRUE(applied.has_value());
  EXPECT_EQ(wire::AckStatusName(applied->status), "accepted");
  EXPECT_EQ(applied->rejections.size(), 2u);
  EXPECT_EQ(DeadLetters(daemon), kMixedDeadLetters(2));

  for (uint64_t resent : {2, 1, 2}) {
    auto again = finance->SendBatch(resent, resent == 2 ? MixedBatch(2) : MixedBatch(1), 0,
                                    kAckTimeoutMs);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(wire::AckStatusName(again->status), "duplicate");
    EXPECT_EQ(again->next_expected, 3u);
    EXPECT_TRUE(again->rejections.empty());
  }
  EXPECT_EQ(DeadLetters(daemon), kMixedDeadLetters(2)) << "a duplicate records nothing again";
  EXPECT_EQ(DeadLetterRecords(daemon), 2);
}

// Counts what the sender reports, by ack status.
class Recorder : public delivery::DeliveryListener {
 public:
  void OnDelivered(const delivery::StoredBatch& b, const wire::AckMessage& ack) override {
    ++delivered[std::string(wire::AckStatusName(ack.status))];
    rejections += ack.rejections.size();
    origins.push_back(b.entries.front().origin);
  }
  void OnRefused(const delivery::StoredBatch& b, const wire::AckMessage& ack) override {
    ++refused[std::string(core::ReasonName(ack.frame_reason))];
    origins.push_back(b.entries.front().origin);
  }
  std::map<std::string, int> delivered, refused;
  size_t rejections = 0;
  std::vector<std::string> origins;
};

std::vector<delivery::OutboxEntry> Entries(const std::vector<core::Observation>& obs,
                                           const std::string& origin) {
  std::vector<delivery::OutboxEntry> out;
  for (const auto& o : obs) out.push_back({o, origin});
  return out;
}

// The durable sender's options for finance-1, with a window that pipelines all three batches
// and no resend for a slow ack, so that the count of frames sent is exact.
delivery::SenderOptions FinanceSenderOptions(const DaemonHarness& daemon) {
  delivery::SenderOptions options;
  options.endpoint = daemon.endpoint();
  options.server_public_z85 = daemon.server_public();
  options.client_keys = daemon.adapter("finance-1").keys;
  options.window = 8;
  options.ack_timeout_ms = 60000;
  return options;
}

// Twelve valid figures: over the daemon's max_observations of 8 below.
std::vector<core::Observation> TwelveObservations() {
  std::vector<core::Observation> out;
  for (int q = 1; q <= 4; ++q) {
    for (const char* park : {"core", "auto_parts", "smart_mfg"}) {
      out.push_back({"gdp", park, "", "2020Q" + std::to_string(q), 1e5, ""});
    }
  }
  return out;
}

// The durable sender against the real daemon: its first batch was applied before (the
// adapter lost its state with the ack), and its second is refused as a whole, so the third,
// pipelined behind it, is answered out_of_order. Each ends where integrating.md says, the
// outbox empties, and the dead letters are those of the two applied batches, once each.
TEST(PromisesDeadLetters, DurableSenderSettlesDuplicateAndOutOfOrderBatches) {
  DaemonHarness daemon(std::vector<std::pair<std::string, std::string>>{{"finance-1", "finance"}});
  {
    std::ofstream config(daemon.config_path(), std::ios::app);
    config << "max_observations = 8\n";  // the second batch below is over it
  }
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  zmq::context_t context(1);
  {  // the copy of batch 1 that was applied, its ack lost with the adapter's state
    auto earlier = ConnectAs(context, daemon, "finance-1");
    ASSERT_EQ(earlier->SendBatch(1, MixedBatch(1), 0, kAckTimeoutMs)->status, AckStatus::kAccepted);
  }
  ASSERT_EQ(DeadLetters(daemon), kMixedDeadLetters(1));

  TempDir dir;
  auto outbox = delivery::Outbox::Open(dir.path() + "/outbox");
  ASSERT_TRUE(outbox.ok()) << outbox.status().ToString();
  platform::SystemClock clock;
  const delivery::SenderOptions options = FinanceSenderOptions(daemon);
  Recorder recorder;
  delivery::DurableSender sender(context, **outbox, options, clock, &recorder);
  const std::vector<core::Observation> too_many = TwelveObservations();
  ASSERT_TRUE(sender.Enqueue(Entries(MixedBatch(1), "first")).ok());
  ASSERT_TRUE(sender.Enqueue(Entries(too_many, "too-many")).ok());
  ASSERT_TRUE(sender.Enqueue(Entries(MixedBatch(3), "third")).ok());

  EXPECT_EQ(delivery::DrainResultName(sender.Drain(120000)), "empty") << sender.error();
  EXPECT_EQ(sender.pending_batches(), 0u);
  EXPECT_EQ((recorder.origins), (std::vector<std::string>{"first", "too-many", "third"}));
  EXPECT_EQ(recorder.delivered["duplicate"], 1);
  EXPECT_EQ(recorder.delivered["accepted"], 1);
  EXPECT_EQ(recorder.refused["too_many_observations"], 1);
  EXPECT_EQ(recorder.rejections, 2u) << "the rejections of the accepted batch only";
  const auto& counters = sender.counters();
  EXPECT_EQ(counters.rewinds, 1u);
  // Three frames; the two behind the sequence-0 refusal sent again one at a time to find the
  // refused one; the out_of_order one once more under the number the refused one left free.
  // Never the duplicate again, and nothing resent in a loop.
  EXPECT_LE(counters.batches_sent, 6u);
  auto m = ScrapeMetrics(daemon.metrics_port());
  auto answered = [&m](const std::string& result) {
    return MetricOr(m, SeriesKey("kpihub_ingest_batches_total",
                                 {{"adapter", "finance-1"}, {"department", "finance"},
                                  {"result", result}}), 0);
  };
  EXPECT_EQ(answered("duplicate"), 1) << "the duplicate was settled, not resent";
  EXPECT_LE(answered("out_of_order"), 2);
  EXPECT_EQ(answered("accepted"), 2);  // the earlier copy of batch 1, and the third batch

  // The daemon's view: batch 1 once (not again for the duplicate), the third batch once,
  // under sequence 2, and nothing for its out_of_order answer.
  std::multiset<DeadLetter> want = kMixedDeadLetters(1);
  for (const auto& d : kMixedDeadLetters(2)) want.insert(d);
  EXPECT_EQ(DeadLetters(daemon), want);
  EXPECT_EQ(MetricOr(ScrapeMetrics(daemon.metrics_port()),
                     SeriesKey("kpihub_sender_last_sequence",
                               {{"adapter", "finance-1"}, {"department", "finance"}}), -1),
            2);
}

}  // namespace
}  // namespace kpihub::testing
