// An allocator for the large arrays of the in-memory states: the
// projection's per-seq, per-job and per-person vectors, its ids and their
// hash indexes; the validation state's blocks and the event_id index; and the
// saved states' bytes while an open decodes them. Blocks of 2 MB or more are
// mapped on their own and marked for transparent huge pages.
//
// Why: a rebuild grows these arrays by doubling and reads them at random.
// With 4 KB pages each doubling faults every page of the new block in again
// (on the 2-core VM a fault costs microseconds) and the random reads miss
// the TLB; with 2 MB pages both nearly vanish (projection_bench: the fold of
// 1 M events took half the time). An open writes hundreds of MB of fresh
// memory at 10 M events, one fault a 4 KB page. Smaller blocks come from
// operator new.
#ifndef BANEN_LEDGER_HUGE_PAGES_H_
#define BANEN_LEDGER_HUGE_PAGES_H_

#include <cstddef>
#include <new>
#include <utility>
#include <vector>

namespace banen {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// `bytes` rounded up to whole huge pages.
constexpr size_t RoundUpToHugePages(size_t bytes) {
  return (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
}

// A block of `bytes` (>= kHugePageBytes) aligned to kHugePageBytes, or
// nullptr when the system has no memory to map; FreeHugePages releases it.
void* MapHugePages(size_t bytes);
void FreeHugePages(void* block, size_t bytes);

// Hands the heap's freed pages back to the kernel: from tcmalloc's page heap
// when the program runs on it, else from glibc's arenas. For after a large
// transient buffer is freed (the opens' saved states, a state written while
// the server runs): the allocator keeps freed memory in the process's RSS.
void ReleaseFreedMemory();

template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;  // NOLINT(readability-identifier-naming): std

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(  // NOLINT(google-explicit-constructor): rebinding
      const HugePageAllocator<U>& /*other*/) {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePageBytes) {
      return static_cast<T*>(
          ::operator new (bytes, std::align_val_t{alignof(T)}));
    }
    void* block = MapHugePages(bytes);
    if (block == nullptr) throw std::bad_alloc();
    return static_cast<T*>(block);
  }
  void deallocate(T* block, size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePageBytes) {
      ::operator delete (block, std::align_val_t{alignof(T)});
    } else {
      FreeHugePages(block, bytes);
    }
  }

  template <typename U>
  bool operator==(const HugePageAllocator<U>& /*other*/) const {
    return true;
  }
};

// `size` bytes whose contents are not set (a fresh mapping reads as zero),
// on huge pages from kHugePageBytes on: a buffer that parts are copied into
// at their offsets, each byte written once, where a vector's resize would
// first write zeros over all of it, and so take every page of it at once.
class HugeBytes {
 public:
  explicit HugeBytes(size_t size)
      : data_(HugePageAllocator<char>().allocate(size)), size_(size) {}
  ~HugeBytes() {
    if (data_ != nullptr) HugePageAllocator<char>().deallocate(data_, size_);
  }
  HugeBytes(const HugeBytes&) = delete;
  HugeBytes& operator=(const HugeBytes&) = delete;
  // The moved-from one holds nothing.
  HugeBytes(HugeBytes&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)) {}
  HugeBytes& operator=(HugeBytes&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    return *this;
  }

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  char* data_;
  size_t size_;
};

// A vector whose blocks of kHugePageBytes or more are huge pages.
template <typename T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace banen

#endif  // BANEN_LEDGER_HUGE_PAGES_H_
