// Hostile frames: Batch frames that the real encoder (wire::EncodeBatch) cannot produce,
// written word by word in Cap'n Proto's unpacked serialisation — cut short, with a broken
// segment table, text without its NUL, pointers of the wrong kind, one blob referenced many
// times (traversal amplification), deep structs in an unknown field, and very cheap frames
// holding many observations. Used by the hostile-input suite (tests/hostile) and by the seed
// corpus of the fuzzer (fuzz/). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kpihub::testing {

// A Cap'n Proto single-segment message under construction, one 64-bit word at a time.
class WordWriter {
 public:
  size_t Alloc(size_t words);  // index of the first of `words` zeroed words
  // Pointers at word `at` to the object at word `target` (offsets as the format defines).
  void StructPointer(size_t at, size_t target, uint16_t data_words, uint16_t pointer_words);
  void ListPointer(size_t at, size_t target, uint8_t element_size, uint32_t count);
  void CompositeTag(size_t at, uint32_t elements, uint16_t data_words, uint16_t pointer_words);
  // Writes `bytes` (the caller adds the NUL a Text needs) padded to words; its first word.
  size_t Bytes(const std::string& bytes);
  // A text pointer at `at` to `text` plus NUL (or without it when `nul` is false).
  void Text(size_t at, const std::string& text, bool nul = true);
  void Set(size_t at, uint64_t value) { words_[at] = value; }
  std::string Frame() const;  // segment table + the segment

 private:
  std::vector<uint64_t> words_;
};

// The observation struct as the first writers laid it out: 1 data word (value), 5 pointers
// (the schema has added `restatement` since; a reader takes the shorter struct as it is).
inline constexpr uint16_t kObservationDataWords = 1;
inline constexpr uint16_t kObservationPointers = 5;
enum ObservationField { kIndicator = 0, kPark = 1, kEntity = 2, kPeriod = 3, kNote = 4 };

// A Batch root {sequence, sentUnixMs = 0, observations = n empty observations}; `first`
// receives the word index of observation 0 (each is 6 words: value, then the 5 pointers).
WordWriter BatchSkeleton(uint64_t sequence, uint32_t observations, size_t* first);

// A valid frame cut to its first `keep_bytes` bytes.
std::string Truncated(const std::string& frame, size_t keep_bytes);
// A segment table announcing `segments` empty segments (Cap'n Proto allows 512).
std::string TooManySegments(uint32_t segments);
// One observation whose indicator text lacks its terminating NUL.
std::string TextWithoutNul(uint64_t sequence);
// The observations pointer is a struct pointer where a list is expected.
std::string WrongPointerKind(uint64_t sequence);
// `observations` observations whose notes all point at one blob of `blob_bytes` bytes: a
// small frame that asks the reader to read observations × blob_bytes.
std::string SharedBlob(uint64_t sequence, uint32_t observations, size_t blob_bytes);
// A valid batch of one observation (park-level, given fields) whose root struct carries one
// extra, unknown pointer holding a chain of `depth` nested structs.
std::string DeepUnknownField(uint64_t sequence, int depth, const std::string& indicator,
                             const std::string& park, const std::string& period, double value);
// `count` observations of zero size (no data, no pointers): a list that costs 2 words on the
// wire and decodes to `count` empty observations.
std::string ZeroSizedObservations(uint64_t sequence, uint32_t count);
// `count` observations whose indicators are "u" + 6 digits from `first` on and every other
// text field absent (null pointer = empty text): 7 words each.
std::string CompactUnknownIndicators(uint64_t sequence, uint32_t first, uint32_t count);

}  // namespace kpihub::testing

namespace kpihub::testing {

// Query frames (the exchange socket) that the real encoder cannot produce, made by changing
// bytes of a real one: the continuation text loses its terminating NUL; the level enum holds
// a value no schema defines (7).
std::string QueryTextWithoutNul(uint64_t request_id);
std::string QueryUnknownLevel(uint64_t request_id);
std::string QueryUnknownMode(uint64_t request_id);

}  // namespace kpihub::testing
