// Quota and levy per employer (projections/quota.h), golden figures computed
// by hand. D = kQuotaDenominator = 7 x 10^6 x 1331 = 9,317,000,000;
// quota = 7 x P x H / D and realised = 10^4 x S / D, with P the percentage
// x100, H the paid hours x100 and S the sum of hours_per_week x100 over the
// counting days. 2024 has 366 days.
#include "projections/quota.h"

#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/event.h"
#include "projections/projection_state.h"
#include "projections/realisation.h"
#include "projections/rounding.h"
#include "projections/year_hours.h"
#include "tests/ledger/test_events.h"
#include "tests/projections/day_by_day.h"
#include "tests/projections/projection_test_util.h"
#include "tests/projections/random_history.h"

namespace banen {
namespace {

using test::PersonRef;
using test::RandomHistory;
using test::StoredHistory;

// 300 fte x 38 h a week x 52 weeks = 592,800 paid hours.
constexpr int64_t kWorkedExampleHoursX100 = int64_t{300} * 38 * 52 * 100;

Event Employer(std::string_view id, Sector sector) {
  return test::EmployerRegisteredEvent(std::string("reg-") + std::string(id),
                                       "2020-01-01", id, sector);
}

Event Hours(std::string_view id, int32_t year, int64_t hours_x100) {
  return test::EmployerHoursReportedEvent(
      std::string("hours-") + std::string(id) + "-" + std::to_string(year),
      "2025-03-01", id, year, hours_x100);
}

Event Percentage(Sector sector, int32_t year, int32_t percentage_x100) {
  return test::QuotaPercentageSetEvent(
      std::string("pct-") + std::string(SectorName(sector)) + "-" +
          std::to_string(year),
      "2023-11-01", sector, year, percentage_x100);
}

// Person `person` registered from `date`, with a job of `hours_x100` a week
// from 2020 on at `employer_id`.
void Job(StoredHistory& history, int person, std::string_view employer_id,
         int32_t hours_x100, ContractForm form = ContractForm::kVast,
         std::string_view lender_id = "", std::string_view commissioner = "",
         std::string_view registered_from = "2020-01-01") {
  const std::string job_id = "job-" + std::to_string(person);
  history.Record(test::PersonRegisteredEvent(
      "reg-p" + std::to_string(person), registered_from, PersonRef(person)));
  history.Record(test::JobStartedEvent("hire-" + job_id, "2020-01-01", job_id,
                                       employer_id, PersonRef(person), form,
                                       hours_x100, lender_id, commissioner));
}

QuotaRow RowOf(const ProjectionState& state, std::string_view employer_id,
               int32_t year = 2024, Regime regime = Regime::kWfsv2015) {
  QuotaQuery query;
  query.year = year;
  query.employer_ids = {std::string(employer_id)};
  query.regime = regime;
  const absl::StatusOr<QuotaTable> table =
      ComputeQuota(state, state.last_seq(), query);
  EXPECT_TRUE(table.ok()) << table.status();
  if (!table.ok() || table->rows.size() != 1) return {};
  return table->rows[0];
}

const QuotaTotal* TotalOf(const QuotaTable& table, Sector sector) {
  for (const QuotaTotal& total : table.totals) {
    if (total.sector == sector) return &total;
  }
  return nullptr;
}

// The sources' example (DOMAIN.md §8): 300 fte x 38 h a week at 2.69 % is
// about 12 banen. 7 x 269 x 59,280,000 = 111,624,240,000; / D = 11.9807...
// -> 11.98 banen, 12 whole. With nobody of the target group it would miss
// 11.9 banen (rounded down), a levy of 119 x €500 = €59,500.
TEST(Quota, WorkedExampleOfTheSourcesComesToTwelveBanen) {
  StoredHistory history;
  history.Record(Employer("gm", Sector::kGemeenten));
  history.Record(Hours("gm", 2023, kWorkedExampleHoursX100));
  history.Record(Hours("gm", 2024, kWorkedExampleHoursX100));
  history.Record(Percentage(Sector::kOverheid, 2024, 269));
  const QuotaRow row = RowOf(history.Fold(), "gm");
  EXPECT_EQ(row.quota_numerator, 111'624'240'000);
  EXPECT_EQ(row.quota_banen_x100, 1198);
  EXPECT_EQ(RoundHalfEven(row.quota_numerator, kQuotaDenominator), 12);
  EXPECT_TRUE(row.liable);
  EXPECT_EQ(row.shortfall_banen_x10, 119);
  EXPECT_EQ(row.levy_euro, 59'500);
}

// gm pays 592,800 h in 2023 and 2024, quota 2.76 %: 7 x 276 x 59,280,000 =
// 114,528,960,000 (12.2925 banen -> 12.29). One person works 25.5 h all
// 366 days: S = 2550 x 366 = 933,300, 133,328.57 -> 133,329 hours x100,
// 10^4 S = 9,333,000,000 (1.0017 -> 1.00 banen). Shortfall: 105,195,960,000
// x 10 / D = 112.9 -> 11.2 banen, levy 112 x €500 = €56,000.
TEST(Quota, LiableEmployerCarriesTheLevyOfItsShortfall) {
  StoredHistory history;
  history.Record(Employer("gm", Sector::kGemeenten));
  history.Record(Hours("gm", 2023, kWorkedExampleHoursX100));
  history.Record(Hours("gm", 2024, kWorkedExampleHoursX100));
  history.Record(Percentage(Sector::kOverheid, 2024, 276));
  Job(history, 1, "gm", 2550);
  const QuotaRow row = RowOf(history.Fold(), "gm");
  EXPECT_EQ(row.sector, Sector::kGemeenten);
  EXPECT_EQ(row.paid_hours_x100, kWorkedExampleHoursX100);
  EXPECT_EQ(row.previous_paid_hours_x100, kWorkedExampleHoursX100);
  EXPECT_TRUE(row.liable);
  EXPECT_EQ(row.percentage_x100, 276);
  EXPECT_EQ(row.quota_numerator, 114'528'960'000);
  EXPECT_EQ(row.quota_banen_x100, 1229);
  EXPECT_EQ(row.realised_numerator, 9'333'000'000);
  EXPECT_EQ(row.realised_hours_x100, 133'329);
  EXPECT_EQ(row.realised_banen_x100, 100);
  EXPECT_EQ(row.shortfall_banen_x10, 112);
  EXPECT_EQ(row.levy_euro, 56'000);
}

// 40,574.99 h is one hundredth below the threshold: a quota (7 x 276 x
// 4,057,499 / D = 0.84 banen) but no liability, so no shortfall or levy.
// Exactly 40,575 h in both years is liable.
TEST(Quota, EmployerUnderTheThresholdIsNotLiable) {
  StoredHistory history;
  history.Record(Employer("small", Sector::kProvincies));
  history.Record(Employer("edge", Sector::kProvincies));
  history.Record(Hours("small", 2023, 5'000'000));
  history.Record(Hours("small", 2024, 4'057'499));
  history.Record(Hours("edge", 2023, 4'057'500));
  history.Record(Hours("edge", 2024, 4'057'500));
  history.Record(Percentage(Sector::kOverheid, 2024, 276));
  const ProjectionState state = history.Fold();
  const QuotaRow small = RowOf(state, "small");
  EXPECT_FALSE(small.liable);
  EXPECT_EQ(small.quota_banen_x100, 84);
  EXPECT_EQ(small.shortfall_banen_x10, 0);
  EXPECT_EQ(small.levy_euro, 0);
  // 7 x 276 x 4,057,500 x 10 / D = 8.41 -> 0.8 baan, €4,000.
  const QuotaRow edge = RowOf(state, "edge");
  EXPECT_TRUE(edge.liable);
  EXPECT_EQ(edge.shortfall_banen_x10, 8);
  EXPECT_EQ(edge.levy_euro, 4'000);
}

// 30,000 h in 2023, 60,000 h in 2024 and 2025: above the threshold in 2024
// but not the year before, so liable from 2025 on.
TEST(Quota, EmployerCrossingTheThresholdIsLiableOnlyTheYearAfter) {
  StoredHistory history;
  history.Record(Employer("grower", Sector::kWaterschappen));
  history.Record(Hours("grower", 2023, 3'000'000));
  history.Record(Hours("grower", 2024, 6'000'000));
  history.Record(Hours("grower", 2025, 6'000'000));
  history.Record(Percentage(Sector::kOverheid, 2024, 276));
  history.Record(Percentage(Sector::kOverheid, 2025, 276));
  const ProjectionState state = history.Fold();
  EXPECT_FALSE(RowOf(state, "grower", 2024).liable);
  EXPECT_EQ(RowOf(state, "grower", 2024).levy_euro, 0);
  // 7 x 276 x 6,000,000 x 10 / D = 12.44 -> 1.2 banen, €6,000.
  const QuotaRow row = RowOf(state, "grower", 2025);
  EXPECT_TRUE(row.liable);
  EXPECT_EQ(row.shortfall_banen_x10, 12);
  EXPECT_EQ(row.levy_euro, 6'000);
}

// MARKT until 1 July 2024, GEMEENTEN after: 2024 is reported with the sector
// of 31 December, at the OVERHEID percentage, and 2023 as MARKT, whose
// percentage was never set (no quota). The job's hours count all year for
// the employer, whatever its sector on the day: 1.00 baan.
TEST(Quota, ReclassifiedEmployerTakesItsSectorOfTheYearsEnd) {
  StoredHistory history;
  history.Record(Employer("moved", Sector::kMarkt));
  history.Record(test::EmployerReclassifiedEvent("recl", "2024-07-01", "moved",
                                                 Sector::kGemeenten));
  history.Record(Hours("moved", 2022, kWorkedExampleHoursX100));
  history.Record(Hours("moved", 2023, kWorkedExampleHoursX100));
  history.Record(Hours("moved", 2024, kWorkedExampleHoursX100));
  history.Record(Percentage(Sector::kOverheid, 2024, 276));
  Job(history, 1, "moved", 2550);
  const ProjectionState state = history.Fold();
  const QuotaRow row_2024 = RowOf(state, "moved", 2024);
  EXPECT_EQ(row_2024.sector, Sector::kGemeenten);
  EXPECT_EQ(row_2024.percentage_x100, 276);
  EXPECT_EQ(row_2024.realised_banen_x100, 100);
  EXPECT_EQ(row_2024.shortfall_banen_x10, 112);
  const QuotaRow row_2023 = RowOf(state, "moved", 2023);
  EXPECT_EQ(row_2023.sector, Sector::kMarkt);
  EXPECT_FALSE(row_2023.percentage_x100.has_value());
  EXPECT_TRUE(row_2023.liable);
  EXPECT_EQ(row_2023.shortfall_banen_x10, 0);
}

// Registered from 1 July 2024: 184 counting days. S = 2550 x 184 = 469,200,
// 67,028.57 -> 67,029 hours x100; 10^4 S x 100 / D = 50.36 -> 0.50 banen.
TEST(Quota, CountsOnlyTheDaysThePersonIsRegistered) {
  StoredHistory history;
  history.Record(Employer("gm", Sector::kGemeenten));
  Job(history, 1, "gm", 2550, ContractForm::kVast, "", "", "2024-07-01");
  const QuotaRow row = RowOf(history.Fold(), "gm");
  EXPECT_EQ(row.realised_numerator, int64_t{10'000} * 469'200);
  EXPECT_EQ(row.realised_hours_x100, 67'029);
  EXPECT_EQ(row.realised_banen_x100, 50);
}

// An SROI job counts for its supplier, never for the public body whose
// procurement placed it (DOMAIN.md §2).
TEST(Quota, SroiJobCountsForItsSupplier) {
  StoredHistory history;
  history.Record(Employer("gm", Sector::kGemeenten));
  history.Record(Employer("supplier", Sector::kMarkt));
  Job(history, 1, "supplier", 2550, ContractForm::kVast, "", "gm");
  const ProjectionState state = history.Fold();
  EXPECT_EQ(RowOf(state, "supplier").realised_banen_x100, 100);
  EXPECT_EQ(RowOf(state, "gm").realised_numerator, 0);
}

// The waterschap "ws" pays 100,000 h in 2023 and 2024; both regimes' 2024
// percentage is 2.76 %: quota 7 x 276 x 10,000,000 = 19,320,000,000 (2.07
// banen). It employs one person at 12.75 h and hires two at 25.5 h from the
// Wsw company "wsw" (MARKT) by secondment, all year.
// - WFSV_2015: the secondments count for the hirer. S = (1275 + 2 x 2550) x
//   366 = 2,333,250: 2.50 banen, no shortfall, no levy.
// - WBA_2026: they count for their formal employer, wsw. ws keeps S = 1275
//   x 366 = 466,650 (0.50 banen) and misses (19,320,000,000 - 4,666,500,000)
//   x 10 / D = 15.7 -> 1.5 banen: €7,500. wsw gains 2 x 2550 x 366.
// So the inleen-heavy WATERSCHAPPEN meets its quota under today's law and
// falls short under the new one, from the same events.
class InleenHeavySector : public testing::Test {
 protected:
  void SetUp() override {
    StoredHistory history;
    history.Record(Employer("ws", Sector::kWaterschappen));
    history.Record(Employer("wsw", Sector::kMarkt));
    history.Record(Hours("ws", 2023, 10'000'000));
    history.Record(Hours("ws", 2024, 10'000'000));
    history.Record(Percentage(Sector::kOverheid, 2024, 276));
    history.Record(Percentage(Sector::kNationaal, 2024, 276));
    history.Record(test::TargetSetEvent("doel-ws", "2023-11-01",
                                        Sector::kWaterschappen, 2024, 200));
    history.Record(test::TargetSetEvent("doel-nl", "2023-11-01",
                                        Sector::kNationaal, 2024, 200));
    Job(history, 1, "ws", 1275);
    Job(history, 2, "ws", 2550, ContractForm::kInleenDetachering, "wsw");
    Job(history, 3, "ws", 2550, ContractForm::kInleenDetachering, "wsw");
    state_ = history.Fold();
  }
  QuotaTable Table(Regime regime) const {
    QuotaQuery query;
    query.year = 2024;
    query.regime = regime;
    return ComputeQuota(state_, state_.last_seq(), query).value();
  }
  ProjectionState state_;
};

TEST_F(InleenHeavySector, UnderWfsvTheSecondmentsCountForTheHirer) {
  const QuotaRow ws = RowOf(state_, "ws", 2024, Regime::kWfsv2015);
  EXPECT_EQ(ws.quota_numerator, 19'320'000'000);
  EXPECT_EQ(ws.realised_numerator, int64_t{10'000} * 2'333'250);
  EXPECT_EQ(ws.realised_banen_x100, 250);
  EXPECT_EQ(ws.shortfall_banen_x10, 0);
  EXPECT_EQ(RowOf(state_, "wsw", 2024, Regime::kWfsv2015).realised_numerator,
            0);
}

TEST_F(InleenHeavySector, UnderWbaTheSecondmentsCountForTheLender) {
  const QuotaRow ws = RowOf(state_, "ws", 2024, Regime::kWba2026);
  EXPECT_EQ(ws.realised_numerator, int64_t{10'000} * 466'650);
  EXPECT_EQ(ws.realised_banen_x100, 50);
  EXPECT_EQ(ws.shortfall_banen_x10, 15);
  EXPECT_EQ(ws.levy_euro, 7'500);
  EXPECT_EQ(RowOf(state_, "wsw", 2024, Regime::kWba2026).realised_numerator,
            int64_t{10'000} * 2 * 2550 * 366);
}

TEST_F(InleenHeavySector, TheSectorMovesFromMetToShortBetweenRegimes) {
  const QuotaTable wfsv = Table(Regime::kWfsv2015);
  const QuotaTable wba = Table(Regime::kWba2026);
  ASSERT_NE(TotalOf(wfsv, Sector::kWaterschappen), nullptr);
  ASSERT_NE(TotalOf(wba, Sector::kWaterschappen), nullptr);
  EXPECT_EQ(TotalOf(wfsv, Sector::kWaterschappen)->liable_employers, 1);
  EXPECT_EQ(TotalOf(wfsv, Sector::kWaterschappen)->realised_banen_x100, 250);
  EXPECT_EQ(TotalOf(wfsv, Sector::kWaterschappen)->levy_euro, 0);
  EXPECT_EQ(TotalOf(wba, Sector::kWaterschappen)->realised_banen_x100, 50);
  EXPECT_EQ(TotalOf(wba, Sector::kWaterschappen)->shortfall_banen_x10, 15);
  EXPECT_EQ(TotalOf(wba, Sector::kOverheid)->levy_euro, 7'500);
  // Nationally nothing is lost: the hours moved to MARKT (wsw, which
  // reported no paid hours and so is not liable).
  EXPECT_EQ(TotalOf(wfsv, Sector::kNationaal)->employers, 2);
  EXPECT_EQ(TotalOf(wba, Sector::kMarkt)->employers, 1);
}

// The realisation table of the same events under both laws (the fixture's
// targets: 2.00 banen for WATERSCHAPPEN and for NATIONAAL in 2024).
// - WFSV_2015, 2024Q4 PEILDATUM: the hirer counts every job, so
//   WATERSCHAPPEN holds 1275 + 2550 + 2550 = 6375 hours x100 a week / 2550 =
//   2.50 banen, 125.0 % of its own target; MARKT holds nothing.
// - WBA_2026, the year 2024 in paid hours (hour-days over 7 x 100 x 1,331 =
//   931,700): the secondments count for their formal employer wsw, in
//   MARKT. WATERSCHAPPEN keeps 1275 x 366 = 466,650 hour-days (66,664.29 ->
//   66,664 hours x100; 46,665,000 / 931,700 = 50.09 -> 0.50 banen); MARKT
//   gets 2 x 2550 x 366 = 1,866,600 (200.34 -> 2.00 banen, all detachering);
//   NATIONAAL 2,333,250 (250.43 -> 2.50 banen) against the one national
//   target: 233,325,000 / (931,700 x 200) = 125.21 % -> 125.2. Against 2023
//   (365 days: 6375 x 365 = 2,326,875 hour-days) NATIONAAL rose by 6,375
//   hour-days, 637,500 / 931,700 = 0.68 -> 0.01 banen. WATERSCHAPPEN has no
//   target of its own under this law.
// So the inleen-heavy WATERSCHAPPEN drops from 2.50 to 0.50 banen between
// the regimes: under the 2025 law its secondees count where they are
// employed, not where they work.
TEST_F(InleenHeavySector, TheRealisationMovesTheSecondmentsToTheLendersSector) {
  RealisationQuery query;
  query.sectors = {Sector::kWaterschappen, Sector::kMarkt, Sector::kNationaal};
  query.from = Quarter{2024, 4};
  query.to = Quarter{2024, 4};
  const RealisationTable wfsv = ComputeRealisation(state_, query);
  const RealisationRow ws =
      test::RowOf(wfsv, Sector::kWaterschappen, Quarter{2024, 4});
  EXPECT_EQ(ws.banen_x100, 250);
  EXPECT_EQ(ws.realisatiepercentage_x10, 1250);
  EXPECT_EQ(test::RowOf(wfsv, Sector::kMarkt, Quarter{2024, 4}).banen_x100, 0);
  EXPECT_TRUE(wfsv.year_rows.empty());

  query.regime = Regime::kWba2026;
  const RealisationTable wba = ComputeRealisation(state_, query);
  EXPECT_EQ(wba.regime, Regime::kWba2026);
  EXPECT_TRUE(wba.rows.empty());
  ASSERT_EQ(wba.year_rows.size(), 3u);
  const YearRow& water = wba.year_rows[0];
  EXPECT_EQ(water.sector, Sector::kWaterschappen);
  EXPECT_EQ(water.year, 2024);
  EXPECT_EQ(water.Numerator(), 466'650);
  EXPECT_EQ(water.hours_x100, 66'664);
  EXPECT_EQ(water.banen_x100, 50);
  EXPECT_EQ(water.doel_x100, std::nullopt);
  const YearRow& markt = wba.year_rows[1];
  EXPECT_EQ(markt.sector, Sector::kMarkt);
  EXPECT_EQ(markt.Numerator(), 1'866'600);
  EXPECT_EQ(markt.banen_x100, 200);
  EXPECT_EQ(
      markt
          .form_banen_x100[static_cast<size_t>(FormSeries::kInleenDetachering)],
      200);
  const YearRow& nationaal = wba.year_rows[2];
  EXPECT_EQ(nationaal.Numerator(), 2'333'250);
  EXPECT_EQ(nationaal.banen_x100, 250);
  EXPECT_EQ(nationaal.doel_x100, 200);
  EXPECT_EQ(nationaal.realisatiepercentage_x10, 1252);
  EXPECT_EQ(nationaal.change_x100, 1);
}

// A later report for the same employer and year replaces the earlier one;
// retracting it brings the earlier one back; as of a cut before it, the
// earlier one holds.
TEST(Quota, LatestHoursReportWinsAndItsRetractionRestoresTheEarlier) {
  StoredHistory history;
  history.Record(Employer("gm", Sector::kGemeenten));
  const uint64_t first = history.Record(Hours("gm", 2024, 59'280'000));
  const uint64_t second = history.Record(test::EmployerHoursReportedEvent(
      "hours-gm-2024-again", "2025-04-01", "gm", 2024, 4'000'000));
  history.Record(
      test::EventRetractedEvent("retract", "2025-04-02", second, "wrong file"));
  const ProjectionState state = history.Fold();
  QuotaQuery query;
  query.year = 2024;
  const auto hours_at = [&](uint64_t cut) {
    return ComputeQuota(state, cut, query).value().rows.at(0).paid_hours_x100;
  };
  EXPECT_EQ(hours_at(first), 59'280'000);
  EXPECT_EQ(hours_at(second), 4'000'000);
  EXPECT_EQ(hours_at(state.last_seq()), 59'280'000);
}

TEST(Quota, RejectsAnUnknownEmployer) {
  StoredHistory history;
  history.Record(Employer("gm", Sector::kGemeenten));
  QuotaQuery query;
  query.year = 2024;
  query.employer_ids = {"nobody"};
  const ProjectionState state = history.Fold();
  EXPECT_EQ(ComputeQuota(state, state.last_seq(), query).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(Quota, RejectsAYearBefore2013) {
  const ProjectionState state;
  QuotaQuery query;
  query.year = 2012;
  EXPECT_EQ(ComputeQuota(state, 0, query).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A sector filter keeps the employers of that sector or aggregate.
TEST(Quota, SectorFilterKeepsTheAggregatesEmployers) {
  StoredHistory history;
  history.Record(Employer("gm", Sector::kGemeenten));
  history.Record(Employer("shop", Sector::kMarkt));
  const ProjectionState state = history.Fold();
  QuotaQuery query;
  query.year = 2024;
  query.sector = Sector::kOverheid;
  const QuotaTable table = ComputeQuota(state, state.last_seq(), query).value();
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(table.rows[0].employer_id, "gm");
}

// Rows come in employer_id order, byte by byte, also for ids alike in
// their first 16 bytes and ids that are each other's prefix; an employer
// asked for twice is one row.
TEST(Quota, RowsComeInEmployerIdOrderOnceEach) {
  const std::vector<std::string> ids = {"zz",
                                        "werkgever-000000-b",
                                        "werkgever-000000-a",
                                        "werkgever-000000",
                                        "werkgever",
                                        "A",
                                        "werkgever-00000"};
  StoredHistory history;
  for (const std::string& id : ids) {
    history.Record(Employer(id, Sector::kMarkt));
  }
  const ProjectionState state = history.Fold();
  const auto rows_of = [&](const QuotaQuery& query) {
    const absl::StatusOr<QuotaTable> table =
        ComputeQuota(state, state.last_seq(), query);
    std::vector<std::string> rows;
    if (table.ok()) {
      for (const QuotaRow& row : table->rows) rows.push_back(row.employer_id);
    }
    return rows;
  };
  QuotaQuery query;
  query.year = 2024;
  EXPECT_EQ(rows_of(query),
            (std::vector<std::string>{"A", "werkgever", "werkgever-00000",
                                      "werkgever-000000", "werkgever-000000-a",
                                      "werkgever-000000-b", "zz"}));
  query.employer_ids = {"zz", "werkgever-000000-b", "zz", "A"};
  EXPECT_EQ(rows_of(query),
            (std::vector<std::string>{"A", "werkgever-000000-b", "zz"}));
}

// The model: every day of the year, every job, literally (DayByDay, the
// reference of the realisation's figures too), summed per employer the job
// counts for under the regime.
std::vector<int64_t> DailyHourDays(const ProjectionState& state, uint64_t cut,
                                   Regime regime, int32_t year) {
  const test::DayByDay reference(state, cut);
  std::vector<int64_t> sums(state.employer_count(), 0);
  for (Date day = MakeDate(year, 1, 1); day < MakeDate(year + 1, 1, 1);
       day.days++) {
    for (uint32_t p = 0; p < state.person_count(); ++p) {
      if (!reference.RegisteredOn(state.person(p), day)) continue;
      for (uint32_t j : state.person(p).jobs()) {
        const JobRecord& job = state.job(j);
        const test::DayState on = reference.JobOn(job, day);
        if (!on.active) continue;
        const uint32_t to = regime == Regime::kWba2026 && IsInleen(on.form)
                                ? job.lender
                                : job.employer;
        if (to != kNoIndex) sums[to] += on.hours_x100;
      }
    }
  }
  return sums;
}

class QuotaRandomHistoryTest : public testing::TestWithParam<uint32_t> {};

TEST_P(QuotaRandomHistoryTest, RealisedHoursEqualTheDailyModel) {
  StoredHistory history;
  RandomHistory random(GetParam());
  for (int i = 0; i < 150; ++i) {
    random.Accepted(history.Record(random.Propose()));
  }
  const ProjectionState state = history.Fold();
  int64_t compared = 0;  // guards against a vacuous comparison
  for (uint64_t cut : {state.last_seq() / 2, state.last_seq()}) {
    for (Regime regime : {Regime::kWfsv2015, Regime::kWba2026}) {
      for (int32_t year = 2020; year <= 2026; ++year) {
        const std::vector<int64_t> model =
            DailyHourDays(state, cut, regime, year);
        QuotaQuery query;
        query.year = year;
        query.regime = regime;
        const QuotaTable table = ComputeQuota(state, cut, query).value();
        for (const QuotaRow& row : table.rows) {
          SCOPED_TRACE(row.employer_id + " " + std::to_string(year) + " cut " +
                       std::to_string(cut));
          const uint32_t employer = *state.FindEmployer(row.employer_id);
          EXPECT_EQ(row.realised_numerator, 10'000 * model[employer]);
          if (model[employer] > 0) ++compared;
        }
      }
    }
  }
  EXPECT_GT(compared, 20);
}

INSTANTIATE_TEST_SUITE_P(Seeds, QuotaRandomHistoryTest, testing::Range(1u, 9u));

// The projector's tail keeps YearHours by moving the persons each fold
// touches (PersonsTouched) from the fold's first cut to its last. Over
// random histories folded in chunks of 1..12 events, the kept sums equal a
// recomputation from the whole state after every chunk, for every employer
// and year 2018..2028 (the recomputation itself is held to the day-by-day
// model above, through ComputeQuota).
class YearHoursRandomHistoryTest : public testing::TestWithParam<uint32_t> {};

TEST_P(YearHoursRandomHistoryTest, KeptSumsEqualARecomputationAfterEachFold) {
  YearHours kept;
  int64_t compared = 0;  // guards against a vacuous comparison
  test::FoldInChunks(
      test::RandomStoredHistory(GetParam(), 300), GetParam(), kept,
      [&](const ProjectionState& state) {
        const YearHours built = YearHours::Build(state, state.last_seq());
        for (uint32_t employer = 0; employer < state.employer_count();
             ++employer) {
          for (int32_t year = 2018; year <= 2028; ++year) {
            const EmployerYear expected = built.Of(employer, year);
            ASSERT_EQ(kept.Of(employer, year), expected)
                << "employer " << employer << " year " << year << " at seq "
                << state.last_seq();
            if (expected != EmployerYear{}) ++compared;
          }
        }
      });
  EXPECT_GT(compared, 500);
}

INSTANTIATE_TEST_SUITE_P(Seeds, YearHoursRandomHistoryTest,
                         testing::Range(1u, 9u));

// 1000 full-time jobs from 2024-03-07: 300 days of 8000 hour-days each in
// 2024, 2,400,000,000 in all (past 32 bits), and 365 days in 2025. The sums
// are exact, built person by person through the row's move to 64-bit
// values, and after all but one person are taken out again.
TEST(YearHoursTest, SumsPast32BitsStayExact) {
  StoredHistory history;
  history.RecordFullTimeHires(1000, "2024-03-07");
  const ProjectionState state = history.Fold();
  const uint32_t employer = *state.FindEmployer("emp-1");
  const auto vast = static_cast<size_t>(FormSeries::kVast);
  YearHours hours = YearHours::Build(state, state.last_seq());
  EXPECT_EQ(hours.Of(employer, 2024).own[vast], 2'400'000'000);
  EXPECT_EQ(hours.Of(employer, 2025).own[vast], 2'920'000'000);
  EXPECT_EQ(hours.Of(employer, 2023), EmployerYear{});

  PersonAtCut read;
  for (uint32_t person = 1; person < state.person_count(); ++person) {
    read.Read(state, person, state.last_seq());
    hours.AddPerson(read, -1);
  }
  EXPECT_EQ(hours.Of(employer, 2024).own[vast], 2'400'000);
  EXPECT_EQ(hours.Of(employer, 2025).own[vast], 2'920'000);
}

}  // namespace
}  // namespace banen
