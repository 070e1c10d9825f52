#include "ledger/internal/event_id_index.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <type_traits>

#include "absl/base/internal/endian.h"
#include "absl/status/status.h"
#include "ledger/internal/checkpoint_coding.h"

namespace banen {
namespace {

// event_id_index (storage_format.h): the fingerprints with their seqs, then
// the ids whose fingerprint another id had first.
void WriteUnsorted(checkpoint_coding::CodedOutputStream& coded,
                   const auto& fingerprints, const auto& colliding) {
  coded.WriteVarint64(fingerprints.size());
  for (const auto& [fingerprint, seq] : fingerprints) {
    coded.WriteLittleEndian64(fingerprint);
    coded.WriteVarint64(seq);
  }
  coded.WriteVarint64(colliding.size());
  for (const auto& [event_id, seq] : colliding) {
    checkpoint_coding::WriteString(coded, event_id);
    coded.WriteVarint64(seq);
  }
}

// The counts are at most `most`, the bytes `in` reads from.
bool ReadUnsorted(checkpoint_coding::CodedInputStream& in, uint64_t most,
                  std::vector<std::pair<uint64_t, uint64_t>>& fingerprints,
                  std::vector<std::pair<std::string, uint64_t>>& colliding) {
  uint64_t count = 0;
  if (!in.ReadVarint64(&count) || count > most) return false;
  fingerprints.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t fingerprint = 0;
    uint64_t seq = 0;
    if (!in.ReadLittleEndian64(&fingerprint) || !in.ReadVarint64(&seq)) {
      return false;
    }
    fingerprints.emplace_back(fingerprint, seq);
  }
  if (!in.ReadVarint64(&count) || count > most) return false;
  std::string event_id;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t seq = 0;
    if (!checkpoint_coding::ReadString(in, event_id) ||
        !in.ReadVarint64(&seq)) {
      return false;
    }
    colliding.emplace_back(event_id, seq);
  }
  return true;
}

}  // namespace

SortedFingerprints::SortedFingerprints(size_t count, uint64_t max_seq)
    : seq_bits_(std::max(1, static_cast<int>(std::bit_width(max_seq)))) {
  // 4 to 8 keys a bucket on average, the rest of a key at most 32 bits.
  const int bucket_bits = std::clamp(
      static_cast<int>(std::bit_width(count / 8)), kKeyBits - 32, kKeyBits - 1);
  rest_bits_ = kKeyBits - bucket_bits;
  rest_mask_ = (uint64_t{1} << rest_bits_) - 1;
  entry_bits_ =
      static_cast<uint64_t>(rest_bits_) + static_cast<uint64_t>(seq_bits_);
  // Zeroed as Put() needs; the appends fill it front to back right after.
  packed_ = HugeBytes(PackedBytesFor(count * entry_bits_));
  std::memset(packed_.data(), 0, packed_.size());
  bucket_begin_.resize((size_t{1} << bucket_bits) + 1);
}

SortedFingerprints::SortedFingerprints(const SortedFingerprints& other)
    : rest_bits_(other.rest_bits_),
      rest_mask_(other.rest_mask_),
      seq_bits_(other.seq_bits_),
      entry_bits_(other.entry_bits_),
      packed_(other.packed_.size()),
      size_(other.size_),
      max_seq_(other.max_seq_),
      bucket_begin_(other.bucket_begin_),
      directory_filled_(other.directory_filled_) {
  std::memcpy(packed_.data(), other.packed_.data(), packed_.size());
}

EventIdIndex::EventIdIndex() {
  static const bool kInitialised = sodium_init() >= 0;
  (void)kInitialised;
  randombytes_buf(key_.data(), key_.size());
}

uint64_t EventIdIndex::Fingerprint(std::string_view event_id) const {
  std::array<unsigned char, crypto_shorthash_BYTES> hash;
  crypto_shorthash(hash.data(),
                   reinterpret_cast<const unsigned char*>(event_id.data()),
                   event_id.size(), key_.data());
  return absl::little_endian::Load64(hash.data());
}

void EventIdIndex::Added::EncodeTo(std::string& out) const {
  out.append(reinterpret_cast<const char*>(key.data()), key.size());
  google::protobuf::io::StringOutputStream stream(&out);
  checkpoint_coding::CodedOutputStream coded(&stream);
  WriteUnsorted(coded, ids, colliding);
}

size_t EventIdIndex::Added::EncodedSizeBound() const {
  constexpr size_t kVarint64 = 10;
  size_t bound = key.size() + kVarint64 +
                 ids.size() * (sizeof(uint64_t) + kVarint64) + kVarint64;
  for (const auto& [event_id, seq] : colliding) {
    bound += kVarint64 + event_id.size() + kVarint64;
  }
  return bound;
}

std::optional<EventIdIndex::Added> EventIdIndex::Added::Decode(
    std::string_view& bytes) {
  Added added;
  if (bytes.size() < added.key.size()) return std::nullopt;
  std::memcpy(added.key.data(), bytes.data(), added.key.size());
  bytes.remove_prefix(added.key.size());
  const uint64_t most = bytes.size();
  if (!checkpoint_coding::ReadPrefix(
          bytes, [&](checkpoint_coding::CodedInputStream& in) {
            return ReadUnsorted(in, most, added.ids, added.colliding);
          })) {
    return std::nullopt;
  }
  return added;
}

void EventIdIndex::AddAll(Added added) {
  key_ = added.key;
  recent_.insert(added.ids.begin(), added.ids.end());
  for (auto& [event_id, seq] : added.colliding) {
    colliding_ids_.emplace(std::move(event_id), seq);
  }
}

void EventIdIndex::Merge() {
  std::vector<std::pair<uint64_t, uint64_t>> fresh;
  fresh.reserve(recent_.size() + sealed_.size());
  absl::flat_hash_map<uint64_t, uint64_t> beyond;
  for (const auto* hashed : {&recent_, &sealed_}) {
    for (const auto& [fingerprint, seq] : *hashed) {
      if (seq > kMaxSortedSeq) {
        beyond.emplace(fingerprint, seq);
      } else {
        fresh.emplace_back(fingerprint, seq);
      }
    }
  }
  recent_ = std::move(beyond);
  sealed_ = {};
  sealed_at_.reset();
  std::sort(fresh.begin(), fresh.end());
  MergeSaved(fresh);
}

bool EventIdIndex::TakeMerged(uint64_t seq, EventIdIndex& merged) {
  if (!sealed_at_.has_value() || *sealed_at_ > seq || merged.key_ != key_ ||
      !merged.sealed_.empty()) {
    return false;
  }
  // Its map holds the few ids of seq up to `seq` whose key another id in its
  // arrays holds (Merge()): kept by their whole fingerprints here too.
  recent_.insert(merged.recent_.begin(), merged.recent_.end());
  merged.recent_.clear();
  std::swap(saved_, merged.saved_);
  std::swap(sealed_, merged.sealed_);
  sealed_at_.reset();
  return true;
}

size_t EventIdIndex::MemoryBytes() const {
  // absl's tables: a slot and a control byte each.
  const auto table_bytes = [](const auto& map) {
    return map.bucket_count() *
           (sizeof(typename std::decay_t<decltype(map)>::value_type) + 1);
  };
  return saved_.MemoryBytes() + table_bytes(recent_) + table_bytes(sealed_) +
         table_bytes(colliding_ids_);
}

void EventIdIndex::EncodeTo(std::string& out) const {
  using namespace checkpoint_coding;  // NOLINT(google-build-using-namespace)
  out.append(reinterpret_cast<const char*>(key_.data()), key_.size());
  {
    google::protobuf::io::StringOutputStream stream(&out);
    CodedOutputStream coded(&stream);
    coded.WriteVarint64(saved_.size());
  }
  size_t at = out.size();
  out.resize(at + saved_.size() * (sizeof(uint64_t) + sizeof(uint32_t)));
  saved_.ForEach([&](uint64_t key, uint32_t /*seq*/) {
    absl::little_endian::Store64(out.data() + at,
                                 key << (64 - SortedFingerprints::kKeyBits));
    at += sizeof(uint64_t);
  });
  saved_.ForEach([&](uint64_t /*key*/, uint32_t seq) {
    absl::little_endian::Store32(out.data() + at, seq);
    at += sizeof(uint32_t);
  });
  google::protobuf::io::StringOutputStream stream(&out);
  CodedOutputStream coded(&stream);
  WriteUnsorted(coded, recent_, colliding_ids_);
}

absl::StatusOr<EventIdIndex> EventIdIndex::Decode(uint32_t version,
                                                  std::string_view& bytes) {
  const FlatStateBody body(bytes);
  uint64_t offset = 0;
  absl::StatusOr<EventIdIndex> index = Decode(version, body, offset);
  bytes.remove_prefix(offset);
  return index;
}

absl::StatusOr<EventIdIndex> EventIdIndex::Decode(uint32_t version,
                                                  const StateBody& body,
                                                  uint64_t& offset) {
  using checkpoint_coding::CodedInputStream;
  EventIdIndex index;
  const absl::Status unreadable =
      absl::DataLossError("the saved event_id index is unreadable");
  {
    const auto stream = body.Range(offset, body.size());
    CodedInputStream in(stream.get());
    if (!in.ReadRaw(index.key_.data(), static_cast<int>(index.key_.size()))) {
      return unreadable;
    }
    offset += in.CurrentPosition();
  }
  if (version >= 2 && !index.DecodeSorted(version, body, offset)) {
    return unreadable;
  }
  // Version 1's whole index, or those after the sorted arrays.
  std::vector<std::pair<uint64_t, uint64_t>> unsorted;
  std::vector<std::pair<std::string, uint64_t>> colliding;
  {
    const auto stream = body.Range(offset, body.size());
    CodedInputStream in(stream.get());
    if (!ReadUnsorted(in, body.size() - offset, unsorted, colliding)) {
      return unreadable;
    }
    offset += in.CurrentPosition();
  }
  index.colliding_ids_.insert(std::make_move_iterator(colliding.begin()),
                              std::make_move_iterator(colliding.end()));
  // Version 1's are not sorted, nor split at 2^32: done here, once.
  const auto beyond =
      version == 1 ? std::partition(unsorted.begin(), unsorted.end(),
                                    [](const auto& entry) {
                                      return entry.second <= kMaxSortedSeq;
                                    })
                   : unsorted.begin();
  index.recent_.reserve(index.recent_.size() + (unsorted.end() - beyond));
  for (auto it = beyond; it != unsorted.end(); ++it) {
    if (!index.recent_.insert(*it).second) return unreadable;
  }
  unsorted.erase(beyond, unsorted.end());
  std::sort(unsorted.begin(), unsorted.end());
  if (std::adjacent_find(unsorted.begin(), unsorted.end(),
                         [](const auto& a, const auto& b) {
                           return a.first == b.first;
                         }) != unsorted.end()) {
    return unreadable;
  }
  index.MergeSaved(unsorted);
  return index;
}

bool EventIdIndex::DecodeSorted(uint32_t version, const StateBody& body,
                                uint64_t& offset) {
  using checkpoint_coding::CodedInputStream;
  uint64_t count = 0;
  uint64_t fingerprints_begin = 0;
  {
    const auto stream = body.Range(offset, body.size());
    CodedInputStream in(stream.get());
    if (!in.ReadVarint64(&count)) return false;
    fingerprints_begin = offset + in.CurrentPosition();
  }
  constexpr size_t kEntrySize = sizeof(uint64_t) + sizeof(uint32_t);
  if (count > (body.size() - fingerprints_begin) / kEntrySize) return false;
  const uint64_t seqs_begin = fingerprints_begin + count * sizeof(uint64_t);
  const uint64_t end = seqs_begin + count * sizeof(uint32_t);
  constexpr uint64_t kBelowKey =
      (uint64_t{1} << (64 - SortedFingerprints::kKeyBits)) - 1;
  uint32_t max_seq = 0;
  {
    const auto stream = body.Range(seqs_begin, end);
    CodedInputStream in(stream.get());
    for (uint64_t i = 0; i < count; ++i) {
      uint32_t seq = 0;
      if (!in.ReadLittleEndian32(&seq)) return false;
      max_seq = std::max(max_seq, seq);
    }
  }
  // Filled as read: the keys' entries are some 54 MB at 10 M events.
  SortedFingerprints saved(count, max_seq);
  const auto fingerprint_stream = body.Range(fingerprints_begin, seqs_begin);
  const auto seq_stream = body.Range(seqs_begin, end);
  CodedInputStream fingerprints(fingerprint_stream.get());
  CodedInputStream seqs(seq_stream.get());
  uint64_t last = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t fingerprint = 0;
    uint32_t seq = 0;
    if (!fingerprints.ReadLittleEndian64(&fingerprint) ||
        !seqs.ReadLittleEndian32(&seq)) {
      return false;
    }
    if ((i > 0 && fingerprint <= last) ||
        (version >= 3 && (fingerprint & kBelowKey) != 0)) {
      return false;
    }
    if (i > 0 && SortedFingerprints::KeyOf(fingerprint) ==
                     SortedFingerprints::KeyOf(last)) {
      recent_.emplace(fingerprint, seq);  // version 2: whole fingerprints
    } else {
      saved.Append(SortedFingerprints::KeyOf(fingerprint), seq);
    }
    last = fingerprint;
  }
  saved.FinishAppending();
  offset = end;
  saved_ = std::move(saved);
  return true;
}

void EventIdIndex::MergeSaved(
    absl::Span<const std::pair<uint64_t, uint64_t>> fresh) {
  if (fresh.empty()) return;
  uint64_t max_seq = saved_.max_seq();
  for (const auto& [fingerprint, seq] : fresh) {
    max_seq = std::max(max_seq, seq);
  }
  SortedFingerprints merged(saved_.size() + fresh.size(), max_seq);
  std::optional<uint64_t> last_key;
  size_t next = 0;
  // The fresh ids up to `key` (excluded, or included if `up_to_key`): each
  // into the merged arrays unless the last key there is its own.
  const auto take_fresh = [&](uint64_t key, bool up_to_key) {
    for (; next < fresh.size(); ++next) {
      const auto [fingerprint, seq] = fresh[next];
      const uint64_t fresh_key = SortedFingerprints::KeyOf(fingerprint);
      if (fresh_key > key || (fresh_key == key && !up_to_key)) return;
      if (fresh_key == last_key) {
        recent_.emplace(fingerprint, seq);
      } else {
        merged.Append(fresh_key, static_cast<uint32_t>(seq));
        last_key = fresh_key;
      }
    }
  };
  saved_.ForEach([&](uint64_t key, uint32_t seq) {
    take_fresh(key, /*up_to_key=*/false);
    merged.Append(key, seq);
    last_key = key;
    take_fresh(key, /*up_to_key=*/true);  // into recent_: the key is held
  });
  take_fresh(std::numeric_limits<uint64_t>::max(), /*up_to_key=*/true);
  merged.FinishAppending();
  saved_ = std::move(merged);
}

}  // namespace banen
