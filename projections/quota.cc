#include "projections/quota.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"
#include "projections/realisation.h"
#include "projections/rounding.h"

namespace banen {
namespace {

std::optional<int32_t> PercentageOf(const ProjectionState& state, Sector sector,
                                    int32_t year, Regime regime, uint64_t cut) {
  const Sector side = regime == Regime::kWba2026   ? Sector::kNationaal
                      : IsGovernmentSector(sector) ? Sector::kOverheid
                                                   : Sector::kMarkt;
  const std::optional<int64_t> percentage =
      state.QuotaPercentageX100(side, year, cut);
  if (!percentage.has_value()) return std::nullopt;
  return static_cast<int32_t>(*percentage);
}

QuotaRow MakeRow(const ProjectionState& state, uint32_t employer, Sector sector,
                 const YearHours& hours, const QuotaQuery& query,
                 uint64_t cut) {
  int64_t hour_days = 0;
  for (int64_t series : hours.Of(employer, query.year).Counted(query.regime)) {
    hour_days += series;
  }
  QuotaRow row;
  row.employer_id = state.employer(employer).employer_id;
  row.sector = sector;
  row.paid_hours_x100 = state.PaidHoursX100(employer, query.year, cut);
  row.previous_paid_hours_x100 =
      state.PaidHoursX100(employer, query.year - 1, cut);
  row.liable =
      row.paid_hours_x100.value_or(0) >= kQuotaThresholdHoursX100 &&
      row.previous_paid_hours_x100.value_or(0) >= kQuotaThresholdHoursX100;
  row.percentage_x100 =
      PercentageOf(state, sector, query.year, query.regime, cut);
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
  std::map<Sector, TotalSums> sums;
  for (const QuotaRow& row : rows) {
    std::vector<Sector> scopes = {row.sector, Sector::kNationaal};
    if (IsGovernmentSector(row.sector)) scopes.push_back(Sector::kOverheid);
    for (Sector scope : scopes) {
      TotalSums& sum = sums[scope];
      sum.total.sector = scope;
      ++sum.total.employers;
      sum.total.paid_hours_x100 += row.paid_hours_x100.value_or(0);
      if (!row.liable) continue;
      ++sum.total.liable_employers;
      sum.quota_numerator += row.quota_numerator;
      sum.realised_numerator += row.realised_numerator;
      sum.total.shortfall_banen_x10 += row.shortfall_banen_x10;
      sum.total.levy_euro += row.levy_euro;
    }
  }
  // Sector order puts the concrete sectors first, then OVERHEID, NATIONAAL.
  std::vector<QuotaTotal> totals;
  for (auto& [sector, sum] : sums) {
    sum.total.quota_banen_x100 =
        RoundHalfEven(sum.quota_numerator * 100, kQuotaDenominator);
    sum.total.realised_banen_x100 =
        RoundHalfEven(sum.realised_numerator * 100, kQuotaDenominator);
    totals.push_back(sum.total);
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
  std::vector<uint32_t> employers;
  if (query.employer_ids.empty()) {
    for (uint32_t e = 0; e < state.employer_count(); ++e) {
      if (sector_of(e) != Sector::kUnspecified) employers.push_back(e);
    }
  } else {
    for (const std::string& id : query.employer_ids) {
      const std::optional<uint32_t> employer = state.FindEmployer(id);
      if (!employer.has_value() ||
          sector_of(*employer) == Sector::kUnspecified) {
        return absl::NotFoundError(
            absl::StrCat("employer_ids: \"", id, "\" is not registered"));
      }
      employers.push_back(*employer);
    }
  }
  QuotaTable table;
  table.year = query.year;
  table.regime = query.regime;
  table.cut = cut;
  for (uint32_t employer : employers) {
    const Sector sector = sector_of(employer);
    if (query.sector != Sector::kUnspecified &&
        !Requested({query.sector}, sector)) {
      continue;
    }
    table.rows.push_back(MakeRow(state, employer, sector, hours, query, cut));
  }
  std::sort(table.rows.begin(), table.rows.end(),
            [](const QuotaRow& a, const QuotaRow& b) {
              return a.employer_id < b.employer_id;
            });
  table.rows.erase(std::unique(table.rows.begin(), table.rows.end(),
                               [](const QuotaRow& a, const QuotaRow& b) {
                                 return a.employer_id == b.employer_id;
                               }),
                   table.rows.end());
  table.totals = Totals(table.rows);
  return table;
}

}  // namespace banen
