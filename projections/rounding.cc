#include "projections/rounding.h"

namespace banen {

int64_t RoundHalfEven(__int128 numerator, __int128 denominator) {
  if (denominator == 0) return 0;
  if (denominator < 0) {
    numerator = -numerator;
    denominator = -denominator;
  }
  // Floor division, so the remainder is in [0, denominator).
  __int128 quotient = numerator / denominator;
  __int128 remainder = numerator % denominator;
  if (remainder < 0) {
    quotient -= 1;
    remainder += denominator;
  }
  const __int128 twice = remainder * 2;
  if (twice > denominator || (twice == denominator && quotient % 2 != 0)) {
    quotient += 1;
  }
  return static_cast<int64_t>(quotient);
}

std::optional<int64_t> PercentX10(__int128 part, __int128 whole) {
  if (whole == 0) return std::nullopt;
  return RoundHalfEven(part * 1000, whole);
}

}  // namespace banen
