// CompactStringMap: a map from strings to values for millions of small
// entries (the validation state's jobs and persons), in a fraction of the
// memory of an absl::flat_hash_map<std::string, T>. That map holds a slot of
// 32 + sizeof(T) bytes per entry, with up to half of its slots empty, and
// allocates every key longer than 15 bytes. This one appends keys to blocks
// of bytes and values to blocks of entries, and indexes them through a hash
// set of 4-byte entry numbers: its empty slots cost 5 bytes each. Loading
// millions of entries writes the blocks in order and probes a table that is
// small enough to stay mostly in cache.
//
// Erasing leaves the entry's bytes behind (its value reset): the validation
// state erases only what a retraction empties, and a reload drops them.
// Pointers to values stay valid until the entry is erased. Up to 2^32
// entries, erased ones included. Not thread-safe.
#ifndef BANEN_LEDGER_COMPACT_STRING_MAP_H_
#define BANEN_LEDGER_COMPACT_STRING_MAP_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace banen {

template <typename T>
class CompactStringMap {
 public:
  CompactStringMap()
      : storage_(std::make_unique<Storage>()),
        index_(0, Hash{storage_.get()}, Eq{storage_.get()}) {}

  // The value of `key`; null if absent.
  T* Find(absl::string_view key) {
    const auto it = index_.find(key);
    return it == index_.end() ? nullptr : &storage_->At(*it).value;
  }
  const T* Find(absl::string_view key) const {
    const auto it = index_.find(key);
    return it == index_.end() ? nullptr : &storage_->At(*it).value;
  }
  bool contains(absl::string_view key) const { return index_.contains(key); }

  // The value of `key`, a new T{} if it was absent; and whether it was.
  std::pair<T*, bool> FindOrInsert(absl::string_view key) {
    // One hash and one probe: the entry is made only where the probe ends.
    bool inserted = false;
    const auto it = index_.lazy_emplace(key, [&](const auto& construct) {
      construct(storage_->Add(key));
      inserted = true;
    });
    return {&storage_->At(*it).value, inserted};
  }

  void Erase(absl::string_view key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return;
    // Frees what the value holds (destroyed and made anew: assigning T{}
    // trips GCC's maybe-uninitialized on an absl::InlinedVector).
    T& value = storage_->At(*it).value;
    std::destroy_at(&value);
    std::construct_at(&value);
    index_.erase(it);
  }

  size_t size() const { return index_.size(); }
  void reserve(size_t size) { index_.reserve(size); }

  // Calls visit(key, value) for every entry, in no particular order, with
  // the key as a std::string_view.
  template <typename Visit>
  void ForEach(Visit visit) const {
    for (const uint32_t number : index_) {
      const Entry& entry = storage_->At(number);
      const absl::string_view key = storage_->Key(entry);
      visit(std::string_view(key.data(), key.size()), entry.value);
    }
  }

 private:
  struct Entry {
    uint64_t key_at = 0;  // in Storage::key_blocks
    uint32_t key_size = 0;
    T value{};
  };

  // Behind a pointer, so that the index's hasher and comparer, which read
  // the keys, stay valid when the map moves.
  struct Storage {
    static constexpr int kEntryBlockBits = 12;
    static constexpr size_t kKeyBlockSize = size_t{1} << 20;

    Entry& At(uint32_t number) const {
      return entry_blocks[number >> kEntryBlockBits]
                         [number & ((1u << kEntryBlockBits) - 1)];
    }
    absl::string_view Key(const Entry& entry) const {
      return absl::string_view(key_blocks[entry.key_at / kKeyBlockSize].get() +
                                   entry.key_at % kKeyBlockSize,
                               entry.key_size);
    }
    // Stores `key` in a new entry; returns its number.
    uint32_t Add(absl::string_view key) {
      // Blocks are addressed as if each were kKeyBlockSize long: a key
      // longer than that gets a block of its own, which then counts as
      // full.
      if (key_blocks.empty() || key_used + key.size() > kKeyBlockSize) {
        key_blocks.push_back(
            std::make_unique<char[]>(std::max(kKeyBlockSize, key.size())));
        key_used = 0;
      }
      if (entries % (size_t{1} << kEntryBlockBits) == 0) {
        entry_blocks.push_back(
            std::make_unique<Entry[]>(size_t{1} << kEntryBlockBits));
      }
      const auto number = static_cast<uint32_t>(entries++);
      Entry& entry = At(number);
      entry.key_at = (key_blocks.size() - 1) * kKeyBlockSize + key_used;
      entry.key_size = static_cast<uint32_t>(key.size());
      std::memcpy(key_blocks.back().get() + key_used, key.data(), key.size());
      key_used += key.size();
      return number;
    }

    std::vector<std::unique_ptr<char[]>> key_blocks;
    size_t key_used = 0;  // in the last block
    std::vector<std::unique_ptr<Entry[]>> entry_blocks;
    size_t entries = 0;
  };

  struct Hash {
    using is_transparent = void;  // NOLINT(readability-identifier-naming)
    size_t operator()(uint32_t number) const {
      return (*this)(storage->Key(storage->At(number)));
    }
    size_t operator()(absl::string_view key) const {
      return absl::Hash<absl::string_view>()(key);
    }
    const Storage* storage;
  };
  struct Eq {
    using is_transparent = void;  // NOLINT(readability-identifier-naming)
    absl::string_view KeyOf(uint32_t number) const {
      return storage->Key(storage->At(number));
    }
    static absl::string_view KeyOf(absl::string_view key) { return key; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return KeyOf(a) == KeyOf(b);
    }
    const Storage* storage;
  };

  std::unique_ptr<Storage> storage_;
  absl::flat_hash_set<uint32_t, Hash, Eq> index_;
};

}  // namespace banen

#endif  // BANEN_LEDGER_COMPACT_STRING_MAP_H_
