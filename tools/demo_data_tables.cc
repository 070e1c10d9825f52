#include "tools/internal/demo_data_tables.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace banen::demo_data {
namespace {

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

// The part `key_permille` of an inleen stock, in hundred-thousandths of a
// baan: exact, so the national figures are rounded only once.
int64_t KeyedX100k(int64_t key_permille, int64_t stock_x100) {
  return key_permille * stock_x100;
}

}  // namespace

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

}  // namespace banen::demo_data
