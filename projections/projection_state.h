// ProjectionState: the fold of the ledger's StoredEvents into timelines
// (jobs, register periods, employer sectors, targets, baselines).
//
// The state is bitemporal: it keeps every event it was given with its seq
// and, once retracted, the seq of the retraction. So one state answers "as
// known after seq C" for every cut C up to the last applied seq: an event is
// visible at C when seq <= C and it was not retracted at or before C. The
// figures (figures.h) read the state through such a cut.
//
// Pure: no storage, no clock. The ledger has validated the events, so the
// fold assumes valid input, but anything else (unknown ids, seqs out of
// order, a retraction of a retraction) is ignored rather than trusted.
//
// Thread safety: none; callers serialize Apply() and SetIdIndexes() against
// readers (MakeIdIndexes() is one).
#ifndef BANEN_PROJECTIONS_PROJECTION_STATE_H_
#define BANEN_PROJECTIONS_PROJECTION_STATE_H_

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ledger/compact_vector.h"
#include "ledger/event.h"
#include "ledger/packed_bits.h"
#include "projections/id_index.h"

namespace banen {

inline constexpr uint64_t kNeverRetracted =
    std::numeric_limits<uint64_t>::max();
inline constexpr uint32_t kNoIndex = std::numeric_limits<uint32_t>::max();
// Open end of a period ("until further notice").
inline constexpr Date kEndOfTime{std::numeric_limits<int32_t>::max()};

// The last seq a state holds: the ledger's last (kMaxSeq, ledger/event.h).
// Its timelines keep seqs in 32 bits, which takes a quarter of their memory
// off. A projection that reaches it stops with RESOURCE_EXHAUSTED rather than
// fold a seq it cannot hold.
inline constexpr uint64_t kMaxStateSeq = kMaxSeq;

// OK when a state can hold `seq`; RESOURCE_EXHAUSTED naming the limit
// otherwise.
absl::Status CheckStateHolds(uint64_t seq);

// When an event counts: from its seq until (excluding) its retraction.
class Validity {
 public:
  Validity() = default;
  // `seq` <= kMaxStateSeq.
  explicit Validity(uint64_t seq) : seq_(static_cast<uint32_t>(seq)) {}

  uint64_t seq() const { return seq_; }
  // kNeverRetracted while it is not retracted.
  uint64_t retracted_at() const {
    return retracted_at_ == kNotRetracted ? kNeverRetracted : retracted_at_;
  }
  // `seq` <= kMaxStateSeq, above seq().
  void Retract(uint64_t seq) { retracted_at_ = static_cast<uint32_t>(seq); }
  bool VisibleAt(uint64_t cut) const {
    return seq_ <= cut && retracted_at() > cut;
  }

 private:
  static constexpr uint32_t kNotRetracted =
      std::numeric_limits<uint32_t>::max();
  uint32_t seq_ = 0;
  uint32_t retracted_at_ = kNotRetracted;
};

// The seqs of the retractions of the timeline entries of jobs and persons
// (JobEntry, RegisterEntry), by the seq of the entry. An entry keeps only
// whether it was retracted: retractions are few (a correction is one), and
// the 4 bytes each entry kept for a retraction's seq were a quarter of a
// job's entries and a third of a person's (issue 15: 3.04 M jobs and 3.34 M
// persons at 10 M events).
class Retractions {
 public:
  // kNeverRetracted when the entry made at `seq` was not retracted.
  uint64_t Of(uint64_t seq) const {
    const auto it = at_.find(static_cast<uint32_t>(seq));
    return it == at_.end() ? kNeverRetracted : it->second;
  }
  // Both seqs <= kMaxStateSeq, `retraction` above `seq`.
  void Add(uint64_t seq, uint64_t retraction) {
    at_[static_cast<uint32_t>(seq)] = static_cast<uint32_t>(retraction);
  }
  void AddAll(const Retractions& other) {
    at_.insert(other.at_.begin(), other.at_.end());
  }
  size_t size() const { return at_.size(); }

 private:
  absl::flat_hash_map<uint32_t, uint32_t> at_;
};

// The timelines of jobs and persons as known after seq(): an entry is
// visible from its seq until (excluding) its retraction. A view of the
// state's Retractions, valid while the state is unchanged.
class Cut {
 public:
  Cut(uint64_t seq, const Retractions& retractions)
      : seq_(seq), retractions_(&retractions) {}

  uint64_t seq() const { return seq_; }
  // `entry`: a JobEntry or a RegisterEntry of the state.
  template <typename Entry>
  bool Sees(const Entry& entry) const {
    return entry.seq <= seq_ &&
           (!entry.retracted || retractions_->Of(entry.seq) > seq_);
  }

 private:
  uint64_t seq_;
  const Retractions* retractions_;
};

enum class JobStep : uint8_t { kStart, kConvert, kHours, kEnd };

// One event of a job's timeline, in 12 bytes where the fields apart took 20
// (issue 15: 3 M jobs at 10 M events): the hours fit 16 bits, since the
// ledger accepts at most kMaxHoursPerWeekX100, the step, form and reason
// share a byte, and a retraction's seq is kept apart (Retractions).
struct JobEntry {
  Date date;
  int16_t hours_x100 = 0;  // kStart, kHours; kConvert: 0 keeps the hours
  JobStep step : 2 = JobStep::kStart;
  ContractForm form : 3 = ContractForm::kUnspecified;      // kStart, kConvert
  OutflowReason reason : 3 = OutflowReason::kUnspecified;  // kEnd
  bool retracted = false;  // the retraction's seq: in Retractions
  uint32_t seq = 0;        // <= kMaxStateSeq
};
static_assert(kMaxHoursPerWeekX100 <= std::numeric_limits<int16_t>::max());
static_assert(static_cast<int>(JobStep::kEnd) < 4 && kContractFormCount <= 8 &&
              kOutflowReasonCount <= 8);
static_assert(sizeof(JobEntry) == 12);

struct JobRecord {
  uint32_t person = kNoIndex;
  uint32_t employer = kNoIndex;  // for inleen: the hirer
  // Inleen jobs whose lender_id was a registered employer at the hire: the
  // formal employer, for whom the Wet banenafspraak counts the hours.
  uint32_t lender = kNoIndex;
  // SROI jobs only (commissioning_employer_id set, or form SROI).
  uint32_t commissioning_employer = kNoIndex;
  // Sorted by (date, seq): backdated events are inserted into the order.
  // Most jobs have a start, a change and an end: kept inline, a rebuild
  // allocates once per job instead of once per event.
  CompactVector<JobEntry, 3> entries;
};
// 56 bytes where an absl::InlinedVector of 16-byte entries made 72 (issue
// 15: 3.04 M jobs at 10 M events).
static_assert(sizeof(JobRecord) == 56);

// One event of a person's register, in 8 bytes where the fields apart took
// 16 (issue 15: 3.7 M persons at 10 M events): the date's days in
// kPackedDateBits, the rest beside them, a retraction's seq apart
// (Retractions).
struct RegisterEntry {
  int32_t days : kPackedDateBits = 0;
  bool registered : 1 = false;  // PersonRegistered or PersonDeregistered
  Grondslag grondslag : 3 = Grondslag::kUnspecified;  // PersonRegistered
  DeregistrationReason reason : 3 = DeregistrationReason::kUnspecified;
  bool retracted : 1 = false;  // the retraction's seq: in Retractions
  uint32_t seq = 0;            // <= kMaxStateSeq

  Date date() const { return Date{days}; }
};
static_assert(kGrondslagCount <= 8 && kDeregistrationReasonCount <= 8);
static_assert(sizeof(RegisterEntry) == 8);

// A person's register entries and the indexes of its jobs, in 32 bytes where
// two absl::InlinedVectors took 56 (issue 15: 3.34 M persons at 10 M events).
// The two lists share 24 bytes in place, the entries first, which hold what
// most persons have (a registration and a job or two, a deregistration and
// a job), and move together to one heap block once they outgrow them. They
// only grow.
class PersonRecord {
 public:
  PersonRecord() = default;
  PersonRecord(const PersonRecord& other);
  PersonRecord& operator=(const PersonRecord& other);
  PersonRecord(PersonRecord&& other) noexcept;
  PersonRecord& operator=(PersonRecord&& other) noexcept;
  ~PersonRecord() { delete[] heap(); }

  // Sorted by (date, seq). Valid until the next InsertEntry() or AddJob().
  absl::Span<const RegisterEntry> entries() const {
    if (entry_count_ == 0) return {};
    return {Entries(), entry_count_};
  }
  absl::Span<RegisterEntry> mutable_entries() {
    if (entry_count_ == 0) return {};
    return {Entries(), entry_count_};
  }
  absl::Span<const uint32_t> jobs() const {
    if (job_count_ == 0) return {};
    return {Jobs(layout()), job_count_};
  }

  // Inserts `entry` before entries()[position] (at the end for size()).
  void InsertEntry(size_t position, const RegisterEntry& entry);
  void AddJob(uint32_t job);

 private:
  static constexpr size_t kInPlaceBytes = 24;
  // Where the lists are: in place, the jobs right after the entries; or in
  // a heap block with room for `entries` entries, then `jobs` jobs.
  struct Layout {
    bool on_heap = false;
    size_t entries = 0;
    size_t jobs = 0;
    bool operator==(const Layout&) const = default;
  };
  // A function of the counts, which only grow: room in a heap block grows
  // by doubling.
  static Layout LayoutFor(size_t entries, size_t jobs);
  Layout layout() const { return LayoutFor(entry_count_, job_count_); }

  // The bytes are written with memcpy and memmove only, which create the
  // entries and job indexes in them; the pointers below are to those.
  unsigned char* heap() const {
    return layout().on_heap ? HeapBlockIn(storage_) : nullptr;
  }
  unsigned char* bytes() const {
    unsigned char* block = heap();
    return block != nullptr ? block : const_cast<unsigned char*>(storage_);
  }
  unsigned char* JobBytes(const Layout& at) const {
    return bytes() + at.entries * sizeof(RegisterEntry);
  }
  RegisterEntry* Entries() const {
    return std::launder(reinterpret_cast<RegisterEntry*>(bytes()));
  }
  uint32_t* Jobs(const Layout& at) const {
    return std::launder(reinterpret_cast<uint32_t*>(JobBytes(at)));
  }
  // Moves the lists into `will`, the layout for one entry or one job more:
  // the entries from `gap` on move up by one, leaving entry `gap` free (to
  // add a job, gap is the entry count).
  void Relayout(const Layout& will, size_t gap);

  uint32_t entry_count_ = 0;
  uint32_t job_count_ = 0;
  // The lists in place, or the heap block's address.
  alignas(8) unsigned char storage_[kInPlaceBytes] = {};
};
static_assert(sizeof(PersonRecord) == 32);

// Calls visit(entry) for each entry of `person` visible at `cut` that changes
// whether the person is registered: a registration that starts a period, a
// deregistration that ends one, in (date, seq) order. The register periods
// run from a registration's date to (excluding) the next deregistration's.
template <typename Visit>
void ForEachRegisterChange(const PersonRecord& person, const Cut& cut,
                           Visit visit) {
  bool registered = false;
  for (const RegisterEntry& entry : person.entries()) {
    if (!cut.Sees(entry) || entry.registered == registered) {
      continue;
    }
    registered = entry.registered;
    visit(entry);
  }
}

struct SectorEntry {
  Date date;
  Sector sector = Sector::kUnspecified;
  Validity validity;
};

struct EmployerRecord {
  std::string employer_id;
  std::string parent_employer_id;
  // The sector of the latest visible registration applies before the first
  // reclassification, whatever the registration's effective date. (More than
  // one only when a retracted registration was sent again.)
  std::vector<SectorEntry> registrations;  // in seq order
  // The parent named by each registration (kNoIndex: none). No event moves
  // an employer to another parent: it holds from the registration on.
  std::vector<uint32_t> registration_parents;  // parallel to registrations
  std::vector<SectorEntry> reclassifications;  // sorted by (date, seq)
  // Hired, and commissioned (SROI), in the order of their JobStarted seqs
  // (jobs are indexed in that order too).
  std::vector<uint32_t> jobs;
};

// A target or baseline figure; the latest visible one in seq order wins.
struct FigureEntry {
  int64_t banen_x100 = 0;
  Validity validity;
};

// Days [from, to); to may be kEndOfTime.
struct DatePeriod {
  Date from;
  Date to;
  bool operator==(const DatePeriod&) const = default;
};

// The periods in which `person` is registered as seen at `cut`, in date
// order, into `out` (cleared first).
void RegisteredPeriods(const PersonRecord& person, const Cut& cut,
                       std::vector<DatePeriod>* out);

// An employer's sectors over time as seen at one cut. A view: valid while
// the state it came from is unchanged.
class SectorTimeline {
 public:
  // kUnspecified when the employer is not registered at the cut.
  Sector On(Date day) const;
  // Calls visit(from, to, sector) for the sector periods covering [from, to).
  template <typename Visit>
  void ForEachPeriod(Date from, Date to, Visit visit) const;
  // Whether `other` shows the same sector on every day: both unregistered,
  // or one employer's with the same sector first and the same changes
  // visible (false for two employers, even when their sectors agree).
  bool SameAs(const SectorTimeline& other) const;

 private:
  friend class ProjectionState;
  Sector initial_ = Sector::kUnspecified;
  // Filtered by `cut_` while reading, so a lookup allocates nothing.
  const std::vector<SectorEntry>* changes_ = nullptr;
  uint64_t cut_ = 0;
};

class ProjectionState {
 public:
  // Folds `event` in. Events must come in seq order; an event whose seq is
  // not above the last applied one, or is above kMaxStateSeq, is ignored.
  void Apply(const StoredEvent& event);
  void ApplyAll(absl::Span<const StoredEvent> events);
  // Makes room for `events` more events in the arrays Apply() appends to
  // that lack it, which take at most one entry an event each (per seq, per
  // job, per person), and for a quarter more (WithRoomToGrow), so that
  // neither a replay nor the appends right after it move them. Grown by
  // doubling instead, every move copies an array into fresh memory that the
  // kernel zeroes first. Room not yet written is address space, not memory.
  void ReserveForEvents(uint64_t events);
  // Sizes the id lists and indexes, and the references' width, for so many
  // ids in all at once, where each growth of a list copies it, each of an
  // index places every entry again, and each widening moves every
  // reference, into fresh memory. The ledger's counts (EventLog::GetIdCounts),
  // read before the head the fold goes to, are no more ids than it will
  // index: the ledger forgets ids whose only hire or registration was
  // retracted, this state keeps every one. The lists' room, a quarter more
  // than the bytes, is address space until ids are written to it.
  void ReserveIds(IdsAndBytes person_refs, IdsAndBytes job_ids);
  // `count` and a quarter more: the room a state's arrays get when they are
  // sized at once (a replay, a checkpoint's load). Filled to capacity, the
  // first event folded after it would move every one of them (at 10 M
  // events, 0.7 s while the server takes appends).
  static uint64_t WithRoomToGrow(uint64_t count) { return count + count / 4; }

  uint64_t last_seq() const { return last_seq_; }
  // The timelines of jobs and persons as known after `seq`.
  Cut CutAt(uint64_t seq) const { return Cut(seq, retractions_); }
  const Retractions& retractions() const { return retractions_; }
  // recorded_at of the last applied event; InfinitePast() when empty.
  absl::Time last_recorded_at() const;
  // The cut of an as_of view: the last seq recorded at or before `as_of` (0:
  // none). recorded_at never decreases in seq order, so this is exact.
  uint64_t LastSeqRecordedBy(absl::Time as_of) const;

  // Persons whose figures may differ between cuts `after` and `upto`: those
  // touched by an event with after < seq <= upto (through their register,
  // their jobs, their employers' sectors, or a retraction of any of those).
  // A sector change (or registration) leaves out the jobs that count at
  // neither cut (started after both, or their start retracted) and those
  // that ended before it at both, so its cost follows the employer's jobs
  // current at the cuts, not its history nor its future.
  // Sorted, distinct.
  std::vector<uint32_t> PersonsTouched(uint64_t after, uint64_t upto) const;
  // Whether the event at `seq` (or the event it retracts) sets a target, a
  // baseline or an inleen key.
  bool SetsTargetOrBaseline(uint64_t seq) const;

  size_t person_count() const { return persons_.size(); }
  const PersonRecord& person(uint32_t index) const { return persons_[index]; }
  const JobRecord& job(uint32_t index) const { return jobs_[index]; }
  const EmployerRecord& employer(uint32_t index) const {
    return employers_[index];
  }

  size_t employer_count() const { return employers_.size(); }
  // The index of an employer ever registered (even if retracted since).
  std::optional<uint32_t> FindEmployer(std::string_view employer_id) const;

  SectorTimeline SectorsOf(uint32_t employer, uint64_t cut) const;
  // Warm the cache for reading a person's jobs (PersonAtCut), some persons
  // ahead: the jobs' records, then (once those are in) their employers'.
  void PrefetchJobsOf(uint32_t person) const;
  void PrefetchEmployersOf(uint32_t person) const;
  // The parent (parent_employer_id) of the employer's registration visible
  // at the cut; kNoIndex when it has none or is not registered then.
  uint32_t ParentOf(uint32_t employer, uint64_t cut) const;
  // The winning TargetSet for (sector, year) / BaselineSet at the cut.
  std::optional<int64_t> TargetX100(Sector sector, int32_t year,
                                    uint64_t cut) const;
  std::optional<int64_t> BaselineX100(Sector sector, uint64_t cut) const;
  // The winning InleenKeySet for `year` at the cut: the overheid share x10.
  std::optional<int64_t> InleenKeyX10(int32_t year, uint64_t cut) const;
  // The winning QuotaPercentageSet for (sector, year) at the cut, x100.
  std::optional<int64_t> QuotaPercentageX100(Sector sector, int32_t year,
                                             uint64_t cut) const;
  // The winning EmployerHoursReported of the employer for `year`, x100.
  std::optional<int64_t> PaidHoursX100(uint32_t employer, int32_t year,
                                       uint64_t cut) const;
  size_t job_count() const { return jobs_.size(); }
  // Calls visit(sector, year, value) for every figure that wins at the cut:
  // targets (a sector, year > 0) and baselines (a sector, year 0) in banen
  // x100, inleen keys (Sector::kUnspecified, year) as the overheid share x10.
  void ForEachWinningFigure(
      uint64_t cut,
      absl::FunctionRef<void(Sector, int32_t, int64_t)> visit) const;

  // The ids of the persons and jobs are held by index; their indexes (id
  // to index, id_index.h) are what Apply() needs and the queries do not. A
  // state decoded from a checkpoint of layouts 2 to 4 (state_checkpoint.h)
  // has none until they are set (SetIdIndexes), or made by the next
  // Apply(): an insert into an index larger than the caches waits on
  // memory, so a projector makes them after it opened. One of layout 5
  // loads them.
  struct IdIndexes {
    IdIndex persons;
    IdIndex jobs;
  };
  bool id_indexes_pending() const { return ids_pending_; }
  // The indexes of this state's ids, the persons' and the jobs' on two
  // threads when `threads` > 1; DATA_LOSS when an id comes twice (a
  // checkpoint that was not this state's).
  absl::StatusOr<IdIndexes> MakeIdIndexes(int threads = 1) const;
  // `indexes`: made from this state.
  void SetIdIndexes(IdIndexes indexes);

 private:
  // Encodes and decodes every member below (state_checkpoint.h).
  friend class StateCodec;

  enum class RefKind : uint8_t {
    kNone,
    kJob,
    kPerson,
    kEmployer,
    kFigure,
    kQuotaFigure,  // a quota percentage or paid hours: no realisation figure
  };
  // What the event at a seq belongs to; a retraction refers to its target's
  // owner, so the retraction touches what the target touched.
  struct EventRef {
    uint32_t index = kNoIndex;
    RefKind kind = RefKind::kNone;
  };
  // The EventRef of each seq, by seq - 1, packed: a kind in 3 bits, then
  // (unless kNone) an index in as many bits as the largest index needs,
  // which widens every entry when an index outgrows them. 25 bits a seq at
  // 10 M events (3.34 M persons), where a 32-bit index and a byte of kind
  // took 40 (issue 15: 50 MB, 31 MB packed; 250 MB at 50 M events).
  class EventRefs {
   public:
    size_t size() const { return size_; }
    // Entries held and room taken as they are written (reserve).
    size_t capacity() const { return capacity_; }
    EventRef operator[](size_t i) const {
      const uint64_t bits = Entry(i);
      const auto kind = static_cast<RefKind>(bits & kKindMask);
      if (kind == RefKind::kNone) return {};
      return {static_cast<uint32_t>(bits >> kKindBits), kind};
    }
    void push_back(EventRef ref);
    // Empty references up to `size` (>= size()).
    void ExtendTo(size_t size);
    // Room for `size` entries of the width held, taken as they are written.
    void reserve(size_t size);
    // Wide enough for a reference to `index`: each widening moves every
    // entry.
    void WidenFor(uint32_t index);

   private:
    static constexpr int kKindBits = 3;
    static constexpr uint64_t kKindMask = (1u << kKindBits) - 1;
    static_assert(static_cast<int>(RefKind::kQuotaFigure) <= kKindMask);

    // Entry `i`'s bits (packed_bits.h).
    uint64_t Entry(size_t i) const {
      return ReadPackedBits(bytes_.data(), i * static_cast<uint64_t>(width_),
                            width_);
    }
    // Writes entry `i` (i == size_), zeroing the bytes first written.
    void Put(size_t i, uint64_t bits);
    // Moves the entries into room for `capacity` entries of `width` bits.
    void MoveTo(size_t capacity, int width);

    HugeBytes bytes_{0};
    size_t capacity_ = 0;  // entries bytes_ has room for at width_
    size_t zeroed_ = 0;    // bytes_ from here on are as allocated
    size_t size_ = 0;
    int width_ = kKindBits;  // kKindBits + the index's bits
  };
  // The realisation's figures, and the quota's apart: these never move a
  // realisation figure (ForEachWinningFigure, SetsTargetOrBaseline).
  enum class FigureKind : uint8_t {
    kRealisation,
    kQuotaPercentage,
    kPaidHours
  };
  struct FigureKey {
    Sector sector;  // kUnspecified for inleen keys and paid hours
    int32_t year;   // 0 for baselines
    FigureKind kind = FigureKind::kRealisation;
    uint32_t employer = kNoIndex;  // kPaidHours only
    bool operator==(const FigureKey&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const FigureKey& key) {
      return H::combine(std::move(h), key.sector, key.year, key.kind,
                        key.employer);
    }
  };

  // The ids an event is folded by, hashed for the id indexes.
  struct IdLookups {
    std::optional<HashedId> person;
    std::optional<HashedId> job;
    std::string_view employer;  // a JobStarted's hirer
  };
  IdLookups LookupsOf(const Event& event) const;
  // Prefetches the id indexes' slots the lookups will read.
  void PrefetchSlots(const IdLookups& lookups) const;
  // Prefetches where the ids of `person` and `job` (indexes, or kNoIndex)
  // end in the id lists, and the records of those and of `employer`.
  void PrefetchRecords(uint32_t person, uint32_t job, uint32_t employer) const;
  void Apply(const StoredEvent& event, const IdLookups& lookups);

  // Fills `indexes` from the ids; false when an id came twice (the first
  // is kept).
  bool FillIdIndexes(int threads, IdIndexes& indexes) const;
  uint32_t PersonIndex(const HashedId& person_ref);
  void AppendPersonsTouchedBy(uint64_t seq, uint64_t after, uint64_t upto,
                              std::vector<uint32_t>* out) const;
  // The first day whose sector the employer event at `seq` (or retracted by
  // it) may change.
  Date SectorChangeFrom(const EmployerRecord& employer, uint64_t seq) const;
  EventRef ApplyPayload(const StoredEvent& stored, const IdLookups& lookups);
  EventRef ApplyJobStarted(const StoredEvent& stored, const JobStarted& hire,
                           const IdLookups& lookups);
  EventRef ApplyJobEntry(const HashedId& job_id, JobEntry entry);
  EventRef ApplyFigure(FigureKey key, int64_t banen_x100, uint64_t seq);
  EventRef ApplyRetraction(uint64_t target_seq, uint64_t seq);
  std::optional<int64_t> WinningFigure(FigureKey key, uint64_t cut) const;

  uint64_t last_seq_ = 0;
  // (recorded_at, last seq recorded then), one entry per distinct time.
  std::vector<std::pair<absl::Time, uint64_t>> recorded_;
  EventRefs refs_;
  Retractions retractions_;  // of the entries of jobs_ and persons_
  HugeVector<JobRecord> jobs_;
  HugeVector<PersonRecord> persons_;
  std::vector<EmployerRecord> employers_;
  std::vector<std::vector<FigureEntry>> figures_;  // by figure index
  // By index. A job's id stays when a later JobStarted takes it over: the
  // index then holds the later job.
  IdList person_refs_;
  IdList job_ids_;
  // The key the two indexes place ids by: this state's own, drawn when it
  // is made and kept by its checkpoints (id_index.h says why).
  IdKey id_key_ = NewCompactStringMapSeed();
  IdIndex person_index_;
  IdIndex job_index_;
  // Set: the two indexes above are empty (a state decoded from a
  // checkpoint of layouts 2 to 4).
  bool ids_pending_ = false;
  absl::flat_hash_map<std::string, uint32_t> employer_index_;
  absl::flat_hash_map<FigureKey, uint32_t> figure_index_;
};

template <typename Visit>
void SectorTimeline::ForEachPeriod(Date from, Date to, Visit visit) const {
  if (initial_ == Sector::kUnspecified) return;
  Sector current = initial_;
  Date start = from;
  for (const SectorEntry& change : *changes_) {
    if (!change.validity.VisibleAt(cut_)) continue;
    if (change.date <= start) {
      current = change.sector;
      continue;
    }
    if (change.date >= to) break;
    visit(start, change.date, current);
    start = change.date;
    current = change.sector;
  }
  if (start < to) visit(start, to, current);
}

}  // namespace banen

#endif  // BANEN_PROJECTIONS_PROJECTION_STATE_H_
