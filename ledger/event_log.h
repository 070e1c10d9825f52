// EventLog: the durable, hash-chained, validated log of the ledger.
//
// Contract
// - Append() stores a batch of events atomically: every event of the batch is
//   validated in order, as if applied one by one, against the state of all
//   events stored before it (DOMAIN.md §4); if any is rejected nothing of the
//   batch is stored. An OK return means the batch is in the RocksDB WAL and
//   the WAL is fsync'ed (unless EventLogOptions::sync is false, for tests and
//   benchmarks that say so).
// - Sequence numbers are global, gap-free and start at 1. recorded_at is taken
//   from the injected clock, truncated to whole microseconds (the stored
//   resolution), clamped so it never goes back, and strictly
//   increases from one group commit to the next; all events of one batch share
//   it. So `as_of = GetHead().recorded_at` names exactly the events up to the
//   head: a later append is always recorded after it.
// - Idempotency is permanent: an event whose event_id is already stored with
//   identical content is not stored again; its original seq is returned and it
//   is flagged duplicate. The same event_id with other content is rejected
//   with ALREADY_EXISTS.
// - Errors: absl::Status codes per DOMAIN.md §4 (INVALID_ARGUMENT malformed,
//   FAILED_PRECONDITION timeline, NOT_FOUND unknown employer/job/seq,
//   ALREADY_EXISTS, ABORTED expected seq mismatch, PERMISSION_DENIED outside
//   the batch's AppendAuthority, RESOURCE_EXHAUSTED for an event that would
//   be stored past kMaxSeq), with the event index and field attached
//   (ledger/event_error.h). A storage failure while writing
//   makes the log refuse further appends (UNAVAILABLE) until it is reopened:
//   memory may then be ahead of disk, and reopening rebuilds it from disk.
//   The head only moves once a group is on disk; a batch of duplicates is
//   acknowledged only with (or after) the group that stored its originals.
// - A batch whose every event is an identical duplicate returns the original
//   seqs flagged duplicate whatever its expected_job_seq says: a retry
//   answers like the first try.
//
// Thread safety: all methods may be called concurrently. Concurrent Append()
// calls are group-committed: one synced write for many batches. Groups are
// pipelined: while one group is in its synced write, the next gathers the
// appends that arrive meanwhile and stages them (validates, chains, encodes);
// its lookups see the events of the group in flight, readers (Scan, the
// head) see only events on disk.
//
// Lock order of the write path (event_log.cc), outermost first:
//   stage_mu_  held by a group leader while it forms and stages its group;
//              it takes the write over (mu_'s write_busy_ flag: one group
//              writes, fsyncs and is acknowledged at a time, on_commit runs
//              then) before letting go of stage_mu_, so groups are written
//              in the order they are staged (GetIdCounts takes it briefly,
//              with no other lock inside it);
//   tree_mu_   the Merkle tree's right edge, held by the tree's own
//              thread while it extends the tree and by proofs waiting for
//              it; it takes mu_ (briefly, to scan) inside it, never the
//              other way round;
//   index_mu_  the event_id index and the group in its write, taken briefly
//              by the stager, the writer and readers;
//   mu_        the queue of appends, the write_busy_ and forming flags, the
//              head, the recent groups kept for Scan, the failure and the
//              closing flag; taken briefly, never while index_mu_ is held
//              and never across I/O;
//   checkpoint_mu_  the hand-off of a state delta to the thread that writes
//              it (EventLogOptions::save_state_every); taken briefly, by
//              the stager under stage_mu_, with no other lock inside it.
// The record store (records()) has a lock of its own, independent of all
// three.
//
// Ownership: the EventLog owns its RocksDB instance; destroying it closes the
// store after in-flight appends (and WaitForHeadAfter calls, which then
// return at once) have returned. Appends that arrive once destruction has
// begun are refused with UNAVAILABLE; calling any method after the
// destructor has returned is still undefined.
#ifndef BANEN_LEDGER_EVENT_LOG_H_
#define BANEN_LEDGER_EVENT_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ledger/backup.h"
#include "ledger/event.h"
#include "ledger/id_list.h"
#include "ledger/record_store.h"
#include "ledger/validation.h"

namespace rocksdb {
class FileSystem;
}  // namespace rocksdb

namespace banen {

// Who appends a batch and what they may append. It is checked while the
// batch is staged, before duplicates are recognised, against the state the
// batch is validated against, so a job's hirer is known even when the job
// starts earlier in the same batch. One refused event refuses the whole batch
// with PERMISSION_DENIED naming its index and why. The default is the open
// mode: every event, recorded by nobody.
struct AppendAuthority {
  // The authenticated principal; stored with each event of the batch as
  // recorded_by, covered by the hash chain. Empty in the open mode.
  std::string principal;
  // The kinds it may append; empty: every kind.
  std::vector<EventKind> kinds;
  // Set: the events of a job's timeline (JobStarted, JobConverted,
  // HoursChanged, JobEnded) only for jobs whose employer (the hirer) is one
  // of these ids.
  std::optional<absl::flat_hash_set<std::string>> employer_scope;
  // kOwn: only events whose recorded_by is `principal`.
  enum class Retractions { kAny, kOwn };
  Retractions retractions = Retractions::kAny;
};

struct AppendBatch {
  std::vector<Event> events;
  // Optimistic concurrency: job_id -> the seq of the last event that touched
  // that job (0: the job must not exist yet). A mismatch rejects the batch
  // with ABORTED.
  absl::flat_hash_map<std::string, uint64_t> expected_job_seq;
  AppendAuthority authority;
};

struct AppendResult {
  // Per event of the batch: its seq, and whether it was already stored.
  std::vector<uint64_t> seqs;
  std::vector<bool> duplicate;
  // The seqs stored by this batch; both 0 when every event was a duplicate.
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  absl::Time recorded_at;  // of the events stored by this batch
};

struct Head {
  uint64_t seq = 0;  // 0: empty log
  Hash hash{};       // all zero for the empty log
  absl::Time recorded_at = absl::InfinitePast();
};

// An event another log stored, as a read replica receives it
// (services/follower.h): its canonical bytes (which hold its seq,
// recorded_at, event and recorded_by) and the chain hashes the other log
// stored it with.
struct ReplicatedEvent {
  std::string canonical;
  Hash prev_hash{};
  Hash hash{};
};

struct ChainVerification {
  bool ok = true;
  uint64_t first_bad_seq = 0;  // when !ok
  std::string reason;          // when !ok, e.g. "hash mismatch"
  uint64_t events_checked = 0;
};

// What the store holds and owes, for monitoring: RocksDB's estimates, and
// the event_id index's memory.
struct StorageStats {
  uint64_t live_data_bytes = 0;
  // Bytes compaction would rewrite to bring every level within its target;
  // a steady rise means writes outpace compaction.
  uint64_t pending_compaction_bytes = 0;
  // RocksDB's memory, all families: the block cache they share (its
  // capacity, RocksDB's default, and what it holds), the open tables'
  // index and filter blocks, and the memtables.
  uint64_t block_cache_capacity_bytes = 0;
  uint64_t block_cache_usage_bytes = 0;
  uint64_t table_readers_bytes = 0;
  uint64_t memtable_bytes = 0;
  // The event_id index: its sorted arrays (43 bits an id at 10 M) and hash maps
  // (17-35 bytes an id), and the ids in those maps, which a state checkpoint
  // folds into the arrays (EventLogOptions::save_state_every).
  uint64_t event_id_index_bytes = 0;
  uint64_t event_ids_hashed = 0;
};

// The ids the validation state holds: for a projection that folds the
// whole log to size its id lists and indexes once, by ids it will index
// too (the bytes may count retracted ones' too).
struct IdCounts {
  IdsAndBytes person_refs;  // registered (not only by retracted events)
  IdsAndBytes job_ids;      // hired (not only by a retracted JobStarted)
};

class EventLog;

struct EventLogOptions {
  // Source of recorded_at. Readings that go backwards are clamped.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // fsync the WAL before an append returns OK.
  bool sync = true;
  // Called after each group commit, with the newly stored events in seq
  // order, on the committing thread, before the appends are acknowledged and
  // before the next group is written. Must not call Append().
  std::function<void(absl::Span<const StoredEvent>)> on_commit;
  // The file system the store lives on; null: the default (POSIX) one. Tests
  // inject one that loses unsynced bytes or fails writes.
  std::shared_ptr<rocksdb::FileSystem> file_system;
  // Bounds on identifiers and free text of appended events
  // (ledger/validation.h).
  FieldLimits field_limits;
  // Test hook: called by Append() once its batch is queued, before it waits
  // for its group, under an internal lock (must not call the EventLog). Lets
  // a test know an append is in flight without sleeping.
  std::function<void()> on_append_queued;
  // Test hook: called by a group's leader each time it has staged the
  // appends it took into its group, before it waits for the group before it
  // to be written, under an internal lock (must not call the EventLog). Lets
  // a test see that an append was staged while the group before is held in
  // its write.
  std::function<void()> on_group_staged;
  // Run by Open() on a thread of its own once the stored events can be
  // read, beside the load of the state that checks appends and the replay
  // after it (most of an open): a server reads its projection's saved state
  // meanwhile (issue 15). Open() returns, whether it succeeds or fails, only
  // after this has. It may call only GetHead(), GetBySeq() and records() on
  // `log`; until Open() has returned, the head is the last stored event,
  // which the open then checks.
  std::function<void(const EventLog& log)> while_opening;
  // Test hook: called by Open() once the Merkle tree's right edge is
  // restored, with the number of events it hashed to do so: fewer than 16
  // (the events after the last stored node), unless the store was written
  // without the tree and Open() added it. Lets a test see that a reopen
  // does not rebuild the tree.
  std::function<void(uint64_t events_hashed)> on_tree_restored;
  // Save the validation state and the event_id index (a state checkpoint,
  // ledger/internal/storage_format.h) when the log is closed, and in Open()
  // once it replayed at least save_state_after_replay events and at least
  // save_state_every (the deltas bound a shorter replay as they are), so
  // that the next Open() replays only the events after it. false: never
  // (tests of the replay).
  bool save_state = true;
  uint64_t save_state_after_replay = 100'000;
  // Every this many events (0: never), while the log runs, save what changed
  // in the state since the last checkpoint as a state delta
  // (ledger/internal/storage_format.h), so that an Open() after a crash
  // replays about this many events at most (and the group that crossed the
  // mark), not every event since the last close. Independent of save_state.
  // Taking a delta stalls appends, at a group's end, while the entries
  // changed since the last one are encoded into memory (~20 ms of CPU at
  // 1 M events), never for the whole state; a thread of the log's own then
  // writes it, unsynced, and once the deltas add up to half of the state
  // checkpoint they follow, writes a new checkpoint from those on disk (not
  // from the live state; decoded and encoded at the lowest CPU priority, so
  // that it takes no core the appends need) and deletes them: the deltas
  // stay below half a checkpoint and one delta. While that thread is busy no
  // delta is taken, so the replay after a crash may be longer by the events
  // appended meanwhile. That new checkpoint's event_id arrays then replace
  // the live index's arrays and its hash map of the ids up to the last
  // delta (StorageStats::event_ids_hashed): its memory follows the
  // checkpoint, not the time since the log was opened.
  uint64_t save_state_every = 1'000'000;
  // Test and benchmark hook: called, under an internal lock (must not call
  // the EventLog), each time a delta is taken, with the seq it is taken at
  // and how long taking it held up the appends.
  std::function<void(uint64_t seq, absl::Duration stalled)> on_delta_taken;
  // Test hook: called on the log's delta thread each time it has written a
  // state checkpoint from the deltas on disk, with its seq.
  std::function<void(uint64_t seq)> on_state_rebased;
  // Test hook: called by Open() with the seq of the state checkpoint it
  // loaded, with the deltas after it it applied (0: none it could use), and
  // the number of events it replayed after that.
  std::function<void(uint64_t state_seq, uint64_t events_replayed)>
      on_state_restored;
};

class EventLog {
 public:
  // Opens (creating if missing) the log in directory `dir`. The validation
  // state and the event_id index are loaded from the latest state checkpoint
  // and the state deltas after it (EventLogOptions::save_state_every) and
  // rebuilt by replaying the stored events after those (all of them if
  // there is none, or it is of a layout this version does not read). The Merkle
  // tree is not rebuilt: its right edge is restored from the stored nodes,
  // except in a store written without them (before issue 12), for which the
  // nodes are computed and stored once. FAILED_PRECONDITION for a store of a
  // later format (ledger/internal/storage_format.h).
  static absl::StatusOr<std::unique_ptr<EventLog>> Open(
      const std::string& dir, EventLogOptions options = {});

  virtual ~EventLog() = default;
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Validates and durably stores `batch`; see the contract above.
  absl::StatusOr<AppendResult> Append(const AppendBatch& batch) {
    return Append(batch, [] {});
  }
  // The same, calling `queued` once the batch holds its place in the order
  // of appends, before Append waits for its group: an Append() that starts
  // after that is judged, and stored, after this batch. A stream of batches
  // may so hand on its next batch without waiting for this one to be
  // durable (services/ledger_service.cc). Called on this thread under an
  // internal lock, so it must not call the EventLog; not called when the
  // batch is refused before it queues (a log that is closing or failed).
  virtual absl::StatusOr<AppendResult> Append(
      const AppendBatch& batch, absl::FunctionRef<void()> queued) = 0;

  // For a read replica: stores, in one synced write, events another log
  // stored, with that log's seq, recorded_at, recorded_by and hashes, in the
  // same storage grammar and Merkle tree as appended ones. Each must extend
  // this log's chain: its seq the next one, its prev_hash the head's hash,
  // SHA-256(prev_hash || canonical) its hash, its recorded_at not before the
  // head's. Each is validated against the state like an append, so the state
  // stays that of the other log and the replica can take appends once
  // promoted. Stores the events before the first that fails and returns
  // FAILED_PRECONDITION naming that one's seq and why; nothing of it or
  // after it is stored. Returns the new head. Safe to call concurrently with
  // Append(), though a replica does not take appends.
  virtual absl::StatusOr<Head> AppendReplicated(
      absl::Span<const ReplicatedEvent> events) = 0;

  virtual Head GetHead() const = 0;

  // NOT_FOUND if no such event.
  virtual absl::StatusOr<StoredEvent> GetBySeq(uint64_t seq) const = 0;
  virtual absl::StatusOr<StoredEvent> GetByEventId(
      std::string_view event_id) const = 0;

  // Calls `visit` for each stored event with from_seq <= seq <= to_seq (to_seq
  // 0: up to the head at the time of the call), in seq order, until `visit`
  // returns false. DATA_LOSS if a stored event cannot be decoded.
  virtual absl::Status Scan(
      uint64_t from_seq, uint64_t to_seq,
      absl::FunctionRef<bool(const StoredEvent&)> visit) const = 0;
  // Scan, handing on the events in runs of consecutive seqs (each run
  // non-empty, valid during the call): for a reader that looks ahead within
  // a run (ProjectionState::ApplyAll prefetches its lookups). The recent
  // groups in memory go by as they are, without a copy.
  virtual absl::Status ScanRuns(
      uint64_t from_seq, uint64_t to_seq,
      absl::FunctionRef<bool(absl::Span<const StoredEvent>)> visit) const = 0;
  // Scan into `events`, in place of what it held (resized to the events
  // read): for a reader that keeps them past the call. Events decoded from
  // disk are moved in, not copied.
  virtual absl::Status ScanInto(uint64_t from_seq, uint64_t to_seq,
                                std::vector<StoredEvent>& events) const = 0;
  // Scan, with each event's canonical bytes as stored (what its chain hash
  // and Merkle leaf hash cover; docs/CHAIN_FORMAT.md), never a re-encoding;
  // valid during the call. For readers that hand them to clients.
  virtual absl::Status ScanCanonical(
      uint64_t from_seq, uint64_t to_seq,
      absl::FunctionRef<bool(const StoredEvent&, std::string_view canonical)>
          visit) const = 0;

  // Recomputes the hash chain over [from_seq, to_seq] (0: the head) from the
  // stored bytes, starting from the stored hash of from_seq - 1, and reports
  // the first seq whose stored hash, prev_hash or seq does not match.
  virtual absl::StatusOr<ChainVerification> VerifyChain(
      uint64_t from_seq, uint64_t to_seq) const = 0;

  // The RFC 9162 Merkle tree over the log (docs/CHAIN_FORMAT.md): leaf i
  // (from 0) is the canonical bytes of seq i + 1; the tree of size n covers
  // seqs 1..n. Each is answered from the stored tree nodes in O(log n) reads.
  // The tree follows the head on a thread of the log's own, milliseconds
  // behind it (a node is stored once its events are durable; Open() rebuilds
  // those a power loss took), so a proof first waits for the tree to reach
  // its size: UNAVAILABLE if it does not within 30 s or cannot.
  // INVALID_ARGUMENT for a seq or size that cannot name a tree (seq 0,
  // seq > tree_size, first_size 0 or > second_size); OUT_OF_RANGE for a size
  // past the head.
  //
  // The root of the tree of the first `tree_size` events.
  virtual absl::StatusOr<Hash> MerkleRoot(uint64_t tree_size) const = 0;
  // The audit path of the event at `seq` in the tree of `tree_size` events,
  // from the leaf's sibling up (RFC 9162 §2.1.3.1).
  virtual absl::StatusOr<std::vector<Hash>> InclusionProof(
      uint64_t seq, uint64_t tree_size) const = 0;
  // The proof that the tree of `second_size` events extends the tree of
  // `first_size` events (RFC 9162 §2.1.4.1); empty when they are equal.
  virtual absl::StatusOr<std::vector<Hash>> ConsistencyProof(
      uint64_t first_size, uint64_t second_size) const = 0;

  // Blocks until the head is past `seq`, the log stops accepting appends
  // (AppendStatus() not OK), or `timeout` passes; returns the head.
  virtual Head WaitForHeadAfter(uint64_t seq, absl::Duration timeout) const = 0;

  // OK while the log accepts appends. After a failed storage write: the
  // UNAVAILABLE error with which it refuses every append until it is
  // reopened; once destruction has begun: UNAVAILABLE too. Servers report
  // NOT_SERVING and end subscriptions then.
  virtual absl::Status AppendStatus() const = 0;

  // The record store beside the log, over the same store (snapshots,
  // checkpoints); see ledger/record_store.h.
  virtual RecordStore& records() = 0;
  virtual const RecordStore& records() const = 0;

  // Takes an online, incremental backup into `backup_dir` (ledger/backup.h);
  // one at a time per log, appends go on meanwhile.
  virtual absl::StatusOr<BackupInfo> CreateBackup(
      const std::string& backup_dir) = 0;

  // Cheap enough to call on every metrics scrape.
  virtual StorageStats GetStorageStats() const = 0;
  // At the head; waits for a group commit being staged.
  virtual IdCounts GetIdCounts() const = 0;

 protected:
  EventLog() = default;
};

}  // namespace banen

#endif  // BANEN_LEDGER_EVENT_LOG_H_
