#include "projections/quarter.h"

#include "gtest/gtest.h"
#include "tests/projections/projection_test_util.h"

namespace banen {
namespace {

using test::D;

TEST(QuarterTest, ParsesAndFormatsRoundTrip) {
  const std::optional<Quarter> quarter = ParseQuarter("2024Q4");
  ASSERT_TRUE(quarter.has_value());
  EXPECT_EQ(quarter->year, 2024);
  EXPECT_EQ(quarter->number, 4);
  EXPECT_EQ(FormatQuarter(*quarter), "2024Q4");
}

TEST(QuarterTest, RejectsMalformedText) {
  for (const char* text : {"2024Q0", "2024Q5", "2024-Q4", "24Q4", "2024q4",
                           "2024Q44", "", "abcdQ1"}) {
    EXPECT_FALSE(ParseQuarter(text).has_value()) << text;
  }
}

TEST(QuarterTest, KnowsItsDays) {
  const Quarter q4{2024, 4};
  EXPECT_EQ(q4.FirstDay(), D("2024-10-01"));
  EXPECT_EQ(q4.LastDay(), D("2024-12-31"));
  EXPECT_EQ(q4.DaysInQuarter(), 92);
  EXPECT_EQ(q4.LastMonthFirstDay(), D("2024-12-01"));
  EXPECT_EQ(q4.DaysInLastMonth(), 31);
}

TEST(QuarterTest, CountsLeapFebruary) {
  EXPECT_EQ((Quarter{2024, 1}).DaysInQuarter(), 91);
  EXPECT_EQ((Quarter{2023, 1}).DaysInQuarter(), 90);
  EXPECT_EQ((Quarter{2023, 3}).DaysInLastMonth(), 30);
}

TEST(QuarterTest, FindsTheQuarterOfADate) {
  EXPECT_EQ(Quarter::Of(D("2024-12-31")), (Quarter{2024, 4}));
  EXPECT_EQ(Quarter::Of(D("2025-01-01")), (Quarter{2025, 1}));
  EXPECT_EQ(Quarter::Of(D("2000-02-29")), (Quarter{2000, 1}));
  EXPECT_EQ(Quarter::Of(D("1998-06-30")), (Quarter{1998, 2}));
}

TEST(QuarterTest, IndexesConsecutively) {
  const Quarter q4{2024, 4};
  EXPECT_EQ(q4.Next(), (Quarter{2025, 1}));
  EXPECT_EQ(q4.Next().Previous(), q4);
  EXPECT_EQ(Quarter::FromIndex(q4.Index()), q4);
}

TEST(QuarterTest, NamesMeasures) {
  EXPECT_EQ(MeasureName(Measure::kKwartaalgemiddelde), "KWARTAALGEMIDDELDE");
  EXPECT_EQ(ParseMeasure("MAANDUREN"), Measure::kMaanduren);
  EXPECT_FALSE(ParseMeasure("maanduren").has_value());
}

}  // namespace
}  // namespace banen
