#include "projections/year_hours.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "ledger/prefetch.h"

namespace banen {
namespace {

// Effective dates start here (DOMAIN.md §4); the fold trusts the ledger's
// validation, and an earlier day would count from this one.
constexpr int32_t kFirstYear = 1998;

constexpr int kLentUitzend = kFormSeriesCount;
constexpr int kLentDetachering = kFormSeriesCount + 1;

// Gregorian, without a civil-calendar conversion: a query reads it once
// per employer and year.
int32_t DaysIn(int32_t year) {
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return leap ? 366 : 365;
}

// January 1st of the years kFirstYear .. kFirstYear + kYearStarts - 1: a
// period's years are found in this table, without MakeDate's and YearOf's
// civil-date arithmetic, which cost the projection tail more than the sums.
constexpr int32_t kYearStarts = 300;

const std::array<Date, kYearStarts + 1>& YearStarts() {
  static const auto* const kStarts = [] {
    auto* starts = new std::array<Date, kYearStarts + 1>();
    for (int32_t i = 0; i <= kYearStarts; ++i) {
      (*starts)[i] = MakeDate(kFirstYear + i, 1, 1);
    }
    return starts;
  }();
  return *kStarts;
}

Date YearStart(int32_t year) {
  const int32_t i = year - kFirstYear;
  return i >= 0 && i <= kYearStarts ? YearStarts()[i] : MakeDate(year, 1, 1);
}

// YearOf(day), from an estimate (400 years to 146097 days) corrected against
// the table.
int32_t YearOfDay(Date day) {
  const std::array<Date, kYearStarts + 1>& starts = YearStarts();
  if (day < starts.front() || !(day < starts.back())) return YearOf(day);
  int32_t i = std::min<int32_t>(
      static_cast<int32_t>(int64_t{day.days - starts.front().days} * 400 /
                           146097),
      kYearStarts - 1);
  while (day < starts[i]) --i;
  while (!(day < starts[i + 1])) ++i;
  return kFirstYear + i;
}

}  // namespace

std::string_view RegimeName(Regime regime) {
  return regime == Regime::kWba2026 ? "WBA_2026" : "WFSV_2015";
}

std::array<int64_t, kFormSeriesCount> EmployerYear::Counted(
    Regime regime) const {
  std::array<int64_t, kFormSeriesCount> counted = own;
  if (regime == Regime::kWba2026) {
    counted[static_cast<size_t>(FormSeries::kInleenUitzend)] = lent_uitzend;
    counted[static_cast<size_t>(FormSeries::kInleenDetachering)] =
        lent_detachering;
  }
  return counted;
}

YearHours YearHours::Build(const ProjectionState& state, uint64_t cut) {
  YearHours hours;
  PersonAtCut read;
  for (uint32_t person = 0; person < state.person_count(); ++person) {
    read.Read(state, person, cut);
    hours.AddPerson(read, +1);
  }
  return hours;
}

void YearHours::AddPerson(const PersonAtCut& person, int sign) {
  if (person.registered().empty()) return;
  for (const PersonAtCut::Job& job : person.jobs()) {
    for (const PersonAtCut::Segment& segment : person.segments(job)) {
      AddSegment(person, job, segment, sign);
    }
  }
}

void YearHours::MovePerson(const PersonAtCut& before,
                           const PersonAtCut& after) {
  if (!std::equal(before.registered().begin(), before.registered().end(),
                  after.registered().begin(), after.registered().end())) {
    AddPerson(before, -1);
    AddPerson(after, +1);
    return;
  }
  // A segment adds its days in the register periods to its own employer
  // (and lender) alone: one both cuts show alike adds the same at both.
  for (size_t i = 0; i < before.jobs().size(); ++i) {
    const PersonAtCut::Job& was = before.jobs()[i];
    const PersonAtCut::Job& is = after.jobs()[i];
    WalkBothCuts(
        before.segments(was), after.segments(is),
        [](const PersonAtCut::Segment& x, const PersonAtCut::Segment& y) {
          return x.period.from < y.period.from;
        },
        [](const PersonAtCut::Segment&, const PersonAtCut::Segment&) {},
        [&](const PersonAtCut::Segment& x) { AddSegment(before, was, x, -1); },
        [&](const PersonAtCut::Segment& y) { AddSegment(after, is, y, +1); });
  }
}

void YearHours::AddSegment(const PersonAtCut& person,
                           const PersonAtCut::Job& job,
                           const PersonAtCut::Segment& segment, int sign) {
  const std::optional<FormSeries> series = FormSeriesOf(segment.form);
  if (!series.has_value()) return;
  const int lent = segment.form == ContractForm::kInleenUitzend
                       ? kLentUitzend
                       : kLentDetachering;
  for (const DatePeriod& period : person.registered()) {
    const Date from = std::max(segment.period.from, period.from);
    const Date to = std::min(segment.period.to, period.to);
    if (!(from < to)) continue;
    const int64_t hours = int64_t{sign} * segment.hours_x100;
    AddPeriod(job.record->employer, static_cast<int>(*series), from, to, hours);
    if (IsInleen(segment.form) && job.record->lender != kNoIndex) {
      AddPeriod(job.record->lender, lent, from, to, hours);
    }
  }
}

void YearHours::AddPeriod(uint32_t employer, int series, Date from, Date to,
                          int64_t hours) {
  from = std::max(from, YearStart(kFirstYear));
  if (!(from < to)) return;
  const int32_t first = YearOfDay(from);
  const Date next_year = YearStart(first + 1);
  if (to <= next_year) {
    AddSum(employer, first, series, hours * (to.days - from.days));
    return;
  }
  AddSum(employer, first, series, hours * (next_year.days - from.days));
  AddRate(employer, first + 1, series, hours);
  if (to == kEndOfTime) return;
  const int32_t last = YearOfDay(to);
  AddRate(employer, last, series, -hours);
  AddSum(employer, last, series, hours * (to.days - YearStart(last).days));
}

// The common case, inlined into AddSum and AddRate; GrowRow out of line.
inline YearHours::Row& YearHours::RowHolding(uint32_t employer, int series,
                                             int32_t year) {
  if (employer < rows_.size()) {
    Row& row = rows_[employer];
    if ((row.series >> series & 1) != 0 &&
        static_cast<uint32_t>(year - kFirstYear) < row.years) {
      return row;
    }
  }
  return GrowRow(employer, series, year);
}

void YearHours::Row::Set(size_t i, int64_t value) {
  if (!wide) {
    if (value >= std::numeric_limits<int32_t>::min() &&
        value <= std::numeric_limits<int32_t>::max()) [[likely]] {
      words[i] = static_cast<int32_t>(value);
      return;
    }
    std::vector<int32_t> widened(2 * words.size());
    for (size_t at = 0; at < words.size(); ++at) {
      const int64_t each = words[at];
      std::memcpy(&widened[2 * at], &each, sizeof(each));
    }
    words = std::move(widened);
    wide = true;
  }
  std::memcpy(&words[2 * i], &value, sizeof(value));
}

void YearHours::AddSum(uint32_t employer, int32_t year, int series,
                       int64_t hour_days) {
  Row& row = RowHolding(employer, series, year);
  row.Add((year - kFirstYear) * row.stride() + row.SlotOf(series), hour_days);
}

void YearHours::AddRate(uint32_t employer, int32_t from_year, int series,
                        int64_t hours) {
  Row& row = RowHolding(employer, series, from_year);
  const size_t stride = row.stride();
  for (size_t at =
           (from_year - kFirstYear) * stride + row.kept + row.SlotOf(series);
       at < row.size(); at += stride) {
    row.Add(at, hours);
  }
}

YearHours::Row& YearHours::GrowRow(uint32_t employer, int series,
                                   int32_t year) {
  if (employer >= rows_.size()) rows_.resize(employer + 1);
  Row& row = rows_[employer];
  if ((row.series >> series & 1) == 0) {
    // Each year gains the series, with no hours in it yet: its sum goes in
    // at `slot` among the sums, its rate at `slot` among the rates.
    const size_t kept = row.kept;
    const size_t slot = row.SlotOf(series);
    Row grown;
    grown.series = static_cast<uint8_t>(row.series | 1u << series);
    grown.kept = static_cast<uint8_t>(kept + 1);
    grown.wide = row.wide;
    grown.years = row.years;
    grown.Resize(row.years * grown.stride());
    for (size_t y = 0; y < row.years; ++y) {
      for (size_t from = 0; from < 2 * kept; ++from) {
        const size_t part = from / kept;  // 0: sums, 1: rates
        const size_t index = from % kept;
        const size_t to = part * (kept + 1) + index + (index >= slot ? 1 : 0);
        grown.Set(y * grown.stride() + to, row.Get(y * row.stride() + from));
      }
    }
    row = std::move(grown);
  }
  const uint32_t years = row.years;
  const auto index = static_cast<uint32_t>(year - kFirstYear);
  if (index >= years) {
    const size_t stride = row.stride();
    row.Resize((size_t{index} + 1) * stride);
    for (size_t y = years; years > 0 && y <= index; ++y) {
      for (size_t k = 0; k < row.kept; ++k) {
        row.Set(y * stride + row.kept + k,
                row.Get((years - 1) * stride + row.kept + k));
      }
    }
    row.years = index + 1;
  }
  return row;
}

YearHours::Cell YearHours::Row::CellAt(size_t year) const {
  Cell cell;
  const size_t first = year * stride();
  for (int s = 0, slot = 0; s < kSeries; ++s) {
    if ((series >> s & 1) == 0) continue;
    cell.sum[s] = Get(first + slot);
    cell.rate[s] = Get(first + kept + slot);
    ++slot;
  }
  return cell;
}

std::vector<YearHours::Cell> YearHours::CellsOf(uint32_t employer) const {
  std::vector<Cell> cells;
  if (employer >= rows_.size()) return cells;
  const Row& row = rows_[employer];
  cells.reserve(row.years);
  for (size_t year = 0; year < row.years; ++year) {
    cells.push_back(row.CellAt(year));
  }
  return cells;
}

void YearHours::AddRow(absl::Span<const Cell> cells) {
  Row& row = rows_.emplace_back();
  for (const Cell& cell : cells) {
    for (int s = 0; s < kSeries; ++s) {
      if (cell.sum[s] != 0 || cell.rate[s] != 0) {
        row.series |= static_cast<uint8_t>(1u << s);
      }
    }
  }
  row.kept = static_cast<uint8_t>(std::popcount(row.series));
  row.years = row.kept == 0 ? 0 : static_cast<uint32_t>(cells.size());
  row.Resize(row.years * row.stride());
  size_t at = 0;
  for (size_t year = 0; year < row.years; ++year) {
    for (const auto* part : {&cells[year].sum, &cells[year].rate}) {
      for (int s = 0; s < kSeries; ++s) {
        if (row.series >> s & 1) row.Set(at++, (*part)[s]);
      }
    }
  }
}

EmployerYear YearHours::Of(uint32_t employer, int32_t year) const {
  EmployerYear result;
  Fill(employer, year, year, &result);
  return result;
}

inline void YearHours::Prefetch(uint32_t employer, int32_t first,
                                int32_t last) const {
  if (employer >= rows_.size() || last < kFirstYear) return;
  const Row& row = rows_[employer];
  const size_t years = row.years;
  if (years == 0) return;
  const size_t stride = row.stride();
  const char* from = static_cast<const char*>(row.AddressOf(
      std::min<size_t>(std::max(first, kFirstYear) - kFirstYear, years - 1) *
      stride));
  const char* to = static_cast<const char*>(row.AddressOf(
      (std::min<size_t>(last - kFirstYear, years - 1) + 1) * stride - 1));
  for (const char* line = from; line <= to; line += 64) {
    PrefetchForRead(line);
  }
}

std::vector<EmployerYear> YearHours::OfEach(
    absl::Span<const uint32_t> employers, int32_t year) const {
  std::vector<EmployerYear> result(employers.size());
  for (size_t i = 0; i < employers.size(); ++i) {
    if (i + kPrefetchDistance < employers.size()) {
      Prefetch(employers[i + kPrefetchDistance], year, year);
    }
    Fill(employers[i], year, year, &result[i]);
  }
  return result;
}

void YearHours::ForEachEmployer(
    uint32_t count, int32_t first, int32_t last,
    absl::FunctionRef<void(uint32_t, absl::Span<const EmployerYear>)> visit)
    const {
  std::vector<EmployerYear> years(std::max(0, last - first + 1));
  for (uint32_t employer = 0; employer < count; ++employer) {
    Prefetch(employer + kPrefetchDistance, first, last);
    std::fill(years.begin(), years.end(), EmployerYear{});
    Fill(employer, first, last, years.data());
    visit(employer, years);
  }
}

void YearHours::Fill(uint32_t employer, int32_t first, int32_t last,
                     EmployerYear* out) const {
  if (employer >= rows_.size()) return;
  const Row& row = rows_[employer];
  const size_t years = row.years;
  if (years == 0) return;
  const int kept = row.kept;
  for (int32_t year = std::max(first, kFirstYear); year <= last; ++year) {
    const size_t index = year - kFirstYear;
    const bool in_row = index < years;
    const size_t first_value = (in_row ? index : years - 1) * row.stride();
    const int64_t days = DaysIn(year);
    // The kept series read in place, not through Row::CellAt: a whole Cell
    // made for each year took the WBA_2026 table of 10 years from 0.9-1.0 ms
    // to 1.6-2.3 ms (projection_bench, 1 M events).
    std::array<int64_t, kSeries> total{};
    for (int s = 0, slot = 0; s < kSeries; ++s) {
      if ((row.series >> s & 1) == 0) continue;
      total[s] = row.Get(first_value + kept + slot) * days +
                 (in_row ? row.Get(first_value + slot) : 0);
      ++slot;
    }
    EmployerYear& year_out = out[year - first];
    std::copy_n(total.begin(), kFormSeriesCount, year_out.own.begin());
    year_out.lent_uitzend = total[kLentUitzend];
    year_out.lent_detachering = total[kLentDetachering];
  }
}

}  // namespace banen
