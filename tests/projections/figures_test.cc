#include "projections/figures.h"

#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "projections/realisation.h"
#include "tests/projections/day_by_day.h"
#include "tests/projections/projection_test_util.h"
#include "tests/projections/random_history.h"

namespace banen {
namespace {

using test::DayByDay;
using test::DayState;
using test::Q;
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

// MovePerson leaves out the steps both cuts show alike: moving the persons
// touched between two cuts (forward and back, as as_of views do) from the
// figures of the one gives the figures of one pass at the other, for the
// sectors, employers and rolled-up employers.
TEST_P(RandomHistoryTest, MovingPersonsBetweenCutsEqualsARebuild) {
  const StoredHistory history = RandomStoredHistory(GetParam(), 300);
  const ProjectionState state = history.Fold();
  std::mt19937 pick(GetParam());
  for (int round = 0; round < 12; ++round) {
    const uint64_t from = pick() % (state.last_seq() + 1);
    const uint64_t to = pick() % (state.last_seq() + 1);
    const bool per_employer = round % 3 != 0;
    const bool roll_up = round % 3 == 2;
    SCOPED_TRACE("from " + std::to_string(from) + " to " + std::to_string(to) +
                 " per_employer " + std::to_string(per_employer) + " roll_up " +
                 std::to_string(roll_up));
    const FigureAccumulator all;
    FigureAccumulator moved = BuildFigures(state, from, per_employer,
                                           all.first(), all.last(), 1, roll_up);
    FigureBuilder builder(state, per_employer, roll_up);
    PersonAtCut before;
    PersonAtCut after;
    for (uint32_t person :
         state.PersonsTouched(std::min(from, to), std::max(from, to))) {
      before.Read(state, person, from);
      after.Read(state, person, to);
      builder.MovePerson(before, after, &moved);
    }
    EXPECT_TRUE(moved == BuildFigures(state, to, per_employer, all.first(),
                                      all.last(), 1, roll_up));
  }
}

// The threads take blocks of persons as they come: the sums are the same
// whichever thread counted a person.
TEST_P(RandomHistoryTest, FiguresOnThreeThreadsEqualOneThread) {
  const ProjectionState state = RandomStoredHistory(GetParam(), 150).Fold();
  for (bool per_employer : {false, true}) {
    SCOPED_TRACE(per_employer ? "per employer" : "sectors");
    const FigureAccumulator one =
        BuildFigures(state, state.last_seq(), per_employer, kFirst, kLast,
                     /*threads=*/1, /*roll_up_children=*/per_employer);
    const FigureAccumulator three =
        BuildFigures(state, state.last_seq(), per_employer, kFirst, kLast,
                     /*threads=*/3, /*roll_up_children=*/per_employer);
    EXPECT_TRUE(three == one);
    EXPECT_FALSE(three == FigureAccumulator(kFirst, kLast));
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomHistoryTest, testing::Range(1u, 9u));

// One job, 30 hours from 2024-01-01, changed to 20 from 2024-08-01 (seq 4),
// then its employer reclassified to RIJK from 2024-10-01 (seq 5).
class MovePersonTest : public testing::Test {
 protected:
  void SetUp() override {
    history_.Record(test::EmployerRegisteredEvent("e1", "2024-01-01", "emp-1",
                                                  Sector::kGemeenten));
    history_.Record(test::PersonRegisteredEvent("e2", "2024-01-01", "p-1"));
    history_.Record(test::JobStartedEvent("e3", "2024-01-01", "job-1", "emp-1",
                                          "p-1", ContractForm::kVast, 3000));
    history_.Record(test::HoursChangedEvent("e4", "2024-08-01", "job-1", 2000));
    history_.Record(test::EmployerReclassifiedEvent("e5", "2024-10-01", "emp-1",
                                                    Sector::kRijk));
    state_ = history_.Fold();
  }

  // The figures at `from` with the person moved to `to`.
  FigureAccumulator Moved(uint64_t from, uint64_t to) const {
    FigureAccumulator figures =
        BuildFigures(state_, from, false, kFirst, kLast);
    FigureBuilder builder(state_, /*per_employer=*/false);
    PersonAtCut before;
    PersonAtCut after;
    before.Read(state_, 0, from);
    after.Read(state_, 0, to);
    builder.MovePerson(before, after, &figures);
    return figures;
  }

  StoredHistory history_;
  ProjectionState state_;
};

// The segment before the change is the same at both cuts and left out; the
// figures still count it, and the new hours from August on.
TEST_F(MovePersonTest, AnHoursChangeMovesOnlyTheHoursFromItsDay) {
  const FigureAccumulator moved = Moved(3, 4);
  const std::vector<QuarterFigures> gemeenten =
      moved.Figures(SectorScope(Sector::kGemeenten), Q("2024Q2"), Q("2024Q3"));
  EXPECT_EQ(gemeenten[0].peildatum_hours[0], 3000);
  EXPECT_EQ(gemeenten[0].persons, 1);
  EXPECT_EQ(gemeenten[0].jobs, 1);
  EXPECT_EQ(gemeenten[0].flows, Flows{});
  EXPECT_EQ(gemeenten[1].peildatum_hours[0], 2000);
  EXPECT_EQ(gemeenten[1].quarter_hour_days[0], 31 * 3000 + 61 * 2000);
  EXPECT_EQ(gemeenten[1].persons, 1);
  EXPECT_EQ(gemeenten[1].persons_by_form[0], 1);
  EXPECT_EQ(gemeenten[1].jobs, 1);
  EXPECT_TRUE(moved == BuildFigures(state_, 4, false, kFirst, kLast));
}

// The employer's sectors differ between the cuts: the job moves whole, and
// back again.
TEST_F(MovePersonTest, AReclassificationMovesTheJobFromItsDay) {
  const FigureAccumulator moved = Moved(4, 5);
  const std::vector<QuarterFigures> gemeenten =
      moved.Figures(SectorScope(Sector::kGemeenten), Q("2024Q3"), Q("2024Q4"));
  const std::vector<QuarterFigures> rijk =
      moved.Figures(SectorScope(Sector::kRijk), Q("2024Q3"), Q("2024Q4"));
  EXPECT_EQ(gemeenten[0].peildatum_hours[0], 2000);
  EXPECT_EQ(gemeenten[1].peildatum_hours[0], 0);
  EXPECT_EQ(gemeenten[1].persons, 0);
  EXPECT_EQ(rijk[0].peildatum_hours[0], 0);
  EXPECT_EQ(rijk[1].peildatum_hours[0], 2000);
  EXPECT_EQ(rijk[1].quarter_hour_days[0], 92 * 2000);
  EXPECT_EQ(rijk[1].persons, 1);
  EXPECT_EQ(
      moved.Figures(SectorScope(Sector::kOverheid), Q("2024Q4"), Q("2024Q4"))[0]
          .persons,
      1);
  EXPECT_TRUE(moved == BuildFigures(state_, 5, false, kFirst, kLast));
  EXPECT_TRUE(Moved(5, 3) == BuildFigures(state_, 3, false, kFirst, kLast));
}

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

// StepDay finds a day's quarter in a table, from an estimate, within
// 1970..2199, and by civil-date arithmetic outside: on every day, both agree
// with Quarter::Of.
TEST(StepDayTest, EveryDayFallsInItsCivilQuarter) {
  for (int32_t days = test::D("1960-01-01").days;
       days <= test::D("2210-12-31").days; ++days) {
    const Date day{days};
    const Quarter quarter = Quarter::Of(day);
    const StepDay step(day);
    ASSERT_EQ(step.quarter_index, quarter.Index()) << FormatDate(day);
    ASSERT_EQ(step.days_to_quarter_end, quarter.LastDay().days - days + 1)
        << FormatDate(day);
    ASSERT_EQ(step.before_last_month, days < quarter.LastMonthFirstDay().days)
        << FormatDate(day);
  }
}

}  // namespace
}  // namespace banen
