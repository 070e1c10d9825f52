// State checkpoints: the ProjectionState as it was after a seq, and the sums
// the projector keeps beside it (KeptSums), persisted as records of the log
// so that Projector::Open loads them and folds only the events after it
// instead of the whole log, and moves the sums by the persons those events
// touched instead of a pass over every person.
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
// "projection_state.v5.rules2"; v1 had no sections 7 to 12, v2 none of 9
// to 12, v3 none of 11 and 12, v4 none of 12; the states of v2 to v4 are
// still loaded, their id indexes made after under a new key, and the
// figure checkpoints of v2 and v3 found by a scan of their space):
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
//       is never read. Once a header is written, the checkpoints before
//       the one before it are deleted (RecordStore::DeleteRange, headers
//       first, parts a save cut short with them), and every one of layout 2
//       once two of this layout exist: a store keeps at most two. The body
//       of a state is one byte string (items in index order), so a save
//       made again at the same seq writes the same parts.
//   state_part   := section:varint count:varint item{count}
//       count is written in 5 bytes (continuation bits on the first four,
//       however small the count), so that a part is built behind room kept
//       for its header; a reader takes any varint (parts written before
//       session 44 have the shortest).
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
//       date within kPackedDateBits (ledger/event.h), as every version
//       wrote them: a RegisterEntry holds it in 24 bits.
//   job_entry      := date:zigzag step:varint form:varint reason:varint
//                     hours_x100:zigzag validity
//       hours_x100 from 0 to kMaxHoursPerWeekX100 (ledger/event.h), as
//       every version wrote them: a JobEntry holds them in 16 bits.
//   section 7, year hours (YearHours, year_hours.h; one item per employer,
//              by index):
//       item := count:varint cell{count}   (the years from 1998 on)
//       cell := mask:varint value:zigzag*
//           A cell's 16 values in order, those whose bit (1 << i) is set in
//           mask; the others are 0. Values 0..7: the year's hour-days of
//           partial years (`sum`) of the series FormSeries 0..5
//           (projections/figures.h), lent uitzend, lent detachering; values
//           8..15: the hours a day of the same series all year (`rate`), as
//           the difference to the previous cell's (the first: to 0). The
//           years after the last cell go on at its rate (none: 0), so
//           trailing cells with no sum and the rate of the one before are
//           left out.
//   section 8, register steps (RegisterSteps, register_figures.h; by
//              peildatum k, the last day of quarter 1997Q4 + k):
//       item := registered_step:zigzag working_step:zigzag
//               inflow:zigzag{6} outflow:zigzag{6}
//               found_work:zigzag lost_work:zigzag
//           inflow by Grondslag, outflow by DeregistrationReason; trailing
//           items of zeros are left out.
//       Sections 7 and 8 are the sums at the header's seq: equal sums encode
//       to equal bytes, whatever order the persons were added in.
//   section 9, person index (the id index of section 4's refs,
//              projections/id_index.h), and
//   section 10, job index (of section 5's non-empty job ids):
//       item := tag:varint index:varint
//           One item per entry, in the table's order (IdIndex::ForEach):
//           tags non-decreasing, each as the difference to the previous
//           item's (the first: to 0). tag = the high 32 bits of the id's
//           IdHashOf (SipHash-2-4 of the id's bytes under the key of
//           section 12; layouts 3 and 4: a fixed key, public in the
//           versions that wrote them, so a load of them drops their tables
//           and makes them again under a new key); index = the person's or
//           job's index. The table's layout follows from the items
//           (id_index.h), so a load places them in one pass without hashing
//           an id; it checks that every index is in range and that each
//           section has as many items as its section 4 or 5 has non-empty
//           ids.
//   section 11, figure checkpoints (checkpoint.h; layout 4, issue 15):
//       item := seq:varint
//           The seqs of the figure checkpoints the projector held when it
//           saved the state, all at or before the header's seq, ascending,
//           each as the difference to the previous item's (the first: to
//           0). Every one is stored before the header is written (a save
//           after a failed record write writes no header), so that an open
//           lists them without reading their values (about 100 KB each,
//           1,000 at 10 M events), and scans their space only past the
//           header's seq.
//   section 12, id key (layout 5, issue 15: the state's own, random):
//       item := key:string
//           Exactly one item, of 16 bytes: the key of IdHashOf that sections
//           9 and 10 are placed by, which the loaded state goes on placing
//           ids by.
//   validity       := seq:varint retracted:varint
//       retracted = retracted_at - seq, 0: never retracted. Both seq and
//       retracted_at are at most kMaxStateSeq (projection_state.h).
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

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ledger/event.h"
#include "projections/projection_state.h"
#include "projections/register_figures.h"
#include "projections/year_hours.h"

namespace banen {

inline constexpr uint32_t kStateLayoutVersion = 5;
// The oldest layout still loaded.
inline constexpr uint32_t kOldestStateLayout = 2;
// The record space of `layout` (kOldestStateLayout to this one) and these
// counting rules.
std::string_view StateCheckpointSpace(uint32_t layout = kStateLayoutVersion);
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

// What the projector's tail keeps current beside the figures (projector.h):
// the quota's and WBA_2026's hour-days and the register dashboard's counts.
struct KeptSums {
  YearHours hours;
  RegisterSteps register_steps;
};
// Every person of `state` at its last seq; RegisterSteps on `threads`.
KeptSums BuildKeptSums(const ProjectionState& state, int threads = 1);

struct EncodedState {
  StateHeader header;
  std::vector<std::string> parts;
};
// `sums`: those of `state` at its last seq. `hash`: the chain hash of the
// event at state.last_seq(). `checkpoints`: the seqs of the figure
// checkpoints stored (or queued to be, ahead of this state), ascending, none
// past state.last_seq(). `part_bytes`: where parts are cut (smaller in
// tests, to cut sections into many parts).
EncodedState EncodeState(const ProjectionState& state, const KeptSums& sums,
                         const Hash& hash,
                         absl::Span<const uint64_t> checkpoints,
                         size_t part_bytes = kStatePartBytes);
// As EncodeState(), each part handed to `put_part` as it is made (valid
// during the call), in order, instead of held: an encoding takes a part's
// memory, not the body's (374 MB at 10 M events). After put_part fails,
// it is not called again and its error is returned.
absl::StatusOr<StateHeader> EncodeStateInParts(
    const ProjectionState& state, const KeptSums& sums, const Hash& hash,
    absl::Span<const uint64_t> checkpoints,
    absl::FunctionRef<absl::Status(std::string_view part)> put_part,
    size_t part_bytes = kStatePartBytes);

struct DecodedState {
  ProjectionState state;
  KeptSums sums;
  // The figure checkpoints' seqs the state was saved with; nullopt for a
  // layout before 4, which does not list them.
  std::optional<std::vector<uint64_t>> checkpoints;
};
// The state and sums `parts` encode, whose last seq must be `seq`;
// DATA_LOSS naming what is wrong when they are not a body of `layout`
// (kOldestStateLayout to this one; checked so that every index the state
// holds is in range, and the checkpoints ascend to at most `seq`).
// Decodes the jobs on a second thread. A body of layouts 2 to 4 leaves the
// state's id indexes to be made under the state's new key
// (ProjectionState::MakeIdIndexes, which finds an id twice); one of this
// layout holds them and their key.
absl::StatusOr<DecodedState> DecodeState(
    uint64_t seq, absl::Span<const std::string_view> parts,
    uint32_t layout = kStateLayoutVersion);

// Reads part `part` of a stored body (below its header's parts) and calls
// `read` with its bytes, valid during the call only; returns the read's
// error. Called from two threads at once.
using StatePartReader = absl::FunctionRef<absl::Status(
    uint32_t part, absl::FunctionRef<void(std::string_view)> read)>;
// DecodeState() of the body `header` describes, its parts read through
// `read_part` as the decode reaches them (each twice: its section and
// count, then its items) and none held after: a load takes the state's
// memory, not the body's besides (456 MB at 12.5 M events, which the load
// copied into memory the kernel first cleared). DATA_LOSS also when the
// parts hold other than header.body_size bytes; a read's error is passed
// on.
absl::StatusOr<DecodedState> DecodeState(uint64_t seq,
                                         const StateHeader& header,
                                         StatePartReader read_part);

}  // namespace banen

#endif  // BANEN_PROJECTIONS_STATE_CHECKPOINT_H_
