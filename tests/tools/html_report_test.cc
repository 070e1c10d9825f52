// The HTML report of the national demo data set, opened in headless
// Chromium (Debian's `chromium`): the DOM the browser builds must hold the
// table with every sector and the charts, and the screenshot it takes must
// show ink in every chart's box.
#include <png.h>
#include <stdio.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "ledger/event.h"
#include "projections/projection_state.h"
#include "projections/quota.h"
#include "projections/realisation.h"
#include "projections/register_figures.h"
#include "services/quota_service.h"
#include "services/wire.h"
#include "tools/demo_data.h"
#include "tools/report_formats.h"

namespace banen {
namespace {

// The demo data set (small markt), folded once per process.
const ProjectionState& DemoState() {
  static const ProjectionState* const state = [] {
    auto* folded = new ProjectionState();
    ProjectionState& state = *folded;
    uint64_t seq = 0;
    DemoDataOptions options;
    options.markt_scale = 0.02;
    const absl::Status generated =
        GenerateDemoData(options, [&](DemoBatch batch) {
          const absl::Time recorded_at = absl::FromCivil(
              absl::CivilDay(1970, 1, 1) + batch.recorded_on.days,
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
    return folded;
  }();
  return *state;
}

// The 2021-2024 table of the demo data set, as the server would send it.
v1::RealisationTable DemoTable() {
  RealisationQuery query;
  query.from = Quarter{2021, 1};
  query.to = Quarter{2024, 4};
  v1::RealisationTable table;
  RealisationTableToProto(ComputeRealisation(DemoState(), query), &table);
  return table;
}

// The 2024 quota of the demo's government employers, as the server would
// send it.
v1::QuotaTable DemoQuota() {
  QuotaQuery query;
  query.year = 2024;
  query.sector = Sector::kOverheid;
  v1::QuotaTable table;
  QuotaTableToProto(
      ComputeQuota(DemoState(), DemoState().last_seq(), query).value(), &table);
  return table;
}

// The register dashboard of 2021-2024, as the server would send it.
v1::RegisterFigures DemoRegister() {
  v1::RegisterFigures figures;
  RegisterTableToProto(ComputeRegisterFigures(
                           DemoState(), RegisterQuery{.from = Quarter{2021, 1},
                                                      .to = Quarter{2024, 4},
                                                      .as_of = std::nullopt}),
                       &figures);
  return figures;
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

// Headless Chromium at one CSS pixel per image pixel; without scrollbars the
// layout's width does not depend on the window's height.
std::string Chromium(int height, const std::string& action) {
  return absl::StrCat(
      "chromium --headless --no-sandbox --disable-gpu --hide-scrollbars "
      "--force-device-scale-factor=1 --window-size=1280,",
      height, " ", action, " 2>/dev/null");
}

std::string MakeTempDir() {
  std::string dir = "/tmp/banen_html_report_test_XXXXXX";
  return mkdtemp(dir.data()) == nullptr ? "" : dir;
}

std::string ReportHtml() {
  return RealisationHtml(DemoTable(), "Banenafspraak 2024",
                         /*include_sroi=*/true);
}

class HtmlReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = MakeTempDir();
    ASSERT_FALSE(dir.empty());
    dir_ = new std::string(dir);
    const std::string path = dir + "/report.html";
    std::ofstream(path) << ReportHtml();
    ASSERT_EQ(OutputOf("command -v chromium").empty(), false)
        << "Debian's chromium is required (scripts/setup.sh installs it)";
    dom_ = new std::string(
        OutputOf(Chromium(800, absl::StrCat("--dump-dom file://", path))));
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

// The quota page (banenctl report quota --format=html) as Chromium builds
// it: a row per government sector, then OVERHEID and NATIONAAL, and liable
// employers (the demo sizes them so that most are).
TEST(QuotaHtmlReportTest, HasARowPerGovernmentSectorWithLiableEmployers) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  const std::string path = dir + "/quota.html";
  std::ofstream(path) << QuotaHtml(DemoQuota(), "Banenafspraak: quotum 2024");
  const std::string dom =
      OutputOf(Chromium(800, absl::StrCat("--dump-dom file://", path)));
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  for (int s = static_cast<int>(kFirstGovernmentSector);
       s <= static_cast<int>(kLastGovernmentSector); ++s) {
    const std::string name(SectorName(static_cast<Sector>(s)));
    EXPECT_TRUE(absl::StrContains(
        dom, absl::StrCat("<tr data-quota-sector=\"", name, "\"><td>", name)))
        << name;
  }
  EXPECT_EQ(Count(dom, "<tr data-quota-sector="), 15);
  EXPECT_TRUE(absl::StrContains(
      dom, "<tr data-quota-sector=\"OVERHEID\" class=\"aggregate\">"));
  EXPECT_GT(Count(dom, "<tr data-employer="), 100);
}

// A chart's place on the page, in CSS pixels from the page's top left.
struct ChartBox {
  std::string sector;
  int left = 0;
  int top = 0;
  int width = 0;
  int height = 0;
};

// Appended to a copy of the report: after layout it writes the page's height
// and each chart's box into the DOM, so --dump-dom returns them. The report
// itself has no script; the screenshot is of the report as it is.
// `kind`: the figures' data attribute, data-sector or data-register.
std::string BoxScript(const std::string& kind) {
  return absl::StrReplaceAll(R"(<script>
const lines = [String(document.documentElement.scrollHeight)];
for (const svg of document.querySelectorAll("figure[data-KIND] svg")) {
  const r = svg.getBoundingClientRect();
  lines.push([svg.parentElement.dataset.KIND, Math.floor(r.left + scrollX),
              Math.floor(r.top + scrollY), Math.ceil(r.width),
              Math.ceil(r.height)].join(" "));
}
const out = document.createElement("pre");
out.id = "chart-boxes";
out.textContent = lines.join("\n");
document.body.appendChild(out);
</script>
</body>)",
                             {{"KIND", kind}});
}

// An 8-bit RGBA image, row by row.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgba;
};

bool ReadPng(const std::string& path, Image* image) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path.c_str())) return false;
  png.format = PNG_FORMAT_RGBA;
  image->width = static_cast<int>(png.width);
  image->height = static_cast<int>(png.height);
  image->rgba.resize(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, nullptr, image->rgba.data(), 0, nullptr)) {
    png_image_free(&png);
    return false;
  }
  return true;
}

// The share of the box's pixels that differ from the white page.
double InkShare(const Image& image, const ChartBox& box) {
  int64_t ink = 0;
  for (int y = box.top; y < box.top + box.height; ++y) {
    for (int x = box.left; x < box.left + box.width; ++x) {
      const uint8_t* pixel =
          &image.rgba[(static_cast<size_t>(y) * image.width + x) * 4];
      if (pixel[0] < 250 || pixel[1] < 250 || pixel[2] < 250) ++ink;
    }
  }
  return static_cast<double>(ink) /
         static_cast<double>(int64_t{box.width} * box.height);
}

// A page rendered to a PNG by headless Chromium, and where its charts are:
// a --dump-dom pass over the page with BoxScript(kind) measures the boxes of
// the figures with data-`kind` and the page's height, then a screenshot of
// the whole page. Empty boxes when the script did not run.
struct RenderedPage {
  std::vector<ChartBox> boxes;
  Image image;
};

RenderedPage Render(const std::string& dir, const std::string& html,
                    const std::string& kind) {
  RenderedPage page;
  std::ofstream(dir + "/report.html") << html;
  std::ofstream(dir + "/measure.html")
      << absl::StrReplaceAll(html, {{"</body>", BoxScript(kind)}});
  const std::string dom = OutputOf(
      Chromium(800, absl::StrCat("--dump-dom file://", dir, "/measure.html")));
  const std::string open = "<pre id=\"chart-boxes\">";
  const size_t start = dom.find(open);
  if (start == std::string::npos) {
    ADD_FAILURE() << "the box script did not run";
    return page;
  }
  const size_t end = dom.find("</pre>", start);
  std::istringstream lines(
      dom.substr(start + open.size(), end - start - open.size()));
  int page_height = 0;
  if (!(lines >> page_height)) {
    ADD_FAILURE() << "no page height";
    return page;
  }
  ChartBox box;
  while (lines >> box.sector >> box.left >> box.top >> box.width >>
         box.height) {
    page.boxes.push_back(box);
  }
  const std::string png = dir + "/report.png";
  OutputOf(Chromium(page_height, absl::StrCat("--screenshot=", png, " file://",
                                              dir, "/report.html")));
  EXPECT_TRUE(ReadPng(png, &page.image)) << "no screenshot at " << png;
  return page;
}

class HtmlReportRenderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = MakeTempDir();
    ASSERT_FALSE(dir.empty());
    dir_ = new std::string(dir);
    RenderedPage page = Render(dir, ReportHtml(), "sector");
    boxes_ = new std::vector<ChartBox>(std::move(page.boxes));
    image_ = new Image(std::move(page.image));
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);
    delete dir_;
    delete boxes_;
    delete image_;
  }

  static std::string* dir_;
  static std::vector<ChartBox>* boxes_;
  static Image* image_;
};

std::string* HtmlReportRenderTest::dir_ = nullptr;
std::vector<ChartBox>* HtmlReportRenderTest::boxes_ = nullptr;
Image* HtmlReportRenderTest::image_ = nullptr;

TEST_F(HtmlReportRenderTest, ScreenshotHoldsEveryChartBox) {
  ASSERT_EQ(boxes_->size(), 17u);
  for (const ChartBox& box : *boxes_) {
    // The size the report gives every chart (kChartWidth x kChartHeight).
    EXPECT_EQ(box.width, 420) << box.sector;
    EXPECT_EQ(box.height, 200) << box.sector;
    EXPECT_GE(box.left, 0) << box.sector;
    EXPECT_GE(box.top, 0) << box.sector;
    EXPECT_LE(box.left + box.width, image_->width) << box.sector;
    EXPECT_LE(box.top + box.height, image_->height) << box.sector;
  }
}

TEST_F(HtmlReportRenderTest, EveryChartRendersItsBars) {
  ASSERT_EQ(boxes_->size(), 17u);
  for (const ChartBox& box : *boxes_) {
    if (box.left < 0 || box.top < 0 || box.left + box.width > image_->width ||
        box.top + box.height > image_->height) {
      ADD_FAILURE() << box.sector << " lies outside the screenshot";
      continue;
    }
    // The axis, the labels and the doel line alone ink 2-3% of a chart
    // (measured with the bars' fill set to none); with the bars of 16
    // quarters every chart of this data set inks 12-45%.
    EXPECT_GT(InkShare(*image_, box), 0.06) << box.sector;
  }
}

// The register dashboard's page (issue 14), `banenctl report register
// --format=html`: its table and its two charts in the browser's DOM, and
// ink in both charts' boxes on the screenshot.
class RegisterHtmlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = MakeTempDir();
    ASSERT_FALSE(dir.empty());
    dir_ = new std::string(dir);
    const std::string html =
        RegisterHtml(DemoRegister(), "Banenafspraak: doelgroepregister");
    std::ofstream(dir + "/register.html") << html;
    dom_ = new std::string(OutputOf(Chromium(
        800, absl::StrCat("--dump-dom file://", dir, "/register.html"))));
    page_ = new RenderedPage(Render(dir, html, "register"));
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);
    delete dir_;
    delete dom_;
    delete page_;
  }

  static std::string* dir_;
  static std::string* dom_;
  static RenderedPage* page_;
};

std::string* RegisterHtmlTest::dir_ = nullptr;
std::string* RegisterHtmlTest::dom_ = nullptr;
RenderedPage* RegisterHtmlTest::page_ = nullptr;

TEST_F(RegisterHtmlTest, TableHasARowPerQuarter) {
  // 2021Q1..2024Q4.
  EXPECT_EQ(Count(*dom_, "<tr data-register-quarter="), 16);
  EXPECT_TRUE(absl::StrContains(
      *dom_, "<tr data-register-quarter=\"2024Q4\"><td>2024Q4</td>"));
}

TEST_F(RegisterHtmlTest, ChartsShowRegisteredWorkingInflowAndOutflow) {
  EXPECT_EQ(Count(*dom_, "<figure data-register="), 2);
  EXPECT_EQ(Count(*dom_, "<svg"), 2);
  for (const char* series : {"registered", "working", "inflow", "outflow"}) {
    EXPECT_EQ(Count(*dom_, absl::StrCat("<rect class=\"bar ", series, "\"")),
              16)
        << series;
  }
}

TEST_F(RegisterHtmlTest, ScreenshotShowsInkInBothCharts) {
  ASSERT_EQ(page_->boxes.size(), 2u);
  for (const ChartBox& box : page_->boxes) {
    EXPECT_EQ(box.width, 420) << box.sector;
    EXPECT_EQ(box.height, 200) << box.sector;
    ASSERT_LE(box.left + box.width, page_->image.width) << box.sector;
    ASSERT_LE(box.top + box.height, page_->image.height) << box.sector;
    // The axis and labels alone ink a few percent; 16 quarters of two
    // series of bars ink far more.
    EXPECT_GT(InkShare(page_->image, box), 0.06) << box.sector;
  }
}

}  // namespace
}  // namespace banen
