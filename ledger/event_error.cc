#include "ledger/event_error.h"

#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace banen {
namespace {

constexpr absl::string_view kDetailTypeUrl = "type.banen/EventErrorDetail";
// Separates the three parts of the payload; never part of a field or reason.
constexpr char kSeparator = '\x1f';

}  // namespace

absl::Status EventError(absl::StatusCode code, int event_index,
                        absl::string_view field, absl::string_view reason) {
  std::string message =
      event_index >= 0 ? absl::StrCat("event ", event_index, ": ") : "";
  if (!field.empty()) absl::StrAppend(&message, field, ": ");
  absl::StrAppend(&message, reason);
  absl::Status status(code, message);
  status.SetPayload(
      kDetailTypeUrl,
      absl::Cord(absl::StrCat(event_index, std::string(1, kSeparator), field,
                              std::string(1, kSeparator), reason)));
  return status;
}

std::optional<EventErrorDetail> GetEventErrorDetail(
    const absl::Status& status) {
  const absl::optional<absl::Cord> payload = status.GetPayload(kDetailTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  const std::vector<std::string> parts =
      absl::StrSplit(std::string(*payload), absl::MaxSplits(kSeparator, 2));
  EventErrorDetail detail;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &detail.event_index)) {
    return std::nullopt;
  }
  detail.field = parts[1];
  detail.reason = parts[2];
  return detail;
}

}  // namespace banen
