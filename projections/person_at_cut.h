// One person's timelines as seen at a cut, read once for every sum kept by
// person: the realisation figures (FigureBuilder), the hour-days (YearHours)
// and the register counts (RegisterSteps). The projector's tail moves each
// person it touches from one cut to the next in all three; reading the
// register periods and walking the jobs (WalkJobTimeline) once per cut
// instead of once per sum is the point.
#ifndef BANEN_PROJECTIONS_PERSON_AT_CUT_H_
#define BANEN_PROJECTIONS_PERSON_AT_CUT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "ledger/event.h"
#include "projections/projection_state.h"

namespace banen {

class PersonAtCut {
 public:
  // A period of constant form and hours (WalkJobTimeline's on_segment).
  struct Segment {
    DatePeriod period;
    ContractForm form;
    int32_t hours_x100;
    bool operator==(const Segment&) const = default;
  };
  // The start, a conversion or the end (WalkJobTimeline's on_change), with
  // the form the job had before it.
  struct Change {
    const JobEntry* entry;
    ContractForm from;
    bool operator==(const Change&) const = default;
  };
  struct Job {
    const JobRecord* record;
    // Its employer's sectors, and an SROI job's commissioning employer's
    // (empty timelines for kNoIndex).
    SectorTimeline sectors;
    SectorTimeline memo_sectors;
    // [start, end); {kEndOfTime, kEndOfTime} when it has not started.
    DatePeriod active;
    // Into the person's segments and changes.
    uint32_t segments_begin;
    uint32_t segments_end;
    uint32_t changes_begin;
    uint32_t changes_end;
  };

  // Replaces what this holds by `person` of `state` at `cut`, keeping the
  // buffers. The view is valid while `state` is unchanged.
  void Read(const ProjectionState& state, uint32_t person, uint64_t cut);

  const ProjectionState& state() const { return *state_; }
  uint64_t cut() const { return cut_; }
  // The entries that change whether the person is registered
  // (ForEachRegisterChange), in order.
  absl::Span<const RegisterEntry* const> register_changes() const {
    return register_changes_;
  }
  // The register periods (RegisteredPeriods), in date order.
  absl::Span<const DatePeriod> registered() const { return registered_; }
  // In the order of PersonRecord::jobs.
  absl::Span<const Job> jobs() const { return jobs_; }
  // In timeline order.
  absl::Span<const Segment> segments(const Job& job) const {
    return absl::MakeConstSpan(segments_).subspan(
        job.segments_begin, job.segments_end - job.segments_begin);
  }
  absl::Span<const Change> changes(const Job& job) const {
    return absl::MakeConstSpan(changes_).subspan(
        job.changes_begin, job.changes_end - job.changes_begin);
  }

 private:
  const ProjectionState* state_ = nullptr;
  uint64_t cut_ = 0;
  std::vector<const RegisterEntry*> register_changes_;
  std::vector<DatePeriod> registered_;
  std::vector<Job> jobs_;
  std::vector<Segment> segments_;
  std::vector<Change> changes_;
};

// Walks what one person shows at two cuts (segments, changes, periods),
// each list in `order`, pairing equal elements: calls same(x, y) for each
// pair found, only_before(x) and only_after(y) for the others. A sum moving
// the person between the cuts adds the same for both elements of a pair
// (with opposite signs), so it may leave the pair out; any pairing is as
// exact as another, and walking in order finds the pairs a cut's changes
// leave in place.
template <typename T, typename Order, typename Same, typename OnlyBefore,
          typename OnlyAfter>
void WalkBothCuts(absl::Span<const T> before, absl::Span<const T> after,
                  Order order, Same same, OnlyBefore only_before,
                  OnlyAfter only_after) {
  size_t i = 0;
  size_t j = 0;
  while (i < before.size() || j < after.size()) {
    if (i < before.size() && j < after.size() && before[i] == after[j]) {
      same(before[i], after[j]);
      ++i;
      ++j;
    } else if (j == after.size() ||
               (i < before.size() && !order(after[j], before[i]))) {
      only_before(before[i++]);
    } else {
      only_after(after[j++]);
    }
  }
}

}  // namespace banen

#endif  // BANEN_PROJECTIONS_PERSON_AT_CUT_H_
