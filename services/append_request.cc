#include "services/append_request.h"

#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/codec.h"
#include "ledger/event_error.h"
#include "ledger/status_macros.h"
#include "ledger/wire_reader.h"

namespace banen {
namespace {

// RESOURCE_EXHAUSTED for a batch of more than `max_batch_events` events.
absl::Status CheckBatchSize(size_t events, int max_batch_events) {
  if (static_cast<int64_t>(events) <= max_batch_events) {
    return absl::OkStatus();
  }
  return EventError(
      absl::StatusCode::kResourceExhausted, -1, "events",
      absl::StrCat("the batch has ", events, " events; the limit is ",
                   max_batch_events, " (--max-batch-events)"));
}

}  // namespace

absl::StatusOr<AppendBatch> BatchOf(const v1::AppendRequest& request,
                                    int max_batch_events,
                                    AppendAuthority authority) {
  RETURN_IF_ERROR(CheckBatchSize(request.events_size(), max_batch_events));
  AppendBatch batch;
  batch.events.reserve(request.events_size());
  for (int index = 0; index < request.events_size(); ++index) {
    ASSIGN_OR_RETURN(Event event, EventFromProto(request.events(index), index));
    batch.events.push_back(std::move(event));
  }
  for (const auto& [job_id, seq] : request.expected_job_seq()) {
    batch.expected_job_seq.emplace(job_id, seq);
  }
  batch.authority = std::move(authority);
  return batch;
}

std::optional<PlainRequest> RequestFromWire(std::string_view bytes) {
  PlainRequest request;
  bool has_batch_id = false;
  WireField field;
  // The events counted first, so that they are moved into place once.
  size_t events = 0;
  for (std::string_view rest = bytes; !rest.empty();) {
    if (!TakeField(rest, field)) return std::nullopt;
    if (field.number == 2) ++events;
  }
  request.events.reserve(events);
  while (!bytes.empty()) {
    if (!TakeField(bytes, field) || !field.delimited) return std::nullopt;
    switch (field.number) {
      case 1:
        if (has_batch_id || !IsAscii(field.bytes)) return std::nullopt;
        has_batch_id = true;
        request.batch_id.assign(field.bytes);
        break;
      case 2: {
        std::optional<Event> event = EventFromWire(field.bytes);
        if (!event.has_value()) return std::nullopt;
        request.events.push_back(*std::move(event));
        break;
      }
      case 3: {  // a map entry: the job id, then its seq
        std::string_view job_id;
        uint64_t seq = 0;
        const bool read = ReadFields(field.bytes, [&](const WireField& entry) {
          if (entry.number == 1 && entry.delimited && IsAscii(entry.bytes)) {
            job_id = entry.bytes;
            return true;
          }
          if (entry.number == 2 && !entry.delimited) {
            seq = entry.varint;
            return true;
          }
          return false;
        });
        if (!read || !request.expected_job_seq.emplace(job_id, seq).second) {
          return std::nullopt;
        }
        break;
      }
      default:
        return std::nullopt;
    }
  }
  return request;
}

absl::StatusOr<AppendBatch> BatchOf(PlainRequest request, int max_batch_events,
                                    AppendAuthority authority) {
  RETURN_IF_ERROR(CheckBatchSize(request.events.size(), max_batch_events));
  AppendBatch batch;
  batch.events = std::move(request.events);
  batch.expected_job_seq = std::move(request.expected_job_seq);
  batch.authority = std::move(authority);
  return batch;
}

}  // namespace banen
