// The rules of DOMAIN.md §4 that an event's own fields must satisfy,
// independent of what the ledger already holds (those are in ledger_state.h).
// Every violation is INVALID_ARGUMENT naming the event index and field.
#ifndef BANEN_LEDGER_VALIDATION_H_
#define BANEN_LEDGER_VALIDATION_H_

#include <string_view>

#include "absl/status/status.h"
#include "ledger/event.h"

namespace banen {

// Bounds on what one event may hold, so a stored event, a batch in memory and
// a message to a subscriber stay small. New events are held to them when they
// are appended (a server may set its own: EventLogOptions::field_limits);
// stored events are never re-checked, so lowering a bound cannot make a
// stored event unreadable.
inline constexpr size_t kMaxIdBytes = 128;     // event_id and the *_id fields
inline constexpr size_t kMaxTextBytes = 1024;  // name, reason, source
struct FieldLimits {
  size_t max_id_bytes = kMaxIdBytes;
  size_t max_text_bytes = kMaxTextBytes;
};
inline constexpr Date kEarliestEffectiveDate{10227};  // 1998-01-01
inline constexpr int kMaxDaysAhead = 366;
inline constexpr int kFirstTargetYear = 2013;
inline constexpr int kLastTargetYear = 2100;
// Inleen keys start with the baseline's year (kBaselineInleenKeyYear).
inline constexpr int kFirstInleenKeyYear = kBaselineInleenKeyYear;
// Liability for the quota of a year needs the paid hours of the year before.
inline constexpr int kFirstPaidHoursYear = kFirstTargetYear - 1;

// 9 digits passing the 11-check (9*d1 + 8*d2 + ... + 2*d8 - d9 = 0 mod 11).
bool IsValidBsn(std::string_view text);

// Whether `text` holds a BSN: a run of exactly 9 ASCII digits (not part of a
// longer run, which is another kind of number) that passes the 11-check.
// Every string field of an event is refused with it (INVALID_ARGUMENT naming
// the field, never the value), ids and free text as much as person_ref: a
// BSN must not reach the store by any field. About one in eleven 9-digit
// numbers passes, so an id scheme with 9-digit counters (or hex that may
// hold 9 digits in a row) should pad to 10 digits or use another alphabet.
bool ContainsBsn(std::string_view text);

// A pseudonym: 16-64 of [A-Za-z0-9_-]. (Holding a BSN is checked apart.)
bool IsValidPersonRef(std::string_view text);

// Checks only event_id, so duplicates can be recognised before the rest.
absl::Status ValidateEventId(const Event& event, int index,
                             const FieldLimits& limits = {});

// Checks every field of `event` (event `index` of its batch) recorded on
// `recorded_date`.
absl::Status ValidateFields(const Event& event, int index, Date recorded_date,
                            const FieldLimits& limits = {});

}  // namespace banen

#endif  // BANEN_LEDGER_VALIDATION_H_
