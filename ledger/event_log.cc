#include "ledger/event_log.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "ledger/absl_compat.h"
#include "ledger/codec.h"
#include "ledger/event_error.h"
#include "ledger/internal/backup_engine.h"
#include "ledger/internal/event_id_index.h"
#include "ledger/internal/low_priority.h"
#include "ledger/internal/rocks_status.h"
#include "ledger/internal/sha256.h"
#include "ledger/internal/state_body.h"
#include "ledger/internal/storage_format.h"
#include "ledger/ledger_state.h"
#include "ledger/merkle.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace banen {
namespace {

// Many batches share one synced write, but one group's staged events are
// held in memory until it is written, so the group is bounded.
constexpr size_t kMaxGroupEvents = size_t{64} * 1024;
// The groups last written stay in memory, so that a Scan right behind the
// head (the projector's tail, a subscription) neither reads nor decodes the
// store. At least the last group is kept, older ones up to this many events.
constexpr size_t kRecentEvents = size_t{32} * 1024;
// A group reserves this many canonical bytes per event (the synthetic and the
// demo events take 120-200).
constexpr size_t kTypicalCanonicalBytes = 256;
// How long a proof waits for the Merkle tree to reach its size: the tree
// follows the head within milliseconds, unless a bulk load just landed.
constexpr absl::Duration kTreeWait = absl::Seconds(30);
// The tree's thread wakes once this many events are past the tree, a proof
// asks for more, or kTreeDelay passes: not once per group, which for
// batches of one event cost more CPU than the hashing.
constexpr uint64_t kTreeStep = 4096;
constexpr absl::Duration kTreeDelay = absl::Milliseconds(10);

using storage::FromRocks;

// events[filled++] = stored, appended past the end: an event copied over
// one already there keeps its strings' buffers.
template <typename Stored>
void PutAt(std::vector<StoredEvent>& events, size_t& filled, Stored&& stored) {
  if (filled < events.size()) {
    events[filled] = std::forward<Stored>(stored);
  } else {
    events.push_back(std::forward<Stored>(stored));
  }
  ++filled;
}

// A state checkpoint's body as its parts are stored (storage_format.h):
// every part but the last holds kStatePartSize bytes, so where a range
// begins says which part and where in it. A range's stream holds one part
// at a time, as its iterator pins it (read once: not through the block
// cache, where it would only push out the rest).
class StoredStateBody final : public StateBody {
 public:
  StoredStateBody(rocksdb::DB& db, rocksdb::ColumnFamilyHandle& family,
                  uint64_t seq, uint64_t size)
      : db_(db), family_(family), seq_(seq), size_(size) {}
  uint64_t size() const override { return size_; }
  std::unique_ptr<google::protobuf::io::ZeroCopyInputStream> Range(
      uint64_t begin, uint64_t end) const override {
    return std::make_unique<PartStream>(*this, begin, end);
  }
  // The first error a stream met: DATA_LOSS for a part missing or not of
  // the size its place needs, or the read's own.
  absl::Status status() const {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  class PartStream final : public google::protobuf::io::ZeroCopyInputStream {
   public:
    PartStream(const StoredStateBody& body, uint64_t begin, uint64_t end)
        : body_(body), position_(begin), end_(end) {
      read_options_.fill_cache = false;
      parts_.reset(body.db_.NewIterator(read_options_, &body.family_));
    }
    bool Next(const void** data, int* size) override {
      if (position_ >= end_ || !Hold(position_ / storage::kStatePartSize)) {
        return false;
      }
      const uint64_t in_part = position_ % storage::kStatePartSize;
      const uint64_t available = std::min<uint64_t>(
          parts_->value().size() - in_part, end_ - position_);
      *data = parts_->value().data() + in_part;
      *size = static_cast<int>(available);
      position_ += available;
      read_ += available;
      return true;
    }
    void BackUp(int count) override {
      position_ -= count;
      read_ -= count;
    }
    bool Skip(int count) override {
      const uint64_t wanted = position_ + count;
      const uint64_t to = std::min(wanted, end_);
      read_ += to - position_;
      position_ = to;
      return to == wanted;
    }
    int64_t ByteCount() const override { return static_cast<int64_t>(read_); }

   private:
    // Makes `part` the one parts_ holds; false, the reason recorded, if it
    // cannot be read or is not of its size.
    bool Hold(uint64_t part) {
      if (held_ == part) return true;
      const std::string key =
          storage::StatePartKey(body_.seq_, static_cast<uint32_t>(part));
      parts_->Seek(key);
      if (!parts_->Valid() || parts_->key() != key) {
        absl::Status status =
            FromRocks(parts_->status(), "reading the saved state");
        if (status.ok()) {
          status = absl::DataLossError(
              absl::StrCat("part ", part, " of the state saved at seq ",
                           body_.seq_, " is missing"));
        }
        body_.Fail(std::move(status));
        return false;
      }
      const uint64_t begin = part * storage::kStatePartSize;
      if (parts_->value().size() !=
          std::min<uint64_t>(storage::kStatePartSize, body_.size_ - begin)) {
        body_.Fail(absl::DataLossError(absl::StrCat(
            "the state saved at seq ", body_.seq_, " is malformed")));
        return false;
      }
      held_ = part;
      return true;
    }

    const StoredStateBody& body_;
    rocksdb::ReadOptions read_options_;
    std::unique_ptr<rocksdb::Iterator> parts_;
    std::optional<uint64_t> held_;
    uint64_t position_;
    const uint64_t end_;
    uint64_t read_ = 0;
  };

  void Fail(absl::Status status) const {
    absl::MutexLock lock(&mu_);
    if (status_.ok()) status_ = std::move(status);
  }

  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle& family_;
  const uint64_t seq_;
  const uint64_t size_;
  mutable absl::Mutex mu_;
  mutable absl::Status status_ ABSL_GUARDED_BY(mu_);
};

// Runs of events the replay of an open reads and decodes on one thread and
// applies on another, a few runs ahead at most.
class ReplayQueue {
 public:
  // The reader's: false once the applier stopped taking runs.
  bool Push(std::vector<StoredEvent> run) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](ReplayQueue* queue) ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue->mu_) {
          return queue->stopped_ || queue->runs_.size() < kRunsAhead;
        },
        this));
    if (stopped_) return false;
    runs_.push_back(std::move(run));
    return true;
  }
  // The reader's, once it read its last run: why (OK at the log's end).
  void Finish(absl::Status status) {
    absl::MutexLock lock(&mu_);
    finished_ = true;
    status_ = std::move(status);
  }
  // The applier's: the next run; nullopt after the last.
  std::optional<std::vector<StoredEvent>> Pop() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](ReplayQueue* queue) ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue->mu_) {
          return queue->finished_ || !queue->runs_.empty();
        },
        this));
    if (runs_.empty()) return std::nullopt;
    std::vector<StoredEvent> run = std::move(runs_.front());
    runs_.pop_front();
    return run;
  }
  // The applier's: takes no more runs.
  void Stop() {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  // What Finish() was given.
  absl::Status status() {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  static constexpr size_t kRunsAhead = 16;

  absl::Mutex mu_;
  std::deque<std::vector<StoredEvent>> runs_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<StoredEvent> DecodeStoredEvent(uint64_t seq,
                                              std::string_view value,
                                              v1::StoredEvent& scratch) {
  const auto undecodable = [seq] {
    return absl::DataLossError(absl::StrCat("event ", seq, " is undecodable"));
  };
  const std::optional<storage::EventValue> decoded =
      storage::DecodeEventValue(value);
  if (!decoded.has_value()) return undecodable();
  // The canonical encoding's plain form read straight into the domain
  // types (scans decode every event); anything else as protobuf reads it.
  std::optional<StoredEvent> plain = StoredEventFromWire(decoded->canonical);
  if (!plain.has_value()) {
    if (!scratch.ParseFromArray(decoded->canonical.data(),
                                static_cast<int>(decoded->canonical.size()))) {
      return undecodable();
    }
    ASSIGN_OR_RETURN(plain, StoredEventFromProto(scratch));
  }
  StoredEvent& stored = *plain;
  if (stored.seq != seq) {
    return absl::DataLossError(absl::StrCat("the event stored under seq ", seq,
                                            " names seq ", stored.seq));
  }
  stored.prev_hash = decoded->prev_hash;
  stored.hash = decoded->hash;
  return std::move(stored);
}

// The stored tree nodes of level >= kLevel, kept in memory: at 10 M events a
// proof needs some 20 nodes above its leaf's block and finds all but those of
// levels 4..7 here (some 40 000 nodes, 32 bytes each). Only a shortcut: a
// node not (yet) here is read from the store.
class UpperNodes {
 public:
  static constexpr int kLevel = 8;

  std::optional<Hash> Find(int level, uint64_t index) const {
    absl::ReaderMutexLock lock(&mu_);
    const std::vector<Hash>& nodes = levels_[level];
    if (index >= nodes.size()) return std::nullopt;
    return nodes[index];
  }
  // Each level's nodes come in index order: a node completes after the one
  // before it. One out of order (a gap in the store) is not kept.
  void Add(int level, uint64_t index, const Hash& hash) {
    absl::MutexLock lock(&mu_);
    std::vector<Hash>& nodes = levels_[level];
    if (index == nodes.size()) nodes.push_back(hash);
  }

 private:
  mutable absl::Mutex mu_;
  std::array<std::vector<Hash>, 64> levels_ ABSL_GUARDED_BY(mu_);
};

// The Merkle tree of the first `tree_size` events as stored: the nodes of
// level >= 4 by key, the lower ones from the <= 16 events of their level-4
// block, read with one range scan and kept for the next request (a proof
// needs at most two blocks: its leaf's and the right edge's).
class StoredTree {
 public:
  StoredTree(rocksdb::DB& db, rocksdb::ColumnFamilyHandle& tree,
             const UpperNodes& upper, uint64_t tree_size)
      : db_(db), tree_(tree), upper_(upper), tree_size_(tree_size) {}

  // A merkle::SubtreeSource.
  absl::StatusOr<Hash> operator()(int level, uint64_t index) {
    if (level >= storage::kStoredNodeLevel) return StoredNode(level, index);
    const uint64_t first_leaf = index << level;
    const uint64_t block = first_leaf >> storage::kStoredNodeLevel;
    auto it = blocks_.find(block);
    if (it == blocks_.end()) {
      ASSIGN_OR_RETURN(std::vector<Hash> leaves, BlockLeaves(block));
      it = blocks_.emplace(block, std::move(leaves)).first;
    }
    const std::vector<Hash>& leaves = it->second;
    const size_t offset = first_leaf - (block << storage::kStoredNodeLevel);
    const size_t width = size_t{1} << level;
    if (offset + width > leaves.size()) {
      return absl::DataLossError(absl::StrCat(
          "event ", (block << storage::kStoredNodeLevel) + leaves.size() + 1,
          " is missing from the log"));
    }
    std::vector<Hash> hashes(leaves.begin() + offset,
                             leaves.begin() + offset + width);
    for (size_t half = width / 2; half >= 1; half /= 2) {
      for (size_t i = 0; i < half; ++i) {
        hashes[i] = merkle::NodeHash(hashes[2 * i], hashes[2 * i + 1]);
      }
    }
    return hashes.front();
  }

 private:
  absl::StatusOr<Hash> StoredNode(int level, uint64_t index) const {
    if (level >= UpperNodes::kLevel) {
      if (const std::optional<Hash> cached = upper_.Find(level, index)) {
        return *cached;
      }
    }
    std::string value;
    const rocksdb::Status read = db_.Get(
        rocksdb::ReadOptions(), &tree_, storage::NodeKey(level, index), &value);
    const std::string node = absl::StrCat("the Merkle tree node of level ",
                                          level, ", index ", index);
    if (read.IsNotFound()) return absl::DataLossError(node + " is missing");
    RETURN_IF_ERROR(FromRocks(read, absl::StrCat("reading ", node)));
    Hash hash;
    if (value.size() != hash.size()) {
      return absl::DataLossError(node + " is not 32 bytes");
    }
    std::memcpy(hash.data(), value.data(), hash.size());
    return hash;
  }

  // The leaf hashes of the events of a level-4 block inside the tree.
  absl::StatusOr<std::vector<Hash>> BlockLeaves(uint64_t block) const {
    const uint64_t first_seq = (block << storage::kStoredNodeLevel) + 1;
    const uint64_t last_seq = std::min(
        first_seq + (uint64_t{1} << storage::kStoredNodeLevel) - 1, tree_size_);
    const std::string upper = storage::EventKey(last_seq + 1);
    rocksdb::Slice upper_bound(upper);
    rocksdb::ReadOptions read_options;
    read_options.iterate_upper_bound = &upper_bound;
    std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(read_options));
    std::vector<Hash> leaves;
    for (it->Seek(storage::EventKey(first_seq)); it->Valid(); it->Next()) {
      const uint64_t seq = first_seq + leaves.size();
      const std::optional<storage::EventValue> decoded =
          storage::DecodeEventValue(
              std::string_view(it->value().data(), it->value().size()));
      if (storage::SeqOfEventKey(
              std::string_view(it->key().data(), it->key().size())) != seq ||
          !decoded.has_value()) {
        return absl::DataLossError(
            absl::StrCat("event ", seq, " is missing or undecodable"));
      }
      leaves.push_back(merkle::LeafHash(decoded->canonical));
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading the Merkle tree"));
    return leaves;
  }

  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle& tree_;
  const UpperNodes& upper_;
  const uint64_t tree_size_;
  // Leaf hashes by level-4 block.
  absl::flat_hash_map<uint64_t, std::vector<Hash>> blocks_;
};

// The number of leaves whose level-4 nodes are all stored: where the stored
// tree ends.
absl::StatusOr<uint64_t> StoredTreeSize(rocksdb::DB& db,
                                        rocksdb::ColumnFamilyHandle& tree) {
  const std::string lower = storage::NodeKey(storage::kStoredNodeLevel, 0);
  rocksdb::Slice lower_bound(lower);
  rocksdb::ReadOptions read_options;
  read_options.iterate_lower_bound = &lower_bound;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(read_options, &tree));
  it->SeekForPrev(storage::NodeKey(storage::kStoredNodeLevel,
                                   std::numeric_limits<uint64_t>::max()));
  RETURN_IF_ERROR(FromRocks(it->status(), "finding the Merkle tree's end"));
  if (!it->Valid()) return 0;
  const std::optional<storage::NodeId> node =
      storage::NodeOfKey(std::string_view(it->key().data(), it->key().size()));
  if (!node.has_value() || node->level != storage::kStoredNodeLevel) {
    return absl::DataLossError("malformed Merkle tree node key");
  }
  return (node->index + 1) << storage::kStoredNodeLevel;
}

// Truncates to what the stored Timestamp keeps, so memory equals disk.
absl::Time ToMicros(absl::Time time) {
  return absl::FromUnixMicros(absl::ToUnixMicros(time));
}

class EventLogImpl final : public EventLog {
 public:
  EventLogImpl(EventLogOptions options, std::unique_ptr<rocksdb::Env> env,
               storage::Store store)
      : options_(std::move(options)),
        env_(std::move(env)),
        db_(std::move(store.db)),
        tree_(std::move(store.tree)),
        records_family_(std::move(store.records)),
        state_family_(std::move(store.state)),
        records_(*db_, *records_family_, options_.sync) {}
  // Refuses new appends, then waits for the in-flight ones (and for
  // WaitForHeadAfter calls, which return at once) before closing the store.
  ~EventLogImpl() override;

  absl::Status Recover();
  // After Recover(): the tree follows the appends from now on, and state
  // deltas are written.
  void StartThreads() {
    tree_follower_ = std::thread([this] { FollowWithTree(); });
    if (options_.save_state_every > 0) {
      delta_writer_ = std::thread([this] { WriteDeltas(); });
    }
  }

  using EventLog::Append;
  absl::StatusOr<AppendResult> Append(
      const AppendBatch& batch, absl::FunctionRef<void()> queued) override;
  absl::StatusOr<Head> AppendReplicated(
      absl::Span<const ReplicatedEvent> events) override;
  Head GetHead() const override;
  absl::StatusOr<StoredEvent> GetBySeq(uint64_t seq) const override;
  absl::StatusOr<StoredEvent> GetByEventId(
      std::string_view event_id) const override;
  absl::Status Scan(
      uint64_t from_seq, uint64_t to_seq,
      absl::FunctionRef<bool(const StoredEvent&)> visit) const override;
  absl::Status ScanInto(uint64_t from_seq, uint64_t to_seq,
                        std::vector<StoredEvent>& events) const override;
  absl::Status ScanRuns(uint64_t from_seq, uint64_t to_seq,
                        absl::FunctionRef<bool(absl::Span<const StoredEvent>)>
                            visit) const override;
  absl::Status ScanCanonical(
      uint64_t from_seq, uint64_t to_seq,
      absl::FunctionRef<bool(const StoredEvent&, std::string_view canonical)>
          visit) const override;
  absl::StatusOr<ChainVerification> VerifyChain(uint64_t from_seq,
                                                uint64_t to_seq) const override;
  Head WaitForHeadAfter(uint64_t seq, absl::Duration timeout) const override;
  absl::StatusOr<Hash> MerkleRoot(uint64_t tree_size) const override;
  absl::StatusOr<std::vector<Hash>> InclusionProof(
      uint64_t seq, uint64_t tree_size) const override;
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(
      uint64_t first_size, uint64_t second_size) const override;
  absl::Status AppendStatus() const override;
  RecordStore& records() override { return records_; }
  const RecordStore& records() const override { return records_; }
  absl::StatusOr<BackupInfo> CreateBackup(
      const std::string& backup_dir) override {
    absl::MutexLock lock(&backup_mu_);
    return storage::CreateBackup(*db_, backup_dir);
  }
  StorageStats GetStorageStats() const override;
  IdCounts GetIdCounts() const override;

 private:
  // One Append() call waiting in the queue.
  struct Writer {
    explicit Writer(const AppendBatch* batch) : batch(batch) {}
    const AppendBatch* const batch;
    // Written by the group's leader before it sets `done`.
    absl::StatusOr<AppendResult> result;
    bool done = false;  // result is final; guarded by mu_
    absl::CondVar cv;
  };

  // Consecutive events with their canonical bytes as stored, which
  // ScanCanonical hands on from memory as it would from disk.
  struct EventsWithBytes {
    std::string_view Canonical(size_t i) const {
      const size_t begin = i == 0 ? 0 : canonical_end[i - 1];
      return std::string_view(canonical).substr(begin,
                                                canonical_end[i] - begin);
    }
    void Add(StoredEvent stored, std::string_view bytes) {
      events.push_back(std::move(stored));
      canonical.append(bytes);
      canonical_end.push_back(canonical.size());
    }
    // Room for the `count` events of the batches a leader takes, once:
    // reserving per batch grew the buffers one batch at a time.
    void Reserve(size_t count) {
      events.reserve(count);
      canonical.reserve(count * kTypicalCanonicalBytes);
      canonical_end.reserve(count);
    }
    void Truncate(size_t size) {
      events.resize(size);
      canonical_end.resize(size);
      canonical.resize(size == 0 ? 0 : canonical_end.back());
    }

    std::vector<StoredEvent> events;
    // All canonical bytes in one string: one allocation a group, not one an
    // event. Event i's end in it is canonical_end[i].
    std::string canonical;
    std::vector<size_t> canonical_end;
  };

  // The events of one group commit, staged for a single synced write.
  struct Group : EventsWithBytes {
    // The event at `seq` if this group stages it, else null.
    const StoredEvent* Find(uint64_t seq) const {
      if (seq < first_seq || seq - first_seq >= events.size()) return nullptr;
      return &events[seq - first_seq];
    }

    absl::Time recorded_at;
    uint64_t first_seq = 0;
    rocksdb::WriteBatch write_batch;
  };
  using RecentGroup = std::shared_ptr<const EventsWithBytes>;

  // A new event of the batch being staged, by its event_id.
  struct NewEventId {
    size_t batch_index;
    uint64_t seq;
    uint64_t fingerprint;
    bool fingerprint_taken;
  };
  using NewEventIds = absl::flat_hash_map<std::string_view, NewEventId>;

  // What the event_id index says of an incoming event.
  struct Known {
    std::optional<uint64_t> original_seq;  // set: an identical duplicate
    uint64_t fingerprint = 0;              // EventIdIndex::Fingerprint
    bool fingerprint_taken = false;
  };

  // A state delta taken, to be written (storage_format.h delta_key).
  struct Delta {
    uint64_t follows = 0;
    uint64_t seq = 0;
    Hash hash{};  // of the event at seq
    EventIdIndex::Added ids;
    std::string changes;  // ledger_delta
    // With it the deltas pass half of the state checkpoint they follow:
    // once written, they are folded into a new one (WriteDelta), whose
    // event_id arrays then replace the live index's sealed ids.
    bool rebase = false;
  };

  // The state as of the latest consistent point on disk: a state checkpoint
  // (or the empty state) and the deltas that follow it.
  struct Checkpoint {
    uint64_t seq = 0;  // 0: the empty state
    Hash hash{};
    absl::Time recorded_at = absl::InfinitePast();
    EventIdIndex event_ids;
    LedgerState state;
    uint64_t base_seq = 0;  // of the state checkpoint; 0: none
    uint32_t base_version = 0;
    uint64_t base_bytes = 0;   // its body
    uint64_t delta_bytes = 0;  // the bodies of the deltas applied
    // A delta past `seq` could not be applied: it never will.
    bool unusable_deltas = false;
  };

  // Takes `leader` (the front of the queue) and the writers queued behind it
  // on as one group, and stages, writes and acknowledges it.
  void CommitGroup(Writer* leader) ABSL_LOCKS_EXCLUDED(stage_mu_, mu_);
  // Called only by the leader that set write_busy_.
  absl::Status WriteGroup(Group& group);
  // The Merkle tree's thread: extends the tree by the events the head moves
  // past, until the log closes (after the last append) or fails.
  void FollowWithTree() ABSL_LOCKS_EXCLUDED(tree_mu_, mu_);
  // Hashes the events after the tree's end up to `head` into the tree and
  // stores the nodes they complete.
  absl::Status ExtendTree(uint64_t head)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(tree_mu_);
  // Waits until the tree covers the first `tree_size` events; OUT_OF_RANGE
  // past the head, UNAVAILABLE if the tree cannot get there.
  absl::Status AwaitTree(uint64_t tree_size) const
      ABSL_LOCKS_EXCLUDED(tree_mu_);
  // Checks that `replicated` extends the staged chain and stages it into
  // `group`, or leaves both as they were and says why not.
  absl::Status StageReplicated(const ReplicatedEvent& replicated, Group& group)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_);
  // Keeps the events of a written group for Scan; returns the oldest groups
  // it no longer keeps.
  std::vector<RecentGroup> KeepRecent(EventsWithBytes written)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<AppendResult> StageBatch(const AppendBatch& batch,
                                          Group& group)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_);
  // If every event of `batch` is an identical duplicate of a stored (or
  // staged) one: the result naming the originals. Otherwise nullopt, and
  // staging the batch reports what is wrong with it.
  std::optional<AppendResult> AllDuplicates(
      const AppendBatch& batch, const Group& group,
      absl::Span<const EventIdIndex::Probe> probes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_);
  absl::Status StageEvents(const AppendBatch& batch, Group& group,
                           absl::Span<const EventIdIndex::Probe> probes,
                           AppendResult& result, NewEventIds& new_ids)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_);
  // Looks every event_id of `batch` up in the index, under one lock: the
  // index changes only between batches.
  std::vector<EventIdIndex::Probe> ProbeEventIds(const AppendBatch& batch) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_) ABSL_LOCKS_EXCLUDED(index_mu_);
  absl::StatusOr<Known> LookUpEventId(const AppendBatch& batch, int index,
                                      const EventIdIndex::Probe& probe,
                                      const Group& group,
                                      const NewEventIds& new_ids)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_);
  // Refuses the batch with PERMISSION_DENIED if its authority does not allow
  // one of its events (event_log.h AppendAuthority).
  absl::Status CheckAuthority(const AppendBatch& batch, const Group& group)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_);
  // The event at `seq`: from `group` if it is staged there, else from the
  // group in its write (writing_), else from disk. Every group before those
  // two is written, so no event the index knows lives anywhere else.
  absl::StatusOr<StoredEvent> StoredAt(uint64_t seq, const Group& group) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_);
  // NOT_FOUND names the seq; other errors say what failed reading it.
  absl::StatusOr<StoredEvent> ReadStored(uint64_t seq) const;
  // The recent groups that hold from_seq..to_seq, if they reach back to
  // from_seq (else none: the events are on disk); a to_seq of 0 becomes the
  // head.
  std::vector<RecentGroup> RecentGroupsFor(uint64_t from_seq,
                                           uint64_t& to_seq) const;
  // The events of `group` with from_seq <= seq <= to_seq (seqs ascend).
  static absl::Span<const StoredEvent> EventsWithin(
      const EventsWithBytes& group, uint64_t from_seq, uint64_t to_seq);
  // ScanCanonical from disk; `visit` may move the event.
  absl::Status ScanStored(
      uint64_t from_seq, uint64_t to_seq,
      absl::FunctionRef<bool(StoredEvent&, std::string_view canonical)> visit)
      const;
  // Reads the stored nodes UpperNodes keeps.
  absl::Status LoadUpperNodes();
  // Writes `batch` (synced as appends are) and empties it; errors name
  // `what`.
  absl::Status WriteAndClear(rocksdb::WriteBatch& batch, std::string_view what);
  // Stores `body` in the state family in parts of kStatePartSize, part i
  // at part_key(i), as one table file of its own, synced and ingested into
  // the store (errors name `what`); returns the number of parts. Hundreds
  // of MB at 10 M events: through the memtables they went to the WAL, to a
  // table at every 4 MiB flush and through compactions, which ran beside
  // the appends; ingested, they are written once and their file is dropped
  // whole when superseded (DropSupersededParts).
  absl::StatusOr<uint32_t> IngestParts(
      std::string_view body, absl::FunctionRef<std::string(uint32_t)> part_key,
      std::string_view what);
  // Drops the table files that hold only parts of the state checkpoints
  // and deltas up to `seq`, which the range deletions written with the
  // checkpoint at `seq` hide, instead of leaving them to a compaction.
  absl::Status DropSupersededParts(uint64_t seq);
  // Moves the keys starting with `tag` from the default column family to
  // `family` (a migration to format 3).
  absl::Status MoveToFamily(char tag, rocksdb::ColumnFamilyHandle& family);
  // Refuses a store of a later format; returns the format it is in.
  absl::StatusOr<uint32_t> ReadFormatVersion() const;
  // The head as the stored events end, before the open checks them.
  absl::StatusOr<Head> ReadLastStored() const;
  // Saves state_ and event_ids_ as of the staged head, a state checkpoint
  // (storage_format.h) that replaces the older ones and the deltas, unless
  // it is saved already; then flushes every memtable.
  absl::Status SaveState() ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_, index_mu_);
  // About the body bytes of a state checkpoint at `seq`: the last one's,
  // grown as the log did since, and a sixteenth more; 0 without one, or
  // when the log has more than doubled since (the reserve is zeroed as the
  // encoding starts: a guess far off would take memory for nothing).
  uint64_t ExpectedBodyBytes(uint64_t seq);
  // Writes every column family's memtable into a table.
  absl::Status FlushAll();
  // Writes a state checkpoint of `body` after the event `seq` of `hash`,
  // deleting the older ones and the deltas up to it.
  absl::Status WriteStateCheckpoint(uint64_t seq, const Hash& hash,
                                    std::string_view body);
  // Loads the latest state checkpoint of this log, and the deltas after it,
  // into state_, event_ids_ and the chain tail; false (and nothing changed)
  // if there is none it can use, and the log must be replayed from its
  // start. `head`: about the last seq stored, which the state will reach.
  absl::StatusOr<bool> LoadState(uint64_t head)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_, index_mu_);
  // Reads the state as of the latest consistent point on disk, with room
  // for what the events up to `head` add (LoadGrowth, ledger_state.h).
  // DATA_LOSS for a state checkpoint that is unreadable; a delta that is is
  // skipped.
  absl::StatusOr<Checkpoint> ReadCheckpoint(uint64_t head) const;
  // The latest state checkpoint into `checkpoint`, if there is one this
  // version reads, of this log.
  absl::Status ReadStateCheckpoint(Checkpoint& checkpoint, uint64_t head) const;
  // Applies to `checkpoint` the deltas that follow it, in seq order.
  absl::Status ApplyDeltas(Checkpoint& checkpoint) const;
  // At a group's end: hands a delta to delta_writer_ once save_state_every
  // events are past the last one, unless it is still busy.
  void MaybeTakeDelta() ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_)
      ABSL_LOCKS_EXCLUDED(index_mu_, checkpoint_mu_);
  // delta_writer_: writes the deltas handed to it until the log closes.
  void WriteDeltas() ABSL_LOCKS_EXCLUDED(checkpoint_mu_, mu_);
  // Writes `delta` once its events are durable; then, if the deltas add up
  // to half of the state checkpoint, writes a new one from those on disk.
  absl::Status WriteDelta(const Delta& delta)
      ABSL_LOCKS_EXCLUDED(checkpoint_mu_, mu_);

  const EventLogOptions options_;
  // Wraps options_.file_system, if any; outlives db_.
  const std::unique_ptr<rocksdb::Env> env_;
  const std::unique_ptr<rocksdb::DB> db_;
  // The column families of the tree's nodes, of the records and of the
  // state checkpoints; released before db_.
  const std::unique_ptr<rocksdb::ColumnFamilyHandle> tree_;
  const std::unique_ptr<rocksdb::ColumnFamilyHandle> records_family_;
  const std::unique_ptr<rocksdb::ColumnFamilyHandle> state_family_;
  RecordStore records_;     // over db_, with locks of its own
  UpperNodes upper_nodes_;  // with a lock of its own
  // BackupEngine allows one writer per backup directory; backups are rare,
  // so one at a time per log. Independent of the write path's locks.
  absl::Mutex backup_mu_;

  // Held by the group leader while it forms and stages its group (see
  // event_log.h for the lock order); no other thread touches the validation
  // state or the chain tail (GetIdCounts reads two sizes).
  mutable absl::Mutex stage_mu_;
  LedgerState state_ ABSL_GUARDED_BY(stage_mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(stage_mu_) = 1;
  Hash last_hash_ ABSL_GUARDED_BY(stage_mu_){};
  absl::Time last_recorded_at_ ABSL_GUARDED_BY(stage_mu_) =
      absl::InfinitePast();
  std::string value_buffer_ ABSL_GUARDED_BY(stage_mu_);  // reused per event
  // The seq of the latest state checkpoint (0: none).
  uint64_t saved_seq_ ABSL_GUARDED_BY(stage_mu_) = 0;
  // The seq of the latest state checkpoint or delta, on disk or handed to
  // delta_writer_, that the next delta follows (0: the empty state).
  uint64_t checkpoint_seq_ ABSL_GUARDED_BY(stage_mu_) = 0;
  // The buffer for the next delta is asked for.
  bool buffer_requested_ ABSL_GUARDED_BY(stage_mu_) = false;

  // The hand-off to delta_writer_ (see event_log.h for the lock order).
  absl::Mutex checkpoint_mu_ ABSL_ACQUIRED_AFTER(stage_mu_);
  std::optional<Delta> pending_delta_ ABSL_GUARDED_BY(checkpoint_mu_);
  // A delta is taken and not yet written: the next waits, so that one
  // delta at a time is in memory and the deltas stay ordered.
  bool delta_busy_ ABSL_GUARDED_BY(checkpoint_mu_) = false;
  // A delta could not be written: no more are taken, the chain being
  // broken; the close saves the state as before.
  bool delta_failed_ ABSL_GUARDED_BY(checkpoint_mu_) = false;
  bool delta_stop_ ABSL_GUARDED_BY(checkpoint_mu_) = false;
  // The next delta's ledger_delta is encoded into this, made ready by
  // delta_writer_ when the stager asks, halfway to the next delta.
  std::string delta_buffer_ ABSL_GUARDED_BY(checkpoint_mu_);
  bool buffer_wanted_ ABSL_GUARDED_BY(checkpoint_mu_) = false;
  // The body bytes of the state checkpoint on disk and of the deltas after
  // it, which are kept below half of it; the checkpoint's seq.
  uint64_t base_bytes_ ABSL_GUARDED_BY(checkpoint_mu_) = 0;
  uint64_t base_seq_ ABSL_GUARDED_BY(checkpoint_mu_) = 0;
  uint64_t delta_bytes_ ABSL_GUARDED_BY(checkpoint_mu_) = 0;
  std::thread delta_writer_;  // WriteDeltas; joined by the destructor

  // The Merkle tree follows the log on a thread of its own, as projections
  // do: hashed inside the commit, its two SHA-256 an event lengthened the
  // path every append waits behind. Proofs wait for it to reach their size.
  mutable absl::Mutex tree_mu_ ABSL_ACQUIRED_AFTER(stage_mu_);
  // The tree's right edge; its nodes of level >= 4 are stored.
  merkle::Frontier frontier_ ABSL_GUARDED_BY(tree_mu_);
  // Set when the tree could not be extended; it stops there.
  absl::Status tree_failure_ ABSL_GUARDED_BY(tree_mu_);
  std::thread tree_follower_;  // FollowWithTree; joined by the destructor

  // Readers look ids up while the leader adds them.
  mutable absl::Mutex index_mu_ ABSL_ACQUIRED_AFTER(stage_mu_);
  EventIdIndex event_ids_ ABSL_GUARDED_BY(index_mu_);
  // The group in its write, if any (LevelDB's imm_): its events are past the
  // head, yet the group staged meanwhile must find them.
  const Group* writing_ ABSL_GUARDED_BY(index_mu_) = nullptr;

  mutable absl::Mutex mu_ ABSL_ACQUIRED_AFTER(stage_mu_);
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(mu_);
  // A leader holds stage_mu_ and still takes queued writers into its group:
  // the front waits until it hands over.
  bool forming_ ABSL_GUARDED_BY(mu_) = false;
  // A group is in its write (and fsync) and being acknowledged: groups reach
  // disk, and are acknowledged, one at a time and in seq order.
  bool write_busy_ ABSL_GUARDED_BY(mu_) = false;
  Head head_ ABSL_GUARDED_BY(mu_);
  // The last groups written, in seq order, ending at the head.
  std::deque<RecentGroup> recent_ ABSL_GUARDED_BY(mu_);
  size_t recent_events_ ABSL_GUARDED_BY(mu_) = 0;
  // Set when a group could not be written: memory is then ahead of disk.
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  // Set when destruction begins; appends are refused from then on.
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  // The largest tree size a proof waits for: the tree's thread gets there
  // without waiting for kTreeStep events.
  mutable uint64_t tree_wanted_ ABSL_GUARDED_BY(mu_) = 0;
  // Append and WaitForHeadAfter calls not yet returned; the destructor waits
  // for none to be left.
  mutable int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

// Replays the log into the validation state and the event_id index, and
// restores the Merkle tree's right edge from the stored nodes, hashing only
// the events after the last one. In a store without them (written before the
// tree, or appended to by such a version) that hashes the events the nodes
// are missing for, and stores those nodes: a migration, done once.
absl::Status EventLogImpl::Recover() {
  absl::MutexLock stage(&stage_mu_);
  absl::MutexLock tree(&tree_mu_);
  absl::MutexLock index(&index_mu_);
  ASSIGN_OR_RETURN(const uint32_t format, ReadFormatVersion());
  // Format 3 keeps nodes and records out of the events' column family.
  if (format < 3) {
    RETURN_IF_ERROR(MoveToFamily(storage::kRecordTag, *records_family_));
  }
  if (format == 2) RETURN_IF_ERROR(MoveToFamily(storage::kNodeTag, *tree_));
  ASSIGN_OR_RETURN(const uint64_t tree_size, StoredTreeSize(*db_, *tree_));
  StoredTree stored_tree(*db_, *tree_, upper_nodes_, tree_size);
  ASSIGN_OR_RETURN(
      frontier_,
      merkle::Frontier::Restore(tree_size, [&](int level, uint64_t node_index) {
        return stored_tree(level, node_index);
      }));
  rocksdb::WriteBatch nodes;
  const auto write_nodes = [&]() {
    return WriteAndClear(nodes, "storing the tree");
  };
  ASSIGN_OR_RETURN(const Head stored_head, ReadLastStored());
  {
    absl::MutexLock lock(&mu_);
    head_ = stored_head;
  }
  std::thread beside;
  absl::Cleanup join_beside = [&beside] {
    if (beside.joinable()) beside.join();
  };
  if (options_.while_opening) {
    beside = std::thread([this] { options_.while_opening(*this); });
  }
  // The tree holds all but the last few events (fewer than 16).
  ASSIGN_OR_RETURN(const bool state_loaded, LoadState(tree_size));
  const uint64_t state_seq = state_loaded ? next_seq_ - 1 : 0;
  if (options_.save_state_every > 0) {
    // The replay is a change since the point the next delta follows.
    state_.TrackChanges();
    event_ids_.TrackAdded(options_.save_state_every);
  }
  uint64_t events_hashed = 0;
  rocksdb::ReadOptions read_options;
  read_options.fill_cache = false;
  read_options.readahead_size = 4 << 20;
  const std::string upper = std::string(1, storage::kEventTag + 1);
  rocksdb::Slice upper_bound(upper);
  read_options.iterate_upper_bound = &upper_bound;
  // Reads the events from `first` on, in seq order, into visit(seq, value),
  // and returns its first error; DATA_LOSS at a seq missing before the last.
  const auto read_events =
      [&](uint64_t first,
          absl::FunctionRef<absl::Status(uint64_t, std::string_view)> visit)
      -> absl::Status {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options));
    uint64_t expected_seq = first;
    for (it->Seek(storage::EventKey(expected_seq)); it->Valid();
         it->Next(), ++expected_seq) {
      const std::optional<uint64_t> seq = storage::SeqOfEventKey(
          std::string_view(it->key().data(), it->key().size()));
      if (seq != expected_seq) {
        return absl::DataLossError(
            absl::StrCat("event ", expected_seq, " is missing from the log"));
      }
      RETURN_IF_ERROR(visit(
          *seq, std::string_view(it->value().data(), it->value().size())));
    }
    return FromRocks(it->status(), "replaying the log");
  };
  // The tree's right edge needs the events after its last node: fewer than
  // 16, unless the store was written without the tree.
  RETURN_IF_ERROR(read_events(
      tree_size + 1,
      [&](uint64_t /*seq*/, std::string_view value)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(tree_mu_) {
            frontier_.Append(
                merkle::LeafHash(value.substr(2 * storage::kHashSize)),
                [&](int level, uint64_t node_index, const Hash& hash) {
                  if (level >= storage::kStoredNodeLevel) {
                    nodes.Put(tree_.get(), storage::NodeKey(level, node_index),
                              rocksdb::Slice(HashBytes(hash)));
                  }
                });
            ++events_hashed;
            // Bounded batches, each ending after an event,
            // so that a node is stored with (or after) every
            // node below it.
            return nodes.Count() >= 4096 ? write_nodes() : absl::OkStatus();
          }));
  // The state's replay: the events after its checkpoint, read and decoded
  // a run at a time on a thread of their own and applied on this one (0.8 M
  // events after a crash at 12.8 M: the open 0.35-0.4 s shorter than with
  // both on one). Each run's ids' places in the index and its jobs' and
  // persons' in the state are fetched ahead, where one by one each lookup
  // waited on its cache misses.
  constexpr size_t kReplayRun = 64;
  constexpr size_t kPrefetchAhead = 4;
  const auto replay_run =
      [&](const std::vector<StoredEvent>& run)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(stage_mu_, index_mu_) -> absl::Status {
    // Fingerprints and the index's memory, for the whole run.
    const std::vector<EventIdIndex::Probe> probes = event_ids_.ProbeAll(
        run.size(), [&run](size_t i) { return run[i].event.event_id; });
    for (size_t i = 0; i < std::min(run.size(), kPrefetchAhead); ++i) {
      state_.Prefetch(run[i].event);
    }
    for (size_t i = 0; i < run.size(); ++i) {
      if (i + kPrefetchAhead < run.size()) {
        state_.Prefetch(run[i + kPrefetchAhead].event);
      }
      const StoredEvent& stored = run[i];
      const Event& event = stored.event;
      std::optional<Event> target;
      if (const auto* retraction =
              std::get_if<EventRetracted>(&event.payload)) {
        absl::StatusOr<StoredEvent> read = ReadStored(retraction->target_seq);
        if (!read.ok()) {
          return absl::DataLossError(absl::StrCat(
              "stored event ", stored.seq, " retracts seq ",
              retraction->target_seq, ": ", read.status().message()));
        }
        target = std::move(read->event);
      }
      if (absl::Status valid =
              state_.Apply(event, stored.seq, -1, target ? &*target : nullptr);
          !valid.ok()) {
        return absl::DataLossError(
            absl::StrCat("stored event ", stored.seq,
                         " fails validation: ", valid.message()));
      }
      // Looked up again (in cache now): the probe does not see the ids of
      // this run inserted before it.
      bool fingerprint_taken = false;
      const uint64_t fingerprint = probes[i].fingerprint;
      if (const std::optional<uint64_t> other =
              event_ids_.Find(event.event_id, fingerprint)) {
        ASSIGN_OR_RETURN(const StoredEvent earlier, ReadStored(*other));
        if (earlier.event.event_id == event.event_id) {
          return absl::DataLossError(absl::StrCat(
              "events ", *other, " and ", stored.seq, " share an event_id"));
        }
        fingerprint_taken = true;
      }
      event_ids_.Insert(event.event_id, fingerprint, stored.seq,
                        fingerprint_taken);
      last_hash_ = stored.hash;
      last_recorded_at_ = stored.recorded_at;
      ++next_seq_;
    }
    return absl::OkStatus();
  };
  ReplayQueue runs;
  std::thread reader([&] {
    v1::StoredEvent scratch;
    std::vector<StoredEvent> run;
    run.reserve(kReplayRun);
    absl::Status read =
        read_events(state_seq + 1,
                    [&](uint64_t seq, std::string_view value) -> absl::Status {
                      ASSIGN_OR_RETURN(StoredEvent stored,
                                       DecodeStoredEvent(seq, value, scratch));
                      run.push_back(std::move(stored));
                      if (run.size() < kReplayRun) return absl::OkStatus();
                      const bool taken = runs.Push(std::exchange(run, {}));
                      run.reserve(kReplayRun);
                      // The applier stopped at an error of its own, which it
                      // returns.
                      return taken ? absl::OkStatus() : absl::CancelledError();
                    });
    if (read.ok() && !run.empty()) runs.Push(std::move(run));
    runs.Finish(std::move(read));
  });
  absl::Status applied;
  while (applied.ok()) {
    const std::optional<std::vector<StoredEvent>> run = runs.Pop();
    if (!run.has_value()) break;
    applied = replay_run(*run);
  }
  runs.Stop();
  reader.join();
  // An error applying a run comes before any the reader met after it.
  RETURN_IF_ERROR(applied);
  RETURN_IF_ERROR(runs.status());
  if (tree_size >= next_seq_) {
    return absl::DataLossError(
        absl::StrCat("the Merkle tree covers ", tree_size,
                     " events, the log holds ", next_seq_ - 1));
  }
  if (format != storage::kFormatVersion) {
    nodes.Put(storage::FormatKey(),
              storage::EncodeFormatVersion(storage::kFormatVersion));
  }
  if (nodes.Count() > 0) RETURN_IF_ERROR(write_nodes());
  if (format != storage::kFormatVersion) {
    // Out of the memtable the events are appended to, where it would sort
    // after them all (storage_format.h).
    RETURN_IF_ERROR(FromRocks(
        db_->Flush(rocksdb::FlushOptions(), db_->DefaultColumnFamily()),
        "flushing the format record"));
  }
  RETURN_IF_ERROR(LoadUpperNodes());
  if (options_.on_tree_restored) options_.on_tree_restored(events_hashed);
  const uint64_t events_replayed = next_seq_ - 1 - state_seq;
  if (options_.on_state_restored) {
    options_.on_state_restored(state_seq, events_replayed);
  }
  // With deltas, the next one bounds the replay after a crash to about
  // save_state_every events whether or not this open saves: a save of the
  // whole state for a shorter replay would only lengthen the open the server
  // waits for (after a crash at 12.8 M events, 0.8 M of them to replay:
  // 2.95-9.0 s with the save, 2.9-3.9 s without).
  if (options_.save_state && events_replayed > 0 &&
      events_replayed >= std::max(options_.save_state_after_replay,
                                  options_.save_state_every)) {
    RETURN_IF_ERROR(SaveState());
  }
  // The head while_opening saw, now checked.
  absl::MutexLock lock(&mu_);
  head_ = Head{next_seq_ - 1, last_hash_, last_recorded_at_};
  return absl::OkStatus();
}

absl::StatusOr<Head> EventLogImpl::ReadLastStored() const {
  const std::string upper = std::string(1, storage::kEventTag + 1);
  rocksdb::Slice upper_bound(upper);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options));
  it->SeekToLast();
  RETURN_IF_ERROR(FromRocks(it->status(), "finding the last event"));
  if (!it->Valid()) return Head{};
  const std::optional<uint64_t> seq = storage::SeqOfEventKey(
      std::string_view(it->key().data(), it->key().size()));
  if (!seq.has_value()) {
    return absl::DataLossError("the log's last event key is malformed");
  }
  v1::StoredEvent scratch;
  ASSIGN_OR_RETURN(
      const StoredEvent last,
      DecodeStoredEvent(
          *seq, std::string_view(it->value().data(), it->value().size()),
          scratch));
  return Head{last.seq, last.hash, last.recorded_at};
}

// The write path (LevelDB's DBImpl::Write), in two pipelined stages. Appends
// queue up; the writer at the front leads the next group:
//  1. Once it holds stage_mu_ (the group before is staged), it takes itself
//     and everyone queued behind it as one group and stages it: validates,
//     chains and encodes it on top of every group before. While the group
//     before is still in its write, it keeps taking and staging the appends
//     that arrive, so a group gathers everything that came in during one
//     write, as it would without the pipeline.
//  2. Once the group before is written and acknowledged (write_busy_
//     clears), it takes the write over, shows its group to lookups as
//     `writing_`, hands the front to the next leader and lets go of
//     stage_mu_: the next group is staged while this one is in its synced
//     write, and finds this one's events, so a retry of an event in flight
//     is a duplicate and a retraction of one finds its target.
//  3. After the write it withdraws `writing_` (its events are in the store
//     now), moves the head and acknowledges its writers.
// Nothing after a failed write is acknowledged. A group whose predecessor
// failed is not written, and all of its writers get the failure: their
// batches were judged against events that never reached disk. An
// all-duplicates batch is acknowledged only once its group takes the write
// over, so after the group that stores its originals is durable.
absl::StatusOr<AppendResult> EventLogImpl::Append(
    const AppendBatch& batch, absl::FunctionRef<void()> queued) {
  Writer self(&batch);
  {
    absl::MutexLock lock(&mu_);
    if (closing_) {
      return absl::UnavailableError("the log is closing; reopen it");
    }
    RETURN_IF_ERROR(failure_);
    ++in_flight_;
    writers_.push_back(&self);
    queued();
    if (options_.on_append_queued) options_.on_append_queued();
    while (!self.done && (forming_ || &self != writers_.front())) {
      self.cv.Wait(&mu_);
    }
    if (self.done) {
      --in_flight_;
      return std::move(self.result);
    }
  }
  CommitGroup(&self);
  absl::MutexLock lock(&mu_);
  --in_flight_;
  return std::move(self.result);
}

// Like a group leader, under stage_mu_ and with the write taken over (after
// the groups staged before it), but staging the events as the other log
// chained them instead of chaining them anew. It holds stage_mu_ through its
// write: a replica's appends come one subscription at a time, so there is no
// next group to stage meanwhile.
absl::StatusOr<Head> EventLogImpl::AppendReplicated(
    absl::Span<const ReplicatedEvent> events) {
  {
    absl::MutexLock lock(&mu_);
    if (closing_) {
      return absl::UnavailableError("the log is closing; reopen it");
    }
    RETURN_IF_ERROR(failure_);
    ++in_flight_;
  }
  absl::Status refused;
  absl::Status written;
  {
    absl::MutexLock stage(&stage_mu_);
    {
      absl::MutexLock lock(&mu_);
      const auto idle = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return !write_busy_;
      };
      mu_.Await(absl::Condition(&idle));
      write_busy_ = true;
      written = failure_;
    }
    Group group;
    group.first_seq = next_seq_;
    for (const ReplicatedEvent& replicated : events) {
      if (!written.ok()) break;
      refused = StageReplicated(replicated, group);
      if (!refused.ok()) break;
    }
    if (written.ok()) {
      MaybeTakeDelta();
      written = WriteGroup(group);
    }
    std::vector<RecentGroup> dropped;  // freed outside mu_
    absl::MutexLock lock(&mu_);
    if (written.ok()) {
      head_ = Head{next_seq_ - 1, last_hash_, last_recorded_at_};
      dropped = KeepRecent(std::move(static_cast<EventsWithBytes&>(group)));
    } else if (failure_.ok()) {
      failure_ = absl::UnavailableError(absl::StrCat(
          "the log stopped accepting appends after a failed write (",
          written.message(), "); reopen it"));
    }
    write_busy_ = false;
  }
  absl::MutexLock lock(&mu_);
  --in_flight_;
  if (!written.ok()) return failure_;
  RETURN_IF_ERROR(refused);
  return head_;
}

absl::Status EventLogImpl::StageReplicated(const ReplicatedEvent& replicated,
                                           Group& group) {
  const uint64_t seq = next_seq_;
  const auto refuse = [&](absl::string_view why) {
    return absl::FailedPreconditionError(
        absl::StrCat("replicated event ", seq, ": ", why));
  };
  v1::StoredEvent scratch;
  if (!scratch.ParseFromArray(replicated.canonical.data(),
                              static_cast<int>(replicated.canonical.size()))) {
    return refuse("the canonical bytes do not decode");
  }
  absl::StatusOr<StoredEvent> decoded = StoredEventFromProto(scratch);
  if (!decoded.ok()) return refuse(decoded.status().message());
  const StoredEvent& stored = *decoded;
  if (stored.seq != seq) {
    return refuse(absl::StrCat("the canonical bytes name seq ", stored.seq,
                               ": a gap or a repeat"));
  }
  if (replicated.prev_hash != last_hash_) {
    return refuse("prev_hash is not the hash of the event before");
  }
  value_buffer_ = storage::EncodeEventValue(
      replicated.prev_hash, replicated.hash, replicated.canonical);
  if (storage::ChainHashOfValue(value_buffer_) != replicated.hash) {
    return refuse("hash is not SHA-256(prev_hash || canonical bytes)");
  }
  if (stored.recorded_at < last_recorded_at_) {
    return refuse("recorded_at goes back");
  }
  std::optional<Event> target;
  if (const auto* retraction =
          std::get_if<EventRetracted>(&stored.event.payload)) {
    absl::StatusOr<StoredEvent> read =
        retraction->target_seq < seq
            ? StoredAt(retraction->target_seq, group)
            : absl::NotFoundError(
                  absl::StrCat("no event has seq ", retraction->target_seq));
    if (!read.ok()) return refuse(read.status().message());
    target = std::move(read->event);
  }
  const std::string& event_id = stored.event.event_id;
  std::optional<uint64_t> other;
  uint64_t fingerprint = 0;
  {
    absl::ReaderMutexLock index(&index_mu_);
    fingerprint = event_ids_.Fingerprint(event_id);
    other = event_ids_.Find(event_id, fingerprint);
  }
  if (other.has_value()) {
    absl::StatusOr<StoredEvent> earlier = StoredAt(*other, group);
    if (!earlier.ok()) return refuse(earlier.status().message());
    if (earlier->event.event_id == event_id) {
      return refuse(absl::StrCat("its event_id is stored as seq ", *other));
    }
  }
  state_.BeginBatch();
  if (absl::Status valid =
          state_.Apply(stored.event, seq, -1, target ? &*target : nullptr);
      !valid.ok()) {
    state_.RollbackBatch();
    return refuse(valid.message());
  }
  state_.CommitBatch();
  {
    absl::MutexLock index(&index_mu_);
    event_ids_.Insert(event_id, fingerprint, seq,
                      /*fingerprint_taken=*/other.has_value());
  }
  group.write_batch.Put(storage::EventKey(seq), value_buffer_);
  group.Add(stored, replicated.canonical);
  group.recorded_at = stored.recorded_at;
  last_hash_ = replicated.hash;
  last_recorded_at_ = stored.recorded_at;
  ++next_seq_;
  return absl::OkStatus();
}

void EventLogImpl::CommitGroup(Writer* leader) {
  // 1. Form and stage the group.
  stage_mu_.Lock();
  std::vector<Writer*> writers;
  size_t group_events = 0;
  absl::Status refused;
  Group group;
  while (true) {
    std::vector<Writer*> taken;
    {
      absl::MutexLock lock(&mu_);
      forming_ = true;
      const auto fits = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !writers_.empty() &&
               (writers.empty() ||
                group_events + writers_.front()->batch->events.size() <=
                    kMaxGroupEvents);
      };
      const auto can_go_on = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !write_busy_ || fits();
      };
      mu_.Await(absl::Condition(&can_go_on));
      if (!write_busy_ && !writers.empty()) {
        // 2. Take the write over; the next leader may form its group.
        write_busy_ = true;
        forming_ = false;
        if (!writers_.empty()) writers_.front()->cv.Signal();
        break;
      }
      refused = failure_;
      while (fits()) {
        Writer* writer = writers_.front();
        group_events += writer->batch->events.size();
        taken.push_back(writer);
        writers.push_back(writer);
        writers_.pop_front();
      }
    }
    if (!refused.ok()) continue;
    if (group.first_seq == 0) {
      const absl::Time now = ToMicros(options_.clock());
      group.recorded_at =
          std::max(now, last_recorded_at_ + absl::Microseconds(1));
      group.first_seq = next_seq_;
      group.Reserve(group_events);
    }
    for (Writer* writer : taken) {
      writer->result = StageBatch(*writer->batch, group);
    }
    if (!group.events.empty()) last_recorded_at_ = group.recorded_at;
    if (options_.on_group_staged) options_.on_group_staged();
  }
  const Head staged_head{next_seq_ - 1, last_hash_, last_recorded_at_};
  if (refused.ok()) MaybeTakeDelta();
  {
    absl::MutexLock index(&index_mu_);
    writing_ = &group;
  }
  stage_mu_.Unlock();
  if (refused.ok()) {
    absl::MutexLock lock(&mu_);
    refused = failure_;  // the group before failed
  }
  const absl::Status written = refused.ok() ? WriteGroup(group) : refused;

  // 3. Acknowledge.
  {
    absl::MutexLock index(&index_mu_);
    writing_ = nullptr;
  }
  std::vector<RecentGroup> dropped;  // freed outside mu_
  absl::MutexLock lock(&mu_);
  if (written.ok()) {
    head_ = staged_head;
    dropped = KeepRecent(std::move(static_cast<EventsWithBytes&>(group)));
  } else {
    if (failure_.ok()) {
      failure_ = absl::UnavailableError(
          absl::StrCat("the log stopped accepting appends after a failed "
                       "write (",
                       written.message(), "); reopen it"));
    }
    // Duplicates too: their originals may be what failed to reach disk.
    for (Writer* writer : writers) {
      if (writer->result.ok() || !refused.ok()) writer->result = failure_;
    }
  }
  for (Writer* writer : writers) {
    writer->done = true;
    if (writer != leader) writer->cv.Signal();
  }
  write_busy_ = false;
}

absl::Status EventLogImpl::WriteGroup(Group& group) {
  if (group.events.empty()) return absl::OkStatus();
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  RETURN_IF_ERROR(
      FromRocks(db_->Write(write_options, &group.write_batch), "append"));
  if (options_.on_commit) options_.on_commit(group.events);
  return absl::OkStatus();
}

void EventLogImpl::FollowWithTree() {
  uint64_t built = 0;
  {
    absl::MutexLock tree(&tree_mu_);
    built = frontier_.size();
  }
  while (true) {
    uint64_t head = 0;
    bool stopping = false;
    {
      absl::MutexLock lock(&mu_);
      // Idle until an event is past the tree, then up to kTreeDelay for
      // more to hash at once.
      const auto started = [this, built]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return head_.seq > built || closing_ || !failure_.ok();
      };
      const auto due = [this, built]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return head_.seq >= built + kTreeStep || tree_wanted_ > built ||
               closing_ || !failure_.ok();
      };
      mu_.Await(absl::Condition(&started));
      mu_.AwaitWithTimeout(absl::Condition(&due), kTreeDelay);
      head = head_.seq;
      stopping = closing_ || !failure_.ok();
    }
    if (head <= built) {
      // Closing or failed, and every durable event is in the tree.
      if (stopping) return;
      continue;
    }
    absl::MutexLock tree(&tree_mu_);
    if (absl::Status extended = ExtendTree(head); !extended.ok()) {
      tree_failure_ = extended;
      absl::MutexLock lock(&mu_);
      if (failure_.ok()) {
        failure_ = absl::UnavailableError(absl::StrCat(
            "the log stopped accepting appends after a failed write (",
            extended.message(), "); reopen it"));
      }
      return;
    }
    built = head;
  }
}

absl::Status EventLogImpl::ExtendTree(uint64_t head) {
  std::vector<Hash> leaves;
  RETURN_IF_ERROR(ScanCanonical(
      frontier_.size() + 1, head,
      [&](const StoredEvent& /*stored*/, std::string_view canonical) {
        leaves.push_back(merkle::LeafHash(canonical));
        return true;
      }));
  std::vector<std::pair<storage::NodeId, Hash>> nodes;
  for (const Hash& leaf : leaves) {
    frontier_.Append(leaf, [&](int level, uint64_t index, const Hash& node) {
      if (level >= storage::kStoredNodeLevel) {
        nodes.push_back({{level, index}, node});
      }
    });
  }
  if (frontier_.size() != head) {
    return absl::DataLossError(absl::StrCat("event ", frontier_.size() + 1,
                                            " is missing from the log"));
  }
  if (nodes.empty()) return absl::OkStatus();
  // In key order (each level's nodes complete in index order), one batch:
  // a node is stored with every node below it.
  std::stable_sort(nodes.begin(), nodes.end(),
                   [](const auto& a, const auto& b) {
                     return a.first.level < b.first.level;
                   });
  rocksdb::WriteBatch batch;
  for (const auto& [node, hash] : nodes) {
    batch.Put(tree_.get(), storage::NodeKey(node.level, node.index),
              rocksdb::Slice(HashBytes(hash)));
  }
  // Unsynced: the events are durable, and Open() rebuilds the nodes a power
  // loss takes (those after the last stored level-4 node).
  RETURN_IF_ERROR(FromRocks(db_->Write(rocksdb::WriteOptions(), &batch),
                            "storing the Merkle tree"));
  for (const auto& [node, hash] : nodes) {
    if (node.level >= UpperNodes::kLevel) {
      upper_nodes_.Add(node.level, node.index, hash);
    }
  }
  return absl::OkStatus();
}

std::vector<EventLogImpl::RecentGroup> EventLogImpl::KeepRecent(
    EventsWithBytes written) {
  std::vector<RecentGroup> dropped;
  if (written.events.empty()) return dropped;
  recent_events_ += written.events.size();
  recent_.push_back(
      std::make_shared<const EventsWithBytes>(std::move(written)));
  while (recent_.size() > 1 && recent_events_ > kRecentEvents) {
    recent_events_ -= recent_.front()->events.size();
    dropped.push_back(std::move(recent_.front()));
    recent_.pop_front();
  }
  return dropped;
}

// Stages one atomic batch into `group`, or leaves `group` and the state as
// they were and returns why the batch is rejected.
absl::StatusOr<AppendResult> EventLogImpl::StageBatch(const AppendBatch& batch,
                                                      Group& group) {
  if (batch.events.empty()) {
    return EventError(absl::StatusCode::kInvalidArgument, -1, "events",
                      "a batch needs at least one event");
  }
  // First: a batch its principal may not append learns nothing else, not
  // even whether its events are stored already.
  RETURN_IF_ERROR(CheckAuthority(batch, group));
  // A resent batch answers like its first try did (DOMAIN.md §4), although
  // its expected_job_seq is stale by its own first try.
  const std::vector<EventIdIndex::Probe> probes = ProbeEventIds(batch);
  if (std::optional<AppendResult> duplicates =
          AllDuplicates(batch, group, probes)) {
    return *std::move(duplicates);
  }
  for (const auto& [job_id, expected] : batch.expected_job_seq) {
    const uint64_t actual = state_.LastJobSeq(job_id);
    if (actual != expected) {
      return EventError(
          absl::StatusCode::kAborted, -1, "expected_job_seq",
          absl::StrCat("job ", job_id, " was last changed at seq ", actual,
                       ", not ", expected, "; read it again and retry"));
    }
  }

  const size_t staged_before = group.events.size();
  const uint64_t next_seq_before = next_seq_;
  const Hash last_hash_before = last_hash_;
  group.write_batch.SetSavePoint();
  state_.BeginBatch();
  AppendResult result;
  NewEventIds new_ids;
  if (absl::Status status = StageEvents(batch, group, probes, result, new_ids);
      !status.ok()) {
    state_.RollbackBatch();
    group.write_batch.RollbackToSavePoint();
    group.Truncate(staged_before);
    next_seq_ = next_seq_before;
    last_hash_ = last_hash_before;
    return status;
  }
  state_.CommitBatch();
  group.write_batch.PopSavePoint();
  {
    absl::MutexLock index(&index_mu_);
    for (const auto& [event_id, added] : new_ids) {
      event_ids_.Insert(event_id, added.fingerprint, added.seq,
                        added.fingerprint_taken);
    }
  }
  if (next_seq_ != next_seq_before) {
    result.first_seq = next_seq_before;
    result.last_seq = next_seq_ - 1;
  }
  result.recorded_at = group.recorded_at;
  return result;
}

// The rules in the order of AppendAuthority's fields, per event in batch
// order. A job's hirer is the one the state knows, or that of its JobStarted
// earlier in the batch; an unknown job or retraction target is left to
// staging, which answers NOT_FOUND as it does for anyone: the job_id
// namespace is shared, and a JobStarted already tells any writer whether a
// job_id is taken, so refusing unknown jobs here would hide nothing.
absl::Status EventLogImpl::CheckAuthority(const AppendBatch& batch,
                                          const Group& group) {
  const AppendAuthority& authority = batch.authority;
  if (authority.kinds.empty() && !authority.employer_scope.has_value() &&
      authority.retractions == AppendAuthority::Retractions::kAny) {
    return absl::OkStatus();
  }
  const absl::string_view principal = authority.principal;
  const auto refuse = [&](int index, absl::string_view field,
                          absl::string_view why) {
    return EventError(absl::StatusCode::kPermissionDenied, index, field, why);
  };
  // job_id -> hirer, of the jobs the batch starts.
  absl::flat_hash_map<std::string_view, std::string_view> started;
  for (int i = 0; i < static_cast<int>(batch.events.size()); ++i) {
    const Event& event = batch.events[i];
    const EventKind kind = event.kind();
    if (!authority.kinds.empty() &&
        std::find(authority.kinds.begin(), authority.kinds.end(), kind) ==
            authority.kinds.end()) {
      return refuse(i, "payload",
                    absl::StrCat(AbslView(EventKindName(kind)),
                                 " is not among the kinds principal ",
                                 principal, " may append"));
    }
    if (authority.employer_scope.has_value()) {
      const auto in_scope = [&](std::string_view employer_id) {
        return authority.employer_scope->contains(AbslView(employer_id));
      };
      if (const auto* start = std::get_if<JobStarted>(&event.payload)) {
        if (!in_scope(start->employer_id)) {
          return refuse(
              i, "job_started.employer_id",
              absl::StrCat("employer ", start->employer_id,
                           " is outside the scope of principal ", principal));
        }
        started.emplace(start->job_id, start->employer_id);
      } else if (const std::string_view job_id = JobIdOf(event);
                 !job_id.empty()) {
        std::optional<std::string_view> hirer;
        if (const auto it = started.find(job_id); it != started.end()) {
          hirer = it->second;
        } else {
          hirer = state_.JobEmployer(job_id);
        }
        if (hirer.has_value() && !in_scope(*hirer)) {
          return refuse(
              i, AbslView(JobIdField(kind)),
              absl::StrCat("job ", AbslView(job_id), " belongs to employer ",
                           AbslView(*hirer),
                           ", outside the scope of principal ", principal));
        }
      }
    }
    const auto* retraction = std::get_if<EventRetracted>(&event.payload);
    if (retraction == nullptr ||
        authority.retractions != AppendAuthority::Retractions::kOwn ||
        retraction->target_seq == 0 || retraction->target_seq >= next_seq_) {
      // Past every staged seq: an event of this batch, so its own, or none.
      continue;
    }
    absl::StatusOr<StoredEvent> target =
        StoredAt(retraction->target_seq, group);
    if (absl::IsNotFound(target.status())) continue;
    if (!target.ok()) {
      return EventError(target.status().code(), i, "event_retracted.target_seq",
                        target.status().message());
    }
    // An empty principal owns nothing: events of the open mode are nobody's.
    if (principal.empty() || target->recorded_by != principal) {
      return refuse(i, "event_retracted.target_seq",
                    absl::StrCat("event ", retraction->target_seq,
                                 " was not recorded by principal ", principal,
                                 ", which may retract only its own events"));
    }
  }
  return absl::OkStatus();
}

std::vector<EventIdIndex::Probe> EventLogImpl::ProbeEventIds(
    const AppendBatch& batch) const {
  absl::ReaderMutexLock lock(&index_mu_);
  return event_ids_.ProbeAll(batch.events.size(), [&batch](size_t i) {
    return std::string_view(batch.events[i].event_id);
  });
}

std::optional<AppendResult> EventLogImpl::AllDuplicates(
    const AppendBatch& batch, const Group& group,
    absl::Span<const EventIdIndex::Probe> probes) {
  AppendResult result;
  const NewEventIds no_new_ids;
  for (int i = 0; i < static_cast<int>(batch.events.size()); ++i) {
    if (!ValidateEventId(batch.events[i], i, options_.field_limits).ok()) {
      return std::nullopt;
    }
    const absl::StatusOr<Known> known =
        LookUpEventId(batch, i, probes[i], group, no_new_ids);
    if (!known.ok() || !known->original_seq.has_value()) return std::nullopt;
    result.seqs.push_back(*known->original_seq);
    result.duplicate.push_back(true);
  }
  result.recorded_at = group.recorded_at;
  return result;
}

absl::Status EventLogImpl::StageEvents(
    const AppendBatch& batch, Group& group,
    absl::Span<const EventIdIndex::Probe> probes, AppendResult& result,
    NewEventIds& new_ids) {
  const Date recorded_date = DateOf(group.recorded_at);
  const int count = static_cast<int>(batch.events.size());
  result.seqs.reserve(count);
  result.duplicate.reserve(count);
  new_ids.reserve(count);
  constexpr int kPrefetchAhead = 4;
  for (int i = 0; i < std::min(count, kPrefetchAhead); ++i) {
    state_.Prefetch(batch.events[i]);
  }
  for (int i = 0; i < count; ++i) {
    if (i + kPrefetchAhead < count) {
      state_.Prefetch(batch.events[i + kPrefetchAhead]);
    }
    const Event& event = batch.events[i];
    // The event_id is checked with the other fields below, once: a malformed
    // id matches no stored event, so it cannot be taken for a duplicate.
    ASSIGN_OR_RETURN(const Known known,
                     LookUpEventId(batch, i, probes[i], group, new_ids));
    if (known.original_seq.has_value()) {
      result.seqs.push_back(*known.original_seq);
      result.duplicate.push_back(true);
      continue;
    }
    RETURN_IF_ERROR(
        ValidateFields(event, i, recorded_date, options_.field_limits));

    const uint64_t seq = next_seq_;
    std::optional<Event> target;
    if (const auto* retraction = std::get_if<EventRetracted>(&event.payload)) {
      if (retraction->target_seq >= seq) {
        return EventError(
            absl::StatusCode::kNotFound, i, "event_retracted.target_seq",
            absl::StrCat("no event has seq ", retraction->target_seq));
      }
      absl::StatusOr<StoredEvent> read =
          StoredAt(retraction->target_seq, group);
      if (!read.ok()) {
        return EventError(read.status().code(), i, "event_retracted.target_seq",
                          read.status().message());
      }
      target = std::move(read->event);
    }
    RETURN_IF_ERROR(state_.Apply(event, seq, i, target ? &*target : nullptr));

    const std::string& recorded_by = batch.authority.principal;
    const Hash hash = storage::EncodeChainedEvent(
        last_hash_, seq, group.recorded_at, event, recorded_by, value_buffer_);
    group.write_batch.Put(storage::EventKey(seq), value_buffer_);
    group.Add(StoredEvent{seq, group.recorded_at, event, last_hash_, hash,
                          recorded_by},
              std::string_view(value_buffer_).substr(2 * storage::kHashSize));
    new_ids.emplace(event.event_id,
                    NewEventId{static_cast<size_t>(i), seq, known.fingerprint,
                               known.fingerprint_taken});
    last_hash_ = hash;
    ++next_seq_;
    result.seqs.push_back(seq);
    result.duplicate.push_back(false);
  }
  return absl::OkStatus();
}

absl::StatusOr<EventLogImpl::Known> EventLogImpl::LookUpEventId(
    const AppendBatch& batch, int index, const EventIdIndex::Probe& probe,
    const Group& group, const NewEventIds& new_ids) {
  const Event& event = batch.events[index];
  const auto already_stored = [&](uint64_t seq) {
    return EventError(
        absl::StatusCode::kAlreadyExists, index, "event_id",
        absl::StrCat("already stored as seq ", seq, " with other content"));
  };
  if (const auto it = new_ids.find(event.event_id); it != new_ids.end()) {
    if (batch.events[it->second.batch_index] != event) {
      return already_stored(it->second.seq);
    }
    return Known{it->second.seq, it->second.fingerprint, false};
  }
  const uint64_t fingerprint = probe.fingerprint;
  const std::optional<uint64_t> candidate = probe.stored;
  if (!candidate.has_value()) return Known{std::nullopt, fingerprint, false};
  absl::StatusOr<StoredEvent> read = StoredAt(*candidate, group);
  if (!read.ok()) {
    return EventError(
        read.status().code(), index, "event_id",
        absl::StrCat("cannot compare with the stored event that may have this "
                     "event_id: ",
                     read.status().message()));
  }
  const Event& stored = read->event;
  if (stored.event_id != event.event_id) {
    return Known{std::nullopt, fingerprint, true};
  }
  if (stored != event) return already_stored(*candidate);
  return Known{candidate, fingerprint, false};
}

absl::StatusOr<StoredEvent> EventLogImpl::StoredAt(uint64_t seq,
                                                   const Group& group) const {
  if (const StoredEvent* staged = group.Find(seq)) return *staged;
  {
    absl::ReaderMutexLock index(&index_mu_);
    if (writing_ != nullptr) {
      if (const StoredEvent* in_flight = writing_->Find(seq)) {
        return *in_flight;
      }
    }
  }
  return ReadStored(seq);
}

absl::StatusOr<StoredEvent> EventLogImpl::ReadStored(uint64_t seq) const {
  std::string value;
  const rocksdb::Status read =
      db_->Get(rocksdb::ReadOptions(), storage::EventKey(seq), &value);
  if (read.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no event is stored at seq ", seq));
  }
  RETURN_IF_ERROR(
      FromRocks(read, absl::StrCat("reading the event at seq ", seq)));
  v1::StoredEvent scratch;
  return DecodeStoredEvent(seq, value, scratch);
}

absl::Status EventLogImpl::AwaitTree(uint64_t tree_size) const {
  {
    absl::MutexLock lock(&mu_);
    if (tree_size > head_.seq) {
      return absl::OutOfRangeError(absl::StrCat(
          "tree_size ", tree_size, " is past the head, seq ", head_.seq));
    }
    tree_wanted_ = std::max(tree_wanted_, tree_size);
  }
  absl::MutexLock tree(&tree_mu_);
  const auto reached = [this,
                        tree_size]() ABSL_SHARED_LOCKS_REQUIRED(tree_mu_) {
    return frontier_.size() >= tree_size || !tree_failure_.ok();
  };
  tree_mu_.AwaitWithTimeout(absl::Condition(&reached), kTreeWait);
  if (frontier_.size() >= tree_size) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      "the Merkle tree covers ", frontier_.size(), " events, not yet ",
      tree_size, tree_failure_.ok() ? "" : ": ", tree_failure_.message()));
}

absl::StatusOr<Hash> EventLogImpl::MerkleRoot(uint64_t tree_size) const {
  RETURN_IF_ERROR(AwaitTree(tree_size));
  StoredTree tree(*db_, *tree_, upper_nodes_, tree_size);
  return merkle::Root(
      tree_size, [&](int level, uint64_t index) { return tree(level, index); });
}

absl::StatusOr<std::vector<Hash>> EventLogImpl::InclusionProof(
    uint64_t seq, uint64_t tree_size) const {
  if (seq == 0 || seq > tree_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "seq ", seq, " is not in the tree of ", tree_size, " events"));
  }
  RETURN_IF_ERROR(AwaitTree(tree_size));
  StoredTree tree(*db_, *tree_, upper_nodes_, tree_size);
  return merkle::InclusionPath(
      seq - 1, tree_size,
      [&](int level, uint64_t index) { return tree(level, index); });
}

absl::StatusOr<std::vector<Hash>> EventLogImpl::ConsistencyProof(
    uint64_t first_size, uint64_t second_size) const {
  if (first_size == 0 || first_size > second_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("first_size ", first_size, " does not name a tree that ",
                     "the tree of second_size ", second_size, " extends"));
  }
  RETURN_IF_ERROR(AwaitTree(second_size));
  StoredTree tree(*db_, *tree_, upper_nodes_, second_size);
  return merkle::ConsistencyPath(
      first_size, second_size,
      [&](int level, uint64_t index) { return tree(level, index); });
}

absl::Status EventLogImpl::LoadUpperNodes() {
  const std::string upper = std::string(1, storage::kNodeTag + 1);
  rocksdb::Slice upper_bound(upper);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read_options, tree_.get()));
  for (it->Seek(storage::NodeKey(UpperNodes::kLevel, 0)); it->Valid();
       it->Next()) {
    const std::optional<storage::NodeId> node = storage::NodeOfKey(
        std::string_view(it->key().data(), it->key().size()));
    Hash hash;
    if (!node.has_value() || it->value().size() != hash.size()) {
      return absl::DataLossError("malformed Merkle tree node");
    }
    std::memcpy(hash.data(), it->value().data(), hash.size());
    upper_nodes_.Add(node->level, node->index, hash);
  }
  return FromRocks(it->status(), "reading the Merkle tree");
}

absl::Status EventLogImpl::WriteAndClear(rocksdb::WriteBatch& batch,
                                         std::string_view what) {
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  RETURN_IF_ERROR(FromRocks(db_->Write(write_options, &batch), AbslView(what)));
  batch.Clear();
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> EventLogImpl::IngestParts(
    std::string_view body, absl::FunctionRef<std::string(uint32_t)> part_key,
    std::string_view what) {
  const size_t parts =
      (body.size() + storage::kStatePartSize - 1) / storage::kStatePartSize;
  // One name: one body is stored at a time (by delta_writer_, or by Open()
  // and the close, when it is not running).
  RETURN_IF_ERROR(FromRocks(
      storage::IngestRecords(
          *db_, *state_family_, "state-parts.ingest", parts,
          [&](size_t part) {
            const size_t offset = part * storage::kStatePartSize;
            return std::pair(part_key(static_cast<uint32_t>(part)),
                             rocksdb::Slice(body.data() + offset,
                                            std::min(storage::kStatePartSize,
                                                     body.size() - offset)));
          }),
      AbslView(what)));
  return static_cast<uint32_t>(parts);
}

absl::Status EventLogImpl::DropSupersededParts(uint64_t seq) {
  const std::array<storage::KeyRange, 2> superseded = {
      storage::KeyRange{storage::StatePartKey(0, 0),
                        storage::StatePartKey(seq, 0)},
      storage::KeyRange{storage::DeltaPartKey(0, 0),
                        storage::DeltaPartKey(seq + 1, 0)}};
  return FromRocks(storage::DropFilesInRanges(*db_, *state_family_, superseded),
                   "dropping superseded state parts");
}

absl::Status EventLogImpl::MoveToFamily(char tag,
                                        rocksdb::ColumnFamilyHandle& family) {
  const std::string upper = std::string(1, tag + 1);
  rocksdb::Slice upper_bound(upper);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options));
  rocksdb::WriteBatch moves;
  const auto write_moves = [&]() {
    return WriteAndClear(moves, "moving keys to their column family");
  };
  for (it->Seek(std::string(1, tag)); it->Valid(); it->Next()) {
    // Each key is in exactly one family after every write.
    moves.Put(&family, it->key(), it->value());
    moves.Delete(it->key());
    if (moves.Count() >= 8192) RETURN_IF_ERROR(write_moves());
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the keys to move"));
  return moves.Count() > 0 ? write_moves() : absl::OkStatus();
}

absl::StatusOr<uint32_t> EventLogImpl::ReadFormatVersion() const {
  std::string value;
  const rocksdb::Status read =
      db_->Get(rocksdb::ReadOptions(), storage::FormatKey(), &value);
  if (read.IsNotFound()) return 1;
  RETURN_IF_ERROR(FromRocks(read, "reading the store's format"));
  const std::optional<uint32_t> format = storage::DecodeFormatVersion(value);
  if (!format.has_value()) {
    return absl::DataLossError("the store's format record is malformed");
  }
  if (*format > storage::kFormatVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("the store is in format ", *format,
                     "; this version reads up to ", storage::kFormatVersion));
  }
  return *format;
}

absl::Status EventLogImpl::SaveState() {
  const uint64_t seq = next_seq_ - 1;
  if (seq == 0 || seq == saved_seq_) {
    // Nothing new of the log's own, but the records written since (a
    // projection's saved state: 374 MB at 10 M events) go into tables too,
    // or the next Open() first replays them from the WAL.
    return FlushAll();
  }
  std::string body;
  // Grown by doubling instead, the body copied itself into fresh memory
  // the kernel clears first: a close at 12.8 M events spent 2 s of CPU so.
  body.reserve(ExpectedBodyBytes(seq));
  event_ids_.Merge();
  event_ids_.EncodeTo(body);
  state_.EncodeTo(body);
  RETURN_IF_ERROR(WriteStateCheckpoint(seq, last_hash_, body));
  saved_seq_ = seq;
  checkpoint_seq_ = seq;
  if (options_.save_state_every > 0) {
    state_.TrackChanges();
    event_ids_.TrackAdded(options_.save_state_every);
  }
  {
    absl::MutexLock lock(&checkpoint_mu_);
    base_bytes_ = body.size();
    base_seq_ = seq;
    delta_bytes_ = 0;
  }
  // Into tables, with every memtable: otherwise the next Open() would first
  // replay the WAL (the state, and up to 64 MiB of events) into memtables.
  return FlushAll();
}

uint64_t EventLogImpl::ExpectedBodyBytes(uint64_t seq) {
  absl::MutexLock lock(&checkpoint_mu_);
  if (base_seq_ == 0 || seq / 2 > base_seq_) return 0;
  const double grown = static_cast<double>(base_bytes_) *
                       static_cast<double>(seq) /
                       static_cast<double>(base_seq_);
  return static_cast<uint64_t>(grown + grown / 16);
}

absl::Status EventLogImpl::FlushAll() {
  return FromRocks(db_->Flush(rocksdb::FlushOptions(),
                              {db_->DefaultColumnFamily(), tree_.get(),
                               records_family_.get(), state_family_.get()}),
                   "flushing the memtables");
}

absl::Status EventLogImpl::WriteStateCheckpoint(uint64_t seq, const Hash& hash,
                                                std::string_view body) {
  storage::StateHeader header;
  header.hash = hash;
  header.body_size = body.size();
  rocksdb::WriteBatch batch;
  // A checkpoint of an older layout at this seq is saved anew: its header
  // goes first, so that it never names parts of the new one (which replace
  // its parts, being newer; any past the new count are never read).
  batch.Delete(state_family_.get(), storage::StateHeaderKey(seq));
  RETURN_IF_ERROR(WriteAndClear(batch, "saving the state"));
  ASSIGN_OR_RETURN(header.parts, IngestParts(
                                     body,
                                     [seq](uint32_t part) {
                                       return storage::StatePartKey(seq, part);
                                     },
                                     "saving the state"));
  batch.DeleteRange(state_family_.get(), storage::StatePartKey(0, 0),
                    storage::StatePartKey(seq, 0));
  batch.DeleteRange(state_family_.get(), storage::StateHeaderKey(0),
                    storage::StateHeaderKey(seq));
  batch.DeleteRange(state_family_.get(), storage::DeltaHeaderKey(0),
                    storage::DeltaHeaderKey(seq + 1));
  batch.DeleteRange(state_family_.get(), storage::DeltaPartKey(0, 0),
                    storage::DeltaPartKey(seq + 1, 0));
  batch.Put(state_family_.get(), storage::StateHeaderKey(seq),
            storage::EncodeStateHeader(header));
  RETURN_IF_ERROR(WriteAndClear(batch, "saving the state"));
  return DropSupersededParts(seq);
}

absl::StatusOr<bool> EventLogImpl::LoadState(uint64_t head) {
  ASSIGN_OR_RETURN(Checkpoint checkpoint, ReadCheckpoint(head));
  if (checkpoint.unusable_deltas) {
    // Disk hygiene only: a delta is applied only if it follows the point
    // reached, whoever wrote it.
    rocksdb::WriteBatch batch;
    const uint64_t after = checkpoint.seq + 1;
    const uint64_t last = std::numeric_limits<uint64_t>::max();
    batch.DeleteRange(state_family_.get(), storage::DeltaHeaderKey(after),
                      storage::DeltaHeaderKey(last));
    batch.DeleteRange(state_family_.get(), storage::DeltaPartKey(after, 0),
                      storage::DeltaPartKey(last, 0));
    RETURN_IF_ERROR(WriteAndClear(batch, "deleting unusable state deltas"));
  }
  if (checkpoint.seq == 0) return false;
  event_ids_ = std::move(checkpoint.event_ids);
  state_ = std::move(checkpoint.state);
  next_seq_ = checkpoint.seq + 1;
  last_hash_ = checkpoint.hash;
  last_recorded_at_ = checkpoint.recorded_at;
  checkpoint_seq_ = checkpoint.seq;
  // One of an older layout is saved anew at the close.
  saved_seq_ = checkpoint.base_version == storage::kStateVersion
                   ? checkpoint.base_seq
                   : 0;
  absl::MutexLock lock(&checkpoint_mu_);
  base_bytes_ = checkpoint.base_bytes;
  base_seq_ = checkpoint.base_seq;
  delta_bytes_ = checkpoint.delta_bytes;
  return true;
}

absl::StatusOr<EventLogImpl::Checkpoint> EventLogImpl::ReadCheckpoint(
    uint64_t head) const {
  Checkpoint checkpoint;
  RETURN_IF_ERROR(ReadStateCheckpoint(checkpoint, head));
  RETURN_IF_ERROR(ApplyDeltas(checkpoint));
  return checkpoint;
}

absl::Status EventLogImpl::ReadStateCheckpoint(Checkpoint& checkpoint,
                                               uint64_t head) const {
  // Read once: through the block cache it would only push out the rest.
  rocksdb::ReadOptions read_options;
  read_options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read_options, state_family_.get()));
  it->SeekForPrev(
      storage::StateHeaderKey(std::numeric_limits<uint64_t>::max()));
  RETURN_IF_ERROR(FromRocks(it->status(), "finding the saved state"));
  if (!it->Valid()) return absl::OkStatus();
  const std::optional<uint64_t> seq = storage::SeqOfStateHeaderKey(
      std::string_view(it->key().data(), it->key().size()));
  const std::optional<storage::StateHeader> header = storage::DecodeStateHeader(
      std::string_view(it->value().data(), it->value().size()));
  // Another version's layout, or not this log's: replay instead.
  if (!seq.has_value() || !header.has_value() || header->version < 1 ||
      header->version > storage::kStateVersion) {
    return absl::OkStatus();
  }
  absl::StatusOr<StoredEvent> last = ReadStored(*seq);
  if (absl::IsNotFound(last.status())) return absl::OkStatus();
  RETURN_IF_ERROR(last.status());
  if (last->hash != header->hash) return absl::OkStatus();

  // Every part but the last holds kStatePartSize bytes (storage_format.h),
  // so each has its place in the body before it is read.
  const uint64_t full_parts = header->body_size / storage::kStatePartSize;
  const uint64_t rest = header->body_size % storage::kStatePartSize;
  if (header->parts != full_parts + (rest > 0 ? 1 : 0)) {
    return absl::DataLossError(
        absl::StrCat("the state saved at seq ", *seq, " is malformed"));
  }
  // Hundreds of MB at 10 M events, decoded as the parts are read: copied
  // whole into fresh memory first, the kernel cleared that memory for 0.73
  // s of CPU of a start at 10 M events.
  const StoredStateBody body(*db_, *state_family_, *seq, header->body_size);
  uint64_t offset = 0;
  absl::StatusOr<EventIdIndex> event_ids =
      EventIdIndex::Decode(header->version, body, offset);
  RETURN_IF_ERROR(body.status());
  RETURN_IF_ERROR(event_ids.status());
  absl::StatusOr<LedgerState> state = LedgerState::Decode(
      header->version, body, offset,
      {.saved = *seq, .to_come = head > *seq ? head - *seq : 0});
  RETURN_IF_ERROR(body.status());
  RETURN_IF_ERROR(state.status());
  if (offset != body.size()) {
    return absl::DataLossError(
        absl::StrCat("the state saved at seq ", *seq, " is malformed"));
  }
  checkpoint.event_ids = *std::move(event_ids);
  checkpoint.state = *std::move(state);
  checkpoint.seq = *seq;
  checkpoint.hash = last->hash;
  checkpoint.recorded_at = last->recorded_at;
  checkpoint.base_seq = *seq;
  checkpoint.base_version = header->version;
  checkpoint.base_bytes = body.size();
  return absl::OkStatus();
}

absl::Status EventLogImpl::ApplyDeltas(Checkpoint& checkpoint) const {
  std::vector<std::pair<uint64_t, storage::DeltaHeader>> deltas;
  {
    const std::string upper(1, storage::kDeltaHeaderTag + 1);
    rocksdb::Slice upper_bound(upper);
    rocksdb::ReadOptions read_options;
    read_options.iterate_upper_bound = &upper_bound;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(read_options, state_family_.get()));
    for (it->Seek(storage::DeltaHeaderKey(checkpoint.seq + 1)); it->Valid();
         it->Next()) {
      const std::optional<uint64_t> seq = storage::SeqOfDeltaHeaderKey(
          std::string_view(it->key().data(), it->key().size()));
      const std::optional<storage::DeltaHeader> header =
          storage::DecodeDeltaHeader(
              std::string_view(it->value().data(), it->value().size()));
      if (seq.has_value() && header.has_value()) {
        deltas.emplace_back(*seq, *header);
      } else {
        checkpoint.unusable_deltas = true;
      }
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "finding the state deltas"));
  }
  rocksdb::ReadOptions read_options;
  read_options.fill_cache = false;
  for (const auto& [seq, header] : deltas) {
    // Whether the delta follows the point reached and is whole; if not, it
    // is skipped, and the events it covers are replayed.
    const auto apply = [&, seq = seq, &header = header]() -> bool {
      if (header.follows != checkpoint.seq) return false;
      const absl::StatusOr<StoredEvent> last = ReadStored(seq);
      if (!last.ok() || last->hash != header.hash) return false;
      std::string body;
      body.reserve(header.body_size);
      for (uint32_t part = 0; part < header.parts; ++part) {
        std::string value;
        if (!db_->Get(read_options, state_family_.get(),
                      storage::DeltaPartKey(seq, part), &value)
                 .ok()) {
          return false;
        }
        body.append(value);
      }
      if (body.size() != header.body_size ||
          Sha256({body}) != header.body_hash) {
        return false;
      }
      std::string_view bytes = body;
      std::optional<EventIdIndex::Added> added =
          EventIdIndex::Added::Decode(bytes);
      if (!added.has_value() || !checkpoint.event_ids.Accepts(*added) ||
          !checkpoint.state.ApplyChanges(bytes)) {
        return false;
      }
      checkpoint.event_ids.AddAll(*std::move(added));
      checkpoint.seq = seq;
      checkpoint.hash = last->hash;
      checkpoint.recorded_at = last->recorded_at;
      checkpoint.delta_bytes += body.size();
      return true;
    };
    if (!apply()) checkpoint.unusable_deltas = true;
  }
  return absl::OkStatus();
}

void EventLogImpl::MaybeTakeDelta() {
  const uint64_t seq = next_seq_ - 1;
  const uint64_t every = options_.save_state_every;
  if (every == 0) return;
  if (!buffer_requested_ && seq - checkpoint_seq_ >= every / 2) {
    absl::MutexLock lock(&checkpoint_mu_);
    buffer_wanted_ = true;
    buffer_requested_ = true;
  }
  if (seq - checkpoint_seq_ < every) return;
  const absl::Time start = absl::Now();
  Delta delta;
  uint64_t rebase_past = 0;  // the deltas' bytes that call for a rebase
  {
    absl::MutexLock lock(&checkpoint_mu_);
    if (delta_busy_ || delta_failed_) return;
    delta.changes = std::move(delta_buffer_);
    rebase_past = base_bytes_ / 2 - std::min(base_bytes_ / 2, delta_bytes_);
  }
  delta.follows = checkpoint_seq_;
  delta.seq = seq;
  delta.hash = last_hash_;
  state_.TakeChanges(delta.changes);
  {
    absl::MutexLock index(&index_mu_);
    delta.ids = event_ids_.TakeAdded(every);
    delta.rebase =
        delta.changes.size() + delta.ids.EncodedSizeBound() > rebase_past;
    if (delta.rebase) event_ids_.Seal(seq);
  }
  checkpoint_seq_ = seq;
  buffer_requested_ = false;
  {
    absl::MutexLock lock(&checkpoint_mu_);
    pending_delta_ = std::move(delta);
    delta_busy_ = true;
  }
  if (options_.on_delta_taken) {
    options_.on_delta_taken(seq, absl::Now() - start);
  }
}

void EventLogImpl::WriteDeltas() {
  // The buffer of the last delta, kept for the next, whose pages it touches
  // before the stager encodes into it: fresh memory mapped page by page by
  // the kernel while the stager held stage_mu_ took nine tenths of the stall
  // (200 of 220 ms of CPU at 1 M events). Its size: the last delta's and a
  // quarter, at first 32 bytes an event.
  std::string spare;
  size_t next_size =
      std::min<uint64_t>(options_.save_state_every, uint64_t{1} << 25) * 32;
  while (true) {
    std::optional<Delta> delta;
    {
      absl::MutexLock lock(&checkpoint_mu_);
      const auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(checkpoint_mu_) {
        return pending_delta_.has_value() || buffer_wanted_ || delta_stop_;
      };
      checkpoint_mu_.Await(absl::Condition(&ready));
      if (pending_delta_.has_value()) {
        delta = std::exchange(pending_delta_, std::nullopt);
      } else if (buffer_wanted_) {
        buffer_wanted_ = false;
      } else {
        return;  // stopping, the last delta taken written
      }
    }
    if (!delta.has_value()) {
      spare.resize(std::max(spare.capacity(), next_size));
      spare.clear();
      absl::MutexLock lock(&checkpoint_mu_);
      delta_buffer_ = std::exchange(spare, std::string());
      continue;
    }
    const absl::Status written = WriteDelta(*delta);
    next_size = delta->changes.size() + delta->changes.size() / 4;
    spare = std::move(delta->changes);
    absl::MutexLock lock(&checkpoint_mu_);
    delta_busy_ = false;
    if (!written.ok()) delta_failed_ = true;
  }
}

absl::Status EventLogImpl::WriteDelta(const Delta& delta) {
  {
    // A delta names only durable events.
    absl::MutexLock lock(&mu_);
    const auto durable = [this, &delta]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return head_.seq >= delta.seq || !failure_.ok();
    };
    mu_.Await(absl::Condition(&durable));
    RETURN_IF_ERROR(failure_);
  }
  std::string body;
  delta.ids.EncodeTo(body);
  body.append(delta.changes);
  storage::DeltaHeader header;
  header.follows = delta.follows;
  header.hash = delta.hash;
  header.body_size = body.size();
  header.body_hash = Sha256({body});
  // The parts are synced by their ingestion, the header is not: the next
  // synced append takes it to disk, and Open() skips a delta whose header a
  // power loss took (storage_format.h).
  ASSIGN_OR_RETURN(header.parts, IngestParts(
                                     body,
                                     [&delta](uint32_t part) {
                                       return storage::DeltaPartKey(delta.seq,
                                                                    part);
                                     },
                                     "writing a state delta"));
  rocksdb::WriteBatch batch;
  batch.Put(state_family_.get(), storage::DeltaHeaderKey(delta.seq),
            storage::EncodeDeltaHeader(header));
  RETURN_IF_ERROR(FromRocks(db_->Write(rocksdb::WriteOptions(), &batch),
                            "writing a state delta"));
  {
    absl::MutexLock lock(&checkpoint_mu_);
    delta_bytes_ += body.size();
  }
  if (!delta.rebase) return absl::OkStatus();
  // From disk, off the write path: the live state is the stager's. Decoding
  // and encoding the whole state costs seconds of CPU (about 2 s at 1 M
  // events: a sixth of an import's two cores, perf), which the appends need
  // more: it runs at the lowest priority, and delays only this rebase. The
  // checkpoint is written at this thread's: RocksDB may make the appends
  // wait for that write.
  absl::Status read_status;
  Hash rebased_hash{};
  std::optional<EventIdIndex> merged_ids;  // set if rebased
  body.clear();
  internal::RunAtLowestPriority([&] {
    absl::StatusOr<Checkpoint> checkpoint = ReadCheckpoint(delta.seq);
    if (!checkpoint.ok()) {
      read_status = checkpoint.status();
      return;
    }
    if (checkpoint->seq != delta.seq) return;
    checkpoint->event_ids.Merge();
    checkpoint->event_ids.EncodeTo(body);
    checkpoint->state.EncodeTo(body);
    rebased_hash = checkpoint->hash;
    merged_ids.emplace(std::move(checkpoint->event_ids));
  });
  RETURN_IF_ERROR(read_status);
  if (!merged_ids.has_value()) return absl::OkStatus();
  {
    // merged_ids then holds what the live index let go: freed after the
    // lock, as the appends wait for it.
    absl::MutexLock index(&index_mu_);
    event_ids_.TakeMerged(delta.seq, *merged_ids);
  }
  merged_ids.reset();
  RETURN_IF_ERROR(WriteStateCheckpoint(delta.seq, rebased_hash, body));
  {
    absl::MutexLock lock(&checkpoint_mu_);
    base_bytes_ = body.size();
    base_seq_ = delta.seq;
    delta_bytes_ = 0;
  }
  if (options_.on_state_rebased) options_.on_state_rebased(delta.seq);
  return absl::OkStatus();
}

Head EventLogImpl::GetHead() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

absl::StatusOr<StoredEvent> EventLogImpl::GetBySeq(uint64_t seq) const {
  if (seq == 0 || seq > GetHead().seq) {
    return absl::NotFoundError(absl::StrCat("no event has seq ", seq));
  }
  return ReadStored(seq);
}

absl::StatusOr<StoredEvent> EventLogImpl::GetByEventId(
    std::string_view event_id) const {
  std::optional<uint64_t> seq;
  {
    absl::ReaderMutexLock lock(&index_mu_);
    seq = event_ids_.Find(event_id, event_ids_.Fingerprint(event_id));
  }
  // The index also holds the ids of the group being written: past the head
  // they are not stored yet.
  if (seq.has_value() && *seq <= GetHead().seq) {
    absl::StatusOr<StoredEvent> stored = ReadStored(*seq);
    if (!stored.ok() || stored->event.event_id == event_id) return stored;
  }
  return absl::NotFoundError("no event has that event_id");
}

absl::Status EventLogImpl::Scan(
    uint64_t from_seq, uint64_t to_seq,
    absl::FunctionRef<bool(const StoredEvent&)> visit) const {
  return ScanCanonical(from_seq, to_seq,
                       [&](const StoredEvent& stored, std::string_view) {
                         return visit(stored);
                       });
}

absl::Span<const StoredEvent> EventLogImpl::EventsWithin(
    const EventsWithBytes& group, uint64_t from_seq, uint64_t to_seq) {
  const std::vector<StoredEvent>& events = group.events;
  const auto begin =
      std::partition_point(events.begin(), events.end(),
                           [&](const auto& e) { return e.seq < from_seq; });
  const auto end = std::partition_point(
      begin, events.end(), [&](const auto& e) { return e.seq <= to_seq; });
  return absl::MakeConstSpan(events).subspan(begin - events.begin(),
                                             end - begin);
}

std::vector<EventLogImpl::RecentGroup> EventLogImpl::RecentGroupsFor(
    uint64_t from_seq, uint64_t& to_seq) const {
  std::vector<RecentGroup> groups;
  absl::MutexLock lock(&mu_);
  if (to_seq == 0) to_seq = head_.seq;
  const auto first_seq = [](const RecentGroup& group) {
    return group->events.front().seq;
  };
  if (from_seq <= to_seq && !recent_.empty() &&
      first_seq(recent_.front()) <= from_seq) {
    // The first group that starts after from_seq; the one before holds it.
    auto it = std::upper_bound(recent_.begin(), recent_.end(), from_seq,
                               [&](uint64_t seq, const RecentGroup& group) {
                                 return seq < first_seq(group);
                               });
    for (--it; it != recent_.end() && first_seq(*it) <= to_seq; ++it) {
      groups.push_back(*it);
    }
  }
  return groups;
}

absl::Status EventLogImpl::ScanRuns(
    uint64_t from_seq, uint64_t to_seq,
    absl::FunctionRef<bool(absl::Span<const StoredEvent>)> visit) const {
  from_seq = std::max<uint64_t>(from_seq, 1);
  const std::vector<RecentGroup> groups = RecentGroupsFor(from_seq, to_seq);
  if (from_seq > to_seq) return absl::OkStatus();
  for (const RecentGroup& group : groups) {
    const absl::Span<const StoredEvent> run =
        EventsWithin(*group, from_seq, to_seq);
    if (!run.empty() && !visit(run)) return absl::OkStatus();
  }
  if (!groups.empty()) return absl::OkStatus();

  // From disk, decoded and moved into runs.
  constexpr size_t kEventsPerRun = 256;
  std::vector<StoredEvent> run;
  run.reserve(kEventsPerRun);
  size_t filled = 0;
  bool stopped = false;
  const auto hand_on = [&] {
    stopped = !visit(absl::MakeConstSpan(run.data(), filled));
    filled = 0;
    return !stopped;
  };
  RETURN_IF_ERROR(
      ScanStored(from_seq, to_seq, [&](StoredEvent& stored, std::string_view) {
        PutAt(run, filled, std::move(stored));
        return filled < kEventsPerRun || hand_on();
      }));
  if (!stopped && filled > 0) hand_on();
  return absl::OkStatus();
}

absl::Status EventLogImpl::ScanInto(uint64_t from_seq, uint64_t to_seq,
                                    std::vector<StoredEvent>& events) const {
  from_seq = std::max<uint64_t>(from_seq, 1);
  const std::vector<RecentGroup> groups = RecentGroupsFor(from_seq, to_seq);
  size_t filled = 0;
  absl::Status status;
  if (from_seq <= to_seq) {
    for (const RecentGroup& group : groups) {
      for (const StoredEvent& stored : EventsWithin(*group, from_seq, to_seq)) {
        PutAt(events, filled, stored);
      }
    }
    if (groups.empty()) {
      status = ScanStored(from_seq, to_seq,
                          [&](StoredEvent& stored, std::string_view) {
                            PutAt(events, filled, std::move(stored));
                            return true;
                          });
    }
  }
  events.resize(filled);
  return status;
}

absl::Status EventLogImpl::ScanCanonical(
    uint64_t from_seq, uint64_t to_seq,
    absl::FunctionRef<bool(const StoredEvent&, std::string_view canonical)>
        visit) const {
  from_seq = std::max<uint64_t>(from_seq, 1);
  const std::vector<RecentGroup> groups = RecentGroupsFor(from_seq, to_seq);
  if (from_seq > to_seq) return absl::OkStatus();
  if (groups.empty()) return ScanStored(from_seq, to_seq, visit);
  for (const RecentGroup& group : groups) {
    const absl::Span<const StoredEvent> run =
        EventsWithin(*group, from_seq, to_seq);
    const size_t first = run.data() - group->events.data();
    for (size_t i = first; i < first + run.size(); ++i) {
      if (!visit(group->events[i], group->Canonical(i))) {
        return absl::OkStatus();
      }
    }
  }
  return absl::OkStatus();
}

absl::Status EventLogImpl::ScanStored(
    uint64_t from_seq, uint64_t to_seq,
    absl::FunctionRef<bool(StoredEvent&, std::string_view canonical)> visit)
    const {
  rocksdb::ReadOptions read_options;
  read_options.readahead_size = 2 << 20;
  const std::string upper = storage::EventKey(to_seq + 1);
  rocksdb::Slice upper_bound(upper);
  read_options.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options));
  v1::StoredEvent scratch;
  for (it->Seek(storage::EventKey(from_seq)); it->Valid(); it->Next()) {
    const std::optional<uint64_t> seq = storage::SeqOfEventKey(
        std::string_view(it->key().data(), it->key().size()));
    if (!seq.has_value()) return absl::DataLossError("malformed event key");
    const std::string_view value(it->value().data(), it->value().size());
    ASSIGN_OR_RETURN(StoredEvent stored,
                     DecodeStoredEvent(*seq, value, scratch));
    if (!visit(stored, value.substr(2 * storage::kHashSize))) {
      return absl::OkStatus();
    }
  }
  return FromRocks(it->status(), "scanning the log");
}

absl::StatusOr<ChainVerification> EventLogImpl::VerifyChain(
    uint64_t from_seq, uint64_t to_seq) const {
  if (to_seq == 0) to_seq = GetHead().seq;
  from_seq = std::max<uint64_t>(from_seq, 1);
  ChainVerification verification;
  const auto bad = [&](uint64_t seq, std::string reason) {
    verification.ok = false;
    verification.first_bad_seq = seq;
    verification.reason = std::move(reason);
    return verification;
  };
  if (from_seq > to_seq) return verification;

  Hash prev{};
  if (from_seq > 1) {
    std::string value;
    const rocksdb::Status read = db_->Get(
        rocksdb::ReadOptions(), storage::EventKey(from_seq - 1), &value);
    if (read.IsNotFound()) return bad(from_seq - 1, "missing");
    RETURN_IF_ERROR(FromRocks(read, "reading the chain"));
    const std::optional<storage::EventValue> decoded =
        storage::DecodeEventValue(value);
    if (!decoded.has_value()) return bad(from_seq - 1, "undecodable");
    prev = decoded->hash;
  }

  rocksdb::ReadOptions read_options;
  read_options.fill_cache = false;
  read_options.readahead_size = 4 << 20;
  const std::string upper = storage::EventKey(to_seq + 1);
  rocksdb::Slice upper_bound(upper);
  read_options.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options));
  uint64_t expected = from_seq;
  for (it->Seek(storage::EventKey(from_seq)); it->Valid(); it->Next()) {
    const std::optional<uint64_t> seq = storage::SeqOfEventKey(
        std::string_view(it->key().data(), it->key().size()));
    if (seq != expected) return bad(expected, "missing");
    const std::optional<storage::EventValue> decoded =
        storage::DecodeEventValue(
            std::string_view(it->value().data(), it->value().size()));
    if (!decoded.has_value()) return bad(expected, "undecodable");
    if (decoded->prev_hash != prev) {
      return bad(expected, "prev_hash does not match the previous event");
    }
    const Hash computed = storage::ChainHashOfValue(
        std::string_view(it->value().data(), it->value().size()));
    if (computed != decoded->hash) {
      return bad(expected, "hash does not match the stored bytes");
    }
    prev = computed;
    ++expected;
    ++verification.events_checked;
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the chain"));
  if (expected <= to_seq) return bad(expected, "missing");
  return verification;
}

Head EventLogImpl::WaitForHeadAfter(uint64_t seq,
                                    absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  if (closing_) return head_;
  ++in_flight_;
  const auto past = [this, seq]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return head_.seq > seq || !failure_.ok() || closing_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&past), timeout);
  --in_flight_;
  return head_;
}

absl::Status EventLogImpl::AppendStatus() const {
  absl::MutexLock lock(&mu_);
  if (!failure_.ok()) return failure_;
  if (closing_) return absl::UnavailableError("the log is closing; reopen it");
  return absl::OkStatus();
}

IdCounts EventLogImpl::GetIdCounts() const {
  absl::MutexLock lock(&stage_mu_);
  return IdCounts{.person_refs = state_.person_refs(),
                  .job_ids = state_.job_ids()};
}

StorageStats EventLogImpl::GetStorageStats() const {
  // A property summed over `families`.
  const auto sum =
      [this](const std::string& property,
             std::initializer_list<rocksdb::ColumnFamilyHandle*> families) {
        uint64_t total = 0;
        for (rocksdb::ColumnFamilyHandle* family : families) {
          uint64_t value = 0;
          db_->GetIntProperty(family, property, &value);
          total += value;
        }
        return total;
      };
  using Properties = rocksdb::DB::Properties;
  const std::initializer_list<rocksdb::ColumnFamilyHandle*> events_and_tree = {
      db_->DefaultColumnFamily(), tree_.get()};
  const std::initializer_list<rocksdb::ColumnFamilyHandle*> all = {
      db_->DefaultColumnFamily(), tree_.get(), records_family_.get(),
      state_family_.get()};
  StorageStats stats;
  stats.live_data_bytes =
      sum(Properties::kEstimateLiveDataSize, events_and_tree);
  stats.pending_compaction_bytes =
      sum(Properties::kEstimatePendingCompactionBytes, events_and_tree);
  stats.table_readers_bytes = sum(Properties::kEstimateTableReadersMem, all);
  stats.memtable_bytes = sum(Properties::kSizeAllMemTables, all);
  db_->GetIntProperty(Properties::kBlockCacheCapacity,
                      &stats.block_cache_capacity_bytes);
  db_->GetIntProperty(Properties::kBlockCacheUsage,
                      &stats.block_cache_usage_bytes);
  absl::ReaderMutexLock index(&index_mu_);
  stats.event_id_index_bytes = event_ids_.MemoryBytes();
  stats.event_ids_hashed = event_ids_.hashed();
  return stats;
}

EventLogImpl::~EventLogImpl() {
  bool save = false;
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
    const auto idle = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return in_flight_ == 0;
    };
    mu_.Await(absl::Condition(&idle));
    // After a failed write memory is ahead of disk: nothing to save.
    save = failure_.ok() && options_.save_state;
  }
  // It hashes the last appends into the tree before it returns.
  if (tree_follower_.joinable()) tree_follower_.join();
  if (delta_writer_.joinable()) {
    {
      absl::MutexLock lock(&checkpoint_mu_);
      delta_stop_ = true;
    }
    // It writes the delta in flight first: a consistent point to reopen
    // from if the save below does not happen.
    delta_writer_.join();
  }
  if (!save) return;
  absl::MutexLock stage(&stage_mu_);
  absl::MutexLock index(&index_mu_);
  // Best effort: without it the next Open() replays more.
  SaveState().IgnoreError();
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventLog>> EventLog::Open(
    const std::string& dir, EventLogOptions options) {
  rocksdb::Options store_options = storage::StoreOptions();
  std::unique_ptr<rocksdb::Env> env;
  if (options.file_system != nullptr) {
    env = rocksdb::NewCompositeEnv(options.file_system);
    store_options.env = env.get();
  }
  storage::Store store;
  RETURN_IF_ERROR(FromRocks(storage::OpenStore(store_options, dir, store),
                            absl::StrCat("opening ", dir)));
  auto log = std::make_unique<EventLogImpl>(std::move(options), std::move(env),
                                            std::move(store));
  RETURN_IF_ERROR(log->Recover());
  log->StartThreads();
  return log;
}

}  // namespace banen
