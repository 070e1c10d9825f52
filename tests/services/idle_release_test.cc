#include "services/idle_release.h"

#include "gtest/gtest.h"

namespace banen {
namespace {

constexpr absl::Duration kQuiet = absl::Seconds(2);
const absl::Time kStart = absl::FromUnixSeconds(1000);

TEST(IdleRelease, NothingToReleaseWhileNothingMovedSinceTheStart) {
  IdleRelease release(kQuiet, 10, 10, kStart);
  EXPECT_FALSE(release.ShouldRelease(10, 10, kStart + absl::Seconds(5)));
  EXPECT_FALSE(release.ShouldRelease(10, 10, kStart + absl::Minutes(5)));
}

TEST(IdleRelease, ReleasesOnceTheSeqsStoodStillForTheQuietSpell) {
  IdleRelease release(kQuiet, 10, 10, kStart);
  EXPECT_FALSE(release.ShouldRelease(20, 15, kStart + absl::Seconds(1)));
  EXPECT_FALSE(release.ShouldRelease(20, 15, kStart + absl::Seconds(2)));
  EXPECT_FALSE(
      release.ShouldRelease(20, 15, kStart + absl::Milliseconds(2999)));
  EXPECT_TRUE(release.ShouldRelease(20, 15, kStart + absl::Seconds(3)));
}

TEST(IdleRelease, ReleasesOncePerQuietSpell) {
  IdleRelease release(kQuiet, 10, 10, kStart);
  EXPECT_FALSE(release.ShouldRelease(20, 20, kStart));
  EXPECT_TRUE(release.ShouldRelease(20, 20, kStart + absl::Seconds(2)));
  EXPECT_FALSE(release.ShouldRelease(20, 20, kStart + absl::Seconds(3)));
  EXPECT_FALSE(release.ShouldRelease(20, 20, kStart + absl::Minutes(5)));
}

TEST(IdleRelease, NoReleaseWhileAppendsKeepComing) {
  IdleRelease release(kQuiet, 0, 0, kStart);
  for (uint64_t second = 1; second <= 60; ++second) {
    EXPECT_FALSE(release.ShouldRelease(second * 1000, second * 1000,
                                       kStart + absl::Seconds(second)));
  }
}

TEST(IdleRelease, WaitsForTheProjectorToCatchUp) {
  IdleRelease release(kQuiet, 0, 0, kStart);
  EXPECT_FALSE(release.ShouldRelease(100, 40, kStart));
  EXPECT_FALSE(release.ShouldRelease(100, 70, kStart + absl::Seconds(2)));
  EXPECT_FALSE(release.ShouldRelease(100, 100, kStart + absl::Seconds(4)));
  EXPECT_TRUE(release.ShouldRelease(100, 100, kStart + absl::Seconds(6)));
}

TEST(IdleRelease, ReleasesAgainAfterTheNextBurst) {
  IdleRelease release(kQuiet, 0, 0, kStart);
  EXPECT_FALSE(release.ShouldRelease(5, 5, kStart));
  EXPECT_TRUE(release.ShouldRelease(5, 5, kStart + absl::Seconds(2)));
  EXPECT_FALSE(release.ShouldRelease(9, 9, kStart + absl::Seconds(3)));
  EXPECT_TRUE(release.ShouldRelease(9, 9, kStart + absl::Seconds(5)));
}

}  // namespace
}  // namespace banen
