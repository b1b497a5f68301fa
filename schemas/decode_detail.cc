#include "decode_detail.h"

#include <string_view>

namespace kpihub::wire {
namespace {

struct Pattern {
  std::string_view needle;  // in Cap'n Proto's description (capnp 0.9/0.10/1.0 wording)
  std::string_view detail;  // what the client is told
};

constexpr Pattern kPatterns[] = {
    {"traversal limit", "reading it would exceed the traversal limit (data shared or repeated)"},
    {"nesting limit", "structures are nested deeper than the limit"},
    {"NUL terminator", "a text field lacks its terminating NUL"},
    {"unboundedSize] == '\\0'", "a text field lacks its terminating NUL"},
    {"ends prematurely", "the message ends before its segment table says"},
    {"segment", "the segment table does not match the frame"},
    {"too large", "the segment table does not match the frame"},
    {"out-of-bounds", "a pointer points outside its segment"},
    {"out of bounds", "a pointer points outside its segment"},
    {"bounds", "a pointer points outside its segment"},
    {"list pointer", "a pointer has the wrong kind (list expected)"},
    {"struct pointer", "a pointer has the wrong kind (struct expected)"},
    {"non-list", "a pointer has the wrong kind (list expected)"},
    {"non-struct", "a pointer has the wrong kind (struct expected)"},
    {"far pointer", "a far pointer is invalid"},
    {"pointer", "a pointer is invalid"},
};

}  // namespace

std::string DescribeUnreadableBatch(const kj::Exception& exception) {
  std::string_view description(exception.getDescription().cStr());
  for (const Pattern& p : kPatterns) {
    if (description.find(p.needle) != std::string_view::npos) {
      return "not a Batch: " + std::string(p.detail);
    }
  }
  return "not a Batch: the frame is not a Cap'n Proto message of the Batch schema";
}

}  // namespace kpihub::wire
