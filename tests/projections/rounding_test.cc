#include "projections/rounding.h"

#include "gtest/gtest.h"

namespace banen {
namespace {

TEST(RoundHalfEvenTest, RoundsTiesToEven) {
  EXPECT_EQ(RoundHalfEven(5, 2), 2);    // 2.5
  EXPECT_EQ(RoundHalfEven(7, 2), 4);    // 3.5
  EXPECT_EQ(RoundHalfEven(-5, 2), -2);  // -2.5
  EXPECT_EQ(RoundHalfEven(-7, 2), -4);  // -3.5
}

TEST(RoundHalfEvenTest, RoundsNonTiesToNearest) {
  EXPECT_EQ(RoundHalfEven(251, 100), 3);  // 2.51
  EXPECT_EQ(RoundHalfEven(249, 100), 2);  // 2.49
  EXPECT_EQ(RoundHalfEven(-251, 100), -3);
  EXPECT_EQ(RoundHalfEven(10, -4), -2);  // -2.5 -> -2
}

TEST(RoundHalfEvenTest, HandlesProductsBeyondInt64) {
  // (2^63 - 2) + 0.5: a tie on an even quotient stays.
  const __int128 big = static_cast<__int128>(INT64_MAX - 1) * 1000 + 500;
  EXPECT_EQ(RoundHalfEven(big, 1000), INT64_MAX - 1);
}

TEST(PercentX10Test, ComputesOneDecimal) {
  EXPECT_EQ(PercentX10(489, 713), 686);  // 68.583...
  EXPECT_EQ(PercentX10(1, 8), 125);      // 12.5 exactly
  EXPECT_EQ(PercentX10(1, 16), 62);      // 6.25 -> 6.2 (tie to even)
  EXPECT_FALSE(PercentX10(1, 0).has_value());
}

}  // namespace
}  // namespace banen
