// CompactStringMap: a map from strings to values for millions of small
// entries (the validation state's jobs and persons), in a fraction of the
// memory of an absl::flat_hash_map<std::string, T>. That map holds a slot of
// 32 + sizeof(T) bytes per entry, with up to half of its slots empty, and
// allocates every key longer than 15 bytes. This one appends keys to an
// IdList (about 2 bytes a key beside its own) and values to blocks, both
// by entry number, and indexes them through a hash set of 4-byte entry
// numbers: its empty slots cost 5 bytes each. Loading millions of entries
// writes them in order and probes a table that is small enough to stay
// mostly in cache.
//
// Entries are placed in the index by a keyed hash (SipHash-2-4) under the
// map's seed, random unless given: no one who cannot read the seed can choose
// keys that collide. ForEach() visits the entries in the order in which a map
// of the same seed and size places them front to back, so that inserting
// them in that order into such a map sweeps through its table once instead
// of missing the cache on every insert (the state checkpoint saves them so).
//
// Erasing leaves the entry behind (its value reset, its key kept): the
// validation state erases only what a retraction empties, and a reload
// drops them. Undoing a batch (Mark, DropSince, Revive) keeps nothing of
// the entries it made. Pointers to values stay valid until the entry is
// erased; a key's view until the next insert. Up to 2^32 entries, erased
// ones included.
//
// Changes can be tracked: the entries that FindOrInsert() or Erase() touched
// since TrackChanges() or the last TakeChanged(), so that a state delta
// copies only those. Not thread-safe.
#ifndef BANEN_LEDGER_COMPACT_STRING_MAP_H_
#define BANEN_LEDGER_COMPACT_STRING_MAP_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "ledger/huge_pages.h"
#include "ledger/id_list.h"

namespace banen {

using CompactStringMapSeed = std::array<unsigned char, 16>;
// A random seed.
CompactStringMapSeed NewCompactStringMapSeed();
// SipHash-2-4 of `text` under `seed`.
uint64_t KeyedHash(const CompactStringMapSeed& seed, absl::string_view text);

template <typename T>
class CompactStringMap {
 public:
  CompactStringMap() : CompactStringMap(NewCompactStringMapSeed()) {}
  explicit CompactStringMap(const CompactStringMapSeed& seed)
      : storage_(std::make_unique<Storage>(seed)),
        index_(0, Hash{storage_.get()}, Eq{storage_.get()}) {}

  const CompactStringMapSeed& seed() const { return storage_->seed; }

  // The value of `key`; null if absent.
  T* Find(absl::string_view key) {
    const auto it = index_.find(key);
    return it == index_.end() ? nullptr : &storage_->At(*it);
  }
  const T* Find(absl::string_view key) const {
    const auto it = index_.find(key);
    return it == index_.end() ? nullptr : &storage_->At(*it);
  }
  bool contains(absl::string_view key) const { return index_.contains(key); }
  // Fetches the place of `key` in the index into the cache.
  void Prefetch(absl::string_view key) const { index_.prefetch(key); }

  // The value of `key`, a new T{} if it was absent; and whether it was.
  std::pair<T*, bool> FindOrInsert(absl::string_view key) {
    // The erased entries' slots count until the index grows: absl grows
    // when those and the entries fill it.
    if (index_.size() >= kGrownInEntryOrderFrom &&
        index_.size() + erased_since_grown_ >=
            absl::container_internal::CapacityToGrowth(index_.capacity())) {
      GrowInEntryOrder();
    }
    // One hash and one probe: the entry is made only where the probe ends.
    bool inserted = false;
    const auto it = index_.lazy_emplace(key, [&](const auto& construct) {
      construct(storage_->Add(key));
      inserted = true;
    });
    if (tracking_) changed_.Insert(*it);
    return {&storage_->At(*it), inserted};
  }

  // Erases the entry of `key`; returns its number (nullopt: none).
  std::optional<uint32_t> Erase(absl::string_view key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    const uint32_t number = *it;
    if (tracking_) changed_.Insert(number);
    storage_->Reset(number);
    storage_->SetErased(number, true);
    index_.erase(it);
    ++erased_since_grown_;
    return number;
  }

  // Undoing a batch of changes: Mark() before it; then, to undo it,
  // DropSince(mark), which takes away every entry made since (their keys
  // and values, and from the changes tracked), then Revive() for the
  // entries made before that the batch erased, then the values back.
  // Unlike Erase(), nothing of the entries made since is kept: a rejected
  // batch, however often sent, leaves the map as it was.
  size_t Mark() const { return storage_->entries; }
  void DropSince(size_t mark) {
    for (size_t number = mark; number < storage_->entries; ++number) {
      if (storage_->erased(number)) continue;
      index_.erase(static_cast<uint32_t>(number));
      ++erased_since_grown_;
    }
    changed_.EraseFrom(mark);
    storage_->TruncateTo(mark);
  }
  // Makes the erased entry `number` (made before the mark) an entry again,
  // of T{}; returns its value.
  T& Revive(uint32_t number) {
    storage_->SetErased(number, false);
    index_.insert(number);
    return storage_->At(number);
  }

  // Tracks changes from now on, forgetting those before.
  void TrackChanges() {
    tracking_ = true;
    changed_ = NumberSet();
  }
  // The number of entries changed since TrackChanges() or the last
  // TakeChanged().
  size_t changed() const { return changed_.size(); }
  // Calls visit(key, value) for each entry changed since TrackChanges() or
  // the last call, in the order they were made, with a null value for one
  // since erased (its key may have an entry made later). The key's view
  // is valid until the next insert, as every key's is.
  template <typename Visit>
  void TakeChanged(Visit visit) {
    changed_.TakeEach([&](uint32_t number) {
      visit(storage_->keys[number],
            storage_->erased(number) ? nullptr : &storage_->At(number));
    });
  }

  size_t size() const { return index_.size(); }
  // The keys' bytes, erased ones' included.
  size_t key_bytes() const { return storage_->keys.bytes(); }
  // Makes room for the `size` entries of a load, and for a sixteenth more
  // before the index grows: growing places every entry again, under the
  // lock the appends wait for (0.3 s of CPU for 3 M persons), which a map
  // loaded at its size may do within the first appends after a restart.
  // Not more: the index doubles, so room for half as many more took 8 M
  // slots (40 MB) for each of the 3.04 M jobs and 3.34 M persons of a 10 M
  // event store, where a sixteenth leaves them at 4 M (issue 15). And
  // address space for `key_bytes` of keys, whose pages are taken as keys
  // are written: doubling as it filled up moved every key into fresh pages
  // again (0.3 s of CPU in a start at 10 M events).
  void ReserveForLoad(size_t size, size_t key_bytes) {
    index_.reserve(WithRoomToGrow(size));
    storage_->keys.Reserve(WithRoomToGrow(size));
    storage_->keys.ReserveBytes(key_bytes);
  }
  // The index's slots: it grows when 7/8 of them are taken.
  size_t capacity() const { return index_.capacity(); }
  // Room for keys' bytes before they move.
  size_t key_capacity() const { return storage_->keys.byte_capacity(); }
  // From this size on the index grows in entry order (GrowInEntryOrder).
  static constexpr size_t kGrownInEntryOrderFrom = size_t{1} << 16;

  // Calls visit(key, value) for every entry, with the key as a
  // std::string_view, in the order of their places in the table of a map of
  // this seed after ReserveForLoad(size(), ...).
  template <typename Visit>
  void ForEach(Visit visit) const {
    namespace internal = absl::container_internal;
    // absl's table has this capacity (a power of 2, less 1) after
    // ReserveForLoad(size(), ...), and puts an entry whose hash is h at
    // ((h >> 7) ^ salt) & capacity, the salt a constant of the table: XOR
    // keeps every aligned block of places together, so the order of
    // (h >> 7) & capacity visits them block by block.
    const size_t capacity = internal::NormalizeCapacity(
        internal::GrowthToLowerboundCapacity(WithRoomToGrow(index_.size())));
    std::vector<std::pair<uint64_t, uint32_t>> order;
    order.reserve(index_.size());
    for (const uint32_t number : index_) {
      order.emplace_back((Hash{storage_.get()}(number) >> 7) & capacity,
                         number);
    }
    std::sort(order.begin(), order.end());
    for (const auto& [place, number] : order) {
      visit(storage_->keys[number], storage_->At(number));
    }
  }

 private:
  static size_t WithRoomToGrow(size_t size) { return size + size / 16; }

  // Makes the full index anew with room for a sixteenth more entries, as
  // absl would at the next insert (twice the capacity, unless erasures left
  // it emptier), but placing the entries in their order in memory. absl's
  // own growth takes them in the order of its old table, so it reads each
  // entry and its key at random, two cache misses an entry, while the
  // appends wait for the staging lock (issue 15: 2.4-3.1 s appends at 8 M
  // events).
  void GrowInEntryOrder() {
    Index grown(0, Hash{storage_.get()}, Eq{storage_.get()});
    grown.reserve(WithRoomToGrow(index_.size()));
    for (uint32_t number = 0; number < storage_->entries; ++number) {
      if (!storage_->erased(number)) grown.insert(number);
    }
    index_ = std::move(grown);
    erased_since_grown_ = 0;
  }

  // Entry numbers, each added in O(1) and all taken in ascending order (the
  // order of the entries in memory) in O(their count + entries / 4096): a
  // bit an entry, and a bit for each word of those that is not zero.
  class NumberSet {
   public:
    void Insert(uint32_t number) {
      const size_t word = number / 64;
      if (word >= bits_.size()) {
        bits_.resize(word + 1);
        summary_.resize(word / 64 + 1);
      }
      const uint64_t bit = uint64_t{1} << (number % 64);
      size_ += (bits_[word] & bit) == 0;
      bits_[word] |= bit;
      summary_[word / 64] |= uint64_t{1} << (word % 64);
    }
    size_t size() const { return size_; }
    // Takes out the numbers from `first` on.
    void EraseFrom(size_t first) {
      for (size_t word = first / 64; word < bits_.size(); ++word) {
        const uint64_t dropped =
            word == first / 64 ? bits_[word] & (~uint64_t{0} << (first % 64))
                               : bits_[word];
        size_ -= std::popcount(dropped);
        bits_[word] &= ~dropped;
        if (bits_[word] == 0) {
          summary_[word / 64] &= ~(uint64_t{1} << (word % 64));
        }
      }
    }
    template <typename Visit>
    void TakeEach(Visit visit) {
      for (size_t at = 0; at < summary_.size(); ++at) {
        for (uint64_t words = std::exchange(summary_[at], 0); words != 0;
             words &= words - 1) {
          const size_t word = at * 64 + std::countr_zero(words);
          for (uint64_t bits = std::exchange(bits_[word], 0); bits != 0;
               bits &= bits - 1) {
            visit(static_cast<uint32_t>(word * 64 + std::countr_zero(bits)));
          }
        }
      }
      size_ = 0;
    }

   private:
    std::vector<uint64_t> bits_;
    std::vector<uint64_t> summary_;
    size_t size_ = 0;
  };

  // Behind a pointer, so that the index's hasher and comparer, which read
  // the keys, stay valid when the map moves.
  struct Storage {
    explicit Storage(const CompactStringMapSeed& seed) : seed(seed) {}

    static constexpr int kValueBlockBits = 12;

    T& At(uint32_t number) const {
      return value_blocks[number >> kValueBlockBits]
                         [number & ((1u << kValueBlockBits) - 1)];
    }
    absl::string_view Key(uint32_t number) const {
      const std::string_view key = keys[number];
      return absl::string_view(key.data(), key.size());
    }
    bool erased(uint32_t number) const {
      return (erased_bits[number / 64] >> (number % 64) & 1) != 0;
    }
    void SetErased(uint32_t number, bool erased) {
      const uint64_t bit = uint64_t{1} << (number % 64);
      erased_bits[number / 64] = erased ? erased_bits[number / 64] | bit
                                        : erased_bits[number / 64] & ~bit;
    }
    // Frees what the value holds (destroyed and made anew: assigning T{}
    // trips GCC's maybe-uninitialized on an absl::InlinedVector).
    void Reset(uint32_t number) {
      T& value = At(number);
      std::destroy_at(&value);
      std::construct_at(&value);
    }
    // Drops the entries from `size` on (size <= entries).
    void TruncateTo(size_t size) {
      for (size_t number = size; number < entries; ++number) {
        Reset(static_cast<uint32_t>(number));
      }
      const size_t block = size_t{1} << kValueBlockBits;
      value_blocks.resize((size + block - 1) / block);
      erased_bits.resize((size + 63) / 64);
      if (size % 64 != 0) {
        erased_bits.back() &= ~(~uint64_t{0} << (size % 64));
      }
      keys.TruncateTo(size);
      entries = size;
    }
    // Stores `key` in a new entry; returns its number.
    uint32_t Add(absl::string_view key) {
      if (entries % (size_t{1} << kValueBlockBits) == 0) {
        value_blocks.push_back(
            std::make_unique<T[]>(size_t{1} << kValueBlockBits));
      }
      if (entries % 64 == 0) erased_bits.push_back(0);
      keys.Add(std::string_view(key.data(), key.size()));
      return static_cast<uint32_t>(entries++);
    }

    const CompactStringMapSeed seed;
    // By entry number: an entry is its key, its value and its erased bit.
    IdList keys;
    std::vector<std::unique_ptr<T[]>> value_blocks;
    std::vector<uint64_t> erased_bits;
    size_t entries = 0;
  };

  struct Hash {
    using is_transparent = void;  // NOLINT(readability-identifier-naming)
    size_t operator()(uint32_t number) const {
      return (*this)(storage->Key(number));
    }
    size_t operator()(absl::string_view key) const {
      return KeyedHash(storage->seed, key);
    }
    const Storage* storage;
  };
  struct Eq {
    using is_transparent = void;  // NOLINT(readability-identifier-naming)
    absl::string_view KeyOf(uint32_t number) const {
      return storage->Key(number);
    }
    static absl::string_view KeyOf(absl::string_view key) { return key; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return KeyOf(a) == KeyOf(b);
    }
    const Storage* storage;
  };

  // On huge pages once it takes 2 MB: at millions of entries every lookup
  // lands at random in tens of MB, where 4 KB pages missed the TLB (issue
  // 15: the prefetches of the validation state's places took 2.8 % of the
  // server's CPU at a 10 M store, none at an empty one).
  using Index =
      absl::flat_hash_set<uint32_t, Hash, Eq, HugePageAllocator<uint32_t>>;

  std::unique_ptr<Storage> storage_;
  Index index_;
  // Since GrowInEntryOrder() last ran (or since the map was made); the
  // places they leave in the index are reused only now and then.
  size_t erased_since_grown_ = 0;
  bool tracking_ = false;
  NumberSet changed_;
};

}  // namespace banen

#endif  // BANEN_LEDGER_COMPACT_STRING_MAP_H_
