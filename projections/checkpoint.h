// Figure checkpoints: the sector figures after a given seq, persisted as
// immutable EventLog records so that an as_of view starts from the nearest
// one instead of from seq 1.
#ifndef BANEN_PROJECTIONS_CHECKPOINT_H_
#define BANEN_PROJECTIONS_CHECKPOINT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "projections/figures.h"

namespace banen {

// Checkpoints hold computed figures: a change to their layout or to the
// counting rules (kCountingRulesVersion) makes old ones wrong, so it needs a
// new space. "checkpoint.v1" holds those of rules version 1 without the
// FUNDEREND_ONDERWIJS scope and persons per contract form: never read, so a
// store made before v2 rebuilds its checkpoints on open.
inline constexpr std::string_view kCheckpointSpace = "checkpoint.v2";

// Big-endian, so the record scan returns checkpoints in seq order.
std::string CheckpointKey(uint64_t seq);
std::optional<uint64_t> ParseCheckpointKey(std::string_view key);

struct FigureCheckpoint {
  uint64_t seq = 0;
  FigureAccumulator figures;  // sector scopes only
};

// Encodes the sector scopes of `figures`, which keeps every quarter
// (FigureAccumulator's default window).
std::string EncodeCheckpoint(uint64_t seq, const FigureAccumulator& figures);
// DATA_LOSS when `bytes` is not a checkpoint of this layout;
// FAILED_PRECONDITION when it was made under other counting rules.
absl::StatusOr<FigureCheckpoint> DecodeCheckpoint(std::string_view bytes);

}  // namespace banen

#endif  // BANEN_PROJECTIONS_CHECKPOINT_H_
