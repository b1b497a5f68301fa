// libFuzzer harness: one input is one frame as the exchange socket receives it from a reading
// key (a query page, a subscription, credit, unsubscribe). It runs wire::DecodeQuery with the
// daemon's default limits and checks what must hold for any input: a frame is refused with a
// short sentence, or decodes within every limit (list lengths, text lengths, page size, a
// known mode) and re-encodes to the same request. The same bytes are also read as the
// daemon's answer (wire::DecodeQueryPage, what a subscriber reads): never a crash, and a
// page kind the client knows.
#include <cstdio>
#include <cstdlib>

#include "fuzz_check.h"
#include "kpihub/wire/query_codec.h"

namespace {

bool WithinLimits(const kpihub::wire::QueryRequest& q, const kpihub::wire::QueryLimits& l) {
  auto short_texts = [&](const std::vector<std::string>& texts) {
    for (const auto& t : texts) {
      if (t.size() > l.max_code_bytes) return false;
    }
    return true;
  };
  return q.indicators.size() <= l.max_indicators && q.parks.size() <= l.max_parks &&
         q.entities.size() <= l.max_entities && short_texts(q.indicators) &&
         short_texts(q.parks) && short_texts(q.entities) &&
         q.period_from.size() <= l.max_code_bytes && q.period_to.size() <= l.max_code_bytes &&
         q.continuation.size() <= l.max_code_bytes && q.page_size >= 1 &&
         q.page_size <= l.max_page_size &&
         static_cast<uint16_t>(q.mode) <= static_cast<uint16_t>(kpihub::wire::RequestMode::kUnsubscribe);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const kpihub::wire::QueryLimits limits;
  if (auto page = kpihub::wire::DecodeQueryPage(data, size)) {
    FUZZ_CHECK(static_cast<uint16_t>(page->kind) <= static_cast<uint16_t>(kpihub::wire::PageKind::kEnded));
  }
  auto decoded = kpihub::wire::DecodeQuery(data, size, limits);
  if (!decoded.ok()) {
    // A fixed sentence with numbers: never the frame's bytes.
    FUZZ_CHECK(decoded.status().message().size() < 256);
    return 0;
  }
  FUZZ_CHECK(WithinLimits(*decoded, limits));
  const std::string again = kpihub::wire::EncodeQuery(*decoded);
  auto round = kpihub::wire::DecodeQuery(again.data(), again.size(), limits);
  FUZZ_CHECK(round.ok());
  FUZZ_CHECK(round->request_id == decoded->request_id);
  FUZZ_CHECK(round->indicators == decoded->indicators && round->parks == decoded->parks);
  FUZZ_CHECK(round->entities == decoded->entities && round->level == decoded->level);
  FUZZ_CHECK(round->period_from == decoded->period_from && round->period_to == decoded->period_to);
  FUZZ_CHECK(round->page_size == decoded->page_size && round->as_of == decoded->as_of);
  FUZZ_CHECK(round->continuation == decoded->continuation);
  FUZZ_CHECK(round->mode == decoded->mode && round->resume == decoded->resume);
  FUZZ_CHECK(round->credit == decoded->credit);
  return 0;
}
