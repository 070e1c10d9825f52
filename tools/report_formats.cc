#include "tools/report_formats.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/absl_compat.h"
#include "ledger/event.h"
#include "tools/realisation_report.h"
#include "tools/text_table.h"

namespace banen {
namespace {

std::string SectorOf(const v1::RealisationRow& row) {
  return std::string(SectorName(static_cast<Sector>(row.sector())));
}

std::string MeasureOf(v1::RealisationMeasure measure) {
  return absl::StrReplaceAll(v1::RealisationMeasure_Name(measure),
                             {{"REALISATION_MEASURE_", ""}});
}

std::string Hundredths(bool present, int64_t value) {
  return present ? FormatHundredths(value) : "";
}
std::string Tenths(bool present, int64_t value) {
  return present ? FormatTenths(value) : "";
}

bool IsAggregate(const std::string& sector) {
  return sector == "OVERHEID" || sector == "NATIONAAL" ||
         sector == "FUNDEREND_ONDERWIJS";
}

// "+1.50" / "-2" / "0": a change reads as one.
std::string Signed(const std::string& formatted, int64_t value) {
  return value > 0 ? absl::StrCat("+", formatted) : formatted;
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\"", "\"\""}}), "\"");
}

std::string Html(std::string_view text) {
  return absl::StrReplaceAll(
      AbslView(text),
      {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

// The page up to and including its <h1>: the shared style, then
// `extra_style`.
std::string HtmlHead(std::string_view title, std::string_view extra_style) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>",
      Html(title),
      "</title>\n<style>\n"
      "body{font-family:sans-serif;margin:2em;color:#222}\n"
      "table{border-collapse:collapse;margin-bottom:2em}\n"
      "th,td{padding:.25em .6em;border-bottom:1px solid #ddd;"
      "text-align:right}\n"
      "th:first-child,td:first-child{text-align:left}\n"
      "tr.aggregate td{font-weight:bold}\n",
      AbslView(extra_style), "</style>\n</head>\n<body>\n<h1>", Html(title),
      "</h1>\n");
}

// Protobuf JSON with the field names of the .proto files.
absl::StatusOr<std::string> Json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options)
           .ok()) {
    return absl::InternalError("cannot print the table as JSON");
  }
  return json;
}

std::string AsOf(bool has_as_of, const google::protobuf::Timestamp& as_of) {
  return has_as_of ? absl::FormatTime(absl::FromUnixSeconds(as_of.seconds()),
                                      absl::UTCTimeZone())
                   : std::string("-");
}

std::string WireSectorName(v1::Sector sector) {
  return std::string(SectorName(static_cast<Sector>(sector)));
}

std::string RegimeOf(const v1::QuotaTable& table) {
  return absl::StrReplaceAll(v1::Regime_Name(table.regime()),
                             {{"REGIME_", ""}});
}

// The cells of an employer row, in the order of kQuotaColumns.
constexpr std::array<const char*, 11> kQuotaColumns = {
    "employer", "sector",     "paid hours", "previous year",
    "liable",   "percentage", "quota",      "realised h",
    "realised", "shortfall",  "levy EUR"};
std::vector<std::string> QuotaCells(const v1::QuotaRow& row) {
  return {row.employer_id(),
          WireSectorName(row.sector()),
          Hundredths(row.has_paid_hours_x100(), row.paid_hours_x100()),
          Hundredths(row.has_previous_paid_hours_x100(),
                     row.previous_paid_hours_x100()),
          row.liable() ? "yes" : "no",
          Hundredths(row.has_percentage_x100(), row.percentage_x100()),
          FormatHundredths(row.quota_banen_x100()),
          FormatHundredths(row.realised_hours_x100()),
          FormatHundredths(row.realised_banen_x100()),
          FormatTenths(row.shortfall_banen_x10()),
          absl::StrCat(row.levy_euro())};
}

constexpr std::array<const char*, 8> kQuotaTotalColumns = {
    "sector", "employers", "liable",    "paid hours",
    "quota",  "realised",  "shortfall", "levy EUR"};
std::vector<std::string> QuotaTotalCells(const v1::QuotaTotal& total) {
  return {WireSectorName(total.sector()),
          absl::StrCat(total.employers()),
          absl::StrCat(total.liable_employers()),
          FormatHundredths(total.paid_hours_x100()),
          FormatHundredths(total.quota_banen_x100()),
          FormatHundredths(total.realised_banen_x100()),
          FormatTenths(total.shortfall_banen_x10()),
          absl::StrCat(total.levy_euro())};
}

// The cells of a WBA_2026 year row, in the order of kYearColumns.
constexpr std::array<const char*, 12> kYearColumns = {"sector",
                                                      "year",
                                                      "hours",
                                                      "banen",
                                                      "vast",
                                                      "tijdelijk",
                                                      "uitzend lent",
                                                      "detachering lent",
                                                      "sroi form unknown",
                                                      "doel",
                                                      "pct",
                                                      "change"};
std::vector<std::string> YearCells(const v1::YearRow& row) {
  return {WireSectorName(row.sector()),
          absl::StrCat(row.year()),
          FormatHundredths(row.hours_x100()),
          FormatHundredths(row.banen_x100()),
          FormatHundredths(row.banen_vast_x100()),
          FormatHundredths(row.banen_tijdelijk_x100()),
          FormatHundredths(row.banen_inleen_uitzend_x100()),
          FormatHundredths(row.banen_inleen_detachering_x100()),
          FormatHundredths(row.banen_sroi_form_unknown_x100()),
          Hundredths(row.has_doel_x100(), row.doel_x100()),
          Tenths(row.has_realisatiepercentage_x10(),
                 row.realisatiepercentage_x10()),
          Signed(FormatHundredths(row.change_x100()), row.change_x100())};
}

// What a WBA_2026 table counts, for its title line and page.
std::string YearTitle(const v1::RealisationTable& table) {
  return absl::StrCat(
      "Realisation under WBA_2026 (Wet banenafspraak), as of ",
      AsOf(table.has_as_of(), table.as_of()), ", up to seq ", table.last_seq(),
      ": paid hours per calendar year, banen of 1,331 hours; agency work and "
      "secondment count for the lender; one national target");
}

template <size_t N>
TextTable QuotaTextTable(const std::array<const char*, N>& headers) {
  std::vector<TextTable::Column> columns;
  for (size_t i = 0; i < N; ++i) {
    columns.push_back({headers[i], i < 2 ? TextTable::Align::kLeft
                                         : TextTable::Align::kRight});
  }
  return TextTable(std::move(columns));
}

// A row of `cells`, or with no cells the header row of `headers`;
// `attributes` go into the <tr> tag.
template <size_t N>
std::string HtmlRow(const std::vector<std::string>& cells,
                    const std::array<const char*, N>& headers,
                    const std::string& attributes = "") {
  const bool header = cells.empty();
  std::string html = absl::StrCat("<tr", attributes, ">");
  for (size_t i = 0; i < N; ++i) {
    absl::StrAppend(&html, header ? "<th>" : "<td>",
                    Html(header ? headers[i] : cells[i]),
                    header ? "</th>" : "</td>");
  }
  return html + "</tr>";
}

// The realisation forms, bottom to top in the charts.
struct FormSeriesStyle {
  const char* css_class;
  const char* label;
  const char* color;
  int64_t (v1::RealisationRow::*banen_x100)() const;
};
// The realisation's parts: they stack up to banen.
constexpr std::array<FormSeriesStyle, 5> kFormStyles = {{
    {"vast", "vast", "#1f6f8b", &v1::RealisationRow::banen_vast_x100},
    {"tijdelijk", "tijdelijk", "#99c24d",
     &v1::RealisationRow::banen_tijdelijk_x100},
    {"uitzend", "inleen: uitzend", "#f4a259",
     &v1::RealisationRow::banen_inleen_uitzend_x100},
    {"detachering", "inleen: detachering", "#bc4b51",
     &v1::RealisationRow::banen_inleen_detachering_x100},
    {"sroi-form-unknown", "SROI, form not given", "#6d597a",
     &v1::RealisationRow::banen_sroi_form_unknown_x100},
}};
// Never part of the realisation; stacked on top only when asked for.
constexpr FormSeriesStyle kSroiStyle = {"sroi", "SROI", "#b8b8b8",
                                        &v1::RealisationRow::banen_sroi_x100};

constexpr double kChartWidth = 420;
constexpr double kChartHeight = 200;
constexpr double kLeft = 56;
constexpr double kRight = 10;
constexpr double kTop = 12;
constexpr double kBottom = 28;

// The <svg> of a chart, its x axis at `y_zero` and the axis labels: 0, and
// `top_label` at `y_top`.
std::string ChartStart(std::string_view aria_label, double y_zero, double y_top,
                       std::string_view top_label) {
  return absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
      "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
      "aria-label=\"%s\">\n"
      "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
      "stroke=\"#555\"/>\n<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
      "text-anchor=\"end\">%s</text>\n<text x=\"%.1f\" y=\"%.1f\" "
      "font-size=\"10\" text-anchor=\"end\">0</text>\n",
      kChartWidth, kChartHeight, kChartWidth, kChartHeight, Html(aria_label),
      kLeft, y_zero, kChartWidth - kRight, y_zero, kLeft - 4, y_top + 10,
      Html(top_label), kLeft - 4, y_zero);
}

// Labels every quarter of a chart of few quarters, else only the Q1s.
void AppendQuarterLabel(const std::string& quarter, size_t quarters, double x,
                        std::string* svg) {
  if (quarters > 8 && !quarter.ends_with("Q1")) return;
  absl::StrAppendFormat(svg,
                        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" "
                        "text-anchor=\"middle\">%s</text>\n",
                        x, kChartHeight - 10, Html(quarter));
}

// Banen per quarter stacked by form, the doel as a dashed line.
std::string Chart(const std::string& sector,
                  const std::vector<const v1::RealisationRow*>& quarters,
                  bool include_sroi) {
  std::vector<FormSeriesStyle> series(kFormStyles.begin(), kFormStyles.end());
  if (include_sroi) series.push_back(kSroiStyle);
  double top = 1;
  for (const auto* row : quarters) {
    const int64_t stacked_x100 =
        row->banen_x100() + (include_sroi ? row->banen_sroi_x100() : 0);
    top = std::max({top, static_cast<double>(stacked_x100) / 100,
                    row->has_doel_x100()
                        ? static_cast<double>(row->doel_x100()) / 100
                        : 0.0});
  }
  top *= 1.1;
  const double plot_width = kChartWidth - kLeft - kRight;
  const double plot_height = kChartHeight - kTop - kBottom;
  const double slot = plot_width / static_cast<double>(quarters.size());
  const auto y = [&](double banen) {
    return kTop + plot_height * (1 - banen / top);
  };
  std::string svg = ChartStart(
      absl::StrCat(sector, ": banen per quarter by contract form, and doel"),
      y(0), y(top), FormatHundredths(static_cast<int64_t>(top * 100)));
  std::vector<std::string> doel_points;
  for (size_t i = 0; i < quarters.size(); ++i) {
    const v1::RealisationRow& row = *quarters[i];
    const double x = kLeft + slot * static_cast<double>(i) + slot * 0.15;
    double stacked = 0;
    for (const FormSeriesStyle& form : series) {
      const double banen = static_cast<double>((row.*form.banen_x100)()) / 100;
      if (banen <= 0) continue;
      absl::StrAppendFormat(
          &svg,
          "<rect class=\"bar %s\" data-quarter=\"%s\" x=\"%.1f\" y=\"%.1f\" "
          "width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s %s: %s "
          "banen</title></rect>\n",
          form.css_class, Html(row.quarter()), x, y(stacked + banen),
          slot * 0.7, y(stacked) - y(stacked + banen), form.color,
          Html(row.quarter()), form.label,
          FormatHundredths((row.*form.banen_x100)()));
      stacked += banen;
    }
    if (row.has_doel_x100()) {
      doel_points.push_back(
          absl::StrFormat("%.1f,%.1f", x + slot * 0.35,
                          y(static_cast<double>(row.doel_x100()) / 100)));
    }
    AppendQuarterLabel(row.quarter(), quarters.size(), x + slot * 0.35, &svg);
  }
  if (!doel_points.empty()) {
    absl::StrAppendFormat(
        &svg,
        "<polyline class=\"doel\" points=\"%s\" fill=\"none\" "
        "stroke=\"#222\" stroke-width=\"2\" stroke-dasharray=\"5,3\">"
        "<title>doel</title></polyline>\n",
        absl::StrJoin(doel_points, " "));
  }
  svg += "</svg>\n";
  return svg;
}

// One series of a register chart: a bar per quarter beside the others.
struct RegisterSeries {
  const char* css_class;
  const char* label;
  const char* color;
  int64_t (v1::RegisterQuarter::*persons)() const;
};

// Persons per quarter, the series' bars side by side.
std::string RegisterChart(const v1::RegisterFigures& figures,
                          std::string_view what,
                          const std::vector<RegisterSeries>& series) {
  double top = 1;
  for (const v1::RegisterQuarter& quarter : figures.quarters()) {
    for (const RegisterSeries& s : series) {
      top = std::max(top, static_cast<double>((quarter.*s.persons)()));
    }
  }
  top *= 1.1;
  const double plot_width = kChartWidth - kLeft - kRight;
  const double plot_height = kChartHeight - kTop - kBottom;
  const double slot =
      plot_width / static_cast<double>(std::max(figures.quarters_size(), 1));
  const double bar = slot * 0.8 / static_cast<double>(series.size());
  const auto y = [&](double persons) {
    return kTop + plot_height * (1 - persons / top);
  };
  std::string svg =
      ChartStart(absl::StrCat("register: ", AbslView(what), " per quarter"),
                 y(0), y(top), absl::StrFormat("%.0f", top));
  for (int i = 0; i < figures.quarters_size(); ++i) {
    const v1::RegisterQuarter& quarter = figures.quarters(i);
    const double x = kLeft + slot * i + slot * 0.1;
    for (size_t k = 0; k < series.size(); ++k) {
      const RegisterSeries& s = series[k];
      const int64_t persons = (quarter.*s.persons)();
      absl::StrAppendFormat(
          &svg,
          "<rect class=\"bar %s\" data-quarter=\"%s\" x=\"%.1f\" "
          "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
          "<title>%s %s: %d persons</title></rect>\n",
          s.css_class, Html(quarter.quarter()),
          x + bar * static_cast<double>(k), y(static_cast<double>(persons)),
          bar, y(0) - y(static_cast<double>(persons)), s.color,
          Html(quarter.quarter()), s.label, persons);
    }
    AppendQuarterLabel(quarter.quarter(),
                       static_cast<size_t>(figures.quarters_size()),
                       x + slot * 0.4, &svg);
  }
  svg += "</svg>\n";
  return svg;
}

std::string GrondslagOf(const v1::GrondslagCount& count) {
  return std::string(GrondslagName(static_cast<Grondslag>(count.grondslag())));
}

std::string ReasonOf(const v1::DeregistrationCount& count) {
  return std::string(DeregistrationReasonName(
      static_cast<DeregistrationReason>(count.reason())));
}

// "WAJONG 12; PRO_VSO 3": the parts of a flow; "-" without any.
template <typename Counts, typename Name>
std::string Parts(const Counts& counts, Name name) {
  if (counts.empty()) return "-";
  return absl::StrJoin(counts, "; ", [&](std::string* out, const auto& c) {
    absl::StrAppend(out, name(c), " ", c.persons());
  });
}

// Working as a share of registered, in tenths of a percent ("51.8").
std::string WorkingShare(const v1::RegisterQuarter& quarter) {
  if (quarter.registered() == 0) return "";
  return FormatTenths((quarter.working() * 2000 / quarter.registered() + 1) /
                      2);
}

}  // namespace

std::string RealisationCsv(const v1::RealisationTable& table) {
  std::string csv =
      "sector,employer_id,quarter,measure,banen,vast,tijdelijk,"
      "inleen_uitzend,inleen_detachering,sroi,banen_incl_sroi,persons,jobs,"
      "doel,realisatiepercentage,realisatiepercentage_incl_sroi,baseline,"
      "extra,started,ended,converted,change,sroi_form_unknown,persons_vast,"
      "persons_tijdelijk,persons_inleen_uitzend,persons_inleen_detachering,"
      "change_year,change_year_vast,change_year_tijdelijk,"
      "change_year_inleen_uitzend,change_year_inleen_detachering,"
      "change_year_sroi,persons_change_year\n";
  for (const v1::RealisationRow& row : table.rows()) {
    const std::vector<std::string> fields = {
        SectorOf(row),
        CsvField(row.employer_id()),
        row.quarter(),
        MeasureOf(row.measure()),
        FormatHundredths(row.banen_x100()),
        FormatHundredths(row.banen_vast_x100()),
        FormatHundredths(row.banen_tijdelijk_x100()),
        FormatHundredths(row.banen_inleen_uitzend_x100()),
        FormatHundredths(row.banen_inleen_detachering_x100()),
        FormatHundredths(row.banen_sroi_x100()),
        FormatHundredths(row.banen_incl_sroi_x100()),
        absl::StrCat(row.persons()),
        absl::StrCat(row.jobs()),
        Hundredths(row.has_doel_x100(), row.doel_x100()),
        Tenths(row.has_realisatiepercentage_x10(),
               row.realisatiepercentage_x10()),
        Tenths(row.has_realisatiepercentage_incl_sroi_x10(),
               row.realisatiepercentage_incl_sroi_x10()),
        Hundredths(row.has_baseline_x100(), row.baseline_x100()),
        Hundredths(row.has_extra_x100(), row.extra_x100()),
        absl::StrCat(row.flows().started()),
        absl::StrCat(row.flows().ended_total()),
        absl::StrCat(row.flows().converted_total()),
        FormatHundredths(row.change_x100()),
        FormatHundredths(row.banen_sroi_form_unknown_x100()),
        absl::StrCat(row.persons_vast()),
        absl::StrCat(row.persons_tijdelijk()),
        absl::StrCat(row.persons_inleen_uitzend()),
        absl::StrCat(row.persons_inleen_detachering()),
        FormatHundredths(row.change_year_x100()),
        FormatHundredths(row.change_year_vast_x100()),
        FormatHundredths(row.change_year_tijdelijk_x100()),
        FormatHundredths(row.change_year_inleen_uitzend_x100()),
        FormatHundredths(row.change_year_inleen_detachering_x100()),
        FormatHundredths(row.change_year_sroi_x100()),
        absl::StrCat(row.persons_change_year()),
    };
    absl::StrAppend(&csv, absl::StrJoin(fields, ","), "\n");
  }
  return csv;
}

std::string MonitorReport(const v1::RealisationTable& table) {
  if (table.monitor_rows().empty()) return "";
  using Align = TextTable::Align;
  TextTable text({{"monitor", Align::kLeft},
                  {"quarter", Align::kLeft},
                  {"key overheid %", Align::kRight},
                  {"formal", Align::kRight},
                  {"inleen", Align::kRight},
                  {"banen", Align::kRight},
                  {"baseline formal", Align::kRight},
                  {"baseline inleen", Align::kRight},
                  {"extra formal", Align::kRight},
                  {"extra inleen", Align::kRight},
                  {"extra", Align::kRight}});
  for (const v1::MonitorRow& row : table.monitor_rows()) {
    text.AddRow(
        {std::string(SectorName(static_cast<Sector>(row.sector()))),
         row.quarter(),
         Tenths(row.has_inleen_key_overheid_x10(),
                row.inleen_key_overheid_x10()),
         FormatHundredths(row.formal_x100()),
         Hundredths(row.has_inleen_x100(), row.inleen_x100()),
         Hundredths(row.has_banen_x100(), row.banen_x100()),
         FormatHundredths(row.baseline_formal_x100()),
         Hundredths(row.has_baseline_inleen_x100(), row.baseline_inleen_x100()),
         FormatHundredths(row.extra_formal_x100()),
         Hundredths(row.has_extra_inleen_x100(), row.extra_inleen_x100()),
         Hundredths(row.has_extra_x100(), row.extra_x100())});
  }
  const v1::MonitorRow& first = table.monitor_rows(0);
  return absl::StrCat(
      "National monitor (SZW letters): formal jobs by employer sector, "
      "inleen of all hirers split by the verdeelsleutel; baseline 31-12-2012, "
      "inleen ",
      FormatHundredths(first.baseline_inleen_total_x100()), " keyed ",
      Tenths(first.has_baseline_inleen_key_overheid_x10(),
             first.baseline_inleen_key_overheid_x10()),
      "% overheid\n\n", text.Render());
}

std::string MonitorLetter(const v1::RealisationTable& table) {
  if (table.monitor_rows().empty()) return "No figures.\n";
  std::string quarter;
  for (const v1::MonitorRow& row : table.monitor_rows()) {
    quarter = std::max(quarter, row.quarter());  // "YYYYQn" sorts as text
  }
  // The quarter a year earlier: the SZW letters' "against last year".
  int year = 0;
  std::string year_earlier;
  if (absl::SimpleAtoi(quarter.substr(0, 4), &year)) {
    year_earlier = absl::StrCat(year - 1, quarter.substr(4));
  }
  std::map<int, const v1::MonitorRow*> now;
  std::map<int, const v1::MonitorRow*> before;
  for (const v1::MonitorRow& row : table.monitor_rows()) {
    if (row.quarter() == quarter) now[row.sector()] = &row;
    if (row.quarter() == year_earlier) before[row.sector()] = &row;
  }
  using Align = TextTable::Align;
  std::vector<TextTable::Column> columns = {{"", Align::kLeft}};
  std::vector<const v1::MonitorRow*> shown;
  std::vector<const v1::MonitorRow*> shown_before;
  for (Sector sector :
       {Sector::kMarkt, Sector::kOverheid, Sector::kNationaal}) {
    const auto it = now.find(static_cast<int>(sector));
    if (it == now.end()) continue;
    columns.push_back({std::string(SectorName(sector)), Align::kRight});
    shown.push_back(it->second);
    const auto earlier = before.find(static_cast<int>(sector));
    shown_before.push_back(earlier == before.end() ? nullptr : earlier->second);
  }
  TextTable text(std::move(columns));
  const auto add = [&](std::string label, auto cell) {
    std::vector<std::string> cells = {std::move(label)};
    for (size_t i = 0; i < shown.size(); ++i) {
      cells.push_back(cell(*shown[i], shown_before[i]));
    }
    text.AddRow(std::move(cells));
  };
  add("extra formal", [](const v1::MonitorRow& row, const v1::MonitorRow*) {
    return FormatHundredths(row.extra_formal_x100());
  });
  add("extra inleen", [](const v1::MonitorRow& row, const v1::MonitorRow*) {
    return Hundredths(row.has_extra_inleen_x100(), row.extra_inleen_x100());
  });
  add("extra", [](const v1::MonitorRow& row, const v1::MonitorRow*) {
    return Hundredths(row.has_extra_x100(), row.extra_x100());
  });
  add("stock formal", [](const v1::MonitorRow& row, const v1::MonitorRow*) {
    return FormatHundredths(row.formal_x100());
  });
  add("stock inleen", [](const v1::MonitorRow& row, const v1::MonitorRow*) {
    return Hundredths(row.has_inleen_x100(), row.inleen_x100());
  });
  add("stock", [](const v1::MonitorRow& row, const v1::MonitorRow*) {
    return Hundredths(row.has_banen_x100(), row.banen_x100());
  });
  add("baseline formal", [](const v1::MonitorRow& row, const v1::MonitorRow*) {
    return FormatHundredths(row.baseline_formal_x100());
  });
  add("baseline inleen", [](const v1::MonitorRow& row, const v1::MonitorRow*) {
    return Hundredths(row.has_baseline_inleen_x100(),
                      row.baseline_inleen_x100());
  });
  add("baseline", [](const v1::MonitorRow& row, const v1::MonitorRow*) {
    return Hundredths(row.has_baseline_x100(), row.baseline_x100());
  });
  if (!before.empty()) {
    // Both extras are against the same baseline: their difference is the
    // change of the stock, each part from its own rounded figures.
    const auto add_change = [&](const char* part, auto extra_x100) {
      add(absl::StrCat("change", part, " vs ", year_earlier),
          [&](const v1::MonitorRow& row,
              const v1::MonitorRow* was) -> std::string {
            if (was == nullptr) return "";
            const std::optional<int64_t> now = extra_x100(row);
            const std::optional<int64_t> then = extra_x100(*was);
            if (!now.has_value() || !then.has_value()) return "";
            return Signed(FormatHundredths(*now - *then), *now - *then);
          });
    };
    using Extra = std::optional<int64_t>;
    add_change(" formal", [](const v1::MonitorRow& row) -> Extra {
      return row.extra_formal_x100();
    });
    add_change(" inleen", [](const v1::MonitorRow& row) -> Extra {
      if (!row.has_extra_inleen_x100()) return std::nullopt;
      return row.extra_inleen_x100();
    });
    add_change("", [](const v1::MonitorRow& row) -> Extra {
      if (!row.has_extra_x100()) return std::nullopt;
      return row.extra_x100();
    });
  }
  const v1::MonitorRow& any = *shown.front();
  return absl::StrCat(
      "Banenafspraak ", quarter, ": national monitor (SZW letters; ",
      MeasureOf(any.measure()),
      ", banen van 25,5 uur per week)\nFormal jobs by employer sector; "
      "inleen of all hirers (",
      FormatHundredths(any.inleen_total_x100()), ") keyed ",
      Tenths(any.has_inleen_key_overheid_x10(), any.inleen_key_overheid_x10()),
      "% overheid; extra banen against 31-12-2012 (inleen ",
      FormatHundredths(any.baseline_inleen_total_x100()), " keyed ",
      Tenths(any.has_baseline_inleen_key_overheid_x10(),
             any.baseline_inleen_key_overheid_x10()),
      "% overheid)\n\n", text.Render());
}

std::string RealisationLetter(const v1::RealisationTable& table) {
  std::map<int, const v1::RealisationRow*> last_by_sector;
  for (const v1::RealisationRow& row : table.rows()) {
    if (row.employer_id().empty()) last_by_sector[row.sector()] = &row;
  }
  if (last_by_sector.empty()) return "No figures.\n";
  using Align = TextTable::Align;
  TextTable text({{"sector", Align::kLeft},
                  {"doel", Align::kRight},
                  {"realisatie", Align::kRight},
                  {"%", Align::kRight},
                  {"SROI", Align::kRight},
                  {"% incl. SROI", Align::kRight}});
  const auto add = [&](Sector sector) {
    const auto it = last_by_sector.find(static_cast<int>(sector));
    if (it == last_by_sector.end()) return;
    const v1::RealisationRow& row = *it->second;
    const bool sroi = row.banen_sroi_x100() != 0;
    text.AddRow({std::string(SectorName(sector)),
                 Hundredths(row.has_doel_x100(), row.doel_x100()),
                 FormatHundredths(row.banen_x100()),
                 Tenths(row.has_realisatiepercentage_x10(),
                        row.realisatiepercentage_x10()),
                 sroi ? FormatHundredths(row.banen_sroi_x100()) : "",
                 sroi ? Tenths(row.has_realisatiepercentage_incl_sroi_x10(),
                               row.realisatiepercentage_incl_sroi_x10())
                      : ""});
  };
  for (int s = static_cast<int>(kFirstGovernmentSector);
       s <= static_cast<int>(kLastGovernmentSector); ++s) {
    add(static_cast<Sector>(s));
    // As the 2021-2022 letters: the two school sectors, then together.
    if (static_cast<Sector>(s) == Sector::kVoortgezetOnderwijs) {
      add(Sector::kFunderendOnderwijs);
    }
  }
  for (Sector sector :
       {Sector::kOverheid, Sector::kMarkt, Sector::kNationaal}) {
    add(sector);
  }
  const v1::RealisationRow& any = *last_by_sector.begin()->second;
  const std::string monitor = MonitorReport(table);
  return absl::StrCat("Banenafspraak ", any.quarter(), ": doel en realisatie (",
                      MeasureOf(any.measure()),
                      ", banen van 25,5 uur per week)\n\n", text.Render(),
                      monitor.empty() ? "" : "\n", monitor);
}

absl::StatusOr<std::string> RealisationJson(const v1::RealisationTable& table) {
  return Json(table);
}

std::string RealisationHtml(const v1::RealisationTable& table,
                            std::string_view title, bool include_sroi,
                            const v1::RegisterFigures* register_figures) {
  // Sector rows by sector, in table order, each with its quarters.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const v1::RealisationRow*>> by_sector;
  for (const v1::RealisationRow& row : table.rows()) {
    if (!row.employer_id().empty()) continue;
    const std::string sector = SectorOf(row);
    if (!by_sector.contains(sector)) order.push_back(sector);
    by_sector[sector].push_back(&row);
  }
  std::string html =
      HtmlHead(title,
               ".charts{display:flex;flex-wrap:wrap;gap:1em}\n"
               "figure{margin:0}\nfigcaption{font-weight:bold}\n"
               ".legend span{display:inline-block;width:.9em;height:.9em;"
               "margin:0 .3em 0 1em;vertical-align:middle}\n");
  if (order.empty()) {
    html += "<p>No figures.</p>\n</body>\n</html>\n";
    return html;
  }
  const v1::RealisationRow& any = *by_sector[order.front()].back();
  absl::StrAppend(&html, "<p>", Html(MeasureOf(any.measure())),
                  " figures in banen of 25.5 hours, ", "as known at ",
                  AsOf(table.has_as_of(), table.as_of()), " (up to seq ",
                  table.last_seq(), ").</p>\n");
  absl::StrAppend(&html, "<h2>", Html(any.quarter()), "</h2>\n",
                  "<table id=\"realisation\">\n<thead><tr><th>sector</th>"
                  "<th>doel</th><th>realisatie</th><th>%</th><th>vast</th>"
                  "<th>tijdelijk</th><th>uitzend</th><th>detachering</th>"
                  "<th>SROI</th><th>% incl. SROI</th><th>extra banen</th>"
                  "</tr></thead>\n<tbody>\n");
  for (const std::string& sector : order) {
    const v1::RealisationRow& row = *by_sector[sector].back();
    const bool aggregate = IsAggregate(sector);
    absl::StrAppend(
        &html, "<tr data-sector=\"", Html(sector), "\"",
        aggregate ? " class=\"aggregate\"" : "", "><td>", Html(sector),
        "</td><td>", Hundredths(row.has_doel_x100(), row.doel_x100()),
        "</td><td>", FormatHundredths(row.banen_x100()), "</td><td>",
        Tenths(row.has_realisatiepercentage_x10(),
               row.realisatiepercentage_x10()),
        "</td><td>", FormatHundredths(row.banen_vast_x100()), "</td><td>",
        FormatHundredths(row.banen_tijdelijk_x100()), "</td><td>",
        FormatHundredths(row.banen_inleen_uitzend_x100()), "</td><td>",
        FormatHundredths(row.banen_inleen_detachering_x100()), "</td><td>",
        FormatHundredths(row.banen_sroi_x100()), "</td><td>",
        Tenths(row.has_realisatiepercentage_incl_sroi_x10(),
               row.realisatiepercentage_incl_sroi_x10()),
        "</td><td>", Hundredths(row.has_extra_x100(), row.extra_x100()),
        "</td></tr>\n");
  }
  html += "</tbody>\n</table>\n";
  // The SZW letters compare with the same quarter a year earlier.
  absl::StrAppend(
      &html, "<h2>", Html(any.quarter()),
      ": persons per form and change</h2>\n<table id=\"persons\">\n"
      "<thead><tr><th>sector</th><th>persons</th><th>vast</th>"
      "<th>tijdelijk</th><th>uitzend</th><th>detachering</th>"
      "<th>banen vs previous quarter</th><th>banen vs a year earlier</th>"
      "<th>vast</th><th>tijdelijk</th><th>uitzend</th><th>detachering</th>"
      "<th>persons vs a year earlier</th></tr></thead>\n<tbody>\n");
  for (const std::string& sector : order) {
    const v1::RealisationRow& row = *by_sector[sector].back();
    const auto banen = [](int64_t x100) {
      return Signed(FormatHundredths(x100), x100);
    };
    absl::StrAppend(
        &html, "<tr data-persons-of=\"", Html(sector), "\"",
        IsAggregate(sector) ? " class=\"aggregate\"" : "", "><td>",
        Html(sector), "</td><td>", row.persons(), "</td><td>",
        row.persons_vast(), "</td><td>", row.persons_tijdelijk(), "</td><td>",
        row.persons_inleen_uitzend(), "</td><td>",
        row.persons_inleen_detachering(), "</td><td>", banen(row.change_x100()),
        "</td><td>", banen(row.change_year_x100()), "</td><td>",
        banen(row.change_year_vast_x100()), "</td><td>",
        banen(row.change_year_tijdelijk_x100()), "</td><td>",
        banen(row.change_year_inleen_uitzend_x100()), "</td><td>",
        banen(row.change_year_inleen_detachering_x100()), "</td><td>",
        Signed(absl::StrCat(row.persons_change_year()),
               row.persons_change_year()),
        "</td></tr>\n");
  }
  html += "</tbody>\n</table>\n<p class=\"legend\">";
  for (const FormSeriesStyle& form : kFormStyles) {
    absl::StrAppend(&html, "<span style=\"background:", form.color,
                    "\"></span>", form.label);
  }
  if (include_sroi) {
    absl::StrAppend(&html, "<span style=\"background:", kSroiStyle.color,
                    "\"></span>", kSroiStyle.label,
                    " (not in the realisation)");
  }
  html += " &nbsp; - - doel</p>\n";
  const auto charts = [&](const char* heading, bool aggregates) {
    absl::StrAppend(&html, "<h2>", heading, "</h2>\n<div class=\"charts\">\n");
    for (const std::string& sector : order) {
      if (IsAggregate(sector) != aggregates) {
        continue;
      }
      absl::StrAppend(&html, "<figure data-sector=\"", Html(sector),
                      "\"><figcaption>", Html(sector), "</figcaption>\n",
                      Chart(sector, by_sector[sector], include_sroi),
                      "</figure>\n");
    }
    html += "</div>\n";
  };
  if (!table.monitor_rows().empty()) {
    absl::StrAppend(
        &html,
        "<h2>National monitor: markt and overheid as the SZW letters count "
        "them</h2>\n<p>Formal jobs by employer sector; inleen (uitzend and "
        "detachering of all hirers) split by the year's verdeelsleutel, the "
        "baseline (31-12-2012) by the key of 2012.</p>\n"
        "<table id=\"monitor\">\n<thead><tr><th>monitor</th><th>quarter</th>"
        "<th>key overheid %</th><th>formal</th><th>inleen</th><th>banen</th>"
        "<th>extra formal</th><th>extra inleen</th><th>extra banen</th>"
        "</tr></thead>\n<tbody>\n");
    for (const v1::MonitorRow& row : table.monitor_rows()) {
      const std::string sector(SectorName(static_cast<Sector>(row.sector())));
      absl::StrAppend(
          &html, "<tr data-monitor=\"", Html(sector), "\" data-quarter=\"",
          Html(row.quarter()), "\"><td>", Html(sector), "</td><td>",
          Html(row.quarter()), "</td><td>",
          Tenths(row.has_inleen_key_overheid_x10(),
                 row.inleen_key_overheid_x10()),
          "</td><td>", FormatHundredths(row.formal_x100()), "</td><td>",
          Hundredths(row.has_inleen_x100(), row.inleen_x100()), "</td><td>",
          Hundredths(row.has_banen_x100(), row.banen_x100()), "</td><td>",
          FormatHundredths(row.extra_formal_x100()), "</td><td>",
          Hundredths(row.has_extra_inleen_x100(), row.extra_inleen_x100()),
          "</td><td>", Hundredths(row.has_extra_x100(), row.extra_x100()),
          "</td></tr>\n");
    }
    html += "</tbody>\n</table>\n";
  }
  charts("Aggregates against their targets", true);
  charts("Realisation against doel per sector", false);
  if (register_figures != nullptr) html += RegisterSection(*register_figures);
  html += "</body>\n</html>\n";
  return html;
}

std::string QuotaReport(const v1::QuotaTable& table, bool with_employers) {
  TextTable employers = QuotaTextTable(kQuotaColumns);
  for (const v1::QuotaRow& row : table.rows()) {
    employers.AddRow(QuotaCells(row));
  }
  std::string employer_lines;
  if (with_employers) {
    employer_lines = absl::StrCat(
        table.rows().empty() ? "No employers.\n" : employers.Render(), "\n");
  }
  TextTable totals = QuotaTextTable(kQuotaTotalColumns);
  for (const v1::QuotaTotal& total : table.totals()) {
    totals.AddRow(QuotaTotalCells(total));
  }
  return absl::StrCat(
      "Quota ", table.year(), " (", RegimeOf(table), "), as of ",
      AsOf(table.has_as_of(), table.as_of()), ", up to seq ", table.last_seq(),
      ": banen of 1,331 hours; shortfall rounded down to 0.1 baan, levy EUR "
      "5,000 per missing baan\n\n",
      employer_lines, totals.Render());
}

std::string QuotaCsv(const v1::QuotaTable& table) {
  std::string csv = absl::StrCat(
      "year,regime,",
      absl::StrReplaceAll(absl::StrJoin(kQuotaColumns, ","), {{" ", "_"}}),
      "\n");
  for (const v1::QuotaRow& row : table.rows()) {
    std::vector<std::string> cells = QuotaCells(row);
    for (std::string& cell : cells) cell = CsvField(cell);
    absl::StrAppend(&csv, table.year(), ",", RegimeOf(table), ",",
                    absl::StrJoin(cells, ","), "\n");
  }
  return csv;
}

std::string YearReport(const v1::RealisationTable& table) {
  TextTable rows = QuotaTextTable(kYearColumns);
  for (const v1::YearRow& row : table.year_rows()) rows.AddRow(YearCells(row));
  return absl::StrCat(
      YearTitle(table), "\n\n",
      table.year_rows().empty() ? "No figures.\n" : rows.Render());
}

std::string YearCsv(const v1::RealisationTable& table) {
  std::string csv = absl::StrCat(
      absl::StrReplaceAll(absl::StrJoin(kYearColumns, ","), {{" ", "_"}}),
      "\n");
  for (const v1::YearRow& row : table.year_rows()) {
    absl::StrAppend(&csv, absl::StrJoin(YearCells(row), ","), "\n");
  }
  return csv;
}

std::string YearHtml(const v1::RealisationTable& table,
                     std::string_view title) {
  std::string html =
      absl::StrCat(HtmlHead(title, ""), "<p>", Html(YearTitle(table)),
                   ".</p>\n<table id=\"wba\">\n<thead>",
                   HtmlRow({}, kYearColumns), "</thead>\n<tbody>\n");
  for (const v1::YearRow& row : table.year_rows()) {
    const std::string sector = WireSectorName(row.sector());
    absl::StrAppend(
        &html,
        HtmlRow(
            YearCells(row), kYearColumns,
            absl::StrCat(" data-wba-sector=\"", Html(sector), "\" data-year=\"",
                         row.year(), "\"",
                         IsAggregate(sector) ? " class=\"aggregate\"" : "")),
        "\n");
  }
  html += "</tbody>\n</table>\n</body>\n</html>\n";
  return html;
}

std::string RegisterReport(const v1::RegisterFigures& figures) {
  TextTable table({{"quarter", TextTable::Align::kLeft},
                   {"registered"},
                   {"working"},
                   {"%"},
                   {"inflow"},
                   {"outflow"},
                   {"found work"},
                   {"lost work"},
                   {"banen"},
                   {"markt formal"},
                   {"overheid formal"},
                   {"inleen"},
                   {"change"}});
  std::string flows;
  for (const v1::RegisterQuarter& q : figures.quarters()) {
    table.AddRow({q.quarter(), absl::StrCat(q.registered()),
                  absl::StrCat(q.working()), WorkingShare(q),
                  absl::StrCat(q.inflow_total()),
                  absl::StrCat(q.outflow_total()), absl::StrCat(q.found_work()),
                  absl::StrCat(q.lost_work()), FormatHundredths(q.banen_x100()),
                  FormatHundredths(q.banen_markt_formal_x100()),
                  FormatHundredths(q.banen_overheid_formal_x100()),
                  FormatHundredths(q.banen_inleen_x100()),
                  Signed(FormatHundredths(q.change_banen_x100()),
                         q.change_banen_x100())});
    absl::StrAppend(&flows, q.quarter(),
                    " inflow by grondslag: ", Parts(q.inflow(), GrondslagOf),
                    "\n", q.quarter(),
                    " outflow by reason: ", Parts(q.outflow(), ReasonOf), "\n");
  }
  return absl::StrCat("Register (doelgroepregister), last seq ",
                      figures.last_seq(), "\n", table.Render(), "\n", flows);
}

std::string RegisterCsv(const v1::RegisterFigures& figures) {
  std::string csv =
      "quarter,registered,working,inflow,outflow,found_work,lost_work,banen,"
      "banen_markt_formal,banen_overheid_formal,banen_inleen,change_banen,"
      "change_markt_formal,change_overheid_formal,change_inleen";
  for (int g = 0; g < kGrondslagCount; ++g) {
    absl::StrAppend(&csv, ",inflow_",
                    absl::AsciiStrToLower(
                        AbslView(GrondslagName(static_cast<Grondslag>(g)))));
  }
  for (int r = 0; r < kDeregistrationReasonCount; ++r) {
    absl::StrAppend(&csv, ",outflow_",
                    absl::AsciiStrToLower(AbslView(DeregistrationReasonName(
                        static_cast<DeregistrationReason>(r)))));
  }
  csv += "\n";
  for (const v1::RegisterQuarter& q : figures.quarters()) {
    absl::StrAppend(&csv, CsvField(q.quarter()), ",", q.registered(), ",",
                    q.working(), ",", q.inflow_total(), ",", q.outflow_total(),
                    ",", q.found_work(), ",", q.lost_work(), ",",
                    FormatHundredths(q.banen_x100()), ",",
                    FormatHundredths(q.banen_markt_formal_x100()), ",",
                    FormatHundredths(q.banen_overheid_formal_x100()), ",",
                    FormatHundredths(q.banen_inleen_x100()), ",",
                    FormatHundredths(q.change_banen_x100()), ",",
                    FormatHundredths(q.change_markt_formal_x100()), ",",
                    FormatHundredths(q.change_overheid_formal_x100()), ",",
                    FormatHundredths(q.change_inleen_x100()));
    std::array<int64_t, kGrondslagCount> inflow{};
    for (const v1::GrondslagCount& c : q.inflow()) {
      if (c.grondslag() >= 0 && c.grondslag() < kGrondslagCount) {
        inflow[c.grondslag()] = c.persons();
      }
    }
    std::array<int64_t, kDeregistrationReasonCount> outflow{};
    for (const v1::DeregistrationCount& c : q.outflow()) {
      if (c.reason() >= 0 && c.reason() < kDeregistrationReasonCount) {
        outflow[c.reason()] = c.persons();
      }
    }
    absl::StrAppend(&csv, ",", absl::StrJoin(inflow, ","), ",",
                    absl::StrJoin(outflow, ","), "\n");
  }
  return csv;
}

absl::StatusOr<std::string> QuotaJson(const v1::QuotaTable& table) {
  return Json(table);
}

std::string QuotaHtml(const v1::QuotaTable& table, std::string_view title) {
  std::string html = absl::StrCat(
      HtmlHead(title, ""), "<p>", Html(RegimeOf(table)), ", as known at ",
      Html(AsOf(table.has_as_of(), table.as_of())), " (up to seq ",
      table.last_seq(),
      "). Quota and realisation in banen of 1,331 hours a year; the "
      "shortfall of each liable employer rounded down to 0.1 baan, the levy "
      "EUR 5,000 per missing baan.</p>\n<h2>Per sector</h2>\n"
      "<table id=\"quota\">\n<thead>",
      HtmlRow({}, kQuotaTotalColumns), "</thead>\n<tbody>\n");
  for (const v1::QuotaTotal& total : table.totals()) {
    const std::string sector = WireSectorName(total.sector());
    absl::StrAppend(
        &html,
        HtmlRow(
            QuotaTotalCells(total), kQuotaTotalColumns,
            absl::StrCat(" data-quota-sector=\"", Html(sector), "\"",
                         IsAggregate(sector) ? " class=\"aggregate\"" : "")),
        "\n");
  }
  absl::StrAppend(&html,
                  "</tbody>\n</table>\n<h2>Liable employers</h2>\n"
                  "<table id=\"quota-employers\">\n<thead>",
                  HtmlRow({}, kQuotaColumns), "</thead>\n<tbody>\n");
  for (const v1::QuotaRow& row : table.rows()) {
    if (!row.liable()) continue;
    absl::StrAppend(&html,
                    HtmlRow(QuotaCells(row), kQuotaColumns,
                            absl::StrCat(" data-employer=\"",
                                         Html(row.employer_id()), "\"")),
                    "\n");
  }
  html += "</tbody>\n</table>\n</body>\n</html>\n";
  return html;
}

absl::StatusOr<std::string> RegisterJson(const v1::RegisterFigures& figures) {
  return Json(figures);
}

std::string RegisterSection(const v1::RegisterFigures& figures) {
  std::string html =
      "<section id=\"register\">\n<h2>Register (doelgroepregister)</h2>\n"
      "<table id=\"register-table\">\n<tr><th>quarter</th><th>registered</th>"
      "<th>working</th><th>%</th><th>inflow</th><th>outflow</th>"
      "<th>found work</th><th>lost work</th><th>banen</th>"
      "<th>markt formal</th><th>overheid formal</th><th>inleen</th>"
      "<th>change</th></tr>\n";
  for (const v1::RegisterQuarter& q : figures.quarters()) {
    absl::StrAppend(
        &html, "<tr data-register-quarter=\"", Html(q.quarter()), "\"><td>",
        Html(q.quarter()), "</td><td>", q.registered(), "</td><td>",
        q.working(), "</td><td>", WorkingShare(q), "</td><td>",
        q.inflow_total(), "</td><td>", q.outflow_total(), "</td><td>",
        q.found_work(), "</td><td>", q.lost_work(), "</td><td>",
        FormatHundredths(q.banen_x100()), "</td><td>",
        FormatHundredths(q.banen_markt_formal_x100()), "</td><td>",
        FormatHundredths(q.banen_overheid_formal_x100()), "</td><td>",
        FormatHundredths(q.banen_inleen_x100()), "</td><td>",
        Html(Signed(FormatHundredths(q.change_banen_x100()),
                    q.change_banen_x100())),
        "</td></tr>\n");
  }
  html += "</table>\n<div class=\"charts\">\n";
  absl::StrAppend(
      &html,
      "<figure data-register=\"stock\"><figcaption>registered and working"
      "</figcaption>\n",
      RegisterChart(
          figures, "registered and working",
          {{"registered", "registered", "#1f6f8b",
            &v1::RegisterQuarter::registered},
           {"working", "working", "#99c24d", &v1::RegisterQuarter::working}}),
      "</figure>\n<figure data-register=\"flows\"><figcaption>inflow and "
      "outflow</figcaption>\n",
      RegisterChart(
          figures, "inflow and outflow",
          {{"inflow", "inflow", "#f4a259", &v1::RegisterQuarter::inflow_total},
           {"outflow", "outflow", "#bc4b51",
            &v1::RegisterQuarter::outflow_total}}),
      "</figure>\n</div>\n</section>\n");
  return html;
}

std::string RegisterHtml(const v1::RegisterFigures& figures,
                         std::string_view title) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>",
      Html(title),
      "</title>\n<style>\nbody{font-family:sans-serif;margin:1.5em}\n"
      "table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right}"
      "\n.charts{display:flex;flex-wrap:wrap;gap:1em}\n</style>\n</head>\n"
      "<body>\n<h1>",
      Html(title), "</h1>\n", RegisterSection(figures), "</body>\n</html>\n");
}

}  // namespace banen
