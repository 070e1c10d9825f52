// The rules of DOMAIN.md §4 that an event's own fields must satisfy,
// independent of what the ledger already holds (those are in ledger_state.h).
// Every violation is INVALID_ARGUMENT naming the event index and field.
#ifndef BANEN_LEDGER_VALIDATION_H_
#define BANEN_LEDGER_VALIDATION_H_

#include <string_view>

#include "absl/status/status.h"
#include "ledger/event.h"

namespace banen {

inline constexpr size_t kMaxIdBytes = 128;
inline constexpr Date kEarliestEffectiveDate{10227};  // 1998-01-01
inline constexpr int kMaxDaysAhead = 366;
inline constexpr int kFirstTargetYear = 2013;
inline constexpr int kLastTargetYear = 2100;

// 9 digits passing the 11-check (9*d1 + 8*d2 + ... + 2*d8 - d9 = 0 mod 11).
bool IsValidBsn(std::string_view text);

// A pseudonym: 16-64 of [A-Za-z0-9_-], and not a BSN.
bool IsValidPersonRef(std::string_view text);

// Checks only event_id, so duplicates can be recognised before the rest.
absl::Status ValidateEventId(const Event& event, int index);

// Checks every field of `event` (event `index` of its batch) recorded on
// `recorded_date`.
absl::Status ValidateFields(const Event& event, int index, Date recorded_date);

}  // namespace banen

#endif  // BANEN_LEDGER_VALIDATION_H_
