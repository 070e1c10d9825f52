// The counting rules applied literally, day by day, over a ProjectionState
// at a cut: the reference the projections' arithmetic must equal
// (figures_test, quota_test).
#ifndef BANEN_TESTS_PROJECTIONS_DAY_BY_DAY_H_
#define BANEN_TESTS_PROJECTIONS_DAY_BY_DAY_H_

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "ledger/event.h"
#include "projections/figures.h"
#include "projections/projection_state.h"

namespace banen::test {

// What a job has on one day: nothing, or its form and hours.
struct DayState {
  bool active = false;
  ContractForm form = ContractForm::kUnspecified;
  int32_t hours_x100 = 0;
};

// The counting rules applied literally, day by day: the reference the step
// arithmetic must equal.
class DayByDay {
 public:
  DayByDay(const ProjectionState& state, uint64_t cut)
      : state_(state), cut_(cut) {}

  DayState JobOn(const JobRecord& job, Date day) const {
    DayState result;
    bool started = false;
    for (const JobEntry& entry : job.entries) {
      if (!state_.CutAt(cut_).Sees(entry) || entry.date > day) continue;
      switch (entry.step) {
        case JobStep::kStart:
          if (started) break;
          started = true;
          result = DayState{true, entry.form, entry.hours_x100};
          break;
        case JobStep::kHours:
          if (started) result.hours_x100 = entry.hours_x100;
          break;
        case JobStep::kConvert:
          if (!started) break;
          result.form = entry.form;
          if (entry.hours_x100 > 0) result.hours_x100 = entry.hours_x100;
          break;
        case JobStep::kEnd:
          if (started) result.active = false;
          break;
      }
    }
    return result;
  }

  bool RegisteredOn(const PersonRecord& person, Date day) const {
    bool registered = false;
    for (const RegisterEntry& entry : person.entries()) {
      if (state_.CutAt(cut_).Sees(entry) && entry.date() <= day) {
        registered = entry.registered;
      }
    }
    return registered;
  }

  // hours_x100 summed over [from, to] of `sector`'s counting jobs, per
  // series: each job by its form for its own employer's sector, and an SROI
  // job also as the memo of its commissioning employer's sector.
  std::array<int64_t, kFormSeriesCount> HourDays(Sector sector, Date from,
                                                 Date to) const {
    std::array<int64_t, kFormSeriesCount> sums{};
    for (Date day = from; day <= to; day.days++) {
      ForEachCounting(day, [&](const JobRecord& job, const DayState& s) {
        if (InScope(sector, job.employer, day)) {
          sums[OwnSeries(s.form)] += s.hours_x100;
        }
        if (job.commissioning_employer != kNoIndex &&
            sector != Sector::kNationaal &&
            InScope(sector, job.commissioning_employer, day)) {
          sums[static_cast<size_t>(FormSeries::kSroi)] += s.hours_x100;
        }
      });
    }
    return sums;
  }

  // Distinct persons with a counting job (of `form`, when given).
  int64_t PersonsOn(Sector sector, Date day,
                    std::optional<ContractForm> form = std::nullopt) const {
    std::set<uint32_t> persons;
    ForEachCounting(day, [&](const JobRecord& job, const DayState& s) {
      if (InScope(sector, job.employer, day) && (!form || s.form == *form)) {
        persons.insert(job.person);
      }
    });
    return persons.size();
  }

  // The peildatum hours and persons of `employer` and every employer below
  // it (parent_employer_id, as registered), on `day`.
  std::pair<int64_t, int64_t> RolledUpOn(uint32_t employer, Date day) const {
    int64_t hours = 0;
    std::set<uint32_t> persons;
    ForEachCounting(day, [&](const JobRecord& job, const DayState& s) {
      if (!InScope(Sector::kNationaal, job.employer, day) ||
          !Below(job.employer, employer)) {
        return;
      }
      hours += s.hours_x100;
      persons.insert(job.person);
    });
    return {hours, static_cast<int64_t>(persons.size())};
  }

 private:
  // The series of FormSeries, written out: form SROI (earlier versions) is
  // the realisation's "form unknown", never the memo.
  static size_t OwnSeries(ContractForm form) {
    switch (form) {
      case ContractForm::kVast:
        return 0;
      case ContractForm::kTijdelijk:
        return 1;
      case ContractForm::kInleenUitzend:
        return 2;
      case ContractForm::kInleenDetachering:
        return 3;
      default:
        return 5;
    }
  }

  bool InScope(Sector sector, uint32_t employer, Date day) const {
    if (employer == kNoIndex) return false;
    const Sector on = state_.SectorsOf(employer, cut_).On(day);
    return on == sector ||
           (sector == Sector::kNationaal && on != Sector::kUnspecified) ||
           (sector == Sector::kOverheid && IsGovernmentSector(on)) ||
           (sector == Sector::kFunderendOnderwijs &&
            (on == Sector::kPrimairOnderwijs ||
             on == Sector::kVoortgezetOnderwijs));
  }

  // Walks the parent ids by name, apart from ProjectionState::ParentOf.
  bool Below(uint32_t employer, uint32_t ancestor) const {
    std::string id = state_.employer(employer).employer_id;
    const std::string& wanted = state_.employer(ancestor).employer_id;
    while (!id.empty()) {
      if (id == wanted) return true;
      id = ParentIdOf(id);
    }
    return false;
  }
  std::string ParentIdOf(const std::string& id) const {
    for (uint32_t e = 0; e < state_.employer_count(); ++e) {
      if (state_.employer(e).employer_id == id) {
        return state_.employer(e).parent_employer_id;
      }
    }
    return "";
  }

  template <typename Visit>
  void ForEachCounting(Date day, Visit visit) const {
    for (uint32_t p = 0; p < state_.person_count(); ++p) {
      const PersonRecord& person = state_.person(p);
      if (!RegisteredOn(person, day)) continue;
      for (uint32_t j : person.jobs()) {
        const JobRecord& job = state_.job(j);
        const DayState s = JobOn(job, day);
        if (s.active) visit(job, s);
      }
    }
  }

  const ProjectionState& state_;
  const uint64_t cut_;
};

}  // namespace banen::test

#endif  // BANEN_TESTS_PROJECTIONS_DAY_BY_DAY_H_
