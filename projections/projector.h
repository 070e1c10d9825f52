// Projector: the realisation figures of an EventLog, current and as of any
// moment, with figure checkpoints and quarterly snapshots stored as the log's
// immutable records.
//
// Contract
// - Open() loads the bitemporal ProjectionState from the latest state
//   checkpoint and folds the events after it, or replays the whole log
//   (the state needs every event: any later event may be backdated or
//   retract an old one), loads the persisted checkpoints, writes the ones
//   missing (every checkpoint_interval events), and then follows the log on
//   its own thread.
// - The projection follows the log; it never rides in its commit. The tail
//   thread folds what the log has stored (EventLog::WaitForHeadAfter, then
//   Scan), replaces the figures of the persons each fold touches (their
//   jobs, register periods, their employers' sectors: O(touched persons),
//   not O(log)), and publishes an immutable View of the current figures.
// - Read-your-writes: Realisation(), CreateSnapshot() and Diff() first wait
//   until the projection has folded the log's head as it was when they were
//   called, so they reflect every append acknowledged before. If that takes
//   longer than catch_up_timeout they fail with UNAVAILABLE naming the lag.
// - Current view: a table without as_of or employer rows, and a snapshot,
//   are made from the published View, without any lock on the state.
// - as_of view: starts from the nearest figures known (a checkpoint before
//   or after the cut, or the head's) and replaces the figures of the persons
//   touched in between: O(events between), at most half an interval.
//   Employer rows (include_employers) take a pass over the whole state.
// - Checkpoints are taken at every checkpoint_interval-th seq past the last
//   one, encoded by the tail thread and stored by a writer thread.
// - Every figure equals ComputeRealisation() over the same events; a
//   snapshot recomputed as_of its creation time equals the snapshot.
// - Errors: INVALID_ARGUMENT for a malformed query; NOT_FOUND for an unknown
//   snapshot; FAILED_PRECONDITION for a snapshot of an empty log; DATA_LOSS
//   for an unreadable record; UNAVAILABLE when the projection lags the log
//   too long, or stopped because the log stopped accepting appends (after a
//   failed write) before reaching the seq asked for; log errors are passed
//   on.
//
// Threads
// - The tail thread: the only writer of the state; first makes the id
//   indexes of a state loaded from a checkpoint (as a reader: queries go
//   on), then folds and publishes.
// - The checkpoint writer thread: stores encoded checkpoints in the log.
// - Callers: any thread, concurrently, also with appends to the log.
//
// Lock order: mutex_ (the state) before view_mutex_ (the published View and
// the fold's progress) and before writer_mutex_ (the checkpoint queue), and
// all of them before the log's own locks: the fold reads the log (Scan)
// holding mutex_. The log never calls into the projector, so an append
// waits for nothing of it.
//
// What a query may block:
// - Realisation() without as_of or employer rows and CreateSnapshot() wait
//   for the fold to reach the head seen at the call, then copy a pointer to
//   the View under view_mutex_: they block no one.
// - as_of and employer queries, Diff() and CheckpointSeqs() hold mutex_ as
//   readers while they work. They delay the tail thread's next fold (and so
//   queries waiting for it), never an append.
// - The tail thread's own save of the state while it follows the log holds
//   mutex_ as a reader while it encodes the state and writes its parts
//   into a table file (ProjectorOptions::save_state_while_following):
//   queries waiting for the fold wait as long (0.9 s at 12.5 M events, once
//   every quarter of the log at most).
//
// State checkpoints: Open() loads the latest state checkpoint whose event
// hash matches the log (state_checkpoint.h), with the sums the tail keeps,
// and folds only the events after it; without one it replays the whole log
// and builds the sums from the whole state. The current figures are those
// of the last figure checkpoint moved to the head when it is at most an
// interval behind, else built from the whole state.
//
// Ownership: borrows the log, which must outlive the projector. Destroying
// the projector stops the tail thread, saves a state checkpoint
// (ProjectorOptions::save_state) and writes the checkpoints already taken.
#ifndef BANEN_PROJECTIONS_PROJECTOR_H_
#define BANEN_PROJECTIONS_PROJECTOR_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ledger/event_log.h"
#include "ledger/record_store.h"
#include "projections/figures.h"
#include "projections/projection_state.h"
#include "projections/quarter.h"
#include "projections/quota.h"
#include "projections/realisation.h"
#include "projections/register_figures.h"
#include "projections/snapshot.h"
#include "projections/state_checkpoint.h"

namespace banen {

struct ProjectorOptions {
  // A checkpoint is taken at every this many events past the previous one.
  // Smaller: faster as_of views, more records (a national ledger's
  // checkpoint is ~70 KB, so 70 MB per 10 M events, held in memory and in
  // the log's store).
  uint64_t checkpoint_interval = 10'000;
  // How long a query waits for the projection to reach the log's head.
  absl::Duration catch_up_timeout = absl::Seconds(5);
  // Save the ProjectionState (a state checkpoint, state_checkpoint.h), so
  // that the next Open(), after a close or a crash, loads it and folds only
  // the events after it (about a second a million at 10 M events):
  // - when the projector is destroyed, once it is save_state_after_fold
  //   events and a sixteenth of the log past the last save (or a quarter
  //   of it): the open after a close folds nothing;
  // - at the end of Open(), once it folded save_state_after_fold events,
  //   and while the tail follows the log, once it folded
  //   save_state_while_following events past the last save (0: never).
  //   A save writes the whole state (some 37 bytes an event of the log), so
  //   these two are skipped while the head is within a quarter of the last
  //   saved seq past it: the bytes saved stay a few times the state's, and
  //   between saves the tail grows by a quarter of the log.
  // The tail encodes a save and writes its parts, a part at a time, under
  // the state's reader lock (queries go on, the fold waits: 0.9 s at 12.5 M
  // events), syncs them with the fold going on, and then rests
  // save_state_rest times as long before the next: under a steady stream of
  // appends the saves take about a fiftieth of a core.
  bool save_state = true;
  uint64_t save_state_after_fold = 100'000;
  uint64_t save_state_while_following = 1'000'000;
  double save_state_rest = 50;
  // Called by the tail thread with the seq of each state checkpoint it
  // saved while following (its parts stored, its header queued) and how
  // long the fold waited for it (the encoding and the parts' writing); the
  // server logs it.
  std::function<void(uint64_t state_seq, absl::Duration encoding)>
      on_state_saved_while_following;
  // Tests only: called by Open() with the seq of the state checkpoint it
  // loaded (0: none it could use) and the number of events it folded after.
  std::function<void(uint64_t state_seq, uint64_t events_folded)>
      on_state_restored;
  // Tests only: called by the queries that read the state (as_of, employer
  // rows, Diff) in the middle of their work, while they hold its reader
  // lock, so a test can hold such a query open.
  std::function<void()> while_reading_state_for_test;
  // Tests only: called by the tail thread in the middle of making the id
  // indexes of a loaded state (after Open()), while it holds the state's
  // reader lock, so a test can run a query meanwhile.
  std::function<void()> while_making_id_indexes_for_test;
  // Tests only: called by the checkpoint writer thread before it stores
  // each record (figure checkpoints, a saved state's header), without a
  // lock, so a test can hold records in its queue.
  std::function<void()> before_writing_record_for_test;
  // Tests and benchmarks: called by each view of the figures at a past cut
  // (as_of, Diff) with the cut, the seq of the figures it started from (a
  // checkpoint's, the head's, or 0: none) and how many persons' figures it
  // replaced to move them to the cut, the work such a view does. Called
  // under the state's reader lock, from concurrent queries alike.
  std::function<void(uint64_t cut, uint64_t start, size_t persons_moved)>
      on_figures_moved;
};

// The latest state checkpoint of a log and of these counting rules that
// reads (Projector::ReadSavedState), for Projector::Open to start from.
struct SavedProjection {
  std::optional<DecodedState> decoded;  // nullopt: none reads
  Hash hash{};                          // of the event at decoded's seq
  // The latest of this layout, whether it reads or not: the next save is
  // measured from it. 0: none.
  uint64_t latest_seq = 0;
};

class Projector {
 public:
  // INVALID_ARGUMENT for a zero checkpoint_interval; the log's errors.
  // `saved`: what ReadSavedState read of this log; nullopt: Open() reads
  // it.
  static absl::StatusOr<std::unique_ptr<Projector>> Open(
      EventLog& log, ProjectorOptions options = {},
      std::optional<SavedProjection> saved = std::nullopt);

  // Reads the log's latest saved state that reads, up to its head (a store
  // restored from an older backup may hold later ones). Needs only the
  // log's stored events and records: a server reads it while the log opens
  // (EventLogOptions::while_opening), for it is most of Open() (2.1 s of a
  // start after a crash at 12.8 M events). Thread-safe; the log's read
  // errors.
  static absl::StatusOr<SavedProjection> ReadSavedState(const EventLog& log);

  ~Projector();
  Projector(const Projector&) = delete;
  Projector& operator=(const Projector&) = delete;

  // The log followed; borrowed.
  EventLog& log() const { return log_; }

  // INVALID_ARGUMENT when a sector is not reportable, to < from, the range
  // spans more than kMaxQueryQuarters, or a kWba2026 query asks for another
  // measure than kPeildatum, the national monitor or employer rows. A
  // kWba2026 table holds the state's reader lock like Quota().
  absl::StatusOr<RealisationTable> Realisation(
      const RealisationQuery& query) const;

  // Quota and levy per employer (quota.h) at the query's as_of;
  // ComputeQuota's errors. Holds the state's reader lock: at the head, it
  // reads the hour-days the tail keeps (O(employers)); as of an earlier
  // cut, it folds them from the state (O(persons + jobs)).
  absl::StatusOr<QuotaTable> Quota(const QuotaQuery& query) const;

  // The register dashboard (register_figures.h) under the state's reader
  // lock: at the head, the counts the tail keeps and the realisation's
  // banen from the current figures (O(quarters)); as of an earlier cut, the
  // banen as Realisation() gives them, then one pass over the persons at
  // the same cut. Errors as Realisation().
  absl::StatusOr<RegisterTable> RegisterFigures(
      const RegisterQuery& query) const;
  // Called with a snapshot's head seq: its signed checkpoint, stored with
  // the snapshot. The projector holds no key; the server's signer does.
  using HeadSigning = std::function<absl::StatusOr<std::string>(uint64_t)>;

  // Freezes `quarter` at the current head and stores it, with the head's
  // checkpoint from `sign_head` when given (its error fails the call and
  // stores nothing); idempotent at the same head with the same signer.
  absl::StatusOr<Snapshot> CreateSnapshot(Quarter quarter,
                                          const HeadSigning& sign_head = {});
  absl::StatusOr<Snapshot> GetSnapshot(std::string_view key) const;
  // Every stored snapshot, in key order.
  absl::StatusOr<std::vector<Snapshot>> ListSnapshots() const;
  // The snapshot against today's view: per sector the events recorded after
  // it that moved a figure of its rows (snapshot.h, SnapshotChange).
  absl::StatusOr<SnapshotDiff> Diff(std::string_view snapshot_key) const;

  // Blocks until every event up to `seq` is folded into the projection. OK
  // then; UNAVAILABLE at `deadline` (naming how far behind the projection
  // is), or once the tail thread stopped short of `seq` (with why).
  absl::Status WaitUntilCaughtUp(uint64_t seq, absl::Time deadline) const;
  // The last seq folded into the projection.
  uint64_t projected_seq() const;

  // Waits until the checkpoints due up to the log's head at the call are
  // taken and stored; returns the first error a checkpoint write met.
  absl::Status FlushCheckpoints();
  // The seqs of the checkpoints held (stored or being stored), ascending.
  std::vector<uint64_t> CheckpointSeqs() const;

  static constexpr int32_t kMaxQueryQuarters = 400;

 private:
  // The current figures as of one seq; immutable once published.
  struct View {
    uint64_t seq = 0;
    Hash head_hash{};
    absl::Time recorded_at = absl::InfinitePast();
    FigureAccumulator figures;
    SectorTargets targets;
  };

  Projector(EventLog& log, ProjectorOptions options);

  absl::Status CatchUp(std::optional<SavedProjection> saved);
  absl::Status BackfillCheckpoints() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The tail thread: folds what the log stores until stopped, or until the
  // log stops accepting appends and everything it stored is folded.
  void Follow();
  // Sets the id indexes of a state loaded from a checkpoint
  // (ProjectionState::MakeIdIndexes), which the folds need; the tail
  // thread's first step, so that Open() need not wait for them.
  absl::Status MakeIdIndexes();
  // The seq at which the next checkpoint is due.
  uint64_t NextCheckpointSeq() const;
  // Folds the stored events after the state's last seq up to `to`, takes
  // the checkpoint due at `to`, and publishes the new View.
  absl::Status Fold(uint64_t to);
  void Publish() ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  // Waits for the log's head at the call, up to catch_up_timeout.
  absl::Status CatchUpWithLog() const;
  std::shared_ptr<const View> CurrentView() const;
  // Replaces, in `figures` and in `kept` (each when given), the persons
  // touched between cuts `from` and `to` by their figures at `to`; returns
  // how many.
  size_t MoveFigures(uint64_t from, uint64_t to, FigureAccumulator* figures,
                     KeptSums* kept = nullptr) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  absl::StatusOr<FigureAccumulator> FiguresAt(uint64_t cut) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  // The figures of the checkpoint at `seq` (one of checkpoints_): from the
  // writer's queue while it waits there, else from the log's record store.
  absl::StatusOr<FigureAccumulator> CheckpointFigures(uint64_t seq) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  // Sets figures_ to the figures at the state's last seq.
  void BuildCurrentFigures() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Starts from `saved` (state_ stays empty when none reads). True when the
  // state listed the figure checkpoints up to its seq (layout 4), which are
  // then in checkpoints_.
  bool LoadState(SavedProjection saved) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Whether the state is far enough past the last saved one to save it
  // (ProjectorOptions::save_state), with at least `min_events` folded since.
  bool StateSaveDue(uint64_t min_events) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  // Whether a close saves the state (ProjectorOptions::save_state).
  bool StateSaveDueAtClose() const ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  // Writes the parts of a state checkpoint of state_ at its last seq, as
  // they are encoded, into `table`, a table of the log's records begun here
  // (RecordStore::BeginTable): a part's memory, not the state's. Returns the
  // header to queue once the table is stored.
  absl::StatusOr<StateHeader> WriteCurrentState(
      std::unique_ptr<RecordStore::TableWriter>& table) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  // Queues the header of the state at `seq` for the writer thread, behind the
  // figure checkpoints queued before (`stored`: its parts are stored), or
  // records why its parts could not be stored (write_status_).
  void QueueStateHeader(uint64_t seq, absl::StatusOr<StateHeader> stored)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Writes a state checkpoint of state_ and queues its header.
  void SaveState() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The tail thread's save: encoded and written under the reader lock, so
  // that queries go on meanwhile, then synced with the fold going on.
  // Returns how long the fold waited (zero: no save).
  absl::Duration SaveStateWhileFollowing();
  void WriteCheckpoints();
  // Once the state checkpoint at `saved_seq` is written: deletes the ones
  // before the one before it (kept should this one not read), and those of
  // the layout before once two of this layout exist. On the writer thread.
  absl::Status DeleteSupersededStates(uint64_t saved_seq) const;
  void ReadingStateForTest() const;

  const ProjectorOptions options_;
  EventLog& log_;

  mutable absl::Mutex mutex_ ABSL_ACQUIRED_BEFORE(view_mutex_);
  ProjectionState state_ ABSL_GUARDED_BY(mutex_);
  FigureAccumulator figures_ ABSL_GUARDED_BY(mutex_);  // at state_.last_seq()
  // What the tail keeps beside the figures, read under the reader lock
  // (copying it into every published View would cost more than the queries
  // save); saved with the state.
  KeptSums kept_ ABSL_GUARDED_BY(mutex_);  // at state_.last_seq()
  Hash head_hash_ ABSL_GUARDED_BY(mutex_){};
  // The seqs of the figure checkpoints. Their bytes are read back when
  // needed (ReadCheckpoint): held here they grew with the log, about 100 KB
  // a checkpoint, 94 MB at 10 M events.
  std::set<uint64_t> checkpoints_ ABSL_GUARDED_BY(mutex_);
  // The seq of the latest state checkpoint of this log and rules (0: none).
  uint64_t saved_state_seq_ ABSL_GUARDED_BY(mutex_) = 0;

  mutable absl::Mutex view_mutex_;
  std::shared_ptr<const View> view_ ABSL_GUARDED_BY(view_mutex_);
  // Set when the tail thread must stop (the projector is being destroyed).
  bool stopping_tail_ ABSL_GUARDED_BY(view_mutex_) = false;
  // Not OK once the tail thread stopped on its own: why.
  absl::Status tail_status_ ABSL_GUARDED_BY(view_mutex_);
  std::thread tail_;

  mutable absl::Mutex writer_mutex_ ABSL_ACQUIRED_AFTER(mutex_);
  // A record to store in the log's record store.
  struct Unwritten {
    std::string_view space;
    std::string key;
    std::string value;
  };
  // Records to store (figure checkpoints, and the header of a state
  // checkpoint whose parts are stored), oldest first; the front one is
  // being written.
  std::deque<Unwritten> unwritten_ ABSL_GUARDED_BY(writer_mutex_);
  bool stopping_ ABSL_GUARDED_BY(writer_mutex_) = false;
  absl::Status write_status_ ABSL_GUARDED_BY(writer_mutex_);
  std::thread writer_;
};

}  // namespace banen

#endif  // BANEN_PROJECTIONS_PROJECTOR_H_
