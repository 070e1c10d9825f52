// Histories of RandomHistory's events (tests/ledger/random_history.h) for
// the projections' property tests: stored as proposed, and folded in chunks
// as the projector's tail folds a log.
#ifndef BANEN_TESTS_PROJECTIONS_RANDOM_HISTORY_H_
#define BANEN_TESTS_PROJECTIONS_RANDOM_HISTORY_H_

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "absl/types/span.h"
#include "ledger/event.h"
#include "projections/person_at_cut.h"
#include "projections/projection_state.h"
#include "tests/ledger/random_history.h"
#include "tests/projections/projection_test_util.h"

namespace banen::test {

// `count` proposals of RandomHistory(seed), each stored as its own commit
// (the fold ignores what a ledger would have rejected).
inline StoredHistory RandomStoredHistory(uint32_t seed, int count) {
  StoredHistory history;
  RandomHistory random(seed);
  for (int i = 0; i < count; ++i) {
    random.Accepted(history.Record(random.Propose()));
  }
  return history;
}

// Folds `history` into a fresh state as the projector's tail folds a log:
// in chunks of 1..12 events (sizes drawn from `seed`), after each moving the
// persons the chunk touched in `kept` (a YearHours or RegisterSteps) from
// the chunk's first cut to its last, then calling check(state).
template <typename Kept, typename Check>
void FoldInChunks(const StoredHistory& history, uint32_t seed, Kept& kept,
                  Check check) {
  const std::vector<StoredEvent>& events = history.events();
  std::mt19937 chunk(seed);
  ProjectionState state;
  for (size_t next = 0; next < events.size();) {
    const uint64_t before = state.last_seq();
    const size_t count =
        std::min<size_t>(events.size() - next, 1 + chunk() % 12);
    state.ApplyAll(absl::MakeConstSpan(events).subspan(next, count));
    next += count;
    PersonAtCut at_before;
    PersonAtCut at_after;
    for (uint32_t person : state.PersonsTouched(before, state.last_seq())) {
      at_before.Read(state, person, before);
      at_after.Read(state, person, state.last_seq());
      kept.MovePerson(at_before, at_after);
    }
    check(static_cast<const ProjectionState&>(state));
  }
}

}  // namespace banen::test

#endif  // BANEN_TESTS_PROJECTIONS_RANDOM_HISTORY_H_
