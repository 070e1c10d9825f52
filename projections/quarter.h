// Calendar quarters and the three measures of DOMAIN.md §5.
#ifndef BANEN_PROJECTIONS_QUARTER_H_
#define BANEN_PROJECTIONS_QUARTER_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/event.h"

namespace banen {

// A calendar quarter, e.g. 2024Q4. Ordered; cheap to copy.
struct Quarter {
  int32_t year = 0;
  int32_t number = 1;  // 1..4

  // Dense numbering: consecutive quarters have consecutive indices.
  int32_t Index() const { return year * 4 + (number - 1); }
  static Quarter FromIndex(int32_t index);
  static Quarter Of(Date date);

  Date FirstDay() const;
  Date LastDay() const;
  int32_t DaysInQuarter() const;
  // First day of the quarter's last month (the MAANDUREN month).
  Date LastMonthFirstDay() const;
  int32_t DaysInLastMonth() const;
  Quarter Previous() const { return FromIndex(Index() - 1); }
  Quarter Next() const { return FromIndex(Index() + 1); }

  auto operator<=>(const Quarter&) const = default;
};

// Strict "YYYYQn" with n in 1..4.
std::optional<Quarter> ParseQuarter(std::string_view text);
std::string FormatQuarter(Quarter quarter);

enum class Measure : uint8_t {
  kPeildatum = 0,           // stock on the last day of the quarter
  kKwartaalgemiddelde = 1,  // time-weighted average over the quarter's days
  kMaanduren = 2,           // paid hours of the last month / 110.92
};
inline constexpr int kMeasureCount = 3;
std::string_view MeasureName(Measure measure);  // "PEILDATUM", ...
std::optional<Measure> ParseMeasure(std::string_view name);

}  // namespace banen

#endif  // BANEN_PROJECTIONS_QUARTER_H_
