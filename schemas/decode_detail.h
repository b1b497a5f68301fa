// The `frameDetail` of a frame Cap'n Proto could not read: one of a fixed set of readable
// sentences chosen from the exception, never the exception's own text, which names library
// internals and can quote the frame's bytes (up to an embedded NUL). Private to the codec.
#pragma once

#include <kj/exception.h>

#include <string>

namespace kpihub::wire {

std::string DescribeUnreadableBatch(const kj::Exception& exception);

}  // namespace kpihub::wire
