#include "tools/report_formats.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace banen {
namespace {

v1::RealisationRow Row(v1::Sector sector, int64_t banen_x100) {
  v1::RealisationRow row;
  row.set_sector(sector);
  row.set_quarter("2024Q4");
  row.set_measure(v1::REALISATION_MEASURE_PEILDATUM);
  row.set_banen_x100(banen_x100);
  row.set_banen_vast_x100(banen_x100);
  return row;
}

TEST(RealisationCsvTest, LeavesFiguresThatDoNotApplyEmpty) {
  v1::RealisationTable table;
  *table.add_rows() = Row(v1::SECTOR_POLITIE, 48900);
  const std::string csv = RealisationCsv(table);
  // No doel, percentages, baseline or extra: empty fields, not zeros.
  EXPECT_TRUE(absl::StrContains(
      csv,
      "\nPOLITIE,,2024Q4,PEILDATUM,489.00,489.00,0.00,0.00,0.00,0.00,0.00,0,0,"
      ",,,,,0,0,0,0.00,0.00,0,0,0,0,0.00,0.00,0.00,0.00,0.00,0.00,0\n"));
}

// Person 1 holds vast and uitzend, person 2 uitzend: 2 persons, 1 vast, 2
// uitzend; a year earlier there were 1.50 banen fewer, all uitzend.
TEST(RealisationCsvTest, EndsWithPersonsPerFormAndTheYearChange) {
  v1::RealisationTable table;
  v1::RealisationRow row = Row(v1::SECTOR_POLITIE, 200);
  row.set_persons(2);
  row.set_persons_vast(1);
  row.set_persons_inleen_uitzend(2);
  row.set_change_year_x100(150);
  row.set_change_year_inleen_uitzend_x100(150);
  row.set_persons_change_year(1);
  *table.add_rows() = row;
  const std::string csv = RealisationCsv(table);
  EXPECT_TRUE(absl::StrContains(
      csv,
      ",change,sroi_form_unknown,persons_vast,persons_tijdelijk,"
      "persons_inleen_uitzend,persons_inleen_detachering,change_year,"
      "change_year_vast,"
      "change_year_tijdelijk,change_year_inleen_uitzend,"
      "change_year_inleen_detachering,change_year_sroi,"
      "persons_change_year\n"));
  EXPECT_TRUE(absl::StrContains(
      csv, ",0.00,0.00,1,0,2,0,1.50,0.00,0.00,1.50,0.00,0.00,1\n"));
}

// As the 2021-2022 letters: FUNDEREND_ONDERWIJS right after the two school
// sectors it adds up.
TEST(RealisationLetterTest, ListsFunderendOnderwijsAfterTheSchoolSectors) {
  v1::RealisationTable table;
  *table.add_rows() = Row(v1::SECTOR_FUNDEREND_ONDERWIJS, 300);
  *table.add_rows() = Row(v1::SECTOR_MBO, 100);
  *table.add_rows() = Row(v1::SECTOR_VOORTGEZET_ONDERWIJS, 100);
  *table.add_rows() = Row(v1::SECTOR_PRIMAIR_ONDERWIJS, 200);
  const std::string letter = RealisationLetter(table);
  const size_t vo_at = letter.find("\nVOORTGEZET_ONDERWIJS");
  const size_t funderend_at = letter.find("\nFUNDEREND_ONDERWIJS");
  const size_t mbo_at = letter.find("\nMBO");
  EXPECT_LT(letter.find("\nPRIMAIR_ONDERWIJS"), vo_at);
  EXPECT_LT(vo_at, funderend_at);
  EXPECT_LT(funderend_at, mbo_at);
  EXPECT_NE(mbo_at, std::string::npos);
}

v1::RealisationTable MonitorTable() {
  v1::RealisationTable table;
  *table.add_rows() = Row(v1::SECTOR_MARKT, 14633300);
  v1::MonitorRow& markt = *table.add_monitor_rows();
  markt.set_sector(v1::SECTOR_MARKT);
  markt.set_quarter("2022Q4");
  markt.set_inleen_key_overheid_x10(258);
  markt.set_baseline_inleen_key_overheid_x10(240);
  markt.set_baseline_inleen_total_x100(3620600);
  markt.set_formal_x100(12000000);
  markt.set_baseline_formal_x100(4950000);
  markt.set_baseline_inleen_x100(2751656);
  markt.set_inleen_x100(2824126);
  markt.set_banen_x100(14824126);
  markt.set_extra_formal_x100(7038800);
  markt.set_extra_inleen_x100(72470);
  markt.set_extra_x100(7111270);
  return table;
}

TEST(MonitorReportTest, ShowsTheKeyAndFormalAndInleenApart) {
  const std::string report = MonitorReport(MonitorTable());
  EXPECT_TRUE(absl::StrContains(report, "inleen 36206.00 keyed 24.0%"))
      << report;
  const size_t at = report.find("\nMARKT");
  ASSERT_NE(at, std::string::npos) << report;
  const std::string line =
      report.substr(at + 1, report.find('\n', at + 1) - at - 1);
  EXPECT_THAT(
      absl::StrSplit(line, ' ', absl::SkipEmpty()),
      ::testing::ElementsAre("MARKT", "2022Q4", "25.8", "120000.00", "28241.26",
                             "148241.26", "49500.00", "27516.56", "70388.00",
                             "724.70", "71112.70"));
}

TEST(MonitorReportTest, IsEmptyWithoutMonitorRows) {
  EXPECT_EQ(MonitorReport(v1::RealisationTable()), "");
}

// A monitor row whose extras follow from its stock and baseline.
v1::MonitorRow MonitorRowOf(v1::Sector sector, const std::string& quarter,
                            int64_t formal_x100, int64_t inleen_x100,
                            int64_t baseline_formal_x100,
                            int64_t baseline_inleen_x100) {
  v1::MonitorRow row;
  row.set_sector(sector);
  row.set_quarter(quarter);
  row.set_measure(v1::REALISATION_MEASURE_PEILDATUM);
  row.set_inleen_key_overheid_x10(quarter == "2022Q4" ? 258 : 320);
  row.set_baseline_inleen_key_overheid_x10(240);
  row.set_inleen_total_x100(quarter == "2022Q4" ? 3806090 : 4199344);
  row.set_baseline_inleen_total_x100(3620630);
  row.set_formal_x100(formal_x100);
  row.set_baseline_formal_x100(baseline_formal_x100);
  row.set_extra_formal_x100(formal_x100 - baseline_formal_x100);
  row.set_inleen_x100(inleen_x100);
  row.set_baseline_inleen_x100(baseline_inleen_x100);
  row.set_extra_inleen_x100(inleen_x100 - baseline_inleen_x100);
  row.set_banen_x100(formal_x100 + inleen_x100);
  row.set_baseline_x100(baseline_formal_x100 + baseline_inleen_x100);
  row.set_extra_x100(row.extra_formal_x100() + row.extra_inleen_x100());
  return row;
}

// Seed 001's monitor as the demo data set gives it: inleen 36,206.30 at the
// baseline keyed 76.0 / 24.0, 41,993.44 end 2021 keyed 68 / 32, 38,060.90
// end 2022 keyed 74.2 / 25.8; the formal stocks are ours. The 2021 row of
// MARKT only: the year change of the others is left empty.
v1::RealisationTable SeedMonitorTable() {
  v1::RealisationTable table;
  *table.add_monitor_rows() = MonitorRowOf(v1::SECTOR_MARKT, "2021Q4", 8844355,
                                           2855554, 2851600, 2751679);
  *table.add_monitor_rows() = MonitorRowOf(v1::SECTOR_MARKT, "2022Q4", 9890435,
                                           2824119, 2851600, 2751679);
  *table.add_monitor_rows() = MonitorRowOf(v1::SECTOR_OVERHEID, "2022Q4",
                                           1933070, 981971, 1045670, 868951);
  *table.add_monitor_rows() = MonitorRowOf(v1::SECTOR_NATIONAAL, "2022Q4",
                                           11823505, 3806090, 3897270, 3620630);
  return table;
}

// The figures on the line of `text` that starts with `label` (padded).
std::vector<std::string> FiguresOf(const std::string& text,
                                   const std::string& label) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, absl::StrCat(label, "  "))) {
      return absl::StrSplit(line.substr(label.size()), ' ', absl::SkipEmpty());
    }
  }
  return {};
}

// The table run.sh prints next to seed 001's: extra banen 71,113 / 10,004 /
// 81,117, formal 70,388 / 8,874 / 79,262, inleen 724 / 1,130 / 1,855; markt
// against 2021 +10,146 (formal +10,461, inleen -314).
TEST(MonitorLetterTest, ShowsExtraStockBaselineAndTheYearChange) {
  const std::string letter = MonitorLetter(SeedMonitorTable());
  EXPECT_TRUE(absl::StartsWith(
      letter,
      "Banenafspraak 2022Q4: national monitor (SZW letters; PEILDATUM, banen "
      "van 25,5 uur per week)\nFormal jobs by employer sector; inleen of all "
      "hirers (38060.90) keyed 25.8% overheid; extra banen against "
      "31-12-2012 (inleen 36206.30 keyed 24.0% overheid)\n\n"))
      << letter;
  using ::testing::ElementsAre;
  EXPECT_THAT(FiguresOf(letter, "extra formal"),
              ElementsAre("70388.35", "8874.00", "79262.35"));
  EXPECT_THAT(FiguresOf(letter, "extra inleen"),
              ElementsAre("724.40", "1130.20", "1854.60"));
  EXPECT_THAT(FiguresOf(letter, "extra"),
              ElementsAre("71112.75", "10004.20", "81116.95"));
  EXPECT_THAT(FiguresOf(letter, "stock formal"),
              ElementsAre("98904.35", "19330.70", "118235.05"));
  EXPECT_THAT(FiguresOf(letter, "stock inleen"),
              ElementsAre("28241.19", "9819.71", "38060.90"));
  EXPECT_THAT(FiguresOf(letter, "stock"),
              ElementsAre("127145.54", "29150.41", "156295.95"));
  EXPECT_THAT(FiguresOf(letter, "baseline formal"),
              ElementsAre("28516.00", "10456.70", "38972.70"));
  EXPECT_THAT(FiguresOf(letter, "baseline inleen"),
              ElementsAre("27516.79", "8689.51", "36206.30"));
  EXPECT_THAT(FiguresOf(letter, "baseline"),
              ElementsAre("56032.79", "19146.21", "75179.00"));
  EXPECT_THAT(FiguresOf(letter, "change formal vs 2021Q4"),
              ElementsAre("+10460.80"));
  EXPECT_THAT(FiguresOf(letter, "change inleen vs 2021Q4"),
              ElementsAre("-314.35"));
  EXPECT_THAT(FiguresOf(letter, "change vs 2021Q4"), ElementsAre("+10146.45"));
}

TEST(MonitorLetterTest, HasNoChangeRowsWithoutTheYearEarlier) {
  v1::RealisationTable table = SeedMonitorTable();
  table.mutable_monitor_rows()->DeleteSubrange(0, 1);
  EXPECT_FALSE(absl::StrContains(MonitorLetter(table), "change"));
}

TEST(MonitorLetterTest, SaysSoWithoutMonitorRows) {
  EXPECT_EQ(MonitorLetter(v1::RealisationTable()), "No figures.\n");
}

TEST(RealisationHtmlTest, ShowsTheMonitorTableNextToTheSectorTable) {
  const std::string html = RealisationHtml(MonitorTable(), "t", false);
  EXPECT_TRUE(absl::StrContains(html, "<table id=\"realisation\">"));
  EXPECT_TRUE(absl::StrContains(
      html, "<tr data-monitor=\"MARKT\" data-quarter=\"2022Q4\">"));
}

TEST(RealisationLetterTest, ListsGovernmentSectorsThenTheAggregates) {
  v1::RealisationTable table;
  *table.add_rows() = Row(v1::SECTOR_NATIONAAL, 16426600);
  *table.add_rows() = Row(v1::SECTOR_MARKT, 14633300);
  v1::RealisationRow rijk = Row(v1::SECTOR_RIJK, 507800);
  rijk.set_doel_x100(599400);
  rijk.set_realisatiepercentage_x10(847);  // 5,078 / 5,994 = 84.7%
  *table.add_rows() = rijk;
  *table.add_rows() = Row(v1::SECTOR_OVERHEID, 1793300);
  const std::string letter = RealisationLetter(table);
  const size_t rijk_at = letter.find("\nRIJK");
  const size_t overheid_at = letter.find("\nOVERHEID");
  const size_t markt_at = letter.find("\nMARKT");
  const size_t nationaal_at = letter.find("\nNATIONAAL");
  EXPECT_LT(rijk_at, overheid_at);
  EXPECT_LT(overheid_at, markt_at);
  EXPECT_LT(markt_at, nationaal_at);
  const std::string rijk_line =
      letter.substr(rijk_at + 1, letter.find('\n', rijk_at + 1) - rijk_at - 1);
  EXPECT_THAT(absl::StrSplit(rijk_line, ' ', absl::SkipEmpty()),
              ::testing::ElementsAre("RIJK", "5994.00", "5078.00", "84.7"));
}

TEST(RealisationJsonTest, KeepsTheProtoFieldNamesAndReadsBackEqual) {
  v1::RealisationTable table = MonitorTable();
  const absl::StatusOr<std::string> json = RealisationJson(table);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, ::testing::HasSubstr("\"banen_x100\": \"14633300\""));
  EXPECT_THAT(*json, ::testing::HasSubstr("\"sector\": \"SECTOR_MARKT\""));
  v1::RealisationTable read;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*json, &read).ok());
  EXPECT_EQ(read.SerializeAsString(), table.SerializeAsString());
}

// The WBA_2026 rows of quota_test's inleen-heavy year: WATERSCHAPPEN keeps
// its own 0.50 banen, its lender (MARKT) the 2.00 seconded, NATIONAAL has
// the one target.
v1::RealisationTable WbaTable() {
  v1::RealisationTable table;
  table.set_regime(v1::REGIME_WBA_2026);
  table.set_last_seq(12);
  v1::YearRow* water = table.add_year_rows();
  water->set_sector(v1::SECTOR_WATERSCHAPPEN);
  water->set_year(2024);
  water->set_hours_x100(66'664);
  water->set_banen_x100(50);
  water->set_banen_vast_x100(50);
  v1::YearRow* nationaal = table.add_year_rows();
  nationaal->set_sector(v1::SECTOR_NATIONAAL);
  nationaal->set_year(2024);
  nationaal->set_hours_x100(333'321);
  nationaal->set_banen_x100(250);
  nationaal->set_banen_vast_x100(50);
  nationaal->set_banen_inleen_detachering_x100(200);
  nationaal->set_doel_x100(200);
  nationaal->set_realisatiepercentage_x10(1252);
  nationaal->set_change_x100(1);
  return table;
}

TEST(YearCsvTest, HasALinePerSectorAndYearWithTheTargetOnNationaalOnly) {
  EXPECT_EQ(YearCsv(WbaTable()),
            "sector,year,hours,banen,vast,tijdelijk,uitzend_lent,"
            "detachering_lent,sroi_form_unknown,doel,pct,change\n"
            "WATERSCHAPPEN,2024,666.64,0.50,0.50,0.00,0.00,0.00,0.00,,,0.00\n"
            "NATIONAAL,2024,3333.21,2.50,0.50,0.00,0.00,2.00,0.00,2.00,125.2,"
            "+0.01\n");
}

TEST(YearReportTest, SaysWhatTheRegimeCountsAboveTheRows) {
  const std::string report = YearReport(WbaTable());
  EXPECT_THAT(report, ::testing::StartsWith(
                          "Realisation under WBA_2026 (Wet banenafspraak), "
                          "as of -, up to seq 12: paid hours per calendar "
                          "year"));
  EXPECT_THAT(report, ::testing::ContainsRegex(
                          "\nNATIONAAL +2024 +3333.21 +2.50 .* 2.00 +125.2 "
                          "+\\+0.01\n"));
}

TEST(YearHtmlTest, MarksARowPerSectorAndYear) {
  const std::string html = YearHtml(WbaTable(), "WBA");
  EXPECT_THAT(html, ::testing::HasSubstr(
                        "<tr data-wba-sector=\"NATIONAAL\" data-year=\"2024\" "
                        "class=\"aggregate\"><td>NATIONAAL</td><td>2024</td>"));
  EXPECT_THAT(html,
              ::testing::HasSubstr("<tr data-wba-sector=\"WATERSCHAPPEN\" "
                                   "data-year=\"2024\"><td>"));
}

// One liable GEMEENTEN employer short of 11.9 banen, one small one.
v1::QuotaTable QuotaTable() {
  v1::QuotaTable table;
  table.set_year(2024);
  table.set_regime(v1::REGIME_WFSV_2015);
  table.set_last_seq(9);
  v1::QuotaRow* liable = table.add_rows();
  liable->set_employer_id("gm-0001");
  liable->set_sector(v1::SECTOR_GEMEENTEN);
  liable->set_paid_hours_x100(59'280'000);
  liable->set_previous_paid_hours_x100(59'280'000);
  liable->set_liable(true);
  liable->set_percentage_x100(269);
  liable->set_quota_banen_x100(1198);
  liable->set_shortfall_banen_x10(119);
  liable->set_levy_euro(59'500);
  v1::QuotaRow* small = table.add_rows();
  small->set_employer_id("gm-0002");
  small->set_sector(v1::SECTOR_GEMEENTEN);
  v1::QuotaTotal* total = table.add_totals();
  total->set_sector(v1::SECTOR_GEMEENTEN);
  total->set_employers(2);
  total->set_liable_employers(1);
  total->set_quota_banen_x100(1198);
  total->set_shortfall_banen_x10(119);
  total->set_levy_euro(59'500);
  *table.add_totals() = *total;
  table.mutable_totals(1)->set_sector(v1::SECTOR_OVERHEID);
  return table;
}

// Unreported hours and an unset percentage are empty, not zeros.
TEST(QuotaCsvTest, HasALinePerEmployerWithEmptyUnsetFigures) {
  EXPECT_EQ(QuotaCsv(QuotaTable()),
            "year,regime,employer,sector,paid_hours,previous_year,liable,"
            "percentage,quota,realised_h,realised,shortfall,levy_EUR\n"
            "2024,WFSV_2015,gm-0001,GEMEENTEN,592800.00,592800.00,yes,2.69,"
            "11.98,0.00,0.00,11.9,59500\n"
            "2024,WFSV_2015,gm-0002,GEMEENTEN,,,no,,0.00,0.00,0.00,0.0,0\n");
}

TEST(QuotaReportTest, PrintsEmployerLinesOnlyWhenAsked) {
  const std::string totals = QuotaReport(QuotaTable(), false);
  const std::string both = QuotaReport(QuotaTable(), true);
  EXPECT_FALSE(absl::StrContains(totals, "gm-0001"));
  EXPECT_TRUE(absl::StrContains(both, "gm-0001"));
  EXPECT_TRUE(absl::StrContains(totals, "Quota 2024 (WFSV_2015)"));
  EXPECT_THAT(totals,
              ::testing::ContainsRegex("OVERHEID +2 +1 .* 11.9 +59500"));
}

TEST(QuotaHtmlTest, HasATableRowPerSectorAndOnlyLiableEmployers) {
  const std::string html = QuotaHtml(QuotaTable(), "Quotum 2024");
  EXPECT_TRUE(absl::StrContains(html, "<table id=\"quota\">"));
  EXPECT_TRUE(absl::StrContains(
      html,
      "<tr data-quota-sector=\"GEMEENTEN\"><td>GEMEENTEN</td><td>2</td>"
      "<td>1</td>"));
  EXPECT_TRUE(absl::StrContains(
      html, "<tr data-quota-sector=\"OVERHEID\" class=\"aggregate\">"));
  EXPECT_TRUE(absl::StrContains(html, "<tr data-employer=\"gm-0001\">"));
  EXPECT_FALSE(absl::StrContains(html, "gm-0002"));
}

// One quarter of the register dashboard: 2 WAJONG and 1 PRO_VSO in, 1 out
// for AOW_AGE.
v1::RegisterFigures OneRegisterQuarter() {
  v1::RegisterFigures figures;
  v1::RegisterQuarter* q = figures.add_quarters();
  q->set_quarter("2024Q4");
  q->set_registered(1000);
  q->set_working(518);
  v1::GrondslagCount* wajong = q->add_inflow();
  wajong->set_grondslag(v1::GRONDSLAG_WAJONG);
  wajong->set_persons(2);
  v1::GrondslagCount* pro_vso = q->add_inflow();
  pro_vso->set_grondslag(v1::GRONDSLAG_PRO_VSO);
  pro_vso->set_persons(1);
  q->set_inflow_total(3);
  v1::DeregistrationCount* aow = q->add_outflow();
  aow->set_reason(v1::DEREGISTRATION_REASON_AOW_AGE);
  aow->set_persons(1);
  q->set_outflow_total(1);
  q->set_found_work(4);
  q->set_lost_work(2);
  q->set_banen_x100(60000);
  q->set_banen_markt_formal_x100(40000);
  q->set_banen_overheid_formal_x100(15000);
  q->set_banen_inleen_x100(5000);
  q->set_change_banen_x100(-150);
  figures.set_last_seq(77);
  return figures;
}

TEST(RegisterCsvTest, HasAColumnPerGrondslagAndReason) {
  const std::vector<std::string> lines =
      absl::StrSplit(RegisterCsv(OneRegisterQuarter()), '\n');
  ASSERT_EQ(lines.size(), 3u);  // header, 2024Q4, and the final newline
  EXPECT_THAT(lines[0],
              testing::EndsWith(",inflow_unspecified,inflow_wajong,inflow_wsw,"
                                "inflow_indicatie_banenafspraak,inflow_pro_vso,"
                                "inflow_praktijkroute,outflow_unspecified,"
                                "outflow_aow_age,outflow_deceased,"
                                "outflow_own_request,outflow_beschut_werk,"
                                "outflow_other"));
  EXPECT_EQ(lines[1],
            "2024Q4,1000,518,3,1,4,2,600.00,400.00,150.00,50.00,-1.50,0.00,"
            "0.00,0.00,0,2,0,0,1,0,0,1,0,0,0,0");
}

TEST(RegisterReportTest, ListsTheFlowsByGrondslagAndReason) {
  const std::string text = RegisterReport(OneRegisterQuarter());
  EXPECT_TRUE(absl::StrContains(text, "last seq 77")) << text;
  EXPECT_TRUE(absl::StrContains(text, "51.8")) << text;  // 518 of 1000
  EXPECT_TRUE(absl::StrContains(
      text, "2024Q4 inflow by grondslag: WAJONG 2; PRO_VSO 1\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "2024Q4 outflow by reason: AOW_AGE 1\n"))
      << text;
}

}  // namespace
}  // namespace banen
