#include "projections/checkpoint.h"

#include "gtest/gtest.h"
#include "tests/projections/projection_test_util.h"

namespace banen {
namespace {

TEST(CheckpointKeyTest, SortsBySeq) {
  EXPECT_LT(CheckpointKey(255), CheckpointKey(256));
  EXPECT_LT(CheckpointKey(1), CheckpointKey(uint64_t{1} << 40));
  EXPECT_EQ(ParseCheckpointKey(CheckpointKey(123456789)), 123456789u);
  EXPECT_FALSE(ParseCheckpointKey("short").has_value());
}

TEST(CheckpointTest, RoundTripsSectorFigures) {
  FigureAccumulator figures;
  figures.AddHoursStep(SectorScope(Sector::kRijk), FormSeries::kTijdelijk,
                       StepDay(test::D("2024-05-17")), 2550);
  figures.AddCountStep(SectorScope(Sector::kNationaal), CountSeries::kPersons,
                       StepDay(test::D("2024-05-17")), -1);
  figures
      .MutableFlows(SectorScope(Sector::kRijk), StepDay(test::D("2024-05-17")))
      ->ended[3] = 2;
  const absl::StatusOr<Checkpoint> decoded =
      DecodeCheckpoint(EncodeCheckpoint(99, figures));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->seq, 99u);
  EXPECT_TRUE(decoded->figures == figures);
}

TEST(CheckpointTest, LeavesEmployerScopesOut) {
  FigureAccumulator figures;
  figures.AddHoursStep(EmployerScope(3), FormSeries::kVast,
                       StepDay(test::D("2024-05-17")), 2550);
  const absl::StatusOr<Checkpoint> decoded =
      DecodeCheckpoint(EncodeCheckpoint(1, figures));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(decoded->figures == FigureAccumulator());
}

TEST(CheckpointTest, RejectsGarbageAsDataLoss) {
  EXPECT_EQ(DecodeCheckpoint("\xff\xff not a checkpoint").status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace banen
