// RealisationService and QuotaService over loopback: figures, as_of views,
// targets, errors.
#include <grpcpp/grpcpp.h>

#include "gtest/gtest.h"
#include "tests/services/service_test_util.h"

namespace banen::test {
namespace {

class RealisationServiceTest : public ServiceTest {
 protected:
  grpc::Status Get(const v1::RealisationRequest& request,
                   v1::RealisationTable* table) {
    grpc::ClientContext context;
    return realisation_->GetRealisation(&context, request, table);
  }

  static v1::RealisationRequest GemeentenIn(const std::string& quarter) {
    v1::RealisationRequest request;
    request.add_sectors(v1::SECTOR_GEMEENTEN);
    request.set_from_quarter(quarter);
    return request;
  }
};

TEST_F(RealisationServiceTest, OneHireOfTwentyFiveAndAHalfHoursIsOneBaan) {
  MustAppend("a", HireHistory("a"));
  v1::RealisationTable table;

  ASSERT_TRUE(Get(GemeentenIn("2024Q1"), &table).ok());

  ASSERT_EQ(table.rows_size(), 1);
  const v1::RealisationRow& row = table.rows(0);
  EXPECT_EQ(row.sector(), v1::SECTOR_GEMEENTEN);
  EXPECT_EQ(row.quarter(), "2024Q1");
  EXPECT_EQ(row.measure(), v1::REALISATION_MEASURE_PEILDATUM);
  EXPECT_EQ(row.banen_x100(), 100);
  EXPECT_EQ(row.banen_vast_x100(), 100);
  EXPECT_EQ(row.banen_incl_sroi_x100(), 100);
  EXPECT_EQ(row.persons(), 1);
  EXPECT_EQ(row.jobs(), 1);
  EXPECT_EQ(row.flows().started(), 1);
  EXPECT_EQ(row.change_x100(), 100);
  EXPECT_FALSE(row.has_doel_x100());
  EXPECT_EQ(table.last_seq(), 3u);
}

TEST_F(RealisationServiceTest, AsOfExcludesEventsRecordedLater) {
  MustAppend("a", HireHistory("a"));
  const v1::GetHeadResponse head_after_first = Head();
  MustAppend("b", HireHistory("b"));
  v1::RealisationRequest request = GemeentenIn("2024Q1");
  *request.mutable_as_of() = head_after_first.recorded_at();
  v1::RealisationTable then;
  v1::RealisationTable now;

  ASSERT_TRUE(Get(request, &then).ok());
  ASSERT_TRUE(Get(GemeentenIn("2024Q1"), &now).ok());

  EXPECT_EQ(then.rows(0).banen_x100(), 100);
  EXPECT_EQ(then.last_seq(), 3u);
  EXPECT_EQ(now.rows(0).banen_x100(), 200);
  EXPECT_EQ(now.last_seq(), 6u);
}

TEST_F(RealisationServiceTest, TargetGivesTheRealisationPercentage) {
  MustAppend("a", HireHistory("a"));
  MustAppend("doel", {TargetSetEvent("doel", "2024-01-01", Sector::kGemeenten,
                                     2024, 400)});
  v1::RealisationTable table;

  ASSERT_TRUE(Get(GemeentenIn("2024Q1"), &table).ok());

  EXPECT_EQ(table.rows(0).doel_x100(), 400);
  EXPECT_EQ(table.rows(0).realisatiepercentage_x10(), 250);
}

// The hire works 2024-02-01..12-31, 335 days of 25.5 h a week: 2550 x 335 =
// 854,250 hour-days x100, 122,035.71 -> 122,036 hours x100, and 85,425,000 /
// (7 x 100 x 1,331) = 91.69 -> 0.92 banen, the quota's realised banen.
TEST_F(RealisationServiceTest, WbaRegimeAnswersPaidHoursPerCalendarYear) {
  MustAppend("a", HireHistory("a"));
  v1::RealisationRequest request = GemeentenIn("2024Q1");
  request.set_to_quarter("2024Q4");
  request.set_regime(v1::REGIME_WBA_2026);
  v1::RealisationTable table;

  ASSERT_TRUE(Get(request, &table).ok());

  EXPECT_EQ(table.regime(), v1::REGIME_WBA_2026);
  EXPECT_EQ(table.rows_size(), 0);
  ASSERT_EQ(table.year_rows_size(), 1);
  const v1::YearRow& row = table.year_rows(0);
  EXPECT_EQ(row.sector(), v1::SECTOR_GEMEENTEN);
  EXPECT_EQ(row.year(), 2024);
  EXPECT_EQ(row.hours_x100(), 122'036);
  EXPECT_EQ(row.banen_x100(), 92);
  EXPECT_EQ(row.banen_vast_x100(), 92);
  EXPECT_EQ(row.banen_numerator(), 854'250);
  EXPECT_EQ(row.banen_denominator(), 931'700);
  EXPECT_EQ(row.change_x100(), 92);
  EXPECT_FALSE(row.has_doel_x100());
  EXPECT_EQ(table.last_seq(), 3u);
}

TEST_F(RealisationServiceTest, WbaRegimeRejectsAQuarterlyMeasure) {
  v1::RealisationRequest request = GemeentenIn("2024Q1");
  request.set_regime(v1::REGIME_WBA_2026);
  request.set_measure(v1::REALISATION_MEASURE_KWARTAALGEMIDDELDE);
  v1::RealisationTable table;

  const grpc::Status status = Get(request, &table);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "measure: WBA_2026 counts the paid hours of calendar years");
}

TEST_F(RealisationServiceTest, NationalMonitorViewAnswersMonitorRows) {
  MustAppend("a", HireHistory("a"));
  v1::RealisationRequest request;
  request.set_from_quarter("2024Q1");
  request.set_view(v1::REALISATION_VIEW_NATIONAL_MONITOR);
  v1::RealisationTable table;

  ASSERT_TRUE(Get(request, &table).ok());

  EXPECT_EQ(table.rows_size(), 0);
  ASSERT_EQ(table.monitor_rows_size(), 3);
  EXPECT_EQ(table.monitor_rows(0).sector(), v1::SECTOR_MARKT);
  EXPECT_EQ(table.monitor_rows(1).sector(), v1::SECTOR_OVERHEID);
  EXPECT_EQ(table.monitor_rows(1).formal_x100(), 100);
  EXPECT_FALSE(table.monitor_rows(1).has_inleen_key_overheid_x10());
  EXPECT_EQ(table.monitor_rows(2).sector(), v1::SECTOR_NATIONAAL);
  EXPECT_EQ(table.monitor_rows(2).banen_x100(), 100);
}

TEST_F(RealisationServiceTest, NationalMonitorViewRefusesAGovernmentSector) {
  v1::RealisationRequest request = GemeentenIn("2024Q1");
  request.set_view(v1::REALISATION_VIEW_NATIONAL_MONITOR);
  v1::RealisationTable table;
  EXPECT_EQ(Get(request, &table).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RealisationServiceTest, UnknownViewIsInvalidArgument) {
  v1::RealisationRequest request = GemeentenIn("2024Q1");
  request.set_view(static_cast<v1::RealisationView>(9));
  v1::RealisationTable table;
  EXPECT_EQ(Get(request, &table).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RealisationServiceTest, TablesSayTheirCountingRules) {
  v1::RealisationTable table;
  ASSERT_TRUE(Get(GemeentenIn("2024Q1"), &table).ok());
  EXPECT_EQ(table.rules_version(), 2);
}

TEST_F(RealisationServiceTest, EmptySectorsGiveEverySectorAndTheAggregates) {
  MustAppend("a", HireHistory("a"));
  v1::RealisationRequest request;
  request.set_from_quarter("2024Q1");
  v1::RealisationTable table;

  ASSERT_TRUE(Get(request, &table).ok());

  ASSERT_EQ(table.rows_size(), 17);
  EXPECT_EQ(table.rows(16).sector(), v1::SECTOR_FUNDEREND_ONDERWIJS);
  EXPECT_EQ(table.rows(14).sector(), v1::SECTOR_OVERHEID);
  EXPECT_EQ(table.rows(14).banen_x100(), 100);
  EXPECT_EQ(table.rows(15).sector(), v1::SECTOR_NATIONAAL);
  EXPECT_EQ(table.rows(15).banen_x100(), 100);
}

TEST_F(RealisationServiceTest, IncludeEmployersAddsAnEmployerRow) {
  MustAppend("a", HireHistory("a"));
  v1::RealisationRequest request = GemeentenIn("2024Q1");
  request.set_include_employers(true);
  v1::RealisationTable table;

  ASSERT_TRUE(Get(request, &table).ok());

  ASSERT_EQ(table.rows_size(), 2);
  EXPECT_EQ(table.rows(1).employer_id(), "emp-a");
  EXPECT_EQ(table.rows(1).banen_x100(), 100);
}

// emp-a (1.00 banen) registered under emp-b (1.00 banen): emp-b's rolled-up
// row holds 2.00 banen of 2 persons.
TEST_F(RealisationServiceTest, RollUpChildrenAddsChildrenToTheParentRow) {
  MustAppend("b", HireHistory("b"));
  std::vector<Event> child = HireHistory("a");
  std::get<EmployerRegistered>(child[0].payload).parent_employer_id = "emp-b";
  MustAppend("a", child);
  v1::RealisationRequest request = GemeentenIn("2024Q1");
  request.set_include_employers(true);
  request.set_roll_up_children(true);
  v1::RealisationTable table;

  ASSERT_TRUE(Get(request, &table).ok());

  ASSERT_EQ(table.rows_size(), 3);
  EXPECT_EQ(table.rows(1).employer_id(), "emp-a");
  EXPECT_EQ(table.rows(1).banen_x100(), 100);
  EXPECT_EQ(table.rows(2).employer_id(), "emp-b");
  EXPECT_EQ(table.rows(2).banen_x100(), 200);
  EXPECT_EQ(table.rows(2).persons(), 2);
}

TEST_F(RealisationServiceTest, RollUpWithoutEmployersIsInvalidArgument) {
  v1::RealisationRequest request = GemeentenIn("2024Q1");
  request.set_roll_up_children(true);
  v1::RealisationTable table;

  const grpc::Status status = Get(request, &table);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "roll_up_children: rolls up employer rows, so needs "
            "include_employers");
}

// One vast job from Feb 2024: 2024Q1 holds one vast person, +1.00 banen and
// +1 person against 2023Q1; 2025Q1 has not changed against 2024Q1.
TEST_F(RealisationServiceTest, RowCarriesPersonsPerFormAndTheYearChange) {
  MustAppend("a", HireHistory("a"));
  v1::RealisationTable table;

  ASSERT_TRUE(Get(GemeentenIn("2024Q1"), &table).ok());
  ASSERT_EQ(table.rows_size(), 1);
  EXPECT_EQ(table.rows(0).persons_vast(), 1);
  EXPECT_EQ(table.rows(0).persons_tijdelijk(), 0);
  EXPECT_EQ(table.rows(0).change_year_x100(), 100);
  EXPECT_EQ(table.rows(0).change_year_vast_x100(), 100);
  EXPECT_EQ(table.rows(0).persons_change_year(), 1);
  EXPECT_EQ(table.rows(0).persons_change_year_vast(), 1);

  ASSERT_TRUE(Get(GemeentenIn("2025Q1"), &table).ok());
  EXPECT_EQ(table.rows(0).change_year_x100(), 0);
  EXPECT_EQ(table.rows(0).persons_change_year(), 0);
}

TEST_F(RealisationServiceTest, FunderendOnderwijsIsAnAggregateOnTheWire) {
  MustAppend("a", HireHistory("a"));
  v1::RealisationRequest request;
  request.add_sectors(v1::SECTOR_FUNDEREND_ONDERWIJS);
  request.set_from_quarter("2024Q1");
  v1::RealisationTable table;

  ASSERT_TRUE(Get(request, &table).ok());

  ASSERT_EQ(table.rows_size(), 1);
  EXPECT_EQ(table.rows(0).sector(), v1::SECTOR_FUNDEREND_ONDERWIJS);
  EXPECT_EQ(table.rows(0).banen_x100(), 0);  // the hire is in GEMEENTEN
}

TEST_F(RealisationServiceTest, MalformedQuarterIsInvalidArgument) {
  v1::RealisationTable table;

  const grpc::Status status = Get(GemeentenIn("2024-Q4"), &table);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "from_quarter: \"2024-Q4\" is not a quarter like 2024Q4");
}

TEST_F(RealisationServiceTest, UnknownSectorNumberIsInvalidArgument) {
  v1::RealisationRequest request = GemeentenIn("2024Q1");
  request.add_sectors(static_cast<v1::Sector>(99));
  v1::RealisationTable table;

  EXPECT_EQ(Get(request, &table).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// emp-a (GEMEENTEN) pays 592,800 h in 2023 and 2024 at 2.76 %: quota
// 7 x 276 x 59,280,000 / D = 12.29 banen (D = 9,317,000,000, quota.h). Its
// one hire of 25.5 h counts from 1 February 2024: 335 days, S = 2550 x 335
// = 854,250, 10^4 S x 100 / D = 91.69 -> 0.92 banen. Shortfall
// (114,528,960,000 - 8,542,500,000) x 10 / D = 113.8 -> 11.3 banen, €56,500.
class QuotaServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    MustAppend("a", HireHistory("a"));
    MustAppend("quota",
               {EmployerHoursReportedEvent("h23", "2025-03-01", "emp-a", 2023,
                                           59'280'000),
                EmployerHoursReportedEvent("h24", "2025-03-01", "emp-a", 2024,
                                           59'280'000),
                QuotaPercentageSetEvent("p24", "2023-11-01", Sector::kOverheid,
                                        2024, 276)});
  }
  grpc::Status Get(const v1::QuotaRequest& request, v1::QuotaTable* table) {
    grpc::ClientContext context;
    return quota_->GetQuota(&context, request, table);
  }
};

TEST_F(QuotaServiceTest, AnswersTheLevyOfALiableEmployer) {
  v1::QuotaRequest request;
  request.set_year(2024);
  v1::QuotaTable table;

  ASSERT_TRUE(Get(request, &table).ok());

  ASSERT_EQ(table.rows_size(), 1);
  const v1::QuotaRow& row = table.rows(0);
  EXPECT_EQ(row.employer_id(), "emp-a");
  EXPECT_EQ(row.sector(), v1::SECTOR_GEMEENTEN);
  EXPECT_TRUE(row.liable());
  EXPECT_EQ(row.percentage_x100(), 276);
  EXPECT_EQ(row.quota_banen_x100(), 1229);
  EXPECT_EQ(row.realised_banen_x100(), 92);
  EXPECT_EQ(row.shortfall_banen_x10(), 113);
  EXPECT_EQ(row.levy_euro(), 56'500);
  EXPECT_EQ(table.regime(), v1::REGIME_WFSV_2015);
  EXPECT_EQ(table.last_seq(), 6u);
  // GEMEENTEN, OVERHEID, NATIONAAL.
  ASSERT_EQ(table.totals_size(), 3);
  EXPECT_EQ(table.totals(1).sector(), v1::SECTOR_OVERHEID);
  EXPECT_EQ(table.totals(1).levy_euro(), 56'500);
}

// WBA_2026 takes the NATIONAAL percentage, of which none was set: no quota.
TEST_F(QuotaServiceTest, WbaRegimeTakesTheNationalPercentage) {
  v1::QuotaRequest request;
  request.set_year(2024);
  request.set_regime(v1::REGIME_WBA_2026);
  v1::QuotaTable table;

  ASSERT_TRUE(Get(request, &table).ok());

  EXPECT_EQ(table.regime(), v1::REGIME_WBA_2026);
  EXPECT_FALSE(table.rows(0).has_percentage_x100());
  EXPECT_EQ(table.rows(0).levy_euro(), 0);
}

TEST_F(QuotaServiceTest, RejectsAnUnknownRegime) {
  v1::QuotaRequest request;
  request.set_year(2024);
  request.set_regime(static_cast<v1::Regime>(9));
  v1::QuotaTable table;
  const grpc::Status status = Get(request, &table);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "regime: unknown regime 9");
}

// RegisterService (issue 14) over the same loopback: the register dashboard.
class RegisterServiceTest : public ServiceTest {
 protected:
  grpc::Status Get(const v1::RegisterFiguresRequest& request,
                   v1::RegisterFigures* figures) {
    grpc::ClientContext context;
    return register_->GetRegisterFigures(&context, request, figures);
  }

  static v1::RegisterFiguresRequest Quarters(const std::string& from,
                                             const std::string& to = "") {
    v1::RegisterFiguresRequest request;
    request.set_from_quarter(from);
    request.set_to_quarter(to);
    return request;
  }
};

// Person a (no ground) is hired at a gemeente in Q1; person b registers in
// Q2 on the Wsw ground and is not hired.
TEST_F(RegisterServiceTest, AnswersTheRegisterAndItsFlowsPerQuarter) {
  MustAppend("a", HireHistory("a"));
  MustAppend("b",
             {PersonRegisteredEvent("b-person", "2024-05-01",
                                    "person-ref-b-00000000", Grondslag::kWsw)});
  v1::RegisterFigures figures;

  ASSERT_TRUE(Get(Quarters("2024Q1", "2024Q2"), &figures).ok());

  ASSERT_EQ(figures.quarters_size(), 2);
  const v1::RegisterQuarter& q1 = figures.quarters(0);
  EXPECT_EQ(q1.quarter(), "2024Q1");
  EXPECT_EQ(q1.registered(), 1);
  EXPECT_EQ(q1.working(), 1);
  ASSERT_EQ(q1.inflow_size(), 1);
  EXPECT_EQ(q1.inflow(0).grondslag(), v1::GRONDSLAG_UNSPECIFIED);
  EXPECT_EQ(q1.inflow(0).persons(), 1);
  EXPECT_EQ(q1.found_work(), 1);
  EXPECT_EQ(q1.banen_x100(), 100);
  EXPECT_EQ(q1.banen_overheid_formal_x100(), 100);
  EXPECT_EQ(q1.change_banen_x100(), 100);
  const v1::RegisterQuarter& q2 = figures.quarters(1);
  EXPECT_EQ(q2.registered(), 2);
  EXPECT_EQ(q2.working(), 1);
  ASSERT_EQ(q2.inflow_size(), 1);
  EXPECT_EQ(q2.inflow(0).grondslag(), v1::GRONDSLAG_WSW);
  EXPECT_EQ(q2.inflow_total(), 1);
  EXPECT_EQ(q2.outflow_total(), 0);
  EXPECT_EQ(q2.change_banen_x100(), 0);
  EXPECT_EQ(figures.last_seq(), 4u);
}

TEST_F(RegisterServiceTest, AsOfExcludesRegistrationsRecordedLater) {
  MustAppend("a", HireHistory("a"));
  const v1::GetHeadResponse head_after_first = Head();
  MustAppend("b", HireHistory("b"));
  v1::RegisterFiguresRequest request = Quarters("2024Q1");
  *request.mutable_as_of() = head_after_first.recorded_at();
  v1::RegisterFigures then;
  v1::RegisterFigures now;

  ASSERT_TRUE(Get(request, &then).ok());
  ASSERT_TRUE(Get(Quarters("2024Q1"), &now).ok());

  EXPECT_EQ(then.quarters(0).registered(), 1);
  EXPECT_EQ(then.quarters(0).banen_x100(), 100);
  EXPECT_EQ(then.last_seq(), 3u);
  EXPECT_EQ(now.quarters(0).registered(), 2);
  EXPECT_EQ(now.quarters(0).banen_x100(), 200);
  EXPECT_EQ(now.last_seq(), 6u);
}

TEST_F(RegisterServiceTest, MalformedOrReversedRangeIsInvalidArgument) {
  v1::RegisterFigures figures;
  const grpc::Status malformed = Get(Quarters("2024Q5"), &figures);
  EXPECT_EQ(malformed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(malformed.error_message().find("from_quarter"), std::string::npos)
      << malformed.error_message();
  EXPECT_EQ(Get(Quarters("2024Q4", "2024Q1"), &figures).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // One quarter back: the realisation's range (it starts a quarter early
  // for the change) would still be valid.
  const grpc::Status reversed = Get(Quarters("2024Q2", "2024Q1"), &figures);
  EXPECT_EQ(reversed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(reversed.error_message(), "to_quarter: before from_quarter");
}

}  // namespace
}  // namespace banen::test
