// The realisation table as a terminal report, from the wire message alone
// (what any client of RealisationService receives).
#ifndef BANEN_TOOLS_REALISATION_REPORT_H_
#define BANEN_TOOLS_REALISATION_REPORT_H_

#include <cstdint>
#include <string>

#include "banen/v1/realisation.pb.h"

namespace banen {

// 41639 -> "416.39", -5 -> "-0.05".
std::string FormatHundredths(int64_t value_x100);
// 686 -> "68.6".
std::string FormatTenths(int64_t value_x10);

// A title line (measure, as_of, last seq) and one aligned line per row:
// banen per form, SROI, persons, jobs, doel and realisation percentages,
// baseline and extra, the quarter's flows and the change. "-" where a figure
// does not apply.
std::string RealisationReport(const v1::RealisationTable& table);

}  // namespace banen

#endif  // BANEN_TOOLS_REALISATION_REPORT_H_
