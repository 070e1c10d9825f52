// Quarterly snapshots: a quarter's figures frozen at a ledger head, stored as
// immutable EventLog records (space "snapshot"), and what changed since.
#ifndef BANEN_PROJECTIONS_SNAPSHOT_H_
#define BANEN_PROJECTIONS_SNAPSHOT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/event.h"
#include "projections/projection_state.h"
#include "projections/quarter.h"
#include "projections/realisation.h"

namespace banen {

inline constexpr std::string_view kSnapshotSpace = "snapshot";

struct Snapshot {
  Quarter quarter;
  uint64_t head_seq = 0;
  Hash head_hash{};
  absl::Time as_of = absl::InfinitePast();  // the head's recorded_at
  // The counting rules the rows were computed under (figures.h). The rows
  // stay as frozen when the rules change.
  int32_t rules_version = kCountingRulesVersion;
  // Every concrete sector, then OVERHEID and NATIONAAL, for each measure in
  // Measure order: the rows of RealisationQuery{.from = .to = quarter}
  // as_of `as_of`. Each row holds the figures excl. and incl. SROI.
  std::vector<RealisationRow> rows;
  // The signed checkpoint (C2SP note, ledger/signed_note.h) of head_seq,
  // made with the snapshot; empty when the server had no signing key.
  std::string checkpoint;

  // "2024Q4/00000000000000012345": sorts by quarter, then head.
  std::string Key() const;
  bool operator==(const Snapshot&) const = default;
};

std::string SnapshotKey(Quarter quarter, uint64_t head_seq);

// The query whose rows, for each measure, a snapshot of `quarter` freezes:
// every sector and aggregate, that quarter alone.
RealisationQuery QuarterQuery(Quarter quarter, Measure measure);

// A snapshot's rows recomputed from scratch by one pass over `state`
// (ComputeRealisation, the reference the incremental Projector is tested
// against), as of `as_of`: how an auditor re-derives published figures from
// the events alone (banenctl snapshot rederive). For a snapshot made at the
// state's last seq and recorded time they equal Snapshot::rows.
std::vector<RealisationRow> RederiveSnapshotRows(const ProjectionState& state,
                                                 Quarter quarter,
                                                 absl::Time as_of);
std::string EncodeSnapshot(const Snapshot& snapshot);
// DATA_LOSS when `bytes` is not a snapshot.
absl::StatusOr<Snapshot> DecodeSnapshot(std::string_view bytes);

// An event recorded after a snapshot that changed its quarter.
struct SnapshotChange {
  uint64_t seq = 0;
  absl::Time recorded_at;
  std::string event_id;
  EventKind kind = EventKind::kJobStarted;
  Date effective_date;
  std::string recorded_by;  // StoredEvent::recorded_by
  bool operator==(const SnapshotChange&) const = default;
};

struct SectorDiff {
  Sector sector = Sector::kUnspecified;
  // One per measure, in Measure order.
  std::vector<RealisationRow> snapshot_rows;
  // The snapshot's quarter at its head under today's counting rules: equal
  // to snapshot_rows unless the rules changed since. `changes` explain the
  // difference from these rows to current_rows.
  std::vector<RealisationRow> rules_rows;
  // The rows moved because the counting rules changed, not by events.
  bool rules_changed = false;
  std::vector<RealisationRow> current_rows;
  std::vector<SnapshotChange> changes;  // in seq order
};

struct SnapshotDiff {
  std::string snapshot_key;
  uint64_t snapshot_seq = 0;
  uint64_t current_seq = 0;
  int32_t snapshot_rules_version = kCountingRulesVersion;
  int32_t current_rules_version = kCountingRulesVersion;
  // Only the sectors and aggregates with a change, in snapshot row order.
  std::vector<SectorDiff> sectors;
};

}  // namespace banen

#endif  // BANEN_PROJECTIONS_SNAPSHOT_H_
