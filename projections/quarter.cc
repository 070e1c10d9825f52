#include "projections/quarter.h"

#include <array>
#include <cstdio>

namespace banen {
namespace {

// Floor division, so quarters before year 0 would still number densely.
int32_t FloorDiv(int32_t a, int32_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

struct YearMonth {
  int32_t year;
  int32_t month;
};

// Civil year and month of a day count (H. Hinnant's days_from_civil inverse):
// Quarter::Of is on the hot path of every projection, where absl::CivilDay
// arithmetic would dominate.
YearMonth YearMonthOf(Date date) {
  const int32_t z = date.days + 719468;
  const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int32_t doe = z - era * 146097;
  const int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int32_t mp = (5 * doy + 2) / 153;
  const int32_t month = mp < 10 ? mp + 3 : mp - 9;
  const int32_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month};
}

Date FirstOfMonth(int32_t year, int32_t month) {
  if (month > 12) return MakeDate(year + 1, month - 12, 1);
  return MakeDate(year, month, 1);
}

constexpr std::array<std::string_view, kMeasureCount> kMeasureNames = {
    "PEILDATUM", "KWARTAALGEMIDDELDE", "MAANDUREN"};

}  // namespace

Quarter Quarter::FromIndex(int32_t index) {
  return Quarter{FloorDiv(index, 4), index - FloorDiv(index, 4) * 4 + 1};
}

Quarter Quarter::Of(Date date) {
  const YearMonth ym = YearMonthOf(date);
  return Quarter{ym.year, (ym.month - 1) / 3 + 1};
}

Date Quarter::FirstDay() const {
  return FirstOfMonth(year, (number - 1) * 3 + 1);
}

Date Quarter::LastDay() const {
  return Date{FirstOfMonth(year, number * 3 + 1).days - 1};
}

int32_t Quarter::DaysInQuarter() const {
  return LastDay().days - FirstDay().days + 1;
}

Date Quarter::LastMonthFirstDay() const {
  return FirstOfMonth(year, number * 3);
}

int32_t Quarter::DaysInLastMonth() const {
  return LastDay().days - LastMonthFirstDay().days + 1;
}

std::optional<Quarter> ParseQuarter(std::string_view text) {
  if (text.size() != 6 || text[4] != 'Q' || text[5] < '1' || text[5] > '4') {
    return std::nullopt;
  }
  int32_t year = 0;
  for (char c : text.substr(0, 4)) {
    if (c < '0' || c > '9') return std::nullopt;
    year = year * 10 + (c - '0');
  }
  return Quarter{year, text[5] - '0'};
}

std::string FormatQuarter(Quarter quarter) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "%04dQ%d", quarter.year,
                quarter.number);
  return buffer;
}

std::string_view MeasureName(Measure measure) {
  const auto index = static_cast<size_t>(measure);
  return index < kMeasureNames.size() ? kMeasureNames[index] : "UNSPECIFIED";
}

std::optional<Measure> ParseMeasure(std::string_view name) {
  for (size_t i = 0; i < kMeasureNames.size(); ++i) {
    if (kMeasureNames[i] == name) return static_cast<Measure>(i);
  }
  return std::nullopt;
}

}  // namespace banen
