// Projector: the realisation figures of an EventLog, current and as of any
// moment, with figure checkpoints and quarterly snapshots stored as the log's
// immutable records.
//
// Contract
// - Open() opens the log with the projector's on_commit hook, replays it once
//   into the bitemporal ProjectionState (which needs every event: any later
//   event may be backdated or retract an old one), loads the persisted
//   checkpoints, and writes the ones missing (every checkpoint_interval
//   events).
// - Current view: each commit is folded in on the committing thread and the
//   figures of the persons it touches (their jobs, register periods, their
//   employers' sectors) are replaced: the cost is O(touched persons), not
//   O(log), and a current table query reads the maintained figures.
// - as_of view: starts from the nearest figures known (a checkpoint before
//   or after the cut, or the head's) and replaces the figures of the persons
//   touched in between: O(events between), at most half an interval.
// - Every figure equals ComputeRealisation() over the same events; a
//   snapshot recomputed as_of its creation time equals the snapshot.
// - Errors: INVALID_ARGUMENT for a malformed query; NOT_FOUND for an unknown
//   snapshot; FAILED_PRECONDITION for a snapshot of an empty log; DATA_LOSS
//   for an unreadable record; log errors are passed on.
//
// Thread safety: every method may be called concurrently, also with appends
// to log(). Queries hold a reader lock, which delays commits while they run.
//
// Ownership: the Projector owns the log. Destroying it writes the checkpoints
// already taken, then closes the log.
#ifndef BANEN_PROJECTIONS_PROJECTOR_H_
#define BANEN_PROJECTIONS_PROJECTOR_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "ledger/event_log.h"
#include "projections/figures.h"
#include "projections/projection_state.h"
#include "projections/quarter.h"
#include "projections/realisation.h"
#include "projections/snapshot.h"

namespace banen {

struct ProjectorOptions {
  // A checkpoint is taken at the first commit that ends at least this many
  // events after the previous one. Smaller: faster as_of views, more records
  // (a national ledger's checkpoint is ~70 KB, so 70 MB per 10 M events,
  // held in memory and in the log's store).
  uint64_t checkpoint_interval = 10'000;
};

class Projector {
 public:
  // `log_options.on_commit`, if set, is called after the projector's hook.
  static absl::StatusOr<std::unique_ptr<Projector>> Open(
      const std::string& dir, EventLogOptions log_options = {},
      ProjectorOptions options = {});

  ~Projector();
  Projector(const Projector&) = delete;
  Projector& operator=(const Projector&) = delete;

  // The log to append to; owned by the projector.
  EventLog& log() const { return *log_; }

  // INVALID_ARGUMENT when a sector is not reportable, to < from, or the range
  // spans more than kMaxQueryQuarters. Employer rows (include_employers) take
  // a pass over the whole state.
  absl::StatusOr<RealisationTable> Realisation(
      const RealisationQuery& query) const;

  // Freezes `quarter` at the current head and stores it; idempotent at the
  // same head.
  absl::StatusOr<Snapshot> CreateSnapshot(Quarter quarter);
  absl::StatusOr<Snapshot> GetSnapshot(std::string_view key) const;
  // Every stored snapshot, in key order.
  absl::StatusOr<std::vector<Snapshot>> ListSnapshots() const;
  // The snapshot against today's view: per sector the events recorded after
  // it that changed its quarter.
  absl::StatusOr<SnapshotDiff> Diff(std::string_view snapshot_key) const;

  // Waits until the checkpoints taken so far are stored; returns the first
  // error a checkpoint write met.
  absl::Status FlushCheckpoints();
  // The seqs of the checkpoints held (stored or being stored), ascending.
  std::vector<uint64_t> CheckpointSeqs() const;

  static constexpr int32_t kMaxQueryQuarters = 400;

 private:
  explicit Projector(ProjectorOptions options);

  absl::Status CatchUp();
  absl::Status BackfillCheckpoints() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void OnCommit(absl::Span<const StoredEvent> events);
  // Replaces, in `figures`, the persons touched between cuts `from` and `to`
  // by their figures at `to`.
  void MoveFigures(uint64_t from, uint64_t to, FigureAccumulator* figures) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  absl::StatusOr<FigureAccumulator> FiguresAt(uint64_t cut) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  // The rows of a snapshot of `quarter` from the current figures.
  std::vector<RealisationRow> CurrentQuarterRows(Quarter quarter) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  void WriteCheckpoints();

  const ProjectorOptions options_;
  std::unique_ptr<EventLog> log_;

  mutable absl::Mutex mutex_;
  ProjectionState state_ ABSL_GUARDED_BY(mutex_);
  FigureAccumulator figures_ ABSL_GUARDED_BY(mutex_);  // at state_.last_seq()
  Hash head_hash_ ABSL_GUARDED_BY(mutex_){};
  // seq -> encoded checkpoint (checkpoint.h).
  std::map<uint64_t, std::string> checkpoints_ ABSL_GUARDED_BY(mutex_);

  absl::Mutex writer_mutex_ ABSL_ACQUIRED_AFTER(mutex_);
  // Checkpoints to store, oldest first; the front one is being written.
  std::deque<std::pair<uint64_t, std::string>> unwritten_
      ABSL_GUARDED_BY(writer_mutex_);
  bool stopping_ ABSL_GUARDED_BY(writer_mutex_) = false;
  absl::Status write_status_ ABSL_GUARDED_BY(writer_mutex_);
  std::thread writer_;
};

}  // namespace banen

#endif  // BANEN_PROJECTIONS_PROJECTOR_H_
