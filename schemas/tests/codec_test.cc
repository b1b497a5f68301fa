#include "kpihub/wire/codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "kpihub/wire/curve_keys.h"

namespace kpihub::wire {
namespace {

std::vector<core::Observation> Sample() {
  return {{"industrial_output", "auto_parts", "91410800MA44XYZ12Q", "2020-09", 1234.5, "rev"},
          {"gdp", "core", "", "2020Q3", std::numeric_limits<double>::quiet_NaN(), ""}};
}

TEST(CodecTest, BatchRoundTripsEveryField) {
  std::string bytes = EncodeBatch(42, 1600000000000, Sample());
  auto decoded = DecodeBatch(bytes.data(), bytes.size(), DecodeLimits{});
  ASSERT_TRUE(decoded.batch.ok());
  const auto& b = *decoded.batch;
  EXPECT_EQ(b.sequence, 42u);
  EXPECT_EQ(b.sent_unix_ms, 1600000000000);
  ASSERT_EQ(b.observations.size(), 2u);
  EXPECT_EQ(b.observations[0].indicator, "industrial_output");
  EXPECT_EQ(b.observations[0].park, "auto_parts");
  EXPECT_EQ(b.observations[0].entity, "91410800MA44XYZ12Q");
  EXPECT_EQ(b.observations[0].period, "2020-09");
  EXPECT_EQ(b.observations[0].value, 1234.5);
  EXPECT_EQ(b.observations[0].note, "rev");
  EXPECT_TRUE(std::isnan(b.observations[1].value));  // NaN crosses the wire; validation refuses it
}

TEST(CodecTest, RestatementsAndPeriodActionsRoundTrip) {
  std::vector<core::Observation> obs = Sample();
  obs[0].restatement = "更正：汇算清缴";
  const std::vector<core::PeriodAction> actions = {
      {core::PeriodActionKind::kSubmit, "", "2020", ""},
      {core::PeriodActionKind::kReopen, "tax", "2019", "数据有误"}};
  std::string bytes = EncodeBatch(5, 0, obs, actions);
  auto decoded = DecodeBatch(bytes.data(), bytes.size(), DecodeLimits{});
  ASSERT_TRUE(decoded.batch.ok());
  EXPECT_EQ(decoded.batch->observations[0].restatement, "更正：汇算清缴");
  EXPECT_EQ(decoded.batch->observations[1].restatement, "");
  ASSERT_EQ(decoded.batch->actions.size(), 2u);
  EXPECT_EQ(decoded.batch->actions[1].kind, core::PeriodActionKind::kReopen);
  EXPECT_EQ(decoded.batch->actions[1].department, "tax");
  EXPECT_EQ(decoded.batch->actions[1].period, "2019");
  EXPECT_EQ(decoded.batch->actions[1].note, "数据有误");
  // A batch of actions only, as `kpihub approve` sends it.
  bytes = EncodeBatch(6, 0, {}, actions);
  decoded = DecodeBatch(bytes.data(), bytes.size(), DecodeLimits{});
  ASSERT_TRUE(decoded.batch.ok());
  EXPECT_TRUE(decoded.batch->observations.empty());
  EXPECT_EQ(decoded.batch->actions.size(), 2u);
  DecodeLimits few;
  few.max_period_actions = 1;
  decoded = DecodeBatch(bytes.data(), bytes.size(), few);
  ASSERT_FALSE(decoded.batch.ok());
  EXPECT_EQ(decoded.reason, core::RejectReason::kTooManyObservations);
  EXPECT_NE(decoded.batch.status().message().find("period actions"), std::string::npos);

  AckMessage ack;
  ack.sequence = 6;
  ack.action_rejections = {{1, core::RejectReason::kNotApprover, "only the office"}};
  std::string ack_bytes = EncodeAck(ack);
  auto back = DecodeAck(ack_bytes.data(), ack_bytes.size());
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->action_rejections.size(), 1u);
  EXPECT_EQ(back->action_rejections[0].index, 1u);
  EXPECT_EQ(back->action_rejections[0].reason, core::RejectReason::kNotApprover);
}

// Texts cross the wire whole: a NUL inside one is kept (and validation refuses the odd code),
// never a silent cut that turns "core\0x" into the park "core".
TEST(CodecTest, EmbeddedNulIsKeptBothWays) {
  core::Observation o{"gdp", std::string("core\0x", 6), "", "2020Q3", 1, std::string("a\0b", 3)};
  std::string bytes = EncodeBatch(1, 0, {o});
  auto decoded = DecodeBatch(bytes.data(), bytes.size(), DecodeLimits{});
  ASSERT_TRUE(decoded.batch.ok());
  const auto& back = (*decoded.batch).observations.at(0);
  EXPECT_EQ(back.park, o.park);
  EXPECT_EQ(back.note, o.note);
}

TEST(CodecTest, UnalignedInputIsCopiedNotMisread) {
  std::string bytes = EncodeBatch(7, 0, Sample());
  std::string shifted = "x" + bytes;
  auto decoded = DecodeBatch(shifted.data() + 1, bytes.size(), DecodeLimits{});
  ASSERT_TRUE(decoded.batch.ok());
  EXPECT_EQ((*decoded.batch).sequence, 7u);
}

TEST(CodecTest, FrameOverTheLimitIsRefusedUnread) {
  std::string bytes = EncodeBatch(1, 0, Sample());
  DecodeLimits limits;
  limits.max_frame_bytes = bytes.size() - 8;
  auto decoded = DecodeBatch(bytes.data(), bytes.size(), limits);
  ASSERT_FALSE(decoded.batch.ok());
  EXPECT_EQ(decoded.reason, core::RejectReason::kFrameTooLarge);
}

TEST(CodecTest, TooManyObservationsIsItsOwnReason) {
  std::vector<core::Observation> many(11, Sample()[0]);
  std::string bytes = EncodeBatch(1, 0, many);
  DecodeLimits limits;
  limits.max_observations = 10;
  auto decoded = DecodeBatch(bytes.data(), bytes.size(), limits);
  ASSERT_FALSE(decoded.batch.ok());
  EXPECT_EQ(decoded.reason, core::RejectReason::kTooManyObservations);
}

// A list of zero-size structs costs 8 bytes however many elements it claims: it is refused
// before any observation is built, instead of buying 100,000 of them for a 48-byte frame.
TEST(CodecTest, ListLongerThanTheFrameCouldHoldIsUndecodable) {
  // Segment table (one segment of 5 words); root -> Batch {sequence 1, sentUnixMs 0,
  // observations -> a composite list of 0 words whose tag claims 50,000 empty structs}.
  const uint64_t words[] = {uint64_t{5} << 32, (uint64_t{2} << 32) | (uint64_t{1} << 48), 1, 0,
                            1 | (uint64_t{7} << 32), uint64_t{50000} << 2};
  auto decoded = DecodeBatch(words, sizeof words, DecodeLimits{});
  ASSERT_FALSE(decoded.batch.ok());
  EXPECT_EQ(decoded.reason, core::RejectReason::kUndecodable);
  EXPECT_NE(decoded.batch.status().message().find("50000 observations"), std::string::npos);
  // What an encoder writes always fits, even with every field empty.
  std::string bytes = EncodeBatch(1, 0, std::vector<core::Observation>(1000));
  auto encoded = DecodeBatch(bytes.data(), bytes.size(), DecodeLimits{});
  ASSERT_TRUE(encoded.batch.ok());
  EXPECT_EQ((*encoded.batch).observations.size(), 1000u);
}

TEST(CodecTest, GarbageTruncationAndEmptyAreUndecodableNotCrashes) {
  std::mt19937 rng(1);
  std::string good = EncodeBatch(3, 0, Sample());
  std::vector<std::string> inputs = {"", "abc", good.substr(0, good.size() - 8),
                                     good.substr(0, 8), std::string(64, '\xff')};
  for (int i = 0; i < 200; ++i) {
    std::string mutated = good;
    for (int j = 0; j < 4; ++j) mutated[rng() % mutated.size()] = static_cast<char>(rng());
    inputs.push_back(mutated);
  }
  int undecodable = 0;
  for (const auto& in : inputs) {
    auto decoded = DecodeBatch(in.data(), in.size(), DecodeLimits{});
    if (!decoded.batch.ok()) {
      EXPECT_EQ(decoded.reason, core::RejectReason::kUndecodable);
      EXPECT_FALSE(decoded.batch.status().message().empty());
      ++undecodable;
    }
  }
  EXPECT_GE(undecodable, 5);  // at least the hand-made broken frames
}

TEST(CodecTest, AckRoundTripsRejections) {
  AckMessage ack;
  ack.sequence = 9;
  ack.status = AckStatus::kAccepted;
  ack.next_expected = 10;
  ack.rejections.push_back({3, core::RejectReason::kMalformedEntity, "bad check character"});
  std::string bytes = EncodeAck(ack);
  auto back = DecodeAck(bytes.data(), bytes.size());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->sequence, 9u);
  EXPECT_EQ(back->status, AckStatus::kAccepted);
  EXPECT_EQ(back->next_expected, 10u);
  ASSERT_EQ(back->rejections.size(), 1u);
  EXPECT_EQ(back->rejections[0].index, 3u);
  EXPECT_EQ(back->rejections[0].reason, core::RejectReason::kMalformedEntity);
  EXPECT_FALSE(DecodeAck("nonsense", 8).has_value());
}

TEST(CurveKeysTest, GeneratedPairsAreDistinctZ85) {
  auto a = GenerateCurveKeyPair();
  auto b = GenerateCurveKeyPair();
  EXPECT_EQ(a.public_z85.size(), 40u);
  EXPECT_EQ(a.secret_z85.size(), 40u);
  EXPECT_NE(a.public_z85, b.public_z85);
}

}  // namespace
}  // namespace kpihub::wire
