// Fuzz target: projection state checkpoints from arbitrary bytes, decoded as
// Projector::Open decodes the parts it reads back from the log's records
// (DecodeState, projections/state_checkpoint.h), in any layout it still
// loads. The checkpoint is derived data the projector wrote, but a store can
// be damaged, and an open must then answer DATA_LOSS (and replay the log),
// never crash.
//
// Input: a byte whose value mod 4 picks the layout (2 to 5), a 2-byte
// little-endian seq (the state's last), then parts, each a 2-byte
// little-endian size and that many bytes; the last part takes what is left.
// The seed corpus (tests/fuzz/corpus/state_checkpoint_fuzzer) holds bodies
// of random histories in each layout, cut into parts of about 200 bytes.
//
// Checked beyond "no crash, no UB": a body is refused only with DATA_LOSS,
// as are id tables that hold an id twice; a state that loads encodes (in
// this layout) to a body that loads again and encodes to the same bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "projections/projection_state.h"
#include "projections/state_checkpoint.h"

namespace banen {
namespace {

uint32_t Bytes2(std::string_view in) {
  return static_cast<uint8_t>(in[0]) | uint32_t{static_cast<uint8_t>(in[1])}
                                           << 8;
}

std::vector<std::string_view> SplitParts(std::string_view input) {
  std::vector<std::string_view> parts;
  while (input.size() >= 2) {
    const size_t size = std::min<size_t>(Bytes2(input), input.size() - 2);
    input.remove_prefix(2);
    parts.push_back(input.substr(0, size));
    input.remove_prefix(size);
  }
  return parts;
}

void ExpectDataLoss(const absl::Status& status) {
  if (!status.ok() && status.code() != absl::StatusCode::kDataLoss) {
    std::abort();
  }
}

std::vector<std::string_view> Views(const std::vector<std::string>& parts) {
  return {parts.begin(), parts.end()};
}

}  // namespace
}  // namespace banen

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace banen;
  if (size < 3) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const uint32_t layout =
      kOldestStateLayout + static_cast<uint8_t>(input[0]) %
                               (kStateLayoutVersion - kOldestStateLayout + 1);
  const uint64_t seq = Bytes2(input.substr(1));
  absl::StatusOr<DecodedState> decoded =
      DecodeState(seq, SplitParts(input.substr(3)), layout);
  ExpectDataLoss(decoded.status());
  if (!decoded.ok()) return 0;
  ProjectionState& state = decoded->state;
  if (state.id_indexes_pending()) {
    absl::StatusOr<ProjectionState::IdIndexes> indexes = state.MakeIdIndexes();
    ExpectDataLoss(indexes.status());
    if (!indexes.ok()) return 0;
    state.SetIdIndexes(*std::move(indexes));
  }
  const std::vector<uint64_t> checkpoints =
      decoded->checkpoints.value_or(std::vector<uint64_t>());
  const EncodedState encoded =
      EncodeState(state, decoded->sums, Hash{}, checkpoints);
  const absl::StatusOr<DecodedState> again =
      DecodeState(seq, Views(encoded.parts));
  if (!again.ok() || again->state.id_indexes_pending() ||
      EncodeState(again->state, again->sums, Hash{}, checkpoints).parts !=
          encoded.parts) {
    std::abort();
  }
  return 0;
}
