// FrameQueue: the frames the network thread has taken off the ingest socket, waiting for the
// ingest thread. The network thread drains the socket continuously, so libzmq's own queues
// stay near empty whatever the ingest thread is doing (a commit, an fsync); this queue is
// where frames wait, and it is bounded in bytes per adapter key and in total. Each frame is
// charged its body plus kFrameOverheadBytes for what waits with it (routing id, sender, slot).
// A frame over a budget is kept without its body and answered `retry_later` in its turn (the
// sender resends after a back-off); such placeholders may take kDeferralAllowanceBytes more,
// and a frame beyond that is dropped unanswered (no adapter keeps thousands of frames in
// flight).
//
// A frame's bytes stay charged from Push until Release, after its group was answered: the
// budget covers the frames being decoded and applied as well as those waiting.
//
// Thread-safe: Push from the network thread, Wait/TryPop/Release from the ingest thread.
#pragma once

#include <zmq.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kpihub/ingest/batch_intake.h"

namespace kpihub::ingest {

struct QueueLimits {
  uint64_t bytes_per_key = 64u << 20;  // frames of one key waiting or being applied
  uint64_t bytes_total = 256u << 20;   // frames of all keys
};

inline constexpr uint64_t kFrameOverheadBytes = 256;
inline constexpr uint64_t kDeferralAllowanceBytes = 1u << 20;  // 4,096 placeholders

// Why a frame was kept without its body.
enum class Deferral { kNone, kKeyBudget, kTotalBudget };
std::string_view DeferralName(Deferral d);  // "none", "key_budget", "total_budget"

struct InboundFrame {
  zmq::message_t routing_id;
  Sender sender;
  zmq::message_t body;  // the first part; empty when deferred
  size_t parts = 1;     // a batch is exactly one part; the rest are not kept
  Deferral deferred = Deferral::kNone;
  uint64_t charged_bytes = 0;  // set by Push
};

class FrameQueue {
 public:
  enum class Admission { kQueued, kDeferredKeyBudget, kDeferredTotalBudget, kDropped };

  explicit FrameQueue(QueueLimits limits) : limits_(limits) {}

  // Charges each frame to its key and queues it, without its body when a budget is exceeded.
  // A key with nothing charged is always admitted whole (if the total allows), so that a frame larger than the
  // per-key budget still gets its answer (`frameTooLarge` or applied). The frames become
  // visible to TryPop together: frames that arrived together are applied in one group.
  std::vector<Admission> Push(std::vector<InboundFrame> frames);
  // Waits until a frame is queued, `timeout` has passed, or Wake was called.
  bool Wait(std::chrono::milliseconds timeout);
  std::optional<InboundFrame> TryPop();
  // Gives back what `frame` was charged; call once its answer has been sent.
  void Release(const InboundFrame& frame);
  // Ends a Wait early (shutdown).
  void Wake();

  uint64_t charged_bytes() const;
  size_t queued_frames() const;
  const QueueLimits& limits() const { return limits_; }

 private:
  Admission PushLocked(InboundFrame frame);

  struct KeyCharge {
    uint64_t bytes = 0;
    size_t frames = 0;
  };
  // Whether `charge` (of a key) and the total can take `bytes` more within `slack` over budget.
  bool Fits(const KeyCharge& charge, uint64_t bytes, uint64_t slack) const;

  const QueueLimits limits_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<InboundFrame> frames_;
  std::map<std::string, KeyCharge> charges_;  // by public key ("" for a frame without one)
  uint64_t total_bytes_ = 0;
  bool woken_ = false;
};

}  // namespace kpihub::ingest
