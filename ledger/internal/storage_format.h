// The RocksDB layout of the ledger. Internal to ledger/ (and its tests).
//
// STORED ON DISK. DO NOT CHANGE: a data directory written by one version must
// be read by the next. Keys sort bytewise; integers are big-endian so that
// numeric order is key order.
//
//   key    := event_key | record_key
//   event_key  := 'E' seq:fixed64be                    (seq >= 1, gap-free)
//   event_value:= hash:byte[32] prev_hash:byte[32] canonical:bytes
//       canonical = deterministic serialization of banen.v1.StoredEvent with
//       only seq, recorded_at, event and recorded_by set (codec.h
//       CanonicalBytes), and hash = SHA-256(prev_hash || canonical). Event
//       kinds are added as new oneof fields of banen.v1.Event with new
//       numbers (InleenKeySet = 21, issue 9); the canonical bytes of every
//       stored event stay as they were.
//       recorded_by (field 6, issue 11) is the principal that appended the
//       event (AppendAuthority::principal), inside the hashed bytes. It is
//       empty, and so absent from the bytes (proto3), for events appended in
//       the open mode and for every event stored before it existed: those
//       keep their bytes and hashes, and read back with recorded_by "".
//   record_key := 'R' space:bytes 0x00 key:bytes         (space has no 0x00)
//   record_value := bytes                                (opaque to the log)
//
// The head is the last event_key; there is no separate head record, so it
// can never disagree with the log. The event_id index and the validation
// state live in memory and are rebuilt from the events on open.
#ifndef BANEN_LEDGER_INTERNAL_STORAGE_FORMAT_H_
#define BANEN_LEDGER_INTERNAL_STORAGE_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/event.h"
#include "rocksdb/options.h"

namespace banen::storage {

inline constexpr char kEventTag = 'E';
inline constexpr char kRecordTag = 'R';
inline constexpr size_t kEventKeySize = 9;
inline constexpr size_t kHashSize = 32;

std::string EventKey(uint64_t seq);
// The seq of an event key; nullopt if `key` is not one.
std::optional<uint64_t> SeqOfEventKey(std::string_view key);
std::string EncodeEventValue(const Hash& prev_hash, const Hash& hash,
                             std::string_view canonical);

// Encodes the value of `event` stored as `seq` after `prev_hash` into
// `value` (replacing its contents, reusing its capacity) and returns the
// event's chain hash. The fast path of the write path.
Hash EncodeChainedEvent(const Hash& prev_hash, uint64_t seq,
                        absl::Time recorded_at, const Event& event,
                        std::string_view recorded_by, std::string& value);

// SHA-256(prev_hash || canonical) of an encoded value (at least 64 bytes).
Hash ChainHashOfValue(std::string_view value);

struct EventValue {
  Hash hash;
  Hash prev_hash;
  std::string_view canonical;  // points into the decoded value
};
// nullopt if the value is shorter than the two hashes.
std::optional<EventValue> DecodeEventValue(std::string_view value);

// The prefix of every record key of `space`.
std::string RecordPrefix(std::string_view space);

// The RocksDB options the ledger opens its store with (also the baseline the
// append benchmark compares against).
rocksdb::Options StoreOptions();

}  // namespace banen::storage

#endif  // BANEN_LEDGER_INTERNAL_STORAGE_FORMAT_H_
