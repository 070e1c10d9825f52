// The RocksDB layout of the ledger. Internal to ledger/ (and its tests).
//
// STORED ON DISK. DO NOT CHANGE: a data directory written by one version must
// be read by the next. Keys sort bytewise; integers are big-endian so that
// numeric order is key order.
//
//   key    := event_key | record_key | node_key | state_key | format_key
//   event_key  := 'E' seq:fixed64be                    (seq >= 1, gap-free)
//   event_value:= hash:byte[32] prev_hash:byte[32] canonical:bytes
//       canonical = deterministic serialization of banen.v1.StoredEvent with
//       only seq, recorded_at, event and recorded_by set (codec.h
//       CanonicalBytes), and hash = SHA-256(prev_hash || canonical). Event
//       kinds are added as new oneof fields of banen.v1.Event with new
//       numbers (InleenKeySet = 21, issue 9; EmployerHoursReported = 22 and
//       QuotaPercentageSet = 23, issue 14); the canonical bytes of every
//       stored event stay as they were.
//       recorded_by (field 6, issue 11) is the principal that appended the
//       event (AppendAuthority::principal), inside the hashed bytes. It is
//       empty, and so absent from the bytes (proto3), for events appended in
//       the open mode and for every event stored before it existed: those
//       keep their bytes and hashes, and read back with recorded_by "".
//   record_key := 'R' space:bytes 0x00 key:bytes         (space has no 0x00)
//   record_value := bytes                                (opaque to the log)
//       In the column family "records" since format 3. Immutable, except
//       that derived records superseded by newer ones (a projection's saved
//       states, projections/state_checkpoint.h) are deleted by range
//       (RecordStore::DeleteRange).
//   node_key   := 'M' level:uint8 index:fixed64be         (level >= 4)
//   node_value := hash:byte[32]
//       In the column family "tree" since format 3.
//       The RFC 9162 Merkle tree over the log (docs/CHAIN_FORMAT.md): the
//       hash of the complete subtree of the 2^level leaves with leaf indexes
//       [index << level, (index + 1) << level), leaf i being the canonical
//       bytes of seq i + 1. Written, unsynced, once the events that
//       complete it are durable, each node in the same WriteBatch as every
//       node below it; the last nodes may therefore be missing after a power
//       loss, and Open() adds the nodes after the last stored level-4 node.
//       Lower levels (subtrees of up to 8 leaves) are not stored: they are
//       recomputed from the <= 16 events of their level-4 block. Every node
//       whose leaves are all stored is present, except after a power loss
//       (above) or in a store that events were appended to by a version
//       before the tree (format 1): opening it adds the missing nodes.
//   state_key  := 'H' seq:fixed64be                      (a header)
//              |  'P' seq:fixed64be part:fixed32be       (a part of its body)
//   state_header := version:fixed32be hash:byte[32] parts:fixed32be
//                   body_size:fixed64be
//   state_part := bytes          (the body, cut into parts of <= 4 MiB)
//       In the column family "state" since format 4. Every part but the
//       last holds exactly 4 MiB (kStatePartSize; every version wrote them
//       so), so that Open() reads them into their places in any order; a
//       header whose parts and body_size disagree, or a part of another
//       size, is DATA_LOSS. A state checkpoint:
//       the validation state and the event_id index as they were after the
//       event `seq`, whose chain hash is `hash`, so that Open() replays only
//       the events after it. Derived data: the events decide. Open() uses
//       the checkpoint of the highest seq if it reads its version (1 to 3)
//       and its hash is the stored event's, and replays the whole log
//       otherwise. It writes version 3.
//       Parts are written before their header, which is written with the
//       deletion of every older checkpoint (and of parts a save cut short):
//       a header names a complete body. The parts of a checkpoint (and of
//       a delta) are written as one table file of their own, synced and
//       ingested into the family, not through the WAL and the memtable;
//       once the deletions that supersede them are durable, the files that
//       hold only deleted parts are dropped whole (rocksdb::
//       DeleteFilesInRanges), not compacted. Files, not keys: a store
//       written either way reads the same. A checkpoint of an older version
//       is saved anew in version 3 at the next close, at the same seq if
//       nothing was appended: the first write of the new parts deletes its
//       header.
//       version 1:
//   state_body := fingerprint_key:byte[16] event_id_index ledger_state
//   event_id_index := count:varint (fingerprint:fixed64le seq:varint)*
//                     count:varint (event_id:string seq:varint)*
//       fingerprint = the first 8 bytes, little-endian, of SipHash-2-4
//       (libsodium crypto_shorthash) of the event_id under fingerprint_key,
//       a random key of the store's first index; then the ids whose
//       fingerprint another id had first, in full.
//   ledger_state := count:varint job* count:varint person*
//                   count:varint employer* count:varint seq:varint*
//   job    := job_id:string employer_id:string last_touch_seq:varint
//             count:varint (date:zigzag seq:varint kind:varint form:varint)*
//   person := person_ref:string
//             count:varint (date:zigzag seq:varint registered:varint)*
//   employer := employer_id:string references:zigzag
//   string := size:varint bytes;  varint, zigzag: protobuf's encodings
//       (ledger/ledger_state.h); date in days since 1970-01-01, kind the
//       EventKind, form the ContractForm, as numbered in ledger/event.h;
//       the last list: the retracted seqs. A job's and an entry's seq are at
//       most kMaxSeq (ledger/event.h), the last seq a ledger stores, and an
//       entry's date fits 24 bits (FitsPackedDate, ledger/event.h: every
//       version accepted only dates from 1998 to a year ahead).
//       version 2 (issue 15): the event_id index sorted, so that it loads
//       as two arrays, nearly a copy, not into a hash map id by id; and
//       the size of the jobs, so that they load on a thread of their own:
//   state_body := fingerprint_key:byte[16] event_id_index_2 ledger_state_2
//   event_id_index_2 := count:varint fingerprint:fixed64le{count}
//                       seq:fixed32le{count} event_id_index
//       the fingerprints in ascending order, no two equal, and the seq of
//       each at the same position: the ids of seqs below 2^32; then, as in
//       version 1, those of higher seqs and the ids whose fingerprint
//       another id had first.
//   ledger_state_2 := jobs_seed:byte[16] persons_seed:byte[16]
//                     jobs_size:fixed64le jobs_2
//                     count:varint person* count:varint employer*
//                     count:varint seq:varint*
//   jobs_2 := count:varint employer_id:string* count:varint job_2*
//   job_2  := job_id:string employer:varint last_touch_seq:varint
//             count:varint (date:zigzag seq:varint kind:varint form:varint)*
//       the seeds (SipHash keys) that place the jobs and the persons in
//       their in-memory maps (ledger/compact_string_map.h), each list in the
//       order of those places, so that it loads in one sweep of its map;
//       jobs_size: the bytes of jobs_2, which loads on a thread of its own;
//       a job names its employer by its number (from 0) in the list of
//       employer ids before the jobs. The rest as in ledger_state.
//       version 3 (issue 15): the sorted arrays keep only the key of each
//       fingerprint, its leading 40 bits, which is what the index holds in
//       memory (ledger/internal/event_id_index.h: 8 bytes an id, not 12):
//   state_body := fingerprint_key:byte[16] event_id_index_3 ledger_state_2
//   event_id_index_3 := count:varint key:fixed64le{count}
//                       seq:fixed32le{count} event_id_index
//       key = a fingerprint with its last 24 bits zero, the keys in strictly
//       ascending order, the seq of each at the same position; then, in
//       full, the fingerprints of higher seqs and those whose key an id in
//       the arrays holds, and the ids whose fingerprint another id had
//       first. A version 2 checkpoint loads into this: of two fingerprints
//       of one key, the second is kept whole.
//   delta_key  := 'D' seq:fixed64be                      (a header)
//              |  'd' seq:fixed64be part:fixed32be       (a part of its body)
//   delta_header := version:fixed32be follows:fixed64be hash:byte[32]
//                   parts:fixed32be body_size:fixed64be body_hash:byte[32]
//   delta_part := bytes          (the body, cut into parts of <= 4 MiB)
//       In the column family "state" (issue 15, within format 4: a reader
//       that does not know these keys ignores them, and replays more). A
//       state delta: what changed in the validation state and the event_id
//       index from the checkpoint at `follows` (a state checkpoint, a delta,
//       or 0: the empty state) to the event `seq`, whose chain hash is
//       `hash`; body_hash is the SHA-256 of the body. Written while the log
//       runs, unsynced, parts before their header; a header names a
//       complete body. Open() loads the state checkpoint (or the empty
//       state), then applies, in seq order, each delta that follows the
//       point reached, whose hash is the stored event's, and whose parts are
//       present and match body_hash, and skips the rest: a delta torn,
//       lost or corrupt costs a longer replay, never the open. Each delta is
//       self-contained against the state at `follows`, whoever wrote it:
//       the employer ids of its jobs are spelled out. A state checkpoint
//       deletes the deltas up to its seq; Open() deletes those past the
//       point it reached, which can no longer follow.
//       version 1:
//   delta_body := fingerprint_key:byte[16] event_id_index ledger_delta
//       the fingerprint key of the index the ids were added to (a delta
//       that follows 0 sets it; another must match it), then, as in
//       version 1 of state_body, the ids added, in no order.
//   ledger_delta := count:varint job_change* count:varint person_change*
//                   count:varint employer_change* count:varint seq:varint*
//   job_change := 0 job_id:string | 1 job
//   person_change := 0 person_ref:string | 1 person
//   employer_change := 0 employer_id:string | 1 employer
//       the jobs, persons and employers changed, each erased (0 and its
//       key) or as it is after `seq` (1 and it, as in ledger_state: a job
//       names its employer by id), in the order their entries were made in
//       memory, applied in that order: a key erased and added again comes
//       erased first; then the seqs retracted.
//   format_key := 'F'
//   format_value := version:fixed32be
//       Flushed to a table as soon as it is written.
//       1 (or no record): events and records only, before issue 12;
//       2: the Merkle nodes too, in the default column family;
//       3: the Merkle nodes in the column family "tree", the records in
//       "records"; the default one holds the events and the format record.
//       Every appended event key is then the last key of its memtable, the
//       cheap insert, and the flushed tables of events do not overlap; with
//       format 2's nodes and checkpoints among them, each event insert was
//       a search of the memtable. Opening an older store moves its
//       keys, in batches that move each key in one write, so that an
//       interrupted move resumes on the next open.
//       4: a state checkpoint in the column family "state".
//       A version above the reader's is refused.
//
// The head is the last event_key; there is no separate head record, so it
// can never disagree with the log. The event_id index and the validation
// state live in memory, loaded from the latest state checkpoint and the
// events after it on open; the tree's right edge is restored from the stored
// nodes and the < 16 events after the last level-4 node.
#ifndef BANEN_LEDGER_INTERNAL_STORAGE_FORMAT_H_
#define BANEN_LEDGER_INTERNAL_STORAGE_FORMAT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "ledger/event.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"

namespace rocksdb {
class SstFileWriter;
}  // namespace rocksdb

namespace banen::storage {

inline constexpr char kEventTag = 'E';
inline constexpr char kRecordTag = 'R';
inline constexpr char kNodeTag = 'M';
inline constexpr char kFormatTag = 'F';
inline constexpr char kStateHeaderTag = 'H';
inline constexpr char kStatePartTag = 'P';
inline constexpr char kDeltaHeaderTag = 'D';
inline constexpr char kDeltaPartTag = 'd';
inline constexpr uint32_t kStateVersion = 3;
inline constexpr uint32_t kDeltaVersion = 1;
inline constexpr size_t kStatePartSize = size_t{4} << 20;
// The lowest level of the tree that is stored: 2^4 leaves a node.
inline constexpr int kStoredNodeLevel = 4;
// The format this version writes.
inline constexpr uint32_t kFormatVersion = 4;
// The column families of the node keys and of the record keys (format 3),
// and of the state checkpoints (format 4).
inline constexpr char kTreeColumnFamily[] = "tree";
inline constexpr char kRecordsColumnFamily[] = "records";
inline constexpr char kStateColumnFamily[] = "state";
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

std::string NodeKey(int level, uint64_t index);
struct NodeId {
  int level;
  uint64_t index;
};
// nullopt if `key` is not a node key.
std::optional<NodeId> NodeOfKey(std::string_view key);
std::string StateHeaderKey(uint64_t seq);
std::string StatePartKey(uint64_t seq, uint32_t part);
// The seq of a state header key; nullopt if `key` is not one.
std::optional<uint64_t> SeqOfStateHeaderKey(std::string_view key);
struct StateHeader {
  uint32_t version = kStateVersion;
  Hash hash{};
  uint32_t parts = 0;
  uint64_t body_size = 0;
};
std::string EncodeStateHeader(const StateHeader& header);
// nullopt if `value` is not a header of any version.
std::optional<StateHeader> DecodeStateHeader(std::string_view value);
std::string DeltaHeaderKey(uint64_t seq);
std::string DeltaPartKey(uint64_t seq, uint32_t part);
// The seq of a delta header key; nullopt if `key` is not one.
std::optional<uint64_t> SeqOfDeltaHeaderKey(std::string_view key);
struct DeltaHeader {
  uint32_t version = kDeltaVersion;
  uint64_t follows = 0;
  Hash hash{};
  uint32_t parts = 0;
  uint64_t body_size = 0;
  Hash body_hash{};
};
std::string EncodeDeltaHeader(const DeltaHeader& header);
// nullopt if `value` is not a header of this version.
std::optional<DeltaHeader> DecodeDeltaHeader(std::string_view value);
std::string FormatKey();
std::string EncodeFormatVersion(uint32_t version);
// nullopt if `value` is not 4 bytes.
std::optional<uint32_t> DecodeFormatVersion(std::string_view value);

// The prefix of every record key of `space`.
std::string RecordPrefix(std::string_view space);

// The RocksDB options the ledger opens its store with (also the baseline the
// append benchmark compares against).
rocksdb::Options StoreOptions();

// The store's database and the handles of its column families; members are
// destroyed in reverse order, so the handles go before the database.
struct Store {
  std::unique_ptr<rocksdb::DB> db;
  std::unique_ptr<rocksdb::ColumnFamilyHandle> tree;
  std::unique_ptr<rocksdb::ColumnFamilyHandle> records;
  std::unique_ptr<rocksdb::ColumnFamilyHandle> state;
};
// Opens `dir` (read-write) with its four column families, creating those
// that are missing. `options` are the default family's; the others get a
// smaller memtable, their keys being few.
rocksdb::Status OpenStore(const rocksdb::Options& options,
                          const std::string& dir, Store& store);

// Records with their keys ascending, written into a table file of their own
// in `family` as they are put, which Finish() syncs and ingests into the
// store: large values written once, not through the WAL, a memtable and
// compactions. The file is `file_name` in the store's directory until it
// is ingested; one writer at a time per name, and the next replaces one that
// a crash left behind. `compressed`: with the family's compression. Not
// thread-safe.
class TableIngest {
 public:
  TableIngest(rocksdb::DB& db, rocksdb::ColumnFamilyHandle& family,
              std::string_view file_name, bool compressed);
  ~TableIngest();
  TableIngest(const TableIngest&) = delete;
  TableIngest& operator=(const TableIngest&) = delete;

  rocksdb::Status Put(const rocksdb::Slice& key, const rocksdb::Slice& value);
  // Stores the records put (none: nothing); then no Put().
  rocksdb::Status Finish();

 private:
  rocksdb::Status Open();

  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle& family_;
  const std::string path_;
  const bool compressed_;
  std::unique_ptr<rocksdb::SstFileWriter> writer_;  // from the first Put()
};

// A TableIngest of `count` records, record(0) to record(count - 1), with
// the family's compression.
rocksdb::Status IngestRecords(
    rocksdb::DB& db, rocksdb::ColumnFamilyHandle& family,
    std::string_view file_name, size_t count,
    absl::FunctionRef<std::pair<std::string, rocksdb::Slice>(size_t)> record);

// A range of keys [from, to).
struct KeyRange {
  std::string from;
  std::string to;
};
// Drops the table files of `family` that hold only keys in one of `ranges`,
// which range deletions already written hide: space back at once, instead
// of after compactions that read the files to drop their keys. Syncs the WAL
// first, so that a power loss cannot keep a key that names a dropped one
// (a header and its parts) while losing its deletion.
rocksdb::Status DropFilesInRanges(rocksdb::DB& db,
                                  rocksdb::ColumnFamilyHandle& family,
                                  absl::Span<const KeyRange> ranges);

}  // namespace banen::storage

#endif  // BANEN_LEDGER_INTERNAL_STORAGE_FORMAT_H_
