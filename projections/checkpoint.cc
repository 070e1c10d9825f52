#include "projections/checkpoint.h"

#include "absl/strings/str_cat.h"
#include "banen/v1/projection.pb.h"

namespace banen {
namespace {

// Visits every int64 of `steps` in declaration order: the stored layout.
template <typename Steps, typename Visit>
void ForEachValue(Steps& steps, Visit visit) {
  for (auto& value : steps.hours_step) visit(value);
  for (auto& value : steps.hours_step_before_last_month) visit(value);
  for (auto& value : steps.quarter_partial) visit(value);
  for (auto& value : steps.last_month_partial) visit(value);
  for (auto& value : steps.count_step) visit(value);
  visit(steps.flows.started);
  for (auto& value : steps.flows.ended) visit(value);
  for (auto& value : steps.flows.converted) visit(value);
}

constexpr int kValuesPerSlot = 4 * kFormSeriesCount + kCountSeriesCount + 1 +
                               kOutflowReasonCount + kConversionCount;

}  // namespace

std::string CheckpointKey(uint64_t seq) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i) {
    key[i] = static_cast<char>(seq & 0xff);
    seq >>= 8;
  }
  return key;
}

std::optional<uint64_t> ParseCheckpointKey(std::string_view key) {
  if (key.size() != 8) return std::nullopt;
  uint64_t seq = 0;
  for (char byte : key) seq = (seq << 8) | static_cast<uint8_t>(byte);
  return seq;
}

std::string EncodeCheckpoint(uint64_t seq, const FigureAccumulator& figures) {
  v1::FigureCheckpoint proto;
  proto.set_seq(seq);
  proto.set_first_quarter(FormatQuarter(figures.first()));
  proto.set_rules_version(kCountingRulesVersion);
  // Canonical: the slots up to the last one with a step, the scopes with
  // one. An accumulator keeps the slots its steps touched, also where they
  // cancelled; so the live tail and a backfill, which move the figures over
  // other ranges of seqs, encode a checkpoint at one seq to the same bytes
  // (the store refuses a second value under a key).
  const QuarterSteps zero;
  for (ScopeId scope : figures.Scopes()) {
    if (IsEmployerScope(scope)) continue;
    size_t used = figures.SlotCount(scope);
    while (used > 0 && figures.SlotAt(scope, used - 1) == zero) --used;
    if (used == 0) continue;
    v1::ScopeSteps* scope_steps = proto.add_scopes();
    scope_steps->set_scope(scope);
    for (size_t slot = 0; slot < used; ++slot) {
      ForEachValue(figures.SlotAt(scope, slot),
                   [&](int64_t value) { scope_steps->add_values(value); });
    }
  }
  return proto.SerializeAsString();
}

absl::StatusOr<FigureCheckpoint> DecodeCheckpoint(std::string_view bytes) {
  v1::FigureCheckpoint proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("checkpoint does not parse");
  }
  const int32_t rules_version =
      proto.has_rules_version() ? proto.rules_version() : 1;
  if (rules_version != kCountingRulesVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("checkpoint after seq ", proto.seq(),
                     " follows counting rules version ", rules_version,
                     ", not ", kCountingRulesVersion));
  }
  FigureCheckpoint checkpoint{proto.seq(), FigureAccumulator()};
  if (proto.first_quarter() != FormatQuarter(checkpoint.figures.first())) {
    return absl::DataLossError("checkpoint starts at another quarter");
  }
  for (const v1::ScopeSteps& scope_steps : proto.scopes()) {
    if (IsEmployerScope(scope_steps.scope()) ||
        scope_steps.values_size() % kValuesPerSlot != 0) {
      return absl::DataLossError("checkpoint scope has a foreign layout");
    }
    const size_t slots = scope_steps.values_size() / kValuesPerSlot;
    int next = 0;
    for (size_t slot = 0; slot < slots; ++slot) {
      ForEachValue(checkpoint.figures.MutableSlot(scope_steps.scope(), slot),
                   [&](int64_t& value) { value = scope_steps.values(next++); });
    }
  }
  return checkpoint;
}

}  // namespace banen
