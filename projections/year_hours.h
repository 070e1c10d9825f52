// YearHours: per employer and calendar year, the target-group hours worked,
// as the quota (quota.h) and the WBA_2026 realisation (realisation.h) read
// them. A day of a counting job (active, its person registered: DOMAIN.md
// §5) contributes hours_per_week x100 "hour-days"; hours are hour-days / 7.
//
// Kept by person: AddPerson(p at cut, -1) then AddPerson(p at cut', +1)
// (MovePerson) moves a person's contribution from one cut to another, so the
// projector's tail keeps the sums current in O(persons touched), as it does the
// figures, and a query reads them in O(employers x years). Every sum equals
// Build() at the same cut exactly: integer sums, in any order.
//
// A period of constant hours adds its partial first and last year as a sum,
// and the whole years between as a rate (hours_per_week x100 a day) that
// holds from one year on until a later one (or for good, for an open job).
// Each year keeps the rate in force in it, so a year's hour-days are its
// sum plus its days times its rate: a query reads one cell per employer,
// and a period costs O(years kept) to add.
#ifndef BANEN_PROJECTIONS_YEAR_HOURS_H_
#define BANEN_PROJECTIONS_YEAR_HOURS_H_

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "ledger/event.h"
#include "projections/figures.h"
#include "projections/person_at_cut.h"
#include "projections/projection_state.h"

namespace banen {

// Which law counts (one set of events answers both).
enum class Regime : uint8_t {
  // Wet banenafspraak en quotum arbeidsbeperkten (Wfsv §4a), in force:
  // inleen hours count for the hirer, where the work is done.
  kWfsv2015 = 0,
  // Wet banenafspraak (Kamerstuk 36449): inleen hours count for the formal
  // employer, the lender, when it is a registered employer (else for none).
  kWba2026 = 1,
};

std::string_view RegimeName(Regime regime);  // "WFSV_2015", "WBA_2026"

// An employer's hour-days of one year, by who it employs them as: its own
// jobs by FormSeries (inleen as the hirer; the memo kSroi stays 0), and the
// inleen jobs it lends out as their formal employer.
struct EmployerYear {
  std::array<int64_t, kFormSeriesCount> own{};
  int64_t lent_uitzend = 0;
  int64_t lent_detachering = 0;

  // The hour-days the regime counts for the employer, by FormSeries: under
  // kWfsv2015 `own`; under kWba2026 the inleen series are the lent ones.
  std::array<int64_t, kFormSeriesCount> Counted(Regime regime) const;
  bool operator==(const EmployerYear&) const = default;
};

class YearHours {
 public:
  // Every person of `state` at `cut`: the reference the projector's
  // incremental sums must equal, and the path for as_of queries.
  static YearHours Build(const ProjectionState& state, uint64_t cut);

  // Adds (sign +1) or removes (-1) the hour-days of `person` as seen at its
  // cut.
  void AddPerson(const PersonAtCut& person, int sign);
  // AddPerson(before, -1) then AddPerson(after, +1), for one person read at
  // two cuts, without the segments both show alike when the register
  // periods are the same.
  void MovePerson(const PersonAtCut& before, const PersonAtCut& after);

  // All zero for an employer or year never added to.
  EmployerYear Of(uint32_t employer, int32_t year) const;
  // Of() of many employers (the quota of every employer of the country
  // reads one cell each), fetching the cells a few employers ahead so that
  // their cache misses overlap.
  std::vector<EmployerYear> OfEach(absl::Span<const uint32_t> employers,
                                   int32_t year) const;
  // Of(e, y) for each year y of [first, last], of every employer
  // e < `count` in order.
  void ForEachEmployer(
      uint32_t count, int32_t first, int32_t last,
      absl::FunctionRef<void(uint32_t, absl::Span<const EmployerYear>)> visit)
      const;

 private:
  // Encodes and decodes the rows (state_checkpoint.h), as Cells.
  friend class StateCodec;

  // One series of EmployerYear, flattened: own[0..5], lent uitzend, lent
  // detachering.
  static constexpr int kSeries = kFormSeriesCount + 2;
  // A year of one employer, every series: the encoding's unit.
  struct Cell {
    std::array<int64_t, kSeries> sum{};   // hour-days of partial years
    std::array<int64_t, kSeries> rate{};  // hours_x100 a day all year
  };
  // One employer's years from the first effective year (1998), each with
  // the sums and then the rates of the series the employer has had hours
  // in, in series order. Most employers have hours in few of the eight: at
  // 10 M events whole Cells took 159 MB, three quarters of their values
  // zeros, and these rows half of that (issue 15). Most employers' values
  // fit 32 bits: a row holds them so, until one does not (a sum of some
  // 700 jobs' part of a year, or more); then its values take 64 bits each,
  // as two words (65 -> 33 MB at 10 M events).
  struct Row {
    uint8_t series = 0;  // bit s set: series s is kept
    uint8_t kept = 0;    // how many series are kept
    bool wide = false;   // each value in two words
    uint32_t years = 0;  // holds years x stride() values
    std::vector<int32_t> words;

    size_t stride() const { return size_t{2} * kept; }
    // Where a kept series' sum is in a year; its rate is `kept` further.
    int SlotOf(int series_index) const {
      return std::popcount(static_cast<unsigned>(series) &
                           ((1u << series_index) - 1));
    }
    size_t size() const { return wide ? words.size() / 2 : words.size(); }
    int64_t Get(size_t i) const {
      if (!wide) return words[i];
      int64_t value;
      std::memcpy(&value, &words[2 * i], sizeof(value));
      return value;
    }
    void Set(size_t i, int64_t value);
    void Add(size_t i, int64_t delta) { Set(i, Get(i) + delta); }
    // size() becomes `values`, the values added 0.
    void Resize(size_t values) { words.resize(wide ? 2 * values : values); }
    // The address of value i, to prefetch.
    const void* AddressOf(size_t i) const { return &words[wide ? 2 * i : i]; }
    Cell CellAt(size_t year) const;
  };

  // How far ahead OfEach and ForEachEmployer fetch.
  static constexpr uint32_t kPrefetchDistance = 16;
  // Fetches the cells of `employer` for the years first..last. Always
  // inlined: GCC deems a function of prefetches alone pure and drops a
  // call of it that is not inlined.
  [[gnu::always_inline]] inline void Prefetch(uint32_t employer, int32_t first,
                                              int32_t last) const;
  // Of() of the years first..last into out[0..last - first].
  void Fill(uint32_t employer, int32_t first, int32_t last,
            EmployerYear* out) const;
  // Adds `hours` a day to the rate of every year from `from_year` on.
  void AddRate(uint32_t employer, int32_t from_year, int series, int64_t hours);
  // Adds `hour_days` to the sum of `series` in `year`.
  void AddSum(uint32_t employer, int32_t year, int series, int64_t hour_days);
  // The segment's hour-days in the person's register periods.
  void AddSegment(const PersonAtCut& person, const PersonAtCut::Job& job,
                  const PersonAtCut::Segment& segment, int sign);
  // hours_x100 x sign a day over [from, to) (to may be kEndOfTime).
  void AddPeriod(uint32_t employer, int series, Date from, Date to,
                 int64_t hours);
  // The row of `employer`, keeping `series` and holding `year`; grown when
  // it does not (GrowRow): the years added go on at the last one's rates.
  Row& RowHolding(uint32_t employer, int series, int32_t year);
  Row& GrowRow(uint32_t employer, int series, int32_t year);
  // The employer's cells, every series, as many years as its row holds.
  std::vector<Cell> CellsOf(uint32_t employer) const;
  // Appends the row of the next employer from its cells.
  void AddRow(absl::Span<const Cell> cells);

  // By employer, then by year; grown on demand. Years past an employer's
  // last go on at its rates. (By year first, a query would read its cells
  // together, but a fold would touch a row far apart for every year a
  // period spans: a build at 10 M events took seconds longer.)
  std::vector<Row> rows_;
};

}  // namespace banen

#endif  // BANEN_PROJECTIONS_YEAR_HOURS_H_
