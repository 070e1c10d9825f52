#include "projections/figures.h"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "projections/realisation.h"
#include "tests/projections/projection_test_util.h"
#include "tests/projections/random_history.h"

namespace banen {
namespace {

using test::RandomHistory;
using test::StoredHistory;

constexpr Quarter kFirst{2019, 1};
constexpr Quarter kLast{2027, 4};

StoredHistory RandomStoredHistory(uint32_t seed, int events) {
  StoredHistory history;
  RandomHistory random(seed);
  for (int i = 0; i < events; ++i) {
    random.Accepted(history.Record(random.Propose()));
  }
  return history;
}

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
      if (!entry.validity.VisibleAt(cut_) || entry.date > day) continue;
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
    for (const RegisterEntry& entry : person.entries) {
      if (entry.validity.VisibleAt(cut_) && entry.date <= day) {
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
      for (uint32_t j : person.jobs) {
        const JobRecord& job = state_.job(j);
        const DayState s = JobOn(job, day);
        if (s.active) visit(job, s);
      }
    }
  }

  const ProjectionState& state_;
  const uint64_t cut_;
};

constexpr std::array<ContractForm, kContractFormSeriesCount> kContractForms = {
    ContractForm::kVast, ContractForm::kTijdelijk, ContractForm::kInleenUitzend,
    ContractForm::kInleenDetachering};

class RandomHistoryTest : public testing::TestWithParam<uint32_t> {};

TEST_P(RandomHistoryTest, StepFiguresEqualDayByDayCounting) {
  const StoredHistory history = RandomStoredHistory(GetParam(), 150);
  const ProjectionState state = history.Fold();
  int64_t counted_quarters = 0;  // guards against a vacuous comparison
  for (uint64_t cut : {state.last_seq() / 2, state.last_seq()}) {
    const FigureAccumulator figures =
        BuildFigures(state, cut, /*per_employer=*/false, kFirst, kLast);
    const DayByDay reference(state, cut);
    for (Sector sector : {Sector::kMarkt, Sector::kGemeenten, Sector::kRijk,
                          Sector::kPrimairOnderwijs, Sector::kOverheid,
                          Sector::kNationaal, Sector::kFunderendOnderwijs}) {
      const std::vector<QuarterFigures> quarters =
          figures.Figures(SectorScope(sector), kFirst, kLast);
      for (int32_t i = 0; i < static_cast<int32_t>(quarters.size()); ++i) {
        const Quarter q = Quarter::FromIndex(kFirst.Index() + i);
        SCOPED_TRACE(std::string(SectorName(sector)) + " " + FormatQuarter(q) +
                     " cut " + std::to_string(cut));
        EXPECT_EQ(quarters[i].peildatum_hours,
                  reference.HourDays(sector, q.LastDay(), q.LastDay()));
        EXPECT_EQ(quarters[i].quarter_hour_days,
                  reference.HourDays(sector, q.FirstDay(), q.LastDay()));
        EXPECT_EQ(
            quarters[i].last_month_hour_days,
            reference.HourDays(sector, q.LastMonthFirstDay(), q.LastDay()));
        EXPECT_EQ(quarters[i].persons,
                  reference.PersonsOn(sector, q.LastDay()));
        for (int f = 0; f < kContractFormSeriesCount; ++f) {
          const ContractForm form = kContractForms[f];
          EXPECT_EQ(quarters[i].persons_by_form[f],
                    reference.PersonsOn(sector, q.LastDay(), form))
              << ContractFormName(form);
        }
        if (quarters[i].persons > 0) ++counted_quarters;
      }
    }
  }
  EXPECT_GT(counted_quarters, 10);
}

// emp-2 has two children and a grandchild (random_history.h): its rolled-up
// figures, and each child's, equal the day-by-day count over the subtree.
TEST_P(RandomHistoryTest, RolledUpEmployerFiguresEqualDayByDayCounting) {
  const StoredHistory history = RandomStoredHistory(GetParam(), 150);
  const ProjectionState state = history.Fold();
  const uint64_t cut = state.last_seq();
  const FigureAccumulator figures =
      BuildFigures(state, cut, /*per_employer=*/true, kFirst, kLast,
                   /*threads=*/1, /*roll_up_children=*/true);
  const DayByDay reference(state, cut);
  int64_t counted_quarters = 0;
  for (uint32_t employer = 0; employer < state.employer_count(); ++employer) {
    const std::vector<QuarterFigures> quarters =
        figures.Figures(EmployerScope(employer), kFirst, kLast);
    for (int32_t i = 0; i < static_cast<int32_t>(quarters.size()); ++i) {
      const Quarter q = Quarter::FromIndex(kFirst.Index() + i);
      SCOPED_TRACE(state.employer(employer).employer_id + " " +
                   FormatQuarter(q));
      const auto [hours, persons] = reference.RolledUpOn(employer, q.LastDay());
      int64_t projected_hours = 0;
      for (int s = 0; s < kFormSeriesCount; ++s) {
        if (IsRealisationSeries(s)) {
          projected_hours += quarters[i].peildatum_hours[s];
        }
      }
      EXPECT_EQ(projected_hours, hours);
      EXPECT_EQ(quarters[i].persons, persons);
      if (employer == 2 && persons > 0) ++counted_quarters;
    }
  }
  EXPECT_GT(counted_quarters, 0);
}

// Folding event by event and replacing the touched persons' figures gives
// the figures of one pass over the final state.
TEST_P(RandomHistoryTest, IncrementalFiguresEqualRebuild) {
  const StoredHistory history = RandomStoredHistory(GetParam(), 400);
  ProjectionState state;
  FigureAccumulator incremental;
  for (const StoredEvent& event : history.events()) {
    const uint64_t before = state.last_seq();
    state.Apply(event);
    FigureBuilder builder(state, /*per_employer=*/true);
    for (uint32_t person : state.PersonsTouched(before, state.last_seq())) {
      builder.AddPerson(person, before, -1, &incremental);
      builder.AddPerson(person, state.last_seq(), +1, &incremental);
    }
  }
  const FigureAccumulator rebuilt =
      BuildFigures(state, state.last_seq(), /*per_employer=*/true,
                   FigureAccumulator().first(), FigureAccumulator().last());
  EXPECT_TRUE(incremental == rebuilt);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomHistoryTest, testing::Range(1u, 9u));

// Guards the comparisons above against being vacuous for the new figures:
// over the seeds, FUNDEREND_ONDERWIJS and every form have persons.
TEST(RandomHistoryCoverageTest, SeedsReachFunderendOnderwijsAndEveryForm) {
  int64_t funderend_quarters = 0;
  std::array<int64_t, kContractFormSeriesCount> form_quarters{};
  for (uint32_t seed = 1; seed < 9; ++seed) {
    const ProjectionState state = RandomStoredHistory(seed, 150).Fold();
    const FigureAccumulator figures = BuildFigures(
        state, state.last_seq(), /*per_employer=*/false, kFirst, kLast);
    for (const QuarterFigures& quarter : figures.Figures(
             SectorScope(Sector::kFunderendOnderwijs), kFirst, kLast)) {
      if (quarter.persons > 0) ++funderend_quarters;
    }
    for (const QuarterFigures& quarter :
         figures.Figures(SectorScope(Sector::kNationaal), kFirst, kLast)) {
      for (int f = 0; f < kContractFormSeriesCount; ++f) {
        if (quarter.persons_by_form[f] > 0) ++form_quarters[f];
      }
    }
  }
  EXPECT_GT(funderend_quarters, 10);
  for (int f = 0; f < kContractFormSeriesCount; ++f) {
    EXPECT_GT(form_quarters[f], 10) << ContractFormName(kContractForms[f]);
  }
}

TEST(FigureAccumulatorTest, StepsBeforeTheWindowCarryOnlyTheirStock) {
  FigureAccumulator figures(Quarter{2024, 4}, Quarter{2024, 4});
  figures.AddHoursStep(SectorScope(Sector::kRijk), FormSeries::kVast,
                       StepDay(test::D("2020-05-01")), 2550);
  const QuarterFigures q4 = figures.Figures(
      SectorScope(Sector::kRijk), Quarter{2024, 4}, Quarter{2024, 4})[0];
  EXPECT_EQ(q4.peildatum_hours[0], 2550);
  EXPECT_EQ(q4.quarter_hour_days[0], 92 * 2550);
  EXPECT_EQ(q4.last_month_hour_days[0], 31 * 2550);
}

TEST(FigureAccumulatorTest, DropsStepsAfterTheWindow) {
  FigureAccumulator figures(Quarter{2024, 4}, Quarter{2024, 4});
  figures.AddHoursStep(SectorScope(Sector::kRijk), FormSeries::kVast,
                       StepDay(test::D("2025-01-01")), 2550);
  EXPECT_TRUE(figures == FigureAccumulator(Quarter{2024, 4}, Quarter{2024, 4}));
}

}  // namespace
}  // namespace banen
