#include "kpihub/ingest/batch_intake.h"

#include <variant>

#include "kpihub/core/period_state.h"
#include "kpihub/core/validation.h"

namespace kpihub::ingest {
namespace {

wire::AckMessage Refusal(uint64_t sequence, wire::AckStatus status, core::RejectReason reason,
                         std::string detail) {
  wire::AckMessage ack;
  ack.sequence = sequence;
  ack.status = status;
  ack.frame_reason = reason;
  ack.frame_detail = std::move(detail);
  return ack;
}

bool Authorized(const Sender& sender, const core::KeyRegistry& registry) {
  // By key, not by id: a key replaced under the same adapter id must stop working at once.
  const core::AdapterKey* key = registry.FindByPublicKey(sender.public_key);
  return key != nullptr && key->adapter_id == sender.adapter && key->department == sender.department;
}

}  // namespace

IntakeResult BatchIntake::Process(const Sender& sender, const void* frame, size_t size,
                                  const core::LiveConfig::View& view, int64_t now_unix_ms) const {
  IntakeResult result;
  if (!Authorized(sender, *view.registry)) {
    result.immediate_ack =
        Refusal(0, wire::AckStatus::kUnauthorized, core::RejectReason::kUnregisteredKey,
                "the sender's key is no longer registered for this adapter and department");
    return result;
  }
  wire::BatchDecoding decoded = wire::DecodeBatch(frame, size, limits_);
  if (!decoded.batch.ok()) {
    result.immediate_ack = Refusal(0, wire::AckStatus::kMalformed, decoded.reason,
                                   decoded.batch.status().message());
    return result;
  }
  wire::DecodedBatch& batch = *decoded.batch;
  if (batch.sequence == 0) {
    result.immediate_ack = Refusal(0, wire::AckStatus::kMalformed, core::RejectReason::kBadSequence,
                                   "sequence numbers start at 1");
    return result;
  }
  store::BatchToApply& out = result.batch;
  out.adapter = sender.adapter;
  out.department = sender.department;
  out.sequence = batch.sequence;
  out.received_unix_ms = now_unix_ms;
  out.accepted.reserve(batch.observations.size());
  core::Validator validator(*view.catalogue, now_unix_ms / 1000);
  for (uint32_t i = 0; i < batch.observations.size(); ++i) {
    // Moved from only when valid: a rejection leaves the raw observation for the dead letter.
    auto checked = validator.Validate(sender.department, std::move(batch.observations[i]), i);
    if (auto* valid = std::get_if<core::ValidObservation>(&checked)) {
      out.accepted.push_back(std::move(*valid));
    } else {
      auto& rejection = std::get<core::Rejection>(checked);
      result.rejections.push_back(rejection);
      out.rejected.emplace_back(std::move(rejection), std::move(batch.observations[i]));
    }
  }
  for (uint32_t i = 0; i < batch.actions.size(); ++i) {
    auto checked = core::ValidatePeriodAction(*view.catalogue, sender.department, batch.actions[i],
                                              i, now_unix_ms / 1000);
    if (auto* valid = std::get_if<core::ValidPeriodAction>(&checked)) {
      out.actions.push_back(std::move(*valid));
    } else {
      result.action_rejections.push_back(std::get<core::Rejection>(std::move(checked)));
    }
  }
  return result;
}

}  // namespace kpihub::ingest
