#include "kpihub/wire/codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

#include "decode_detail.h"
#include "kpihub.capnp.h"

namespace kpihub::wire {
namespace {

// The smallest an observation can be as any encoder of this schema writes it: 6 words.
constexpr size_t kMinObservationBytes = 6 * sizeof(capnp::word);

// Cap'n Proto reads words in place: copy the frame into word-aligned memory first.
kj::Array<capnp::word> AlignedCopy(const void* data, size_t size) {
  auto words = kj::heapArray<capnp::word>(size / sizeof(capnp::word));
  std::memcpy(words.begin(), data, words.size() * sizeof(capnp::word));
  return words;
}

capnp::ReaderOptions ReaderLimits(const DecodeLimits& limits) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = limits.traversal_limit_words;
  options.nestingLimit = limits.nesting_limit;
  return options;
}

// The whole text, embedded NULs included: cStr() would stop at the first NUL and turn
// "core\0xyz" into "core". Validation then refuses the odd bytes by reason.
std::string Copy(capnp::Text::Reader text) { return std::string(text.begin(), text.size()); }

core::Observation ReadObservation(proto::Observation::Reader r) {
  core::Observation o;
  o.indicator = Copy(r.getIndicator());
  o.park = Copy(r.getPark());
  o.entity = Copy(r.getEntity());
  o.period = Copy(r.getPeriod());
  o.value = r.getValue();
  o.note = Copy(r.getNote());
  o.restatement = Copy(r.getRestatement());
  return o;
}

// A kind this build does not know stays out of range; validation refuses it.
core::PeriodAction ReadAction(proto::PeriodAction::Reader r) {
  core::PeriodAction a;
  a.kind = static_cast<core::PeriodActionKind>(r.getKind());
  a.department = Copy(r.getDepartment());
  a.period = Copy(r.getPeriod());
  a.note = Copy(r.getNote());
  return a;
}

// The smallest a period action can be as an encoder writes it: 1 data word, 3 pointers.
constexpr size_t kMinActionBytes = 4 * sizeof(capnp::word);

BatchDecoding Refused(core::RejectReason reason, std::string detail);

// Reads a list of the batch after checking its length: over `limit` is tooManyObservations;
// longer than the frame could hold at `min_bytes` each is undecodable — an encoder lays out
// every element whole, so such a list is hand-made (a list of zero-size structs costs 8 bytes
// however long) and would buy up to `limit` elements of work and dead letters for a few
// bytes. A refusal reads nothing.
template <typename List, typename Out, typename Read>
std::optional<BatchDecoding> ReadList(List list, uint32_t limit, size_t min_bytes,
                                      size_t frame_size, const char* what, std::vector<Out>* out,
                                      Read read) {
  if (list.size() > limit) {
    return Refused(core::RejectReason::kTooManyObservations,
                   std::to_string(list.size()) + " " + what + " exceed the limit of " +
                       std::to_string(limit));
  }
  if (list.size() > frame_size / min_bytes) {
    return Refused(core::RejectReason::kUndecodable,
                   std::to_string(list.size()) + " " + what + " cannot fit in a frame of " +
                       std::to_string(frame_size) + " bytes");
  }
  out->reserve(list.size());
  for (auto r : list) out->push_back(read(r));
  return std::nullopt;
}

// Every byte of `s`, embedded NULs included: a std::string would otherwise convert through
// c_str() and be cut at its first NUL, so that "core\0x" went out as the park "core".
capnp::Text::Reader Whole(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }

std::string ToBytes(capnp::MessageBuilder& message) {
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

BatchDecoding Refused(core::RejectReason reason, std::string detail) {
  return BatchDecoding{Status::InvalidArgument(std::move(detail)), reason};
}

}  // namespace

BatchDecoding DecodeBatch(const void* data, size_t size, const DecodeLimits& limits) {
  if (size > limits.max_frame_bytes) {
    return Refused(core::RejectReason::kFrameTooLarge,
                   "frame of " + std::to_string(size) + " bytes exceeds the limit of " +
                       std::to_string(limits.max_frame_bytes));
  }
  if (size == 0 || size % sizeof(capnp::word) != 0) {
    return Refused(core::RejectReason::kUndecodable,
                   "frame of " + std::to_string(size) + " bytes is not a whole number of words");
  }
  auto words = AlignedCopy(data, size);
  DecodedBatch batch;
  std::optional<BatchDecoding> refusal;
  // Every field is read inside the try: Cap'n Proto validates pointers lazily on access.
  KJ_IF_MAYBE(exception, kj::runCatchingExceptions([&]() {
                capnp::FlatArrayMessageReader reader(words, ReaderLimits(limits));
                auto root = reader.getRoot<proto::Batch>();
                batch.sequence = root.getSequence();
                batch.sent_unix_ms = root.getSentUnixMs();
                refusal = ReadList(root.getObservations(), limits.max_observations,
                                   kMinObservationBytes, size, "observations",
                                   &batch.observations, ReadObservation);
                if (refusal) return;
                refusal = ReadList(root.getPeriodActions(), limits.max_period_actions,
                                   kMinActionBytes, size, "period actions", &batch.actions,
                                   ReadAction);
              })) {
    return Refused(core::RejectReason::kUndecodable, DescribeUnreadableBatch(*exception));
  }
  if (refusal) return std::move(*refusal);
  return BatchDecoding{std::move(batch)};
}

std::string EncodeBatch(uint64_t sequence, int64_t sent_unix_ms,
                        const std::vector<core::Observation>& observations,
                        const std::vector<core::PeriodAction>& actions) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<proto::Batch>();
  root.setSequence(sequence);
  root.setSentUnixMs(sent_unix_ms);
  auto list = root.initObservations(observations.size());
  for (size_t i = 0; i < observations.size(); ++i) {
    const auto& o = observations[i];
    auto w = list[i];
    w.setIndicator(Whole(o.indicator));
    w.setPark(Whole(o.park));
    w.setEntity(Whole(o.entity));
    w.setPeriod(Whole(o.period));
    w.setValue(o.value);
    w.setNote(Whole(o.note));
    if (!o.restatement.empty()) w.setRestatement(Whole(o.restatement));
  }
  if (!actions.empty()) {
    auto out = root.initPeriodActions(actions.size());
    for (size_t i = 0; i < actions.size(); ++i) {
      out[i].setKind(static_cast<proto::PeriodActionKind>(actions[i].kind));
      out[i].setDepartment(Whole(actions[i].department));
      out[i].setPeriod(Whole(actions[i].period));
      out[i].setNote(Whole(actions[i].note));
    }
  }
  return ToBytes(message);
}

std::string_view AckStatusName(AckStatus status) {
  switch (status) {
    case AckStatus::kAccepted: return "accepted";
    case AckStatus::kDuplicate: return "duplicate";
    case AckStatus::kOutOfOrder: return "out_of_order";
    case AckStatus::kRetryLater: return "retry_later";
    case AckStatus::kMalformed: return "malformed";
    case AckStatus::kUnauthorized: return "unauthorized";
  }
  return "unknown";
}

std::string EncodeAck(const AckMessage& ack) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<proto::Ack>();
  root.setSequence(ack.sequence);
  root.setStatus(static_cast<proto::AckStatus>(ack.status));
  root.setNextExpected(ack.next_expected);
  auto list = root.initRejections(ack.rejections.size());
  for (size_t i = 0; i < ack.rejections.size(); ++i) {
    list[i].setIndex(ack.rejections[i].index);
    list[i].setReason(static_cast<proto::Reason>(ack.rejections[i].reason));
    list[i].setDetail(ack.rejections[i].detail);
  }
  root.setFrameReason(static_cast<proto::Reason>(ack.frame_reason));
  root.setFrameDetail(ack.frame_detail);
  if (!ack.action_rejections.empty()) {
    auto actions = root.initActionRejections(ack.action_rejections.size());
    for (size_t i = 0; i < ack.action_rejections.size(); ++i) {
      actions[i].setIndex(ack.action_rejections[i].index);
      actions[i].setReason(static_cast<proto::Reason>(ack.action_rejections[i].reason));
      actions[i].setDetail(ack.action_rejections[i].detail);
    }
  }
  return ToBytes(message);
}

std::optional<AckMessage> DecodeAck(const void* data, size_t size) {
  if (size == 0 || size % sizeof(capnp::word) != 0 || size > (64u << 20)) return std::nullopt;
  auto words = AlignedCopy(data, size);
  AckMessage ack;
  bool ok = false;
  KJ_IF_MAYBE(exception, kj::runCatchingExceptions([&]() {
                capnp::FlatArrayMessageReader reader(words);
                auto root = reader.getRoot<proto::Ack>();
                ack.sequence = root.getSequence();
                ack.status = static_cast<wire::AckStatus>(root.getStatus());
                ack.next_expected = root.getNextExpected();
                for (auto r : root.getRejections()) {
                  ack.rejections.push_back(core::Rejection{
                      r.getIndex(), static_cast<core::RejectReason>(r.getReason()),
                      r.getDetail().cStr()});
                }
                ack.frame_reason = static_cast<core::RejectReason>(root.getFrameReason());
                ack.frame_detail = root.getFrameDetail().cStr();
                for (auto r : root.getActionRejections()) {
                  ack.action_rejections.push_back(core::Rejection{
                      r.getIndex(), static_cast<core::RejectReason>(r.getReason()),
                      r.getDetail().cStr()});
                }
                ok = true;
              })) {
    (void)exception;
    return std::nullopt;
  }
  if (!ok) return std::nullopt;
  return ack;
}

}  // namespace kpihub::wire
