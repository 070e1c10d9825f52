// The one place where domain types (ledger/event.h) and the generated
// protobuf types of proto/banen/v1/events.proto meet: used for the on-disk
// encoding here and for the wire contract in services/.
#ifndef BANEN_LEDGER_CODEC_H_
#define BANEN_LEDGER_CODEC_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "banen/v1/events.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "ledger/event.h"

namespace banen {

// Converts a wire event. INVALID_ARGUMENT (with EventErrorDetail for
// `event_index`) when a field cannot be represented: a date that is not
// "YYYY-MM-DD", an enum number outside the contract, no payload.
absl::StatusOr<Event> EventFromProto(const v1::Event& proto, int event_index);
void EventToProto(const Event& event, v1::Event* proto);

// The event whose protobuf encoding (a banen.v1.Event's) is `bytes`, read
// straight into the domain types, when the bytes are in the plain form that
// protobuf's serializer and the canonical encoding write and that
// EventFromProto accepts: known fields only, each once and of its wire type,
// ASCII strings, one payload, enum numbers of the contract, a real day.
// nullopt for anything else: the caller parses the bytes with protobuf and
// converts them with EventFromProto, which applies protobuf's rules to the
// rest (a field twice, unknown fields, UTF-8) and words the errors. Where
// both read the bytes, both give the same event.
std::optional<Event> EventFromWire(std::string_view bytes);

// The stored event whose canonical bytes (CanonicalBytes: a v1::StoredEvent
// with seq, recorded_at, event and recorded_by) are `bytes`, read straight
// into the domain types, its hashes zero (the bytes do not hold them), when
// the bytes are in the plain form the canonical encoding writes and their
// event in EventFromWire's; nullopt for anything else (other fields, a field
// twice, strings beyond ASCII): the caller parses the bytes with protobuf
// and converts them with StoredEventFromProto. Where both read the bytes,
// both give the same event.
std::optional<StoredEvent> StoredEventFromWire(std::string_view bytes);

// Timestamps in both directions, to the nanosecond.
void TimeToProto(absl::Time time, google::protobuf::Timestamp* proto);
absl::Time TimeFromProto(const google::protobuf::Timestamp& proto);

// StoredEvent in both directions; DATA_LOSS when a stored hash is not 32
// bytes.
absl::StatusOr<StoredEvent> StoredEventFromProto(const v1::StoredEvent& proto);
void StoredEventToProto(const StoredEvent& stored, v1::StoredEvent* proto);

// The bytes the hash chain covers: the deterministic serialization of a
// v1::StoredEvent with only seq, recorded_at, event and recorded_by set; an
// empty recorded_by is omitted, so such an event has the bytes it had before
// the field existed. recorded_at has microsecond resolution: sub-microsecond
// parts are dropped (the EventLog only ever assigns whole microseconds).
std::string CanonicalBytes(uint64_t seq, absl::Time recorded_at,
                           const Event& event,
                           std::string_view recorded_by = {});
// Of a stored event (its hashes are not covered).
std::string CanonicalBytes(const StoredEvent& stored);
// The same bytes, appended to `out`.
void AppendCanonicalBytes(uint64_t seq, absl::Time recorded_at,
                          const Event& event, std::string_view recorded_by,
                          std::string& out);

// A hash field of the wire contract: 32 bytes, or empty for all zero (the
// empty log's head). DATA_LOSS naming `field` for any other length.
absl::StatusOr<Hash> HashFromBytes(const std::string& bytes,
                                   std::string_view field);

// SHA-256(prev_hash || canonical).
Hash ChainHash(const Hash& prev_hash, std::string_view canonical);

}  // namespace banen

#endif  // BANEN_LEDGER_CODEC_H_
