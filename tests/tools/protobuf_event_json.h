// What protobuf's own JSON parser makes of an NDJSON line of an event file:
// the reference that `banenctl import`'s faster reader (tools/event_file.cc)
// is held to, in tests/tools/event_file_test.cc and by the fuzz target
// tests/fuzz/event_file_fuzzer.cc.
#ifndef BANEN_TESTS_TOOLS_PROTOBUF_EVENT_JSON_H_
#define BANEN_TESTS_TOOLS_PROTOBUF_EVENT_JSON_H_

#include <optional>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "banen/v1/events.pb.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/codec.h"
#include "ledger/event.h"
#include "ledger/validation.h"

namespace banen {

// The event protobuf's JSON parser and EventFromProto make of `line`, if it
// is one that ValidateFields passes (its effective date against `today`):
// what the import must take from the line, and nothing when it must refuse
// it.
inline std::optional<Event> ProtobufReadsEventJson(std::string_view line,
                                                   Date today) {
  v1::Event proto;
  if (!google::protobuf::util::JsonStringToMessage(
           google::protobuf::StringPiece(line.data(), line.size()), &proto)
           .ok()) {
    return std::nullopt;
  }
  absl::StatusOr<Event> event = EventFromProto(proto, 0);
  if (!event.ok() || !ValidateFields(*event, 0, today).ok()) {
    return std::nullopt;
  }
  return *std::move(event);
}

}  // namespace banen

#endif  // BANEN_TESTS_TOOLS_PROTOBUF_EVENT_JSON_H_
