// Quota and levy per employer (Wfsv §4a, DOMAIN.md §8), under either legal
// regime, as a pure fold of the ProjectionState at one cut.
//
// For an employer and a calendar year Y:
// - paid hours: its winning EmployerHoursReported for Y;
// - liable: at least kQuotaThresholdHoursX100 paid hours in Y and in Y - 1
//   (an unreported year counts as below the threshold);
// - quota banen = percentage x paid hours / 1,331;
// - realised banen = target-group hours worked in Y / 1,331, where a day of a
//   counting job (active, its person registered: DOMAIN.md §5) contributes
//   hours_per_week / 7 hours, for the employer it counts for (below);
// - shortfall = quota - realised when liable, rounded DOWN to 0.1 baan, at
//   least 0; levy = kLevyEuroPerBaan per missing baan.
// Every value is exact until it is rounded once for display.
//
// Regimes (one set of events, two answers):
// - kWfsv2015 (the Wet banenafspraak en quotum arbeidsbeperkten, in force):
//   the percentage of the employer's side (OVERHEID for the 13 government
//   sectors, MARKT otherwise); agency and secondment (inleen) hours count for
//   the hirer, where the work is done; an SROI job for its own employer.
// - kWba2026 (Wet banenafspraak, Kamerstuk 36449): one NATIONAAL percentage
//   for all employers; inleen hours count for the formal employer, the
//   lender, when it is a registered employer (for none otherwise); the rest
//   as under kWfsv2015.
//
// An employer's row takes its sector on 31 December of Y (so a reclassified
// employer is reported, and charged, with the sector it ended the year in).
#ifndef BANEN_PROJECTIONS_QUOTA_H_
#define BANEN_PROJECTIONS_QUOTA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/event.h"
#include "projections/projection_state.h"
#include "projections/year_hours.h"

namespace banen {

// 25 employees x 1,623 hours: the Wfsv §4a threshold, in hours x100.
inline constexpr int64_t kQuotaThresholdHoursX100 = int64_t{40'575} * 100;
inline constexpr int64_t kLevyEuroPerBaan = 5'000;

// Quota and realisation as fractions over one denominator, so that their
// difference is exact:
//   quota    = P/100 % x H/100 h / 1331 = P x H / (10^6 x 1331)
//   realised = (S / 7) / 100 h / 1331   = S / (7 x 100 x 1331)
// with P the percentage x100, H the paid hours x100 and S the sum over the
// counting days of hours_per_week x100. lcm(10^6 x 1331, 700 x 1331) =
// 7 x 10^6 x 1331, so quota = 7PH / D and realised = 10^4 S / D.
inline constexpr int64_t kQuotaDenominator =
    int64_t{7} * 1'000'000 * kHoursPerBaanYear;  // 9,317,000,000

struct QuotaQuery {
  int32_t year = 0;
  // Empty: every employer registered at the cut.
  std::vector<std::string> employer_ids;
  // A concrete sector or an aggregate; kUnspecified: every sector.
  Sector sector = Sector::kUnspecified;
  std::optional<absl::Time> as_of;
  Regime regime = Regime::kWfsv2015;
};

struct QuotaRow {
  std::string employer_id;
  Sector sector = Sector::kUnspecified;  // on 31 December of the year
  std::optional<int64_t> paid_hours_x100;
  std::optional<int64_t> previous_paid_hours_x100;  // of year - 1
  bool liable = false;
  // The regime's percentage for the employer; unset when none was set, and
  // then there is no quota.
  std::optional<int32_t> percentage_x100;
  // Exact, over kQuotaDenominator (quota: 0 without a percentage or hours).
  int64_t quota_numerator = 0;
  int64_t realised_numerator = 0;
  // For display, each rounded half-even once from its exact value.
  int64_t quota_banen_x100 = 0;
  int64_t realised_hours_x100 = 0;
  int64_t realised_banen_x100 = 0;
  // Liable employers only (else 0): rounded down to a tenth, as the law does.
  int64_t shortfall_banen_x10 = 0;
  int64_t levy_euro = 0;
  bool operator==(const QuotaRow&) const = default;
};

// Per concrete sector of the rows, then OVERHEID and NATIONAAL.
struct QuotaTotal {
  Sector sector = Sector::kUnspecified;
  int64_t employers = 0;
  int64_t liable_employers = 0;
  int64_t paid_hours_x100 = 0;  // all rows
  // Of the liable employers: rounded once from the exact sums.
  int64_t quota_banen_x100 = 0;
  int64_t realised_banen_x100 = 0;
  // Sums of the rows' rounded-down shortfalls and levies: what would be
  // charged.
  int64_t shortfall_banen_x10 = 0;
  int64_t levy_euro = 0;
  bool operator==(const QuotaTotal&) const = default;
};

struct QuotaTable {
  int32_t year = 0;
  Regime regime = Regime::kWfsv2015;
  uint64_t cut = 0;            // the seq of the last event included
  std::vector<QuotaRow> rows;  // in employer_id order
  std::vector<QuotaTotal> totals;
  bool operator==(const QuotaTable&) const = default;
};

// shortfall = max(0, quota - realised), rounded down to tenths of a baan.
int64_t ShortfallX10(int64_t quota_numerator, int64_t realised_numerator);

// INVALID_ARGUMENT for a year outside 2013..2100 or a sector that is not
// reportable; NOT_FOUND for an employer_id not registered at the cut.
absl::StatusOr<QuotaTable> ComputeQuota(const ProjectionState& state,
                                        uint64_t cut, const QuotaQuery& query);
// The same from `hours`, which must hold the hour-days at `cut` (the
// projector's, kept by its tail): O(employers), no pass over the persons.
absl::StatusOr<QuotaTable> MakeQuota(const ProjectionState& state, uint64_t cut,
                                     const YearHours& hours,
                                     const QuotaQuery& query);

}  // namespace banen

#endif  // BANEN_PROJECTIONS_QUOTA_H_
