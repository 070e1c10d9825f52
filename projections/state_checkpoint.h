// State checkpoints: the ProjectionState as it was after a seq, persisted as
// records of the log so that Projector::Open loads it and folds only the
// events after it instead of the whole log.
//
// STORED ON DISK. DO NOT CHANGE: a record written by one version must be
// read (or recognised as foreign and ignored) by the next. A change of the
// layout below takes a new kStateLayoutVersion. Each layout and counting
// rules version (kCountingRulesVersion) has its own record space, never
// read by another: a checkpoint is never in the way of another version's
// save at the same seq, and a store of other versions replays its log
// once. Integers in keys and headers are big-endian so that key order is
// seq order.
//
// In the record space StateCheckpointSpace(),
// "projection_state.v" layout ".rules" rules (now
// "projection_state.v1.rules2"):
//   state_key    := 'H' seq:fixed64be                 (the header)
//                |  'P' seq:fixed64be part:fixed32be  (part 0..parts-1)
//   state_header := layout:fixed32be rules:fixed32be hash:byte[32]
//                   parts:fixed32be body_size:fixed64be
//       layout = kStateLayoutVersion, rules = kCountingRulesVersion of the
//       writer; hash = the chain hash of the event at `seq`, so a header
//       belongs to the log whose event `seq` has that hash (a store restored
//       from another log's backup, or rebuilt, does not match). The parts
//       are written before their header: a header names a complete body of
//       body_size bytes. A checkpoint without its header (a save cut short)
//       is never read. The body of a state is one byte string (items in
//       index order), so a save made again at the same seq writes the same
//       parts.
//   state_part   := section:varint count:varint item{count}
//       The body cut at item boundaries once a part passes kStatePartBytes,
//       so a part holds at most that plus one item. Sections come in this
//       order, each over one or more parts; an item appends one element:
//   section 1, recorded (ProjectionState::recorded_):
//       item := recorded_at:zigzag seq:varint
//           both as the difference to the previous item's (the first: to 0);
//           recorded_at in microseconds since the Unix epoch.
//   section 2, refs (what the event at seq 1, 2, ... belongs to):
//       item := kind:varint [index:varint]   (index absent for kind 0: none)
//           kind 1 job, 2 person, 3 employer, 4 figure, 5 quota figure.
//   section 3, employers (by index):
//       item := employer_id:string parent_employer_id:string
//               count:varint (sector_entry parent:ref)*   (registrations)
//               count:varint sector_entry*                (reclassifications)
//               count:varint job:varint*
//   section 4, persons (by index):
//       item := person_ref:string count:varint register_entry*
//               count:varint job:varint*
//   section 5, jobs (by index):
//       item := job_id:string person:ref employer:ref lender:ref
//               commissioning_employer:ref count:varint job_entry*
//           job_id is empty when a later JobStarted of the same id (after
//           a retraction) took the id over.
//   section 6, figures (targets, baselines, inleen keys, quota
//              percentages, paid hours; by index):
//       item := kind:varint sector:varint year:zigzag employer:ref
//               count:varint (value:zigzag validity)*
//           kind 0 realisation, 1 quota percentage, 2 paid hours.
//   sector_entry   := date:zigzag sector:varint validity
//   register_entry := date:zigzag registered:varint grondslag:varint
//                     reason:varint validity
//   job_entry      := date:zigzag step:varint form:varint reason:varint
//                     hours_x100:zigzag validity
//   validity       := seq:varint retracted:varint
//       retracted = retracted_at - seq, 0: never retracted.
//   ref            := varint   (an index + 1; 0: none)
//   string         := size:varint bytes
//   date in days since 1970-01-01; enums as numbered in ledger/event.h and
//   projections/projection_state.h; varint and zigzag are protobuf's.
// The header's seq is the state's last seq: refs has that many items.
#ifndef BANEN_PROJECTIONS_STATE_CHECKPOINT_H_
#define BANEN_PROJECTIONS_STATE_CHECKPOINT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ledger/event.h"
#include "projections/projection_state.h"

namespace banen {

inline constexpr uint32_t kStateLayoutVersion = 1;
// The record space of this layout and these counting rules.
std::string_view StateCheckpointSpace();
inline constexpr size_t kStatePartBytes = size_t{1} << 20;

std::string StateHeaderKey(uint64_t seq);
std::string StatePartKey(uint64_t seq, uint32_t part);
// The seq of a header key; nullopt for a part's key or any other.
std::optional<uint64_t> SeqOfStateHeaderKey(std::string_view key);

struct StateHeader {
  uint32_t layout = kStateLayoutVersion;
  uint32_t rules = 0;
  Hash hash{};
  uint32_t parts = 0;
  uint64_t body_size = 0;
};
std::string EncodeStateHeader(const StateHeader& header);
// nullopt if `value` is not a header's size.
std::optional<StateHeader> DecodeStateHeader(std::string_view value);

struct EncodedState {
  StateHeader header;
  std::vector<std::string> parts;
};
// `hash`: the chain hash of the event at state.last_seq(). `part_bytes`:
// where parts are cut (smaller in tests, to cut sections into many parts).
EncodedState EncodeState(const ProjectionState& state, const Hash& hash,
                         size_t part_bytes = kStatePartBytes);
// The state `parts` encode, whose last seq must be `seq`; DATA_LOSS naming
// what is wrong when they are not a body of this layout (checked so that
// every index the state holds is in range).
absl::StatusOr<ProjectionState> DecodeState(
    uint64_t seq, absl::Span<const std::string> parts);

}  // namespace banen

#endif  // BANEN_PROJECTIONS_STATE_CHECKPOINT_H_
