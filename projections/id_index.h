// IdIndex: the projection state's index of person refs and job ids, a hash
// table of indexes into an IdList (the ids one after another) that the state
// checkpoint saves and loads as it is (state_checkpoint.h, layout 3 on).
//
// Why not an absl table: absl::Hash is seeded per process, so its tables
// cannot be saved, and a restart rebuilt both indexes (at 10 M events 3 M
// person refs and the job ids: about a second on both cores, while the
// server ingests). This one places an id by a keyed hash of its bytes
// (IdHashOf) under the state's own random key, which the checkpoint saves,
// so a table saved by one process is valid in the next. Random, because
// anyone who knew the key could choose ids of one home slot: a run that
// every insert and lookup near it walks (checkpoint layouts 3 and 4 used a
// key fixed in the source; state_checkpoint.h).
//
// The layout is a function of the key and the set of (id, index) and
// nothing else:
// linear probing with the entries kept sorted by their tag (the hash's high
// 32 bits; equal tags by id bytes), each at max(its home slot, the previous
// entry's slot + 1), where home = tag * capacity / 2^32, and past the
// last home slot as far as the last entry needs (no wrap around). The
// capacity is a function of the entry count (CapacityFor; or of more
// entries, reserved for: Reserve). So a state
// continued from a checkpoint holds the same table as one folded from seq 1,
// the checkpoint saves just the entries in order (no empty slots), and a
// load places them again in one sequential pass without reading an id.
// A lookup reads ids only for an entry of its tag: a miss rarely does.
//
// Not thread-safe.
#ifndef BANEN_PROJECTIONS_ID_INDEX_H_
#define BANEN_PROJECTIONS_ID_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "absl/strings/string_view.h"
#include "ledger/compact_string_map.h"
#include "ledger/huge_pages.h"
#include "ledger/id_list.h"

namespace banen {

// The key of IdHashOf: each ProjectionState draws its own.
using IdKey = CompactStringMapSeed;

// STORED ON DISK (the tables of state checkpoints are placed by it):
// SipHash-2-4 of the id's bytes under `key`. A change takes a new
// checkpoint layout.
inline uint64_t IdHashOf(const IdKey& key, std::string_view id) {
  return KeyedHash(key, absl::string_view(id.data(), id.size()));
}

// An id with its hash computed ahead.
struct HashedId {
  std::string_view id;
  uint64_t hash = 0;
};
inline HashedId Hashed(const IdKey& key, std::string_view id) {
  return {id, IdHashOf(key, id)};
}

class IdIndex {
 public:
  inline static constexpr uint32_t kEmpty =
      std::numeric_limits<uint32_t>::max();
  struct Entry {
    uint32_t tag = 0;  // the high 32 bits of the id's hash
    uint32_t index = kEmpty;
    bool operator==(const Entry&) const = default;
  };
  static uint32_t TagOf(uint64_t hash) { return uint32_t(hash >> 32); }
  // The home slots of a table of `entries`: at most 3/4 of them taken.
  // The capacities step by a quarter of a power of two (16, 20, 24, 28, 32,
  // 40, ...), so that a table is 3/4 to 3/5 full after it grows where powers
  // of two left it 3/8 full (issue 15: the person index of 3.34 M ids took
  // 64 MB of slots, 42 MB with these steps).
  static size_t CapacityFor(size_t entries);

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  // The index of `id` in `ids` (the list this index is of); kEmpty when
  // absent.
  uint32_t Find(const IdList& ids, const HashedId& id) const;
  // Warms the cache for Find(id)'s slots.
  void Prefetch(const HashedId& id) const;
  // The index of the first entry of id's tag, without reading an id (so
  // perhaps another id's): what Find(id) will most likely compare, for the
  // caller to prefetch once the slots are in the cache. kEmpty: none.
  uint32_t Probe(const HashedId& id) const;
  // Adds `index`, which holds an id not in the index.
  void Insert(const IdList& ids, uint32_t index, uint64_t hash);
  // Makes room for `entries` at once, where each insert past 3/4 of the
  // capacity grows it by a quarter, placing every entry again in fresh
  // memory (for the 3.3 M person refs of 10 M events, 13 % of a rebuild's
  // fold). For more entries than will be inserted, the table keeps the
  // capacity of `entries`, not of its own.
  void Reserve(size_t entries);
  // Points the entry of `id` (in the index) at `index`, which holds the same
  // id: a later job that took a job id over.
  void Reassign(const IdList& ids, const HashedId& id, uint32_t index);
  // Calls visit(entry) for each entry in order: the order Append() takes.
  template <typename Visit>
  void ForEach(Visit visit) const {
    for (const Entry& entry : slots_) {
      if (entry.index != kEmpty) visit(entry);
    }
  }

  // A load: an empty index of the capacity for `entries`, then each entry
  // as ForEach() visited them (Append), then FinishLoad().
  static IdIndex ForLoad(size_t entries);
  // False (and not added) when `entry` is empty or its tag sorts before
  // the last one's.
  bool Append(Entry entry);
  // While loading: the tag of the last entry appended (0: none).
  uint32_t last_tag() const { return slots_.empty() ? 0 : slots_.back().tag; }
  void FinishLoad();

 private:
  // Monotonic in the tag, which keeps the slots in tag order.
  uint32_t Home(uint32_t tag) const {
    return static_cast<uint32_t>((uint64_t{tag} * capacity_) >> 32);
  }
  // The first slot holding an entry of `tag`; slots_.size() when none.
  size_t FirstSlotOf(uint32_t tag) const;
  // The slot of `id`; slots_.size() when absent.
  size_t SlotOf(const IdList& ids, const HashedId& id) const;
  // Places `entry`, which sorts after every entry held, at its slot.
  void PlaceLast(Entry entry);

  // The home slots, then as many as the last entries ran past them.
  HugeVector<Entry> slots_;
  size_t capacity_ = 0;  // home slots: CapacityFor(some count)
  size_t size_ = 0;
};

}  // namespace banen

#endif  // BANEN_PROJECTIONS_ID_INDEX_H_
