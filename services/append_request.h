// The batch an AppendRequest carries, decoded from the message or straight
// from its bytes. Both are checked against the server's --max-batch-events
// (RESOURCE_EXHAUSTED) and carry the appender's authority.
#ifndef BANEN_SERVICES_APPEND_REQUEST_H_
#define BANEN_SERVICES_APPEND_REQUEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "banen/v1/ledger.pb.h"
#include "ledger/event.h"
#include "ledger/event_log.h"

namespace banen {

// INVALID_ARGUMENT naming the event index and field of an event that
// EventFromProto refuses.
absl::StatusOr<AppendBatch> BatchOf(const v1::AppendRequest& request,
                                    int max_batch_events,
                                    AppendAuthority authority);

// An AppendRequest read without protobuf's parser.
struct PlainRequest {
  std::string batch_id;
  std::vector<Event> events;
  absl::flat_hash_map<std::string, uint64_t> expected_job_seq;
};

// The AppendRequest of `bytes` when they are in the plain form that
// EventFromWire reads (every event so, the batch_id and job ids ASCII, once
// each); nullopt: protobuf's parser and BatchOf read them. Where both read
// the bytes, both make the same batch (append_request_test).
std::optional<PlainRequest> RequestFromWire(std::string_view bytes);

absl::StatusOr<AppendBatch> BatchOf(PlainRequest request, int max_batch_events,
                                    AppendAuthority authority);

}  // namespace banen

#endif  // BANEN_SERVICES_APPEND_REQUEST_H_
