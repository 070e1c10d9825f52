// CompactVector<T, N>: a list of trivially copyable T for the millions of
// short timelines the ledger's validation state and the projection keep per
// job and person (issue 15). It holds N elements in place and its size in 4
// bytes, with the alignment of T: an absl::InlinedVector<T, N> keeps its
// size in 8 and aligns to 8, which for the 4-aligned entries of a job took 4
// bytes more a record, and 8 more inside a map entry of 4-aligned fields.
//
// Past N the elements move to one heap block with room for bit_ceil(size),
// its address kept in the in-place bytes. The layout is a function of the
// size, both ways: a list that shrinks back to N moves back in place.
//
// Elements are written with memcpy and memmove only, which create them in
// the bytes. Iterators are pointers, valid until the next change of size.
// Not thread-safe.
//
// The heap block's address sits 4 bytes into a CompactVector aligned as T
// is, so often at a place that is not 8-aligned, where LeakSanitizer (which
// looks for pointers at 8-aligned places only) does not see it: the block
// of a CompactVector still alive at exit is reported as leaked. A program
// that keeps such state to its end (a fuzz target's fixture) destroys it
// first.
#ifndef BANEN_LEDGER_COMPACT_VECTOR_H_
#define BANEN_LEDGER_COMPACT_VECTOR_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

namespace banen {

// Lists that keep their elements in a place of their own until they outgrow
// it, and then in a heap block whose address the place's first bytes hold
// (CompactVector, the projection's PersonRecord): the address is read and
// written with memcpy, as the elements are.
inline unsigned char* HeapBlockIn(const unsigned char* place) {
  unsigned char* block = nullptr;
  std::memcpy(&block, place, sizeof(block));
  return block;
}
inline void SetHeapBlockIn(unsigned char* place, unsigned char* block) {
  std::memcpy(place, &block, sizeof(block));
}

template <typename T, size_t N>
class CompactVector {
  static_assert(std::is_trivially_copyable_v<T>);
  static_assert(N * sizeof(T) >= sizeof(unsigned char*),
                "the in-place bytes must hold the heap block's address");

 public:
  using value_type = T;  // NOLINT(readability-identifier-naming): std's name

  CompactVector() = default;
  CompactVector(const CompactVector& other) { CopyFrom(other); }
  CompactVector& operator=(const CompactVector& other) {
    if (this != &other) {
      delete[] heap();
      CopyFrom(other);
    }
    return *this;
  }
  CompactVector(CompactVector&& other) noexcept { TakeFrom(other); }
  CompactVector& operator=(CompactVector&& other) noexcept {
    if (this != &other) {
      delete[] heap();
      TakeFrom(other);
    }
    return *this;
  }
  ~CompactVector() { delete[] heap(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  T* data() { return std::launder(reinterpret_cast<T*>(bytes())); }
  const T* data() const {
    return std::launder(reinterpret_cast<const T*>(bytes()));
  }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  T& front() { return data()[0]; }
  const T& front() const { return data()[0]; }
  T& back() { return data()[size_ - 1]; }
  const T& back() const { return data()[size_ - 1]; }

  void push_back(const T& value) { insert(end(), value); }
  // Inserts `value` before `position`; returns where it is now.
  T* insert(const T* position, const T& value) {
    const auto at = static_cast<size_t>(position - begin());
    const T copy = value;  // `value` may be one of the elements
    OpenGap(at, 1);
    std::memcpy(data() + at, &copy, sizeof(T));
    return data() + at;
  }
  // Removes [first, last); returns where the element after them is now.
  T* erase(const T* first, const T* last) {
    const auto from = static_cast<size_t>(first - begin());
    const auto to = static_cast<size_t>(last - begin());
    std::memmove(data() + from, data() + to, (size_ - to) * sizeof(T));
    Relayout(size_ - (to - from));
    return data() + from;
  }
  // New elements are value-initialized.
  void resize(size_t size) {
    if (size > size_) {
      const size_t at = size_;
      OpenGap(at, size - at);
      for (size_t i = at; i < size; ++i) {
        const T value{};
        std::memcpy(data() + i, &value, sizeof(T));
      }
    } else {
      erase(begin() + size, end());
    }
  }

 private:
  static size_t CapacityFor(size_t size) {
    return size <= N ? N : std::bit_ceil(size);
  }
  unsigned char* heap() const {
    return size_ <= N ? nullptr : HeapBlockIn(in_place_);
  }
  unsigned char* bytes() const {
    unsigned char* block = heap();
    return block != nullptr ? block : const_cast<unsigned char*>(in_place_);
  }

  // Makes room for `count` elements at `at`, moving the ones from `at` on
  // up; the room's bytes are left as they were.
  void OpenGap(size_t at, size_t count) {
    const size_t size = size_ + count;
    if (CapacityFor(size) == CapacityFor(size_)) {
      std::memmove(bytes() + (at + count) * sizeof(T), bytes() + at * sizeof(T),
                   (size_ - at) * sizeof(T));
      size_ = static_cast<uint32_t>(size);
      return;
    }
    // Past N and outgrowing its room: a new heap block, the elements copied
    // to both sides of the gap at once.
    auto* block = new unsigned char[CapacityFor(size) * sizeof(T)];
    unsigned char* old = heap();
    std::memcpy(block, bytes(), at * sizeof(T));
    std::memcpy(block + (at + count) * sizeof(T), bytes() + at * sizeof(T),
                (size_ - at) * sizeof(T));
    delete[] old;
    SetHeapBlockIn(in_place_, block);
    size_ = static_cast<uint32_t>(size);
  }

  // Drops the elements from `size` on (size <= size_), moving the rest to
  // the layout of `size` if it differs.
  void Relayout(size_t size) {
    if (CapacityFor(size) == CapacityFor(size_)) {
      size_ = static_cast<uint32_t>(size);
      return;
    }
    unsigned char* old = heap();  // there is one: size_ > N
    if (size <= N) {
      std::memcpy(in_place_, old, size * sizeof(T));
    } else {
      auto* block = new unsigned char[CapacityFor(size) * sizeof(T)];
      std::memcpy(block, old, size * sizeof(T));
      SetHeapBlockIn(in_place_, block);
    }
    delete[] old;
    size_ = static_cast<uint32_t>(size);
  }

  void CopyFrom(const CompactVector& other) {
    size_ = other.size_;
    if (size_ <= N) {
      std::memcpy(in_place_, other.in_place_, sizeof(in_place_));
      return;
    }
    auto* block = new unsigned char[CapacityFor(size_) * sizeof(T)];
    std::memcpy(block, other.heap(), size_ * sizeof(T));
    SetHeapBlockIn(in_place_, block);
  }
  void TakeFrom(CompactVector& other) {
    size_ = other.size_;
    std::memcpy(in_place_, other.in_place_, sizeof(in_place_));
    other.size_ = 0;
  }

  uint32_t size_ = 0;
  // The elements, or (past N) the heap block's address.
  alignas(T) unsigned char in_place_[N * sizeof(T)] = {};
};

}  // namespace banen

#endif  // BANEN_LEDGER_COMPACT_VECTOR_H_
