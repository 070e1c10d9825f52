// Puts tcmalloc's heap on transparent huge pages, in every program that
// links tcmalloc (banen_link_tcmalloc, CMakeLists.txt, links this file with
// it).
//
// Why: a server's heap mostly grows while it ingests (memtables, group-commit
// batches, staged events, the states' maps), and on the 2-core VM each 4 KB
// page faulted in cost microseconds in the hypervisor's fault path. An import
// of the 1 M-event demo into a fresh server faulted some 90,000 times and
// spent a sixth of the server's CPU there; with the heap in 2 MB pages it
// faulted some 500 times (bench/RESULTS.md, session 28). tcmalloc asks its
// allocator for large spans only, so rounding those to whole aligned huge
// pages wastes at most one 2 MB page a request. Freed spans that tcmalloc
// hands back (ReleaseFreeMemory, the server after its opens) are released
// in its own 8 KB pages: the kernel splits a huge page to free part of it.
// Without transparent huge pages (or with them off) the advice is ignored
// and the heap is as before. The cost: where free memory is short (the page
// cache full), a fault may wait while the kernel compacts memory for a huge
// page, and a huge page stays resident for one live object in it (README,
// Install, says how an operator takes the wait out or turns them off).
#include <gperftools/malloc_extension.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstddef>

#include "ledger/huge_pages.h"

namespace banen {
namespace {

class HugePageSystemAllocator final : public SysAllocator {
 public:
  explicit HugePageSystemAllocator(SysAllocator* fallback)
      : fallback_(fallback) {}

  void* Alloc(size_t size, size_t* actual_size, size_t alignment) override {
    void* block = fallback_->Alloc(RoundUpToHugePages(size), actual_size,
                                   std::max(alignment, kHugePageBytes));
    // Advice only: the block works without it.
    if (block != nullptr) madvise(block, *actual_size, MADV_HUGEPAGE);
    return block;
  }

 private:
  SysAllocator* const fallback_;  // tcmalloc's own: sbrk, then mmap
};

// Before main(): tcmalloc asks its system allocator under its own lock, so
// the allocator is swapped while the program has one thread.
__attribute__((constructor)) void UseHugePagesForTheHeap() {
  MallocExtension* const malloc = MallocExtension::instance();
  static HugePageSystemAllocator allocator(malloc->GetSystemAllocator());
  malloc->SetSystemAllocator(&allocator);
}

}  // namespace
}  // namespace banen
