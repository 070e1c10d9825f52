#include "tools/demo_data.h"

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger/codec.h"
#include "ledger/event_log.h"
#include "projections/projection_state.h"
#include "projections/realisation.h"

namespace banen {
namespace {

// Small markt volume: the government sectors, which this test calibrates
// against DOMAIN.md §7, do not scale.
constexpr double kTestMarktScale = 0.02;

absl::Time NoonOn(Date day) {
  return absl::FromCivil(absl::CivilDay(1970, 1, 1) + day.days,
                         absl::UTCTimeZone()) +
         absl::Hours(12);
}

// The generated data set, appended batch by batch to a real EventLog (which
// validates every event) with the batches' nominal recording days as its
// clock, then folded into a ProjectionState.
class DemoDataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string dir = "/tmp/banen_demo_data_test_XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = new std::string(dir);
    absl::Time now = absl::InfinitePast();
    EventLogOptions log_options;
    log_options.clock = [&now] { return now; };
    log_options.sync = false;
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        EventLog::Open(dir + "/ledger", std::move(log_options));
    ASSERT_TRUE(log.ok()) << log.status();
    counts_ = new DemoDataCounts;
    rejection_ = new absl::Status;
    DemoDataOptions options;
    options.markt_scale = kTestMarktScale;
    const absl::Status generated = GenerateDemoData(
        options,
        [&](DemoBatch batch) -> absl::Status {
          now = NoonOn(batch.recorded_on);
          AppendBatch append;
          append.events = std::move(batch.events);
          absl::StatusOr<AppendResult> result = (*log)->Append(append);
          if (!result.ok()) {
            // Name the event the ledger rejected, to debug the generator.
            *rejection_ = result.status();
            return result.status();
          }
          return absl::OkStatus();
        },
        counts_);
    ASSERT_TRUE(generated.ok()) << generated;
    state_ = new ProjectionState;
    const absl::Status scanned =
        (*log)->Scan(1, 0, [](const StoredEvent& stored) {
          state_->Apply(stored);
          return true;
        });
    ASSERT_TRUE(scanned.ok()) << scanned;
    head_seq_ = (*log)->GetHead().seq;
  }

  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);
    delete dir_;
    delete counts_;
    delete rejection_;
    delete state_;
  }

  void SetUp() override {
    ASSERT_TRUE(rejection_->ok()) << "the ledger rejected: " << *rejection_;
    ASSERT_NE(state_, nullptr);
  }

  // The PEILDATUM row of `sector` for Q4 of `year`.
  static RealisationRow YearEnd(Sector sector, int year) {
    RealisationQuery query;
    query.sectors = {sector};
    query.from = Quarter{year, 4};
    query.to = Quarter{year, 4};
    const RealisationTable table = ComputeRealisation(*state_, query);
    EXPECT_EQ(table.rows.size(), 1u);
    return table.rows.empty() ? RealisationRow{} : table.rows.front();
  }

  static int64_t FormX100(const RealisationRow& row, FormSeries form) {
    return row.form_banen_x100[static_cast<size_t>(form)];
  }

  static std::string* dir_;
  static DemoDataCounts* counts_;
  static absl::Status* rejection_;
  static ProjectionState* state_;
  static uint64_t head_seq_;
};

std::string* DemoDataTest::dir_ = nullptr;
DemoDataCounts* DemoDataTest::counts_ = nullptr;
absl::Status* DemoDataTest::rejection_ = nullptr;
ProjectionState* DemoDataTest::state_ = nullptr;
uint64_t DemoDataTest::head_seq_ = 0;

TEST_F(DemoDataTest, LedgerStoresEveryGeneratedEvent) {
  // Nothing rejected (SetUp) and nothing a duplicate: one seq per event.
  EXPECT_EQ(head_seq_, counts_->events);
  std::cout << "generated " << counts_->events << " events in "
            << counts_->batches << " batches\n";
}

TEST_F(DemoDataTest, GeneratesEveryKindOfEvent) {
  for (int kind = 0; kind < kEventKindCount; ++kind) {
    EXPECT_GT(counts_->events_by_kind[kind], 0u)
        << EventKindName(static_cast<EventKind>(kind));
  }
}

struct SectorYearFigure {
  Sector sector;
  int year;
  int64_t banen_x100;
};

// DOMAIN.md §7, realisation per government sector; "–" cells are absent.
const std::vector<SectorYearFigure>& DomainRealisation() {
  static const auto* figures = new std::vector<SectorYearFigure>{
      {Sector::kGemeenten, 2021, 579600},
      {Sector::kGemeenten, 2022, 649000},
      {Sector::kGemeenten, 2023, 632000},
      {Sector::kGemeenten, 2024, 605100},
      {Sector::kProvincies, 2021, 35500},
      {Sector::kProvincies, 2022, 37044},
      {Sector::kProvincies, 2023, 39550},
      {Sector::kProvincies, 2024, 42070},
      {Sector::kWaterschappen, 2021, 29700},
      {Sector::kWaterschappen, 2022, 32720},
      {Sector::kWaterschappen, 2023, 32900},
      {Sector::kWaterschappen, 2024, 33050},
      {Sector::kRijk, 2021, 320300},
      {Sector::kRijk, 2022, 374900},
      {Sector::kRijk, 2023, 451700},
      {Sector::kRijk, 2024, 507800},
      {Sector::kDefensie, 2021, 40900},
      {Sector::kDefensie, 2022, 41870},
      {Sector::kDefensie, 2023, 50850},
      {Sector::kDefensie, 2024, 59540},
      {Sector::kPolitie, 2021, 66000},
      {Sector::kPolitie, 2023, 38700},
      {Sector::kPolitie, 2024, 48900},
      {Sector::kUmc, 2021, 61600},
      {Sector::kUmc, 2022, 53500},
      {Sector::kUmc, 2023, 50600},
      {Sector::kUmc, 2024, 58600},
      {Sector::kPrimairOnderwijs, 2023, 129000},
      {Sector::kPrimairOnderwijs, 2024, 137200},
      {Sector::kVoortgezetOnderwijs, 2023, 84000},
      {Sector::kVoortgezetOnderwijs, 2024, 75000},
      {Sector::kMbo, 2022, 57500},
      {Sector::kMbo, 2023, 70000},
      {Sector::kMbo, 2024, 70600},
      {Sector::kHbo, 2021, 32800},
      {Sector::kHbo, 2022, 39100},
      {Sector::kHbo, 2023, 49800},
      {Sector::kHbo, 2024, 47900},
      {Sector::kWo, 2021, 91900},
      {Sector::kWo, 2022, 96300},
      {Sector::kWo, 2023, 104000},
      {Sector::kWo, 2024, 102400},
      {Sector::kOnderzoeksinstellingen, 2021, 5500},
      {Sector::kOnderzoeksinstellingen, 2022, 6100},
      {Sector::kOnderzoeksinstellingen, 2023, 4900},
      {Sector::kOnderzoeksinstellingen, 2024, 5140},
  };
  return *figures;
}

TEST_F(DemoDataTest, GovernmentRealisationMatchesDomainWithinHalfABaan) {
  for (const SectorYearFigure& figure : DomainRealisation()) {
    const RealisationRow row = YearEnd(figure.sector, figure.year);
    // Calibrated to the hundredth, so "within 0.5 banen" holds with room.
    EXPECT_EQ(row.banen_x100, figure.banen_x100)
        << SectorName(figure.sector) << " " << figure.year;
  }
}

TEST_F(DemoDataTest, PolitieSplits2024IntoVastTijdelijkAndInleen) {
  const RealisationRow row = YearEnd(Sector::kPolitie, 2024);
  EXPECT_EQ(FormX100(row, FormSeries::kVast), 24900);
  EXPECT_EQ(FormX100(row, FormSeries::kTijdelijk), 17900);
  // 61 inleen = 31 uitzend + 30 detachering.
  EXPECT_EQ(FormX100(row, FormSeries::kInleenUitzend) +
                FormX100(row, FormSeries::kInleenDetachering),
            6100);
}

TEST_F(DemoDataTest, WaterschappenSplit2024HasTheLettersPercentages) {
  const RealisationRow row = YearEnd(Sector::kWaterschappen, 2024);
  const auto percent_x10 = [&](int64_t x100) {
    // Rounded to one decimal from the hundredths, like the letter.
    return (x100 * 1000 * 2 + row.banen_x100) / (2 * row.banen_x100);
  };
  EXPECT_EQ(percent_x10(FormX100(row, FormSeries::kVast)), 529);
  EXPECT_EQ(percent_x10(FormX100(row, FormSeries::kTijdelijk)), 228);
  EXPECT_EQ(percent_x10(FormX100(row, FormSeries::kInleenUitzend) +
                        FormX100(row, FormSeries::kInleenDetachering)),
            243);
}

TEST_F(DemoDataTest, UmcHas54Detacheringen2024) {
  EXPECT_EQ(
      FormX100(YearEnd(Sector::kUmc, 2024), FormSeries::kInleenDetachering),
      5400);
}

TEST_F(DemoDataTest, SroiFiguresMatchDomain) {
  const std::vector<SectorYearFigure> sroi = {
      {Sector::kDefensie, 2021, 20100},
      {Sector::kDefensie, 2022, 21740},
      {Sector::kDefensie, 2023, 23580},
      {Sector::kDefensie, 2024, 23090},
      {Sector::kPrimairOnderwijs, 2023, 13000},
      {Sector::kPrimairOnderwijs, 2024, 18400},
      {Sector::kVoortgezetOnderwijs, 2023, 27300},
      {Sector::kVoortgezetOnderwijs, 2024, 66800},
      // HBO 2024 incl. inkoop 605 = 479 + 126; WO incl. SROI 1,207 = 1,024 +
      // 183.
      {Sector::kHbo, 2024, 12600},
      {Sector::kWo, 2024, 18300},
  };
  for (const SectorYearFigure& figure : sroi) {
    EXPECT_EQ(YearEnd(figure.sector, figure.year).banen_sroi_x100,
              figure.banen_x100)
        << SectorName(figure.sector) << " " << figure.year;
  }
}

TEST_F(DemoDataTest, TargetsGiveTheLettersPercentages) {
  // RIJK 2024: 5,078 / 5,994 = 84.72% (the letter rounds to 85%).
  const RealisationRow rijk = YearEnd(Sector::kRijk, 2024);
  EXPECT_EQ(rijk.doel_x100, 599400);
  EXPECT_EQ(rijk.realisatiepercentage_x10, 847);
  // DEFENSIE 2024: 595.4 / 899 = 66.23%; incl. SROI (595.4 + 230.9) / 899 =
  // 91.91%.
  const RealisationRow defensie = YearEnd(Sector::kDefensie, 2024);
  EXPECT_EQ(defensie.realisatiepercentage_x10, 662);
  EXPECT_EQ(defensie.realisatiepercentage_incl_sroi_x10, 919);
}

TEST_F(DemoDataTest, RevisedTargetWins) {
  // MBO 2022: first estimated at 1,280, revised to §7's ±1,305.
  EXPECT_EQ(YearEnd(Sector::kMbo, 2022).doel_x100, 130500);
}

TEST_F(DemoDataTest, OverheidExtraBanen2023MatchTheNationalTable) {
  // The sector realisations of 2023 add up to 17,380; the overheid baseline
  // is chosen as 17,380 - 11,634 so the extra banen match SZW's 11,634.
  const RealisationRow row = YearEnd(Sector::kOverheid, 2023);
  EXPECT_EQ(row.banen_x100, 1738000);
  EXPECT_EQ(row.extra_x100, 1163400);
}

TEST_F(DemoDataTest, MarktFollowsTheNationalTableTimesTheScale) {
  // 2022: baseline 75,179 - 5,746 = 69,433 plus 71,113 extra = 140,546
  // banen, times 0.02 = 2,810.92.
  EXPECT_EQ(YearEnd(Sector::kMarkt, 2022).banen_x100, 281092);
}

TEST_F(DemoDataTest, LateEventsMakeTheEarlyFigureDiffer) {
  // Some 2024 events are recorded weeks or months late, so GEMEENTEN 2024Q4
  // as known on 2 January 2025 is not yet the calibrated 6,051.
  RealisationQuery query;
  query.sectors = {Sector::kGemeenten};
  query.from = Quarter{2024, 4};
  query.to = Quarter{2024, 4};
  query.as_of = NoonOn(MakeDate(2025, 1, 2));
  const RealisationTable early = ComputeRealisation(*state_, query);
  ASSERT_EQ(early.rows.size(), 1u);
  EXPECT_NE(early.rows[0].banen_x100, 605100);
  EXPECT_EQ(YearEnd(Sector::kGemeenten, 2024).banen_x100, 605100);
}

uint64_t Fingerprint(const DemoDataOptions& options) {
  Hash chain{};
  uint64_t seq = options.first_seq;
  const absl::Status status =
      GenerateDemoData(options, [&](DemoBatch batch) -> absl::Status {
        for (const Event& event : batch.events) {
          chain =
              ChainHash(chain, CanonicalBytes(seq++, absl::UnixEpoch(), event));
        }
        return absl::OkStatus();
      });
  EXPECT_TRUE(status.ok()) << status;
  uint64_t fingerprint = 0;
  for (int i = 0; i < 8; ++i) fingerprint = fingerprint << 8 | chain[i];
  return fingerprint;
}

TEST(DemoDataDeterminismTest, SameSeedGivesTheSameEvents) {
  DemoDataOptions options;
  options.markt_scale = kTestMarktScale;
  EXPECT_EQ(Fingerprint(options), Fingerprint(options));
}

TEST(DemoDataDeterminismTest, AnotherSeedGivesOtherEvents) {
  DemoDataOptions options;
  options.markt_scale = kTestMarktScale;
  DemoDataOptions other = options;
  other.seed = 2;
  EXPECT_NE(Fingerprint(options), Fingerprint(other));
}

TEST(DemoDataOptionsTest, RejectsScaleOutOfRange) {
  DemoDataOptions options;
  options.markt_scale = 0;
  EXPECT_EQ(
      GenerateDemoData(options, [](DemoBatch) { return absl::OkStatus(); })
          .code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace banen
