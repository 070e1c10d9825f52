// A deterministic national demo data set for the ledger, 2013-2025: the
// national ledger that the demo, the realisation tests and projection_bench
// use (bench/synthetic_events.h says how the four event generators differ).
//
// Contract
// - The same options give the same events, byte for byte: all randomness
//   comes from `seed` through a generator of our own (not <random>'s
//   distributions, whose results differ between standard libraries).
// - Every event passes the ledger's validation when the batches are appended
//   in the order given, starting at `first_seq` (retractions name their
//   targets by seq, so nothing else may be appended in between).
// - Calibration (DOMAIN.md §7): on 31 December of 2021, 2022, 2023 and 2024
//   the PEILDATUM banen of each of the 13 government sectors equal the
//   sector letters' realisation (to the hundredth of a baan), with the
//   contract-form splits §7 gives and the SROI figures of §7 as banen_sroi
//   of the commissioning sector. SROI jobs are ordinary jobs with a real
//   form at markt suppliers, marked by commissioning_employer_id, so they
//   count for MARKT. At markt_scale 1, MARKT, OVERHEID and NATIONAAL follow
//   the SZW national table by the national monitor (formal jobs by sector,
//   the inleen stock split by the verdeelsleutel), with seed 001's split of
//   2022, all within half a baan. Other scales multiply markt's own jobs;
//   the SROI jobs stay. Where §7 has "–" the value is a plausible choice,
//   commented in tools/internal/demo_data_tables.h.
// - The set holds employers per sector (RIJK departments under their
//   ministries), register entries and exits, hires of every form, inleen and
//   tijdelijk conversions, hours changes, outflows with reasons, late and
//   backdated events, corrections (retractions with their replacement in one
//   batch), TargetSets, BaselineSets and the verdeelsleutel of every year
//   2012..2025 as InleenKeySets (source: seed 001 for 2012, 2021 and 2022,
//   the demo's own for the others).
#ifndef BANEN_TOOLS_DEMO_DATA_H_
#define BANEN_TOOLS_DEMO_DATA_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "ledger/event.h"

namespace banen {

struct DemoDataOptions {
  uint64_t seed = 1;
  // Multiplies the markt volume (its employers, jobs and register). 1 is the
  // national size of DOMAIN.md §7; the government sectors never scale.
  double markt_scale = 0.25;
  // The seq the first event will be stored at.
  uint64_t first_seq = 1;
};

// Events the way one day's feed would send them.
struct DemoBatch {
  // The nominal day the batch is recorded: events arrive in this order, late
  // ones long after their effective date. A ledger assigns its own
  // recorded_at; an in-process log can use this day as its clock to give
  // as_of queries the history the data set describes.
  Date recorded_on;
  std::vector<Event> events;
};

struct DemoDataCounts {
  uint64_t batches = 0;
  uint64_t events = 0;
  std::array<uint64_t, kEventKindCount> events_by_kind{};
};

// Generates the data set and hands its batches to `sink` in recording order.
// Stops at, and returns, the first error of `sink`; INVALID_ARGUMENT for
// options out of range (markt_scale must be in (0, 100], first_seq >= 1).
absl::Status GenerateDemoData(
    const DemoDataOptions& options,
    absl::FunctionRef<absl::Status(DemoBatch batch)> sink,
    DemoDataCounts* counts = nullptr);

}  // namespace banen

#endif  // BANEN_TOOLS_DEMO_DATA_H_
