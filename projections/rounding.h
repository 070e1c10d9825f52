// Exact-to-display conversion: every figure is an exact rational until it is
// shown, and is rounded exactly once, half to even (DOMAIN.md §5).
#ifndef BANEN_PROJECTIONS_ROUNDING_H_
#define BANEN_PROJECTIONS_ROUNDING_H_

#include <cstdint>
#include <optional>

namespace banen {

// numerator / denominator rounded to the nearest integer, ties to the even
// neighbour. A zero denominator yields 0 (callers guard where 0 is not a
// meaningful answer). The result must fit in int64.
int64_t RoundHalfEven(__int128 numerator, __int128 denominator);

// part / whole * 100 with one decimal, as tenths of a percent (68.6% -> 686),
// from the exact values; nullopt when whole is 0.
std::optional<int64_t> PercentX10(__int128 part, __int128 whole);

}  // namespace banen

#endif  // BANEN_PROJECTIONS_ROUNDING_H_
