// Replaying an EventLog into a ProjectionState: the rebuild from seq 1 that
// Projector::Open does.
#ifndef BANEN_PROJECTIONS_LOG_REPLAY_H_
#define BANEN_PROJECTIONS_LOG_REPLAY_H_

#include "absl/status/statusor.h"
#include "ledger/event.h"
#include "ledger/event_log.h"
#include "projections/projection_state.h"

namespace banen {

struct ReplayOptions {
  // Threads reading and decoding seq ranges ahead of the fold, which runs
  // on the calling thread; that one reads too whenever the next range is
  // not ready. On two cores one reader keeps both busy: a second one only
  // takes turns with them.
  int readers = 1;
  uint64_t events_per_chunk = 16'384;
};

// Folds every event of `log` up to its head at the time of the call into
// `state` (which must be empty or end where the log continues), in seq
// order. Returns the hash of the last event folded (all zero for an empty
// log). DATA_LOSS etc. as EventLog::Scan reports them.
absl::StatusOr<Hash> ReplayLog(const EventLog& log, ProjectionState* state,
                               ReplayOptions options = {});

}  // namespace banen

#endif  // BANEN_PROJECTIONS_LOG_REPLAY_H_
