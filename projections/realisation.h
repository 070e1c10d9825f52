// Realisation tables: the figures of DOMAIN.md §5 per (sector or aggregate,
// quarter, measure), and per employer for drill-down.
#ifndef BANEN_PROJECTIONS_REALISATION_H_
#define BANEN_PROJECTIONS_REALISATION_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "ledger/event.h"
#include "projections/figures.h"
#include "projections/projection_state.h"
#include "projections/quarter.h"
#include "projections/year_hours.h"

namespace banen {

// Which split of NATIONAAL into markt and overheid (DOMAIN.md §5).
enum class RealisationView : uint8_t {
  // The sector letters: every job in its employer's (hirer's) sector.
  kBySector = 0,
  // The SZW letters: formal jobs by employer sector, the inleen banen of all
  // hirers together split by the year's InleenKeySet.
  kNationalMonitor = 1,
};

// The national monitor's baseline: the stock on 31 December 2012 (the
// nulmeting of 1 January 2013), split by the key of kBaselineInleenKeyYear.
inline constexpr Quarter kMonitorBaselineQuarter{2012, 4};

// Whether an employer in the concrete `sector` belongs in a table of the
// `requested` sectors and aggregates.
bool Requested(const std::vector<Sector>& requested, Sector sector);

struct RealisationQuery {
  // Concrete sectors and/or aggregates. Empty: every concrete sector, then
  // OVERHEID, NATIONAAL and FUNDEREND_ONDERWIJS.
  std::vector<Sector> sectors;
  Quarter from;
  Quarter to;  // inclusive
  Measure measure = Measure::kPeildatum;
  // Only events recorded at or before as_of count; unset: all of them.
  std::optional<absl::Time> as_of;
  // Also one row per employer (and quarter) whose sector on the quarter's
  // last day is one of `sectors` (or inside a requested aggregate).
  bool include_employers = false;
  // With include_employers: each employer row holds the employer and its
  // children (parent_employer_id, transitively), e.g. a ministry with its
  // agencies; a person counts once per row.
  bool roll_up_children = false;
  // kNationalMonitor: monitor_rows instead of rows, for the requested ones
  // of MARKT, OVERHEID and NATIONAAL (empty: all three); no employer rows.
  RealisationView view = RealisationView::kBySector;
  // kWba2026: year_rows instead of rows, one per sector (as above) and
  // calendar year from.year..to.year; measure kPeildatum (which it does not
  // read), view kBySector and no employer rows.
  Regime regime = Regime::kWfsv2015;
};

struct RealisationRow {
  // Employer rows: the employer's sector on the quarter's last day.
  Sector sector = Sector::kUnspecified;
  std::string employer_id;  // empty for sector and aggregate rows
  Quarter quarter;
  Measure measure = Measure::kPeildatum;

  // Exact: the banen of form f are banen_numerator[f] / banen_denominator
  // (hours_x100 summed per the measure; indexed by FormSeries).
  std::array<int64_t, kFormSeriesCount> banen_numerator{};
  int64_t banen_denominator = 0;

  // For display: each rounded half-even to hundredths from its exact value.
  // The realisation: every series but the SROI memo (SROI jobs count here
  // when the row's scope is their own employer's).
  int64_t banen_x100 = 0;
  std::array<int64_t, kFormSeriesCount> form_banen_x100{};
  // Memo: SROI jobs whose commissioning employer is in the row's scope, by
  // the row's measure; = form_banen_x100[kSroi]. Never in banen_x100, and
  // not kept for NATIONAAL, which counts each job once.
  int64_t banen_sroi_x100 = 0;

  int64_t persons = 0;  // on the quarter's last day, whatever the measure
  int64_t jobs = 0;
  // Distinct persons with a counting job of each form on the last day (by
  // FormSeries); a person with two forms counts in both.
  std::array<int64_t, kContractFormSeriesCount> persons_by_form{};

  // Sector and aggregate rows only; unset when no TargetSet/BaselineSet
  // applies (or the target is 0).
  std::optional<int64_t> doel_x100;
  std::optional<int64_t> realisatiepercentage_x10;  // banen / doel, 68.6% = 686
  std::optional<int64_t> realisatiepercentage_incl_sroi_x10;
  std::optional<int64_t> baseline_x100;
  std::optional<int64_t> extra_x100;  // banen - baseline

  Flows flows;
  int64_t change_x100 = 0;  // banen minus the previous quarter's (same measure)
  // Against the same quarter a year earlier (same measure), as the SZW
  // letters speak: banen in total and per form (each rounded from its exact
  // value), and persons in total and per form.
  int64_t change_year_x100 = 0;
  std::array<int64_t, kFormSeriesCount> form_change_year_x100{};
  int64_t persons_change_year = 0;
  std::array<int64_t, kContractFormSeriesCount> persons_by_form_change_year{};

  // Exact numerator of banen_x100 (every series but the SROI memo).
  int64_t RealisationNumerator() const;
  bool operator==(const RealisationRow&) const = default;
};

// One row of the national monitor view: MARKT, OVERHEID or NATIONAAL in one
// quarter, formal and inleen apart, stock and extra against the baseline
// (kMonitorBaselineQuarter, same measure). Formal: every realisation series
// but inleen (vast, tijdelijk, SROI of unknown form), by employer sector.
// Inleen: uitzend + detachering of all hirers, times the scope's share of
// the key (NATIONAAL: all of it). Each figure is rounded half-even to
// hundredths from its exact value, so parts need not add up in the last
// digit.
struct MonitorRow {
  Sector sector = Sector::kUnspecified;
  Quarter quarter;
  Measure measure = Measure::kPeildatum;
  // The overheid share x10 of the quarter's year and of the baseline; unset
  // without an InleenKeySet.
  std::optional<int64_t> key_x10;
  std::optional<int64_t> baseline_key_x10;
  // All hirers' inleen banen, before the split.
  int64_t inleen_total_x100 = 0;
  int64_t baseline_inleen_total_x100 = 0;
  int64_t formal_x100 = 0;
  int64_t baseline_formal_x100 = 0;
  int64_t extra_formal_x100 = 0;
  // The scope's part of the inleen, and formal + inleen; unset for MARKT and
  // OVERHEID when the key they need is not set.
  std::optional<int64_t> inleen_x100;
  std::optional<int64_t> baseline_inleen_x100;
  std::optional<int64_t> extra_inleen_x100;
  std::optional<int64_t> banen_x100;
  std::optional<int64_t> baseline_x100;
  std::optional<int64_t> extra_x100;
  bool operator==(const MonitorRow&) const = default;
};

// One row of the realisation under the Wet banenafspraak (kWba2026): a
// sector or aggregate in one calendar year, counted in paid hours: a day of
// a counting job contributes hours_per_week / 7 hours, for its formal
// employer (the lender for inleen: the hours a scope's employers lent out
// are its inleen series), and banen = hours / 1,331. An employer counts with
// its sector on 31 December, as in the quota, so NATIONAAL is the sum of
// every employer's WBA_2026 realised hours of the quota table; inleen from a
// lender that is not a registered employer counts for no one.
struct YearRow {
  Sector sector = Sector::kUnspecified;
  int32_t year = 0;
  // Exact: hour-days x100 by FormSeries (the memo kSroi stays 0); banen =
  // numerator / kYearBanenDenominator.
  std::array<int64_t, kFormSeriesCount> hour_days{};
  // Each rounded half-even once from its exact value.
  int64_t hours_x100 = 0;
  int64_t banen_x100 = 0;
  std::array<int64_t, kFormSeriesCount> form_banen_x100{};
  // NATIONAAL only, the one national target: its TargetSet for the year.
  std::optional<int64_t> doel_x100;
  std::optional<int64_t> realisatiepercentage_x10;
  // banen minus the previous year's (with the sectors of its 31 December).
  int64_t change_x100 = 0;

  int64_t Numerator() const;  // every series
  bool operator==(const YearRow&) const = default;
};

// hour-days x100 per baan-year: 7 days x 100 x 1,331 hours.
inline constexpr int64_t kYearBanenDenominator =
    int64_t{7} * 100 * kHoursPerBaanYear;

struct RealisationTable {
  // Sector rows in query order, each sector's quarters ascending; then
  // employer rows by (employer_id, quarter).
  std::vector<RealisationRow> rows;
  // The national monitor view: per requested aggregate, its quarters
  // ascending.
  std::vector<MonitorRow> monitor_rows;
  // kWba2026: per requested sector, its years ascending.
  std::vector<YearRow> year_rows;
  Regime regime = Regime::kWfsv2015;
  // The query's as_of, or without one the recorded time of the last event.
  absl::Time as_of = absl::InfinitePast();
  uint64_t last_seq = 0;  // the last event the table includes
  bool operator==(const RealisationTable&) const = default;
};

// The denominator that turns a measure's hours numerator into banen.
int64_t BanenDenominator(Measure measure, Quarter quarter);

// MARKT, OVERHEID or NATIONAAL: what the national monitor view splits.
bool IsMonitorSector(Sector sector);

// The sectors a query names, with the default filled in (for the national
// monitor view: MARKT, OVERHEID, NATIONAAL).
std::vector<Sector> SectorsOf(const RealisationQuery& query);

// The targets and baselines that win at one cut: all that sector rows need
// from the state besides the figures, so a table can be made without it.
class SectorTargets {
 public:
  SectorTargets() = default;  // none set
  SectorTargets(const ProjectionState& state, uint64_t cut);

  std::optional<int64_t> TargetX100(Sector sector, int32_t year) const;
  std::optional<int64_t> BaselineX100(Sector sector) const;
  std::optional<int64_t> InleenKeyX10(int32_t year) const;

 private:
  // (sector, year) -> banen_x100; year 0 holds the baselines, sector
  // kUnspecified the inleen keys (overheid share x10).
  absl::flat_hash_map<std::pair<Sector, int32_t>, int64_t> figures_;
};

// How far back a row looks: the previous quarter and a year earlier.
inline constexpr int32_t kQuartersBack = 4;

// Whether `change`, the difference between two sets of figures of one scope
// for the quarters q - kQuartersBack .. q (a vector of kQuartersBack + 1),
// moves an exact figure that the scope's row of q reads in some measure:
// any figure of q, the realisation of q - 1 (change_x100), or the series and
// persons of q - kQuartersBack (the changes against a year earlier).
bool MovesRowFigures(const std::vector<QuarterFigures>& change);

// Rows of `query` from `figures` as of `cut`. `figures` must hold quarters
// query.from - kQuartersBack .. query.to of every sector scope (and
// kMonitorBaselineQuarter for the national monitor view), and of employer
// scopes when query.include_employers.
RealisationTable MakeTable(const ProjectionState& state,
                           const FigureAccumulator& figures, uint64_t cut,
                           absl::Time as_of, const RealisationQuery& query);
// The same for a query without include_employers, from the targets at `cut`
// instead of the state.
RealisationTable MakeSectorTable(const SectorTargets& targets,
                                 const FigureAccumulator& figures, uint64_t cut,
                                 absl::Time as_of,
                                 const RealisationQuery& query);

// The kWba2026 table of `query` from `hours`, which must hold the hour-days
// at `cut`: O(employers x years).
RealisationTable MakeYearTable(const ProjectionState& state,
                               const YearHours& hours, uint64_t cut,
                               absl::Time as_of, const RealisationQuery& query);

// The whole table by one pass over the state (O(persons)): the reference the
// incremental Projector must equal, and the path for drill-down.
RealisationTable ComputeRealisation(const ProjectionState& state,
                                    const RealisationQuery& query);

}  // namespace banen

#endif  // BANEN_PROJECTIONS_REALISATION_H_
