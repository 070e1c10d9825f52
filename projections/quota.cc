#include "projections/quota.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"
#include "projections/realisation.h"
#include "projections/rounding.h"

namespace banen {
namespace {

// The percentage of the government's side (every government sector) or of
// the market's: the employer matters to it only through its side.
std::optional<int32_t> PercentageOf(const ProjectionState& state,
                                    bool government, int32_t year,
                                    Regime regime, uint64_t cut) {
  const Sector side = regime == Regime::kWba2026 ? Sector::kNationaal
                      : government               ? Sector::kOverheid
                                                 : Sector::kMarkt;
  const std::optional<int64_t> percentage =
      state.QuotaPercentageX100(side, year, cut);
  if (!percentage.has_value()) return std::nullopt;
  return static_cast<int32_t>(*percentage);
}

// An employer to report, with its sector on 31 December and the key that
// puts it in employer_id order: the id's first 16 bytes, big-endian and
// zero-padded, order the ids as the strings do (a pad byte sorts before
// every byte but 0, where the tie goes to the full strings). Comparing
// keys rather than the strings spread over the state makes the sort of
// every employer of the country cheap.
struct ReportedEmployer {
  unsigned __int128 id_prefix = 0;
  std::string_view id;
  uint32_t employer = 0;
  Sector sector = Sector::kUnspecified;

  ReportedEmployer(std::string_view employer_id, uint32_t index, Sector s)
      : id(employer_id), employer(index), sector(s) {
    for (size_t i = 0; i < 16; ++i) {
      id_prefix <<= 8;
      if (i < employer_id.size()) {
        id_prefix |= static_cast<uint8_t>(employer_id[i]);
      }
    }
  }
  bool operator<(const ReportedEmployer& other) const {
    if (id_prefix != other.id_prefix) return id_prefix < other.id_prefix;
    return id < other.id;
  }
};

QuotaRow MakeRow(const ProjectionState& state, const ReportedEmployer& reported,
                 std::optional<int32_t> percentage_x100,
                 const EmployerYear& hours, const QuotaQuery& query,
                 uint64_t cut) {
  int64_t hour_days = 0;
  for (int64_t series : hours.Counted(query.regime)) {
    hour_days += series;
  }
  QuotaRow row;
  row.employer_id = reported.id;
  row.sector = reported.sector;
  row.paid_hours_x100 = state.PaidHoursX100(reported.employer, query.year, cut);
  row.previous_paid_hours_x100 =
      state.PaidHoursX100(reported.employer, query.year - 1, cut);
  row.liable =
      row.paid_hours_x100.value_or(0) >= kQuotaThresholdHoursX100 &&
      row.previous_paid_hours_x100.value_or(0) >= kQuotaThresholdHoursX100;
  row.percentage_x100 = percentage_x100;
  // See kQuotaDenominator: quota = 7PH / D, realised = 10^4 S / D. Within
  // int64: P <= 10^4, H <= kMaxPaidHoursX100 (4.24 x 10^11) gives 7PH <=
  // 3 x 10^16; S of one employer stays far below 10^12.
  if (row.percentage_x100.has_value() && row.paid_hours_x100.has_value()) {
    row.quota_numerator =
        int64_t{7} * *row.percentage_x100 * *row.paid_hours_x100;
  }
  row.realised_numerator = int64_t{10'000} * hour_days;
  row.quota_banen_x100 =
      RoundHalfEven(__int128{row.quota_numerator} * 100, kQuotaDenominator);
  row.realised_hours_x100 = RoundHalfEven(hour_days, 7);
  row.realised_banen_x100 =
      RoundHalfEven(__int128{row.realised_numerator} * 100, kQuotaDenominator);
  if (row.liable && row.percentage_x100.has_value()) {
    row.shortfall_banen_x10 =
        ShortfallX10(row.quota_numerator, row.realised_numerator);
    // €5,000 per baan is €500 per tenth.
    row.levy_euro = row.shortfall_banen_x10 * (kLevyEuroPerBaan / 10);
  }
  return row;
}

struct TotalSums {
  QuotaTotal total;
  __int128 quota_numerator = 0;
  __int128 realised_numerator = 0;
};

std::vector<QuotaTotal> Totals(const std::vector<QuotaRow>& rows) {
  std::array<std::optional<TotalSums>, kSectorCount> sums;
  for (const QuotaRow& row : rows) {
    const Sector scopes[] = {row.sector, Sector::kNationaal,
                             IsGovernmentSector(row.sector)
                                 ? Sector::kOverheid
                                 : Sector::kUnspecified};
    for (Sector scope : scopes) {
      if (scope == Sector::kUnspecified) continue;
      std::optional<TotalSums>& sum = sums[static_cast<size_t>(scope)];
      if (!sum.has_value()) sum.emplace().total.sector = scope;
      ++sum->total.employers;
      sum->total.paid_hours_x100 += row.paid_hours_x100.value_or(0);
      if (!row.liable) continue;
      ++sum->total.liable_employers;
      sum->quota_numerator += row.quota_numerator;
      sum->realised_numerator += row.realised_numerator;
      sum->total.shortfall_banen_x10 += row.shortfall_banen_x10;
      sum->total.levy_euro += row.levy_euro;
    }
  }
  // Sector order puts the concrete sectors first, then OVERHEID, NATIONAAL.
  std::vector<QuotaTotal> totals;
  for (std::optional<TotalSums>& sum : sums) {
    if (!sum.has_value()) continue;
    sum->total.quota_banen_x100 =
        RoundHalfEven(sum->quota_numerator * 100, kQuotaDenominator);
    sum->total.realised_banen_x100 =
        RoundHalfEven(sum->realised_numerator * 100, kQuotaDenominator);
    totals.push_back(sum->total);
  }
  return totals;
}

}  // namespace

int64_t ShortfallX10(int64_t quota_numerator, int64_t realised_numerator) {
  const __int128 missing = __int128{quota_numerator} - realised_numerator;
  if (missing <= 0) return 0;
  // Both positive: integer division rounds down, as the law's "naar beneden
  // afgerond op één decimaal" asks.
  return static_cast<int64_t>(missing * 10 / kQuotaDenominator);
}

namespace {

absl::Status ValidateQuotaQuery(const QuotaQuery& query) {
  if (query.year < kFirstTargetYear || query.year > kLastTargetYear) {
    return absl::InvalidArgumentError(
        absl::StrCat("year: must be in 2013..2100, not ", query.year));
  }
  if (query.sector != Sector::kUnspecified &&
      !IsReportableSector(query.sector)) {
    return absl::InvalidArgumentError(
        "sector: must be a sector or an aggregate");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<QuotaTable> ComputeQuota(const ProjectionState& state,
                                        uint64_t cut, const QuotaQuery& query) {
  RETURN_IF_ERROR(ValidateQuotaQuery(query));
  return MakeQuota(state, cut, YearHours::Build(state, cut), query);
}

absl::StatusOr<QuotaTable> MakeQuota(const ProjectionState& state, uint64_t cut,
                                     const YearHours& hours,
                                     const QuotaQuery& query) {
  RETURN_IF_ERROR(ValidateQuotaQuery(query));
  const Date last_day = MakeDate(query.year, 12, 31);
  const auto sector_of = [&](uint32_t employer) {
    return state.SectorsOf(employer, cut).On(last_day);
  };
  std::vector<ReportedEmployer> employers;
  if (query.employer_ids.empty()) {
    employers.reserve(state.employer_count());
    for (uint32_t e = 0; e < state.employer_count(); ++e) {
      const Sector sector = sector_of(e);
      if (sector != Sector::kUnspecified) {
        employers.emplace_back(state.employer(e).employer_id, e, sector);
      }
    }
  } else {
    for (const std::string& id : query.employer_ids) {
      const std::optional<uint32_t> employer = state.FindEmployer(id);
      const Sector sector =
          employer.has_value() ? sector_of(*employer) : Sector::kUnspecified;
      if (sector == Sector::kUnspecified) {
        return absl::NotFoundError(
            absl::StrCat("employer_ids: \"", id, "\" is not registered"));
      }
      employers.emplace_back(state.employer(*employer).employer_id, *employer,
                             sector);
    }
  }
  if (query.sector != Sector::kUnspecified) {
    const std::vector<Sector> requested = {query.sector};
    std::erase_if(employers, [&](const ReportedEmployer& reported) {
      return !Requested(requested, reported.sector);
    });
  }
  // Merge sort: the introsort of the demo's employers fell back to a heap
  // sort and took twice as long.
  std::stable_sort(employers.begin(), employers.end());
  employers.erase(
      std::unique(employers.begin(), employers.end(),
                  [](const ReportedEmployer& a, const ReportedEmployer& b) {
                    return a.employer == b.employer;
                  }),
      employers.end());
  const std::optional<int32_t> government_percentage =
      PercentageOf(state, true, query.year, query.regime, cut);
  const std::optional<int32_t> markt_percentage =
      PercentageOf(state, false, query.year, query.regime, cut);
  QuotaTable table;
  table.year = query.year;
  table.regime = query.regime;
  table.cut = cut;
  std::vector<uint32_t> indexes(employers.size());
  for (size_t i = 0; i < employers.size(); ++i) {
    indexes[i] = employers[i].employer;
  }
  const std::vector<EmployerYear> employer_hours =
      hours.OfEach(indexes, query.year);
  table.rows.reserve(employers.size());
  for (size_t i = 0; i < employers.size(); ++i) {
    const ReportedEmployer& reported = employers[i];
    table.rows.push_back(MakeRow(state, reported,
                                 IsGovernmentSector(reported.sector)
                                     ? government_percentage
                                     : markt_percentage,
                                 employer_hours[i], query, cut));
  }
  table.totals = Totals(table.rows);
  return table;
}

}  // namespace banen
