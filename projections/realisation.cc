#include "projections/realisation.h"

#include <algorithm>

#include "projections/rounding.h"

namespace banen {
namespace {

// MAANDUREN: a day contributes hours_per_week / 7 hours; a baan is 110.92
// hours a month. In hours_x100: banen = sum / (7 * 100 * 110.92).
constexpr int64_t kMaandurenDenominator = int64_t{7} * 11092;

const std::array<int64_t, kFormSeriesCount>& NumeratorOf(
    const QuarterFigures& figures, Measure measure) {
  switch (measure) {
    case Measure::kKwartaalgemiddelde:
      return figures.quarter_hour_days;
    case Measure::kMaanduren:
      return figures.last_month_hour_days;
    case Measure::kPeildatum:
      break;
  }
  return figures.peildatum_hours;
}

// The realisation: every series but the SROI memo.
int64_t SumWithoutSroi(const std::array<int64_t, kFormSeriesCount>& values) {
  int64_t sum = 0;
  for (int s = 0; s < kFormSeriesCount; ++s) {
    if (IsRealisationSeries(s)) sum += values[s];
  }
  return sum;
}

bool Contains(const std::vector<Sector>& sectors, Sector sector) {
  return std::find(sectors.begin(), sectors.end(), sector) != sectors.end();
}

}  // namespace

bool Requested(const std::vector<Sector>& requested, Sector sector) {
  return Contains(requested, sector) ||
         Contains(requested, Sector::kNationaal) ||
         (IsGovernmentSector(sector) &&
          Contains(requested, Sector::kOverheid)) ||
         (IsFunderendOnderwijs(sector) &&
          Contains(requested, Sector::kFunderendOnderwijs));
}

namespace {

// a/a_denominator - b/b_denominator in hundredths, rounded once.
int64_t ChangeX100(__int128 a, __int128 a_denominator, __int128 b,
                   __int128 b_denominator) {
  return RoundHalfEven((a * b_denominator - b * a_denominator) * 100,
                       a_denominator * b_denominator);
}

// `back[0]` is the quarter before `figures`, back[kQuartersBack - 1] the same
// quarter a year earlier.
RealisationRow MakeRow(
    const QuarterFigures& figures,
    const std::array<const QuarterFigures*, kQuartersBack>& back,
    Quarter quarter, Measure measure) {
  const QuarterFigures& previous = *back[0];
  const QuarterFigures& year_before = *back[kQuartersBack - 1];
  RealisationRow row;
  row.quarter = quarter;
  row.measure = measure;
  row.banen_numerator = NumeratorOf(figures, measure);
  row.banen_denominator = BanenDenominator(measure, quarter);
  const __int128 denominator = row.banen_denominator;
  for (int s = 0; s < kFormSeriesCount; ++s) {
    row.form_banen_x100[s] =
        RoundHalfEven(__int128{row.banen_numerator[s]} * 100, denominator);
  }
  row.banen_sroi_x100 =
      row.form_banen_x100[static_cast<size_t>(FormSeries::kSroi)];
  const int64_t numerator = row.RealisationNumerator();
  row.banen_x100 = RoundHalfEven(__int128{numerator} * 100, denominator);
  row.persons = figures.persons;
  row.jobs = figures.jobs;
  row.persons_by_form = figures.persons_by_form;
  row.flows = figures.flows;
  row.change_x100 = ChangeX100(numerator, denominator,
                               SumWithoutSroi(NumeratorOf(previous, measure)),
                               BanenDenominator(measure, quarter.Previous()));
  const std::array<int64_t, kFormSeriesCount>& year_numerator =
      NumeratorOf(year_before, measure);
  const int64_t year_denominator =
      BanenDenominator(measure, Quarter{quarter.year - 1, quarter.number});
  row.change_year_x100 = ChangeX100(
      numerator, denominator, SumWithoutSroi(year_numerator), year_denominator);
  for (int s = 0; s < kFormSeriesCount; ++s) {
    row.form_change_year_x100[s] =
        ChangeX100(row.banen_numerator[s], denominator, year_numerator[s],
                   year_denominator);
  }
  row.persons_change_year = figures.persons - year_before.persons;
  for (int f = 0; f < kContractFormSeriesCount; ++f) {
    row.persons_by_form_change_year[f] =
        figures.persons_by_form[f] - year_before.persons_by_form[f];
  }
  return row;
}

Quarter FirstQuarterBack(const RealisationQuery& query) {
  return Quarter::FromIndex(query.from.Index() - kQuartersBack);
}

std::array<const QuarterFigures*, kQuartersBack> Back(
    const std::vector<QuarterFigures>& quarters, size_t i) {
  std::array<const QuarterFigures*, kQuartersBack> back;
  for (int32_t k = 0; k < kQuartersBack; ++k) back[k] = &quarters[i - 1 - k];
  return back;
}

void SetTargets(const SectorTargets& targets, RealisationRow* row) {
  const __int128 numerator = row->RealisationNumerator();
  const __int128 denominator = row->banen_denominator;
  row->doel_x100 = targets.TargetX100(row->sector, row->quarter.year);
  if (row->doel_x100.has_value()) {
    const __int128 whole = denominator * *row->doel_x100;
    const __int128 sroi =
        row->banen_numerator[static_cast<size_t>(FormSeries::kSroi)];
    row->realisatiepercentage_x10 = PercentX10(numerator * 100, whole);
    row->realisatiepercentage_incl_sroi_x10 =
        PercentX10((numerator + sroi) * 100, whole);
  }
  row->baseline_x100 = targets.BaselineX100(row->sector);
  if (row->baseline_x100.has_value()) {
    // Exact: the baseline is a whole number of hundredths.
    row->extra_x100 = row->banen_x100 - *row->baseline_x100;
  }
}

// An exact figure in banen: numerator / denominator.
struct Exact {
  __int128 numerator = 0;
  __int128 denominator = 1;
};

Exact Plus(Exact a, Exact b) {
  return {a.numerator * b.denominator + b.numerator * a.denominator,
          a.denominator * b.denominator};
}

Exact Minus(Exact a, Exact b) {
  return Plus(a, Exact{-b.numerator, b.denominator});
}

int64_t Rounded(Exact value) {
  return RoundHalfEven(value.numerator * 100, value.denominator);
}

// What of a quarter's stock the national monitor splits.
struct MonitorStock {
  Exact formal;                 // the scope's formal jobs
  Exact inleen_total;           // every hirer's inleen
  std::optional<Exact> inleen;  // the scope's part of it, by the key
};

// The part (x10 of 1000) of all hirers' inleen that counts for `sector`.
std::optional<int64_t> InleenShareX10(Sector sector,
                                      std::optional<int64_t> key_x10) {
  if (sector == Sector::kNationaal) return kWholeShareX10;
  if (!key_x10.has_value()) return std::nullopt;
  return sector == Sector::kOverheid ? *key_x10 : kWholeShareX10 - *key_x10;
}

MonitorStock MonitorStockOf(const FigureAccumulator& figures, Sector sector,
                            Quarter quarter, Measure measure,
                            std::optional<int64_t> key_x10) {
  const auto numerators = [&](Sector scope) {
    return NumeratorOf(
        figures.Figures(SectorScope(scope), quarter, quarter).front(), measure);
  };
  const auto inleen = [](const std::array<int64_t, kFormSeriesCount>& values) {
    return values[static_cast<size_t>(FormSeries::kInleenUitzend)] +
           values[static_cast<size_t>(FormSeries::kInleenDetachering)];
  };
  const std::array<int64_t, kFormSeriesCount> own = numerators(sector);
  const __int128 denominator = BanenDenominator(measure, quarter);
  MonitorStock stock;
  stock.formal = {SumWithoutSroi(own) - inleen(own), denominator};
  stock.inleen_total = {inleen(numerators(Sector::kNationaal)), denominator};
  if (const std::optional<int64_t> share = InleenShareX10(sector, key_x10)) {
    stock.inleen = Exact{stock.inleen_total.numerator * *share,
                         denominator * kWholeShareX10};
  }
  return stock;
}

MonitorRow MakeMonitorRow(const SectorTargets& targets,
                          const FigureAccumulator& figures, Sector sector,
                          Quarter quarter, Measure measure) {
  MonitorRow row;
  row.sector = sector;
  row.quarter = quarter;
  row.measure = measure;
  row.key_x10 = targets.InleenKeyX10(quarter.year);
  row.baseline_key_x10 = targets.InleenKeyX10(kBaselineInleenKeyYear);
  const MonitorStock stock =
      MonitorStockOf(figures, sector, quarter, measure, row.key_x10);
  const MonitorStock baseline = MonitorStockOf(
      figures, sector, kMonitorBaselineQuarter, measure, row.baseline_key_x10);
  row.inleen_total_x100 = Rounded(stock.inleen_total);
  row.baseline_inleen_total_x100 = Rounded(baseline.inleen_total);
  row.formal_x100 = Rounded(stock.formal);
  row.baseline_formal_x100 = Rounded(baseline.formal);
  row.extra_formal_x100 = Rounded(Minus(stock.formal, baseline.formal));
  if (stock.inleen.has_value() && baseline.inleen.has_value()) {
    const Exact banen = Plus(stock.formal, *stock.inleen);
    const Exact baseline_banen = Plus(baseline.formal, *baseline.inleen);
    row.inleen_x100 = Rounded(*stock.inleen);
    row.baseline_inleen_x100 = Rounded(*baseline.inleen);
    row.extra_inleen_x100 = Rounded(Minus(*stock.inleen, *baseline.inleen));
    row.banen_x100 = Rounded(banen);
    row.baseline_x100 = Rounded(baseline_banen);
    row.extra_x100 = Rounded(Minus(banen, baseline_banen));
  }
  return row;
}

}  // namespace

bool IsMonitorSector(Sector sector) {
  return sector == Sector::kMarkt || sector == Sector::kOverheid ||
         sector == Sector::kNationaal;
}

bool MovesRowFigures(const std::vector<QuarterFigures>& change) {
  const QuarterFigures& quarter = change[kQuartersBack];
  const QuarterFigures& previous = change[kQuartersBack - 1];
  const QuarterFigures& year_before = change[0];
  if (quarter != QuarterFigures{} || year_before.persons != 0 ||
      year_before.persons_by_form != decltype(year_before.persons_by_form){}) {
    return true;
  }
  for (int m = 0; m < kMeasureCount; ++m) {
    const auto measure = static_cast<Measure>(m);
    if (SumWithoutSroi(NumeratorOf(previous, measure)) != 0 ||
        NumeratorOf(year_before, measure) !=
            std::array<int64_t, kFormSeriesCount>{}) {
      return true;
    }
  }
  return false;
}

int64_t RealisationRow::RealisationNumerator() const {
  return SumWithoutSroi(banen_numerator);
}

int64_t BanenDenominator(Measure measure, Quarter quarter) {
  switch (measure) {
    case Measure::kKwartaalgemiddelde:
      return int64_t{quarter.DaysInQuarter()} * kHoursPerBaanX100;
    case Measure::kMaanduren:
      return kMaandurenDenominator;
    case Measure::kPeildatum:
      break;
  }
  return kHoursPerBaanX100;
}

std::vector<Sector> SectorsOf(const RealisationQuery& query) {
  if (!query.sectors.empty()) return query.sectors;
  if (query.view == RealisationView::kNationalMonitor) {
    return {Sector::kMarkt, Sector::kOverheid, Sector::kNationaal};
  }
  std::vector<Sector> sectors;
  for (int s = static_cast<int>(Sector::kMarkt);
       s <= static_cast<int>(Sector::kFunderendOnderwijs); ++s) {
    sectors.push_back(static_cast<Sector>(s));
  }
  return sectors;
}

SectorTargets::SectorTargets(const ProjectionState& state, uint64_t cut) {
  state.ForEachWinningFigure(
      cut, [this](Sector sector, int32_t year, int64_t banen_x100) {
        figures_.emplace(std::make_pair(sector, year), banen_x100);
      });
}

std::optional<int64_t> SectorTargets::TargetX100(Sector sector,
                                                 int32_t year) const {
  const auto it = figures_.find(std::make_pair(sector, year));
  if (it == figures_.end()) return std::nullopt;
  return it->second;
}

std::optional<int64_t> SectorTargets::BaselineX100(Sector sector) const {
  return TargetX100(sector, 0);
}

std::optional<int64_t> SectorTargets::InleenKeyX10(int32_t year) const {
  return TargetX100(Sector::kUnspecified, year);
}

RealisationTable MakeSectorTable(const SectorTargets& targets,
                                 const FigureAccumulator& figures, uint64_t cut,
                                 absl::Time as_of,
                                 const RealisationQuery& query) {
  RealisationTable table;
  table.as_of = as_of;
  table.last_seq = cut;
  if (query.to < query.from) return table;
  if (query.view == RealisationView::kNationalMonitor) {
    for (Sector sector : SectorsOf(query)) {
      if (!IsMonitorSector(sector)) continue;
      for (int32_t q = query.from.Index(); q <= query.to.Index(); ++q) {
        table.monitor_rows.push_back(MakeMonitorRow(
            targets, figures, sector, Quarter::FromIndex(q), query.measure));
      }
    }
    return table;
  }
  const Quarter before = FirstQuarterBack(query);
  for (Sector sector : SectorsOf(query)) {
    const std::vector<QuarterFigures> quarters =
        figures.Figures(SectorScope(sector), before, query.to);
    for (size_t i = kQuartersBack; i < quarters.size(); ++i) {
      RealisationRow row =
          MakeRow(quarters[i], Back(quarters, i),
                  Quarter::FromIndex(before.Index() + i), query.measure);
      row.sector = sector;
      SetTargets(targets, &row);
      table.rows.push_back(std::move(row));
    }
  }
  return table;
}

RealisationTable MakeTable(const ProjectionState& state,
                           const FigureAccumulator& figures, uint64_t cut,
                           absl::Time as_of, const RealisationQuery& query) {
  RealisationTable table =
      MakeSectorTable(SectorTargets(state, cut), figures, cut, as_of, query);
  if (!query.include_employers || query.to < query.from ||
      query.view == RealisationView::kNationalMonitor) {
    return table;
  }
  const std::vector<Sector> sectors = SectorsOf(query);
  const Quarter before = FirstQuarterBack(query);
  std::vector<ScopeId> employers;
  for (ScopeId scope : figures.Scopes()) {
    if (IsEmployerScope(scope)) employers.push_back(scope);
  }
  std::sort(employers.begin(), employers.end(), [&](ScopeId a, ScopeId b) {
    return state.employer(a - kSectorCount).employer_id <
           state.employer(b - kSectorCount).employer_id;
  });
  for (ScopeId scope : employers) {
    const uint32_t employer = scope - kSectorCount;
    const std::vector<QuarterFigures> quarters =
        figures.Figures(scope, before, query.to);
    const SectorTimeline timeline = state.SectorsOf(employer, cut);
    for (size_t i = kQuartersBack; i < quarters.size(); ++i) {
      const Quarter quarter = Quarter::FromIndex(before.Index() + i);
      // An employer's rows name its sector of each quarter.
      const Sector sector = timeline.On(quarter.LastDay());
      if (!Requested(sectors, sector) ||
          (quarters[i] == QuarterFigures{} &&
           quarters[i - 1] == QuarterFigures{})) {
        continue;
      }
      RealisationRow row =
          MakeRow(quarters[i], Back(quarters, i), quarter, query.measure);
      row.sector = sector;
      row.employer_id = state.employer(employer).employer_id;
      table.rows.push_back(std::move(row));
    }
  }
  return table;
}

int64_t YearRow::Numerator() const {
  int64_t sum = 0;
  for (int64_t series : hour_days) sum += series;
  return sum;
}

RealisationTable MakeYearTable(const ProjectionState& state,
                               const YearHours& hours, uint64_t cut,
                               absl::Time as_of,
                               const RealisationQuery& query) {
  RealisationTable table;
  table.as_of = as_of;
  table.last_seq = cut;
  table.regime = Regime::kWba2026;
  if (query.to < query.from) return table;
  // Per concrete sector and year (one before the first, for the change):
  // its employers' hour-days as the regime counts them.
  using Series = std::array<int64_t, kFormSeriesCount>;
  const int32_t first = query.from.year - 1;
  const int32_t years = query.to.year - first + 1;
  std::vector<std::array<Series, kSectorCount>> by_sector(years);
  std::vector<Date> last_days(years);
  for (int32_t y = 0; y < years; ++y) {
    last_days[y] = MakeDate(first + y, 12, 31);
  }
  hours.ForEachEmployer(
      state.employer_count(), first, query.to.year,
      [&](uint32_t employer, absl::Span<const EmployerYear> employer_years) {
        const SectorTimeline sectors = state.SectorsOf(employer, cut);
        for (int32_t y = 0; y < years; ++y) {
          const Sector sector = sectors.On(last_days[y]);
          if (sector == Sector::kUnspecified) continue;
          const Series counted = employer_years[y].Counted(Regime::kWba2026);
          Series& sum = by_sector[y][static_cast<size_t>(sector)];
          for (int s = 0; s < kFormSeriesCount; ++s) sum[s] += counted[s];
        }
      });
  const SectorTargets targets(state, cut);
  for (Sector sector : SectorsOf(query)) {
    std::vector<YearRow> rows(years);
    for (int32_t y = 0; y < years; ++y) {
      YearRow& row = rows[y];
      row.sector = sector;
      row.year = first + y;
      for (int c = 0; c < kSectorCount; ++c) {
        const auto concrete = static_cast<Sector>(c);
        if (!IsConcreteSector(concrete) || !Requested({sector}, concrete)) {
          continue;
        }
        for (int s = 0; s < kFormSeriesCount; ++s) {
          row.hour_days[s] += by_sector[y][c][s];
        }
      }
      const __int128 numerator = row.Numerator();
      row.hours_x100 = RoundHalfEven(numerator, 7);
      row.banen_x100 = RoundHalfEven(numerator * 100, kYearBanenDenominator);
      for (int s = 0; s < kFormSeriesCount; ++s) {
        row.form_banen_x100[s] = RoundHalfEven(__int128{row.hour_days[s]} * 100,
                                               kYearBanenDenominator);
      }
      if (sector == Sector::kNationaal) {
        row.doel_x100 = targets.TargetX100(sector, row.year);
        if (row.doel_x100.has_value()) {
          row.realisatiepercentage_x10 =
              PercentX10(numerator * 100,
                         __int128{kYearBanenDenominator} * *row.doel_x100);
        }
      }
      if (y > 0) {
        row.change_x100 = RoundHalfEven(
            (numerator - rows[y - 1].Numerator()) * 100, kYearBanenDenominator);
      }
    }
    table.year_rows.insert(table.year_rows.end(), rows.begin() + 1, rows.end());
  }
  return table;
}

RealisationTable ComputeRealisation(const ProjectionState& state,
                                    const RealisationQuery& query) {
  const uint64_t cut = query.as_of.has_value()
                           ? state.LastSeqRecordedBy(*query.as_of)
                           : state.last_seq();
  if (query.regime == Regime::kWba2026) {
    return MakeYearTable(state, YearHours::Build(state, cut), cut,
                         query.as_of.value_or(state.last_recorded_at()), query);
  }
  const Quarter first =
      query.view == RealisationView::kNationalMonitor
          ? std::min(FirstQuarterBack(query), kMonitorBaselineQuarter)
          : FirstQuarterBack(query);
  const FigureAccumulator figures = BuildFigures(
      state, cut, query.include_employers, first, query.to,
      /*threads=*/1, query.include_employers && query.roll_up_children);
  return MakeTable(state, figures, cut,
                   query.as_of.value_or(state.last_recorded_at()), query);
}

}  // namespace banen
