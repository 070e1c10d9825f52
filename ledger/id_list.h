// IdList: strings by index, one after another, in about 2 bytes an id more
// than their own. Not thread-safe.
#ifndef BANEN_LEDGER_ID_LIST_H_
#define BANEN_LEDGER_ID_LIST_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ledger/huge_pages.h"
#include "ledger/prefetch.h"

namespace banen {

// A count of ids and of their bytes: what an IdList is sized for.
struct IdsAndBytes {
  uint64_t ids = 0;
  uint64_t bytes = 0;
};

// Ids by index, one after another: the keys of the validation state's maps
// (compact_string_map.h) and the projection's person refs and job ids
// (projections/id_index.h). Where id i ends is held in 16 bits, as
// its distance from where its block of kBlockIds ids begins, which is held
// in 64: 2 bytes an id where a size_t took 8 and 32 bits 4 (issue 15: 6.4 M
// ids at 10 M events, 13 MB less than with 32 bits). The ledger's limits
// keep ids within 128 bytes (kMaxIdBytes), a block's ids within 32 KiB; an
// end 64 KiB or more past its block's beginning (ids of kilobytes each,
// which a server lets in only when its limits are raised that far) is held
// whole, aside.
class IdList {
 public:
  static constexpr size_t kBlockIds = 256;

  IdList() = default;
  // Ends more than `largest_offset` past their block's beginning are held
  // aside: below its default only in tests.
  explicit IdList(uint16_t largest_offset) : largest_offset_(largest_offset) {}

  size_t size() const { return ends_.size(); }
  // Of the ids held, all together; room for how many.
  size_t bytes() const { return used_; }
  size_t byte_capacity() const { return bytes_.size(); }
  void Add(std::string_view id) {
    if (ends_.size() % kBlockIds == 0) block_begins_.push_back(used_);
    if (!id.empty()) {  // an empty one may have null data(), as may bytes_
      if (bytes_.size() - used_ < id.size()) Grow(id.size());
      std::memcpy(bytes_.data() + used_, id.data(), id.size());
      used_ += id.size();
    }
    const size_t offset = used_ - block_begins_.back();
    if (offset <= largest_offset_) [[likely]] {
      ends_.push_back(static_cast<uint16_t>(offset));
    } else {
      wide_ends_.emplace(ends_.size(), used_);
      ends_.push_back(kWideEnd);
    }
  }
  // Drops the ids from index `size` on (size <= size()).
  void TruncateTo(size_t size) {
    if (size >= ends_.size()) return;
    used_ = Begin(size);
    ends_.resize(size);
    block_begins_.resize((size + kBlockIds - 1) / kBlockIds);
    absl::erase_if(wide_ends_,
                   [size](const auto& wide) { return wide.first >= size; });
  }
  std::string_view operator[](size_t i) const {
    const size_t begin = Begin(i);
    return std::string_view(bytes_.data() + begin, End(i) - begin);
  }
  void Reserve(size_t ids) {
    ends_.reserve(ids);
    block_begins_.reserve(ids / kBlockIds + 1);
  }
  // Room for `bytes` of ids in all, those held included. Address space: a
  // page is taken when an id is first written to it.
  void ReserveBytes(size_t bytes) {
    if (bytes > bytes_.size()) MoveTo(bytes);
  }
  // Warm the cache for operator[](i): first where id i ends and begins,
  // then (once those are in the cache) its bytes.
  void PrefetchEnds(size_t i) const {
    if (i >= ends_.size()) return;
    PrefetchForRead(&ends_[i]);
    if (i > 0) PrefetchForRead(&ends_[i - 1]);
    PrefetchForRead(&block_begins_[i / kBlockIds]);
  }
  void PrefetchBytes(size_t i) const {
    if (i >= ends_.size()) return;
    PrefetchForRead(bytes_.data() + Begin(i));
    PrefetchForRead(bytes_.data() + End(i) - 1);
  }

 private:
  static constexpr uint16_t kWideEnd = std::numeric_limits<uint16_t>::max();

  size_t Begin(size_t i) const {
    return i % kBlockIds == 0 ? block_begins_[i / kBlockIds] : End(i - 1);
  }
  size_t End(size_t i) const {
    const uint16_t offset = ends_[i];
    if (offset == kWideEnd) [[unlikely]] {
      return wide_ends_.find(i)->second;
    }
    return block_begins_[i / kBlockIds] + offset;
  }
  // Makes room for `more` bytes, doubling.
  void Grow(size_t more) { MoveTo(std::max(2 * bytes_.size(), used_ + more)); }
  // Moves the ids into a block of `capacity` (>= used_) bytes.
  void MoveTo(size_t capacity);

  // The first used_ hold the ids. Not a vector: its growth would write
  // zeros over the whole new block, taking every page of it (at 10 M events
  // tens of MB resident and never used after a load), and a vector whose
  // allocator is not std::allocator inserts its elements one at a time,
  // here a byte (15 % of the fold's instructions at 1 M events).
  HugeBytes bytes_{0};
  size_t used_ = 0;
  // Where id i ends, less where its block begins, or kWideEnd.
  HugeVector<uint16_t> ends_;
  std::vector<size_t> block_begins_;
  absl::flat_hash_map<size_t, size_t> wide_ends_;  // by index: the end
  uint16_t largest_offset_ = kWideEnd - 1;
};

}  // namespace banen

#endif  // BANEN_LEDGER_ID_LIST_H_
