#include "tools/demo_data.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"

namespace banen {
namespace {

constexpr int kFirstYear = 2013;
constexpr int kLastYear = 2025;
// Year-end stocks are indexed from the end of 2012 (the baseline, nulmeting)
// to the end of 2025.
constexpr int kBaselineYear = kFirstYear - 1;
// The monitor keys the baseline by that year's verdeelsleutel.
static_assert(kBaselineYear == kBaselineInleenKeyYear);
constexpr int kYearEnds = kLastYear - kBaselineYear + 1;
// The years DOMAIN.md §7 tabulates per government sector, and 2025.
constexpr int kFirstTableYear = 2021;
constexpr int kTableYears = kLastYear - kFirstTableYear + 1;
constexpr int kSplitYear = 2024;  // the year §7 gives contract-form splits

constexpr int kRealisationForms = 4;
constexpr std::array<ContractForm, kRealisationForms> kForms = {
    ContractForm::kVast, ContractForm::kTijdelijk, ContractForm::kInleenUitzend,
    ContractForm::kInleenDetachering};
// Jobs are calibrated in buckets per sector: one per contract form, and one
// of the SROI jobs (of any form, at markt suppliers) the sector commissioned.
constexpr int kFormCount = kRealisationForms + 1;
constexpr int kSroiForm = kRealisationForms;
// MARKT and the 13 government sectors, in Sector order.
constexpr int kSectorSlots = 14;

int SlotOf(Sector sector) { return static_cast<int>(sector) - 1; }
int FormIndex(ContractForm form) {
  return static_cast<int>(std::find(kForms.begin(), kForms.end(), form) -
                          kForms.begin());
}

// Hours per week (x100) that make `banen_x100` hundredths of a baan, rounded
// down: at most half a hundredth of an hour short, so the figure rounds back
// to the same hundredth of a baan.
int64_t HoursOf(int64_t banen_x100) {
  return banen_x100 * kHoursPerBaanX100 / 100;
}

// splitmix64: tiny, fast and the same on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<__uint128_t>(Next()) * n) >> 64);
  }
  bool Chance(double p) {
    return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p;
  }
  // Uniform in [from, to]; `from` when the range is empty.
  Date Between(Date from, Date to) {
    if (to <= from) return from;
    return Date{from.days + static_cast<int32_t>(Below(static_cast<uint64_t>(
                                int64_t{to.days} - from.days + 1)))};
  }
  template <typename T, size_t N>
  T Pick(const std::array<std::pair<T, int>, N>& weighted) {
    int total = 0;
    for (const auto& [value, weight] : weighted) total += weight;
    int roll = static_cast<int>(Below(static_cast<uint64_t>(total)));
    for (const auto& [value, weight] : weighted) {
      if (roll < weight) return value;
      roll -= weight;
    }
    return weighted.back().first;
  }

 private:
  uint64_t state_;
};

// A bijection on 64 bits (the splitmix64 finaliser), so distinct person
// numbers give distinct pseudonyms.
uint64_t Scramble(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// ---------------------------------------------------------------------------
// Calibration figures.

// Shares of vast, tijdelijk, uitzend and detachering, in permille.
using FormShares = std::array<int64_t, kRealisationForms>;
// Hundredths of a baan per form.
using FormBanen = std::array<int64_t, kRealisationForms>;
constexpr int64_t kNotGiven = -1;

struct GovernmentSectorPlan {
  Sector sector;
  // Realisation and doel in hundredths of a baan, 2021..2025.
  std::array<int64_t, kTableYears> realisation_x100;
  std::array<int64_t, kTableYears> doel_x100;
  // banen_sroi of the sector, 2021..2025; earlier years ramp up from 2015.
  std::array<int64_t, kTableYears> sroi_x100;
  FormShares shares_2013;
  FormShares shares_2024;
  // The 2024 banen per form where §7 gives them, else kNotGiven.
  FormBanen forms_2024_x100;
};

constexpr FormBanen kNoSplit = {kNotGiven, kNotGiven, kNotGiven, kNotGiven};
constexpr std::array<int64_t, kTableYears> kNoSroi = {0, 0, 0, 0, 0};

// DOMAIN.md §7 (seeds 002, 000, 004), in hundredths of a baan. Values that
// are ours, not the sources', because §7 has "–" or stops at 2024:
// - 2025 everywhere: doel and realisation continue the 2023->2024 trend.
// - POLITIE 2022: doel 656 and realisation 520, between 2021 and 2023.
// - UMC 2022 doel 2,370, between 2021 and 2023.
// - PRIMAIR_ONDERWIJS 2021/2022: doel 5,720 / 5,790, realisation 1,150 /
//   1,220; VOORTGEZET_ONDERWIJS 2021/2022: doel 3,700 / 3,760, realisation
//   700 / 780; MBO 2021: doel 1,250, realisation 520. The ± estimates of §7
//   are taken as they are.
// - SROI where §7 gives none: RIJK 250..330 (social return of the
//   departments), PO and VO inkoop before 2023, HBO 2021 and 2023, WO 2023,
//   UMC from 2023. HBO 2024 inkoop is 605 - 479 = 126; WO 2024 SROI is
//   1,207 - 1,024 = 183.
// - Form shares other than the 2024 splits of §7: ours, with inleen falling
//   over the years as the letters describe.
constexpr std::array<GovernmentSectorPlan, 13> kGovernmentPlans = {{
    {Sector::kGemeenten,
     {579600, 649000, 632000, 605100, 618000},
     {525000, 472500, 525000, 554000, 560000},
     kNoSroi,
     {400, 300, 100, 200},
     {480, 300, 70, 150},
     kNoSplit},
    {Sector::kProvincies,
     {35500, 37044, 39550, 42070, 43500},
     {37700, 41639, 45830, 47060, 48400},
     kNoSroi,
     {450, 350, 150, 50},
     {550, 320, 100, 30},
     kNoSplit},
    // 2024: 52.9% vast, 22.8% tijdelijk, 24.3% inleen of 330.5.
    {Sector::kWaterschappen,
     {29700, 32720, 32900, 33050, 34000},
     {49300, 52450, 55200, 60280, 61500},
     kNoSroi,
     {450, 250, 200, 100},
     {529, 228, 122, 121},
     {17483, 7535, 4016, kNotGiven}},
    {Sector::kRijk,
     {320300, 374900, 451700, 507800, 540000},
     {467400, 514400, 563700, 599400, 615000},
     {25000, 28000, 30000, 32000, 33000},
     {350, 350, 250, 50},
     {560, 330, 80, 30},
     kNoSplit},
    {Sector::kDefensie,
     {40900, 41870, 50850, 59540, 62000},
     {69400, 76300, 82200, 89900, 92000},
     {20100, 21740, 23580, 23090, 23500},
     {450, 350, 150, 50},
     {550, 330, 90, 30},
     kNoSplit},
    // 2024: 249 vast, 179 tijdelijk, 61 inleen (31 uitzend, 30 detachering).
    {Sector::kPolitie,
     {66000, 52000, 38700, 48900, 52000},
     {59900, 65600, 71300, 71300, 71300},
     kNoSroi,
     {450, 350, 150, 50},
     {509, 366, 63, 62},
     {24900, 17900, 3100, kNotGiven}},
    // 2024: 54 detacheringen. SROI 2021 56 (616 -> 672 incl.), 2022 77.
    {Sector::kUmc,
     {61600, 53500, 50600, 58600, 60000},
     {226400, 237000, 248300, 256200, 260000},
     {5600, 7700, 8000, 8500, 9000},
     {400, 350, 100, 150},
     {500, 300, 108, 92},
     {kNotGiven, kNotGiven, kNotGiven, 5400}},
    {Sector::kPrimairOnderwijs,
     {115000, 122000, 129000, 137200, 140000},
     {572000, 579000, 584500, 585800, 587000},
     {6000, 9500, 13000, 18400, 19000},
     {300, 500, 100, 100},
     {380, 480, 80, 60},
     kNoSplit},
    {Sector::kVoortgezetOnderwijs,
     {70000, 78000, 84000, 75000, 76000},
     {370000, 376000, 380900, 384200, 385000},
     {15000, 21000, 27300, 66800, 68000},
     {300, 500, 100, 100},
     {400, 450, 90, 60},
     kNoSplit},
    {Sector::kMbo,
     {52000, 57500, 70000, 70600, 72000},
     {125000, 130500, 190000, 192900, 195000},
     kNoSroi,
     {350, 450, 100, 100},
     {450, 400, 90, 60},
     kNoSplit},
    // SROI 2022 122; 2024: 67.3 % vast, 14.7 % tijdelijk, 17.9 % inleen of
    // 479 (ours: 322.56, 70.60 and 85.84, or 67.34, 14.74 and 17.92 %).
    {Sector::kHbo,
     {32800, 39100, 49800, 47900, 49000},
     {95300, 105500, 168500, 166800, 168000},
     {10000, 12200, 12400, 12600, 13000},
     {350, 450, 150, 50},
     {450, 400, 110, 40},
     {32256, 7060, kNotGiven, kNotGiven}},
    // SROI 2021 83, 2022 78.
    {Sector::kWo,
     {91900, 96300, 104000, 102400, 104000},
     {188600, 232100, 251400, 271600, 275000},
     {8300, 7800, 13000, 18300, 19000},
     {350, 450, 150, 50},
     {450, 420, 100, 30},
     kNoSplit},
    {Sector::kOnderzoeksinstellingen,
     {5500, 6100, 4900, 5140, 5300},
     {11000, 11200, 11300, 12590, 12700},
     kNoSroi,
     {400, 400, 150, 50},
     {480, 380, 110, 30},
     kNoSplit},
}};

// Splits §7 gives as percentages for other years than 2024 (the split
// within formal and within inleen is ours).
struct SharesGiven {
  Sector sector;
  int year;
  FormShares shares;
};
constexpr std::array<SharesGiven, 2> kSharesGiven = {{
    // 70 % vast, 14 % tijdelijk, 16 % inleen.
    {Sector::kUmc, 2022, {700, 140, 80, 80}},
    // 73 % formal, 27 % inleen.
    {Sector::kHbo, 2021, {400, 330, 170, 100}},
}};

// ---------------------------------------------------------------------------
// National figures (the SZW letters, seed 001; DOMAIN.md §7), at the year
// ends 2012 (the baseline, nulmeting) .. 2025, in hundredths of a baan.
//
// The SZW letters count by the national monitor: formal jobs by their
// employer's sector, inleen (all hirers together) split by the yearly
// verdeelsleutel. Their markt and overheid extra banen are therefore not the
// sector letters' figures minus a baseline; the demo meets both, each in its
// own view. Where a seed figure is rounded so that it cannot meet its parts
// exactly (724 + 1,130 is not 1,855; 10,461 - 314 is not 10,146; 71,113 -
// 60,966 is not 10,146), we choose values within half a baan of each.
constexpr int64_t kNationalBaselineX100 = 7517900;

// The verdeelsleutel: overheid's share of the inleen stock, in permille.
// Seed 001 gives 24.0 (baseline), 32 (2021) and 25.8 (2022); the rest are
// ours, rising from the baseline's share to 2021's. Each year's is an
// InleenKeySet, so the ledger's national monitor view splits as we do here.
constexpr std::array<int64_t, kYearEnds> kOverheidKeyPermille = {
    240, 245, 250, 280, 285, 290, 295, 300, 310, 320, 258, 270, 270, 270};

// Extra banen by the national monitor. Markt: §7 for 2015, 2017, 2019 and
// 2021..2023, the other years ours. Overheid: §7; kNotGiven where the
// overheid figure follows from our choices (the sector paths and the key).
// 2017 and 2021: the totals 36,904 and 72,809 are a unit above the sum of
// their parts; 30,432.40 + 6,471.30 and 60,966.30 + 11,842.30 are within
// half a baan of all three. 2022: 71,112.75 = formal 70,388.35 + inleen
// 724.40, and 2022 against 2021 is +10,146.45 (formal +10,460.80, inleen
// -314.35).
constexpr std::array<int64_t, kYearEnds> kMarktExtraX100 = {
    0,       500000,  1030000, 1560400, 2300000, 3043240, 4100000,
    5182900, 5640000, 6096630, 7111275, 7403100, 7690000, 7950000};
constexpr std::array<int64_t, kYearEnds> kOverheidExtraX100 = {
    0,      kNotGiven, kNotGiven, 545300,  kNotGiven, 647130,    kNotGiven,
    978600, kNotGiven, 1184230,   1000420, 1163400,   kNotGiven, kNotGiven};

// The national inleen stock. Seed 001: 36,206 at the baseline and 38,061 at
// the end of 2022; we take 36,206.30 and 38,060.90, so that the keyed extra
// banen of 2022 come out as 724.40 markt and 1,130.20 overheid (seed: 724,
// 1,130, total 1,855). 2021: the stock whose markt part (68 %) gives markt
// 1,038.75 extra inleen banen, 314.35 more than 2022 (seed: -314).
// kNotGiven: solved from the overheid extra banen where §7 gives them,
// otherwise interpolated, and falling by kInleenDeclineX100 a year after
// 2023.
constexpr std::array<int64_t, kYearEnds> kInleenStockX100 = {
    3620630,   kNotGiven, kNotGiven, kNotGiven, kNotGiven,
    kNotGiven, kNotGiven, kNotGiven, kNotGiven, 4199344,
    3806090,   kNotGiven, kNotGiven, kNotGiven};
constexpr int64_t kInleenDeclineX100 = 30000;

// Cumulative targets for extra banen (§7 national table; 2016, 2018, 2020
// and 2024 are the agreed schedule between the tabulated years).
constexpr int kFirstNationalTargetYear = 2015;
constexpr std::array<int64_t, 11> kMarktExtraTargetX100 = {
    600000,  1450000, 2300000, 3150000, 4000000, 5000000,
    6000000, 7000000, 8000000, 9000000, 10000000};
constexpr std::array<int64_t, 11> kOverheidExtraTargetX100 = {
    300000,  650000,  1000000, 1250000, 1500000, 1750000,
    2000000, 2250000, 2500000, 2500000, 2500000};
// §7: the RIJK targets of the years before the sector table.
constexpr std::array<std::pair<int, int64_t>, 2> kEarlyRijkTargetsX100 = {
    {{2019, 353100}, {2020, 407200}}};

// How far (permille) each government sector has come from its baseline to
// its 2021 realisation at the end of 2012..2020, shaped after the OVERHEID
// extra banen of the SZW table (5,453 in 2015, 6,471 in 2017, 9,786 in 2019
// of 11,842 in 2021).
constexpr std::array<int64_t, 9> kPathTo2021Permille = {0,   150, 300, 460, 500,
                                                        550, 690, 830, 910};

// Splits `total` over the forms by `shares`; the last form whose amount is
// not fixed takes the rounding. `fixed[f] >= 0` fixes form f.
FormBanen Split(int64_t total, const FormShares& shares,
                const FormBanen& fixed) {
  FormBanen parts{};
  int64_t rest = total;
  int64_t open_shares = 0;
  int last_open = -1;
  for (int f = 0; f < kRealisationForms; ++f) {
    if (fixed[f] >= 0) {
      parts[f] = fixed[f];
      rest -= fixed[f];
    } else {
      open_shares += shares[f];
      last_open = f;
    }
  }
  int64_t assigned = 0;
  for (int f = 0; f < kRealisationForms; ++f) {
    if (fixed[f] >= 0) continue;
    parts[f] =
        f == last_open ? rest - assigned : rest * shares[f] / open_shares;
    assigned += parts[f];
  }
  return parts;
}

// Moves `delta` banen (x100) from a sector's inleen to its formal jobs, each
// side keeping its own proportions.
void MoveInleenToFormal(int64_t delta, FormBanen* forms) {
  FormBanen& f = *forms;
  const int64_t formal = f[0] + f[1];
  const int64_t inleen = f[2] + f[3];
  const int64_t to_vast = delta * f[0] / formal;
  const int64_t from_uitzend = delta * f[2] / inleen;
  f[0] += to_vast;
  f[1] += delta - to_vast;
  f[2] -= from_uitzend;
  f[3] -= delta - from_uitzend;
}

int64_t Formal(const FormBanen& forms) { return forms[0] + forms[1]; }
int64_t Inleen(const FormBanen& forms) { return forms[2] + forms[3]; }

FormShares SharesOf(const GovernmentSectorPlan& plan, int year) {
  for (const SharesGiven& given : kSharesGiven) {
    if (given.sector == plan.sector && given.year == year) return given.shares;
  }
  FormShares shares;
  const int64_t progress = std::clamp(year - kFirstYear, 0, 11);
  for (int f = 0; f < kRealisationForms; ++f) {
    shares[f] = plan.shares_2013[f] +
                (plan.shares_2024[f] - plan.shares_2013[f]) * progress / 11;
  }
  return shares;
}

// What each (sector, form) holds on 31 December of every year, in hundredths
// of a baan, at the national size (markt_scale 1): what the calibration lands
// on exactly. MARKT includes the SROI jobs its employers hold.
struct YearEndTargets {
  // [year - kBaselineYear][slot][form]
  std::array<std::array<FormBanen, kSectorSlots>, kYearEnds> forms_x100{};
  // banen_sroi of each commissioning sector.
  std::array<std::array<int64_t, kSectorSlots>, kYearEnds> sroi_x100{};
  std::array<int64_t, kYearEnds> inleen_stock_x100{};
  int64_t overheid_baseline_x100 = 0;
};

// The part `key_permille` of an inleen stock, in hundred-thousandths of a
// baan: exact, so the national figures are rounded only once.
int64_t KeyedX100k(int64_t key_permille, int64_t stock_x100) {
  return key_permille * stock_x100;
}

YearEndTargets MakeYearEndTargets() {
  YearEndTargets t;
  auto& forms = t.forms_x100;
  // The sector letters' years, split by form.
  for (int y = kFirstTableYear - kBaselineYear; y < kYearEnds; ++y) {
    const int year = kBaselineYear + y;
    for (const auto& plan : kGovernmentPlans) {
      FormBanen fixed = year == kSplitYear ? plan.forms_2024_x100 : kNoSplit;
      forms[y][SlotOf(plan.sector)] =
          Split(plan.realisation_x100[year - kFirstTableYear],
                SharesOf(plan, year), fixed);
      t.sroi_x100[y][SlotOf(plan.sector)] =
          plan.sroi_x100[year - kFirstTableYear];
    }
  }
  const auto formal_overheid = [&forms](int y) {
    int64_t sum = 0;
    for (const auto& plan : kGovernmentPlans) {
      sum += Formal(forms[y][SlotOf(plan.sector)]);
    }
    return sum;
  };
  // The overheid extra banen of the monitor less its keyed inleen part, x1000.
  const auto overheid_formal_extra_x100k = [&t](int y) {
    return kOverheidExtraX100[y] * 1000 -
           (KeyedX100k(kOverheidKeyPermille[y], t.inleen_stock_x100[y]) -
            KeyedX100k(kOverheidKeyPermille[0], t.inleen_stock_x100[0]));
  };
  t.inleen_stock_x100 = kInleenStockX100;
  // 2022 fixes the formal overheid jobs of the baseline.
  const int y2022 = 2022 - kBaselineYear;
  const int64_t formal_baseline =
      formal_overheid(y2022) -
      (overheid_formal_extra_x100k(y2022) + 500) / 1000;
  // 2021: GEMEENTEN's split between formal and inleen (ours) takes what the
  // national figures leave.
  const int y2021 = 2021 - kBaselineYear;
  MoveInleenToFormal(formal_baseline +
                         (overheid_formal_extra_x100k(y2021) + 500) / 1000 -
                         formal_overheid(y2021),
                     &forms[y2021][SlotOf(Sector::kGemeenten)]);
  // The baseline: each sector's formal jobs follow its 2021 realisation and
  // its 2013 form shares; the last sector takes the rounding.
  int64_t weight_total = 0;
  for (const auto& plan : kGovernmentPlans) {
    const FormShares shares = SharesOf(plan, kBaselineYear);
    weight_total += plan.realisation_x100[0] * (shares[0] + shares[1]);
  }
  int64_t assigned = 0;
  for (size_t i = 0; i < kGovernmentPlans.size(); ++i) {
    const auto& plan = kGovernmentPlans[i];
    const FormShares s = SharesOf(plan, kBaselineYear);
    const int64_t formal =
        i + 1 == kGovernmentPlans.size()
            ? formal_baseline - assigned
            : formal_baseline * (plan.realisation_x100[0] * (s[0] + s[1])) /
                  weight_total;
    assigned += formal;
    const int64_t inleen = formal * (s[2] + s[3]) / (s[0] + s[1]);
    FormBanen& base = forms[0][SlotOf(plan.sector)];
    base[0] = formal * s[0] / (s[0] + s[1]);
    base[1] = formal - base[0];
    base[2] = inleen * s[2] / (s[2] + s[3]);
    base[3] = inleen - base[2];
    t.overheid_baseline_x100 += formal + inleen;
  }
  // 2013..2020: from the baseline towards 2021; SROI ramps up from 2015.
  for (int y = 1; y < kFirstTableYear - kBaselineYear; ++y) {
    const int year = kBaselineYear + y;
    for (const auto& plan : kGovernmentPlans) {
      const int slot = SlotOf(plan.sector);
      int64_t base = 0;
      for (int64_t banen : forms[0][slot]) base += banen;
      const int64_t total = base + (plan.realisation_x100[0] - base) *
                                       kPathTo2021Permille[y] / 1000;
      forms[y][slot] = Split(total, SharesOf(plan, year), kNoSplit);
      t.sroi_x100[y][slot] = plan.sroi_x100[0] * std::max(0, year - 2014) / 7;
    }
  }
  // The inleen stock where the overheid extra banen fix it, then the rest.
  for (int y = 1; y < kYearEnds; ++y) {
    if (kInleenStockX100[y] != kNotGiven ||
        kOverheidExtraX100[y] == kNotGiven) {
      continue;
    }
    const int64_t keyed_x100k =
        kOverheidExtraX100[y] * 1000 -
        (formal_overheid(y) - formal_baseline) * 1000 +
        KeyedX100k(kOverheidKeyPermille[0], t.inleen_stock_x100[0]);
    t.inleen_stock_x100[y] = keyed_x100k / kOverheidKeyPermille[y];
  }
  for (int y = 1; y < kYearEnds; ++y) {
    if (t.inleen_stock_x100[y] != kNotGiven) continue;
    int next = y + 1;
    while (next < kYearEnds && t.inleen_stock_x100[next] == kNotGiven) ++next;
    const int64_t before = t.inleen_stock_x100[y - 1];
    t.inleen_stock_x100[y] =
        next == kYearEnds
            ? before - kInleenDeclineX100
            : before + (t.inleen_stock_x100[next] - before) / (next - y + 1);
  }
  // MARKT: the formal jobs the markt extra banen leave after its keyed
  // inleen part, and the inleen stock government does not hire.
  const int64_t formal_markt_baseline =
      kNationalBaselineX100 - formal_baseline - t.inleen_stock_x100[0];
  for (int y = 0; y < kYearEnds; ++y) {
    int64_t overheid_inleen = 0;
    for (const auto& plan : kGovernmentPlans) {
      overheid_inleen += Inleen(forms[y][SlotOf(plan.sector)]);
    }
    const int64_t keyed_extra_x100k =
        KeyedX100k(1000 - kOverheidKeyPermille[y], t.inleen_stock_x100[y]) -
        KeyedX100k(1000 - kOverheidKeyPermille[0], t.inleen_stock_x100[0]);
    const int64_t formal =
        formal_markt_baseline +
        (kMarktExtraX100[y] * 1000 - keyed_extra_x100k + 500) / 1000;
    const int64_t inleen = t.inleen_stock_x100[y] - overheid_inleen;
    // Vast grows from half to 60% of the formal jobs; inleen is 60% uitzend.
    const int64_t vast_permille = 500 + 100 * std::min(y, 12) / 12;
    FormBanen& markt = forms[y][SlotOf(Sector::kMarkt)];
    markt[0] = formal * vast_permille / 1000;
    markt[1] = formal - markt[0];
    markt[2] = inleen * 600 / 1000;
    markt[3] = inleen - markt[2];
  }
  return t;
}

// ---------------------------------------------------------------------------
// Employers.

struct EmployerSpec {
  const char* id;
  const char* name;
  const char* parent_id;  // "" for none
};

// RIJK: the ministries, and executive agencies under them.
constexpr std::array<EmployerSpec, 22> kRijkEmployers = {{
    {"rijk-az", "Ministerie van Algemene Zaken", ""},
    {"rijk-bz", "Ministerie van Buitenlandse Zaken", ""},
    {"rijk-bzk", "Ministerie van Binnenlandse Zaken en Koninkrijksrelaties",
     ""},
    {"rijk-ezk", "Ministerie van Economische Zaken en Klimaat", ""},
    {"rijk-fin", "Ministerie van Financien", ""},
    {"rijk-ienw", "Ministerie van Infrastructuur en Waterstaat", ""},
    {"rijk-jenv", "Ministerie van Justitie en Veiligheid", ""},
    {"rijk-lnv", "Ministerie van Landbouw, Natuur en Voedselkwaliteit", ""},
    {"rijk-ocw", "Ministerie van Onderwijs, Cultuur en Wetenschap", ""},
    {"rijk-szw", "Ministerie van Sociale Zaken en Werkgelegenheid", ""},
    {"rijk-vws", "Ministerie van Volksgezondheid, Welzijn en Sport", ""},
    {"rijk-bzk-binnenwerk", "Binnenwerk", "rijk-bzk"},
    {"rijk-bzk-logius", "Logius", "rijk-bzk"},
    {"rijk-ezk-rvo", "Rijksdienst voor Ondernemend Nederland", "rijk-ezk"},
    {"rijk-fin-belastingdienst", "Belastingdienst", "rijk-fin"},
    {"rijk-ienw-rws", "Rijkswaterstaat", "rijk-ienw"},
    {"rijk-jenv-dji", "Dienst Justitiele Inrichtingen", "rijk-jenv"},
    {"rijk-jenv-ind", "Immigratie- en Naturalisatiedienst", "rijk-jenv"},
    {"rijk-lnv-nvwa", "Nederlandse Voedsel- en Warenautoriteit", "rijk-lnv"},
    {"rijk-ocw-duo", "Dienst Uitvoering Onderwijs", "rijk-ocw"},
    {"rijk-szw-inspectie", "Nederlandse Arbeidsinspectie", "rijk-szw"},
    {"rijk-vws-rivm", "Rijksinstituut voor Volksgezondheid en Milieu",
     "rijk-vws"},
}};

constexpr std::array<const char*, 12> kProvinces = {
    "Groningen",    "Fryslan",    "Drenthe",       "Overijssel",
    "Flevoland",    "Gelderland", "Utrecht",       "Noord-Holland",
    "Zuid-Holland", "Zeeland",    "Noord-Brabant", "Limburg"};

constexpr std::array<const char*, 21> kWaterBoards = {
    "Aa en Maas",       "Amstel, Gooi en Vecht",
    "Brabantse Delta",  "De Dommel",
    "Delfland",         "Drents Overijsselse Delta",
    "Fryslan",          "Hollands Noorderkwartier",
    "Hollandse Delta",  "Hunze en Aa's",
    "Limburg",          "Noorderzijlvest",
    "Rijn en IJssel",   "Rijnland",
    "Rivierenland",     "Schieland en de Krimpenerwaard",
    "Scheldestromen",   "Stichtse Rijnlanden",
    "Vallei en Veluwe", "Vechtstromen",
    "Zuiderzeeland"};

constexpr std::array<const char*, 7> kUmcs = {
    "Amsterdam UMC", "Erasmus MC",    "LUMC",       "Maastricht UMC+",
    "Radboudumc",    "UMC Groningen", "UMC Utrecht"};

constexpr std::array<const char*, 14> kUniversities = {
    "Universiteit van Amsterdam",
    "Vrije Universiteit Amsterdam",
    "Universiteit Leiden",
    "Erasmus Universiteit Rotterdam",
    "Universiteit Utrecht",
    "Rijksuniversiteit Groningen",
    "Radboud Universiteit",
    "Universiteit Maastricht",
    "Tilburg University",
    "TU Delft",
    "TU Eindhoven",
    "Universiteit Twente",
    "Wageningen University",
    "Open Universiteit"};

// Sectors whose employers are numbered rather than named: (sector, id
// prefix, name prefix, count).
struct NumberedEmployers {
  Sector sector;
  const char* id_prefix;
  const char* name_prefix;
  int count;
};
constexpr std::array<NumberedEmployers, 6> kNumberedEmployers = {{
    {Sector::kGemeenten, "gm", "Gemeente", 342},
    {Sector::kPrimairOnderwijs, "po", "Schoolbestuur primair onderwijs", 180},
    {Sector::kVoortgezetOnderwijs, "vo", "Schoolbestuur voortgezet onderwijs",
     120},
    {Sector::kMbo, "mbo", "Mbo-instelling", 60},
    {Sector::kHbo, "hbo", "Hogeschool", 36},
    {Sector::kOnderzoeksinstellingen, "oi", "Onderzoeksinstelling", 20},
}};

// An employer that starts in MARKT and is reclassified as a research
// institute, so its jobs change sector from that day.
constexpr char kReclassifiedEmployerId[] = "markt-kennisinstituut";
constexpr int kReclassificationYear = 2019;

constexpr int kMarktEmployersAtScaleOne = 4000;
constexpr int kTempAgencies = 25;
constexpr int kShelteredWorkCompanies = 35;

// ---------------------------------------------------------------------------
// Dynamics: yearly rates per bucket (vast, tijdelijk, uitzend, detachering,
// SROI) and conversion rates per contract form, so turnover looks like the
// letters describe (temporary and inleen jobs end or convert; permanent ones
// mostly stay; SROI placements are often for the length of a contract).
constexpr std::array<double, kFormCount> kEndRate = {0.05, 0.14, 0.22, 0.10,
                                                     0.18};
constexpr std::array<double, kRealisationForms> kConversionRate = {0.0, 0.12,
                                                                   0.08, 0.05};
// The contract forms of SROI jobs at their suppliers (ours): mostly formal,
// some agency work.
constexpr std::array<std::pair<ContractForm, int>, 3> kSroiContracts = {
    {{ContractForm::kVast, 40},
     {ContractForm::kTijdelijk, 50},
     {ContractForm::kInleenUitzend, 10}}};
constexpr double kHoursChangeRate = 0.06;
constexpr double kSecondJobRate = 0.06;
constexpr double kFromRegisterPoolRate = 0.7;
// Register: persons who register without a job yet, per year at scale 1
// (the register held 274,804 persons in Q4 2024, 142,421 working).
constexpr int kPoolInflowAtScaleOne = 11000;
constexpr double kPoolExitRate = 0.03;
// Corrections: a typo in hours, an end recorded on the wrong day, a hire
// recorded by mistake.
constexpr double kHoursTypoRate = 0.02;
constexpr double kWrongEndRate = 0.015;
constexpr int kPhantomHiresPerYear = 20;

// Hires of 12 to 43 hours a week, 27.5 on average: with the second jobs a
// working person holds about 1.15 banen, as in Q1 2022 (DOMAIN.md §7).
constexpr int32_t kMinHireHoursX100 = 1200;
constexpr int32_t kMaxHireHoursX100 = 4300;
constexpr size_t kMaxBatchEvents = 1000;

// ---------------------------------------------------------------------------
// The simulation.

struct Employer {
  std::string id;
  Sector sector = Sector::kUnspecified;
};

struct Person {
  std::string ref;
  Date registered_on;
  // Jobs of the person end before this day; a deregistration comes after.
  Date free_from;
  Date last_recorded;
  int active_jobs = 0;
  int64_t pool_position = -1;  // in Simulation::pool_, or -1
  bool registered = true;
};

struct Job {
  std::string id;
  uint32_t person = 0;
  uint32_t employer = 0;
  // Its bucket: the sector it counts for and its form, or for an SROI job
  // the commissioning sector and kSroiForm.
  int slot = 0;
  int form = 0;
  ContractForm contract = ContractForm::kUnspecified;
  int32_t hours_x100 = 0;
  Date last_date;  // of its latest event
  Date last_recorded;
  size_t position = 0;  // in its bucket's active list
};

// One event waiting to be sorted into recording order.
struct Unit {
  Date recorded_on;
  uint64_t order = 0;  // generation order: the tie-break, and the event_id
  Event event;
  // For a retraction: the order of the event it retracts.
  std::optional<uint64_t> retracts;
  // Whether a later retraction names this event.
  bool retractable = false;
  // Part of the same batch as the unit before it (a correction).
  bool joins_previous = false;
};

struct Bucket {
  int64_t stock_hours = 0;
  std::vector<uint32_t> active;  // job indices
};

class Simulation {
 public:
  Simulation(const DemoDataOptions& options,
             absl::FunctionRef<absl::Status(DemoBatch)> sink,
             DemoDataCounts* counts)
      : options_(options),
        sink_(sink),
        counts_(counts),
        rng_(Scramble(options.seed ^ 0x62616e656eULL)),
        targets_(MakeYearEndTargets()),
        next_seq_(options.first_seq) {}

  absl::Status Run() {
    RegisterEmployers();
    SetBaselines();
    const Date load_day = MakeDate(kFirstYear, 1, 1);
    floor_ = load_day;
    CalibrateYearEnd(0, kEarliestEffectiveDate, MakeDate(kBaselineYear, 12, 31),
                     /*allow_ends=*/false);
    RegisterPoolPersons(kBaselineYear, PoolInflow() * 2);
    for (int year = kFirstYear; year <= kLastYear; ++year) {
      floor_ = MakeDate(year, 1, 1);
      SimulateYear(year);
      RETURN_IF_ERROR(Flush(MakeDate(year + 1, 1, 1)));
    }
    return Flush(kEndOfData);
  }

 private:
  static constexpr Date kEndOfData{std::numeric_limits<int32_t>::max()};

  int PoolInflow() const {
    return static_cast<int>(kPoolInflowAtScaleOne * options_.markt_scale);
  }

  // --- emitting -------------------------------------------------------------

  // Queues `payload`, recorded on `recorded_on` (never before this year's
  // floor: a backdated event is recorded when it is generated).
  Unit& Emit(Date effective, Date recorded_on, EventPayload payload) {
    Unit& unit = buffer_.emplace_back();
    unit.recorded_on = std::max(recorded_on, floor_);
    unit.order = next_order_++;
    unit.event.event_id = absl::StrCat("demo-", options_.seed, "-", unit.order);
    unit.event.effective_date = effective;
    unit.event.payload = std::move(payload);
    return unit;
  }

  // Most events arrive within days; some weeks late; a few months late.
  Date RecordingDay(Date effective) {
    const uint64_t roll = rng_.Below(100);
    const int32_t delay = roll < 75 ? static_cast<int32_t>(rng_.Below(4))
                          : roll < 95
                              ? 4 + static_cast<int32_t>(rng_.Below(27))
                              : 31 + static_cast<int32_t>(rng_.Below(120));
    return Date{effective.days + delay};
  }

  // Emits an event of `job`, keeping its events in recording order.
  Unit& EmitJobEvent(Job& job, Date effective, EventPayload payload) {
    const Date recorded = std::max(RecordingDay(effective), job.last_recorded);
    Unit& unit = Emit(effective, recorded, std::move(payload));
    job.last_recorded = unit.recorded_on;
    job.last_date = effective;
    return unit;
  }

  // A correction: retracts the event of `wrong` and records `replacement`
  // (if any, effective on `replacement_effective`) in the same batch, some
  // weeks later.
  void EmitCorrection(Unit& wrong, std::string reason,
                      std::optional<EventPayload> replacement,
                      Date replacement_effective, Job* job) {
    wrong.retractable = true;
    const uint64_t wrong_order = wrong.order;
    const Date wrong_effective = wrong.event.effective_date;
    const Date recorded{wrong.recorded_on.days + 7 +
                        static_cast<int32_t>(rng_.Below(50))};
    Unit& retraction =
        Emit(wrong_effective, recorded, EventRetracted{0, std::move(reason)});
    retraction.retracts = wrong_order;
    if (replacement.has_value()) {
      Unit& fixed =
          Emit(replacement_effective, recorded, *std::move(replacement));
      fixed.joins_previous = true;
    }
    if (job != nullptr) job->last_recorded = recorded;
  }

  // Sorts what is buffered into recording order and hands every batch
  // recorded before `until` to the sink. Everything generated later is
  // recorded on or after `until`, so the order is final.
  absl::Status Flush(Date until) {
    std::sort(buffer_.begin(), buffer_.end(), [](const Unit& a, const Unit& b) {
      return std::tie(a.recorded_on, a.order) <
             std::tie(b.recorded_on, b.order);
    });
    const auto end = std::find_if(
        buffer_.begin(), buffer_.end(),
        [until](const Unit& unit) { return unit.recorded_on >= until; });
    DemoBatch batch;
    for (auto it = buffer_.begin(); it != end; ++it) {
      const bool new_day =
          !batch.events.empty() && it->recorded_on != batch.recorded_on;
      if (!it->joins_previous &&
          (new_day || batch.events.size() >= kMaxBatchEvents)) {
        RETURN_IF_ERROR(Deliver(std::move(batch)));
        batch = DemoBatch{};
      }
      if (batch.events.empty()) batch.recorded_on = it->recorded_on;
      if (it->retracts.has_value()) {
        std::get<EventRetracted>(it->event.payload).target_seq =
            seq_of_order_.at(*it->retracts);
        seq_of_order_.erase(*it->retracts);
      }
      if (it->retractable) seq_of_order_[it->order] = next_seq_;
      ++next_seq_;
      batch.events.push_back(std::move(it->event));
    }
    if (!batch.events.empty()) RETURN_IF_ERROR(Deliver(std::move(batch)));
    buffer_.erase(buffer_.begin(), end);
    return absl::OkStatus();
  }

  absl::Status Deliver(DemoBatch batch) {
    if (counts_ != nullptr) {
      ++counts_->batches;
      counts_->events += batch.events.size();
      for (const Event& event : batch.events) {
        ++counts_->events_by_kind[static_cast<size_t>(event.kind())];
      }
    }
    return sink_(std::move(batch));
  }

  // --- employers, targets, baselines ----------------------------------------

  uint32_t AddEmployer(std::string id, std::string name, Sector sector,
                       std::string parent_id, bool hires) {
    // Registered long before the data set starts, on the initial load.
    Emit(MakeDate(2000, 1, 1), floor_,
         EmployerRegistered{id, std::move(name), sector, std::move(parent_id)});
    const auto index = static_cast<uint32_t>(employers_.size());
    employers_.push_back(Employer{std::move(id), sector});
    if (hires) hirers_[SlotOf(sector)].push_back(index);
    return index;
  }

  void RegisterEmployers() {
    floor_ = MakeDate(kFirstYear, 1, 1);
    for (const auto& spec : kRijkEmployers) {
      AddEmployer(spec.id, spec.name, Sector::kRijk, spec.parent_id, true);
    }
    AddEmployer("defensie", "Ministerie van Defensie", Sector::kDefensie, "",
                true);
    AddEmployer("politie", "Nationale Politie", Sector::kPolitie, "", true);
    const auto add_named = [this](const auto& names, Sector sector,
                                  const char* id_prefix,
                                  const char* name_prefix) {
      for (size_t i = 0; i < names.size(); ++i) {
        AddEmployer(absl::StrFormat("%s-%02d", id_prefix, i + 1),
                    absl::StrCat(name_prefix, names[i]), sector, "", true);
      }
    };
    add_named(kProvinces, Sector::kProvincies, "prov", "Provincie ");
    add_named(kWaterBoards, Sector::kWaterschappen, "ws", "Waterschap ");
    add_named(kUmcs, Sector::kUmc, "umc", "");
    add_named(kUniversities, Sector::kWo, "wo", "");
    for (const auto& numbered : kNumberedEmployers) {
      for (int i = 1; i <= numbered.count; ++i) {
        AddEmployer(absl::StrFormat("%s-%04d", numbered.id_prefix, i),
                    absl::StrFormat("%s %d", numbered.name_prefix, i),
                    numbered.sector, "", true);
      }
    }
    const int markt_employers = std::max(
        20, static_cast<int>(kMarktEmployersAtScaleOne * options_.markt_scale));
    for (int i = 1; i <= markt_employers; ++i) {
      const uint32_t index = AddEmployer(absl::StrFormat("markt-%06d", i),
                                         absl::StrFormat("Bedrijf %d BV", i),
                                         Sector::kMarkt, "", true);
      // SROI suppliers: the first tenth, so suppliers are also employers.
      if (i <= std::max(5, markt_employers / 10)) suppliers_.push_back(index);
    }
    reclassified_employer_ =
        AddEmployer(kReclassifiedEmployerId, "Stichting Kennisinstituut",
                    Sector::kMarkt, "", true);
    for (int i = 1; i <= kTempAgencies; ++i) {
      agencies_.push_back(AddEmployer(absl::StrFormat("uitzend-%02d", i),
                                      absl::StrFormat("Uitzendbureau %d", i),
                                      Sector::kMarkt, "", false));
    }
    for (int i = 1; i <= kShelteredWorkCompanies; ++i) {
      sheltered_.push_back(AddEmployer(absl::StrFormat("sw-%02d", i),
                                       absl::StrFormat("SW-bedrijf %d", i),
                                       Sector::kMarkt, "", false));
    }
  }

  void SetBaselines() {
    const Date effective = MakeDate(kFirstYear, 1, 1);
    const std::string source = "nulmeting 1-1-2013 (DOMAIN.md §7); split ours";
    for (const auto& plan : kGovernmentPlans) {
      int64_t baseline = 0;
      for (int64_t banen : targets_.forms_x100[0][SlotOf(plan.sector)]) {
        baseline += banen;
      }
      Emit(effective, floor_, BaselineSet{plan.sector, baseline, source});
    }
    const int64_t overheid = targets_.overheid_baseline_x100;
    const int64_t markt = Scaled(kNationalBaselineX100 - overheid);
    Emit(effective, floor_, BaselineSet{Sector::kMarkt, markt, source});
    Emit(effective, floor_, BaselineSet{Sector::kOverheid, overheid, source});
    Emit(effective, floor_,
         BaselineSet{Sector::kNationaal, overheid + markt, source});
    SetInleenKey(kBaselineInleenKeyYear, effective);
  }

  // The verdeelsleutel the calibration assumed for `year`, as the national
  // monitor reads it (the baseline's is kBaselineInleenKeyYear's).
  void SetInleenKey(int year, Date effective) {
    const bool seed =
        year == kBaselineInleenKeyYear || year == 2021 || year == 2022;
    Emit(effective, floor_,
         InleenKeySet{
             year,
             static_cast<int32_t>(kOverheidKeyPermille[year - kBaselineYear]),
             seed ? "verdeelsleutel inleenverbanden (SEO), "
                    "Kamerbrief SZW (seed 001)"
                  : "verdeelsleutel inleenverbanden: demo-data's own "
                    "(not in the seeds)"});
  }

  // The doel of each sector in the sector letters, OVERHEID as their sum,
  // MARKT as its baseline plus the cumulative extra-banen target. Before
  // 2021 (no sector doelen in §7) OVERHEID is its baseline plus its extra
  // target too. NATIONAAL is OVERHEID plus MARKT.
  void SetTargets(int year) {
    const Date effective = MakeDate(year, 1, 1);
    SetInleenKey(year, effective);
    const std::string letters =
        "Kamerbrieven banenafspraak overheid (seeds "
        "002, 000, 004); '–' filled in by demo-data";
    const std::string szw = "Kamerbrieven SZW banenafspraak (seed 001)";
    int64_t overheid = 0;
    if (year >= kFirstTableYear) {
      for (const auto& plan : kGovernmentPlans) {
        const int64_t doel = plan.doel_x100[year - kFirstTableYear];
        overheid += doel;
        if (plan.sector == Sector::kMbo && year == 2022) {
          // §7 gives this doel as an estimate (±): set first as a lower
          // estimate and revised later in the year; the later TargetSet wins.
          Emit(
              effective, floor_,
              TargetSet{plan.sector, year, 128000, "MBO Raad, first estimate"});
          Emit(
              effective, MakeDate(2022, 9, 15),
              TargetSet{plan.sector, year, doel, "MBO Raad, revised estimate"});
          continue;
        }
        Emit(effective, floor_, TargetSet{plan.sector, year, doel, letters});
      }
    }
    for (const auto& [rijk_year, doel] : kEarlyRijkTargetsX100) {
      if (year == rijk_year) {
        Emit(effective, floor_, TargetSet{Sector::kRijk, year, doel, letters});
      }
    }
    if (year < kFirstNationalTargetYear) return;
    const size_t i = static_cast<size_t>(year - kFirstNationalTargetYear);
    const int64_t overheid_baseline = targets_.overheid_baseline_x100;
    if (year < kFirstTableYear) {
      overheid = overheid_baseline + kOverheidExtraTargetX100[i];
    }
    const int64_t markt = Scaled(kNationalBaselineX100 - overheid_baseline +
                                 kMarktExtraTargetX100[i]);
    Emit(effective, floor_,
         TargetSet{Sector::kOverheid, year, overheid,
                   year >= kFirstTableYear ? letters : szw});
    Emit(effective, floor_, TargetSet{Sector::kMarkt, year, markt, szw});
    Emit(effective, floor_,
         TargetSet{Sector::kNationaal, year, overheid + markt, szw});
  }

  // --- persons ---------------------------------------------------------------

  uint32_t NewPerson(Date registered_on) {
    const auto index = static_cast<uint32_t>(persons_.size());
    Person& person = persons_.emplace_back();
    // Two groups of 8 hex digits: a pseudonym can never hold 9 digits in a
    // row, which the ledger refuses when they pass the 11-check (a BSN).
    const uint64_t scrambled = Scramble(options_.seed * 0x100000000ULL + index);
    person.ref = absl::StrFormat("p%08x-%08x", scrambled >> 32,
                                 scrambled & 0xffffffffULL);
    person.registered_on = std::max(registered_on, kEarliestEffectiveDate);
    person.free_from = person.registered_on;
    Unit& unit = Emit(person.registered_on, RecordingDay(person.registered_on),
                      PersonRegistered{person.ref});
    person.last_recorded = unit.recorded_on;
    return index;
  }

  void AddToPool(uint32_t p) {
    persons_[p].pool_position = static_cast<int64_t>(pool_.size());
    pool_.push_back(p);
  }
  void RemoveFromPool(uint32_t p) {
    const auto position = static_cast<size_t>(persons_[p].pool_position);
    pool_[position] = pool_.back();
    persons_[pool_[position]].pool_position = static_cast<int64_t>(position);
    pool_.pop_back();
    persons_[p].pool_position = -1;
  }

  void RegisterPoolPersons(int year, int count) {
    for (int i = 0; i < count; ++i) {
      const Date from =
          year == kBaselineYear ? MakeDate(2010, 1, 1) : MakeDate(year, 1, 1);
      AddToPool(NewPerson(rng_.Between(from, MakeDate(year, 12, 31))));
    }
  }

  // Leaves the register on or after `from` (within the year `to` ends).
  void Deregister(uint32_t p, Date from, Date to, DeregistrationReason reason) {
    Person& person = persons_[p];
    const Date date = rng_.Between(
        std::max({from, person.free_from, Date{person.registered_on.days + 1}}),
        to);
    if (date <= person.registered_on || date > to) return;
    if (person.pool_position >= 0) RemoveFromPool(p);
    person.registered = false;
    const Date recorded = std::max(RecordingDay(date), person.last_recorded);
    Unit& unit = Emit(date, recorded, PersonDeregistered{person.ref, reason});
    person.last_recorded = unit.recorded_on;
  }

  DeregistrationReason RandomDeregistrationReason() {
    static constexpr std::array<std::pair<DeregistrationReason, int>, 4>
        kReasons = {{{DeregistrationReason::kAowAge, 35},
                     {DeregistrationReason::kOwnRequest, 30},
                     {DeregistrationReason::kBeschutWerk, 15},
                     {DeregistrationReason::kOther, 20}}};
    return rng_.Pick(kReasons);
  }

  // A registered person for a hire on `date` in `slot`: a second job of
  // someone working there, someone from the register pool, or a newcomer
  // who registers shortly before. May move `date` to the registration day.
  uint32_t PersonForHire(int slot, int form, Date* date) {
    const Bucket& bucket = buckets_[slot][form];
    if (!bucket.active.empty() && rng_.Chance(kSecondJobRate)) {
      const Job& colleague =
          jobs_[bucket.active[rng_.Below(bucket.active.size())]];
      if (persons_[colleague.person].registered_on <= *date) {
        return colleague.person;
      }
    }
    if (!pool_.empty() && rng_.Chance(kFromRegisterPoolRate)) {
      const uint32_t p = pool_[rng_.Below(pool_.size())];
      RemoveFromPool(p);
      *date = std::max(*date, persons_[p].registered_on);
      return p;
    }
    return NewPerson(Date{date->days - static_cast<int32_t>(rng_.Below(180))});
  }

  // --- jobs ------------------------------------------------------------------

  int32_t RandomHours() {
    return kMinHireHoursX100 +
           50 * static_cast<int32_t>(rng_.Below(
                    (kMaxHireHoursX100 - kMinHireHoursX100) / 50 + 1));
  }

  // Big employers hire more: the index is skewed towards the front.
  uint32_t PickFrom(const std::vector<uint32_t>& employers) {
    const uint64_t a = rng_.Below(employers.size());
    const uint64_t b = rng_.Below(employers.size());
    return employers[std::min(a, b)];
  }

  void AddToBucket(uint32_t j) {
    Job& job = jobs_[j];
    Bucket& bucket = buckets_[job.slot][job.form];
    job.position = bucket.active.size();
    bucket.active.push_back(j);
    bucket.stock_hours += job.hours_x100;
  }
  void RemoveFromBucket(uint32_t j) {
    Job& job = jobs_[j];
    Bucket& bucket = buckets_[job.slot][job.form];
    bucket.active[job.position] = bucket.active.back();
    jobs_[bucket.active[job.position]].position = job.position;
    bucket.active.pop_back();
    bucket.stock_hours -= job.hours_x100;
  }

  void Hire(int slot, int form, Date date, int32_t hours_x100) {
    const uint32_t p = PersonForHire(slot, form, &date);
    const ContractForm contract =
        form == kSroiForm ? rng_.Pick(kSroiContracts) : kForms[form];
    JobStarted hire;
    // 10 digits: a 9-digit number may pass the 11-check, and is refused.
    hire.job_id = absl::StrFormat("job-%010d", jobs_.size() + 1);
    hire.person_ref = persons_[p].ref;
    hire.form = contract;
    hire.hours_x100 = hours_x100;
    uint32_t employer;
    if (form == kSroiForm) {
      employer = PickFrom(suppliers_);
      hire.commissioning_employer_id = employers_[PickFrom(hirers_[slot])].id;
    } else {
      employer = PickFrom(hirers_[slot]);
    }
    hire.employer_id = employers_[employer].id;
    if (contract == ContractForm::kInleenUitzend) {
      hire.lender_id = employers_[PickFrom(agencies_)].id;
    } else if (contract == ContractForm::kInleenDetachering) {
      hire.lender_id = employers_[PickFrom(sheltered_)].id;
    }
    const auto j = static_cast<uint32_t>(jobs_.size());
    Job& job = jobs_.emplace_back();
    job.id = hire.job_id;
    job.person = p;
    job.employer = employer;
    job.slot = slot;
    job.form = form;
    job.contract = contract;
    job.hours_x100 = hours_x100;
    job.last_recorded = persons_[p].last_recorded;
    ++persons_[p].active_jobs;
    EmitJobEvent(job, date, std::move(hire));
    AddToBucket(j);
  }

  OutflowReason RandomOutflowReason(ContractForm contract) {
    static constexpr std::array<std::pair<OutflowReason, int>, 7> kReasons = {
        {{OutflowReason::kEndOfContract, 10},
         {OutflowReason::kResignation, 30},
         {OutflowReason::kDismissal, 10},
         {OutflowReason::kToRegularJob, 15},
         {OutflowReason::kRetirement, 20},
         {OutflowReason::kDeceased, 3},
         {OutflowReason::kOther, 12}}};
    if (contract != ContractForm::kVast && rng_.Chance(0.6)) {
      return OutflowReason::kEndOfContract;
    }
    return rng_.Pick(kReasons);
  }

  // Ends job `j` on a day in [from, to] after its last event.
  void End(uint32_t j, Date from, Date to) {
    Job& job = jobs_[j];
    const Date date =
        rng_.Between(std::max(from, Date{job.last_date.days + 1}), to);
    const OutflowReason reason = RandomOutflowReason(job.contract);
    RemoveFromBucket(j);
    Unit& ended = EmitJobEvent(job, date, JobEnded{job.id, reason});
    if (rng_.Chance(kWrongEndRate)) {
      // First recorded a few days too late, then corrected.
      ended.event.effective_date =
          Date{date.days + 1 + static_cast<int32_t>(rng_.Below(20))};
      EmitCorrection(ended, "end date entered wrongly",
                     JobEnded{job.id, reason}, date, &job);
    }
    Person& person = persons_[job.person];
    person.free_from = std::max(person.free_from, date);
    if (--person.active_jobs > 0 || !person.registered) return;
    if (reason == OutflowReason::kRetirement) {
      Deregister(job.person, date, to, DeregistrationReason::kAowAge);
    } else if (reason == OutflowReason::kDeceased) {
      Deregister(job.person, date, to, DeregistrationReason::kDeceased);
    } else if (rng_.Chance(0.2)) {
      Deregister(job.person, date, to, RandomDeregistrationReason());
    } else if (person.pool_position < 0) {
      AddToPool(job.person);
    }
  }

  void ChangeHours(uint32_t j, Date date, int32_t hours_x100) {
    Job& job = jobs_[j];
    Bucket& bucket = buckets_[job.slot][job.form];
    bucket.stock_hours += hours_x100 - job.hours_x100;
    job.hours_x100 = hours_x100;
    Unit& changed = EmitJobEvent(job, date, HoursChanged{job.id, hours_x100});
    if (rng_.Chance(kHoursTypoRate)) {
      // Typed with a digit too many, then corrected.
      std::get<HoursChanged>(changed.event.payload).hours_x100 =
          std::min(hours_x100 * 10, kMaxHoursPerWeekX100);
      EmitCorrection(changed, "hours entered wrongly",
                     HoursChanged{job.id, hours_x100}, date, &job);
    }
  }

  void Convert(uint32_t j, Date date) {
    Job& job = jobs_[j];
    const ContractForm to =
        job.contract == ContractForm::kTijdelijk || rng_.Chance(0.4)
            ? ContractForm::kVast
            : ContractForm::kTijdelijk;
    const int32_t new_hours = rng_.Chance(0.3) ? RandomHours() : 0;
    RemoveFromBucket(j);
    // An SROI job stays in its commissioning sector's bucket.
    if (job.form != kSroiForm) job.form = FormIndex(to);
    job.contract = to;
    if (new_hours != 0) job.hours_x100 = new_hours;
    AddToBucket(j);
    EmitJobEvent(job, date, JobConverted{job.id, to, new_hours});
  }

  // A hire recorded by mistake (a duplicate entry), retracted weeks later.
  void EmitPhantomHire(int year) {
    if (persons_.empty()) return;
    const int slot = static_cast<int>(rng_.Below(kSectorSlots));
    const Person& person = persons_[rng_.Below(persons_.size())];
    const Date date = rng_.Between(MakeDate(year, 1, 1), MakeDate(year, 12, 1));
    JobStarted hire;
    hire.job_id = absl::StrFormat("job-dup-%d-%d", year, phantoms_++);
    hire.employer_id = employers_[PickFrom(hirers_[slot])].id;
    hire.person_ref = person.ref;
    hire.form = ContractForm::kVast;
    hire.hours_x100 = RandomHours();
    Unit& wrong = Emit(date, RecordingDay(date), std::move(hire));
    EmitCorrection(wrong, "duplicate entry of an existing job", std::nullopt,
                   date, nullptr);
  }

  // Brings the stock of (slot, form) on `to` to exactly `target_hours`:
  // ends jobs while above it, hires while far below, then closes the last
  // gap with one hire or one hours change.
  void Calibrate(int slot, int form, Date from, Date to, int64_t target_hours,
                 bool allow_ends) {
    Bucket& bucket = buckets_[slot][form];
    // Jobs whose last event is on `to` cannot end this period; give up
    // after many such picks in a row (the gap then shows in the figures).
    for (int misses = 0; allow_ends && bucket.stock_hours > target_hours &&
                         !bucket.active.empty() && misses < 1000;) {
      const uint32_t j = bucket.active[rng_.Below(bucket.active.size())];
      if (jobs_[j].last_date >= to) {
        ++misses;
        continue;
      }
      misses = 0;
      End(j, from, to);
    }
    int64_t gap = target_hours - bucket.stock_hours;
    while (gap > kMaxHireHoursX100) {
      const int32_t hours = RandomHours();
      Hire(slot, form, rng_.Between(from, to), hours);
      gap -= hours;
    }
    if (gap <= 0) return;
    if (gap < kMinHireHoursX100) {
      for (int attempt = 0; attempt < 50 && !bucket.active.empty(); ++attempt) {
        const uint32_t j = bucket.active[rng_.Below(bucket.active.size())];
        const Job& job = jobs_[j];
        if (job.last_date >= to || job.hours_x100 + gap > kMaxHireHoursX100) {
          continue;
        }
        const Date date = rng_.Between(
            std::max(Date{to.days - 30}, Date{job.last_date.days + 1}), to);
        ChangeHours(j, date, job.hours_x100 + static_cast<int32_t>(gap));
        return;
      }
    }
    Hire(slot, form, rng_.Between(std::max(from, Date{to.days - 60}), to),
         static_cast<int32_t>(gap));
  }

  int64_t Scaled(int64_t amount) const {
    return static_cast<int64_t>(
        std::llround(static_cast<double>(amount) * options_.markt_scale));
  }

  // Brings every bucket to its year-end target `y`: the government sectors
  // and the SROI jobs they commissioned first, then markt, whose own jobs
  // are what its target leaves after the SROI jobs its suppliers hold, by
  // form, times the scale.
  void CalibrateYearEnd(int y, Date from, Date to, bool allow_ends) {
    const int markt = SlotOf(Sector::kMarkt);
    for (int slot = 0; slot < kSectorSlots; ++slot) {
      if (slot == markt) continue;
      for (int f = 0; f < kRealisationForms; ++f) {
        Calibrate(slot, f, from, to, HoursOf(targets_.forms_x100[y][slot][f]),
                  allow_ends);
      }
      Calibrate(slot, kSroiForm, from, to, HoursOf(targets_.sroi_x100[y][slot]),
                allow_ends);
    }
    std::array<int64_t, kRealisationForms> sroi_hours{};
    for (int slot = 0; slot < kSectorSlots; ++slot) {
      for (uint32_t j : buckets_[slot][kSroiForm].active) {
        sroi_hours[FormIndex(jobs_[j].contract)] += jobs_[j].hours_x100;
      }
    }
    for (int f = 0; f < kRealisationForms; ++f) {
      Calibrate(
          markt, f, from, to,
          Scaled(HoursOf(targets_.forms_x100[y][markt][f]) - sroi_hours[f]),
          allow_ends);
    }
  }

  void Reclassify(int year) {
    const Date date = MakeDate(year, 1, 1);
    Employer& employer = employers_[reclassified_employer_];
    Emit(date, RecordingDay(date),
         EmployerReclassified{employer.id, Sector::kOnderzoeksinstellingen});
    const int markt = SlotOf(Sector::kMarkt);
    const int research = SlotOf(Sector::kOnderzoeksinstellingen);
    employer.sector = Sector::kOnderzoeksinstellingen;
    std::erase(hirers_[markt], reclassified_employer_);
    hirers_[research].push_back(reclassified_employer_);
    for (int f = 0; f < kFormCount; ++f) {
      const std::vector<uint32_t> active = buckets_[markt][f].active;
      for (uint32_t j : active) {
        if (jobs_[j].employer != reclassified_employer_ || f == kSroiForm) {
          continue;
        }
        RemoveFromBucket(j);
        jobs_[j].slot = research;
        AddToBucket(j);
      }
    }
  }

  void SimulateYear(int year) {
    const Date first = MakeDate(year, 1, 1);
    const Date last = MakeDate(year, 12, 31);
    SetTargets(year);
    if (year == kReclassificationYear) Reclassify(year);
    RegisterPoolPersons(year, PoolInflow());
    const std::vector<uint32_t> pool = pool_;
    for (uint32_t p : pool) {
      if (rng_.Chance(kPoolExitRate)) {
        Deregister(p, first, last, RandomDeregistrationReason());
      }
    }
    // Every job active at the start of the year may end, convert or change
    // hours once; the order of the buckets is fixed, so this is
    // deterministic.
    for (int slot = 0; slot < kSectorSlots; ++slot) {
      for (int f = 0; f < kFormCount; ++f) {
        const std::vector<uint32_t> active = buckets_[slot][f].active;
        for (uint32_t j : active) {
          if (jobs_[j].last_date >= last) continue;
          const Date after{std::max(first.days, jobs_[j].last_date.days + 1)};
          if (rng_.Chance(kEndRate[f])) {
            End(j, first, last);
          } else if (rng_.Chance(
                         kConversionRate[FormIndex(jobs_[j].contract)])) {
            Convert(j, rng_.Between(after, last));
          } else if (rng_.Chance(kHoursChangeRate)) {
            ChangeHours(j, rng_.Between(after, last), RandomHours());
          }
        }
      }
    }
    CalibrateYearEnd(year - kBaselineYear, first, last, /*allow_ends=*/true);
    for (int i = 0; i < kPhantomHiresPerYear; ++i) EmitPhantomHire(year);
  }

  const DemoDataOptions options_;
  absl::FunctionRef<absl::Status(DemoBatch)> sink_;
  DemoDataCounts* counts_;
  Rng rng_;
  const YearEndTargets targets_;

  std::vector<Employer> employers_;
  std::array<std::vector<uint32_t>, kSectorSlots> hirers_;
  std::vector<uint32_t> suppliers_;
  std::vector<uint32_t> agencies_;
  std::vector<uint32_t> sheltered_;
  uint32_t reclassified_employer_ = 0;
  std::vector<Person> persons_;
  std::vector<uint32_t> pool_;  // registered, without a job
  std::vector<Job> jobs_;
  std::array<std::array<Bucket, kFormCount>, kSectorSlots> buckets_;
  int phantoms_ = 0;

  Date floor_;
  std::vector<Unit> buffer_;
  uint64_t next_order_ = 1;
  uint64_t next_seq_;
  absl::flat_hash_map<uint64_t, uint64_t> seq_of_order_;
};

}  // namespace

absl::Status GenerateDemoData(
    const DemoDataOptions& options,
    absl::FunctionRef<absl::Status(DemoBatch batch)> sink,
    DemoDataCounts* counts) {
  if (!(options.markt_scale > 0 && options.markt_scale <= 100)) {
    return absl::InvalidArgumentError("markt_scale must be in (0, 100]");
  }
  if (options.first_seq < 1) {
    return absl::InvalidArgumentError("first_seq must be at least 1");
  }
  Simulation simulation(options, sink, counts);
  return simulation.Run();
}

}  // namespace banen
