// The small built-in history of `banenctl load-demo` (the national data set
// of the README's main job is tools/demo_data.h): a few sectors over
// 2023-2024 with every kind of change the realisation counts (hires of every
// form, conversions, hours changes, outflows, a deregistration, a
// reclassification, SROI, a retracted hire, targets and baselines). It stays
// apart from the national set because it is small enough to read and fixed
// (bench/synthetic_events.h says how the four event generators differ).
//
// Event ids are fixed, so loading it again stores nothing new (the ledger's
// idempotency) and the figures stay the same.
#ifndef BANEN_TOOLS_DEMO_H_
#define BANEN_TOOLS_DEMO_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "ledger/event.h"

namespace banen {

// Everything but the correction, in an order the ledger accepts as one batch.
std::vector<Event> DemoHistory();

// The event of DemoHistory() that was sent by mistake; its seq is known only
// once stored.
inline constexpr std::string_view kDemoMistakenEventId = "demo-hire-13";

// The retraction of the mistaken hire, stored at `mistaken_seq`.
Event DemoCorrection(uint64_t mistaken_seq);

}  // namespace banen

#endif  // BANEN_TOOLS_DEMO_H_
