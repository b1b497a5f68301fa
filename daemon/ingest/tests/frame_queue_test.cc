// FrameQueue: the byte budgets per key and in total (each frame charged its body plus a fixed
// overhead), the placeholders of deferred frames, and the accounting that gives the bytes back
// once a frame's answer was sent.
#include "kpihub/ingest/frame_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace kpihub::ingest {
namespace {

using Admission = FrameQueue::Admission;
constexpr uint64_t O = kFrameOverheadBytes;

InboundFrame Frame(const std::string& key, size_t bytes) {
  InboundFrame f;
  f.sender = Sender{"adapter-" + key, "tax", key};
  f.body = zmq::message_t(bytes);
  return f;
}

Admission PushOne(FrameQueue& q, InboundFrame f) {
  std::vector<InboundFrame> frames;
  frames.push_back(std::move(f));
  return q.Push(std::move(frames)).front();
}

TEST(FrameQueueTest, AKeyOverItsBudgetIsDeferredWithoutItsBodyOthersAreNot) {
  FrameQueue q(QueueLimits{2 * O + 100, 100 * O});
  EXPECT_EQ(PushOne(q, Frame("a", 60)), Admission::kQueued);
  EXPECT_EQ(PushOne(q, Frame("a", 40)), Admission::kQueued);  // exactly at the budget
  EXPECT_EQ(PushOne(q, Frame("a", 0)), Admission::kDeferredKeyBudget);
  EXPECT_EQ(PushOne(q, Frame("b", 90)), Admission::kQueued);  // another key: its own budget
  EXPECT_EQ(q.charged_bytes(), 190 + 4 * O);  // a placeholder costs its overhead
  EXPECT_EQ(q.queued_frames(), 4u);
  std::vector<InboundFrame> popped;
  while (auto f = q.TryPop()) popped.push_back(std::move(*f));
  ASSERT_EQ(popped.size(), 4u);
  EXPECT_EQ(popped[2].deferred, Deferral::kKeyBudget);
  EXPECT_EQ(popped[2].body.size(), 0u);  // freed at once
  EXPECT_EQ(popped[2].charged_bytes, O);
  EXPECT_EQ(popped[3].sender.public_key, "b");  // arrival order kept
  for (const auto& f : popped) q.Release(f);
  EXPECT_EQ(q.charged_bytes(), 0u);
  EXPECT_EQ(PushOne(q, Frame("a", 100 + O)), Admission::kQueued);  // budget given back
}

TEST(FrameQueueTest, AFrameLargerThanTheBudgetIsTakenWhenItsKeyHasNothingQueued) {
  FrameQueue q(QueueLimits{100 + 2 * O, 500 + 3 * O});
  EXPECT_EQ(PushOne(q, Frame("a", 500)), Admission::kQueued);  // answered, not starved
  EXPECT_EQ(PushOne(q, Frame("a", 1)), Admission::kDeferredKeyBudget);
  EXPECT_EQ(PushOne(q, Frame("b", 10)), Admission::kDeferredTotalBudget);  // 500 > total
  auto first = q.TryPop();
  ASSERT_TRUE(first.has_value());
  q.Release(*first);
  EXPECT_EQ(PushOne(q, Frame("b", 10)), Admission::kQueued);
}

TEST(FrameQueueTest, TheTotalBudgetBoundsAllKeysTogether) {
  FrameQueue q(QueueLimits{100 + O, 150 + 2 * O});
  EXPECT_EQ(PushOne(q, Frame("a", 100)), Admission::kQueued);
  EXPECT_EQ(PushOne(q, Frame("b", 50)), Admission::kQueued);
  EXPECT_EQ(PushOne(q, Frame("c", 1)), Admission::kDeferredTotalBudget);
  EXPECT_EQ(q.charged_bytes(), 150 + 3 * O);
}

TEST(FrameQueueTest, ManySmallFramesAreTakenTheBudgetCountsTheirOverhead) {
  FrameQueue q(QueueLimits{64u << 20, 256u << 20});
  std::vector<InboundFrame> frames;
  for (int i = 0; i < 10000; ++i) frames.push_back(Frame("a", 40));  // empty batches
  for (Admission a : q.Push(std::move(frames))) ASSERT_EQ(a, Admission::kQueued);
  EXPECT_EQ(q.charged_bytes(), 10000 * (40 + O));
}

TEST(FrameQueueTest, PlaceholdersHaveAnAllowanceBeyondItFramesAreDropped) {
  FrameQueue q(QueueLimits{O, 1u << 30});
  EXPECT_EQ(PushOne(q, Frame("a", 0)), Admission::kQueued);
  const uint64_t placeholders = kDeferralAllowanceBytes / O;
  for (uint64_t i = 0; i < placeholders; ++i) {
    ASSERT_EQ(PushOne(q, Frame("a", 1000)), Admission::kDeferredKeyBudget) << i;
  }
  EXPECT_EQ(PushOne(q, Frame("a", 1000)), Admission::kDropped);
  EXPECT_EQ(q.queued_frames(), placeholders + 1);
  EXPECT_EQ(PushOne(q, Frame("b", 1000)), Admission::kQueued);  // other keys unaffected
  auto f = q.TryPop();
  q.Release(*f);
  EXPECT_EQ(PushOne(q, Frame("a", 1000)), Admission::kDeferredKeyBudget);  // room again
}

TEST(FrameQueueTest, FramesPushedTogetherBecomeVisibleTogether) {
  FrameQueue q(QueueLimits{});
  std::vector<InboundFrame> frames;
  for (int i = 0; i < 50; ++i) frames.push_back(Frame("a", 10));
  std::thread pusher([&] { q.Push(std::move(frames)); });
  ASSERT_TRUE(q.Wait(std::chrono::seconds(30)));
  EXPECT_EQ(q.queued_frames(), 50u);  // never part of them
  pusher.join();
}

TEST(FrameQueueTest, WakeEndsAWaitWithNothingQueued) {
  FrameQueue q(QueueLimits{});
  std::thread waker([&] { q.Wake(); });
  EXPECT_FALSE(q.Wait(std::chrono::seconds(30)));  // returns well before 30 s
  waker.join();
}

}  // namespace
}  // namespace kpihub::ingest
