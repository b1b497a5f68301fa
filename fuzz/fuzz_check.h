// FUZZ_CHECK: the fuzz harnesses' invariant check. A broken invariant is a crash libFuzzer
// records (abort), with the condition and its place on stderr; it holds in every build type.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                              \
  do {                                                                \
    if (!(cond)) {                                                    \
      std::fprintf(stderr, "invariant broken: %s (%s:%d)\n", #cond,   \
                   __FILE__, __LINE__);                               \
      std::abort();                                                   \
    }                                                                 \
  } while (0)
