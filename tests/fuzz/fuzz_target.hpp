// The entry point every fuzz target defines (libFuzzer's), and what a target asserts beyond "no
// crash, no leak, no undefined behaviour": a property that must hold for every input.
// Built two ways (tests/CMakeLists.txt): with libFuzzer under clang (scripts/fuzz.sh), and with
// replay_main.cpp under the normal build, which runs the seed corpus and the kept regressions as
// ctest tests.
// Thread-safety: a target is called from one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

// A broken property: report and abort, so libFuzzer keeps the input as a crash.
#define FUZZ_CHECK(cond)                                                               \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "fuzz property broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)
