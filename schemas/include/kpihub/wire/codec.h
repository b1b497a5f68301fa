// Codec: turns Batch and Ack frames (schemas/kpihub.capnp) into plain values and back.
// Decoding treats every byte as hostile: size limit first, then Cap'n Proto's traversal and
// nesting limits, every field read inside the guarded region. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kpihub/core/observation.h"
#include "kpihub/core/period_state.h"
#include "kpihub/core/status.h"

namespace kpihub::wire {

struct DecodeLimits {
  size_t max_frame_bytes = 8u << 20;      // larger frames are refused unread
  uint32_t max_observations = 100000;     // per batch
  uint32_t max_period_actions = 1000;     // per batch
  uint64_t traversal_limit_words = 4u << 20;
  int nesting_limit = 8;                  // the schema nests 3 deep
};

struct DecodedBatch {
  uint64_t sequence = 0;
  int64_t sent_unix_ms = 0;
  std::vector<core::Observation> observations;
  std::vector<core::PeriodAction> actions;
};

// The outcome of decoding a Batch frame: the batch, or a failed Status (kInvalidArgument; its
// message is the detail for the log and the ack) together with the reason code that the
// refusal's ack carries as frame_reason.
struct BatchDecoding {
  Result<DecodedBatch> batch;
  core::RejectReason reason = core::RejectReason::kUndecodable;  // meaningful when !batch.ok()
};

BatchDecoding DecodeBatch(const void* data, size_t size, const DecodeLimits& limits);
std::string EncodeBatch(uint64_t sequence, int64_t sent_unix_ms,
                        const std::vector<core::Observation>& observations,
                        const std::vector<core::PeriodAction>& actions = {});

// Mirrors the wire enum AckStatus.
enum class AckStatus : uint16_t {
  kAccepted = 0,
  kDuplicate = 1,
  kOutOfOrder = 2,
  kRetryLater = 3,
  kMalformed = 4,
  kUnauthorized = 5,
};
std::string_view AckStatusName(AckStatus status);  // "accepted", "duplicate", "out_of_order", ...

struct AckMessage {
  uint64_t sequence = 0;
  AckStatus status = AckStatus::kAccepted;
  uint64_t next_expected = 0;
  std::vector<core::Rejection> rejections;
  core::RejectReason frame_reason = core::RejectReason::kUndecodable;  // when kMalformed
  std::string frame_detail;
  std::vector<core::Rejection> action_rejections;  // index into the batch's period actions
};

std::string EncodeAck(const AckMessage& ack);
// nullopt when the frame is not a readable Ack (the daemon is trusted, but not blindly).
std::optional<AckMessage> DecodeAck(const void* data, size_t size);

}  // namespace kpihub::wire
