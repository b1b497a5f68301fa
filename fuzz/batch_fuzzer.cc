// libFuzzer harness: one input is one frame as kpihubd's ingest server receives it. It runs
// the daemon's own intake (ingest::BatchIntake: authorisation, wire::DecodeBatch with the
// daemon's default limits, the sequence check, validation of every observation against the
// shipped catalogue), minus the network and the store, and checks what must hold for any
// input: a frame is either refused whole with a frame-level reason or split into accepted and
// rejected observations that add up; rejections come in index order with bounded details that
// never echo an entity id; and what decodes re-encodes to the same batch.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "batch_fixture.h"
#include "fuzz_check.h"
#include "kpihub/core/uscc.h"

namespace {

using kpihub::fuzz::BatchFixture;

const BatchFixture* fixture = nullptr;

bool IsFrameReason(kpihub::core::RejectReason r) {
  using kpihub::core::RejectReason;
  return r == RejectReason::kFrameTooLarge || r == RejectReason::kUndecodable ||
         r == RejectReason::kTooManyObservations || r == RejectReason::kBadSequence;
}

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool SameObservation(const kpihub::core::Observation& a, const kpihub::core::Observation& b) {
  return a.indicator == b.indicator && a.park == b.park && a.entity == b.entity &&
         a.period == b.period && SameBits(a.value, b.value) && a.note == b.note &&
         a.restatement == b.restatement;
}

bool SameAction(const kpihub::core::PeriodAction& a, const kpihub::core::PeriodAction& b) {
  return a.kind == b.kind && a.department == b.department && a.period == b.period &&
         a.note == b.note;
}

// Period actions: split into valid and refused that add up, refusals in index order, a valid
// one names a catalogue department, a year, and a right the sender has.
void CheckActions(const kpihub::wire::DecodedBatch& batch, const kpihub::ingest::IntakeResult& result,
                  const kpihub::ingest::Sender& sender, const BatchFixture& f) {
  const auto& out = result.batch;
  FUZZ_CHECK(out.actions.size() + result.action_rejections.size() == batch.actions.size());
  for (size_t i = 0; i < result.action_rejections.size(); ++i) {
    const auto& r = result.action_rejections[i];
    FUZZ_CHECK(r.index < batch.actions.size() && r.detail.size() < 1024);
    FUZZ_CHECK(i == 0 || result.action_rejections[i - 1].index < r.index);
  }
  for (const auto& a : out.actions) {
    const auto* department = f.view().catalogue->FindDepartment(a.department);
    FUZZ_CHECK(department != nullptr && a.year >= 1900 && a.year <= 2999);
    FUZZ_CHECK(a.kind != kpihub::core::PeriodActionKind::kSubmit || a.department == sender.department);
  }
}

// An entity id may appear in a detail only because the sender also put it in a code field.
bool EchoesEntity(const kpihub::core::Observation& o, const std::string& detail) {
  if (!kpihub::core::IsValidUscc(o.entity)) return false;
  for (const std::string* field : {&o.indicator, &o.park, &o.period, &o.note}) {
    if (field->find(o.entity) != std::string::npos) return false;
  }
  return detail.find(o.entity) != std::string::npos;
}

void CheckRoundTrip(const kpihub::wire::DecodedBatch& batch, const BatchFixture& f) {
  std::string again = kpihub::wire::EncodeBatch(batch.sequence, batch.sent_unix_ms,
                                               batch.observations, batch.actions);
  auto decoded = kpihub::wire::DecodeBatch(again.data(), again.size(), f.limits());
  // Re-encoding is canonical, so it can only grow past the frame limit, never fail otherwise.
  if (!decoded.batch.ok()) {
    FUZZ_CHECK(decoded.reason == kpihub::core::RejectReason::kFrameTooLarge);
    return;
  }
  const auto& back = *decoded.batch;
  FUZZ_CHECK(back.sequence == batch.sequence && back.sent_unix_ms == batch.sent_unix_ms);
  FUZZ_CHECK(back.observations.size() == batch.observations.size());
  for (size_t i = 0; i < back.observations.size(); ++i) {
    FUZZ_CHECK(SameObservation(back.observations[i], batch.observations[i]));
  }
  FUZZ_CHECK(back.actions.size() == batch.actions.size());
  for (size_t i = 0; i < back.actions.size(); ++i) {
    FUZZ_CHECK(SameAction(back.actions[i], batch.actions[i]));
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static BatchFixture instance;
  fixture = &instance;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const BatchFixture& f = *fixture;
  const kpihub::ingest::Sender& sender = f.SenderFor(size);
  kpihub::ingest::IntakeResult result = f.intake().Process(sender, data, size, f.view(), f.now_ms());
  auto decoded = kpihub::wire::DecodeBatch(data, size, f.limits());
  if (result.immediate_ack) {
    const auto& ack = *result.immediate_ack;
    FUZZ_CHECK(ack.status == kpihub::wire::AckStatus::kMalformed);
    FUZZ_CHECK(IsFrameReason(ack.frame_reason));
    FUZZ_CHECK(ack.sequence == 0 && ack.frame_detail.size() < 1024);
    FUZZ_CHECK(!decoded.batch.ok() ||
               ack.frame_reason == kpihub::core::RejectReason::kBadSequence);
    return 0;
  }
  FUZZ_CHECK(decoded.batch.ok());
  const auto& batch = *decoded.batch;
  const auto& out = result.batch;
  FUZZ_CHECK(out.sequence == batch.sequence && out.sequence != 0);
  FUZZ_CHECK(out.adapter == sender.adapter && out.department == sender.department);
  FUZZ_CHECK(out.accepted.size() + out.rejected.size() == batch.observations.size());
  FUZZ_CHECK(result.rejections.size() == out.rejected.size());
  for (size_t i = 0; i < result.rejections.size(); ++i) {
    const auto& r = result.rejections[i];
    FUZZ_CHECK(r.index < batch.observations.size());
    FUZZ_CHECK(i == 0 || result.rejections[i - 1].index < r.index);
    FUZZ_CHECK(!IsFrameReason(r.reason) && r.reason != kpihub::core::RejectReason::kUnregisteredKey);
    FUZZ_CHECK(r.detail.size() < 1024);
    FUZZ_CHECK(!EchoesEntity(batch.observations[r.index], r.detail));
  }
  for (const auto& v : out.accepted) {
    const auto* indicator = f.view().catalogue->FindIndicator(v.key.indicator);
    FUZZ_CHECK(indicator != nullptr && indicator->department == sender.department);
    FUZZ_CHECK(v.value >= indicator->min && v.value <= indicator->max);
  }
  CheckActions(batch, result, sender, f);
  CheckRoundTrip(batch, f);
  return 0;
}
