#include "hostile_frames.h"

#include <cstdio>
#include <cstring>

#include "kpihub/wire/query_codec.h"

namespace kpihub::testing {
namespace {

constexpr uint8_t kByteElements = 2;       // ElementSize::BYTE
constexpr uint8_t kCompositeElements = 7;  // ElementSize::INLINE_COMPOSITE
constexpr uint16_t kBatchDataWords = 2;    // sequence, sentUnixMs
constexpr uint16_t kBatchPointers = 2;     // observations, periodActions (left null: none)

uint64_t OffsetBits(size_t at, size_t target) {
  int64_t offset = static_cast<int64_t>(target) - static_cast<int64_t>(at) - 1;
  return (static_cast<uint64_t>(offset) << 2) & 0xfffffffcu;
}

std::string WordsToBytes(const std::vector<uint64_t>& words) {
  std::string out(words.size() * 8, '\0');
  std::memcpy(out.data(), words.data(), out.size());  // little-endian host, as the format
  return out;
}

}  // namespace

size_t WordWriter::Alloc(size_t words) {
  size_t at = words_.size();
  words_.resize(at + words, 0);
  return at;
}

void WordWriter::StructPointer(size_t at, size_t target, uint16_t data_words,
                               uint16_t pointer_words) {
  words_[at] = OffsetBits(at, target) | (uint64_t{data_words} << 32) |
               (uint64_t{pointer_words} << 48);
}

void WordWriter::ListPointer(size_t at, size_t target, uint8_t element_size, uint32_t count) {
  words_[at] = 1 | OffsetBits(at, target) | (uint64_t{element_size} << 32) |
               (uint64_t{count} << 35);
}

void WordWriter::CompositeTag(size_t at, uint32_t elements, uint16_t data_words,
                              uint16_t pointer_words) {
  words_[at] = (uint64_t{elements} << 2) | (uint64_t{data_words} << 32) |
               (uint64_t{pointer_words} << 48);
}

size_t WordWriter::Bytes(const std::string& bytes) {
  size_t at = Alloc((bytes.size() + 7) / 8);
  std::memcpy(words_.data() + at, bytes.data(), bytes.size());
  return at;
}

void WordWriter::Text(size_t at, const std::string& text, bool nul) {
  std::string bytes = nul ? text + '\0' : text;
  size_t target = Bytes(bytes);
  ListPointer(at, target, kByteElements, static_cast<uint32_t>(bytes.size()));
}

std::string WordWriter::Frame() const {
  std::vector<uint64_t> table = {uint64_t{words_.size()} << 32};  // 1 segment of N words
  return WordsToBytes(table) + WordsToBytes(words_);
}

WordWriter BatchSkeleton(uint64_t sequence, uint32_t observations, size_t* first) {
  WordWriter w;
  size_t root = w.Alloc(1);
  size_t batch = w.Alloc(kBatchDataWords + kBatchPointers);
  w.StructPointer(root, batch, kBatchDataWords, kBatchPointers);
  w.Set(batch, sequence);
  const size_t each = kObservationDataWords + kObservationPointers;
  size_t tag = w.Alloc(1 + each * observations);
  w.ListPointer(batch + kBatchDataWords, tag, kCompositeElements,
                static_cast<uint32_t>(each * observations));
  w.CompositeTag(tag, observations, kObservationDataWords, kObservationPointers);
  *first = tag + 1;
  return w;
}

std::string Truncated(const std::string& frame, size_t keep_bytes) {
  return frame.substr(0, keep_bytes);
}

std::string TooManySegments(uint32_t segments) {
  std::vector<uint32_t> table(1 + segments + (segments % 2 == 0 ? 1 : 0), 0);
  table[0] = segments - 1;
  std::string out(table.size() * 4, '\0');
  std::memcpy(out.data(), table.data(), out.size());
  return out + std::string(8, '\0');
}

std::string TextWithoutNul(uint64_t sequence) {
  size_t obs = 0;
  WordWriter w = BatchSkeleton(sequence, 1, &obs);
  w.Text(obs + kObservationDataWords + kIndicator, "industrial_output", /*nul=*/false);
  return w.Frame();
}

std::string WrongPointerKind(uint64_t sequence) {
  WordWriter w;
  size_t root = w.Alloc(1);
  size_t batch = w.Alloc(kBatchDataWords + kBatchPointers);
  w.StructPointer(root, batch, kBatchDataWords, kBatchPointers);
  w.Set(batch, sequence);
  size_t bogus = w.Alloc(2);
  w.StructPointer(batch + kBatchDataWords, bogus, 2, 0);  // a struct where a list belongs
  return w.Frame();
}

std::string SharedBlob(uint64_t sequence, uint32_t observations, size_t blob_bytes) {
  size_t obs = 0;
  WordWriter w = BatchSkeleton(sequence, observations, &obs);
  size_t blob = w.Bytes(std::string(blob_bytes - 1, 'n') + '\0');
  const size_t each = kObservationDataWords + kObservationPointers;
  for (uint32_t i = 0; i < observations; ++i) {
    w.ListPointer(obs + i * each + kObservationDataWords + kNote, blob, kByteElements,
                  static_cast<uint32_t>(blob_bytes));
  }
  return w.Frame();
}

std::string DeepUnknownField(uint64_t sequence, int depth, const std::string& indicator,
                             const std::string& park, const std::string& period, double value) {
  WordWriter w;
  size_t root = w.Alloc(1);
  // A Batch from a "newer writer": one more pointer than this schema knows.
  size_t batch = w.Alloc(kBatchDataWords + kBatchPointers + 1);
  w.StructPointer(root, batch, kBatchDataWords, kBatchPointers + 1);
  w.Set(batch, sequence);
  const size_t each = kObservationDataWords + kObservationPointers;
  size_t tag = w.Alloc(1 + each);
  w.ListPointer(batch + kBatchDataWords, tag, kCompositeElements, each);
  w.CompositeTag(tag, 1, kObservationDataWords, kObservationPointers);
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  w.Set(tag + 1, bits);
  w.Text(tag + 2 + kIndicator, indicator);
  w.Text(tag + 2 + kPark, park);
  w.Text(tag + 2 + kPeriod, period);
  size_t parent = batch + kBatchDataWords + kBatchPointers;  // the unknown pointer
  for (int i = 0; i < depth; ++i) {
    size_t node = w.Alloc(1);  // a struct of one pointer, pointing at the next
    w.StructPointer(parent, node, 0, 1);
    parent = node;
  }
  return w.Frame();
}

std::string ZeroSizedObservations(uint64_t sequence, uint32_t count) {
  WordWriter w;
  size_t root = w.Alloc(1);
  size_t batch = w.Alloc(kBatchDataWords + kBatchPointers);
  w.StructPointer(root, batch, kBatchDataWords, kBatchPointers);
  w.Set(batch, sequence);
  size_t tag = w.Alloc(1);
  w.ListPointer(batch + kBatchDataWords, tag, kCompositeElements, 0);
  w.CompositeTag(tag, count, 0, 0);
  return w.Frame();
}

std::string CompactUnknownIndicators(uint64_t sequence, uint32_t first, uint32_t count) {
  size_t obs = 0;
  WordWriter w = BatchSkeleton(sequence, count, &obs);
  const size_t each = kObservationDataWords + kObservationPointers;
  char code[16];
  for (uint32_t i = 0; i < count; ++i) {
    std::snprintf(code, sizeof code, "u%06u", (first + i) % 1000000);
    w.Text(obs + i * each + kObservationDataWords + kIndicator, code);
  }
  return w.Frame();
}

}  // namespace kpihub::testing

namespace kpihub::testing {
namespace {

wire::QueryRequest PlainQuery(uint64_t request_id) {
  wire::QueryRequest q;
  q.request_id = request_id;
  q.indicators = {"hightech_certified"};
  return q;
}

}  // namespace

std::string QueryTextWithoutNul(uint64_t request_id) {
  wire::QueryRequest q = PlainQuery(request_id);
  q.continuation = "abcdefg";  // 7 bytes and the NUL: exactly one word
  q.as_of = 1;
  std::string frame = wire::EncodeQuery(q);
  const size_t at = frame.find(std::string("abcdefg\0", 8));
  if (at != std::string::npos) frame[at + 7] = 'h';
  return frame;
}

std::string QueryUnknownLevel(uint64_t request_id) {
  wire::QueryRequest q = PlainQuery(request_id);
  q.level = core::ShareLevel::kAggregate;
  const std::string aggregate = wire::EncodeQuery(q);
  q.level = core::ShareLevel::kEnterprise;
  std::string frame = wire::EncodeQuery(q);
  // The only byte that differs is the enum's.
  for (size_t i = 0; i < frame.size() && i < aggregate.size(); ++i) {
    if (frame[i] != aggregate[i]) frame[i] = 7;
  }
  return frame;
}

std::string QueryUnknownMode(uint64_t request_id) {
  wire::QueryRequest q = PlainQuery(request_id);
  q.mode = wire::RequestMode::kSubscribe;
  const std::string subscribe = wire::EncodeQuery(q);
  q.mode = wire::RequestMode::kCredit;
  std::string frame = wire::EncodeQuery(q);
  // The only byte that differs is the enum's (1 and 2): made 9, a mode no version defines.
  for (size_t i = 0; i < frame.size() && i < subscribe.size(); ++i) {
    if (frame[i] != subscribe[i]) frame[i] = 9;
  }
  return frame;
}

}  // namespace kpihub::testing
