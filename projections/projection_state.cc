#include "projections/projection_state.h"

#include <algorithm>
#include <array>
#include <bit>
#include <iterator>
#include <limits>
#include <new>
#include <thread>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "ledger/absl_compat.h"
#include "ledger/prefetch.h"

namespace banen {
namespace {

Date DateOf(const JobEntry& entry) { return entry.date; }
Date DateOf(const SectorEntry& entry) { return entry.date; }
Date DateOf(const RegisterEntry& entry) { return entry.date(); }

// Where `entry` goes in `entries`: after every entry with a date at or
// before its own. The new entry has the highest seq, so this keeps the
// (date, seq) order.
template <typename Entries, typename Entry>
size_t TimelinePosition(const Entries& entries, const Entry& entry) {
  const Date date = DateOf(entry);
  if (entries.empty() || DateOf(entries.back()) <= date) {
    return entries.size();
  }
  return static_cast<size_t>(
      std::upper_bound(entries.begin(), entries.end(), date,
                       [](Date date, const Entry& existing) {
                         return date < DateOf(existing);
                       }) -
      entries.begin());
}

template <typename Entries, typename Entry>
void InsertInTimelineOrder(Entries& entries, Entry entry) {
  const size_t position = TimelinePosition(entries, entry);
  entries.insert(entries.begin() + static_cast<ptrdiff_t>(position),
                 std::move(entry));
}

// The seq of the JobStarted that made the job (each record has one start).
uint64_t StartSeq(const JobRecord& job) {
  for (const JobEntry& entry : job.entries) {
    if (entry.step == JobStep::kStart) return entry.seq;
  }
  return kNeverRetracted;  // not reached: ApplyJobStarted makes it with one
}

// For the entries of employers and figures, which keep their Validity.
template <typename Entries>
bool MarkRetracted(Entries&& entries, uint64_t target_seq, uint64_t seq) {
  for (auto& entry : entries) {
    if (entry.validity.seq() == target_seq) {
      if (entry.validity.retracted_at() != kNeverRetracted) return false;
      entry.validity.Retract(seq);
      return true;
    }
  }
  return false;
}

// For the entries of jobs and persons, whose retractions are apart.
template <typename Entries>
bool MarkRetracted(Entries&& entries, uint64_t target_seq, uint64_t seq,
                   Retractions& retractions) {
  for (auto& entry : entries) {
    if (entry.seq == target_seq) {
      if (entry.retracted) return false;
      entry.retracted = true;
      retractions.Add(target_seq, seq);
      return true;
    }
  }
  return false;
}

// Hours as a JobEntry holds them: the ledger accepts at most
// kMaxHoursPerWeekX100 (and a conversion 0), so the clamp changes nothing it
// stored.
int16_t HeldHours(int32_t hours_x100) {
  return static_cast<int16_t>(std::clamp(hours_x100, 0, kMaxHoursPerWeekX100));
}

}  // namespace

void ProjectionState::EventRefs::push_back(EventRef ref) {
  uint64_t bits = static_cast<uint64_t>(ref.kind);
  if (ref.kind != RefKind::kNone) {
    WidenFor(ref.index);
    bits |= uint64_t{ref.index} << kKindBits;
  }
  if (size_ == capacity_) MoveTo(std::max<size_t>(16, 2 * capacity_), width_);
  Put(size_++, bits);
}

void ProjectionState::EventRefs::ExtendTo(size_t size) {
  if (size > capacity_) MoveTo(std::max(size, 2 * capacity_), width_);
  while (size_ < size) Put(size_++, 0);
}

void ProjectionState::EventRefs::reserve(size_t size) {
  if (size > capacity_) MoveTo(size, width_);
}

void ProjectionState::EventRefs::WidenFor(uint32_t index) {
  const int width =
      kKindBits + std::max(1, static_cast<int>(std::bit_width(index)));
  if (width > width_) MoveTo(std::max(capacity_, size_ + 1), width);
}

void ProjectionState::EventRefs::Put(size_t i, uint64_t bits) {
  const uint64_t at = i * static_cast<uint64_t>(width_);
  const size_t end = at / 8 + sizeof(uint64_t);
  if (end > zeroed_) {
    // A page at a time, as the entries reach it: the room reserved ahead
    // is address space until then.
    const size_t zero_to =
        std::min(bytes_.size(), std::max(end, zeroed_ + 4096));
    std::memset(bytes_.data() + zeroed_, 0, zero_to - zeroed_);
    zeroed_ = zero_to;
  }
  WritePackedBits(bytes_.data(), at, bits);
}

void ProjectionState::EventRefs::MoveTo(size_t capacity, int width) {
  EventRefs moved;
  moved.bytes_ =
      HugeBytes(PackedBytesFor(capacity * static_cast<uint64_t>(width)));
  moved.capacity_ = capacity;
  moved.width_ = width;
  for (size_t i = 0; i < size_; ++i) {
    moved.Put(i, Entry(i));
  }
  moved.size_ = size_;
  *this = std::move(moved);
}

PersonRecord::Layout PersonRecord::LayoutFor(size_t entries, size_t jobs) {
  if (entries * sizeof(RegisterEntry) + jobs * sizeof(uint32_t) <=
      kInPlaceBytes) {
    return Layout{.on_heap = false, .entries = entries, .jobs = 0};
  }
  return Layout{.on_heap = true,
                .entries = std::bit_ceil(entries),
                .jobs = std::bit_ceil(jobs)};
}

PersonRecord::PersonRecord(const PersonRecord& other)
    : entry_count_(other.entry_count_), job_count_(other.job_count_) {
  const Layout at = layout();
  if (!at.on_heap) {
    std::memcpy(storage_, other.storage_, kInPlaceBytes);
    return;
  }
  const size_t bytes =
      at.entries * sizeof(RegisterEntry) + at.jobs * sizeof(uint32_t);
  unsigned char* block = new unsigned char[bytes];
  std::memcpy(block, other.heap(), bytes);
  SetHeapBlockIn(storage_, block);
}

PersonRecord& PersonRecord::operator=(const PersonRecord& other) {
  if (this != &other) *this = PersonRecord(other);
  return *this;
}

PersonRecord::PersonRecord(PersonRecord&& other) noexcept
    : entry_count_(std::exchange(other.entry_count_, 0)),
      job_count_(std::exchange(other.job_count_, 0)) {
  std::memcpy(storage_, other.storage_, kInPlaceBytes);
}

PersonRecord& PersonRecord::operator=(PersonRecord&& other) noexcept {
  if (this != &other) {
    delete[] heap();
    entry_count_ = std::exchange(other.entry_count_, 0);
    job_count_ = std::exchange(other.job_count_, 0);
    std::memcpy(storage_, other.storage_, kInPlaceBytes);
  }
  return *this;
}

void PersonRecord::InsertEntry(size_t position, const RegisterEntry& entry) {
  const Layout will = LayoutFor(entry_count_ + 1, job_count_);
  if (will == layout()) {
    unsigned char* at = bytes() + position * sizeof(RegisterEntry);
    std::memmove(at + sizeof(RegisterEntry), at,
                 (entry_count_ - position) * sizeof(RegisterEntry));
  } else {
    Relayout(will, position);
  }
  ++entry_count_;  // first: where the lists are follows from the counts
  std::memcpy(bytes() + position * sizeof(RegisterEntry), &entry,
              sizeof(entry));
}

void PersonRecord::AddJob(uint32_t job) {
  const Layout will = LayoutFor(entry_count_, job_count_ + 1);
  if (will != layout()) Relayout(will, entry_count_);
  ++job_count_;  // first: where the lists are follows from the counts
  std::memcpy(JobBytes(will) + (job_count_ - 1) * sizeof(job), &job,
              sizeof(job));
}

void PersonRecord::Relayout(const Layout& will, size_t gap) {
  const Layout was = layout();
  const unsigned char* from = bytes();
  unsigned char in_place[kInPlaceBytes];
  unsigned char* to = in_place;
  if (will.on_heap) {
    to = new unsigned char[will.entries * sizeof(RegisterEntry) +
                           will.jobs * sizeof(uint32_t)];
  }
  constexpr size_t kEntry = sizeof(RegisterEntry);
  std::memcpy(to, from, gap * kEntry);
  // The entries from `gap` on move up by one when the entries grow (gap <
  // entry_count_); when the jobs grow there are none.
  if (gap < entry_count_) {
    std::memcpy(to + (gap + 1) * kEntry, from + gap * kEntry,
                (entry_count_ - gap) * kEntry);
  }
  std::memcpy(to + will.entries * kEntry, from + was.entries * kEntry,
              job_count_ * sizeof(uint32_t));
  delete[] heap();
  if (will.on_heap) {
    SetHeapBlockIn(storage_, to);
  } else {
    std::memcpy(storage_, in_place, kInPlaceBytes);
  }
}

absl::Status CheckStateHolds(uint64_t seq) {
  if (seq <= kMaxStateSeq) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "seq ", seq, " is beyond the last a projection state holds, ",
      kMaxStateSeq));
}

void RegisteredPeriods(const PersonRecord& person, const Cut& cut,
                       std::vector<DatePeriod>* out) {
  out->clear();
  bool registered = false;
  Date since;
  ForEachRegisterChange(person, cut, [&](const RegisterEntry& entry) {
    if (entry.registered) {
      since = entry.date();
    } else if (since < entry.date()) {
      out->push_back(DatePeriod{since, entry.date()});
    }
    registered = entry.registered;
  });
  if (registered) out->push_back(DatePeriod{since, kEndOfTime});
}

Sector SectorTimeline::On(Date day) const {
  if (initial_ == Sector::kUnspecified) return initial_;
  Sector current = initial_;
  for (const SectorEntry& change : *changes_) {
    if (change.date > day) break;
    if (change.validity.VisibleAt(cut_)) current = change.sector;
  }
  return current;
}

bool SectorTimeline::SameAs(const SectorTimeline& other) const {
  if (initial_ != other.initial_) return false;
  // Unregistered: no sector on any day, whatever the changes.
  if (initial_ == Sector::kUnspecified) return true;
  if (changes_ != other.changes_) return false;
  for (const SectorEntry& change : *changes_) {
    if (change.validity.VisibleAt(cut_) !=
        change.validity.VisibleAt(other.cut_)) {
      return false;
    }
  }
  return true;
}

void ProjectionState::ApplyAll(absl::Span<const StoredEvent> events) {
  // An id lookup waits on up to four cache misses in a row: the id's slot in
  // the index, where the id it holds ends in the id list, that id's bytes,
  // and the record of its index. So each event's lookups are started ahead
  // of the fold in stages, each prefetching what the next reads: kSlots
  // events ahead its ids are hashed and their slots prefetched (and a
  // hirer's in the employers' map), kIds ahead the entries found there give
  // the ids' places and records (and the hirer's record), kBytes ahead the
  // ids' bytes (and the end of the hirer's jobs). The fold changes the state
  // meanwhile: the stages only warm the cache, the fold looks up again.
  constexpr size_t kSlots = 8;
  constexpr size_t kIds = 4;
  constexpr size_t kBytes = 2;
  struct Ahead {
    IdLookups lookups;
    uint32_t person = kNoIndex;  // what the person's slot pointed at
    uint32_t job = kNoIndex;
    uint32_t employer = kNoIndex;
  };
  // Longer than kSlots; a power of two, so that the % below is a mask.
  constexpr size_t kRing = 16;
  static_assert(kRing > kSlots && std::has_single_bit(kRing));
  std::array<Ahead, kRing> ring;
  const auto ahead = [&](size_t i) -> Ahead& { return ring[i % kRing]; };
  const size_t count = events.size();
  for (size_t step = 0; step < count + kSlots; ++step) {
    // The event a stage `lead` events ahead of the fold works on at this
    // step: the fold (lead 0) takes event step - kSlots.
    const auto event_at = [&](size_t lead) -> std::optional<size_t> {
      const size_t behind = kSlots - lead;
      if (step < behind || step - behind >= count) return std::nullopt;
      return step - behind;
    };
    if (const std::optional<size_t> i = event_at(kSlots)) {
      Ahead& next = ahead(*i);
      next.lookups = LookupsOf(events[*i].event);
      PrefetchSlots(next.lookups);
    }
    if (const std::optional<size_t> i = event_at(kIds)) {
      Ahead& next = ahead(*i);
      next.person = next.lookups.person.has_value()
                        ? person_index_.Probe(*next.lookups.person)
                        : kNoIndex;
      next.job = next.lookups.job.has_value()
                     ? job_index_.Probe(*next.lookups.job)
                     : kNoIndex;
      next.employer =
          next.lookups.employer.empty()
              ? kNoIndex
              : FindEmployer(next.lookups.employer).value_or(kNoIndex);
      PrefetchRecords(next.person, next.job, next.employer);
    }
    if (const std::optional<size_t> i = event_at(kBytes)) {
      const Ahead& next = ahead(*i);
      person_refs_.PrefetchBytes(next.person);
      job_ids_.PrefetchBytes(next.job);
      if (next.employer < employers_.size()) {
        // Where the hire's index will be appended.
        const std::vector<uint32_t>& jobs = employers_[next.employer].jobs;
        PrefetchForRead(jobs.data() + jobs.size());
      }
    }
    if (const std::optional<size_t> i = event_at(0)) {
      Apply(events[*i], ahead(*i).lookups);
    }
  }
}

void ProjectionState::PrefetchRecords(uint32_t person, uint32_t job,
                                      uint32_t employer) const {
  const auto prefetch = [](const auto& records, uint32_t index) {
    if (index >= records.size()) return;
    const auto* record = &records[index];
    PrefetchForRead(record);
    PrefetchForRead(reinterpret_cast<const char*>(record + 1) - 1);
  };
  if (person != kNoIndex) {
    person_refs_.PrefetchEnds(person);
    prefetch(persons_, person);
  }
  if (job != kNoIndex) {
    job_ids_.PrefetchEnds(job);
    prefetch(jobs_, job);
  }
  if (employer != kNoIndex) prefetch(employers_, employer);
}

ProjectionState::IdLookups ProjectionState::LookupsOf(
    const Event& event) const {
  IdLookups lookups;
  switch (event.kind()) {
    case EventKind::kPersonRegistered:
    case EventKind::kPersonDeregistered:
      lookups.person = Hashed(id_key_, PersonRefOf(event));
      break;
    case EventKind::kJobStarted: {
      const auto& hire = std::get<JobStarted>(event.payload);
      lookups.person = Hashed(id_key_, hire.person_ref);
      lookups.job = Hashed(id_key_, hire.job_id);
      lookups.employer = hire.employer_id;
      break;
    }
    case EventKind::kJobConverted:
    case EventKind::kHoursChanged:
    case EventKind::kJobEnded:
      lookups.job = Hashed(id_key_, JobIdOf(event));
      break;
    default:
      break;
  }
  return lookups;
}

void ProjectionState::PrefetchSlots(const IdLookups& lookups) const {
  if (lookups.person.has_value()) person_index_.Prefetch(*lookups.person);
  if (lookups.job.has_value()) job_index_.Prefetch(*lookups.job);
  if (!lookups.employer.empty()) {
    employer_index_.prefetch(AbslView(lookups.employer));
  }
}

bool ProjectionState::FillIdIndexes(int threads, IdIndexes& indexes) const {
  const auto fill = [this](const IdList& ids, IdIndex& index) {
    index = IdIndex();
    bool distinct = true;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i].empty()) continue;
      const HashedId id = Hashed(id_key_, ids[i]);
      if (index.Find(ids, id) != IdIndex::kEmpty) {
        distinct = false;
      } else {
        index.Insert(ids, static_cast<uint32_t>(i), id.hash);
      }
    }
    return distinct;
  };
  bool jobs_distinct = false;
  std::thread jobs;
  if (threads > 1) {
    jobs = std::thread([&] { jobs_distinct = fill(job_ids_, indexes.jobs); });
  } else {
    jobs_distinct = fill(job_ids_, indexes.jobs);
  }
  const bool persons_distinct = fill(person_refs_, indexes.persons);
  if (jobs.joinable()) jobs.join();
  return persons_distinct && jobs_distinct;
}

absl::StatusOr<ProjectionState::IdIndexes> ProjectionState::MakeIdIndexes(
    int threads) const {
  IdIndexes indexes;
  if (!FillIdIndexes(threads, indexes)) {
    return absl::DataLossError(
        absl::StrCat("the state after seq ", last_seq_,
                     " holds a person ref or job id twice"));
  }
  return indexes;
}

void ProjectionState::SetIdIndexes(IdIndexes indexes) {
  person_index_ = std::move(indexes.persons);
  job_index_ = std::move(indexes.jobs);
  ids_pending_ = false;
}

void ProjectionState::Apply(const StoredEvent& stored) {
  Apply(stored, LookupsOf(stored.event));
}

void ProjectionState::Apply(const StoredEvent& stored,
                            const IdLookups& lookups) {
  if (stored.seq <= last_seq_ || stored.seq > kMaxStateSeq) return;
  if (ids_pending_) {
    IdIndexes indexes;
    FillIdIndexes(/*threads=*/1, indexes);
    SetIdIndexes(std::move(indexes));
  }
  const EventRef ref = ApplyPayload(stored, lookups);
  // Seqs are gap-free in the ledger; a gap leaves empty references.
  refs_.ExtendTo(stored.seq - 1);
  refs_.push_back(ref);
  last_seq_ = stored.seq;
  if (recorded_.empty() || recorded_.back().first != stored.recorded_at) {
    recorded_.emplace_back(stored.recorded_at, stored.seq);
  } else {
    recorded_.back().second = stored.seq;
  }
}

void ProjectionState::ReserveForEvents(uint64_t events) {
  // An upper bound, in address space: at 50 M events some 9 GB that only
  // the entries written take up. A system that counts address space
  // against a limit (vm.overcommit_memory=2) may refuse it where the state
  // itself fits; the arrays then grow as they go, as before.
  // An array with room for them already stays where it is: a state loaded
  // from a checkpoint has room for a quarter more than it held, and the
  // few hundred thousand events a start after a crash folds moved every
  // array into fresh memory (0.8 s of 2.7 at 12.5 M events). The ids go
  // with their records, one each.
  const auto room_for_more = [events](size_t size) {
    return WithRoomToGrow(size + events);
  };
  try {
    if (refs_.capacity() - refs_.size() < events) {
      refs_.reserve(room_for_more(refs_.size()));
    }
    if (jobs_.capacity() - jobs_.size() < events) {
      jobs_.reserve(room_for_more(jobs_.size()));
      job_ids_.Reserve(room_for_more(job_ids_.size()));
    }
    if (persons_.capacity() - persons_.size() < events) {
      persons_.reserve(room_for_more(persons_.size()));
      person_refs_.Reserve(room_for_more(person_refs_.size()));
    }
  } catch (const std::bad_alloc&) {
  }
}

void ProjectionState::ReserveIds(IdsAndBytes person_refs, IdsAndBytes job_ids) {
  // Only where the fold would grow a list anyway: a state loaded from a
  // checkpoint has room for a quarter more than it held.
  for (auto [list, bytes] : {std::pair{&person_refs_, person_refs.bytes},
                             std::pair{&job_ids_, job_ids.bytes}}) {
    if (bytes > list->byte_capacity()) {
      list->ReserveBytes(WithRoomToGrow(bytes));
    }
  }
  // The references' width, too: the fold refers to each registered person
  // (its registration) and to each job (its hire), with indexes at least
  // as large as the counts'.
  const uint64_t most = std::max(person_refs.ids, job_ids.ids);
  if (most > 0) {
    refs_.WidenFor(static_cast<uint32_t>(
        std::min<uint64_t>(most - 1, std::numeric_limits<uint32_t>::max())));
  }
  // Pending indexes are made at their size when the state is next folded.
  if (ids_pending_) return;
  person_index_.Reserve(person_refs.ids);
  job_index_.Reserve(job_ids.ids);
}

absl::Time ProjectionState::last_recorded_at() const {
  return recorded_.empty() ? absl::InfinitePast() : recorded_.back().first;
}

uint64_t ProjectionState::LastSeqRecordedBy(absl::Time as_of) const {
  auto after = std::upper_bound(
      recorded_.begin(), recorded_.end(), as_of,
      [](absl::Time time, const auto& entry) { return time < entry.first; });
  return after == recorded_.begin() ? 0 : std::prev(after)->second;
}

uint32_t ProjectionState::PersonIndex(const HashedId& person_ref) {
  const uint32_t found = person_index_.Find(person_refs_, person_ref);
  if (found != IdIndex::kEmpty) return found;
  const auto index = static_cast<uint32_t>(persons_.size());
  person_refs_.Add(person_ref.id);
  person_index_.Insert(person_refs_, index, person_ref.hash);
  persons_.emplace_back();
  return index;
}

std::optional<uint32_t> ProjectionState::FindEmployer(
    std::string_view employer_id) const {
  auto it = employer_index_.find(AbslView(employer_id));
  if (it == employer_index_.end()) return std::nullopt;
  return it->second;
}

ProjectionState::EventRef ProjectionState::ApplyPayload(
    const StoredEvent& stored, const IdLookups& lookups) {
  const Event& event = stored.event;
  const uint64_t seq = stored.seq;
  const Date date = event.effective_date;
  switch (event.kind()) {
    case EventKind::kEmployerRegistered: {
      const auto& registered = std::get<EmployerRegistered>(event.payload);
      auto [it, inserted] = employer_index_.try_emplace(
          registered.employer_id, static_cast<uint32_t>(employers_.size()));
      if (inserted) {
        employers_.emplace_back();
        employers_.back().employer_id = registered.employer_id;
      }
      EmployerRecord& employer = employers_[it->second];
      employer.parent_employer_id = registered.parent_employer_id;
      employer.registrations.push_back(
          SectorEntry{date, registered.sector, Validity{seq}});
      employer.registration_parents.push_back(
          registered.parent_employer_id.empty()
              ? kNoIndex
              : FindEmployer(registered.parent_employer_id).value_or(kNoIndex));
      return EventRef{it->second, RefKind::kEmployer};
    }
    case EventKind::kEmployerReclassified: {
      const auto& reclassified = std::get<EmployerReclassified>(event.payload);
      const std::optional<uint32_t> employer =
          FindEmployer(reclassified.employer_id);
      if (!employer.has_value()) return {};
      InsertInTimelineOrder(
          employers_[*employer].reclassifications,
          SectorEntry{date, reclassified.sector, Validity{seq}});
      return EventRef{*employer, RefKind::kEmployer};
    }
    case EventKind::kPersonRegistered:
    case EventKind::kPersonDeregistered: {
      // The ledger accepted no other date: ignored, not cut to fit.
      if (!FitsPackedDate(date)) return {};
      const uint32_t person = PersonIndex(*lookups.person);
      RegisterEntry entry{.seq = static_cast<uint32_t>(seq)};
      entry.days = date.days;
      if (const auto* registered =
              std::get_if<PersonRegistered>(&event.payload)) {
        entry.registered = true;
        entry.grondslag = registered->grondslag;
      } else {
        entry.reason = std::get<PersonDeregistered>(event.payload).reason;
      }
      PersonRecord& record = persons_[person];
      record.InsertEntry(TimelinePosition(record.entries(), entry), entry);
      return EventRef{person, RefKind::kPerson};
    }
    case EventKind::kJobStarted:
      return ApplyJobStarted(stored, std::get<JobStarted>(event.payload),
                             lookups);
    case EventKind::kJobConverted: {
      const auto& converted = std::get<JobConverted>(event.payload);
      return ApplyJobEntry(
          *lookups.job, JobEntry{.date = date,
                                 .hours_x100 = HeldHours(converted.hours_x100),
                                 .step = JobStep::kConvert,
                                 .form = converted.to_form,
                                 .seq = static_cast<uint32_t>(seq)});
    }
    case EventKind::kHoursChanged: {
      const auto& changed = std::get<HoursChanged>(event.payload);
      return ApplyJobEntry(*lookups.job,
                           JobEntry{.date = date,
                                    .hours_x100 = HeldHours(changed.hours_x100),
                                    .step = JobStep::kHours,
                                    .seq = static_cast<uint32_t>(seq)});
    }
    case EventKind::kJobEnded: {
      const auto& ended = std::get<JobEnded>(event.payload);
      return ApplyJobEntry(*lookups.job,
                           JobEntry{.date = date,
                                    .step = JobStep::kEnd,
                                    .reason = ended.reason,
                                    .seq = static_cast<uint32_t>(seq)});
    }
    case EventKind::kEventRetracted:
      return ApplyRetraction(std::get<EventRetracted>(event.payload).target_seq,
                             seq);
    case EventKind::kTargetSet: {
      const auto& target = std::get<TargetSet>(event.payload);
      return ApplyFigure(FigureKey{target.sector, target.year},
                         target.banen_x100, seq);
    }
    case EventKind::kBaselineSet: {
      const auto& baseline = std::get<BaselineSet>(event.payload);
      return ApplyFigure(FigureKey{baseline.sector, 0}, baseline.banen_x100,
                         seq);
    }
    case EventKind::kInleenKeySet: {
      const auto& key = std::get<InleenKeySet>(event.payload);
      return ApplyFigure(FigureKey{Sector::kUnspecified, key.year},
                         key.overheid_share_x10, seq);
    }
    case EventKind::kEmployerHoursReported: {
      const auto& report = std::get<EmployerHoursReported>(event.payload);
      const std::optional<uint32_t> employer = FindEmployer(report.employer_id);
      if (!employer.has_value()) return {};
      return ApplyFigure(FigureKey{Sector::kUnspecified, report.year,
                                   FigureKind::kPaidHours, *employer},
                         report.paid_hours_x100, seq);
    }
    case EventKind::kQuotaPercentageSet: {
      const auto& set = std::get<QuotaPercentageSet>(event.payload);
      return ApplyFigure(
          FigureKey{set.sector, set.year, FigureKind::kQuotaPercentage},
          set.percentage_x100, seq);
    }
  }
  return {};
}

ProjectionState::EventRef ProjectionState::ApplyJobStarted(
    const StoredEvent& stored, const JobStarted& hire,
    const IdLookups& lookups) {
  // A JobStarted for a known job_id (only possible after its retraction)
  // starts a new record: cuts before it keep seeing the old one.
  const auto index = static_cast<uint32_t>(jobs_.size());
  job_ids_.Add(hire.job_id);
  if (job_index_.Find(job_ids_, *lookups.job) != IdIndex::kEmpty) {
    job_index_.Reassign(job_ids_, *lookups.job, index);
  } else {
    job_index_.Insert(job_ids_, index, lookups.job->hash);
  }
  JobRecord& job = jobs_.emplace_back();
  job.person = PersonIndex(*lookups.person);
  job.employer = FindEmployer(hire.employer_id).value_or(kNoIndex);
  if (!hire.lender_id.empty()) {
    job.lender = FindEmployer(hire.lender_id).value_or(kNoIndex);
  }
  if (!hire.commissioning_employer_id.empty()) {
    job.commissioning_employer =
        FindEmployer(hire.commissioning_employer_id).value_or(kNoIndex);
  }
  job.entries.push_back(JobEntry{.date = stored.event.effective_date,
                                 .hours_x100 = HeldHours(hire.hours_x100),
                                 .step = JobStep::kStart,
                                 .form = hire.form,
                                 .seq = static_cast<uint32_t>(stored.seq)});
  persons_[job.person].AddJob(index);
  for (uint32_t employer : {job.employer, job.commissioning_employer}) {
    if (employer != kNoIndex) employers_[employer].jobs.push_back(index);
  }
  return EventRef{index, RefKind::kJob};
}

ProjectionState::EventRef ProjectionState::ApplyJobEntry(const HashedId& job_id,
                                                         JobEntry entry) {
  const uint32_t job = job_index_.Find(job_ids_, job_id);
  if (job == IdIndex::kEmpty) return {};
  InsertInTimelineOrder(jobs_[job].entries, entry);
  return EventRef{job, RefKind::kJob};
}

ProjectionState::EventRef ProjectionState::ApplyFigure(FigureKey key,
                                                       int64_t banen_x100,
                                                       uint64_t seq) {
  auto [it, inserted] =
      figure_index_.try_emplace(key, static_cast<uint32_t>(figures_.size()));
  if (inserted) figures_.emplace_back();
  figures_[it->second].push_back(FigureEntry{banen_x100, Validity{seq}});
  return EventRef{it->second, key.kind == FigureKind::kRealisation
                                  ? RefKind::kFigure
                                  : RefKind::kQuotaFigure};
}

ProjectionState::EventRef ProjectionState::ApplyRetraction(uint64_t target_seq,
                                                           uint64_t seq) {
  if (target_seq == 0 || target_seq > refs_.size()) return {};
  const EventRef target = refs_[target_seq - 1];
  bool marked = false;
  switch (target.kind) {
    case RefKind::kNone:
      break;
    case RefKind::kJob:
      marked = MarkRetracted(jobs_[target.index].entries, target_seq, seq,
                             retractions_);
      break;
    case RefKind::kPerson:
      marked = MarkRetracted(persons_[target.index].mutable_entries(),
                             target_seq, seq, retractions_);
      break;
    case RefKind::kEmployer: {
      EmployerRecord& employer = employers_[target.index];
      marked = MarkRetracted(employer.registrations, target_seq, seq) ||
               MarkRetracted(employer.reclassifications, target_seq, seq);
      break;
    }
    case RefKind::kFigure:
    case RefKind::kQuotaFigure:
      marked = MarkRetracted(figures_[target.index], target_seq, seq);
      break;
  }
  return marked ? target : EventRef{};
}

Date ProjectionState::SectorChangeFrom(const EmployerRecord& employer,
                                       uint64_t seq) const {
  const auto made_by = [seq](const SectorEntry& entry) {
    return entry.validity.seq() == seq || entry.validity.retracted_at() == seq;
  };
  for (const SectorEntry& change : employer.reclassifications) {
    if (made_by(change)) return change.date;
  }
  // A registration sets the sector of all time.
  return Date{std::numeric_limits<int32_t>::min()};
}

void ProjectionState::AppendPersonsTouchedBy(uint64_t seq, uint64_t after,
                                             uint64_t upto,
                                             std::vector<uint32_t>* out) const {
  const EventRef ref = refs_[seq - 1];
  switch (ref.kind) {
    case RefKind::kJob:
      out->push_back(jobs_[ref.index].person);
      break;
    case RefKind::kPerson:
      out->push_back(ref.index);
      break;
    case RefKind::kEmployer: {
      const EmployerRecord& employer = employers_[ref.index];
      const Date from = SectorChangeFrom(employer, seq);
      const Cut at_after = CutAt(after);
      const Cut at_upto = CutAt(upto);
      // Jobs started after `upto` count at neither cut. An employer hires
      // most of its jobs after it registers, so without this bound a window
      // holding the registration would touch every person it ever hires.
      const auto started_by_upto = std::partition_point(
          employer.jobs.begin(), employer.jobs.end(),
          [&](uint32_t job) { return StartSeq(jobs_[job]) <= upto; });
      for (auto it = employer.jobs.begin(); it != started_by_upto; ++it) {
        const JobRecord& job = jobs_[*it];
        // Not started at either cut (its start retracted): no figures. Ended
        // before the change at both cuts: all its days and flows keep their
        // sector. (A change to the end itself touches the person.)
        bool started = false;
        bool ended_before = false;
        for (const JobEntry& e : job.entries) {
          const bool at_both = at_after.Sees(e) && at_upto.Sees(e);
          if (e.step == JobStep::kStart) {
            started = at_after.Sees(e) || at_upto.Sees(e);
          } else if (e.step == JobStep::kEnd && e.date < from && at_both) {
            ended_before = true;
          }
        }
        if (started && !ended_before) out->push_back(job.person);
      }
      break;
    }
    case RefKind::kNone:
    case RefKind::kFigure:
    case RefKind::kQuotaFigure:
      break;
  }
}

bool ProjectionState::SetsTargetOrBaseline(uint64_t seq) const {
  return seq > 0 && seq <= refs_.size() &&
         refs_[seq - 1].kind == RefKind::kFigure;
}

std::vector<uint32_t> ProjectionState::PersonsTouched(uint64_t after,
                                                      uint64_t upto) const {
  std::vector<uint32_t> persons;
  upto = std::min<uint64_t>(upto, refs_.size());
  for (uint64_t seq = after + 1; seq <= upto; ++seq) {
    AppendPersonsTouchedBy(seq, after, upto, &persons);
  }
  std::sort(persons.begin(), persons.end());
  persons.erase(std::unique(persons.begin(), persons.end()), persons.end());
  return persons;
}

void ProjectionState::PrefetchJobsOf(uint32_t person) const {
  for (const uint32_t job : persons_[person].jobs()) {
    PrefetchForRead(&jobs_[job]);
  }
}

void ProjectionState::PrefetchEmployersOf(uint32_t person) const {
  for (const uint32_t index : persons_[person].jobs()) {
    const JobRecord& job = jobs_[index];
    for (uint32_t employer : {job.employer, job.commissioning_employer}) {
      if (employer != kNoIndex) PrefetchForRead(&employers_[employer]);
    }
  }
}

SectorTimeline ProjectionState::SectorsOf(uint32_t employer_index,
                                          uint64_t cut) const {
  SectorTimeline timeline;
  if (employer_index == kNoIndex) return timeline;
  const EmployerRecord& employer = employers_[employer_index];
  for (const SectorEntry& registration : employer.registrations) {
    if (registration.validity.VisibleAt(cut)) {
      timeline.initial_ = registration.sector;
    }
  }
  timeline.changes_ = &employer.reclassifications;
  timeline.cut_ = cut;
  return timeline;
}

uint32_t ProjectionState::ParentOf(uint32_t employer_index,
                                   uint64_t cut) const {
  const EmployerRecord& employer = employers_[employer_index];
  uint32_t parent = kNoIndex;
  for (size_t i = 0; i < employer.registrations.size(); ++i) {
    if (employer.registrations[i].validity.VisibleAt(cut)) {
      parent = employer.registration_parents[i];
    }
  }
  return parent;
}

std::optional<int64_t> ProjectionState::WinningFigure(FigureKey key,
                                                      uint64_t cut) const {
  auto it = figure_index_.find(key);
  if (it == figure_index_.end()) return std::nullopt;
  const std::vector<FigureEntry>& entries = figures_[it->second];
  for (auto entry = entries.rbegin(); entry != entries.rend(); ++entry) {
    if (entry->validity.VisibleAt(cut)) return entry->banen_x100;
  }
  return std::nullopt;
}

std::optional<int64_t> ProjectionState::TargetX100(Sector sector, int32_t year,
                                                   uint64_t cut) const {
  return WinningFigure(FigureKey{sector, year}, cut);
}

std::optional<int64_t> ProjectionState::BaselineX100(Sector sector,
                                                     uint64_t cut) const {
  return WinningFigure(FigureKey{sector, 0}, cut);
}

std::optional<int64_t> ProjectionState::InleenKeyX10(int32_t year,
                                                     uint64_t cut) const {
  return WinningFigure(FigureKey{Sector::kUnspecified, year}, cut);
}

std::optional<int64_t> ProjectionState::QuotaPercentageX100(
    Sector sector, int32_t year, uint64_t cut) const {
  return WinningFigure(FigureKey{sector, year, FigureKind::kQuotaPercentage},
                       cut);
}

std::optional<int64_t> ProjectionState::PaidHoursX100(uint32_t employer,
                                                      int32_t year,
                                                      uint64_t cut) const {
  return WinningFigure(
      FigureKey{Sector::kUnspecified, year, FigureKind::kPaidHours, employer},
      cut);
}

void ProjectionState::ForEachWinningFigure(
    uint64_t cut,
    absl::FunctionRef<void(Sector, int32_t, int64_t)> visit) const {
  for (const auto& [key, index] : figure_index_) {
    if (key.kind != FigureKind::kRealisation) continue;
    if (const std::optional<int64_t> figure = WinningFigure(key, cut)) {
      visit(key.sector, key.year, *figure);
    }
  }
}

}  // namespace banen
