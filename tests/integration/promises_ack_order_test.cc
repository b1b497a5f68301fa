// protocol.md, "Ack matching": the daemon answers every frame of a connection in the order it
// received them, refused frames included, so a client with several frames in flight matches
// the n-th ack to its n-th frame. Driven with a raw CURVE DEALER against the real kpihubd.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kpihub/core/reason.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/raw_dealer.h"

namespace kpihub::testing {
namespace {

using wire::AckStatus;
using core::RejectReason;

constexpr int kAckTimeoutMs = 10000;

// What the n-th frame must be answered with.
struct Expected {
  std::string frame;         // the bytes sent (empty `parts` means one part)
  std::vector<std::string> parts;
  AckStatus status;
  uint64_t sequence;         // 0 for frame-level refusals
  uint64_t next_expected;    // checked when not 0
  RejectReason frame_reason = RejectReason::kUndecodable;  // checked for kMalformed
  size_t rejections = 0;     // checked for kAccepted
};

std::vector<core::Observation> Output(uint32_t first, int n, double value) {
  std::vector<core::Observation> obs;
  for (int i = 0; i < n; ++i) {
    obs.push_back({"industrial_output", "core", MakeUscc(first + i), "2020-03", value, ""});
  }
  return obs;
}

std::string Batch(uint64_t sequence, std::vector<core::Observation> obs) {
  return wire::EncodeBatch(sequence, 0, obs);
}

// One ack against the frame it must answer: status, sequence, next expected, the frame's
// refusal reason, and the rejections of an accepted batch.
void ExpectAnswers(const wire::AckMessage& ack, const Expected& want) {
  EXPECT_EQ(wire::AckStatusName(ack.status), wire::AckStatusName(want.status));
  EXPECT_EQ(ack.sequence, want.sequence);
  if (want.next_expected != 0) {
    EXPECT_EQ(ack.next_expected, want.next_expected);
  }
  if (want.status == AckStatus::kMalformed) {
    EXPECT_EQ(core::ReasonName(ack.frame_reason), core::ReasonName(want.frame_reason));
    EXPECT_FALSE(ack.frame_detail.empty());
  }
  if (want.status == AckStatus::kAccepted) {
    ASSERT_EQ(ack.rejections.size(), want.rejections);
    for (const auto& r : ack.rejections) {
      EXPECT_EQ(r.index, 2u);  // the bad park is the third observation of batch 2
      EXPECT_EQ(core::ReasonName(r.reason), "unknown_park");
    }
  }
}

TEST(PromisesAckOrder, RefusedFramesMidPipelineAreAnsweredInFrameOrder) {
  DaemonHarness daemon(std::vector<std::pair<std::string, std::string>>{{"scitech-1", "scitech"}});
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  zmq::context_t context(1);
  RawDealer dealer(context, {daemon.endpoint(), daemon.server_public(),
                             daemon.adapter("scitech-1").keys, ""});

  auto with_bad_park = Output(200, 2, 1.0);
  with_bad_park.push_back({"industrial_output", "no_such_park", MakeUscc(299), "2020-03", 1.0, ""});
  // Each kind of answer, with refusals between decoded batches: frame-level refusals carry
  // sequence 0 and can only be matched by position.
  std::vector<Expected> frames = {
      {Batch(1, Output(100, 3, 1.0)), {}, AckStatus::kAccepted, 1, 2},
      {"not a batch at all", {}, AckStatus::kMalformed, 0, 0, RejectReason::kUndecodable},
      {Batch(2, with_bad_park), {}, AckStatus::kAccepted, 2, 3, RejectReason::kUndecodable, 1},
      {Batch(0, Output(300, 1, 1.0)), {}, AckStatus::kMalformed, 0, 0, RejectReason::kBadSequence},
      {Batch(9, Output(400, 1, 1.0)), {}, AckStatus::kOutOfOrder, 9, 3},
      {"", {Batch(3, Output(500, 1, 1.0)), "tail"}, AckStatus::kMalformed, 0, 0,
       RejectReason::kUndecodable},
      {Batch(3, Output(600, 1, 1.0)), {}, AckStatus::kAccepted, 3, 4},
      {Batch(2, with_bad_park), {}, AckStatus::kDuplicate, 2, 4},
      {std::string(7, '\0'), {}, AckStatus::kMalformed, 0, 0, RejectReason::kUndecodable},
      {Batch(4, Output(700, 2, 1.0)), {}, AckStatus::kAccepted, 4, 5},
  };
  for (const Expected& f : frames) {
    ASSERT_TRUE(f.parts.empty() ? dealer.Send(f.frame) : dealer.SendParts(f.parts));
  }
  for (size_t n = 0; n < frames.size(); ++n) {
    SCOPED_TRACE("ack " + std::to_string(n + 1) + " of " + std::to_string(frames.size()));
    auto ack = dealer.Receive(kAckTimeoutMs);
    ASSERT_TRUE(ack.has_value()) << "unreadable answers: " << dealer.unreadable() << "\n"
                                 << daemon.ReadLog();
    ExpectAnswers(*ack, frames[n]);
  }
  EXPECT_FALSE(dealer.Receive(200).has_value()) << "one ack per frame, no more";
  // What was applied is what the acks said: batches 1 to 4, nothing of the refused frames.
  auto m = ScrapeMetrics(daemon.metrics_port());
  EXPECT_EQ(MetricOr(m, SeriesKey("kpihub_sender_last_sequence",
                                  {{"adapter", "scitech-1"}, {"department", "scitech"}}), -1), 4);
  EXPECT_EQ(MetricOr(m, SeriesKey("kpihub_indicator_value",
                                  {{"indicator", "industrial_output"}, {"department", "scitech"},
                                   {"park", "core"}, {"period", "2020"}}),
                     std::numeric_limits<double>::quiet_NaN()),
            3 + 2 + 1 + 2);
}

}  // namespace
}  // namespace kpihub::testing
