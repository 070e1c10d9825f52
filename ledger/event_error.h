// Errors that name the event of a batch, the field and the reason.
//
// A rejected batch returns one absl::Status whose message reads
// "event 3: job_started.hours_per_week_x100: must be in 1..8000" and whose
// payload carries the same three parts, so services/ can map them to the
// wire error without parsing text. Field names are the wire field paths of
// proto/banen/v1/events.proto. Messages never contain a person_ref.
#ifndef BANEN_LEDGER_EVENT_ERROR_H_
#define BANEN_LEDGER_EVENT_ERROR_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace banen {

struct EventErrorDetail {
  int event_index = -1;  // index in the batch; -1: the batch as a whole
  std::string field;     // e.g. "job_started.hours_per_week_x100"; may be empty
  std::string reason;    // e.g. "must be in 1..8000"
};

// A status with `code`, a readable message and the detail as payload.
//
// Takes absl::string_view: Debian's abseil has its own string_view type, which
// std::string_view does not convert to, and these are fed to absl::StrCat.
absl::Status EventError(absl::StatusCode code, int event_index,
                        absl::string_view field, absl::string_view reason);

// The detail of a status made by EventError, if it is one.
std::optional<EventErrorDetail> GetEventErrorDetail(const absl::Status& status);

}  // namespace banen

#endif  // BANEN_LEDGER_EVENT_ERROR_H_
