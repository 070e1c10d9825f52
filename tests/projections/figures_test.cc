#include "projections/figures.h"

#include <optional>
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
