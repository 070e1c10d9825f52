#include "projections/figures.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>
#include <tuple>
#include <utility>

namespace banen {
namespace {

// Day boundaries of a quarter, precomputed: the step arithmetic runs for
// every period of every job on a rebuild.
struct QuarterDays {
  int32_t first;
  int32_t last_month_first;
  int32_t last;
};

constexpr int32_t kCalendarFirstIndex = 1970 * 4;
constexpr int32_t kCalendarLastIndex = 2200 * 4;

QuarterDays ComputeQuarterDays(int32_t index) {
  const Quarter quarter = Quarter::FromIndex(index);
  return QuarterDays{quarter.FirstDay().days, quarter.LastMonthFirstDay().days,
                     quarter.LastDay().days};
}

// The quarters kCalendarFirstIndex .. kCalendarLastIndex - 1, and the
// quarter (its offset in `quarters`) in which each run of kBucketDays days
// from the first one's first day starts. A quarter is longer than a run, so
// a day is in its run's quarter or the next.
struct Calendar {
  static constexpr int32_t kBucketDays = 16;
  std::vector<QuarterDays> quarters;
  std::vector<uint16_t> quarter_of_bucket;
};

const Calendar& TheCalendar() {
  static const Calendar* const kCalendar = [] {
    auto* calendar = new Calendar();
    for (int32_t i = kCalendarFirstIndex; i < kCalendarLastIndex; ++i) {
      calendar->quarters.push_back(ComputeQuarterDays(i));
    }
    const std::vector<QuarterDays>& quarters = calendar->quarters;
    uint16_t quarter = 0;
    for (int32_t day = quarters.front().first; day <= quarters.back().last;
         day += Calendar::kBucketDays) {
      while (day > quarters[quarter].last) ++quarter;
      calendar->quarter_of_bucket.push_back(quarter);
    }
    return calendar;
  }();
  return *kCalendar;
}

QuarterDays DaysOf(int32_t index) {
  if (index >= kCalendarFirstIndex && index < kCalendarLastIndex) {
    return TheCalendar().quarters[index - kCalendarFirstIndex];
  }
  return ComputeQuarterDays(index);
}

// The Quarter::Index() of `day`, and the bounds of its quarter, from the
// calendar where it reaches: every step of a person moved needs its day's
// quarter, and Quarter::Of's civil-date arithmetic was a seventh of the
// projection tail's CPU.
std::pair<int32_t, QuarterDays> QuarterOfDay(Date day) {
  const Calendar& calendar = TheCalendar();
  const std::vector<QuarterDays>& quarters = calendar.quarters;
  if (day.days < quarters.front().first || day.days > quarters.back().last) {
    const int32_t index = Quarter::Of(day).Index();
    return {index, ComputeQuarterDays(index)};
  }
  const auto offset = static_cast<uint32_t>(day.days - quarters.front().first);
  size_t i = calendar.quarter_of_bucket[offset / Calendar::kBucketDays];
  if (day.days > quarters[i].last) ++i;
  return {kCalendarFirstIndex + static_cast<int32_t>(i), quarters[i]};
}

// The first and last quarter a valid effective date can fall in.
constexpr Quarter kEarliestQuarter{1998, 1};
constexpr Quarter kLatestQuarter{9999, 4};

}  // namespace

std::optional<FormSeries> FormSeriesOf(ContractForm form) {
  switch (form) {
    case ContractForm::kVast:
      return FormSeries::kVast;
    case ContractForm::kTijdelijk:
      return FormSeries::kTijdelijk;
    case ContractForm::kInleenUitzend:
      return FormSeries::kInleenUitzend;
    case ContractForm::kInleenDetachering:
      return FormSeries::kInleenDetachering;
    case ContractForm::kSroi:
      return FormSeries::kSroiFormUnknown;
    case ContractForm::kUnspecified:
      break;
  }
  return std::nullopt;
}

std::optional<int> ConversionIndex(ContractForm from, ContractForm to) {
  for (int i = 0; i < kConversionCount; ++i) {
    if (kConversions[i].first == from && kConversions[i].second == to) {
      return i;
    }
  }
  return std::nullopt;
}

void Flows::Add(const Flows& other, int64_t sign) {
  started += sign * other.started;
  for (int i = 0; i < kOutflowReasonCount; ++i) {
    ended[i] += sign * other.ended[i];
  }
  for (int i = 0; i < kConversionCount; ++i) {
    converted[i] += sign * other.converted[i];
  }
}

void QuarterSteps::Add(const QuarterSteps& other) {
  for (int s = 0; s < kFormSeriesCount; ++s) {
    hours_step[s] += other.hours_step[s];
    hours_step_before_last_month[s] += other.hours_step_before_last_month[s];
    quarter_partial[s] += other.quarter_partial[s];
    last_month_partial[s] += other.last_month_partial[s];
  }
  for (int s = 0; s < kCountSeriesCount; ++s) {
    count_step[s] += other.count_step[s];
  }
  flows.Add(other.flows, +1);
}

FigureAccumulator::FigureAccumulator(Quarter first, Quarter last)
    : first_(first), last_(last) {}

FigureAccumulator::FigureAccumulator()
    : FigureAccumulator(kEarliestQuarter, kLatestQuarter) {}

QuarterSteps* FigureAccumulator::Slot(ScopeId scope, int32_t quarter_index) {
  if (quarter_index > last_.Index()) return nullptr;
  const int32_t slot = std::max(quarter_index - first_.Index() + 1, 0);
  return &MutableSlot(scope, slot);
}

size_t FigureAccumulator::SlotCount(ScopeId scope) const {
  return scope < slots_.size() ? slots_[scope].count : 0;
}

const QuarterSteps& FigureAccumulator::SlotAt(ScopeId scope,
                                              size_t slot) const {
  static const QuarterSteps kZero;
  const std::shared_ptr<Block>& block =
      slots_[scope].blocks[slot / kSlotsPerBlock];
  return block == nullptr ? kZero : (*block)[slot % kSlotsPerBlock];
}

QuarterSteps& FigureAccumulator::GrowOrCopySlot(ScopeId scope, size_t slot) {
  if (scope >= slots_.size()) slots_.resize(scope + 1);
  ScopeSlots& slots = slots_[scope];
  if (slot >= slots.count) {
    slots.count = slot + 1;
    slots.blocks.resize(slot / kSlotsPerBlock + 1);
  }
  std::shared_ptr<Block>& block = slots.blocks[slot / kSlotsPerBlock];
  if (block == nullptr) {
    block = std::make_shared<Block>();
  } else if (block.use_count() > 1) {
    block = std::make_shared<Block>(*block);
  } else {
    // The last other holder may have let go on another thread just now: its
    // reads of the block happen before this write (its release pairs with
    // this acquire).
    std::atomic_thread_fence(std::memory_order_acquire);
  }
  return (*block)[slot % kSlotsPerBlock];
}

StepDay::StepDay(Date day) {
  QuarterDays days;
  std::tie(quarter_index, days) = QuarterOfDay(day);
  days_to_quarter_end = days.last - day.days + 1;
  before_last_month = day.days < days.last_month_first;
}

void FigureAccumulator::AddHoursStep(ScopeId scope, FormSeries series,
                                     const StepDay& day, int64_t delta) {
  QuarterSteps* steps = Slot(scope, day.quarter_index);
  if (steps == nullptr) return;
  const auto s = static_cast<size_t>(series);
  steps->hours_step[s] += delta;
  if (day.quarter_index < first_.Index()) return;  // only its stock matters
  steps->quarter_partial[s] += delta * day.days_to_quarter_end;
  if (day.before_last_month) {
    steps->hours_step_before_last_month[s] += delta;
  } else {
    steps->last_month_partial[s] += delta * day.days_to_quarter_end;
  }
}

void FigureAccumulator::AddCountStep(ScopeId scope, CountSeries series,
                                     const StepDay& day, int64_t delta) {
  QuarterSteps* steps = Slot(scope, day.quarter_index);
  if (steps != nullptr) steps->count_step[static_cast<size_t>(series)] += delta;
}

Flows* FigureAccumulator::MutableFlows(ScopeId scope, const StepDay& day) {
  if (day.quarter_index < first_.Index()) return nullptr;
  QuarterSteps* steps = Slot(scope, day.quarter_index);
  return steps == nullptr ? nullptr : &steps->flows;
}

void FigureAccumulator::Add(const FigureAccumulator& other) {
  for (ScopeId scope = 0; scope < other.slots_.size(); ++scope) {
    for (size_t slot = 0; slot < other.slots_[scope].count; ++slot) {
      MutableSlot(scope, slot).Add(other.SlotAt(scope, slot));
    }
  }
}

std::vector<QuarterFigures> FigureAccumulator::Figures(ScopeId scope,
                                                       Quarter from,
                                                       Quarter to) const {
  std::vector<QuarterFigures> figures;
  if (to < from) return figures;
  figures.reserve(to.Index() - from.Index() + 1);
  const size_t slots = SlotCount(scope);
  const auto steps_at = [&](int32_t slot) -> const QuarterSteps* {
    return slot >= 0 && static_cast<size_t>(slot) < slots ? &SlotAt(scope, slot)
                                                          : nullptr;
  };
  std::array<int64_t, kFormSeriesCount> hours{};  // stock before the quarter
  std::array<int64_t, kCountSeriesCount> counts{};
  const int32_t from_slot = from.Index() - first_.Index() + 1;
  for (int32_t slot = 0; slot < from_slot; ++slot) {
    if (const QuarterSteps* steps = steps_at(slot)) {
      for (int s = 0; s < kFormSeriesCount; ++s)
        hours[s] += steps->hours_step[s];
      for (int s = 0; s < kCountSeriesCount; ++s)
        counts[s] += steps->count_step[s];
    }
  }
  for (int32_t index = from.Index(); index <= to.Index(); ++index) {
    const QuarterDays days = DaysOf(index);
    const int64_t quarter_days = days.last - days.first + 1;
    const int64_t month_days = days.last - days.last_month_first + 1;
    const QuarterSteps empty;
    const QuarterSteps* found_steps = index >= first_.Index()
                                          ? steps_at(index - first_.Index() + 1)
                                          : nullptr;
    const QuarterSteps& steps = found_steps ? *found_steps : empty;
    QuarterFigures& out = figures.emplace_back();
    for (int s = 0; s < kFormSeriesCount; ++s) {
      out.quarter_hour_days[s] =
          quarter_days * hours[s] + steps.quarter_partial[s];
      out.last_month_hour_days[s] =
          month_days * (hours[s] + steps.hours_step_before_last_month[s]) +
          steps.last_month_partial[s];
      hours[s] += steps.hours_step[s];
      out.peildatum_hours[s] = hours[s];
    }
    for (int s = 0; s < kCountSeriesCount; ++s)
      counts[s] += steps.count_step[s];
    out.persons = counts[static_cast<size_t>(CountSeries::kPersons)];
    out.jobs = counts[static_cast<size_t>(CountSeries::kJobs)];
    for (int f = 0; f < kContractFormSeriesCount; ++f) {
      out.persons_by_form[f] = counts[static_cast<size_t>(
          PersonsSeriesOf(static_cast<FormSeries>(f)))];
    }
    out.flows = steps.flows;
  }
  return figures;
}

std::vector<ScopeId> FigureAccumulator::Scopes() const {
  std::vector<ScopeId> scopes;
  for (ScopeId scope = 0; scope < slots_.size(); ++scope) {
    if (slots_[scope].count > 0) scopes.push_back(scope);
  }
  return scopes;
}

bool operator==(const FigureAccumulator& a, const FigureAccumulator& b) {
  if (a.first_ != b.first_ || a.last_ != b.last_) return false;
  const QuarterSteps zero;
  const size_t scopes = std::max(a.slots_.size(), b.slots_.size());
  for (ScopeId scope = 0; scope < scopes; ++scope) {
    const size_t a_size = a.SlotCount(scope);
    const size_t b_size = b.SlotCount(scope);
    for (size_t slot = 0; slot < std::max(a_size, b_size); ++slot) {
      const QuarterSteps& x = slot < a_size ? a.SlotAt(scope, slot) : zero;
      const QuarterSteps& y = slot < b_size ? b.SlotAt(scope, slot) : zero;
      if (!(x == y)) return false;
    }
  }
  return true;
}

FigureBuilder::FigureBuilder(const ProjectionState& state, bool per_employer,
                             bool roll_up_children)
    : state_(state),
      per_employer_(per_employer),
      roll_up_children_(roll_up_children) {}

FigureBuilder::Scopes FigureBuilder::ScopesOf(Sector sector, uint32_t employer,
                                              uint64_t cut) const {
  Scopes scopes;
  scopes.push_back(SectorScope(sector));
  if (IsGovernmentSector(sector)) {
    scopes.push_back(SectorScope(Sector::kOverheid));
  }
  if (IsFunderendOnderwijs(sector)) {
    scopes.push_back(SectorScope(Sector::kFunderendOnderwijs));
  }
  scopes.push_back(SectorScope(Sector::kNationaal));
  if (!per_employer_) return scopes;
  scopes.push_back(EmployerScope(employer));
  if (!roll_up_children_) return scopes;
  // A parent is registered before its child, so the chain ends; the bound
  // only guards against a state folded from invalid input.
  uint32_t ancestor = state_.ParentOf(employer, cut);
  for (size_t depth = 0;
       ancestor != kNoIndex && depth < state_.employer_count(); ++depth) {
    scopes.push_back(EmployerScope(ancestor));
    ancestor = state_.ParentOf(ancestor, cut);
  }
  return scopes;
}

FigureBuilder::Scopes FigureBuilder::MemoScopesOf(Sector sector,
                                                  uint32_t employer,
                                                  uint64_t cut) const {
  Scopes scopes = ScopesOf(sector, employer, cut);
  scopes.erase(
      std::find(scopes.begin(), scopes.end(), SectorScope(Sector::kNationaal)));
  return scopes;
}

void FigureBuilder::AddPerson(uint32_t person, uint64_t cut, int64_t sign,
                              FigureAccumulator* figures) {
  read_.Read(state_, person, cut);
  AddPerson(read_, sign, figures);
}

void FigureBuilder::AddPerson(const PersonAtCut& person, int64_t sign,
                              FigureAccumulator* figures) {
  counted_.clear();
  for (const PersonAtCut::Job& job : person.jobs()) {
    AddJob(person, job, sign, &counted_, figures);
  }
  MergeCounted(&counted_);
  for (const ScopedPeriod& merged : counted_) {
    AddCounted(merged, sign, figures);
  }
}

void FigureBuilder::MovePerson(const PersonAtCut& before,
                               const PersonAtCut& after,
                               FigureAccumulator* figures) {
  counted_.clear();
  counted_after_.clear();
  // The cut reaches a job's scopes only through the ancestors rolled up to.
  const bool same_registered =
      !roll_up_children_ &&
      std::equal(before.registered().begin(), before.registered().end(),
                 after.registered().begin(), after.registered().end());
  // One person: the same jobs, in the same order.
  for (size_t i = 0; i < before.jobs().size(); ++i) {
    const PersonAtCut::Job& was = before.jobs()[i];
    const PersonAtCut::Job& is = after.jobs()[i];
    if (same_registered && was.sectors.SameAs(is.sectors) &&
        was.memo_sectors.SameAs(is.memo_sectors)) {
      MoveJob(before, was, after, is, figures);
    } else {
      AddJob(before, was, -1, &counted_, figures);
      AddJob(after, is, +1, &counted_after_, figures);
    }
  }
  // The merged periods both cuts count alike cancel.
  MergeCounted(&counted_);
  MergeCounted(&counted_after_);
  WalkBothCuts(
      absl::MakeConstSpan(counted_), absl::MakeConstSpan(counted_after_),
      [](const ScopedPeriod& x, const ScopedPeriod& y) {
        return std::tie(x.scope, x.series, x.period.from, x.period.to) <
               std::tie(y.scope, y.series, y.period.from, y.period.to);
      },
      [](const ScopedPeriod&, const ScopedPeriod&) {},
      [&](const ScopedPeriod& x) { AddCounted(x, -1, figures); },
      [&](const ScopedPeriod& y) { AddCounted(y, +1, figures); });
}

void FigureBuilder::AddJob(const PersonAtCut& person,
                           const PersonAtCut::Job& job, int64_t sign,
                           std::vector<ScopedPeriod>* counted,
                           FigureAccumulator* figures) {
  if (job.record->employer == kNoIndex) return;
  for (const PersonAtCut::Segment& segment : person.segments(job)) {
    AddSegment(person, job, segment, sign, /*add_steps=*/true, counted,
               figures);
  }
  for (const PersonAtCut::Change& change : person.changes(job)) {
    AddChange(job, change, sign, person.cut(), figures);
  }
}

void FigureBuilder::MoveJob(const PersonAtCut& before,
                            const PersonAtCut::Job& was,
                            const PersonAtCut& after,
                            const PersonAtCut::Job& is,
                            FigureAccumulator* figures) {
  if (was.record->employer == kNoIndex) return;
  // A segment left out still counts its person.
  WalkBothCuts(
      before.segments(was), after.segments(is),
      [](const PersonAtCut::Segment& x, const PersonAtCut::Segment& y) {
        return x.period.from < y.period.from;
      },
      [&](const PersonAtCut::Segment& x, const PersonAtCut::Segment& y) {
        AddSegment(before, was, x, -1, /*add_steps=*/false, &counted_, figures);
        AddSegment(after, is, y, +1, /*add_steps=*/false, &counted_after_,
                   figures);
      },
      [&](const PersonAtCut::Segment& x) {
        AddSegment(before, was, x, -1, /*add_steps=*/true, &counted_, figures);
      },
      [&](const PersonAtCut::Segment& y) {
        AddSegment(after, is, y, +1, /*add_steps=*/true, &counted_after_,
                   figures);
      });
  WalkBothCuts(
      before.changes(was), after.changes(is),
      [](const PersonAtCut::Change& x, const PersonAtCut::Change& y) {
        return std::less<const JobEntry*>()(x.entry, y.entry);
      },
      [](const PersonAtCut::Change&, const PersonAtCut::Change&) {},
      [&](const PersonAtCut::Change& x) {
        AddChange(was, x, -1, before.cut(), figures);
      },
      [&](const PersonAtCut::Change& y) {
        AddChange(is, y, +1, after.cut(), figures);
      });
}

void FigureBuilder::AddChange(const PersonAtCut::Job& job,
                              const PersonAtCut::Change& change, int64_t sign,
                              uint64_t cut, FigureAccumulator* figures) {
  const JobEntry& entry = *change.entry;
  switch (entry.step) {
    case JobStep::kStart:
      AddFlow(job, entry.date, cut, figures,
              [sign](Flows& flows) { flows.started += sign; });
      break;
    case JobStep::kConvert:
      if (const std::optional<int> conversion =
              ConversionIndex(change.from, entry.form)) {
        AddFlow(job, entry.date, cut, figures,
                [&](Flows& flows) { flows.converted[*conversion] += sign; });
      }
      break;
    case JobStep::kEnd: {
      const auto reason = static_cast<size_t>(entry.reason);
      if (reason < kOutflowReasonCount) {
        AddFlow(job, entry.date, cut, figures,
                [&](Flows& flows) { flows.ended[reason] += sign; });
      }
      break;
    }
    case JobStep::kHours:
      break;
  }
}

template <typename Count>
void FigureBuilder::AddFlow(const PersonAtCut::Job& job, Date day, uint64_t cut,
                            FigureAccumulator* figures, Count count) {
  const Sector sector = job.sectors.On(day);
  if (sector == Sector::kUnspecified) return;
  const StepDay step_day(day);
  for (const ScopeId scope : ScopesOf(sector, job.record->employer, cut)) {
    if (Flows* flows = figures->MutableFlows(scope, step_day)) count(*flows);
  }
}

void FigureBuilder::AddSegment(const PersonAtCut& person,
                               const PersonAtCut::Job& job,
                               const PersonAtCut::Segment& segment,
                               int64_t sign, bool add_steps,
                               std::vector<ScopedPeriod>* counted,
                               FigureAccumulator* figures) {
  const std::optional<FormSeries> series = FormSeriesOf(segment.form);
  if (segment.period.from >= segment.period.to || !series.has_value()) return;
  const uint64_t cut = person.cut();
  const uint32_t employer = job.record->employer;
  const uint32_t commissioning = job.record->commissioning_employer;
  const int64_t hours = sign * segment.hours_x100;
  const auto add_hours = [&](const Scopes& scopes, FormSeries to,
                             const StepDay& start,
                             const std::optional<StepDay>& end) {
    for (const ScopeId scope : scopes) {
      figures->AddHoursStep(scope, to, start, hours);
      if (end) figures->AddHoursStep(scope, to, *end, -hours);
    }
  };
  const auto end_of = [](Date b) {
    return b == kEndOfTime ? std::nullopt : std::optional<StepDay>(b);
  };
  for (const Period& registered : person.registered()) {
    const Date from = std::max(segment.period.from, registered.from);
    const Date to = std::min(segment.period.to, registered.to);
    if (from >= to) continue;
    job.sectors.ForEachPeriod(from, to, [&](Date a, Date b, Sector sector) {
      const Scopes scopes = ScopesOf(sector, employer, cut);
      for (const ScopeId scope : scopes) {
        counted->push_back(
            ScopedPeriod{scope, CountSeries::kPersons, Period{a, b}});
        if (static_cast<int>(*series) < kContractFormSeriesCount) {
          counted->push_back(
              ScopedPeriod{scope, PersonsSeriesOf(*series), Period{a, b}});
        }
      }
      if (!add_steps) return;
      const StepDay start(a);
      const std::optional<StepDay> end = end_of(b);
      add_hours(scopes, *series, start, end);
      for (const ScopeId scope : scopes) {
        figures->AddCountStep(scope, CountSeries::kJobs, start, sign);
        if (end) figures->AddCountStep(scope, CountSeries::kJobs, *end, -sign);
      }
    });
    if (commissioning == kNoIndex || !add_steps) continue;
    job.memo_sectors.ForEachPeriod(
        from, to, [&](Date a, Date b, Sector sector) {
          add_hours(MemoScopesOf(sector, commissioning, cut), FormSeries::kSroi,
                    StepDay(a), end_of(b));
        });
  }
}

void FigureBuilder::MergeCounted(std::vector<ScopedPeriod>* counted) {
  std::sort(counted->begin(), counted->end(),
            [](const ScopedPeriod& x, const ScopedPeriod& y) {
              if (x.scope != y.scope) return x.scope < y.scope;
              if (x.series != y.series) return x.series < y.series;
              return x.period.from < y.period.from;
            });
  size_t merged = 0;
  for (size_t i = 0; i < counted->size();) {
    ScopedPeriod next = (*counted)[i++];
    while (i < counted->size() && (*counted)[i].scope == next.scope &&
           (*counted)[i].series == next.series &&
           (*counted)[i].period.from <= next.period.to) {
      next.period.to = std::max(next.period.to, (*counted)[i].period.to);
      ++i;
    }
    (*counted)[merged++] = next;
  }
  counted->resize(merged);
}

void FigureBuilder::AddCounted(const ScopedPeriod& merged, int64_t sign,
                               FigureAccumulator* figures) {
  figures->AddCountStep(merged.scope, merged.series,
                        StepDay(merged.period.from), sign);
  if (merged.period.to != kEndOfTime) {
    figures->AddCountStep(merged.scope, merged.series,
                          StepDay(merged.period.to), -sign);
  }
}

FigureAccumulator BuildFigures(const ProjectionState& state, uint64_t cut,
                               bool per_employer, Quarter first, Quarter last,
                               int threads, bool roll_up_children) {
  // The threads take blocks of persons in turn as they finish one: halves
  // fixed at the start left one thread busy twice as long as the other, the
  // persons registered early having more history to count. About eight
  // blocks a thread, of at most kMaxBlockPersons.
  constexpr size_t kMaxBlockPersons = 4096;
  constexpr size_t kJobsAhead = 8;
  constexpr size_t kEmployersAhead = 4;
  const size_t persons = state.person_count();
  const size_t parts =
      std::clamp<size_t>(threads, 1, std::max<size_t>(persons, 1));
  const size_t block_persons =
      std::clamp<size_t>(persons / (parts * 8), 1, kMaxBlockPersons);
  const size_t blocks = (persons + block_persons - 1) / block_persons;
  std::vector<FigureAccumulator> partial(parts, FigureAccumulator(first, last));
  std::atomic<size_t> next_block{0};
  const auto build = [&](size_t part) {
    FigureBuilder builder(state, per_employer, roll_up_children);
    for (size_t block = next_block++; block < blocks; block = next_block++) {
      const size_t end = std::min(persons, (block + 1) * block_persons);
      for (size_t person = block * block_persons; person < end; ++person) {
        // Each person's jobs are anywhere among the jobs: reading them one
        // after another waited on memory for each.
        if (person + kJobsAhead < end) {
          state.PrefetchJobsOf(static_cast<uint32_t>(person + kJobsAhead));
        }
        if (person + kEmployersAhead < end) {
          state.PrefetchEmployersOf(
              static_cast<uint32_t>(person + kEmployersAhead));
        }
        builder.AddPerson(static_cast<uint32_t>(person), cut, +1,
                          &partial[part]);
      }
    }
  };
  std::vector<std::thread> helpers;
  for (size_t part = 1; part < parts; ++part) helpers.emplace_back(build, part);
  build(0);
  for (std::thread& helper : helpers) helper.join();
  for (size_t part = 1; part < parts; ++part) partial[0].Add(partial[part]);
  return std::move(partial[0]);
}

}  // namespace banen
