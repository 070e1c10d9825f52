#include "tools/report_formats.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
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

}  // namespace
}  // namespace banen
