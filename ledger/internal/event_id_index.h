// EventIdIndex: the EventLog's event_id -> seq, in memory. Internal to
// ledger/ (and its tests).
//
// Not thread-safe: the EventLog guards it with its index_mu_.
#ifndef BANEN_LEDGER_INTERNAL_EVENT_ID_INDEX_H_
#define BANEN_LEDGER_INTERNAL_EVENT_ID_INDEX_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ledger/absl_compat.h"
#include "ledger/huge_pages.h"
#include "ledger/internal/state_body.h"
#include "ledger/packed_bits.h"
#include "ledger/prefetch.h"
#include "sodium.h"

namespace banen {

// The ids of a state checkpoint, sorted by the leading kKeyBits bits of
// their fingerprints (their keys), with their seqs: some 5.5 bytes an id and
// under a byte of directory, where whole fingerprints took 12 and up to two
// (issue 15: 136 MB at 10 M events, 670 MB at 50 M). A directory holds where
// each run of leading key bits (a bucket) begins; below those bits each key
// keeps the rest, at most 32 bits, and its seq beside it in as many bits as
// the highest seq needs: entries of rest_bits + seq_bits, packed one after
// another (at 10 M ids 19 + 24 = 43 bits, where two 32-bit arrays took 64).
// Keys are uniform, so a lookup reads the directory and a bucket of about
// eight keys: two cache misses, like a hash map, at a fraction of its
// memory. Seqs are below 2^32, positions too.
//
// Keys are unique; of 10 M ids, an id new to the index shares the key of a
// held one once in 100,000 lookups, and the caller's check against the
// stored event tells them apart.
class SortedFingerprints {
 public:
  static constexpr int kKeyBits = 40;
  static uint64_t KeyOf(uint64_t fingerprint) {
    return fingerprint >> (64 - kKeyBits);
  }

  // Room for up to `count` keys, appended in strictly ascending order, with
  // seqs up to `max_seq` (<= 2^32 - 1).
  explicit SortedFingerprints(size_t count = 0, uint64_t max_seq = 0);
  SortedFingerprints(SortedFingerprints&&) = default;
  SortedFingerprints& operator=(SortedFingerprints&&) = default;
  SortedFingerprints(const SortedFingerprints& other);
  SortedFingerprints& operator=(const SortedFingerprints& other) {
    return *this = SortedFingerprints(other);
  }

  // `key` (below 2^kKeyBits, above every key appended) and its seq.
  void Append(uint64_t key, uint32_t seq) {
    const uint64_t bucket = key >> rest_bits_;
    while (directory_filled_ <= bucket) {
      bucket_begin_[directory_filled_++] = static_cast<uint32_t>(size_);
    }
    const uint64_t at = size_ * entry_bits_;
    Put(at, key & rest_mask_);
    Put(at + rest_bits_, seq);
    max_seq_ = std::max(max_seq_, seq);
    ++size_;
  }
  // After the last Append(), before any lookup.
  void FinishAppending() {
    while (directory_filled_ < bucket_begin_.size()) {
      bucket_begin_[directory_filled_++] = static_cast<uint32_t>(size_);
    }
  }

  size_t size() const { return size_; }
  // The highest seq appended; 0 if none.
  uint32_t max_seq() const { return max_seq_; }

  std::optional<uint64_t> Find(uint64_t key) const {
    const uint64_t bucket = key >> rest_bits_;
    const uint64_t rest = key & rest_mask_;
    for (uint64_t i = bucket_begin_[bucket]; i < bucket_begin_[bucket + 1];
         ++i) {
      const uint64_t held = Get(i * entry_bits_, rest_bits_);
      if (held == rest) return Get(i * entry_bits_ + rest_bits_, seq_bits_);
      if (held > rest) break;
    }
    return std::nullopt;
  }

  // Find()'s two cache misses, fetched ahead in two steps: the directory
  // entry, then (once that is in cache) the bucket it names.
  void PrefetchDirectory(uint64_t key) const {
    PrefetchForRead(bucket_begin_.data() + (key >> rest_bits_));
  }
  void PrefetchBucket(uint64_t key) const {
    PrefetchForRead(packed_.data() +
                    bucket_begin_[key >> rest_bits_] * entry_bits_ / 8);
  }

  // Calls visit(key, seq) for every key, in ascending order.
  template <typename Visit>
  void ForEach(Visit visit) const {
    uint64_t i = 0;
    for (uint64_t bucket = 0; bucket + 1 < bucket_begin_.size(); ++bucket) {
      for (; i < bucket_begin_[bucket + 1]; ++i) {
        const uint64_t at = i * entry_bits_;
        visit((bucket << rest_bits_) | Get(at, rest_bits_),
              static_cast<uint32_t>(Get(at + rest_bits_, seq_bits_)));
      }
    }
  }
  size_t MemoryBytes() const {
    return packed_.size() + bucket_begin_.capacity() * sizeof(uint32_t);
  }

 private:
  // The `bits` (<= 32) at bit `at` of packed_.
  uint64_t Get(uint64_t at, int bits) const {
    return ReadPackedBits(packed_.data(), at, bits);
  }
  // Writes `value` (<= 32 bits) at bit `at`, where all bits are zero.
  void Put(uint64_t at, uint64_t value) {
    WritePackedBits(packed_.data(), at, value);
  }

  int rest_bits_ = 0;  // the key's bits below its bucket's
  uint64_t rest_mask_ = 0;
  int seq_bits_ = 1;
  uint64_t entry_bits_ = 1;  // rest_bits_ + seq_bits_
  // Entry i at bit i * entry_bits_: its rest, then its seq. Zero-filled.
  HugeBytes packed_{0};
  size_t size_ = 0;
  uint32_t max_seq_ = 0;
  // Bucket b (the keys whose leading bits are b) is
  // [bucket_begin_[b], bucket_begin_[b + 1]).
  HugeVector<uint32_t> bucket_begin_;
  size_t directory_filled_ = 0;  // entries of bucket_begin_ set so far
};

// event_id -> seq, kept in memory as 64-bit fingerprints instead of a RocksDB
// index: an index keyed by random event_ids would turn every append into
// random-key writes and lookups, while the log itself is written in seq
// order. A match is confirmed against the stored event; the rare id whose
// fingerprint another id took first is kept whole. The ids of the loaded
// state checkpoint are in sorted arrays by the keys of their fingerprints
// (SortedFingerprints), those stored since in a hash map by the whole
// fingerprint, until the next save merges them, or arrays merged from disk
// replace them (Seal(), TakeMerged()); so are the few whose key an id in
// the arrays holds.
class EventIdIndex {
 public:
  // The highest seq SortedFingerprints holds.
  static constexpr uint64_t kMaxSortedSeq =
      std::numeric_limits<uint32_t>::max();
  using Key = std::array<unsigned char, crypto_shorthash_KEYBYTES>;

  // Fingerprints keyed with a new random key: no one can choose ids whose
  // fingerprints collide, which would cost a read of the store each.
  EventIdIndex();

  // Stable across processes and machines, so that it can be saved. Callers
  // compute it once per event_id for Find() and Insert().
  uint64_t Fingerprint(std::string_view event_id) const;

  // The seq that `event_id`, of that `fingerprint`, may be stored at;
  // confirm against the stored event's id.
  std::optional<uint64_t> Find(std::string_view event_id,
                               uint64_t fingerprint) const {
    if (!colliding_ids_.empty()) {
      if (const auto it = colliding_ids_.find(AbslView(event_id));
          it != colliding_ids_.end()) {
        return it->second;
      }
    }
    for (const auto* hashed : {&recent_, &sealed_}) {
      if (hashed->empty()) continue;
      if (const auto it = hashed->find(fingerprint); it != hashed->end()) {
        return it->second;
      }
    }
    return saved_.Find(SortedFingerprints::KeyOf(fingerprint));
  }
  // What the index says of one incoming id.
  struct Probe {
    uint64_t fingerprint;            // Fingerprint(event_id)
    std::optional<uint64_t> stored;  // Find(event_id, fingerprint)
  };
  // The probes of `count` ids, `event_id_at(i)` the i-th. At 10 M stored ids
  // each lookup of a new id misses the cache twice (the directory, then the
  // bucket it names): each lookup's memory is fetched in those two steps,
  // kAhead and kAhead / 2 lookups ahead, so that the misses overlap.
  // bench/event_id_lookup_bench at 10 M ids: 61-66 ns a lookup, 128-132 with
  // the directory alone fetched ahead, 236-299 looked up one by one; 8
  // ahead, or chunks of 16 or 32 fetched before their lookups, 66-83.
  template <typename EventIdAt>
  std::vector<Probe> ProbeAll(size_t count, EventIdAt event_id_at) const {
    std::vector<Probe> probes;
    probes.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      probes.push_back({Fingerprint(event_id_at(i)), std::nullopt});
    }
    constexpr size_t kAhead = 16;
    for (size_t i = 0; i < std::min(count, kAhead); ++i) {
      Prefetch(probes[i].fingerprint, 0);
    }
    for (size_t i = 0; i < count; ++i) {
      if (i + kAhead < count) Prefetch(probes[i + kAhead].fingerprint, 0);
      if (i + kAhead / 2 < count) {
        Prefetch(probes[i + kAhead / 2].fingerprint, 1);
      }
      probes[i].stored = Find(event_id_at(i), probes[i].fingerprint);
    }
    return probes;
  }

  // `fingerprint_taken`: Find(event_id, fingerprint) returned the seq of
  // another id.
  void Insert(std::string_view event_id, uint64_t fingerprint, uint64_t seq,
              bool fingerprint_taken) {
    if (fingerprint_taken) {
      colliding_ids_.emplace(std::string(event_id), seq);
      if (tracking_) added_.colliding.emplace_back(event_id, seq);
    } else {
      recent_.emplace(fingerprint, seq);
      if (tracking_) added_.ids.emplace_back(fingerprint, seq);
    }
  }

  // The ids inserted since TrackAdded() or the last TakeAdded(): a state
  // delta's fingerprint_key and event_id_index (storage_format.h
  // delta_body).
  struct Added {
    Key key{};
    std::vector<std::pair<uint64_t, uint64_t>> ids;  // fingerprint, seq
    std::vector<std::pair<std::string, uint64_t>> colliding;

    void EncodeTo(std::string& out) const;
    // At least the size of what EncodeTo() appends, without encoding: O(1)
    // but for the few colliding ids.
    size_t EncodedSizeBound() const;
    // Reads what EncodeTo() wrote from the front of `bytes`, advancing it.
    static std::optional<Added> Decode(std::string_view& bytes);
  };
  // Records what Insert() adds from now on, forgetting what it added before.
  // Room for `expected` ids is reserved, not touched: its pages are mapped as
  // the ids come, not all at once, and it does not grow by copying.
  void TrackAdded(size_t expected) {
    tracking_ = true;
    added_ = Added();
    added_.ids.reserve(expected);
  }
  // In O(1): the ids are moved out; then as TrackAdded(expected).
  Added TakeAdded(size_t expected) {
    Added added = std::exchange(added_, Added());
    added.key = key_;
    added_.ids.reserve(expected);
    return added;
  }
  // Whether AddAll(added) would: an index takes the ids of another key only
  // while it is empty, and then the key too.
  bool Accepts(const Added& added) const {
    return added.key == key_ || (saved_.size() == 0 && recent_.empty() &&
                                 sealed_.empty() && colliding_ids_.empty());
  }
  void AddAll(Added added);

  // Moves the fingerprints inserted since the load (all but those of seqs
  // above 2^32 - 1, and those whose key the arrays hold) into the sorted
  // arrays, and frees the maps they were in. Costs a copy of the arrays.
  void Merge();

  // Without a copy, the hash map of a live index would grow until the next
  // Merge(), which only the EventLog's saves make (at a close, or an open
  // that replayed): 17-35 bytes for each id stored since the start, where
  // the arrays take 8. The EventLog's delta thread merges
  // the same ids from the state on disk, off the write path; these two hand
  // its arrays over in O(1).
  //
  // Marks the ids inserted so far, all of seqs up to `seq`, as those that
  // the arrays of an index merged up to `seq` or later will replace
  // (TakeMerged); the ids inserted from now on are kept apart. If ids are
  // marked already (a merge that never came), they stay so and this does
  // nothing.
  void Seal(uint64_t seq) {
    if (sealed_at_.has_value()) return;
    sealed_ = std::exchange(recent_, {});
    sealed_at_ = seq;
  }
  // If `merged` (of this index's key, after its Merge()) holds every id of
  // seq up to `seq`, and `seq` is at or past the last Seal() since the last
  // Merge(): replaces the arrays and the ids marked sealed with `merged`'s,
  // and gives `merged` those it replaced, to be freed outside the lock.
  // False, and nothing changed, otherwise. The ids of seqs above `seq`
  // inserted before the seal then stay in the map, found as before, until
  // the next seal and merge.
  bool TakeMerged(uint64_t seq, EventIdIndex& merged);

  // Ids in the hash maps, for monitoring: those not yet in the arrays.
  size_t hashed() const { return recent_.size() + sealed_.size(); }
  // The index's memory: the arrays, the maps' tables and the colliding ids'
  // map (not their strings' heap).
  size_t MemoryBytes() const;

  // fingerprint_key event_id_index_3 (storage_format.h state_body, version
  // 3), after Merge(): the recent ones are those of the highest seqs and
  // those whose key another id holds.
  void EncodeTo(std::string& out) const;
  // Reads the event_id_index of a state of `version` (1 to 3) from `body`
  // at `offset`, advancing it; its arrays as two streams read in step.
  static absl::StatusOr<EventIdIndex> Decode(uint32_t version,
                                             const StateBody& body,
                                             uint64_t& offset);
  // The same from the front of `bytes`, advancing it.
  static absl::StatusOr<EventIdIndex> Decode(uint32_t version,
                                             std::string_view& bytes);

 private:
  // Find(_, fingerprint)'s memory, in two steps: `stage` 0, then 1 once
  // stage 0's has come.
  void Prefetch(uint64_t fingerprint, int stage) const {
    if (stage == 0) {
      saved_.PrefetchDirectory(SortedFingerprints::KeyOf(fingerprint));
      recent_.prefetch(fingerprint);
      if (!sealed_.empty()) sealed_.prefetch(fingerprint);
    } else {
      saved_.PrefetchBucket(SortedFingerprints::KeyOf(fingerprint));
    }
  }
  // count fingerprint* seq* (event_id_index_2 and _3) into saved_, each id
  // whose key the one before it has (of version 2) into recent_; false if
  // the bytes are short, the fingerprints not strictly ascending or, of
  // version 3, not keys.
  bool DecodeSorted(uint32_t version, const StateBody& body, uint64_t& offset);
  // Merges `fresh` (sorted, seqs up to kMaxSortedSeq, fingerprints not in
  // saved_) into saved_, and into recent_ those whose key an id in saved_
  // or before them in `fresh` holds.
  void MergeSaved(absl::Span<const std::pair<uint64_t, uint64_t>> fresh);

  Key key_;
  SortedFingerprints saved_;
  absl::flat_hash_map<uint64_t, uint64_t> recent_;
  // The ids marked by Seal(), until TakeMerged() or Merge().
  absl::flat_hash_map<uint64_t, uint64_t> sealed_;
  std::optional<uint64_t> sealed_at_;
  absl::flat_hash_map<std::string, uint64_t> colliding_ids_;
  bool tracking_ = false;
  Added added_;
};

}  // namespace banen

#endif  // BANEN_LEDGER_INTERNAL_EVENT_ID_INDEX_H_
