#include "tools/realisation_report.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "tools/report_formats.h"
#include "tools/text_table.h"

namespace banen {
namespace {

std::string FormatFixed(int64_t value, int64_t scale, int decimals) {
  const uint64_t magnitude =
      value < 0 ? -static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  return absl::StrFormat("%s%d.%0*d", value < 0 ? "-" : "", magnitude / scale,
                         decimals, magnitude % scale);
}

// Sector names without the SECTOR_ prefix.
std::string SectorLabel(v1::Sector sector) {
  const std::string& name = v1::Sector_Name(sector);
  return name.rfind("SECTOR_", 0) == 0 ? name.substr(7) : name;
}

std::string MeasureLabel(v1::RealisationMeasure measure) {
  const std::string& name = v1::RealisationMeasure_Name(measure);
  return name.substr(std::string("REALISATION_MEASURE_").size());
}

std::string Optional(bool present, int64_t value,
                     std::string (*format)(int64_t)) {
  return present ? format(value) : "-";
}

}  // namespace

std::string FormatHundredths(int64_t value_x100) {
  return FormatFixed(value_x100, 100, 2);
}

std::string FormatTenths(int64_t value_x10) {
  return FormatFixed(value_x10, 10, 1);
}

std::string RealisationReport(const v1::RealisationTable& table) {
  using Align = TextTable::Align;
  const bool with_employers = std::any_of(
      table.rows().begin(), table.rows().end(),
      [](const v1::RealisationRow& row) { return !row.employer_id().empty(); });
  std::vector<TextTable::Column> columns = {{"sector", Align::kLeft}};
  if (with_employers) columns.push_back({"employer", Align::kLeft});
  columns.push_back({"quarter", Align::kLeft});
  for (const char* header :
       {"banen", "vast", "tijdelijk", "uitzend", "detachering", "sroi form?",
        "sroi", "persons", "jobs", "doel", "%", "% incl sroi", "baseline",
        "extra", "started", "ended", "converted", "change", "change 1y"}) {
    columns.push_back({header, Align::kRight});
  }
  TextTable text(std::move(columns));
  std::string measure = "PEILDATUM";
  for (const v1::RealisationRow& row : table.rows()) {
    measure = MeasureLabel(row.measure());
    std::vector<std::string> cells = {SectorLabel(row.sector())};
    if (with_employers) {
      cells.push_back(row.employer_id().empty() ? "-" : row.employer_id());
    }
    for (std::string& cell : std::vector<std::string>{
             row.quarter(),
             FormatHundredths(row.banen_x100()),
             FormatHundredths(row.banen_vast_x100()),
             FormatHundredths(row.banen_tijdelijk_x100()),
             FormatHundredths(row.banen_inleen_uitzend_x100()),
             FormatHundredths(row.banen_inleen_detachering_x100()),
             FormatHundredths(row.banen_sroi_form_unknown_x100()),
             FormatHundredths(row.banen_sroi_x100()),
             absl::StrCat(row.persons()),
             absl::StrCat(row.jobs()),
             Optional(row.has_doel_x100(), row.doel_x100(), FormatHundredths),
             Optional(row.has_realisatiepercentage_x10(),
                      row.realisatiepercentage_x10(), FormatTenths),
             Optional(row.has_realisatiepercentage_incl_sroi_x10(),
                      row.realisatiepercentage_incl_sroi_x10(), FormatTenths),
             Optional(row.has_baseline_x100(), row.baseline_x100(),
                      FormatHundredths),
             Optional(row.has_extra_x100(), row.extra_x100(), FormatHundredths),
             absl::StrCat(row.flows().started()),
             absl::StrCat(row.flows().ended_total()),
             absl::StrCat(row.flows().converted_total()),
             FormatHundredths(row.change_x100()),
             FormatHundredths(row.change_year_x100())}) {
      cells.push_back(std::move(cell));
    }
    text.AddRow(std::move(cells));
  }
  const std::string as_of =
      table.has_as_of()
          ? absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                             absl::FromUnixSeconds(table.as_of().seconds()),
                             absl::UTCTimeZone())
          : "-";
  const std::string monitor = MonitorReport(table);
  return absl::StrCat("Realisation (", measure, ", banen), as of ", as_of,
                      ", up to seq ", table.last_seq(), "\n\n", text.Render(),
                      monitor.empty() ? "" : "\n", monitor);
}

}  // namespace banen
