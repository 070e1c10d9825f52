// The calibration of the national demo data set (tools/demo_data.h): the
// figures of DOMAIN.md §7 per government sector and nationally, the
// year-end stocks the simulation lands on, the employer catalogue and the
// turnover rates. Data only; the simulation that plays them out is
// tools/demo_data.cc, the one user of this header.
#ifndef BANEN_TOOLS_INTERNAL_DEMO_DATA_TABLES_H_
#define BANEN_TOOLS_INTERNAL_DEMO_DATA_TABLES_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "ledger/event.h"

namespace banen::demo_data {

inline constexpr int kFirstYear = 2013;
inline constexpr int kLastYear = 2025;
// Year-end stocks are indexed from the end of 2012 (the baseline, nulmeting)
// to the end of 2025.
inline constexpr int kBaselineYear = kFirstYear - 1;
// The monitor keys the baseline by that year's verdeelsleutel.
static_assert(kBaselineYear == kBaselineInleenKeyYear);
inline constexpr int kYearEnds = kLastYear - kBaselineYear + 1;
// The years DOMAIN.md §7 tabulates per government sector, and 2025.
inline constexpr int kFirstTableYear = 2021;
inline constexpr int kTableYears = kLastYear - kFirstTableYear + 1;
// The year §7 gives contract-form splits.
inline constexpr int kSplitYear = 2024;

inline constexpr int kRealisationForms = 4;
inline constexpr std::array<ContractForm, kRealisationForms> kForms = {
    ContractForm::kVast, ContractForm::kTijdelijk, ContractForm::kInleenUitzend,
    ContractForm::kInleenDetachering};
// Jobs are calibrated in buckets per sector: one per contract form, and one
// of the SROI jobs (of any form, at markt suppliers) the sector commissioned.
inline constexpr int kFormCount = kRealisationForms + 1;
inline constexpr int kSroiForm = kRealisationForms;
// MARKT and the 13 government sectors, in Sector order.
inline constexpr int kSectorSlots = 14;

inline int SlotOf(Sector sector) { return static_cast<int>(sector) - 1; }
inline int FormIndex(ContractForm form) {
  return static_cast<int>(std::find(kForms.begin(), kForms.end(), form) -
                          kForms.begin());
}

// Hours per week (x100) that make `banen_x100` hundredths of a baan, rounded
// down: at most half a hundredth of an hour short, so the figure rounds back
// to the same hundredth of a baan.
inline int64_t HoursOf(int64_t banen_x100) {
  return banen_x100 * kHoursPerBaanX100 / 100;
}

// ---------------------------------------------------------------------------
// Calibration figures.

// Shares of vast, tijdelijk, uitzend and detachering, in permille.
using FormShares = std::array<int64_t, kRealisationForms>;
// Hundredths of a baan per form.
using FormBanen = std::array<int64_t, kRealisationForms>;
inline constexpr int64_t kNotGiven = -1;

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

inline constexpr FormBanen kNoSplit = {kNotGiven, kNotGiven, kNotGiven,
                                       kNotGiven};
inline constexpr std::array<int64_t, kTableYears> kNoSroi = {0, 0, 0, 0, 0};

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
inline constexpr std::array<GovernmentSectorPlan, 13> kGovernmentPlans = {{
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
inline constexpr std::array<SharesGiven, 2> kSharesGiven = {{
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
inline constexpr int64_t kNationalBaselineX100 = 7517900;

// The verdeelsleutel: overheid's share of the inleen stock, in permille.
// Seed 001 gives 24.0 (baseline), 32 (2021) and 25.8 (2022); the rest are
// ours, rising from the baseline's share to 2021's. Each year's is an
// InleenKeySet, so the ledger's national monitor view splits as we do here.
inline constexpr std::array<int64_t, kYearEnds> kOverheidKeyPermille = {
    240, 245, 250, 280, 285, 290, 295, 300, 310, 320, 258, 270, 270, 270};

// Extra banen by the national monitor. Markt: §7 for 2015, 2017, 2019 and
// 2021..2023, the other years ours. Overheid: §7; kNotGiven where the
// overheid figure follows from our choices (the sector paths and the key).
// 2017 and 2021: the totals 36,904 and 72,809 are a unit above the sum of
// their parts; 30,432.40 + 6,471.30 and 60,966.30 + 11,842.30 are within
// half a baan of all three. 2022: 71,112.75 = formal 70,388.35 + inleen
// 724.40, and 2022 against 2021 is +10,146.45 (formal +10,460.80, inleen
// -314.35).
inline constexpr std::array<int64_t, kYearEnds> kMarktExtraX100 = {
    0,       500000,  1030000, 1560400, 2300000, 3043240, 4100000,
    5182900, 5640000, 6096630, 7111275, 7403100, 7690000, 7950000};
inline constexpr std::array<int64_t, kYearEnds> kOverheidExtraX100 = {
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
inline constexpr std::array<int64_t, kYearEnds> kInleenStockX100 = {
    3620630,   kNotGiven, kNotGiven, kNotGiven, kNotGiven,
    kNotGiven, kNotGiven, kNotGiven, kNotGiven, 4199344,
    3806090,   kNotGiven, kNotGiven, kNotGiven};
inline constexpr int64_t kInleenDeclineX100 = 30000;

// Cumulative targets for extra banen (§7 national table; 2016, 2018, 2020
// and 2024 are the agreed schedule between the tabulated years).
inline constexpr int kFirstNationalTargetYear = 2015;
inline constexpr std::array<int64_t, 11> kMarktExtraTargetX100 = {
    600000,  1450000, 2300000, 3150000, 4000000, 5000000,
    6000000, 7000000, 8000000, 9000000, 10000000};
inline constexpr std::array<int64_t, 11> kOverheidExtraTargetX100 = {
    300000,  650000,  1000000, 1250000, 1500000, 1750000,
    2000000, 2250000, 2500000, 2500000, 2500000};
// §7: the RIJK targets of the years before the sector table.
inline constexpr std::array<std::pair<int, int64_t>, 2> kEarlyRijkTargetsX100 =
    {{{2019, 353100}, {2020, 407200}}};

// How far (permille) each government sector has come from its baseline to
// its 2021 realisation at the end of 2012..2020, shaped after the OVERHEID
// extra banen of the SZW table (5,453 in 2015, 6,471 in 2017, 9,786 in 2019
// of 11,842 in 2021).
inline constexpr std::array<int64_t, 9> kPathTo2021Permille = {
    0, 150, 300, 460, 500, 550, 690, 830, 910};

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

// The year-end stocks of every sector and form, from the tables above.
YearEndTargets MakeYearEndTargets();

// ---------------------------------------------------------------------------
// Employers.

struct EmployerSpec {
  const char* id;
  const char* name;
  const char* parent_id;  // "" for none
};

// RIJK: the ministries, and executive agencies under them.
inline constexpr std::array<EmployerSpec, 22> kRijkEmployers = {{
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

inline constexpr std::array<const char*, 12> kProvinces = {
    "Groningen",    "Fryslan",    "Drenthe",       "Overijssel",
    "Flevoland",    "Gelderland", "Utrecht",       "Noord-Holland",
    "Zuid-Holland", "Zeeland",    "Noord-Brabant", "Limburg"};

inline constexpr std::array<const char*, 21> kWaterBoards = {
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

inline constexpr std::array<const char*, 7> kUmcs = {
    "Amsterdam UMC", "Erasmus MC",    "LUMC",       "Maastricht UMC+",
    "Radboudumc",    "UMC Groningen", "UMC Utrecht"};

inline constexpr std::array<const char*, 14> kUniversities = {
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
inline constexpr std::array<NumberedEmployers, 6> kNumberedEmployers = {{
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
inline constexpr char kReclassifiedEmployerId[] = "markt-kennisinstituut";
inline constexpr int kReclassificationYear = 2019;

// Quota (issue 14): the OVERHEID quota percentage x100 per year from 2021:
// 2.69 % in 2022 (seed 003's worked example) and 2.76 % in 2024 (DOMAIN.md
// §7); 2021, 2023 and 2025 are the demo's own. The Wet banenafspraak's one
// national percentage is not in the seeds: the demo sets NATIONAAL to
// OVERHEID's from 2024, so the two regimes differ only in who counts inleen.
// MARKT never had its quota activated: no percentage.
inline constexpr std::array<int32_t, kTableYears> kOverheidQuotaPercentX100 = {
    269, 269, 273, 276, 276};
inline constexpr int kFirstNationalQuotaYear = 2024;
// Each government sector's paid hours of years 2021..2024 are its doel x
// 1,331 / its percentage, so that the sector's quota is its doel; they are
// reported by UWV on 1 March of the next year and split over the sector's
// employers in the weights 1, 2, 3, 4, 1, 2, ... (so sizes differ).
inline constexpr int kLastPaidHoursYear = 2024;
inline constexpr int kPaidHoursWeights = 4;

inline constexpr int kMarktEmployersAtScaleOne = 4000;
inline constexpr int kTempAgencies = 25;
inline constexpr int kShelteredWorkCompanies = 35;

// ---------------------------------------------------------------------------
// Dynamics: yearly rates per bucket (vast, tijdelijk, uitzend, detachering,
// SROI) and conversion rates per contract form, so turnover looks like the
// letters describe (temporary and inleen jobs end or convert; permanent ones
// mostly stay; SROI placements are often for the length of a contract).
inline constexpr std::array<double, kFormCount> kEndRate = {0.05, 0.14, 0.22,
                                                            0.10, 0.18};
inline constexpr std::array<double, kRealisationForms> kConversionRate = {
    0.0, 0.12, 0.08, 0.05};
// The contract forms of SROI jobs at their suppliers (ours): mostly formal,
// some agency work.
inline constexpr std::array<std::pair<ContractForm, int>, 3> kSroiContracts = {
    {{ContractForm::kVast, 40},
     {ContractForm::kTijdelijk, 50},
     {ContractForm::kInleenUitzend, 10}}};
inline constexpr double kHoursChangeRate = 0.06;
// Chosen so that Q4 2024 has seed 004's 142,421 working persons (within
// 0.5 %) for the calibrated banen.
inline constexpr double kSecondJobRate = 0.105;
inline constexpr double kFromRegisterPoolRate = 0.7;
// Register: persons who register without a job yet, per year at scale 1
// (the register held 274,804 persons in Q4 2024, 142,421 working).
inline constexpr int kPoolInflowAtScaleOne = 11000;
inline constexpr double kPoolExitRate = 0.03;
// The register dashboard of Q4 2024 (seed 004): at the end of this year the
// register is brought to kSeedRegistered2024 / kSeedWorking2024 times the
// persons working (who follow from the calibrated jobs and kSecondJobRate),
// by registering or deregistering persons without a job.
inline constexpr int kRegisterCalibrationYear = 2024;
inline constexpr int64_t kSeedRegistered2024 = 274804;
inline constexpr int64_t kSeedWorking2024 = 142421;
// The legal grounds of new registrations (ours; the seeds name the grounds,
// not their shares): before the Participatiewet (2015) Wajong and Wsw; from
// 2015 on mostly the indicatie banenafspraak and school leavers (pro/vso),
// from 2022 also the praktijkroute. Weights per Grondslag value 1..5.
inline constexpr int kParticipatiewetYear = 2015;
inline constexpr int kPraktijkrouteYear = 2022;
inline constexpr std::array<int, 5> kGrondslagWeightsBefore2015 = {55, 35, 0,
                                                                   10, 0};
inline constexpr std::array<int, 5> kGrondslagWeightsFrom2015 = {10, 2, 55, 33,
                                                                 0};
inline constexpr std::array<int, 5> kGrondslagWeightsFrom2022 = {8, 1, 50, 33,
                                                                 8};
// Corrections: a typo in hours, an end recorded on the wrong day, a hire
// recorded by mistake.
inline constexpr double kHoursTypoRate = 0.02;
inline constexpr double kWrongEndRate = 0.015;
inline constexpr int kPhantomHiresPerYear = 20;

// Hires of 12 to 43 hours a week, 27.5 on average: with the second jobs a
// working person holds about 1.15 banen, as in Q1 2022 (DOMAIN.md §7).
inline constexpr int32_t kMinHireHoursX100 = 1200;
inline constexpr int32_t kMaxHireHoursX100 = 4300;

}  // namespace banen::demo_data

#endif  // BANEN_TOOLS_INTERNAL_DEMO_DATA_TABLES_H_
