// BatchIntake: turns one authenticated frame into either an answer decided without the store
// (malformed, unauthorized; sent like every ack after the commit of the frame's group, in
// arrival order) or a batch ready for the group commit, with its per-observation rejections.
// Decoding and validation only; no sockets, no storage. Not thread-safe (reuse per thread).
#pragma once

#include <optional>
#include <string>

#include "kpihub/core/live_config.h"
#include "kpihub/store/records.h"
#include "kpihub/wire/codec.h"

namespace kpihub::ingest {

// Who sent a frame, as ZAP established it for the connection.
struct Sender {
  std::string adapter;     // ZAP User-Id
  std::string department;  // ZAP metadata X-Department
  std::string public_key;  // ZAP metadata X-Public-Key (Z85)
};

struct IntakeResult {
  // Set when the frame is answered without touching storage.
  std::optional<wire::AckMessage> immediate_ack;
  store::BatchToApply batch;  // valid when immediate_ack is empty
  std::vector<core::Rejection> rejections;
  std::vector<core::Rejection> action_rejections;  // period actions refused by validation
};

class BatchIntake {
 public:
  explicit BatchIntake(wire::DecodeLimits limits) : limits_(limits) {}

  // `view` is the configuration in force; a sender whose key is no longer registered, or now
  // registered as another adapter or department, is unauthorized even on a live session.
  IntakeResult Process(const Sender& sender, const void* frame, size_t size,
                       const core::LiveConfig::View& view, int64_t now_unix_ms) const;

 private:
  wire::DecodeLimits limits_;
};

}  // namespace kpihub::ingest
