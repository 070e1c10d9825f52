// banenctl's report formatting: fixed-point figures and aligned columns.
#include "tools/realisation_report.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tools/text_table.h"

namespace banen {
namespace {

TEST(FormatHundredths, KeepsTwoDecimals) {
  EXPECT_EQ(FormatHundredths(41639), "416.39");
  EXPECT_EQ(FormatHundredths(7), "0.07");
  EXPECT_EQ(FormatHundredths(0), "0.00");
}

TEST(FormatHundredths, PutsTheSignBeforeAWholeZero) {
  EXPECT_EQ(FormatHundredths(-5), "-0.05");
  EXPECT_EQ(FormatHundredths(-194), "-1.94");
}

TEST(FormatTenths, KeepsOneDecimal) {
  EXPECT_EQ(FormatTenths(686), "68.6");
  EXPECT_EQ(FormatTenths(-3), "-0.3");
}

TEST(TextTable, AlignsEachColumnToItsWidestCell) {
  TextTable table({{"sector", TextTable::Align::kLeft}, {"banen"}});
  table.AddRow({"GEMEENTEN", "4.18"});
  table.AddRow({"WO", "11.20"});

  EXPECT_EQ(table.Render(),
            "sector     banen\n"
            "---------  -----\n"
            "GEMEENTEN   4.18\n"
            "WO         11.20\n");
}

TEST(RealisationReport, ShowsADashForFiguresThatDoNotApply) {
  v1::RealisationTable table;
  table.set_last_seq(12);
  v1::RealisationRow* row = table.add_rows();
  row->set_sector(v1::SECTOR_PROVINCIES);
  row->set_quarter("2024Q4");
  row->set_measure(v1::REALISATION_MEASURE_PEILDATUM);

  const std::vector<std::string> lines =
      absl::StrSplit(RealisationReport(table), '\n');

  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0], "Realisation (PEILDATUM, banen), as of -, up to seq 12");
  EXPECT_EQ(std::vector<std::string>(
                absl::StrSplit(lines[4], ' ', absl::SkipEmpty())),
            (std::vector<std::string>{
                // banen, the four forms, SROI of unknown form, the SROI memo
                "PROVINCIES", "2024Q4", "0.00", "0.00", "0.00", "0.00", "0.00",
                "0.00", "0.00",
                // persons, jobs, doel, %, % incl. SROI, baseline, extra
                "0", "0", "-", "-", "-", "-", "-",
                // flows, the change against the quarter and the year before
                "0", "0", "0", "0.00", "0.00"}));
}

}  // namespace
}  // namespace banen
