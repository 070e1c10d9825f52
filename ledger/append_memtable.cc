#include "ledger/internal/append_memtable.h"

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <deque>
#include <limits>
#include <memory>
#include <new>
#include <span>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/slice.h"

namespace banen::storage {
namespace {

using rocksdb::KeyHandle;
using rocksdb::MemTableRep;
using rocksdb::Slice;

// Entries by their index, in chunks that never move, so that readers read
// while the writer appends: chunk k holds kFirstChunk << k entries, and 48
// of them hold more than any memtable. Pointers only: the entries live in
// the memtable's arena.
class AppendedEntries {
 public:
  AppendedEntries() = default;
  AppendedEntries(const AppendedEntries&) = delete;
  AppendedEntries& operator=(const AppendedEntries&) = delete;
  ~AppendedEntries() {
    for (const char** chunk : chunks_) delete[] chunk;
  }

  // The entries a reader may read: those below it.
  size_t size() const { return size_.load(std::memory_order_acquire); }
  // `i` below a size() the caller loaded.
  const char* operator[](size_t i) const {
    const Place place = PlaceOf(i);
    return chunks_[place.chunk][place.offset];
  }
  // By the inserting thread only.
  void Append(const char* entry) {
    const size_t i = size_.load(std::memory_order_relaxed);
    const Place place = PlaceOf(i);
    if (place.offset == 0) {
      chunks_[place.chunk] = new const char*[kFirstChunk << place.chunk];
    }
    chunks_[place.chunk][place.offset] = entry;
    size_.store(i + 1, std::memory_order_release);
  }
  size_t MemoryBytes() const {
    const size_t held = size();
    if (held == 0) return 0;
    const size_t chunks = PlaceOf(held - 1).chunk + 1;
    return kFirstChunk * ((size_t{1} << chunks) - 1) * sizeof(const char*);
  }

 private:
  static constexpr size_t kFirstChunk = 1024;
  struct Place {
    size_t chunk;
    size_t offset;
  };
  // Chunk k begins at entry kFirstChunk * (2^k - 1).
  static Place PlaceOf(size_t i) {
    const size_t chunk = std::bit_width(i / kFirstChunk + 1) - 1;
    return {chunk, i - kFirstChunk * ((size_t{1} << chunk) - 1)};
  }

  std::array<const char**, 48> chunks_{};
  std::atomic<size_t> size_{0};
};

// Room for the iterators RocksDB keeps without freeing them, whose
// headers do not declare the arena class it would have them placed in:
// - those it asks to place in an arena (GetIterator), which it destroys.
//   Room is taken again only by the thread that destroyed the iterator in
//   it, whose destruction is then over, so a memtable keeps about as many
//   rooms as threads read it at once;
// - the one of each Get (MemTableRep::Get: a rep cannot replace it without
//   RocksDB's internal LookupKey), which it neither frees nor destroys.
//   Each thread's is destroyed at its next Get, or with the memtable.
class IteratorRooms {
 public:
  IteratorRooms() = default;
  IteratorRooms(const IteratorRooms&) = delete;
  IteratorRooms& operator=(const IteratorRooms&) = delete;
  ~IteratorRooms() {
    for (Room& room : rooms_) {
      if (room.last_get != nullptr) room.last_get->~Iterator();
    }
  }

  // Room for one iterator of `size` bytes (the same every call).
  void* Take(size_t size) {
    absl::MutexLock lock(&mu_);
    const std::thread::id self = std::this_thread::get_id();
    for (Room& room : rooms_) {
      if (room.left_by == self) {
        room.left_by = std::thread::id();
        return room.bytes.get();
      }
    }
    return NewRoom(size).bytes.get();
  }
  // The iterator in `bytes` is being destroyed by the calling thread.
  void Leave(const void* bytes) {
    absl::MutexLock lock(&mu_);
    for (Room& room : rooms_) {
      if (room.bytes.get() == bytes) room.left_by = std::this_thread::get_id();
    }
  }
  // The iterator make(room) places in the calling thread's room for Gets
  // of `size` bytes (the same every call), the one there before destroyed.
  template <typename Make>
  MemTableRep::Iterator* PlaceForGet(size_t size, Make make) {
    absl::MutexLock lock(&mu_);
    const std::thread::id self = std::this_thread::get_id();
    Room* mine = nullptr;
    for (Room& room : rooms_) {
      if (room.gets_of == self) mine = &room;
    }
    if (mine == nullptr) {
      mine = &NewRoom(size);
      mine->gets_of = self;
    } else {
      mine->last_get->~Iterator();
    }
    mine->last_get = make(mine->bytes.get());
    return mine->last_get;
  }

 private:
  struct Room {
    std::unique_ptr<std::byte[]> bytes;
    // Rooms for arena iterators: no thread's while an iterator is in it.
    std::thread::id left_by;
    // Rooms for Gets: whose, and the iterator in it.
    std::thread::id gets_of;
    MemTableRep::Iterator* last_get = nullptr;
  };
  Room& NewRoom(size_t size) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return rooms_.emplace_back(
        Room{std::make_unique<std::byte[]>(size), {}, {}, nullptr});
  }

  absl::Mutex mu_;
  std::deque<Room> rooms_ ABSL_GUARDED_BY(mu_);
};

// The appended entries and the side skiplist's, merged: forward, each
// cursor is at the first entry of its source at or after the position and
// the current entry is the smaller; backward, each is at the last entry at
// or before it and the current entry is the larger. Keys are unique, so
// the two never hold the same one.
class MergedIterator final : public MemTableRep::Iterator {
 public:
  // `side`: null if it holds nothing. `rooms`: where the iterator was
  // placed, if in one of them.
  MergedIterator(const AppendedEntries& entries,
                 const MemTableRep::KeyComparator& compare,
                 std::unique_ptr<MemTableRep::Iterator> side,
                 IteratorRooms* rooms = nullptr)
      : entries_(entries),
        compare_(compare),
        side_(std::move(side)),
        rooms_(rooms) {}
  ~MergedIterator() override {
    if (rooms_ != nullptr) rooms_->Leave(this);
  }

  bool Valid() const override { return current_ != nullptr; }
  const char* key() const override { return current_; }
  void Next() override;
  void Prev() override;
  void Seek(const Slice& internal_key, const char* memtable_key) override;
  void SeekForPrev(const Slice& internal_key,
                   const char* memtable_key) override;
  void SeekToFirst() override;
  void SeekToLast() override;

 private:
  // index_ when the cursor of the appended entries is before the first.
  static constexpr size_t kBeforeFirst = std::numeric_limits<size_t>::max();
  // The index before `index` (kBeforeFirst before the first).
  static size_t Before(size_t index) {
    return index == 0 ? kBeforeFirst : index - 1;
  }

  bool IndexValid() const { return index_ < size_; }
  const char* IndexEntry() const {
    return IndexValid() ? entries_[index_] : nullptr;
  }
  const char* SideEntry() const {
    return side_ != nullptr && side_->Valid() ? side_->key() : nullptr;
  }
  // The first appended entry after the target, or `at_too` at it (the
  // target: an entry if memtable_key is set, else the internal key).
  size_t FirstFrom(const Slice& internal_key, const char* memtable_key,
                   bool at_too) const;
  // Makes the smaller (forward) or the larger (backward) of the two the
  // current entry.
  void Pick();

  const AppendedEntries& entries_;
  const MemTableRep::KeyComparator& compare_;
  // The appended entries it reads: those there at its last seek.
  size_t size_ = 0;
  size_t index_ = 0;
  // Null when the side held nothing at the iterator's making: what is
  // inserted afterwards has higher sequence numbers than any read it serves.
  std::unique_ptr<MemTableRep::Iterator> side_;
  bool forward_ = true;
  const char* current_ = nullptr;
  bool current_is_appended_ = false;
  IteratorRooms* const rooms_;
};

class AppendMemTableRep final : public MemTableRep {
 public:
  AppendMemTableRep(const KeyComparator& compare, rocksdb::Allocator* allocator,
                    std::unique_ptr<MemTableRep> side)
      : MemTableRep(allocator), compare_(compare), side_(std::move(side)) {}

  // Every entry is allocated by the side skiplist, which keeps room before
  // it for its links: an entry that turns out not to sort last goes there.
  KeyHandle Allocate(const size_t len, char** buf) override {
    return side_->Allocate(len, buf);
  }
  void Insert(KeyHandle handle) override {
    const char* entry = static_cast<const char*>(handle);
    const size_t held = entries_.size();
    if (held == 0 || compare_(entries_[held - 1], entry) < 0) {
      entries_.Append(entry);
      return;
    }
    side_->Insert(handle);
    side_used_.store(true, std::memory_order_release);
  }
  bool Contains(const char* entry) const override {
    MergedIterator it(entries_, compare_, SideIterator());
    it.Seek(Slice(), entry);
    return it.Valid() && compare_(it.key(), entry) == 0;
  }
  void MarkReadOnly() override { side_->MarkReadOnly(); }
  void MarkFlushed() override { side_->MarkFlushed(); }
  size_t ApproximateMemoryUsage() override {
    return entries_.MemoryBytes() + side_->ApproximateMemoryUsage();
  }
  Iterator* GetIterator(rocksdb::Arena* arena) override {
    if (arena == nullptr) {
      return new MergedIterator(entries_, compare_, SideIterator());
    }
    return new (rooms_.Take(sizeof(MergedIterator)))
        MergedIterator(entries_, compare_, SideIterator(), &rooms_);
  }
  // Without an arena, only MemTableRep::Get asks for this one (a store
  // without a merge operator and in-place updates, whose reads would
  // delete it: StoreOptions()).
  Iterator* GetDynamicPrefixIterator(rocksdb::Arena* arena) override {
    if (arena != nullptr) return GetIterator(arena);
    return rooms_.PlaceForGet(sizeof(MergedIterator), [this](void* place) {
      return new (place) MergedIterator(entries_, compare_, SideIterator());
    });
  }

 private:
  std::unique_ptr<Iterator> SideIterator() const {
    if (!side_used_.load(std::memory_order_acquire)) return nullptr;
    return std::unique_ptr<Iterator>(side_->GetIterator(nullptr));
  }

  const KeyComparator& compare_;
  const std::unique_ptr<MemTableRep> side_;
  AppendedEntries entries_;
  std::atomic<bool> side_used_{false};
  IteratorRooms rooms_;
};

size_t MergedIterator::FirstFrom(const Slice& internal_key,
                                 const char* memtable_key, bool at_too) const {
  size_t low = 0;
  size_t high = size_;
  while (low < high) {
    const size_t middle = low + (high - low) / 2;
    const int order = memtable_key != nullptr
                          ? compare_(entries_[middle], memtable_key)
                          : compare_(entries_[middle], internal_key);
    if (order < 0 || (order == 0 && !at_too)) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

void MergedIterator::Pick() {
  const char* appended = IndexEntry();
  const char* side = SideEntry();
  current_is_appended_ =
      side == nullptr ||
      (appended != nullptr && (compare_(appended, side) < 0) == forward_);
  current_ = current_is_appended_ ? appended : side;
}

void MergedIterator::Seek(const Slice& internal_key, const char* memtable_key) {
  size_ = entries_.size();
  index_ = FirstFrom(internal_key, memtable_key, /*at_too=*/true);
  if (side_ != nullptr) side_->Seek(internal_key, memtable_key);
  forward_ = true;
  Pick();
}

void MergedIterator::SeekForPrev(const Slice& internal_key,
                                 const char* memtable_key) {
  size_ = entries_.size();
  index_ = Before(FirstFrom(internal_key, memtable_key, /*at_too=*/false));
  if (side_ != nullptr) side_->SeekForPrev(internal_key, memtable_key);
  forward_ = false;
  Pick();
}

void MergedIterator::SeekToFirst() {
  size_ = entries_.size();
  index_ = 0;
  if (side_ != nullptr) side_->SeekToFirst();
  forward_ = true;
  Pick();
}

void MergedIterator::SeekToLast() {
  size_ = entries_.size();
  index_ = Before(size_);
  if (side_ != nullptr) side_->SeekToLast();
  forward_ = false;
  Pick();
}

void MergedIterator::Next() {
  if (!forward_) {
    // The other cursor moves to the first entry after the current one.
    const Slice current = compare_.decode_key(current_);
    if (current_is_appended_) {
      if (side_ != nullptr) side_->Seek(current, current_);
    } else {
      index_ = FirstFrom(current, current_, /*at_too=*/true);
    }
    forward_ = true;
  }
  if (current_is_appended_) {
    ++index_;
  } else {
    side_->Next();
  }
  Pick();
}

void MergedIterator::Prev() {
  if (forward_) {
    // The other cursor moves to the last entry before the current one.
    const Slice current = compare_.decode_key(current_);
    if (current_is_appended_) {
      if (side_ != nullptr) side_->SeekForPrev(current, current_);
    } else {
      index_ = Before(FirstFrom(current, current_, /*at_too=*/true));
    }
    forward_ = false;
  }
  if (current_is_appended_) {
    index_ = Before(index_);
  } else {
    side_->Prev();
  }
  Pick();
}

// The appended entries of a test, with the iterator over them.
class TestMergedIterator final : public MemTableRep::Iterator {
 public:
  TestMergedIterator(const MemTableRep::KeyComparator& compare,
                     std::span<const char* const> appended,
                     std::unique_ptr<MemTableRep::Iterator> side)
      : merged_(Filled(appended), compare, std::move(side)) {}

  bool Valid() const override { return merged_.Valid(); }
  const char* key() const override { return merged_.key(); }
  void Next() override { merged_.Next(); }
  void Prev() override { merged_.Prev(); }
  void Seek(const Slice& internal_key, const char* memtable_key) override {
    merged_.Seek(internal_key, memtable_key);
  }
  void SeekForPrev(const Slice& internal_key,
                   const char* memtable_key) override {
    merged_.SeekForPrev(internal_key, memtable_key);
  }
  void SeekToFirst() override { merged_.SeekToFirst(); }
  void SeekToLast() override { merged_.SeekToLast(); }

 private:
  const AppendedEntries& Filled(std::span<const char* const> appended) {
    for (const char* entry : appended) entries_.Append(entry);
    return entries_;
  }

  AppendedEntries entries_;  // before merged_, which reads it
  MergedIterator merged_;
};

class AppendMemTableRepFactory final : public rocksdb::MemTableRepFactory {
 public:
  const char* Name() const override { return "BanenAppendMemTableRepFactory"; }
  using MemTableRepFactory::CreateMemTableRep;
  MemTableRep* CreateMemTableRep(const MemTableRep::KeyComparator& compare,
                                 rocksdb::Allocator* allocator,
                                 const rocksdb::SliceTransform* transform,
                                 rocksdb::Logger* logger) override {
    return new AppendMemTableRep(
        compare, allocator,
        std::unique_ptr<MemTableRep>(skiplists_.CreateMemTableRep(
            compare, allocator, transform, logger)));
  }

 private:
  rocksdb::SkipListFactory skiplists_;
};

}  // namespace

std::shared_ptr<rocksdb::MemTableRepFactory> NewAppendMemTableRepFactory() {
  return std::make_shared<AppendMemTableRepFactory>();
}

std::unique_ptr<MemTableRep::Iterator> NewMergedIteratorForTest(
    const MemTableRep::KeyComparator& compare,
    std::span<const char* const> appended,
    std::unique_ptr<MemTableRep::Iterator> side) {
  return std::make_unique<TestMergedIterator>(compare, appended,
                                              std::move(side));
}

}  // namespace banen::storage
