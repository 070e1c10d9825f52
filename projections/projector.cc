#include "projections/projector.h"

#include <algorithm>
#include <iterator>
#include <map>

#include "absl/functional/function_ref.h"
#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "ledger/status_macros.h"
#include "projections/checkpoint.h"
#include "projections/log_replay.h"
#include "projections/person_at_cut.h"
#include "projections/state_checkpoint.h"

namespace banen {
namespace {

// How long the tail thread waits for the log before it looks again whether
// the projector is being destroyed.
constexpr absl::Duration kStopCheckInterval = absl::Milliseconds(20);
// Events folded at most between two published views.
constexpr uint64_t kFoldChunk = 4096;

absl::Status ValidateQuery(const RealisationQuery& query) {
  if (query.regime == Regime::kWba2026) {
    if (query.measure != Measure::kPeildatum) {
      return absl::InvalidArgumentError(
          "measure: WBA_2026 counts the paid hours of calendar years");
    }
    if (query.view != RealisationView::kBySector) {
      return absl::InvalidArgumentError(
          "view: WBA_2026 has one national target and no monitor split");
    }
    if (query.include_employers) {
      return absl::InvalidArgumentError(
          "include_employers: WBA_2026 tables have no employer rows; its "
          "per-employer figures are the quota's");
    }
  }
  for (Sector sector : query.sectors) {
    if (!IsReportableSector(sector)) {
      return absl::InvalidArgumentError(
          "sectors: a query names concrete sectors or aggregates");
    }
    if (query.view == RealisationView::kNationalMonitor &&
        !IsMonitorSector(sector)) {
      return absl::InvalidArgumentError(
          "sectors: the national monitor view splits NATIONAAL into MARKT "
          "and OVERHEID only");
    }
  }
  if (query.from.number < 1 || query.from.number > 4 || query.to.number < 1 ||
      query.to.number > 4) {
    return absl::InvalidArgumentError("from/to: a quarter number is 1..4");
  }
  if (query.to < query.from) {
    return absl::InvalidArgumentError("to: before from");
  }
  if (query.to.Index() - query.from.Index() >= Projector::kMaxQueryQuarters) {
    return absl::InvalidArgumentError("to: the range spans too many quarters");
  }
  return absl::OkStatus();
}

// The rows of a snapshot of `quarter`: every sector and measure.
std::vector<RealisationRow> QuarterRows(const SectorTargets& targets,
                                        const FigureAccumulator& figures,
                                        uint64_t seq, absl::Time recorded_at,
                                        Quarter quarter) {
  std::vector<RealisationRow> rows;
  for (int m = 0; m < kMeasureCount; ++m) {
    RealisationTable table =
        MakeSectorTable(targets, figures, seq, recorded_at,
                        QuarterQuery(quarter, static_cast<Measure>(m)));
    std::move(table.rows.begin(), table.rows.end(), std::back_inserter(rows));
  }
  return rows;
}

// The header of a state whose parts `table` holds (`written`), once its
// Finish() stored them; else the first error.
absl::StatusOr<StateHeader> Stored(RecordStore::TableWriter* table,
                                   absl::StatusOr<StateHeader> written) {
  if (!written.ok()) return written;
  RETURN_IF_ERROR(table->Finish());
  return written;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Projector>> Projector::Open(
    EventLog& log, ProjectorOptions options,
    std::optional<SavedProjection> saved) {
  if (options.checkpoint_interval == 0) {
    return absl::InvalidArgumentError("checkpoint_interval: must be > 0");
  }
  auto projector = absl::WrapUnique(new Projector(log, std::move(options)));
  RETURN_IF_ERROR(projector->CatchUp(std::move(saved)));
  projector->writer_ =
      std::thread([p = projector.get()] { p->WriteCheckpoints(); });
  projector->tail_ = std::thread([p = projector.get()] { p->Follow(); });
  return projector;
}

Projector::Projector(EventLog& log, ProjectorOptions options)
    : options_(std::move(options)), log_(log) {}

Projector::~Projector() {
  if (tail_.joinable()) {
    {
      absl::MutexLock lock(&view_mutex_);
      stopping_tail_ = true;
    }
    tail_.join();
    // Only a projector that opened holds a whole state: one whose Open()
    // failed never started its tail. The events the tail had not reached
    // are folded into the state and its kept sums alone (the figures are
    // not needed any more), so that the next Open() folds none.
    if (options_.save_state) {
      absl::MutexLock lock(&mutex_);
      const uint64_t before = state_.last_seq();
      const absl::StatusOr<Hash> last_hash = ReplayLog(log_, &state_);
      if (last_hash.ok()) {
        if (state_.last_seq() > before) head_hash_ = *last_hash;
        MoveFigures(before, state_.last_seq(), nullptr, &kept_);
        if (StateSaveDueAtClose()) SaveState();
      }
    }
  }
  if (writer_.joinable()) {
    {
      absl::MutexLock lock(&writer_mutex_);
      stopping_ = true;
    }
    writer_.join();
  }
}

absl::Status Projector::CatchUp(std::optional<SavedProjection> saved) {
  if (!saved.has_value()) {
    ASSIGN_OR_RETURN(saved, ReadSavedState(log_));
  }
  absl::MutexLock lock(&mutex_);
  const bool listed = LoadState(*std::move(saved));
  const uint64_t loaded = state_.last_seq();
  ASSIGN_OR_RETURN(const Hash folded_hash, ReplayLog(log_, &state_));
  const uint64_t folded = state_.last_seq() - loaded;
  if (folded > 0) head_hash_ = folded_hash;
  // The sums the tail keeps: loaded with the state and moved by the persons
  // the events after it touched, or else a pass over every person.
  if (loaded > 0) {
    MoveFigures(loaded, state_.last_seq(), nullptr, &kept_);
  } else {
    kept_ = BuildKeptSums(state_, std::thread::hardware_concurrency());
  }
  if (options_.on_state_restored) options_.on_state_restored(loaded, folded);
  // The lambdas run inside the log's calls, on this thread, under the lock.
  const auto load = [&](std::string_view key, std::string_view /*value*/)
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
                          const std::optional<uint64_t> seq =
                              ParseCheckpointKey(key);
                          if (seq.has_value() && *seq <= state_.last_seq()) {
                            checkpoints_.insert(*seq);
                          }
                          return true;
                        };
  // Those the state listed are not read again (each value a scan reads is
  // about 100 KB): only those stored past it. (One the backfill below fills
  // under the state's seq, after the interval was lowered, is filled again
  // by each open until a state is saved past it: the same bytes.)
  RETURN_IF_ERROR(log_.records().Scan(
      kCheckpointSpace, CheckpointKey(listed ? loaded + 1 : 0), load));
  BuildCurrentFigures();
  RETURN_IF_ERROR(BackfillCheckpoints());
  // After the backfill, so that the state lists what it stored.
  if (folded >= options_.save_state_after_fold &&
      StateSaveDue(/*min_events=*/1)) {
    SaveState();
  }
  Publish();
  return absl::OkStatus();
}

absl::Status Projector::BackfillCheckpoints() {
  // Fills the tail past the last checkpoint, and every gap of two intervals
  // or more (the interval may have been lowered since): live checkpoints lie
  // an interval plus part of a batch apart, and need no filling.
  const uint64_t head = state_.last_seq();
  const uint64_t interval = options_.checkpoint_interval;
  uint64_t seq = 0;  // the last checkpoint (0: the empty log)
  FigureAccumulator figures;
  uint64_t figures_seq = 0;  // the seq `figures` holds the figures of
  for (auto next = checkpoints_.begin();; ++next) {
    const bool tail = next == checkpoints_.end();
    const uint64_t gap_end = tail ? head : *next;
    while (seq + (tail ? 1 : 2) * interval <= gap_end) {
      if (figures_seq != seq) {
        ASSIGN_OR_RETURN(figures, CheckpointFigures(seq));
        figures_seq = seq;
      }
      MoveFigures(seq, seq + interval, &figures);
      seq += interval;
      figures_seq = seq;
      std::string encoded = EncodeCheckpoint(seq, figures);
      RETURN_IF_ERROR(
          log_.records().Put(kCheckpointSpace, CheckpointKey(seq), encoded));
      checkpoints_.insert(seq);
    }
    if (tail) return absl::OkStatus();
    seq = *next;
  }
}

void Projector::BuildCurrentFigures() {
  const uint64_t head = state_.last_seq();
  // From the last figure checkpoint, when it is near: O(persons touched
  // since), where building them is a pass over every person.
  if (!checkpoints_.empty() &&
      head - *checkpoints_.rbegin() <= options_.checkpoint_interval) {
    const uint64_t seq = *checkpoints_.rbegin();
    absl::StatusOr<FigureAccumulator> figures = CheckpointFigures(seq);
    if (figures.ok()) {
      figures_ = *std::move(figures);
      MoveFigures(seq, head, &figures_);
      return;
    }
  }
  figures_ =
      BuildFigures(state_, head, /*per_employer=*/false, figures_.first(),
                   figures_.last(), std::thread::hardware_concurrency());
}

absl::StatusOr<SavedProjection> Projector::ReadSavedState(const EventLog& log) {
  // By (seq, layout): this layout's and the ones before, which a store
  // written by an earlier version holds (they load as well: the id indexes
  // of 2 to 4 made after, the figure checkpoints of 2 and 3 found by a
  // scan).
  // The latest first; at one seq, the latest layout's.
  std::map<std::pair<uint64_t, uint32_t>, StateHeader> headers;
  for (uint32_t layout = kOldestStateLayout; layout <= kStateLayoutVersion;
       ++layout) {
    const auto visit = [&](std::string_view key, std::string_view value) {
      const std::optional<uint64_t> seq = SeqOfStateHeaderKey(key);
      // The headers sort before the parts: the first part ends the scan.
      if (!seq.has_value()) return false;
      const std::optional<StateHeader> header = DecodeStateHeader(value);
      if (header.has_value() && header->layout == layout &&
          header->rules == kCountingRulesVersion) {
        headers.emplace(std::make_pair(*seq, layout), *header);
      }
      return true;
    };
    RETURN_IF_ERROR(log.records().Scan(StateCheckpointSpace(layout), visit));
  }
  SavedProjection saved;
  const uint64_t head = log.GetHead().seq;
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    const auto& [seq, layout] = it->first;
    const StateHeader& header = it->second;
    if (seq > head) continue;
    // Of this log: a store rebuilt, or restored from another log's backup,
    // holds other events at the same seqs.
    ASSIGN_OR_RETURN(const StoredEvent stored, log.GetBySeq(seq));
    if (stored.hash != header.hash) continue;
    // A checkpoint of this log, rules and layout, whether or not it reads:
    // the next save is measured from it. (One of the layout before does
    // not count: the next save writes this layout.)
    if (layout == kStateLayoutVersion) {
      saved.latest_seq = std::max(saved.latest_seq, seq);
    }
    // Derived data: one that does not read is passed over, the log decides.
    const auto read_part = [&](uint32_t part,
                               absl::FunctionRef<void(std::string_view)> read) {
      return log.records().Read(StateCheckpointSpace(layout),
                                StatePartKey(seq, part), read);
    };
    absl::StatusOr<DecodedState> decoded = DecodeState(seq, header, read_part);
    if (!decoded.ok()) continue;
    // Of layouts 2 to 4: folding the events after it needs the id indexes
    // now; else the tail thread makes them (Follow).
    if (seq < head && decoded->state.id_indexes_pending()) {
      absl::StatusOr<ProjectionState::IdIndexes> indexes =
          decoded->state.MakeIdIndexes(std::thread::hardware_concurrency());
      if (!indexes.ok()) continue;
      decoded->state.SetIdIndexes(*std::move(indexes));
    }
    saved.decoded = *std::move(decoded);
    saved.hash = header.hash;
    break;
  }
  return saved;
}

bool Projector::LoadState(SavedProjection saved) {
  saved_state_seq_ = saved.latest_seq;
  if (!saved.decoded.has_value()) return false;
  state_ = std::move(saved.decoded->state);
  kept_ = std::move(saved.decoded->sums);
  head_hash_ = saved.hash;
  if (!saved.decoded->checkpoints.has_value()) return false;
  checkpoints_.insert(saved.decoded->checkpoints->begin(),
                      saved.decoded->checkpoints->end());
  return true;
}

bool Projector::StateSaveDue(uint64_t min_events) const {
  const uint64_t seq = state_.last_seq();
  const uint64_t since = seq - saved_state_seq_;
  return options_.save_state && seq > 0 && since >= min_events &&
         since >= std::max<uint64_t>(1, saved_state_seq_ / 4);
}

bool Projector::StateSaveDueAtClose() const {
  // An open folds an event in about 1.1 us (1 M events past a state at
  // 10 M: Projector::Open 2.0-2.2 s against 0.9 s), a save writes the
  // state in about 0.07 us an event of the log (0.9 s at 12.5 M, then its
  // sync): past a sixteenth of the log the save costs the close about what
  // one open's fold of those events would, and every open until the next
  // save would fold them again. (With the quarter rule alone, at 50 M events
  // every open after a close folded the 5.5 M events since the tail's last
  // save.)
  const uint64_t seq = state_.last_seq();
  const uint64_t since = seq - saved_state_seq_;
  return StateSaveDue(/*min_events=*/1) ||
         (options_.save_state && since > 0 &&
          since >= options_.save_state_after_fold && since >= seq / 16);
}

absl::StatusOr<StateHeader> Projector::WriteCurrentState(
    std::unique_ptr<RecordStore::TableWriter>& table) const {
  ASSIGN_OR_RETURN(table, log_.records().BeginTable(StateCheckpointSpace()));
  const std::vector<uint64_t> checkpoints(checkpoints_.begin(),
                                          checkpoints_.end());
  const uint64_t seq = state_.last_seq();
  uint32_t part = 0;
  const auto put_part = [&](std::string_view bytes) {
    return table->Put(StatePartKey(seq, part++), bytes);
  };
  return EncodeStateInParts(state_, kept_, head_hash_, checkpoints, put_part);
}

void Projector::QueueStateHeader(uint64_t seq,
                                 absl::StatusOr<StateHeader> stored) {
  // Not saved again before the log grows as far again, stored or not: a
  // failing disk is not written a whole state at every fold.
  saved_state_seq_ = seq;
  absl::MutexLock lock(&writer_mutex_);
  if (!stored.ok()) {
    if (write_status_.ok()) write_status_ = stored.status();
    return;
  }
  // Behind the figure checkpoints queued before: the body lists them as
  // stored.
  unwritten_.push_back(Unwritten{StateCheckpointSpace(), StateHeaderKey(seq),
                                 EncodeStateHeader(*stored)});
}

void Projector::SaveState() {
  std::unique_ptr<RecordStore::TableWriter> table;
  absl::StatusOr<StateHeader> written = WriteCurrentState(table);
  QueueStateHeader(state_.last_seq(), Stored(table.get(), std::move(written)));
}

absl::Duration Projector::SaveStateWhileFollowing() {
  uint64_t seq = 0;
  std::unique_ptr<RecordStore::TableWriter> table;
  absl::StatusOr<StateHeader> written;
  const absl::Time start = absl::Now();
  {
    // This thread is the only writer of the state: it stays as written
    // until the header is queued below.
    absl::ReaderMutexLock lock(&mutex_);
    if (options_.save_state_while_following == 0 ||
        !StateSaveDue(options_.save_state_while_following)) {
      return absl::ZeroDuration();
    }
    seq = state_.last_seq();
    written = WriteCurrentState(table);
  }
  const absl::Duration encoding = absl::Now() - start;
  // The sync and the ingestion, with the fold going on.
  absl::StatusOr<StateHeader> stored = Stored(table.get(), std::move(written));
  {
    absl::MutexLock lock(&mutex_);
    QueueStateHeader(seq, std::move(stored));
  }
  if (options_.on_state_saved_while_following) {
    options_.on_state_saved_while_following(seq, encoding);
  }
  return encoding;
}

void Projector::Follow() {
  const auto stopping = [this] {
    absl::MutexLock lock(&view_mutex_);
    return stopping_tail_;
  };
  uint64_t folded = CurrentView()->seq;
  // No state save before this (ProjectorOptions::save_state_rest).
  absl::Time next_save = absl::InfinitePast();
  absl::Status stopped = MakeIdIndexes();
  while (stopped.ok() && !stopping()) {
    // The wait ends at once when the log failed; it times out so that a
    // projector being destroyed notices.
    const uint64_t head = log_.WaitForHeadAfter(folded, kStopCheckInterval).seq;
    if (head <= folded) stopped = log_.AppendStatus();
    // In chunks that end where a checkpoint is due: checkpoints lie exactly
    // an interval apart, and waiting queries see progress.
    while (folded < head && stopped.ok() && !stopping()) {
      const uint64_t to =
          std::min({head, folded + kFoldChunk, NextCheckpointSeq()});
      stopped = Fold(to);
      if (stopped.ok()) folded = to;
    }
    if (stopped.ok() && !stopping() && absl::Now() >= next_save) {
      const absl::Duration encoding = SaveStateWhileFollowing();
      next_save = absl::Now() + options_.save_state_rest * encoding;
    }
  }
  if (stopped.ok()) return;                  // destroyed
  const uint64_t reached = projected_seq();  // a failed fold may have moved
  absl::MutexLock lock(&view_mutex_);
  tail_status_ = absl::Status(
      stopped.code(), absl::StrCat("the projection stopped at seq ", reached,
                                   ": ", stopped.message()));
}

absl::Status Projector::MakeIdIndexes() {
  absl::StatusOr<ProjectionState::IdIndexes> indexes;
  {
    // As a reader: the queries go on meanwhile. This thread is the only
    // writer of the state, so it is unchanged until the indexes are set.
    absl::ReaderMutexLock lock(&mutex_);
    if (!state_.id_indexes_pending()) return absl::OkStatus();
    if (options_.while_making_id_indexes_for_test) {
      options_.while_making_id_indexes_for_test();
    }
    indexes = state_.MakeIdIndexes(std::thread::hardware_concurrency());
  }
  RETURN_IF_ERROR(indexes.status());
  absl::MutexLock lock(&mutex_);
  state_.SetIdIndexes(*std::move(indexes));
  return absl::OkStatus();
}

uint64_t Projector::NextCheckpointSeq() const {
  absl::ReaderMutexLock lock(&mutex_);
  const uint64_t last = checkpoints_.empty() ? 0 : *checkpoints_.rbegin();
  return last + options_.checkpoint_interval;
}

absl::Status Projector::Fold(uint64_t to) {
  RETURN_IF_ERROR(CheckStateHolds(to));
  absl::MutexLock lock(&mutex_);
  const uint64_t before = state_.last_seq();
  // Applied as read, a run at a time: the recent events in the log's
  // memory are not copied, and ApplyAll looks ahead within a run, warming
  // the cache for its id lookups (some 5 % of the server's CPU when each
  // event was applied on its own, each lookup waiting on its misses).
  const auto apply = [&](absl::Span<const StoredEvent> run)
                         ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
                           state_.ApplyAll(run);
                           head_hash_ = run.back().hash;
                           return true;
                         };
  const absl::Status read = log_.ScanRuns(before + 1, to, apply);
  const uint64_t after = state_.last_seq();
  // What was applied is made consistent even when the read failed midway.
  if (after > before) {
    MoveFigures(before, after, &figures_, &kept_);
    const uint64_t last_checkpoint =
        checkpoints_.empty() ? 0 : *checkpoints_.rbegin();
    if (after - last_checkpoint >= options_.checkpoint_interval) {
      // Encoding here keeps the checkpoint exactly at `after`; the synced
      // write is left to the writer thread.
      std::string encoded = EncodeCheckpoint(after, figures_);
      checkpoints_.insert(after);
      absl::MutexLock writer_lock(&writer_mutex_);
      unwritten_.push_back(Unwritten{kCheckpointSpace, CheckpointKey(after),
                                     std::move(encoded)});
    }
    Publish();
  }
  RETURN_IF_ERROR(read);
  if (after != to) {
    return absl::DataLossError(absl::StrCat(
        "seqs ", after + 1, "..", to, " are below the log's head but missing"));
  }
  return absl::OkStatus();
}

void Projector::Publish() {
  auto view = std::make_shared<View>();
  view->seq = state_.last_seq();
  view->head_hash = head_hash_;
  view->recorded_at = state_.last_recorded_at();
  view->figures = figures_;
  view->targets = SectorTargets(state_, view->seq);
  std::shared_ptr<const View> old;  // released outside the lock
  absl::MutexLock lock(&view_mutex_);
  old = std::exchange(view_, std::move(view));
}

std::shared_ptr<const Projector::View> Projector::CurrentView() const {
  absl::MutexLock lock(&view_mutex_);
  return view_;
}

uint64_t Projector::projected_seq() const { return CurrentView()->seq; }

absl::Status Projector::WaitUntilCaughtUp(uint64_t seq,
                                          absl::Time deadline) const {
  absl::MutexLock lock(&view_mutex_);
  const auto reached = [this, seq]() ABSL_SHARED_LOCKS_REQUIRED(view_mutex_) {
    return view_->seq >= seq || !tail_status_.ok();
  };
  view_mutex_.AwaitWithDeadline(absl::Condition(&reached), deadline);
  const uint64_t folded = view_->seq;
  if (folded >= seq) return absl::OkStatus();
  if (!tail_status_.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "the projection cannot reach seq ", seq, ": ", tail_status_.message()));
  }
  return absl::UnavailableError(absl::StrCat(
      "the projection is ", seq - folded, " event(s) behind: at seq ", folded,
      ", not yet at seq ", seq, " of the log; retry later"));
}

absl::Status Projector::CatchUpWithLog() const {
  return WaitUntilCaughtUp(log_.GetHead().seq,
                           absl::Now() + options_.catch_up_timeout);
}

void Projector::ReadingStateForTest() const {
  if (options_.while_reading_state_for_test) {
    options_.while_reading_state_for_test();
  }
}

void Projector::WriteCheckpoints() {
  const auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mutex_) {
    return stopping_ || !unwritten_.empty();
  };
  while (true) {
    const Unwritten* next = nullptr;
    bool skip = false;
    {
      absl::MutexLock lock(&writer_mutex_);
      writer_mutex_.Await(absl::Condition(&has_work));
      if (unwritten_.empty()) return;  // stopping, nothing left to store
      // Stays put until popped below: a deque's push_back moves no element.
      next = &unwritten_.front();
      // A state's header names the figure checkpoints queued before it as
      // stored (state_checkpoint.h, section 11): not after a failed write.
      skip = !write_status_.ok() && next->space == StateCheckpointSpace();
    }
    if (options_.before_writing_record_for_test) {
      options_.before_writing_record_for_test();
    }
    absl::Status written =
        skip ? absl::OkStatus()
             : log_.records().Put(next->space, next->key, next->value);
    if (const std::optional<uint64_t> saved = SeqOfStateHeaderKey(next->key);
        !skip && written.ok() && saved.has_value() &&
        next->space == StateCheckpointSpace()) {
      written = DeleteSupersededStates(*saved);
    }
    {
      absl::MutexLock lock(&writer_mutex_);
      unwritten_.pop_front();
      if (!written.ok() && write_status_.ok()) write_status_ = written;
    }
  }
}

absl::Status Projector::DeleteSupersededStates(uint64_t saved_seq) const {
  uint64_t kept = 0;  // the latest state before `saved_seq`
  const auto visit = [&](std::string_view key, std::string_view /*value*/) {
    const std::optional<uint64_t> seq = SeqOfStateHeaderKey(key);
    // The headers sort before the parts: the first part ends the scan.
    if (!seq.has_value() || *seq >= saved_seq) return false;
    kept = *seq;
    return true;
  };
  const std::string_view space = StateCheckpointSpace();
  RETURN_IF_ERROR(log_.records().Scan(space, visit));
  if (kept == 0) return absl::OkStatus();
  // Headers first: a body without its header is never read.
  RETURN_IF_ERROR(log_.records().DeleteRange(space, StateHeaderKey(0),
                                             StateHeaderKey(kept)));
  RETURN_IF_ERROR(log_.records().DeleteRange(space, StatePartKey(0, 0),
                                             StatePartKey(kept, 0)));
  // Every header ('H') and part ('P') of the layouts before.
  for (uint32_t layout = kOldestStateLayout; layout < kStateLayoutVersion;
       ++layout) {
    RETURN_IF_ERROR(
        log_.records().DeleteRange(StateCheckpointSpace(layout), "H", "Q"));
  }
  return absl::OkStatus();
}

absl::Status Projector::FlushCheckpoints() {
  RETURN_IF_ERROR(
      WaitUntilCaughtUp(log_.GetHead().seq, absl::InfiniteFuture()));
  absl::MutexLock lock(&writer_mutex_);
  const auto written = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mutex_) {
    return unwritten_.empty();
  };
  writer_mutex_.Await(absl::Condition(&written));
  return write_status_;
}

std::vector<uint64_t> Projector::CheckpointSeqs() const {
  absl::ReaderMutexLock lock(&mutex_);
  return std::vector<uint64_t>(checkpoints_.begin(), checkpoints_.end());
}

size_t Projector::MoveFigures(uint64_t from, uint64_t to,
                              FigureAccumulator* figures,
                              KeptSums* kept) const {
  FigureBuilder builder(state_, /*per_employer=*/false);
  const auto [low, high] = std::minmax(from, to);
  const std::vector<uint32_t> persons = state_.PersonsTouched(low, high);
  // Each person is read once at each cut for all the sums.
  PersonAtCut before;
  PersonAtCut after;
  for (uint32_t person : persons) {
    before.Read(state_, person, from);
    after.Read(state_, person, to);
    if (figures != nullptr) builder.MovePerson(before, after, figures);
    if (kept != nullptr) {
      kept->hours.MovePerson(before, after);
      kept->register_steps.MovePerson(before, after);
    }
  }
  return persons.size();
}

absl::StatusOr<FigureAccumulator> Projector::FiguresAt(uint64_t cut) const {
  // Start from whichever known figures are nearest the cut: the checkpoint
  // at or before it, the one after it, or the head.
  const uint64_t head = state_.last_seq();
  const auto next = checkpoints_.upper_bound(cut);
  const uint64_t before = next == checkpoints_.begin() ? 0 : *std::prev(next);
  const uint64_t after = next == checkpoints_.end() ? head : *next;
  FigureAccumulator figures;
  uint64_t start = 0;
  if (after - cut < cut - before) {
    start = after;
    if (next == checkpoints_.end()) {
      figures = figures_;
    } else {
      ASSIGN_OR_RETURN(figures, CheckpointFigures(after));
    }
  } else if (before > 0) {
    start = before;
    ASSIGN_OR_RETURN(figures, CheckpointFigures(before));
  }
  const size_t moved = MoveFigures(start, cut, &figures);
  if (options_.on_figures_moved) options_.on_figures_moved(cut, start, moved);
  return figures;
}

absl::StatusOr<FigureAccumulator> Projector::CheckpointFigures(
    uint64_t seq) const {
  const std::string key = CheckpointKey(seq);
  {
    // Under mutex_ a checkpoint is either queued or stored: the writer pops
    // it only after its write, and keeps the first failure.
    absl::MutexLock lock(&writer_mutex_);
    for (const Unwritten& unwritten : unwritten_) {
      if (unwritten.space == kCheckpointSpace && unwritten.key == key) {
        ASSIGN_OR_RETURN(FigureCheckpoint checkpoint,
                         DecodeCheckpoint(unwritten.value));
        return std::move(checkpoint.figures);
      }
    }
    RETURN_IF_ERROR(write_status_);
  }
  ASSIGN_OR_RETURN(const std::string encoded,
                   log_.records().Get(kCheckpointSpace, key));
  ASSIGN_OR_RETURN(FigureCheckpoint checkpoint, DecodeCheckpoint(encoded));
  return std::move(checkpoint.figures);
}

absl::StatusOr<RealisationTable> Projector::Realisation(
    const RealisationQuery& query) const {
  RETURN_IF_ERROR(ValidateQuery(query));
  RETURN_IF_ERROR(CatchUpWithLog());
  if (query.regime == Regime::kWba2026) {
    absl::ReaderMutexLock lock(&mutex_);
    ReadingStateForTest();
    if (!query.as_of.has_value() ||
        state_.LastSeqRecordedBy(*query.as_of) == state_.last_seq()) {
      return MakeYearTable(state_, kept_.hours, state_.last_seq(),
                           query.as_of.value_or(state_.last_recorded_at()),
                           query);
    }
    return ComputeRealisation(state_, query);
  }
  if (!query.as_of.has_value() && !query.include_employers) {
    const std::shared_ptr<const View> view = CurrentView();
    return MakeSectorTable(view->targets, view->figures, view->seq,
                           view->recorded_at, query);
  }
  absl::ReaderMutexLock lock(&mutex_);
  ReadingStateForTest();
  if (query.include_employers) return ComputeRealisation(state_, query);
  const uint64_t cut = state_.LastSeqRecordedBy(*query.as_of);
  if (cut == state_.last_seq()) {
    return MakeTable(state_, figures_, cut, *query.as_of, query);
  }
  ASSIGN_OR_RETURN(const FigureAccumulator figures, FiguresAt(cut));
  return MakeTable(state_, figures, cut, *query.as_of, query);
}

absl::StatusOr<QuotaTable> Projector::Quota(const QuotaQuery& query) const {
  RETURN_IF_ERROR(CatchUpWithLog());
  absl::ReaderMutexLock lock(&mutex_);
  ReadingStateForTest();
  const uint64_t cut = query.as_of.has_value()
                           ? state_.LastSeqRecordedBy(*query.as_of)
                           : state_.last_seq();
  if (cut == state_.last_seq()) {
    return MakeQuota(state_, cut, kept_.hours, query);
  }
  return ComputeQuota(state_, cut, query);
}

absl::StatusOr<RegisterTable> Projector::RegisterFigures(
    const RegisterQuery& query) const {
  if (query.to < query.from) {
    return absl::InvalidArgumentError("to_quarter: before from_quarter");
  }
  const RealisationQuery banen = RegisterRealisationQuery(query);
  RETURN_IF_ERROR(ValidateQuery(banen));
  RETURN_IF_ERROR(CatchUpWithLog());
  {
    absl::ReaderMutexLock lock(&mutex_);
    const uint64_t head = state_.last_seq();
    if (!query.as_of.has_value() ||
        state_.LastSeqRecordedBy(*query.as_of) == head) {
      ReadingStateForTest();
      return MakeRegisterTable(
          kept_.register_steps.Counts(query.from, query.to),
          MakeTable(state_, figures_, head,
                    query.as_of.value_or(state_.last_recorded_at()), banen));
    }
  }
  // The banen first: their cut (the published view's, or as_of's) is one
  // the state, which only moves on, can still be read at.
  ASSIGN_OR_RETURN(const RealisationTable realisation, Realisation(banen));
  absl::ReaderMutexLock lock(&mutex_);
  ReadingStateForTest();
  // Two threads, as the figures are built on open: a pass over every person.
  return MakeRegisterTable(
      ComputeRegisterCounts(state_, realisation.last_seq, query.from, query.to,
                            /*threads=*/2),
      realisation);
}

absl::StatusOr<Snapshot> Projector::CreateSnapshot(
    Quarter quarter, const HeadSigning& sign_head) {
  RETURN_IF_ERROR(CatchUpWithLog());
  const std::shared_ptr<const View> view = CurrentView();
  if (view->seq == 0) {
    return absl::FailedPreconditionError(
        "a snapshot needs at least one recorded event");
  }
  Snapshot snapshot;
  snapshot.quarter = quarter;
  snapshot.head_seq = view->seq;
  snapshot.head_hash = view->head_hash;
  snapshot.as_of = view->recorded_at;
  snapshot.rows = QuarterRows(view->targets, view->figures, view->seq,
                              view->recorded_at, quarter);
  if (sign_head) {
    ASSIGN_OR_RETURN(snapshot.checkpoint, sign_head(view->seq));
  }
  RETURN_IF_ERROR(log_.records().Put(kSnapshotSpace, snapshot.Key(),
                                     EncodeSnapshot(snapshot)));
  return snapshot;
}

absl::StatusOr<Snapshot> Projector::GetSnapshot(std::string_view key) const {
  ASSIGN_OR_RETURN(const std::string bytes,
                   log_.records().Get(kSnapshotSpace, key));
  return DecodeSnapshot(bytes);
}

absl::StatusOr<std::vector<Snapshot>> Projector::ListSnapshots() const {
  std::vector<Snapshot> snapshots;
  absl::Status decoded;
  RETURN_IF_ERROR(log_.records().Scan(
      kSnapshotSpace, [&](std::string_view, std::string_view value) {
        absl::StatusOr<Snapshot> snapshot = DecodeSnapshot(value);
        if (!snapshot.ok()) {
          decoded = snapshot.status();
          return false;
        }
        snapshots.push_back(*std::move(snapshot));
        return true;
      }));
  RETURN_IF_ERROR(decoded);
  return snapshots;
}

absl::StatusOr<SnapshotDiff> Projector::Diff(
    std::string_view snapshot_key) const {
  ASSIGN_OR_RETURN(const Snapshot snapshot, GetSnapshot(snapshot_key));
  RETURN_IF_ERROR(CatchUpWithLog());
  const Quarter quarter = snapshot.quarter;
  const std::vector<Sector> sectors = SectorsOf(QuarterQuery(quarter, {}));
  SnapshotDiff diff;
  diff.snapshot_key = std::string(snapshot_key);
  diff.snapshot_seq = snapshot.head_seq;
  diff.snapshot_rules_version = snapshot.rules_version;
  std::vector<RealisationRow> current_rows;
  // The snapshot's quarter at its head under today's rules, when they differ
  // from the snapshot's: what the rules moved is told apart from what later
  // events moved. Laid out like current_rows.
  std::vector<RealisationRow> rules_rows;
  // The seqs after the snapshot that changed the quarter, per sector.
  std::vector<std::vector<uint64_t>> changed_by(sectors.size());
  {
    absl::ReaderMutexLock lock(&mutex_);
    ReadingStateForTest();
    diff.current_seq = state_.last_seq();
    current_rows =
        QuarterRows(SectorTargets(state_, diff.current_seq), figures_,
                    diff.current_seq, state_.last_recorded_at(), quarter);
    if (snapshot.rules_version != kCountingRulesVersion) {
      ASSIGN_OR_RETURN(const FigureAccumulator at_head,
                       FiguresAt(snapshot.head_seq));
      rules_rows =
          QuarterRows(SectorTargets(state_, snapshot.head_seq), at_head,
                      snapshot.head_seq, snapshot.as_of, quarter);
    }
    // A row of the quarter also reads the quarters before it (change_x100,
    // the changes against a year earlier): an event that moves only those
    // still changes the row, and is listed.
    const Quarter back = Quarter::FromIndex(quarter.Index() - kQuartersBack);
    FigureBuilder builder(state_, /*per_employer=*/false);
    for (uint64_t seq = snapshot.head_seq + 1; seq <= diff.current_seq; ++seq) {
      FigureAccumulator change(back, quarter);
      for (uint32_t person : state_.PersonsTouched(seq - 1, seq)) {
        builder.AddPerson(person, seq - 1, -1, &change);
        builder.AddPerson(person, seq, +1, &change);
      }
      const bool sets_figure = state_.SetsTargetOrBaseline(seq);
      for (size_t i = 0; i < sectors.size(); ++i) {
        const Sector sector = sectors[i];
        const bool changed =
            MovesRowFigures(
                change.Figures(SectorScope(sector), back, quarter)) ||
            (sets_figure && (state_.TargetX100(sector, quarter.year, seq - 1) !=
                                 state_.TargetX100(sector, quarter.year, seq) ||
                             state_.BaselineX100(sector, seq - 1) !=
                                 state_.BaselineX100(sector, seq)));
        if (changed) changed_by[i].push_back(seq);
      }
    }
  }
  for (size_t i = 0; i < sectors.size(); ++i) {
    SectorDiff sector_diff;
    sector_diff.sector = sectors[i];
    for (int m = 0; m < kMeasureCount; ++m) {
      // Found by sector, not position: a snapshot made before an aggregate
      // existed has fewer rows per measure.
      for (const RealisationRow& row : snapshot.rows) {
        if (row.sector == sectors[i] &&
            row.measure == static_cast<Measure>(m)) {
          sector_diff.snapshot_rows.push_back(row);
        }
      }
      const size_t row = m * sectors.size() + i;
      if (!rules_rows.empty()) {
        sector_diff.rules_rows.push_back(rules_rows[row]);
      }
      sector_diff.current_rows.push_back(current_rows[row]);
    }
    if (rules_rows.empty()) sector_diff.rules_rows = sector_diff.snapshot_rows;
    sector_diff.rules_changed =
        sector_diff.snapshot_rows != sector_diff.rules_rows;
    for (uint64_t seq : changed_by[i]) {
      ASSIGN_OR_RETURN(const StoredEvent stored, log_.GetBySeq(seq));
      sector_diff.changes.push_back(
          SnapshotChange{.seq = seq,
                         .recorded_at = stored.recorded_at,
                         .event_id = stored.event.event_id,
                         .kind = stored.event.kind(),
                         .effective_date = stored.event.effective_date,
                         .recorded_by = stored.recorded_by});
    }
    if (!sector_diff.changes.empty() ||
        sector_diff.snapshot_rows != sector_diff.current_rows) {
      diff.sectors.push_back(std::move(sector_diff));
    }
  }
  return diff;
}

}  // namespace banen
