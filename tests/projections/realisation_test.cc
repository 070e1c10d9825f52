// Golden figures computed by hand. Q4 2024 has 92 days (Oct 31 + Nov 30 +
// Dec 31), its last month 31; Q3 2024 has 92 days, September 30. A baan is
// 2550 hours_x100 a week. Denominators: PEILDATUM 2550, KWARTAALGEMIDDELDE
// days x 2550, MAANDUREN 7 x 11092 = 77644.
#include "projections/realisation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "projections/rounding.h"
#include "tests/projections/projection_test_util.h"

namespace banen {
namespace {

using test::ComputeRow;
using test::FormX100;
using test::PersonRef;
using test::Q;
using test::StoredHistory;

constexpr Measure kPeildatum = Measure::kPeildatum;
constexpr Measure kKwartaal = Measure::kKwartaalgemiddelde;
constexpr Measure kMaanduren = Measure::kMaanduren;

// A GEMEENTEN employer "emp-1" and person 1 registered since 2020.
StoredHistory BaseHistory() {
  StoredHistory history;
  history.Record(test::EmployerRegisteredEvent("emp", "2020-01-01", "emp-1",
                                               Sector::kGemeenten));
  history.Record(
      test::PersonRegisteredEvent("reg-1", "2020-01-01", PersonRef(1)));
  return history;
}

Event Hire(std::string_view job_id, std::string_view date, int32_t hours_x100,
           ContractForm form = ContractForm::kVast, int person = 1,
           std::string_view employer_id = "emp-1") {
  return test::JobStartedEvent(std::string("hire-") + std::string(job_id), date,
                               job_id, employer_id, PersonRef(person), form,
                               hours_x100, IsInleen(form) ? "lender-1" : "");
}

// Job of 25.5 h from 16 Nov 2024: 46 days of Q4 (15 in Nov, 31 in Dec).
class JobStartingMidQuarterTest : public testing::Test {
 protected:
  void SetUp() override {
    StoredHistory history = BaseHistory();
    history.Record(Hire("job-1", "2024-11-16", 2550));
    state_ = history.Fold();
  }
  ProjectionState state_;
};

// 2550 / 2550 = 1.00
TEST_F(JobStartingMidQuarterTest, PeildatumCountsTheFullJob) {
  const RealisationRow row =
      ComputeRow(state_, Sector::kGemeenten, Q("2024Q4"), kPeildatum);
  EXPECT_EQ(row.banen_x100, 100);
  EXPECT_EQ(row.persons, 1);
  EXPECT_EQ(row.jobs, 1);
}

// 46 x 2550 / (92 x 2550) = 0.50
TEST_F(JobStartingMidQuarterTest, KwartaalgemiddeldeWeighsTheDays) {
  const RealisationRow row =
      ComputeRow(state_, Sector::kGemeenten, Q("2024Q4"), kKwartaal);
  EXPECT_EQ(row.banen_numerator[0], 46 * 2550);
  EXPECT_EQ(row.banen_denominator, 92 * 2550);
  EXPECT_EQ(row.banen_x100, 50);
}

// December: 31 x 2550 / 77644 = 79050 / 77644 = 1.0181 -> 1.02
TEST_F(JobStartingMidQuarterTest, MaandurenTakesTheLastMonth) {
  const RealisationRow row =
      ComputeRow(state_, Sector::kGemeenten, Q("2024Q4"), kMaanduren);
  EXPECT_EQ(row.banen_numerator[0], 79050);
  EXPECT_EQ(row.banen_denominator, 77644);
  EXPECT_EQ(row.banen_x100, 102);
}

// 20 h from 2024-01-01, 30 h from 16 Aug: Q3 has 46 days at 2000 (Jul 31 +
// Aug 1..15) and 46 days at 3000 (Aug 16..31 + Sep 30).
class HoursChangeMidQuarterTest : public testing::Test {
 protected:
  void SetUp() override {
    StoredHistory history = BaseHistory();
    history.Record(Hire("job-1", "2024-01-01", 2000));
    history.Record(
        test::HoursChangedEvent("hours-1", "2024-08-16", "job-1", 3000));
    state_ = history.Fold();
  }
  ProjectionState state_;
};

// 3000 / 2550 = 1.1765 -> 1.18
TEST_F(HoursChangeMidQuarterTest, PeildatumUsesTheNewHours) {
  EXPECT_EQ(ComputeRow(state_, Sector::kGemeenten, Q("2024Q3"), kPeildatum)
                .banen_x100,
            118);
}

// (46 x 2000 + 46 x 3000) / (92 x 2550) = 230000 / 234600 = 0.9804 -> 0.98
TEST_F(HoursChangeMidQuarterTest, KwartaalgemiddeldeBlendsBothHours) {
  const RealisationRow row =
      ComputeRow(state_, Sector::kGemeenten, Q("2024Q3"), kKwartaal);
  EXPECT_EQ(row.banen_numerator[0], 230000);
  EXPECT_EQ(row.banen_x100, 98);
}

// September: 30 x 3000 / 77644 = 90000 / 77644 = 1.1591 -> 1.16
TEST_F(HoursChangeMidQuarterTest, MaandurenUsesTheLastMonthsHours) {
  const RealisationRow row =
      ComputeRow(state_, Sector::kGemeenten, Q("2024Q3"), kMaanduren);
  EXPECT_EQ(row.banen_numerator[0], 90000);
  EXPECT_EQ(row.banen_x100, 116);
}

// 25.5 h since 2023, ended effective 1 Dec 2024 (last working day 30 Nov):
// Q4 counts Oct 1 .. Nov 30 = 61 days.
class OutflowOnFirstOfMonthTest : public testing::Test {
 protected:
  void SetUp() override {
    StoredHistory history = BaseHistory();
    history.Record(Hire("job-1", "2023-01-01", 2550));
    history.Record(test::JobEndedEvent("end-1", "2024-12-01", "job-1",
                                       OutflowReason::kResignation));
    state_ = history.Fold();
  }
  ProjectionState state_;
};

TEST_F(OutflowOnFirstOfMonthTest, PeildatumNoLongerCountsTheJob) {
  const RealisationRow row =
      ComputeRow(state_, Sector::kGemeenten, Q("2024Q4"), kPeildatum);
  EXPECT_EQ(row.banen_x100, 0);
  EXPECT_EQ(row.persons, 0);
  EXPECT_EQ(row.change_x100, -100);
}

// 61 x 2550 / (92 x 2550) = 0.6630 -> 0.66
TEST_F(OutflowOnFirstOfMonthTest, KwartaalgemiddeldeCountsDaysBeforeTheEnd) {
  EXPECT_EQ(
      ComputeRow(state_, Sector::kGemeenten, Q("2024Q4"), kKwartaal).banen_x100,
      66);
}

// December has no working day left: 0.
TEST_F(OutflowOnFirstOfMonthTest, MaandurenOfTheLastMonthIsZero) {
  EXPECT_EQ(ComputeRow(state_, Sector::kGemeenten, Q("2024Q4"), kMaanduren)
                .banen_x100,
            0);
}

TEST_F(OutflowOnFirstOfMonthTest, CountsTheOutflowByReason) {
  const RealisationRow row =
      ComputeRow(state_, Sector::kGemeenten, Q("2024Q4"), kPeildatum);
  EXPECT_EQ(row.flows.ended[static_cast<size_t>(OutflowReason::kResignation)],
            1);
  EXPECT_EQ(row.flows.started, 0);
}

// 25.5 h since 2023; the person is deregistered 1 Nov and registered again
// 16 Dec 2024: registered in Q4 on Oct 1..31 (31 days) and Dec 16..31 (16).
class DeregisteredPartOfQuarterTest : public testing::Test {
 protected:
  void SetUp() override {
    StoredHistory history = BaseHistory();
    history.Record(Hire("job-1", "2023-01-01", 2550));
    history.Record(
        test::PersonDeregisteredEvent("dereg-1", "2024-11-01", PersonRef(1)));
    history.Record(
        test::PersonRegisteredEvent("reg-2", "2024-12-16", PersonRef(1)));
    state_ = history.Fold();
  }
  ProjectionState state_;
};

// Registered on 31 Dec: 1.00
TEST_F(DeregisteredPartOfQuarterTest, PeildatumCountsTheRegisteredPerson) {
  const RealisationRow row =
      ComputeRow(state_, Sector::kGemeenten, Q("2024Q4"), kPeildatum);
  EXPECT_EQ(row.banen_x100, 100);
  EXPECT_EQ(row.persons, 1);
}

// 47 x 2550 / (92 x 2550) = 0.5109 -> 0.51
TEST_F(DeregisteredPartOfQuarterTest, KwartaalgemiddeldeSkipsUnregisteredDays) {
  const RealisationRow row =
      ComputeRow(state_, Sector::kGemeenten, Q("2024Q4"), kKwartaal);
  EXPECT_EQ(row.banen_numerator[0], 47 * 2550);
  EXPECT_EQ(row.banen_x100, 51);
}

// 16 x 2550 / 77644 = 40800 / 77644 = 0.5255 -> 0.53
TEST_F(DeregisteredPartOfQuarterTest, MaandurenSkipsUnregisteredDays) {
  EXPECT_EQ(ComputeRow(state_, Sector::kGemeenten, Q("2024Q4"), kMaanduren)
                .banen_x100,
            53);
}

TEST(RealisationTest, UnregisteredPersonDoesNotCount) {
  StoredHistory history = BaseHistory();
  history.Record(Hire("job-2", "2024-01-01", 2550, ContractForm::kVast, 2));
  const RealisationRow row =
      ComputeRow(history.Fold(), Sector::kGemeenten, Q("2024Q4"), kPeildatum);
  EXPECT_EQ(row.banen_x100, 0);
  EXPECT_EQ(row.persons, 0);
}

// A MARKT supplier's SROI worker (25.5 h, `form`) placed for DEFENSIE
// (doel 2.00).
ProjectionState SroiHistory(ContractForm form) {
  StoredHistory history = BaseHistory();
  history.Record(test::EmployerRegisteredEvent("emp-d", "2020-01-01", "mindef",
                                               Sector::kDefensie));
  history.Record(test::EmployerRegisteredEvent("emp-s", "2020-01-01",
                                               "supplier", Sector::kMarkt));
  history.Record(test::JobStartedEvent("hire-s", "2024-01-01", "job-s",
                                       "supplier", PersonRef(1), form, 2550, "",
                                       "mindef"));
  history.Record(
      test::TargetSetEvent("doel", "2024-01-01", Sector::kDefensie, 2024, 200));
  return history.Fold();
}

TEST(RealisationTest, SroiJobCountsForItsSupplierByItsForm) {
  const RealisationRow markt =
      ComputeRow(SroiHistory(ContractForm::kVast), Sector::kMarkt, Q("2024Q1"),
                 kPeildatum);
  EXPECT_EQ(markt.banen_x100, 100);
  EXPECT_EQ(FormX100(markt, FormSeries::kVast), 100);
  EXPECT_EQ(markt.banen_sroi_x100, 0);
  EXPECT_EQ(markt.jobs, 1);
  EXPECT_EQ(markt.persons, 1);
  EXPECT_EQ(markt.flows.started, 1);
}

// 0 / 2.00 = 0.0%; incl. SROI 1.00 / 2.00 = 50.0%.
TEST(RealisationTest, SroiJobIsOnlyAMemoOfTheCommissioningSector) {
  const RealisationRow defensie =
      ComputeRow(SroiHistory(ContractForm::kVast), Sector::kDefensie,
                 Q("2024Q1"), kPeildatum);
  EXPECT_EQ(defensie.banen_x100, 0);
  EXPECT_EQ(defensie.banen_sroi_x100, 100);
  EXPECT_EQ(defensie.jobs, 0);
  EXPECT_EQ(defensie.persons, 0);
  EXPECT_EQ(defensie.flows.started, 0);
  EXPECT_EQ(defensie.realisatiepercentage_x10, 0);
  EXPECT_EQ(defensie.realisatiepercentage_incl_sroi_x10, 500);
}

TEST(RealisationTest, OverheidKeepsTheSroiMemoOfItsSectors) {
  const RealisationRow overheid =
      ComputeRow(SroiHistory(ContractForm::kVast), Sector::kOverheid,
                 Q("2024Q1"), kPeildatum);
  EXPECT_EQ(overheid.banen_x100, 0);
  EXPECT_EQ(overheid.banen_sroi_x100, 100);
}

TEST(RealisationTest, NationaalCountsAnSroiJobOnce) {
  const RealisationRow nationaal =
      ComputeRow(SroiHistory(ContractForm::kVast), Sector::kNationaal,
                 Q("2024Q1"), kPeildatum);
  EXPECT_EQ(nationaal.banen_x100, 100);
  EXPECT_EQ(nationaal.banen_sroi_x100, 0);
  EXPECT_EQ(nationaal.jobs, 1);
}

// Stored with form SROI by an earlier version: the supplier's realisation,
// in a column of its own, and still the commissioning sector's memo.
TEST(RealisationTest, SroiFormOfEarlierVersionsCountsAsFormUnknown) {
  const ProjectionState state = SroiHistory(ContractForm::kSroi);
  const RealisationRow markt =
      ComputeRow(state, Sector::kMarkt, Q("2024Q1"), kPeildatum);
  EXPECT_EQ(markt.banen_x100, 100);
  EXPECT_EQ(FormX100(markt, FormSeries::kSroiFormUnknown), 100);
  EXPECT_EQ(FormX100(markt, FormSeries::kVast), 0);
  EXPECT_EQ(ComputeRow(state, Sector::kDefensie, Q("2024Q1"), kPeildatum)
                .banen_sroi_x100,
            100);
}

// An agency (MARKT) lends a worker to a ministry (RIJK): RIJK counts 1.00
// inleen_uitzend, MARKT nothing.
TEST(RealisationTest, InleenCountsForTheHirer) {
  StoredHistory history = BaseHistory();
  history.Record(test::EmployerRegisteredEvent("emp-r", "2020-01-01", "minfin",
                                               Sector::kRijk));
  history.Record(test::EmployerRegisteredEvent("emp-a", "2020-01-01", "agency",
                                               Sector::kMarkt));
  history.Record(test::JobStartedEvent(
      "hire", "2024-01-01", "job-1", "minfin", PersonRef(1),
      ContractForm::kInleenUitzend, 2550, "agency"));
  const ProjectionState state = history.Fold();

  const RealisationRow rijk =
      ComputeRow(state, Sector::kRijk, Q("2024Q4"), kPeildatum);
  EXPECT_EQ(rijk.banen_x100, 100);
  EXPECT_EQ(FormX100(rijk, FormSeries::kInleenUitzend), 100);
  EXPECT_EQ(
      ComputeRow(state, Sector::kMarkt, Q("2024Q4"), kPeildatum).banen_x100, 0);
}

// Detachering 25.5 h at a UMC from 2024-01-01, converted to vast on 1 May.
class ConversionTest : public testing::Test {
 protected:
  void SetUp() override {
    StoredHistory history;
    history.Record(test::EmployerRegisteredEvent("emp", "2020-01-01", "umc-1",
                                                 Sector::kUmc));
    history.Record(
        test::PersonRegisteredEvent("reg-1", "2020-01-01", PersonRef(1)));
    history.Record(Hire("job-1", "2024-01-01", 2550,
                        ContractForm::kInleenDetachering, 1, "umc-1"));
    history.Record(test::JobConvertedEvent("conv", "2024-05-01", "job-1",
                                           ContractForm::kVast));
    state_ = history.Fold();
  }
  ProjectionState state_;
};

TEST_F(ConversionTest, MovesBanenBetweenFormsKeepingTheTotal) {
  const RealisationRow q1 =
      ComputeRow(state_, Sector::kUmc, Q("2024Q1"), kPeildatum);
  const RealisationRow q2 =
      ComputeRow(state_, Sector::kUmc, Q("2024Q2"), kPeildatum);
  EXPECT_EQ(FormX100(q1, FormSeries::kInleenDetachering), 100);
  EXPECT_EQ(FormX100(q1, FormSeries::kVast), 0);
  EXPECT_EQ(FormX100(q2, FormSeries::kInleenDetachering), 0);
  EXPECT_EQ(FormX100(q2, FormSeries::kVast), 100);
  EXPECT_EQ(q1.banen_x100, 100);
  EXPECT_EQ(q2.banen_x100, 100);
  EXPECT_EQ(q2.change_x100, 0);
}

TEST_F(ConversionTest, CountsTheConversionPair) {
  const RealisationRow q2 =
      ComputeRow(state_, Sector::kUmc, Q("2024Q2"), kPeildatum);
  EXPECT_EQ(q2.flows.converted[*ConversionIndex(
                ContractForm::kInleenDetachering, ContractForm::kVast)],
            1);
  EXPECT_EQ(q2.flows.started, 0);
}

// Q2 has 91 days: Apr 1..30 detachering (30 days), May 1..Jun 30 vast (61).
TEST_F(ConversionTest, KwartaalgemiddeldeSplitsTheQuarterByForm) {
  const RealisationRow q2 =
      ComputeRow(state_, Sector::kUmc, Q("2024Q2"), kKwartaal);
  EXPECT_EQ(
      q2.banen_numerator[static_cast<size_t>(FormSeries::kInleenDetachering)],
      30 * 2550);
  EXPECT_EQ(q2.banen_numerator[static_cast<size_t>(FormSeries::kVast)],
            61 * 2550);
  EXPECT_EQ(q2.banen_x100, 100);
}

// The employer moves from GEMEENTEN to PROVINCIES on 1 Jul 2024.
TEST(RealisationTest, ReclassificationMovesJobsToTheNewSector) {
  StoredHistory history = BaseHistory();
  history.Record(Hire("job-1", "2024-01-01", 2550));
  history.Record(test::EmployerReclassifiedEvent("recl", "2024-07-01", "emp-1",
                                                 Sector::kProvincies));
  const ProjectionState state = history.Fold();

  EXPECT_EQ(
      ComputeRow(state, Sector::kGemeenten, Q("2024Q2"), kPeildatum).banen_x100,
      100);
  EXPECT_EQ(
      ComputeRow(state, Sector::kGemeenten, Q("2024Q3"), kPeildatum).banen_x100,
      0);
  EXPECT_EQ(ComputeRow(state, Sector::kProvincies, Q("2024Q3"), kPeildatum)
                .banen_x100,
            100);
  EXPECT_EQ(
      ComputeRow(state, Sector::kOverheid, Q("2024Q3"), kPeildatum).banen_x100,
      100);
}

// One person with a job in GEMEENTEN and one in PROVINCIES: two jobs, one
// person in OVERHEID and NATIONAAL.
TEST(RealisationTest, AggregatesCountPersonsOnce) {
  StoredHistory history = BaseHistory();
  history.Record(test::EmployerRegisteredEvent(
      "emp-p", "2020-01-01", "provincie", Sector::kProvincies));
  history.Record(Hire("job-1", "2024-01-01", 1275));
  history.Record(Hire("job-2", "2024-01-01", 1275, ContractForm::kTijdelijk, 1,
                      "provincie"));
  const ProjectionState state = history.Fold();

  const RealisationRow overheid =
      ComputeRow(state, Sector::kOverheid, Q("2024Q4"), kPeildatum);
  EXPECT_EQ(overheid.persons, 1);
  EXPECT_EQ(overheid.jobs, 2);
  EXPECT_EQ(overheid.banen_x100, 100);
  EXPECT_EQ(
      ComputeRow(state, Sector::kNationaal, Q("2024Q4"), kPeildatum).persons,
      1);
  EXPECT_EQ(
      ComputeRow(state, Sector::kGemeenten, Q("2024Q4"), kPeildatum).persons,
      1);
}

// PO 25.5 h (1.00) + VO 12.75 h (0.50) count; MBO 25.5 h does not: 1.50
// banen, 2 jobs, 1 person (both school jobs are person 1's).
TEST(RealisationTest, FunderendOnderwijsSumsPrimairAndVoortgezet) {
  StoredHistory history = BaseHistory();
  history.Record(test::EmployerRegisteredEvent("emp-po", "2020-01-01", "po",
                                               Sector::kPrimairOnderwijs));
  history.Record(test::EmployerRegisteredEvent("emp-vo", "2020-01-01", "vo",
                                               Sector::kVoortgezetOnderwijs));
  history.Record(test::EmployerRegisteredEvent("emp-mbo", "2020-01-01", "mbo",
                                               Sector::kMbo));
  history.Record(
      test::PersonRegisteredEvent("reg-2", "2020-01-01", PersonRef(2)));
  history.Record(
      Hire("job-1", "2024-01-01", 2550, ContractForm::kVast, 1, "po"));
  history.Record(
      Hire("job-2", "2024-01-01", 1275, ContractForm::kTijdelijk, 1, "vo"));
  history.Record(
      Hire("job-3", "2024-01-01", 2550, ContractForm::kVast, 2, "mbo"));
  const ProjectionState state = history.Fold();

  const RealisationRow row =
      ComputeRow(state, Sector::kFunderendOnderwijs, Q("2024Q4"), kPeildatum);
  EXPECT_EQ(row.banen_x100, 150);
  EXPECT_EQ(FormX100(row, FormSeries::kVast), 100);
  EXPECT_EQ(FormX100(row, FormSeries::kTijdelijk), 50);
  EXPECT_EQ(row.jobs, 2);
  EXPECT_EQ(row.persons, 1);
}

// Doel 3.00 and baseline 1.00 set for the aggregate itself: 1.00 banen is
// 33.3% and extra 0.00.
TEST(RealisationTest, FunderendOnderwijsTakesItsOwnTargetAndBaseline) {
  StoredHistory history = BaseHistory();
  history.Record(test::EmployerRegisteredEvent("emp-po", "2020-01-01", "po",
                                               Sector::kPrimairOnderwijs));
  history.Record(test::TargetSetEvent("doel", "2024-01-01",
                                      Sector::kFunderendOnderwijs, 2024, 300));
  history.Record(test::BaselineSetEvent("base", "2013-01-01",
                                        Sector::kFunderendOnderwijs, 100));
  history.Record(
      Hire("job-1", "2024-01-01", 2550, ContractForm::kVast, 1, "po"));
  const ProjectionState state = history.Fold();

  const RealisationRow row =
      ComputeRow(state, Sector::kFunderendOnderwijs, Q("2024Q4"), kPeildatum);
  EXPECT_EQ(row.doel_x100, 300);
  EXPECT_EQ(row.realisatiepercentage_x10, 333);
  EXPECT_EQ(row.extra_x100, 0);
  EXPECT_EQ(
      ComputeRow(state, Sector::kPrimairOnderwijs, Q("2024Q4"), kPeildatum)
          .doel_x100,
      std::nullopt);
}

// Baseline 0.40 banen, realisation 1.00: extra 0.60.
TEST(RealisationTest, ExtraIsRealisationMinusBaseline) {
  StoredHistory history = BaseHistory();
  history.Record(Hire("job-1", "2024-01-01", 2550));
  history.Record(
      test::BaselineSetEvent("base", "2013-01-01", Sector::kGemeenten, 40));
  const RealisationRow row =
      ComputeRow(history.Fold(), Sector::kGemeenten, Q("2024Q4"), kPeildatum);
  EXPECT_EQ(row.baseline_x100, 40);
  EXPECT_EQ(row.extra_x100, 60);
}

// A hire effective 1 Nov 2024 recorded after a first view: the view as of
// before it has nothing, today's view counts it in Q4 2024.
TEST(RealisationTest, AsOfExcludesLaterRecordedBackdatedHire) {
  StoredHistory history = BaseHistory();
  const uint64_t before = history.Record(test::TargetSetEvent(
      "doel", "2024-01-01", Sector::kGemeenten, 2024, 100));
  history.Record(Hire("job-1", "2024-11-01", 2550));
  const ProjectionState state = history.Fold();

  const RealisationRow then =
      ComputeRow(state, Sector::kGemeenten, Q("2024Q4"), kPeildatum,
                 history.RecordedAt(before));
  const RealisationRow now =
      ComputeRow(state, Sector::kGemeenten, Q("2024Q4"), kPeildatum);
  EXPECT_EQ(then.banen_x100, 0);
  EXPECT_EQ(now.banen_x100, 100);
  EXPECT_EQ(now.flows.started, 1);
}

TEST(RealisationTest, RetractedHireStopsCountingFromTheRetraction) {
  StoredHistory history = BaseHistory();
  const uint64_t hire = history.Record(Hire("job-1", "2024-01-01", 2550));
  history.Record(test::EventRetractedEvent("retract", "2024-03-01", hire));
  const ProjectionState state = history.Fold();

  EXPECT_EQ(ComputeRow(state, Sector::kGemeenten, Q("2024Q4"), kPeildatum,
                       history.RecordedAt(hire))
                .banen_x100,
            100);
  EXPECT_EQ(
      ComputeRow(state, Sector::kGemeenten, Q("2024Q4"), kPeildatum).banen_x100,
      0);
}

TEST(RealisationTest, TableReportsItsCut) {
  StoredHistory history = BaseHistory();
  const uint64_t hire = history.Record(Hire("job-1", "2024-01-01", 2550));
  history.Record(Hire("job-2", "2024-01-01", 2550));
  const RealisationTable table = ComputeRealisation(
      history.Fold(), RealisationQuery{.sectors = {},
                                       .from = Q("2024Q4"),
                                       .to = Q("2024Q4"),
                                       .measure = Measure::kPeildatum,
                                       .as_of = history.RecordedAt(hire),
                                       .include_employers = false});
  EXPECT_EQ(table.last_seq, hire);
  EXPECT_EQ(table.as_of, history.RecordedAt(hire));
  // MARKT, 13 sectors, OVERHEID, NATIONAAL, FUNDEREND_ONDERWIJS
  EXPECT_EQ(table.rows.size(), 17u);
}

// Two ministries inside RIJK: the drill-down gives each its own row.
TEST(RealisationTest, DrillDownGivesEmployerRows) {
  StoredHistory history = BaseHistory();
  history.Record(test::EmployerRegisteredEvent("emp-r1", "2020-01-01", "minfin",
                                               Sector::kRijk));
  history.Record(test::EmployerRegisteredEvent("emp-r2", "2020-01-01", "minbzk",
                                               Sector::kRijk));
  history.Record(
      test::PersonRegisteredEvent("reg-2", "2020-01-01", PersonRef(2)));
  history.Record(
      Hire("job-1", "2024-01-01", 2550, ContractForm::kVast, 1, "minfin"));
  history.Record(
      Hire("job-2", "2024-01-01", 1275, ContractForm::kVast, 2, "minbzk"));
  const RealisationTable table = ComputeRealisation(
      history.Fold(), RealisationQuery{.sectors = {Sector::kRijk},
                                       .from = Q("2024Q4"),
                                       .to = Q("2024Q4"),
                                       .measure = Measure::kPeildatum,
                                       .as_of = std::nullopt,
                                       .include_employers = true});
  ASSERT_EQ(table.rows.size(), 3u);
  EXPECT_EQ(table.rows[0].banen_x100, 150);
  EXPECT_EQ(table.rows[1].employer_id, "minbzk");
  EXPECT_EQ(table.rows[1].banen_x100, 50);
  EXPECT_EQ(table.rows[1].sector, Sector::kRijk);
  EXPECT_EQ(table.rows[2].employer_id, "minfin");
  EXPECT_EQ(table.rows[2].banen_x100, 100);
}

// A ministry with an agency, the agency with a sub-agency, all in RIJK, and
// another ministry. Person 1 works at the ministry (1.00) and the agency
// (0.50), person 2 at the sub-agency (1.00), person 3 at the other ministry.
RealisationTable RollUpTable(bool roll_up_children) {
  StoredHistory history = BaseHistory();
  history.Record(test::EmployerRegisteredEvent("emp-m", "2020-01-01", "min",
                                               Sector::kRijk, "Ministerie"));
  history.Record(test::EmployerRegisteredEvent(
      "emp-a", "2020-01-01", "agency", Sector::kRijk, "Agentschap", "min"));
  history.Record(test::EmployerRegisteredEvent(
      "emp-s", "2020-01-01", "sub", Sector::kRijk, "Dienst", "agency"));
  history.Record(test::EmployerRegisteredEvent("emp-o", "2020-01-01", "other",
                                               Sector::kRijk, "Ministerie 2"));
  for (int person : {2, 3}) {
    history.Record(test::PersonRegisteredEvent(
        "reg-" + std::to_string(person), "2020-01-01", PersonRef(person)));
  }
  history.Record(
      Hire("job-1", "2024-01-01", 2550, ContractForm::kVast, 1, "min"));
  history.Record(
      Hire("job-2", "2024-01-01", 1275, ContractForm::kTijdelijk, 1, "agency"));
  history.Record(
      Hire("job-3", "2024-01-01", 2550, ContractForm::kVast, 2, "sub"));
  history.Record(
      Hire("job-4", "2024-01-01", 2550, ContractForm::kVast, 3, "other"));
  return ComputeRealisation(
      history.Fold(), RealisationQuery{.sectors = {Sector::kRijk},
                                       .from = Q("2024Q4"),
                                       .to = Q("2024Q4"),
                                       .measure = Measure::kPeildatum,
                                       .as_of = std::nullopt,
                                       .include_employers = true,
                                       .roll_up_children = roll_up_children});
}

const RealisationRow* EmployerRow(const RealisationTable& table,
                                  std::string_view employer_id) {
  for (const RealisationRow& row : table.rows) {
    if (row.employer_id == employer_id) return &row;
  }
  ADD_FAILURE() << "no row for " << employer_id;
  return nullptr;
}

// min: 1.00 + 0.50 + 1.00 = 2.50 banen in 3 jobs of 2 persons.
TEST(RealisationTest, RollUpAddsChildrenTransitively) {
  const RealisationTable table = RollUpTable(/*roll_up_children=*/true);
  const RealisationRow* min = EmployerRow(table, "min");
  ASSERT_NE(min, nullptr);
  EXPECT_EQ(min->banen_x100, 250);
  EXPECT_EQ(min->jobs, 3);
  EXPECT_EQ(min->persons, 2);
  EXPECT_EQ(min->sector, Sector::kRijk);
}

// agency: 0.50 + 1.00; sub and other: only their own.
TEST(RealisationTest, RollUpOfAChildHoldsOnlyItsOwnSubtree) {
  const RealisationTable table = RollUpTable(/*roll_up_children=*/true);
  ASSERT_EQ(table.rows.size(), 5u);          // RIJK and 4 employers
  EXPECT_EQ(table.rows[0].banen_x100, 350);  // RIJK counts each job once
  EXPECT_EQ(EmployerRow(table, "agency")->banen_x100, 150);
  EXPECT_EQ(EmployerRow(table, "sub")->banen_x100, 100);
  EXPECT_EQ(EmployerRow(table, "other")->banen_x100, 100);
}

TEST(RealisationTest, DrillDownWithoutRollUpKeepsEmployersApart) {
  const RealisationTable table = RollUpTable(/*roll_up_children=*/false);
  EXPECT_EQ(EmployerRow(table, "min")->banen_x100, 100);
  EXPECT_EQ(EmployerRow(table, "agency")->banen_x100, 50);
}

// Person 1: vast and uitzend at emp-1; person 2: uitzend. 2 persons, 1 vast,
// 2 uitzend, none tijdelijk.
TEST(RealisationTest, PersonsPerFormCountAPersonOnceInEachForm) {
  StoredHistory history = BaseHistory();
  history.Record(
      test::PersonRegisteredEvent("reg-2", "2020-01-01", PersonRef(2)));
  history.Record(Hire("job-1", "2024-01-01", 1275));
  history.Record(
      Hire("job-2", "2024-01-01", 1275, ContractForm::kInleenUitzend));
  history.Record(
      Hire("job-3", "2024-01-01", 1275, ContractForm::kInleenUitzend, 2));
  const RealisationRow row =
      ComputeRow(history.Fold(), Sector::kGemeenten, Q("2024Q4"), kPeildatum);
  EXPECT_EQ(row.persons, 2);
  EXPECT_EQ(row.persons_by_form,
            (std::array<int64_t, kContractFormSeriesCount>{1, 0, 2, 0}));
}

// A conversion moves the person to the new form from its date: uitzend on
// 30 Sep, vast on 31 Dec.
TEST(RealisationTest, PersonsPerFormFollowAConversion) {
  StoredHistory history = BaseHistory();
  history.Record(
      Hire("job-1", "2024-01-01", 2550, ContractForm::kInleenUitzend));
  history.Record(test::JobConvertedEvent("conv-1", "2024-11-01", "job-1",
                                         ContractForm::kVast));
  const ProjectionState state = history.Fold();
  EXPECT_EQ(ComputeRow(state, Sector::kGemeenten, Q("2024Q3"), kPeildatum)
                .persons_by_form,
            (std::array<int64_t, kContractFormSeriesCount>{0, 0, 1, 0}));
  EXPECT_EQ(ComputeRow(state, Sector::kGemeenten, Q("2024Q4"), kPeildatum)
                .persons_by_form,
            (std::array<int64_t, kContractFormSeriesCount>{1, 0, 0, 0}));
}

// 31-12-2023: vast 1.00 (person 1). From 1 June 2024 person 2 adds tijdelijk
// 0.50. Q4 2024 against Q4 2023: +0.50 banen, all tijdelijk, +1 person;
// against Q3 2024: no change.
TEST(RealisationTest, ChangeAgainstAYearEarlierPerForm) {
  StoredHistory history = BaseHistory();
  history.Record(
      test::PersonRegisteredEvent("reg-2", "2020-01-01", PersonRef(2)));
  history.Record(Hire("job-1", "2023-01-01", 2550));
  history.Record(
      Hire("job-2", "2024-06-01", 1275, ContractForm::kTijdelijk, 2));
  const RealisationRow row =
      ComputeRow(history.Fold(), Sector::kGemeenten, Q("2024Q4"), kPeildatum);
  EXPECT_EQ(row.change_x100, 0);
  EXPECT_EQ(row.change_year_x100, 50);
  EXPECT_EQ(FormX100(row, FormSeries::kVast), 100);
  EXPECT_EQ(row.form_change_year_x100,
            (std::array<int64_t, kFormSeriesCount>{0, 50, 0, 0, 0}));
  EXPECT_EQ(row.persons_change_year, 1);
  EXPECT_EQ(row.persons_by_form_change_year,
            (std::array<int64_t, kContractFormSeriesCount>{0, 1, 0, 0}));
}

// KWARTAALGEMIDDELDE: a job of 25.5 h from 16 Nov 2023 is 46/92 = 0.50 in
// Q4 2023 and 1.00 in Q4 2024: +0.50.
TEST(RealisationTest, ChangeAgainstAYearEarlierUsesTheMeasure) {
  StoredHistory history = BaseHistory();
  history.Record(Hire("job-1", "2023-11-16", 2550));
  const RealisationRow row =
      ComputeRow(history.Fold(), Sector::kGemeenten, Q("2024Q4"), kKwartaal);
  EXPECT_EQ(row.banen_x100, 100);
  EXPECT_EQ(row.change_year_x100, 50);
}

// Adds `count` full-time (25.5 h) jobs of `form`, one registered person each,
// plus one job of `extra_hours_x100` when it is not 0.
void AddJobs(StoredHistory& history, std::string_view employer_id,
             ContractForm form, int count, int32_t extra_hours_x100,
             int& next_person) {
  std::vector<Event> events;
  const auto add = [&](int32_t hours_x100) {
    const int person = next_person++;
    const std::string id = std::to_string(person);
    events.push_back(test::PersonRegisteredEvent("reg-" + id, "2020-01-01",
                                                 PersonRef(person)));
    events.push_back(test::JobStartedEvent(
        "hire-" + id, "2024-01-01", "job-" + id, employer_id, PersonRef(person),
        form, hours_x100, IsInleen(form) ? "lender-1" : ""));
  };
  for (int i = 0; i < count; ++i) add(2550);
  if (extra_hours_x100 != 0) add(extra_hours_x100);
  history.RecordBatch(std::move(events));
}

// Kamerbrief 2024, POLITIE: 249 vast + 179 tijdelijk + 61 inleen = 489 banen
// on 31-12-2024 against a doel of 713: 489 / 713 = 68.58% -> 68.6.
TEST(RealisationTest, ReproducesPolitie2024) {
  StoredHistory history;
  history.Record(test::EmployerRegisteredEvent("emp", "2013-01-01", "politie",
                                               Sector::kPolitie));
  history.Record(test::TargetSetEvent("doel", "2024-01-01", Sector::kPolitie,
                                      2024, 71300));
  int next_person = 1;
  AddJobs(history, "politie", ContractForm::kVast, 249, 0, next_person);
  AddJobs(history, "politie", ContractForm::kTijdelijk, 179, 0, next_person);
  AddJobs(history, "politie", ContractForm::kInleenUitzend, 61, 0, next_person);

  const RealisationRow row =
      ComputeRow(history.Fold(), Sector::kPolitie, Q("2024Q4"), kPeildatum);
  EXPECT_EQ(FormX100(row, FormSeries::kVast), 24900);
  EXPECT_EQ(FormX100(row, FormSeries::kTijdelijk), 17900);
  EXPECT_EQ(FormX100(row, FormSeries::kInleenUitzend), 6100);
  EXPECT_EQ(row.banen_x100, 48900);
  EXPECT_EQ(row.doel_x100, 71300);
  EXPECT_EQ(row.realisatiepercentage_x10, 686);
  EXPECT_EQ(row.persons, 489);
}

// POLITIE 2022: 438 persons, 276 of them hired in (no FTA figure): here 162
// with a vast job, 200 uitzend and 76 detachering (dated 2024 by AddJobs).
TEST(RealisationTest, ReproducesPolitie2022Persons) {
  StoredHistory history;
  history.Record(test::EmployerRegisteredEvent("emp", "2013-01-01", "politie",
                                               Sector::kPolitie));
  int next_person = 1;
  AddJobs(history, "politie", ContractForm::kVast, 162, 0, next_person);
  AddJobs(history, "politie", ContractForm::kInleenUitzend, 200, 0,
          next_person);
  AddJobs(history, "politie", ContractForm::kInleenDetachering, 76, 0,
          next_person);

  const RealisationRow row =
      ComputeRow(history.Fold(), Sector::kPolitie, Q("2024Q4"), kPeildatum);
  EXPECT_EQ(row.persons, 438);
  const auto form = [&](FormSeries series) {
    return row.persons_by_form[static_cast<size_t>(series)];
  };
  EXPECT_EQ(form(FormSeries::kVast), 162);
  EXPECT_EQ(
      form(FormSeries::kInleenUitzend) + form(FormSeries::kInleenDetachering),
      276);
}

// WATERSCHAPPEN 2024: 330.5 banen = 174.80 vast (174 jobs + one of 0.8 x
// 2550 = 2040) + 75.40 tijdelijk (75 + 1020) + 80.30 inleen (80 + 765).
// Shares 174.8 / 330.5 = 52.89% -> 52.9, 75.4 / 330.5 = 22.81% -> 22.8,
// 80.3 / 330.5 = 24.30% -> 24.3; doel 602.8: 330.5 / 602.8 = 54.83% -> 54.8.
TEST(RealisationTest, ReproducesWaterschappen2024Split) {
  StoredHistory history;
  history.Record(test::EmployerRegisteredEvent("emp", "2013-01-01", "hhnk",
                                               Sector::kWaterschappen));
  history.Record(test::TargetSetEvent("doel", "2024-01-01",
                                      Sector::kWaterschappen, 2024, 60280));
  int next_person = 1;
  AddJobs(history, "hhnk", ContractForm::kVast, 174, 2040, next_person);
  AddJobs(history, "hhnk", ContractForm::kTijdelijk, 75, 1020, next_person);
  AddJobs(history, "hhnk", ContractForm::kInleenDetachering, 80, 765,
          next_person);

  const RealisationRow row = ComputeRow(history.Fold(), Sector::kWaterschappen,
                                        Q("2024Q4"), kPeildatum);
  EXPECT_EQ(row.banen_x100, 33050);
  const auto share = [&](FormSeries series) {
    return PercentX10(row.banen_numerator[static_cast<size_t>(series)],
                      row.RealisationNumerator());
  };
  EXPECT_EQ(share(FormSeries::kVast), 529);
  EXPECT_EQ(share(FormSeries::kTijdelijk), 228);
  EXPECT_EQ(share(FormSeries::kInleenDetachering), 243);
  EXPECT_EQ(row.realisatiepercentage_x10, 548);
}

// --- The national monitor view -------------------------------------------

// The monitor rows of `sector` in `quarter` (PEILDATUM, now).
MonitorRow MonitorRowOf(const ProjectionState& state, Sector sector,
                        Quarter quarter) {
  const RealisationTable table = ComputeRealisation(
      state, RealisationQuery{.sectors = {sector},
                              .from = quarter,
                              .to = quarter,
                              .measure = kPeildatum,
                              .as_of = std::nullopt,
                              .include_employers = false,
                              .view = RealisationView::kNationalMonitor});
  EXPECT_TRUE(table.rows.empty());
  if (table.monitor_rows.size() != 1) {
    ADD_FAILURE() << table.monitor_rows.size() << " monitor rows";
    return MonitorRow{};
  }
  return table.monitor_rows[0];
}

// A MARKT hirer "bedrijf" and a GEMEENTEN hirer "emp-1", person 1
// registered since 2020; the keys of 2012 (24.0% overheid) and 2022 (25.8%).
StoredHistory MonitorHistory() {
  StoredHistory history = BaseHistory();
  history.Record(test::EmployerRegisteredEvent("emp-m", "2010-01-01", "bedrijf",
                                               Sector::kMarkt));
  history.Record(test::InleenKeySetEvent("key-2012", "2023-06-01", 2012, 240));
  history.Record(test::InleenKeySetEvent("key-2022", "2023-06-01", 2022, 258));
  return history;
}

// Uitzend at MARKT and detachering at GEMEENTEN, 25.5 h each: 2.00 inleen
// banen of all hirers; MARKT gets 74.2% (1.484 -> 1.48), OVERHEID 25.8%
// (0.516 -> 0.52), whichever hirer the jobs have.
TEST(MonitorTest, SplitsTheInleenOfAllHirersByTheYearsKey) {
  StoredHistory history = MonitorHistory();
  history.Record(Hire("job-1", "2022-01-01", 2550, ContractForm::kInleenUitzend,
                      1, "bedrijf"));
  history.Record(Hire("job-2", "2022-01-01", 2550,
                      ContractForm::kInleenDetachering, 1, "emp-1"));
  const ProjectionState state = history.Fold();
  const MonitorRow markt = MonitorRowOf(state, Sector::kMarkt, Q("2022Q4"));
  EXPECT_EQ(markt.key_x10, 258);
  EXPECT_EQ(markt.inleen_total_x100, 200);
  EXPECT_EQ(markt.inleen_x100, 148);
  EXPECT_EQ(MonitorRowOf(state, Sector::kOverheid, Q("2022Q4")).inleen_x100,
            52);
  EXPECT_EQ(MonitorRowOf(state, Sector::kNationaal, Q("2022Q4")).inleen_x100,
            200);
}

// A VAST job at MARKT (1.00) and a TIJDELIJK one at GEMEENTEN (1.00): formal
// jobs stay with their employer's sector.
TEST(MonitorTest, FormalJobsCountByEmployerSector) {
  StoredHistory history = MonitorHistory();
  history.Record(
      Hire("job-1", "2022-01-01", 2550, ContractForm::kVast, 1, "bedrijf"));
  history.Record(
      Hire("job-2", "2022-01-01", 2550, ContractForm::kTijdelijk, 1, "emp-1"));
  const ProjectionState state = history.Fold();
  const MonitorRow markt = MonitorRowOf(state, Sector::kMarkt, Q("2022Q4"));
  EXPECT_EQ(markt.formal_x100, 100);
  EXPECT_EQ(markt.inleen_x100, 0);
  EXPECT_EQ(markt.banen_x100, 100);
  EXPECT_EQ(MonitorRowOf(state, Sector::kOverheid, Q("2022Q4")).formal_x100,
            100);
  EXPECT_EQ(MonitorRowOf(state, Sector::kNationaal, Q("2022Q4")).formal_x100,
            200);
}

// Seed 001: the baseline inleen stock of 36,206 banen keyed 76.0 / 24.0 and
// the end-2022 stock of 38,061 keyed 74.2 / 25.8. Extra inleen markt =
// 38,061 x 0.742 - 36,206 x 0.760 = 28,241.262 - 27,516.56 = 724.702;
// overheid = 9,819.738 - 8,689.44 = 1,130.298; together 1,855. (The letter
// prints 724 and 1,130: it keyed the unrounded stocks.)
class MonitorSeed001Test : public testing::Test {
 protected:
  // Inleen at MARKT of `total_x100` hours_x100, in jobs of at most 80 h of
  // person 2 (registered since 2010) from `date`.
  static void HireInleen(StoredHistory& history, std::string_view date,
                         int64_t total_x100, int* job) {
    for (int64_t left = total_x100; left > 0; left -= kMaxHoursPerWeekX100) {
      const std::string id = absl::StrCat("job-", ++*job);
      history.Record(test::JobStartedEvent(
          absl::StrCat("hire-", id), date, id, "bedrijf", PersonRef(2),
          ContractForm::kInleenUitzend,
          static_cast<int32_t>(std::min<int64_t>(left, kMaxHoursPerWeekX100)),
          "uitzendbureau"));
    }
  }

  void SetUp() override {
    StoredHistory history = MonitorHistory();
    history.Record(
        test::PersonRegisteredEvent("reg-2", "2010-01-01", PersonRef(2)));
    int job = 0;
    // 36,206 banen = 36,206 x 2,550 hours_x100, before the baseline.
    HireInleen(history, "2012-06-01", int64_t{36206} * kHoursPerBaanX100, &job);
    HireInleen(history, "2020-01-01",
               int64_t{38061 - 36206} * kHoursPerBaanX100, &job);
    state_ = history.Fold();
  }

  ProjectionState state_;
};

TEST_F(MonitorSeed001Test, KeysTheBaselineAndTheStockByTheirYears) {
  const MonitorRow markt = MonitorRowOf(state_, Sector::kMarkt, Q("2022Q4"));
  EXPECT_EQ(markt.baseline_key_x10, 240);
  EXPECT_EQ(markt.key_x10, 258);
  EXPECT_EQ(markt.baseline_inleen_total_x100, 3620600);
  EXPECT_EQ(markt.inleen_total_x100, 3806100);
  EXPECT_EQ(markt.baseline_inleen_x100, 2751656);  // 27,516.56
  EXPECT_EQ(markt.inleen_x100, 2824126);           // 28,241.262
}

TEST_F(MonitorSeed001Test, ExtraInleenIsTheKeyedStockMinusTheKeyedBaseline) {
  EXPECT_EQ(MonitorRowOf(state_, Sector::kMarkt, Q("2022Q4")).extra_inleen_x100,
            72470);
  EXPECT_EQ(
      MonitorRowOf(state_, Sector::kOverheid, Q("2022Q4")).extra_inleen_x100,
      113030);
  EXPECT_EQ(
      MonitorRowOf(state_, Sector::kNationaal, Q("2022Q4")).extra_inleen_x100,
      185500);
}

TEST(MonitorTest, WithoutTheYearsKeyMarktAndOverheidHaveNoInleenSplit) {
  StoredHistory history = BaseHistory();
  history.Record(
      Hire("job-1", "2022-01-01", 2550, ContractForm::kInleenUitzend));
  const ProjectionState state = history.Fold();
  const MonitorRow markt = MonitorRowOf(state, Sector::kMarkt, Q("2022Q4"));
  EXPECT_EQ(markt.key_x10, std::nullopt);
  EXPECT_EQ(markt.inleen_x100, std::nullopt);
  EXPECT_EQ(markt.banen_x100, std::nullopt);
  EXPECT_EQ(markt.extra_x100, std::nullopt);
  EXPECT_EQ(markt.inleen_total_x100, 100);
  EXPECT_EQ(MonitorRowOf(state, Sector::kNationaal, Q("2022Q4")).inleen_x100,
            100);
}

TEST(MonitorTest, TheLatestKeyOfAYearWins) {
  StoredHistory history = MonitorHistory();
  history.Record(test::InleenKeySetEvent("key-2022b", "2023-07-01", 2022, 320));
  EXPECT_EQ(MonitorRowOf(history.Fold(), Sector::kMarkt, Q("2022Q4")).key_x10,
            320);
}

TEST(MonitorTest, ARetractedKeyNoLongerApplies) {
  StoredHistory history = MonitorHistory();
  const uint64_t second = history.Record(
      test::InleenKeySetEvent("key-2022b", "2023-07-01", 2022, 320));
  history.Record(test::EventRetractedEvent("undo", "2023-07-02", second));
  EXPECT_EQ(MonitorRowOf(history.Fold(), Sector::kMarkt, Q("2022Q4")).key_x10,
            258);
}

// Stock and baseline both in the measure: a job from 1 Dec 2022 is 31 of 92
// days of Q4 on average, and nothing of the baseline quarter.
TEST(MonitorTest, ExtraFollowsTheRowsMeasure) {
  StoredHistory history = MonitorHistory();
  history.Record(
      Hire("job-1", "2022-12-01", 2550, ContractForm::kVast, 1, "bedrijf"));
  const RealisationTable table = ComputeRealisation(
      history.Fold(),
      RealisationQuery{.sectors = {Sector::kMarkt},
                       .from = Q("2022Q4"),
                       .to = Q("2022Q4"),
                       .measure = kKwartaal,
                       .as_of = std::nullopt,
                       .include_employers = false,
                       .view = RealisationView::kNationalMonitor});
  ASSERT_EQ(table.monitor_rows.size(), 1u);
  EXPECT_EQ(table.monitor_rows[0].formal_x100, 34);  // 31 / 92 = 0.337
  EXPECT_EQ(table.monitor_rows[0].extra_formal_x100, 34);
}

}  // namespace
}  // namespace banen
