// Exact per-(scope, quarter) figures and how one person's timelines add to
// them.
//
// Every counting period adds a step ("+h from day a, -h from day b") to a
// series of its scope. FigureAccumulator keeps, per quarter, the sum of the
// steps dated in it and their day-weighted partial sums; a quarter's stock,
// day sum and last-month day sum then follow from a prefix over quarters. A
// step costs O(1) whatever the job's length, so a backdated event only
// rewrites the steps of the person it touches, and figures are exact
// integers (hours_x100, hours_x100 x days) until a row rounds them.
//
// Thread safety: plain values (concurrent reads of one object, anything on
// distinct objects), also when copies share storage: a FigureAccumulator
// copies in O(scopes x slots / kSlotsPerBlock) by sharing its blocks of
// slots, and a write copies the block it lands in if another copy holds it.
#ifndef BANEN_PROJECTIONS_FIGURES_H_
#define BANEN_PROJECTIONS_FIGURES_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "ledger/event.h"
#include "projections/person_at_cut.h"
#include "projections/projection_state.h"
#include "projections/quarter.h"

namespace banen {

// The counting rules the figures follow. A checkpoint or snapshot records
// the version it was computed under; records without one are version 1.
//  1: an SROI job (form SROI) counted only as the memo of its commissioning
//     employer's sector, never in any realisation.
//  2: an SROI job is an ordinary job of its employer (the supplier), counted
//     there by its form, and also the memo of the commissioning employer's
//     sector (DOMAIN.md §5). Jobs stored with form SROI count for their
//     employer as kSroiFormUnknown.
inline constexpr int32_t kCountingRulesVersion = 2;

// The hours series of a scope. New series go at the end: stored rows hold
// them in this order.
enum class FormSeries : uint8_t {
  kVast = 0,
  kTijdelijk,
  kInleenUitzend,
  kInleenDetachering,
  // Memo: SROI jobs commissioned by an employer of the scope, whatever
  // employer they count for. Never part of the realisation.
  kSroi,
  // SROI jobs stored with form SROI (earlier versions): part of their own
  // employer's realisation, with no contract form to put them under.
  kSroiFormUnknown,
};
inline constexpr int kFormSeriesCount = 6;
// All series but the memo kSroi.
inline constexpr bool IsRealisationSeries(int series) {
  return series != static_cast<int>(FormSeries::kSroi);
}
// kVast..kInleenDetachering: the series of the four contract forms, the ones
// that also count persons per form.
inline constexpr int kContractFormSeriesCount = 4;
// The series a job of `form` counts in for its own employer.
std::optional<FormSeries> FormSeriesOf(ContractForm form);

// The allowed conversions (DOMAIN.md §4), indexing Flows::converted.
inline constexpr int kConversionCount = 5;
inline constexpr std::array<std::pair<ContractForm, ContractForm>,
                            kConversionCount>
    kConversions = {{
        {ContractForm::kInleenUitzend, ContractForm::kVast},
        {ContractForm::kInleenUitzend, ContractForm::kTijdelijk},
        {ContractForm::kInleenDetachering, ContractForm::kVast},
        {ContractForm::kInleenDetachering, ContractForm::kTijdelijk},
        {ContractForm::kTijdelijk, ContractForm::kVast},
    }};
std::optional<int> ConversionIndex(ContractForm from, ContractForm to);

// Jobs started, ended and converted on days of a quarter, for the employer's
// sector on that day (an SROI job's flows are its supplier's). The register
// rule does not apply: a flow is an employment change, whether or not the
// person counts on that day.
struct Flows {
  int64_t started = 0;
  std::array<int64_t, kOutflowReasonCount> ended{};   // by OutflowReason
  std::array<int64_t, kConversionCount> converted{};  // by kConversions
  void Add(const Flows& other, int64_t sign);
  bool operator==(const Flows&) const = default;
};

// The exact figures of one scope in one quarter, in hours_x100 (x days).
struct QuarterFigures {
  // On the quarter's last day.
  std::array<int64_t, kFormSeriesCount> peildatum_hours{};
  // Summed over every day of the quarter / of its last month.
  std::array<int64_t, kFormSeriesCount> quarter_hour_days{};
  std::array<int64_t, kFormSeriesCount> last_month_hour_days{};
  int64_t persons = 0;  // distinct, with a counting job on the last day
  int64_t jobs = 0;     // counting jobs on the last day
  // Distinct persons with a counting job of each form on the last day (by
  // FormSeries): a person with two forms counts in both.
  std::array<int64_t, kContractFormSeriesCount> persons_by_form{};
  Flows flows;
  bool operator==(const QuarterFigures&) const = default;
};

// Scopes: a sector or aggregate (its Sector value), or one employer.
using ScopeId = uint32_t;
inline constexpr ScopeId SectorScope(Sector sector) {
  return static_cast<ScopeId>(sector);
}
inline constexpr ScopeId EmployerScope(uint32_t employer) {
  return kSectorCount + employer;
}
inline constexpr bool IsEmployerScope(ScopeId scope) {
  return scope >= static_cast<ScopeId>(kSectorCount);
}

// kPersons counts each person once; kPersonsVast.. once per form.
enum class CountSeries : uint8_t {
  kPersons = 0,
  kJobs = 1,
  kPersonsVast = 2,
  kPersonsTijdelijk,
  kPersonsInleenUitzend,
  kPersonsInleenDetachering,
};
inline constexpr int kCountSeriesCount = 6;
// The persons series of a contract form (`form` < kContractFormSeriesCount).
inline constexpr CountSeries PersonsSeriesOf(FormSeries form) {
  return static_cast<CountSeries>(static_cast<int>(CountSeries::kPersonsVast) +
                                  static_cast<int>(form));
}

// What the steps dated in one quarter add up to; the encoding unit of
// checkpoints (see checkpoint.h).
struct QuarterSteps {
  std::array<int64_t, kFormSeriesCount> hours_step{};
  // Steps dated before the last month: they cover all of it.
  std::array<int64_t, kFormSeriesCount> hours_step_before_last_month{};
  // Sum of step x (days from the step to the quarter's end, inclusive).
  std::array<int64_t, kFormSeriesCount> quarter_partial{};
  std::array<int64_t, kFormSeriesCount> last_month_partial{};
  std::array<int64_t, kCountSeriesCount> count_step{};
  Flows flows;
  void Add(const QuarterSteps& other);
  bool operator==(const QuarterSteps&) const = default;
};

// Where a step's day falls: computed once for all the scopes it goes to.
struct StepDay {
  explicit StepDay(Date day);
  int32_t quarter_index;
  int32_t days_to_quarter_end;  // inclusive of the day itself
  bool before_last_month;
};

class FigureAccumulator {
 public:
  // Keeps the quarters [first, last]. Steps before `first` only carry their
  // stock into it; later ones are dropped.
  FigureAccumulator(Quarter first, Quarter last);
  // Every quarter a valid ledger can name.
  FigureAccumulator();

  void AddHoursStep(ScopeId scope, FormSeries series, const StepDay& day,
                    int64_t delta);
  void AddCountStep(ScopeId scope, CountSeries series, const StepDay& day,
                    int64_t delta);
  // nullptr when `day` is outside the kept quarters.
  Flows* MutableFlows(ScopeId scope, const StepDay& day);

  // Adds every step of `other`, which keeps the same quarters.
  void Add(const FigureAccumulator& other);

  // Figures of `scope` for each quarter of [from, to] (within the kept ones).
  std::vector<QuarterFigures> Figures(ScopeId scope, Quarter from,
                                      Quarter to) const;

  Quarter first() const { return first_; }
  Quarter last() const { return last_; }
  // Scopes that received any step, ascending.
  std::vector<ScopeId> Scopes() const;

  // Raw access for checkpoints. Slot 0 holds the steps before `first`, slot
  // i >= 1 the steps of quarter first + i - 1; a scope has SlotCount(scope)
  // slots (0 when it received no step).
  size_t SlotCount(ScopeId scope) const;
  // Zero steps for a slot never written; `slot` < SlotCount(scope).
  const QuarterSteps& SlotAt(ScopeId scope, size_t slot) const;
  // Grows the scope's slot count to at least slot + 1.
  QuarterSteps& MutableSlot(ScopeId scope, size_t slot) {
    // Inline, the common case: a slot of a block this copy holds alone (the
    // projection's tail writes some ten slots for every person it moves).
    if (scope < slots_.size()) {
      ScopeSlots& slots = slots_[scope];
      if (slot < slots.count) {
        std::shared_ptr<Block>& block = slots.blocks[slot / kSlotsPerBlock];
        if (block != nullptr && block.use_count() == 1) {
          // As in GrowOrCopySlot.
          std::atomic_thread_fence(std::memory_order_acquire);
          return (*block)[slot % kSlotsPerBlock];
        }
      }
    }
    return GrowOrCopySlot(scope, slot);
  }

  // Same figures, whatever slots were allocated.
  friend bool operator==(const FigureAccumulator& a,
                         const FigureAccumulator& b);

 private:
  // The projector publishes a copy of its figures after every fold, which
  // writes to a few quarters of each sector: copying only the blocks written
  // keeps that O(blocks written). Two slots (~700 bytes) per block keep a
  // block in malloc's small bins.
  static constexpr size_t kSlotsPerBlock = 2;
  using Block = std::array<QuarterSteps, kSlotsPerBlock>;
  struct ScopeSlots {
    size_t count = 0;
    // nullptr: a block never written (all zero).
    std::vector<std::shared_ptr<Block>> blocks;
  };

  // nullptr when `index` (a Quarter::Index) is after `last_`.
  QuarterSteps* Slot(ScopeId scope, int32_t quarter_index);
  // MutableSlot where the scope or its slots grow, or the block is shared.
  QuarterSteps& GrowOrCopySlot(ScopeId scope, size_t slot);

  Quarter first_;
  Quarter last_;
  std::vector<ScopeSlots> slots_;  // by scope
};

// Adds (sign = +1) or removes (sign = -1) one person's figures as seen at a
// cut. Reuses scratch buffers between calls.
class FigureBuilder {
 public:
  // `per_employer`: also add to each employer's own scope (drill-down);
  // with `roll_up_children` to the scope of each of its ancestors as well, so
  // an employer's scope holds it and its children (parent_employer_id).
  FigureBuilder(const ProjectionState& state, bool per_employer,
                bool roll_up_children = false);

  void AddPerson(uint32_t person, uint64_t cut, int64_t sign,
                 FigureAccumulator* figures);
  // The same for a person read at its cut (of this builder's state).
  void AddPerson(const PersonAtCut& person, int64_t sign,
                 FigureAccumulator* figures);
  // AddPerson(before, -1) then AddPerson(after, +1), for `before` and
  // `after` one person read at two cuts, without the steps the two would add
  // alike: a step of a segment, a change or a counted period that both cuts
  // show the same, on a job whose person's register periods and whose
  // employers' sectors both show the same, is the same step with the other
  // sign, so the pair is left out. (Most of a person the tail moves is
  // unchanged: its other jobs, the segments before the day an event
  // changes.)
  void MovePerson(const PersonAtCut& before, const PersonAtCut& after,
                  FigureAccumulator* figures);

 private:
  using Period = DatePeriod;
  struct ScopedPeriod {
    ScopeId scope;
    CountSeries series;  // kPersons or a per-form persons series
    Period period;
    bool operator==(const ScopedPeriod&) const = default;
  };
  // Sector, OVERHEID, FUNDEREND_ONDERWIJS, NATIONAAL, employer, ancestors.
  using Scopes = absl::InlinedVector<ScopeId, 6>;
  Scopes ScopesOf(Sector sector, uint32_t employer, uint64_t cut) const;
  // Where an SROI job is a memo figure: the scopes of the commissioning
  // employer but NATIONAAL, which counts the job once, at its supplier.
  Scopes MemoScopesOf(Sector sector, uint32_t employer, uint64_t cut) const;
  // Adds the job's steps and its counted periods to `counted`.
  void AddJob(const PersonAtCut& person, const PersonAtCut::Job& job,
              int64_t sign, std::vector<ScopedPeriod>* counted,
              FigureAccumulator* figures);
  // MovePerson's part of one job whose inputs but its own timeline are the
  // same at both cuts.
  void MoveJob(const PersonAtCut& before, const PersonAtCut::Job& was,
               const PersonAtCut& after, const PersonAtCut::Job& is,
               FigureAccumulator* figures);
  // Adds the segment's counted periods to `counted`, and with `add_steps`
  // its hours and jobs steps.
  void AddSegment(const PersonAtCut& person, const PersonAtCut::Job& job,
                  const PersonAtCut::Segment& segment, int64_t sign,
                  bool add_steps, std::vector<ScopedPeriod>* counted,
                  FigureAccumulator* figures);
  // The flow of one change (a start, a conversion, an end).
  void AddChange(const PersonAtCut::Job& job, const PersonAtCut::Change& change,
                 int64_t sign, uint64_t cut, FigureAccumulator* figures);
  // Calls count(flows) for the flows of each scope of `job` on `day`.
  template <typename Count>
  void AddFlow(const PersonAtCut::Job& job, Date day, uint64_t cut,
               FigureAccumulator* figures, Count count);
  // Sorts the counted periods and merges those of a scope and series that
  // overlap or touch: a person counts once on each day of each.
  static void MergeCounted(std::vector<ScopedPeriod>* counted);
  void AddCounted(const ScopedPeriod& merged, int64_t sign,
                  FigureAccumulator* figures);

  const ProjectionState& state_;
  const bool per_employer_;
  const bool roll_up_children_;
  PersonAtCut read_;  // for AddPerson(uint32_t, ...)
  // Counted periods for distinct persons: AddPerson's, MovePerson's before.
  std::vector<ScopedPeriod> counted_;
  std::vector<ScopedPeriod> counted_after_;  // MovePerson's after
};

// Figures of every scope as seen at `cut`, by a pass over all persons, split
// over `threads` threads.
FigureAccumulator BuildFigures(const ProjectionState& state, uint64_t cut,
                               bool per_employer, Quarter first, Quarter last,
                               int threads = 1, bool roll_up_children = false);

}  // namespace banen

#endif  // BANEN_PROJECTIONS_FIGURES_H_
