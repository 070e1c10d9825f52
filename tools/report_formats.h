// The realisation table (RealisationService's answer) as CSV, JSON and a
// self-contained HTML page with inline SVG charts, for `banenctl report
// --format`. Pure functions of the wire message: what any client receives.
#ifndef BANEN_TOOLS_REPORT_FORMATS_H_
#define BANEN_TOOLS_REPORT_FORMATS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "banen/v1/quota.pb.h"
#include "banen/v1/realisation.pb.h"
#include "banen/v1/register.pb.h"

namespace banen {

// The national monitor rows of `table` (monitor_rows) as an aligned text
// table: per aggregate and quarter the key, formal, inleen and banen, the
// baseline and the extra banen; "" when there are none.
std::string MonitorReport(const v1::RealisationTable& table);

// The SZW letters' national monitor table for the last quarter of `table`'s
// monitor rows: a column per aggregate (MARKT, OVERHEID, NATIONAAL, those
// present), rows for the extra banen, the stock and the baseline, each
// formal, inleen and in total, and, when the table holds the quarter a year
// earlier, the change against it (the difference of the extras); a header
// with the keys. "No figures.\n" without monitor rows.
std::string MonitorLetter(const v1::RealisationTable& table);

// A header line, then one line per row in table order (rows only; the
// monitor rows are in the other formats). Figures are decimals
// ("416.39" banen, "68.6" percent); empty where a figure does not apply.
std::string RealisationCsv(const v1::RealisationTable& table);

// The table of the ministers' letter for the table's last quarter: per
// government sector doel, realisatie and percentage (and SROI where there
// is any), then OVERHEID, MARKT and NATIONAAL; aligned text; then the
// MonitorReport.
std::string RealisationLetter(const v1::RealisationTable& table);

// The table as protobuf JSON (field names as in realisation.proto).
absl::StatusOr<std::string> RealisationJson(const v1::RealisationTable& table);

// One HTML file with no external resources:
// - a table of the last quarter in the shape of the ministers' letter: per
//   sector doel, realisatie and percentage, the forms and SROI, then
//   OVERHEID and NATIONAAL (rows are <tr data-sector="GEMEENTEN">);
// - the OVERHEID and NATIONAAL totals against their targets, then one chart
//   per sector: banen per quarter stacked by contract form, with the doel
//   as a line (each an <svg> in <figure data-sector="...">); with
//   `include_sroi` the SROI banen are stacked on top, apart in colour.
// - the national monitor rows, if any, as a table (<table id="monitor">,
//   rows <tr data-monitor="MARKT" data-quarter="2022Q4">).
// - with `register_figures`, the register dashboard of the same quarters
//   (RegisterSection, below).
// Employer rows are left out.
std::string RealisationHtml(
    const v1::RealisationTable& table, std::string_view title,
    bool include_sroi, const v1::RegisterFigures* register_figures = nullptr);

// The register dashboard (RegisterService's answer, issue 14) as an aligned
// text table (a line per quarter, then the inflow by grondslag and the
// outflow by reason), CSV (a line per quarter, the flows in a column per
// grondslag and reason), protobuf JSON, and HTML: RegisterSection is the
// table (<tr data-register-quarter="2024Q4">) and two charts over the
// quarters, registered beside working and inflow beside outflow
// (<figure data-register="stock|flows">, bars <rect class="bar registered"
// data-quarter=...>), for a page of its own (RegisterHtml) or to embed.
std::string RegisterReport(const v1::RegisterFigures& figures);
std::string RegisterCsv(const v1::RegisterFigures& figures);
absl::StatusOr<std::string> RegisterJson(const v1::RegisterFigures& figures);
std::string RegisterSection(const v1::RegisterFigures& figures);
std::string RegisterHtml(const v1::RegisterFigures& figures,
                         std::string_view title);

// The quota table (QuotaService's answer), for `banenctl report quota`:
// - QuotaReport: a title line (year, regime, as_of, last seq), with
//   `with_employers` one aligned line per employer, then one per sector
//   total;
// - QuotaCsv: a header line, then one line per employer;
// - QuotaJson: protobuf JSON (field names as in quota.proto);
// - QuotaHtml: one self-contained page with the totals per sector
//   (<table id="quota">, rows <tr data-quota-sector="GEMEENTEN">: employers,
//   liable employers, quota, realised, total shortfall, levy) and the
//   liable employers (<table id="quota-employers">).
// Hours and banen as decimals ("592800.00", "11.98"), a shortfall in tenths
// ("11.9"), the levy in whole euros; empty where a figure was not set.
std::string QuotaReport(const v1::QuotaTable& table, bool with_employers);
// The WBA_2026 realisation (the table's year_rows), for `banenctl report
// --regime=WBA_2026`: YearReport a title line saying what is counted, then
// an aligned line per sector and year; YearCsv a header line, then one line
// per row; YearHtml one page with the rows (<table id="wba">, rows <tr
// data-wba-sector="NATIONAAL" data-year="2024">). Banen as decimals, the
// percentage in tenths, empty where there is no target (all but NATIONAAL).
// The JSON is RealisationJson's.
std::string YearReport(const v1::RealisationTable& table);
std::string YearCsv(const v1::RealisationTable& table);
std::string YearHtml(const v1::RealisationTable& table, std::string_view title);
std::string QuotaCsv(const v1::QuotaTable& table);
absl::StatusOr<std::string> QuotaJson(const v1::QuotaTable& table);
std::string QuotaHtml(const v1::QuotaTable& table, std::string_view title);

}  // namespace banen

#endif  // BANEN_TOOLS_REPORT_FORMATS_H_
