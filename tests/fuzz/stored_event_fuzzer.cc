// Fuzz target: stored events from arbitrary bytes, read the way the EventLog
// reads its RocksDB values back on open (storage value -> canonical bytes ->
// domain event, by StoredEventFromWire or protobuf's parser), then validated
// (ledger/validation.h) and applied in batches to a LedgerState, as the
// EventLog's write path and Open do.
//
// A LedgerState rather than an EventLog in a temp dir: opening RocksDB costs
// milliseconds per input, and the EventLog's own decisions are the
// LedgerState's; a fresh state per input keeps every input reproducible.
//
// Input: records, each a 2-byte little-endian header and that many bytes of
// event value (storage_format.h); the last record takes what is left. Bit 15
// of a header ends the batch after that record. The seed corpus is in
// tests/fuzz/corpus/stored_event_fuzzer.
//
// Checked beyond "no crash, no UB": a decoded event encodes back to itself,
// a rolled-back batch leaves the state's content as it was (its jobs,
// persons, employers, retractions and employer ids), and each
// value's canonical bytes, and the event in them, read the same by
// StoredEventFromWire and EventFromWire as by protobuf's parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "banen/v1/events.pb.h"
#include "ledger/codec.h"
#include "ledger/event.h"
#include "ledger/internal/storage_format.h"
#include "ledger/ledger_state.h"
#include "ledger/validation.h"
#include "ledger/wire_reader.h"
#include "tests/ledger/state_content.h"

namespace banen {
namespace {

constexpr uint16_t kEndsBatch = 0x8000;

struct Record {
  std::string_view value;
  bool ends_batch;
};

std::vector<Record> SplitRecords(std::string_view input) {
  std::vector<Record> records;
  while (input.size() >= 2) {
    const uint16_t header = static_cast<uint16_t>(
        static_cast<uint8_t>(input[0]) | static_cast<uint8_t>(input[1]) << 8);
    input.remove_prefix(2);
    const size_t size = std::min<size_t>(header & ~kEndsBatch, input.size());
    records.push_back({input.substr(0, size), (header & kEndsBatch) != 0});
    input.remove_prefix(size);
  }
  return records;
}

// The decode path of EventLog::Open; nullopt where it answers DATA_LOSS.
// Its reader of the plain form, StoredEventFromWire, must read the
// canonical bytes as protobuf's parser and StoredEventFromProto do, wherever
// it reads them.
std::optional<StoredEvent> Decode(std::string_view value) {
  const std::optional<storage::EventValue> decoded =
      storage::DecodeEventValue(value);
  if (!decoded.has_value()) return std::nullopt;
  const std::optional<StoredEvent> plain =
      StoredEventFromWire(decoded->canonical);
  std::optional<StoredEvent> by_protobuf;
  v1::StoredEvent proto;
  if (proto.ParseFromArray(decoded->canonical.data(),
                           static_cast<int>(decoded->canonical.size()))) {
    absl::StatusOr<StoredEvent> stored = StoredEventFromProto(proto);
    if (stored.ok()) by_protobuf = *std::move(stored);
  }
  if (plain.has_value() && plain != by_protobuf) std::abort();
  if (!by_protobuf.has_value()) return std::nullopt;
  // The chain hash the EventLog's VerifyChain recomputes.
  (void)storage::ChainHashOfValue(value);
  return by_protobuf;
}

// The canonical encoding of a decoded event must decode to the same event,
// or a stored event could hash differently from what its writer meant.
void CheckRoundTrip(const StoredEvent& stored) {
  const std::string canonical = CanonicalBytes(stored);
  v1::StoredEvent proto;
  if (!proto.ParseFromString(canonical)) std::abort();
  const absl::StatusOr<StoredEvent> again = StoredEventFromProto(proto);
  if (!again.ok() || again->seq != stored.seq || again->event != stored.event ||
      again->recorded_by != stored.recorded_by) {
    std::abort();
  }
}

// EventFromWire, on the event inside a stored value (each field 3 of its
// canonical bytes), must read it as protobuf's parser and EventFromProto do,
// wherever it reads it: the append stream reads events so.
void CheckEventFromWire(std::string_view value) {
  const std::optional<storage::EventValue> decoded =
      storage::DecodeEventValue(value);
  if (!decoded.has_value()) return;
  std::string_view canonical = decoded->canonical;
  WireField field;
  while (!canonical.empty() && TakeField(canonical, field)) {
    if (field.number != 3 || !field.delimited) continue;
    const std::optional<Event> read = EventFromWire(field.bytes);
    if (!read.has_value()) continue;
    v1::Event proto;
    if (!proto.ParseFromArray(field.bytes.data(),
                              static_cast<int>(field.bytes.size()))) {
      std::abort();
    }
    const absl::StatusOr<Event> expected = EventFromProto(proto, 0);
    if (!expected.ok() || *expected != *read) std::abort();
  }
}

// What the state holds (tests/ledger/state_content.h); its own encoding
// must read.
test::StateContent ContentOf(const LedgerState& state) {
  std::optional<test::StateContent> content = test::ReadStateContent(state);
  if (!content.has_value()) std::abort();
  return *std::move(content);
}

class Ledger {
 public:
  // Applies `batch` atomically as the EventLog stages it: all of it or, on
  // the first rejected event, nothing.
  void ApplyBatch(const std::vector<StoredEvent>& batch) {
    const test::StateContent before = ContentOf(state_);
    state_.BeginBatch();
    const size_t committed = events_.size();
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!Apply(batch[i].event, static_cast<int>(i),
                 DateOf(batch[i].recorded_at))) {
        state_.RollbackBatch();
        events_.resize(committed);
        const test::StateContent after = ContentOf(state_);
        if (after.lines != before.lines ||
            after.employer_ids != before.employer_ids) {
          std::abort();
        }
        return;
      }
    }
    state_.CommitBatch();
  }

 private:
  bool Apply(const Event& event, int index, Date recorded_date) {
    // Appends validate before applying; EventLog::Open applies what it reads
    // without validating, so a damaged store reaches Apply unvalidated too.
    (void)ValidateFields(event, index, recorded_date);
    const uint64_t seq = events_.size() + 1;
    const Event* target = nullptr;
    if (const auto* retraction = std::get_if<EventRetracted>(&event.payload)) {
      // The EventLog answers NOT_FOUND for a seq it does not hold.
      if (retraction->target_seq == 0 || retraction->target_seq >= seq) {
        return false;
      }
      target = &events_[retraction->target_seq - 1];
    }
    if (!state_.Apply(event, seq, index, target).ok()) return false;
    events_.push_back(event);
    return true;
  }

  LedgerState state_;
  std::vector<Event> events_;  // events_[seq - 1]
};

}  // namespace
}  // namespace banen

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using banen::StoredEvent;
  banen::Ledger ledger;
  std::vector<StoredEvent> batch;
  for (const banen::Record& record : banen::SplitRecords(
           std::string_view(reinterpret_cast<const char*>(data), size))) {
    banen::CheckEventFromWire(record.value);
    if (std::optional<StoredEvent> stored = banen::Decode(record.value)) {
      banen::CheckRoundTrip(*stored);
      batch.push_back(*std::move(stored));
    }
    if (record.ends_batch && !batch.empty()) {
      ledger.ApplyBatch(batch);
      batch.clear();
    }
  }
  if (!batch.empty()) ledger.ApplyBatch(batch);
  return 0;
}
