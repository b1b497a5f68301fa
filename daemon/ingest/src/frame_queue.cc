#include "kpihub/ingest/frame_queue.h"

namespace kpihub::ingest {

std::string_view DeferralName(Deferral d) {
  switch (d) {
    case Deferral::kNone: return "none";
    case Deferral::kKeyBudget: return "key_budget";
    case Deferral::kTotalBudget: return "total_budget";
  }
  return "none";
}

std::vector<FrameQueue::Admission> FrameQueue::Push(std::vector<InboundFrame> frames) {
  std::vector<Admission> admissions;
  admissions.reserve(frames.size());
  std::lock_guard<std::mutex> lock(mutex_);
  for (InboundFrame& frame : frames) admissions.push_back(PushLocked(std::move(frame)));
  if (!frames_.empty()) ready_.notify_one();
  return admissions;
}

bool FrameQueue::Fits(const KeyCharge& charge, uint64_t bytes, uint64_t slack) const {
  const bool key_fits = charge.bytes == 0 || charge.bytes + bytes <= limits_.bytes_per_key + slack;
  const bool total_fits = total_bytes_ == 0 || total_bytes_ + bytes <= limits_.bytes_total + slack;
  return key_fits && total_fits;
}

FrameQueue::Admission FrameQueue::PushLocked(InboundFrame frame) {
  KeyCharge& charge = charges_[frame.sender.public_key];
  Admission admission = Admission::kQueued;
  if (!Fits(charge, frame.body.size() + kFrameOverheadBytes, 0)) {
    if (!Fits(charge, kFrameOverheadBytes, kDeferralAllowanceBytes)) {
      if (charge.frames == 0) charges_.erase(frame.sender.public_key);
      return Admission::kDropped;
    }
    const bool key_over = charge.bytes > 0 && charge.bytes + frame.body.size() +
                                                      kFrameOverheadBytes > limits_.bytes_per_key;
    frame.deferred = key_over ? Deferral::kKeyBudget : Deferral::kTotalBudget;
    frame.body = zmq::message_t();  // freed now: only the routing id waits for the answer
    admission = key_over ? Admission::kDeferredKeyBudget : Admission::kDeferredTotalBudget;
  }
  frame.charged_bytes = frame.body.size() + kFrameOverheadBytes;
  charge.bytes += frame.charged_bytes;
  charge.frames += 1;
  total_bytes_ += frame.charged_bytes;
  frames_.push_back(std::move(frame));
  return admission;
}

bool FrameQueue::Wait(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  ready_.wait_for(lock, timeout, [this] { return !frames_.empty() || woken_; });
  woken_ = false;
  return !frames_.empty();
}

std::optional<InboundFrame> FrameQueue::TryPop() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (frames_.empty()) return std::nullopt;
  InboundFrame frame = std::move(frames_.front());
  frames_.pop_front();
  return frame;
}

void FrameQueue::Release(const InboundFrame& frame) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = charges_.find(frame.sender.public_key);
  if (it == charges_.end()) return;
  it->second.bytes -= std::min(it->second.bytes, frame.charged_bytes);
  if (it->second.frames > 0) it->second.frames -= 1;
  total_bytes_ -= std::min(total_bytes_, frame.charged_bytes);
  if (it->second.frames == 0) charges_.erase(it);
}

void FrameQueue::Wake() {
  std::lock_guard<std::mutex> lock(mutex_);
  woken_ = true;
  ready_.notify_all();
}

uint64_t FrameQueue::charged_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return total_bytes_;
}

size_t FrameQueue::queued_frames() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return frames_.size();
}

}  // namespace kpihub::ingest
