// For the TSan annotation files (tsan_absl_sync.cc, tsan_grpc_handoff.cc),
// which define a library's functions in the test program, tell TSan what
// each does, and call the library's own.
#ifndef BANEN_TESTS_TSAN_ORIGINAL_H_
#define BANEN_TESTS_TSAN_ORIGINAL_H_

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace banen::tsan {

// The library's definition of `symbol` (mangled, for C++), the one the
// program's replaces: the next after the program's. Aborts if there is none,
// so that a library that renamed it fails every test rather than none.
template <typename Function>
Function Original(const char* symbol) {
  void* const found = dlsym(RTLD_NEXT, symbol);
  if (found == nullptr) {
    std::fprintf(stderr, "tsan: no library defines %s\n", symbol);
    std::abort();
  }
  return reinterpret_cast<Function>(found);
}

}  // namespace banen::tsan

#endif  // BANEN_TESTS_TSAN_ORIGINAL_H_
