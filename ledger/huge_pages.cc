#include "ledger/huge_pages.h"

#include <malloc.h>
#include <sys/mman.h>

#include <cstdint>

// gperftools' tcmalloc, defined when the program links it
// (banen_link_tcmalloc, CMakeLists.txt); null otherwise.
extern "C" void MallocExtension_ReleaseFreeMemory() __attribute__((weak));

namespace banen {

void ReleaseFreedMemory() {
  if (MallocExtension_ReleaseFreeMemory != nullptr) {
    MallocExtension_ReleaseFreeMemory();
  } else {
    malloc_trim(0);
  }
}

void* MapHugePages(size_t bytes) {
  const size_t size = RoundUpToHugePages(bytes);
  // Mapped a huge page larger, then trimmed to an aligned start: the kernel
  // backs only aligned 2 MB ranges with huge pages.
  void* mapped = mmap(nullptr, size + kHugePageBytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) return nullptr;
  const auto begin = reinterpret_cast<uintptr_t>(mapped);
  const uintptr_t aligned = RoundUpToHugePages(begin);
  if (aligned > begin) munmap(mapped, aligned - begin);
  const uintptr_t end = begin + size + kHugePageBytes;
  if (end > aligned + size) {
    munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
  }
  void* block = reinterpret_cast<void*>(aligned);
  // Advice only: without transparent huge pages the block still works.
  madvise(block, size, MADV_HUGEPAGE);
  return block;
}

void FreeHugePages(void* block, size_t bytes) {
  munmap(block, RoundUpToHugePages(bytes));
}

}  // namespace banen
