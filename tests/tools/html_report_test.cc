// The HTML report of the national demo data set, opened in headless
// Chromium (Debian's `chromium`): the DOM the browser builds must hold the
// table with every sector and the charts.
#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "ledger/event.h"
#include "projections/projection_state.h"
#include "projections/realisation.h"
#include "services/wire.h"
#include "tools/demo_data.h"
#include "tools/report_formats.h"

namespace banen {
namespace {

// The 2021-2024 table of the demo data set (small markt), as the server
// would send it.
v1::RealisationTable DemoTable() {
  ProjectionState state;
  uint64_t seq = 0;
  DemoDataOptions options;
  options.markt_scale = 0.02;
  const absl::Status generated =
      GenerateDemoData(options, [&](DemoBatch batch) {
        const absl::Time recorded_at =
            absl::FromCivil(absl::CivilDay(1970, 1, 1) + batch.recorded_on.days,
                            absl::UTCTimeZone());
        for (Event& event : batch.events) {
          StoredEvent stored;
          stored.seq = ++seq;
          stored.recorded_at = recorded_at;
          stored.event = std::move(event);
          state.Apply(stored);
        }
        return absl::OkStatus();
      });
  EXPECT_TRUE(generated.ok()) << generated;
  RealisationQuery query;
  query.from = Quarter{2021, 1};
  query.to = Quarter{2024, 4};
  v1::RealisationTable table;
  RealisationTableToProto(ComputeRealisation(state, query), &table);
  return table;
}

// Runs `command` and returns its standard output.
std::string OutputOf(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[65536];
  size_t read;
  while ((read = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    output.append(buffer, read);
  }
  pclose(pipe);
  return output;
}

int Count(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

class HtmlReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string dir = "/tmp/banen_html_report_test_XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = new std::string(dir);
    const std::string path = dir + "/report.html";
    std::ofstream(path) << RealisationHtml(DemoTable(), "Banenafspraak 2024",
                                           /*include_sroi=*/true);
    ASSERT_EQ(OutputOf("command -v chromium").empty(), false)
        << "Debian's chromium is required (scripts/setup.sh installs it)";
    dom_ = new std::string(
        OutputOf(absl::StrCat("chromium --headless --no-sandbox --disable-gpu "
                              "--dump-dom file://",
                              path, " 2>/dev/null")));
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);
    delete dir_;
    delete dom_;
  }

  static std::string* dir_;
  static std::string* dom_;
};

std::string* HtmlReportTest::dir_ = nullptr;
std::string* HtmlReportTest::dom_ = nullptr;

TEST_F(HtmlReportTest, TableHasAll13SectorsThenTheAggregates) {
  ASSERT_FALSE(dom_->empty());
  for (int s = static_cast<int>(kFirstGovernmentSector);
       s <= static_cast<int>(kLastGovernmentSector); ++s) {
    const std::string name(SectorName(static_cast<Sector>(s)));
    EXPECT_TRUE(absl::StrContains(
        *dom_, absl::StrCat("<tr data-sector=\"", name, "\"><td>", name)))
        << name;
  }
  // MARKT, the 13, OVERHEID, NATIONAAL and FUNDEREND_ONDERWIJS.
  EXPECT_EQ(Count(*dom_, "<tr data-sector="), 17);
  EXPECT_LT(dom_->find("<tr data-sector=\"ONDERZOEKSINSTELLINGEN\""),
            dom_->find("<tr data-sector=\"OVERHEID\" class=\"aggregate\""));
}

TEST_F(HtmlReportTest, FunderendOnderwijsIsShownAsAnAggregate) {
  EXPECT_TRUE(absl::StrContains(
      *dom_, "<tr data-sector=\"FUNDEREND_ONDERWIJS\" class=\"aggregate\">"));
  EXPECT_LT(dom_->find("<h2>Aggregates against their targets</h2>"),
            dom_->find("<figure data-sector=\"FUNDEREND_ONDERWIJS\">"));
  EXPECT_LT(dom_->find("<figure data-sector=\"FUNDEREND_ONDERWIJS\">"),
            dom_->find("<h2>Realisation against doel per sector</h2>"));
}

TEST_F(HtmlReportTest, PersonsTableHasARowPerSectorAndAggregate) {
  EXPECT_EQ(Count(*dom_, "<tr data-persons-of="), 17);
  EXPECT_TRUE(absl::StrContains(
      *dom_,
      "<th>banen vs a year earlier</th><th>vast</th><th>tijdelijk</th>"
      "<th>uitzend</th><th>detachering</th>"
      "<th>persons vs a year earlier</th>"));
}

TEST_F(HtmlReportTest, TableShowsTheLettersFigures) {
  // RIJK 2024: doel 5,994, realisatie 5,078, 84.7%.
  EXPECT_TRUE(absl::StrContains(
      *dom_,
      "<tr data-sector=\"RIJK\"><td>RIJK</td><td>5994.00</td><td>5078.00</td>"
      "<td>84.7</td>"));
}

TEST_F(HtmlReportTest, OneChartPerSectorAndAggregateWithStackedFormsAndDoel) {
  EXPECT_EQ(Count(*dom_, "<figure data-sector="), 17);
  EXPECT_EQ(Count(*dom_, "<svg"), 17);
  // Every government chart has a doel line (sectors have doelen 2021-2024).
  EXPECT_GE(Count(*dom_, "<polyline class=\"doel\""), 15);
  // The 2024Q4 bars stack vast, tijdelijk, uitzend and detachering.
  for (const char* form : {"vast", "tijdelijk", "uitzend", "detachering"}) {
    EXPECT_TRUE(absl::StrContains(
        *dom_,
        absl::StrCat("<rect class=\"bar ", form, "\" data-quarter=\"2024Q4\"")))
        << form;
  }
}

}  // namespace
}  // namespace banen
