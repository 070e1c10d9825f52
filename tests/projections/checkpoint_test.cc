#include "projections/checkpoint.h"

#include "banen/v1/projection.pb.h"
#include "gtest/gtest.h"
#include "tests/projections/projection_test_util.h"
#include "tests/projections/projector_test_util.h"

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

// A checkpoint holds figures of one set of counting rules: one of other
// rules (or of none: version 1) must be rebuilt, not folded on.
TEST(CheckpointTest, RejectsACheckpointOfOtherCountingRules) {
  v1::FigureCheckpoint proto;
  ASSERT_TRUE(proto.ParseFromString(EncodeCheckpoint(7, FigureAccumulator())));
  EXPECT_EQ(proto.rules_version(), kCountingRulesVersion);
  proto.clear_rules_version();
  EXPECT_EQ(DecodeCheckpoint(proto.SerializeAsString()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// Checkpoints of rules version 1 lie in their own space, which is not read:
// a store made before version 2 rebuilds its checkpoints.
TEST(CheckpointTest, CheckpointsOfEarlierRulesAreNotRead) {
  test::ProjectorFixture fixture;
  fixture.Open();
  for (int i = 1; i <= 2; ++i) {
    fixture.MustAppend(test::PersonRegisteredEvent(
        "p" + std::to_string(i), "2020-01-01", test::PersonRef(i)));
  }
  ASSERT_TRUE(fixture.log()
                  .records()
                  .Put("checkpoint.v1", CheckpointKey(1),
                       "\xff\xff a checkpoint of rules version 1")
                  .ok());
  Projector& reopened = fixture.Open();
  EXPECT_TRUE(reopened.CheckpointSeqs().empty());
  EXPECT_TRUE(reopened
                  .Realisation(RealisationQuery{
                      .sectors = {},
                      .from = test::Q("2024Q4"),
                      .to = test::Q("2024Q4"),
                      .measure = Measure::kPeildatum,
                      .as_of = fixture.log().GetBySeq(1)->recorded_at,
                      .include_employers = false})
                  .ok());
}

TEST(CheckpointTest, RejectsGarbageAsDataLoss) {
  EXPECT_EQ(DecodeCheckpoint("\xff\xff not a checkpoint").status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace banen
