#include "ledger/codec.h"

#include <cstring>
#include <string>
#include <tuple>
#include <type_traits>
#include <variant>

#include "absl/strings/str_cat.h"
#include "google/protobuf/timestamp.pb.h"
#include "ledger/absl_compat.h"
#include "ledger/event_error.h"
#include "ledger/internal/sha256.h"
#include "ledger/status_macros.h"
#include "ledger/wire_reader.h"

namespace banen {
namespace {

// The domain enums share the wire numbers; a number outside the domain's
// range is malformed input, not a new value to pass through.
template <typename Enum>
absl::StatusOr<Enum> EnumFromWire(int number, int count, int event_index,
                                  absl::string_view field) {
  if (number < 0 || number >= count) {
    return EventError(absl::StatusCode::kInvalidArgument, event_index, field,
                      absl::StrCat("unknown enum number ", number));
  }
  return static_cast<Enum>(number);
}

template <typename Enum>
int WireNumber(Enum value) {
  return static_cast<int>(value);
}

absl::StatusOr<EventPayload> PayloadFromProto(const v1::Event& proto,
                                              int index) {
  switch (proto.payload_case()) {
    case v1::Event::kEmployerRegistered: {
      const auto& p = proto.employer_registered();
      ASSIGN_OR_RETURN(Sector sector,
                       EnumFromWire<Sector>(p.sector(), kSectorCount, index,
                                            "employer_registered.sector"));
      return EmployerRegistered{p.employer_id(), p.name(), sector,
                                p.parent_employer_id()};
    }
    case v1::Event::kEmployerReclassified: {
      const auto& p = proto.employer_reclassified();
      ASSIGN_OR_RETURN(Sector sector,
                       EnumFromWire<Sector>(p.sector(), kSectorCount, index,
                                            "employer_reclassified.sector"));
      return EmployerReclassified{p.employer_id(), sector};
    }
    case v1::Event::kPersonRegistered: {
      const auto& p = proto.person_registered();
      ASSIGN_OR_RETURN(
          Grondslag grondslag,
          EnumFromWire<Grondslag>(p.grondslag(), kGrondslagCount, index,
                                  "person_registered.grondslag"));
      return PersonRegistered{p.person_ref(), grondslag};
    }
    case v1::Event::kPersonDeregistered: {
      const auto& p = proto.person_deregistered();
      ASSIGN_OR_RETURN(DeregistrationReason reason,
                       EnumFromWire<DeregistrationReason>(
                           p.reason(), kDeregistrationReasonCount, index,
                           "person_deregistered.reason"));
      return PersonDeregistered{p.person_ref(), reason};
    }
    case v1::Event::kJobStarted: {
      const auto& p = proto.job_started();
      ASSIGN_OR_RETURN(ContractForm form,
                       EnumFromWire<ContractForm>(p.form(), kContractFormCount,
                                                  index, "job_started.form"));
      return JobStarted{p.job_id(),
                        p.employer_id(),
                        p.person_ref(),
                        form,
                        p.hours_per_week_x100(),
                        p.lender_id(),
                        p.commissioning_employer_id()};
    }
    case v1::Event::kJobConverted: {
      const auto& p = proto.job_converted();
      ASSIGN_OR_RETURN(ContractForm form, EnumFromWire<ContractForm>(
                                              p.to_form(), kContractFormCount,
                                              index, "job_converted.to_form"));
      return JobConverted{p.job_id(), form, p.hours_per_week_x100()};
    }
    case v1::Event::kHoursChanged: {
      const auto& p = proto.hours_changed();
      return HoursChanged{p.job_id(), p.hours_per_week_x100()};
    }
    case v1::Event::kJobEnded: {
      const auto& p = proto.job_ended();
      ASSIGN_OR_RETURN(
          OutflowReason reason,
          EnumFromWire<OutflowReason>(p.reason(), kOutflowReasonCount, index,
                                      "job_ended.reason"));
      return JobEnded{p.job_id(), reason};
    }
    case v1::Event::kEventRetracted: {
      const auto& p = proto.event_retracted();
      return EventRetracted{p.target_seq(), p.reason()};
    }
    case v1::Event::kTargetSet: {
      const auto& p = proto.target_set();
      ASSIGN_OR_RETURN(Sector sector,
                       EnumFromWire<Sector>(p.sector(), kSectorCount, index,
                                            "target_set.sector"));
      return TargetSet{sector, p.year(), p.banen_x100(), p.source()};
    }
    case v1::Event::kBaselineSet: {
      const auto& p = proto.baseline_set();
      ASSIGN_OR_RETURN(Sector sector,
                       EnumFromWire<Sector>(p.sector(), kSectorCount, index,
                                            "baseline_set.sector"));
      return BaselineSet{sector, p.banen_x100(), p.source()};
    }
    case v1::Event::kInleenKeySet: {
      const auto& p = proto.inleen_key_set();
      return InleenKeySet{p.year(), p.overheid_share_x10(), p.source()};
    }
    case v1::Event::kEmployerHoursReported: {
      const auto& p = proto.employer_hours_reported();
      return EmployerHoursReported{p.employer_id(), p.year(),
                                   p.paid_hours_x100(), p.source()};
    }
    case v1::Event::kQuotaPercentageSet: {
      const auto& p = proto.quota_percentage_set();
      ASSIGN_OR_RETURN(Sector sector,
                       EnumFromWire<Sector>(p.sector(), kSectorCount, index,
                                            "quota_percentage_set.sector"));
      return QuotaPercentageSet{sector, p.year(), p.percentage_x100(),
                                p.source()};
    }
    case v1::Event::PAYLOAD_NOT_SET:
      break;
  }
  return EventError(absl::StatusCode::kInvalidArgument, index, "payload",
                    "no event payload is set");
}

struct PayloadToProto {
  v1::Event* proto;

  void operator()(const EmployerRegistered& e) const {
    auto* p = proto->mutable_employer_registered();
    p->set_employer_id(e.employer_id);
    p->set_name(e.name);
    p->set_sector(static_cast<v1::Sector>(WireNumber(e.sector)));
    p->set_parent_employer_id(e.parent_employer_id);
  }
  void operator()(const EmployerReclassified& e) const {
    auto* p = proto->mutable_employer_reclassified();
    p->set_employer_id(e.employer_id);
    p->set_sector(static_cast<v1::Sector>(WireNumber(e.sector)));
  }
  void operator()(const PersonRegistered& e) const {
    auto* p = proto->mutable_person_registered();
    p->set_person_ref(e.person_ref);
    p->set_grondslag(static_cast<v1::Grondslag>(WireNumber(e.grondslag)));
  }
  void operator()(const PersonDeregistered& e) const {
    auto* p = proto->mutable_person_deregistered();
    p->set_person_ref(e.person_ref);
    p->set_reason(static_cast<v1::DeregistrationReason>(WireNumber(e.reason)));
  }
  void operator()(const JobStarted& e) const {
    auto* p = proto->mutable_job_started();
    p->set_job_id(e.job_id);
    p->set_employer_id(e.employer_id);
    p->set_person_ref(e.person_ref);
    p->set_form(static_cast<v1::ContractForm>(WireNumber(e.form)));
    p->set_hours_per_week_x100(e.hours_x100);
    p->set_lender_id(e.lender_id);
    p->set_commissioning_employer_id(e.commissioning_employer_id);
  }
  void operator()(const JobConverted& e) const {
    auto* p = proto->mutable_job_converted();
    p->set_job_id(e.job_id);
    p->set_to_form(static_cast<v1::ContractForm>(WireNumber(e.to_form)));
    p->set_hours_per_week_x100(e.hours_x100);
  }
  void operator()(const HoursChanged& e) const {
    auto* p = proto->mutable_hours_changed();
    p->set_job_id(e.job_id);
    p->set_hours_per_week_x100(e.hours_x100);
  }
  void operator()(const JobEnded& e) const {
    auto* p = proto->mutable_job_ended();
    p->set_job_id(e.job_id);
    p->set_reason(static_cast<v1::OutflowReason>(WireNumber(e.reason)));
  }
  void operator()(const EventRetracted& e) const {
    auto* p = proto->mutable_event_retracted();
    p->set_target_seq(e.target_seq);
    p->set_reason(e.reason);
  }
  void operator()(const TargetSet& e) const {
    auto* p = proto->mutable_target_set();
    p->set_sector(static_cast<v1::Sector>(WireNumber(e.sector)));
    p->set_year(e.year);
    p->set_banen_x100(e.banen_x100);
    p->set_source(e.source);
  }
  void operator()(const BaselineSet& e) const {
    auto* p = proto->mutable_baseline_set();
    p->set_sector(static_cast<v1::Sector>(WireNumber(e.sector)));
    p->set_banen_x100(e.banen_x100);
    p->set_source(e.source);
  }
  void operator()(const InleenKeySet& e) const {
    auto* p = proto->mutable_inleen_key_set();
    p->set_year(e.year);
    p->set_overheid_share_x10(e.overheid_share_x10);
    p->set_source(e.source);
  }
  void operator()(const EmployerHoursReported& e) const {
    auto* p = proto->mutable_employer_hours_reported();
    p->set_employer_id(e.employer_id);
    p->set_year(e.year);
    p->set_paid_hours_x100(e.paid_hours_x100);
    p->set_source(e.source);
  }
  void operator()(const QuotaPercentageSet& e) const {
    auto* p = proto->mutable_quota_percentage_set();
    p->set_sector(static_cast<v1::Sector>(WireNumber(e.sector)));
    p->set_year(e.year);
    p->set_percentage_x100(e.percentage_x100);
    p->set_source(e.source);
  }
};

// Writes protobuf's wire format straight from the domain types, for the
// canonical bytes (docs/CHAIN_FORMAT.md), which every append encodes: the
// same bytes as PayloadToProto's message serialized, without building it
// (codec_test checks the two agree on random events of every kind). proto3
// rules: a scalar or string holding its default is omitted; a message is
// written even when empty.
class WireWriter {
 public:
  explicit WireWriter(std::string& out) : out_(out) {}

  // uint64, or int32/int64 (a negative one sign-extended to ten bytes) and
  // enums cast to uint64_t.
  void Varint(int field, uint64_t value) {
    if (value == 0) return;
    Raw((static_cast<uint64_t>(field) << 3) | kVarint);
    Raw(value);
  }
  void String(int field, std::string_view value) {
    if (value.empty()) return;
    Raw((static_cast<uint64_t>(field) << 3) | kLengthDelimited);
    Raw(value.size());
    out_.append(value);
  }
  // A nested message that write() appends; its length goes before it.
  template <typename Write>
  void Message(int field, Write write) {
    Raw((static_cast<uint64_t>(field) << 3) | kLengthDelimited);
    // One byte holds lengths below 128, nearly every message's; a longer
    // one moves the message up to make room.
    const size_t length_at = out_.size();
    out_.push_back('\0');
    write();
    const size_t length = out_.size() - length_at - 1;
    char bytes[kMaxVarintBytes];
    const size_t count = EncodeVarint(length, bytes);
    out_.replace(length_at, 1, bytes, count);
  }

 private:
  static constexpr uint64_t kVarint = 0;
  static constexpr uint64_t kLengthDelimited = 2;
  static constexpr size_t kMaxVarintBytes = 10;

  static size_t EncodeVarint(uint64_t value, char* bytes) {
    size_t count = 0;
    while (value >= 0x80) {
      bytes[count++] = static_cast<char>(value | 0x80);
      value >>= 7;
    }
    bytes[count++] = static_cast<char>(value);
    return count;
  }
  void Raw(uint64_t value) {
    char bytes[kMaxVarintBytes];
    out_.append(bytes, EncodeVarint(value, bytes));
  }

  std::string& out_;
};

// Each payload kind's fields in its message (proto/banen/v1/events.proto),
// for the canonical encoding (PayloadToWire) and EventFromWire alike: a
// field's number and its member, whose type says how it goes on the wire
// (a string, an enum, int32, int64 or uint64).
template <typename Payload, typename Member>
struct PayloadField {
  uint32_t number;
  Member Payload::*member;
};
template <typename Payload, typename Member>
PayloadField(uint32_t, Member Payload::*) -> PayloadField<Payload, Member>;

template <typename Payload>
constexpr auto kPayloadFields = nullptr;
template <>
constexpr auto kPayloadFields<EmployerRegistered> =
    std::tuple{PayloadField{1, &EmployerRegistered::employer_id},
               PayloadField{2, &EmployerRegistered::name},
               PayloadField{3, &EmployerRegistered::sector},
               PayloadField{4, &EmployerRegistered::parent_employer_id}};
template <>
constexpr auto kPayloadFields<EmployerReclassified> =
    std::tuple{PayloadField{1, &EmployerReclassified::employer_id},
               PayloadField{2, &EmployerReclassified::sector}};
template <>
constexpr auto kPayloadFields<PersonRegistered> =
    std::tuple{PayloadField{1, &PersonRegistered::person_ref},
               PayloadField{2, &PersonRegistered::grondslag}};
template <>
constexpr auto kPayloadFields<PersonDeregistered> =
    std::tuple{PayloadField{1, &PersonDeregistered::person_ref},
               PayloadField{2, &PersonDeregistered::reason}};
template <>
constexpr auto kPayloadFields<JobStarted> =
    std::tuple{PayloadField{1, &JobStarted::job_id},
               PayloadField{2, &JobStarted::employer_id},
               PayloadField{3, &JobStarted::person_ref},
               PayloadField{4, &JobStarted::form},
               PayloadField{5, &JobStarted::hours_x100},
               PayloadField{6, &JobStarted::lender_id},
               PayloadField{7, &JobStarted::commissioning_employer_id}};
template <>
constexpr auto kPayloadFields<JobConverted> =
    std::tuple{PayloadField{1, &JobConverted::job_id},
               PayloadField{2, &JobConverted::to_form},
               PayloadField{3, &JobConverted::hours_x100}};
template <>
constexpr auto kPayloadFields<HoursChanged> =
    std::tuple{PayloadField{1, &HoursChanged::job_id},
               PayloadField{2, &HoursChanged::hours_x100}};
template <>
constexpr auto kPayloadFields<JobEnded> = std::tuple{
    PayloadField{1, &JobEnded::job_id}, PayloadField{2, &JobEnded::reason}};
template <>
constexpr auto kPayloadFields<EventRetracted> =
    std::tuple{PayloadField{1, &EventRetracted::target_seq},
               PayloadField{2, &EventRetracted::reason}};
template <>
constexpr auto kPayloadFields<TargetSet> = std::tuple{
    PayloadField{1, &TargetSet::sector}, PayloadField{2, &TargetSet::year},
    PayloadField{3, &TargetSet::banen_x100},
    PayloadField{4, &TargetSet::source}};
template <>
constexpr auto kPayloadFields<BaselineSet> =
    std::tuple{PayloadField{1, &BaselineSet::sector},
               PayloadField{2, &BaselineSet::banen_x100},
               PayloadField{3, &BaselineSet::source}};
template <>
constexpr auto kPayloadFields<InleenKeySet> =
    std::tuple{PayloadField{1, &InleenKeySet::year},
               PayloadField{2, &InleenKeySet::overheid_share_x10},
               PayloadField{3, &InleenKeySet::source}};
template <>
constexpr auto kPayloadFields<EmployerHoursReported> =
    std::tuple{PayloadField{1, &EmployerHoursReported::employer_id},
               PayloadField{2, &EmployerHoursReported::year},
               PayloadField{3, &EmployerHoursReported::paid_hours_x100},
               PayloadField{4, &EmployerHoursReported::source}};
template <>
constexpr auto kPayloadFields<QuotaPercentageSet> =
    std::tuple{PayloadField{1, &QuotaPercentageSet::sector},
               PayloadField{2, &QuotaPercentageSet::year},
               PayloadField{3, &QuotaPercentageSet::percentage_x100},
               PayloadField{4, &QuotaPercentageSet::source}};

// The index of `Payload` among EventPayload's kinds.
template <typename Payload, typename... Kinds>
constexpr size_t IndexAmong(const std::variant<Kinds...>* /*kinds*/) {
  constexpr bool kIs[] = {std::is_same_v<Payload, Kinds>...};
  size_t index = 0;
  while (index < sizeof...(Kinds) && !kIs[index]) ++index;
  return index;
}
template <typename Payload>
constexpr size_t PayloadIndex() {
  return IndexAmong<Payload>(static_cast<const EventPayload*>(nullptr));
}

// The field of banen.v1.Event that holds the first of EventPayload's kinds;
// the others follow in EventPayload's order (the oneof's numbers 10..23).
constexpr uint32_t kFirstPayloadField = 10;

// Writes a payload's field as its member's type goes on the wire: int32 and
// int64 sign-extended, enums by their wire numbers.
template <typename Member>
void WriteMember(WireWriter& writer, uint32_t number, const Member& value) {
  if constexpr (std::is_same_v<Member, std::string>) {
    writer.String(static_cast<int>(number), value);
  } else if constexpr (std::is_enum_v<Member>) {
    writer.Varint(static_cast<int>(number),
                  static_cast<uint64_t>(WireNumber(value)));
  } else {
    static_assert(std::is_same_v<Member, int32_t> ||
                  std::is_same_v<Member, int64_t> ||
                  std::is_same_v<Member, uint64_t>);
    writer.Varint(static_cast<int>(number), static_cast<uint64_t>(value));
  }
}

// The payload as a field of banen.v1.Event.
struct PayloadToWire {
  WireWriter& writer;

  template <typename Payload>
  void operator()(const Payload& payload) const {
    constexpr size_t kIndex = PayloadIndex<Payload>();
    writer.Message(static_cast<int>(kFirstPayloadField + kIndex), [&] {
      std::apply(
          [&](const auto&... field) {
            (WriteMember(writer, field.number, payload.*field.member), ...);
          },
          kPayloadFields<Payload>);
    });
  }
};

// The time a google.protobuf.Timestamp's two fields name, read from a
// message (TimeFromProto) or from its bytes (StoredEventFromWire).
absl::Time TimeOfTimestamp(int64_t seconds, int32_t nanos) {
  return absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
}

// The setters of ReadPayloadField: each false for a field of another wire
// type or a value EventFromProto would refuse (or, for strings, one that
// protobuf's parser would check as UTF-8).
bool SetString(const WireField& field, std::string& out) {
  if (!field.delimited || !IsAscii(field.bytes)) return false;
  out.assign(field.bytes);
  return true;
}
// protobuf keeps an int32's low 32 bits of the varint, as here.
bool SetInt32(const WireField& field, int32_t& out) {
  if (field.delimited) return false;
  out = static_cast<int32_t>(static_cast<uint32_t>(field.varint));
  return true;
}
bool SetInt64(const WireField& field, int64_t& out) {
  if (field.delimited) return false;
  out = static_cast<int64_t>(field.varint);
  return true;
}
bool SetUint64(const WireField& field, uint64_t& out) {
  if (field.delimited) return false;
  out = field.varint;
  return true;
}
template <typename Enum>
bool SetEnum(const WireField& field, int count, Enum& out) {
  int32_t number = 0;
  if (!SetInt32(field, number) || number < 0 || number >= count) return false;
  out = static_cast<Enum>(number);
  return true;
}

// The number of values of each enum of the payloads: a wire number at or
// above it is one EventFromProto refuses.
constexpr int EnumCount(Sector /*value*/) { return kSectorCount; }
constexpr int EnumCount(Grondslag /*value*/) { return kGrondslagCount; }
constexpr int EnumCount(DeregistrationReason /*value*/) {
  return kDeregistrationReasonCount;
}
constexpr int EnumCount(ContractForm /*value*/) { return kContractFormCount; }
constexpr int EnumCount(OutflowReason /*value*/) { return kOutflowReasonCount; }

template <typename Member>
bool SetMember(const WireField& field, Member& out) {
  if constexpr (std::is_same_v<Member, std::string>) {
    return SetString(field, out);
  } else if constexpr (std::is_enum_v<Member>) {
    return SetEnum(field, EnumCount(out), out);
  } else if constexpr (std::is_same_v<Member, int32_t>) {
    return SetInt32(field, out);
  } else if constexpr (std::is_same_v<Member, int64_t>) {
    return SetInt64(field, out);
  } else {
    static_assert(std::is_same_v<Member, uint64_t>);
    return SetUint64(field, out);
  }
}

// Sets the member of `payload` that `field` is (kPayloadFields); false for
// a field number its message does not have.
template <typename Payload>
bool ReadPayloadField(const WireField& field, Payload& payload) {
  return std::apply(
      [&](const auto&... of) {
        return ((of.number == field.number &&
                 SetMember(field, payload.*of.member)) ||
                ...);
      },
      kPayloadFields<Payload>);
}

// The payload under Event's field `number` (10 + its EventPayload index).
template <size_t kIndex = 0>
bool ReadPayload(uint32_t number, std::string_view bytes,
                 EventPayload& payload) {
  if constexpr (kIndex < std::variant_size_v<EventPayload>) {
    if (number != kFirstPayloadField + kIndex) {
      return ReadPayload<kIndex + 1>(number, bytes, payload);
    }
    auto& read = payload.emplace<kIndex>();
    return ReadFields(bytes, [&read](const WireField& field) {
      return ReadPayloadField(field, read);
    });
  } else {
    return false;
  }
}

}  // namespace

std::optional<Event> EventFromWire(std::string_view bytes) {
  Event event;
  bool has_payload = false;
  bool has_date = false;
  const bool read = ReadFields(bytes, [&](const WireField& field) {
    switch (field.number) {
      case 1:
        return SetString(field, event.event_id);
      case 2: {
        if (!field.delimited) return false;
        const std::optional<Date> date = ParseDate(field.bytes);
        if (!date.has_value()) return false;
        event.effective_date = *date;
        has_date = true;
        return true;
      }
      default:
        if (has_payload || !field.delimited) return false;
        has_payload = true;
        return ReadPayload(field.number, field.bytes, event.payload);
    }
  });
  if (!read || !has_payload || !has_date) return std::nullopt;
  return event;
}

std::optional<StoredEvent> StoredEventFromWire(std::string_view bytes) {
  StoredEvent stored;
  int64_t seconds = 0;
  int32_t nanos = 0;
  bool has_event = false;
  const bool read = ReadFields(bytes, [&](const WireField& field) {
    switch (field.number) {
      case 1:
        return SetUint64(field, stored.seq);
      case 2:  // a google.protobuf.Timestamp
        return field.delimited &&
               ReadFields(field.bytes, [&](const WireField& part) {
                 switch (part.number) {
                   case 1:
                     return SetInt64(part, seconds);
                   case 2:
                     return SetInt32(part, nanos);
                   default:
                     return false;
                 }
               });
      case 3: {
        if (!field.delimited) return false;
        std::optional<Event> event = EventFromWire(field.bytes);
        if (!event.has_value()) return false;
        stored.event = *std::move(event);
        has_event = true;
        return true;
      }
      case 6:
        return SetString(field, stored.recorded_by);
      default:
        return false;
    }
  });
  if (!read || !has_event) return std::nullopt;
  stored.recorded_at = TimeOfTimestamp(seconds, nanos);
  return stored;
}

absl::StatusOr<Hash> HashFromBytes(const std::string& bytes,
                                   std::string_view field) {
  Hash hash{};
  if (bytes.empty()) return hash;
  if (bytes.size() != hash.size()) {
    return absl::DataLossError(
        absl::StrCat(AbslView(field), " has ", bytes.size(), " bytes, not 32"));
  }
  std::memcpy(hash.data(), bytes.data(), hash.size());
  return hash;
}

namespace {

std::string HashToBytes(const Hash& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

}  // namespace

void TimeToProto(absl::Time time, google::protobuf::Timestamp* proto) {
  // Floor to whole seconds keeps nanos in [0, 1e9) before 1970 too.
  const absl::Duration since_epoch = time - absl::UnixEpoch();
  const int64_t seconds =
      absl::ToInt64Seconds(absl::Floor(since_epoch, absl::Seconds(1)));
  proto->set_seconds(seconds);
  proto->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(since_epoch - absl::Seconds(seconds))));
}

absl::Time TimeFromProto(const google::protobuf::Timestamp& proto) {
  return TimeOfTimestamp(proto.seconds(), proto.nanos());
}

absl::StatusOr<Event> EventFromProto(const v1::Event& proto, int event_index) {
  Event event;
  event.event_id = proto.event_id();
  const std::optional<Date> date = ParseDate(proto.effective_date());
  if (!date.has_value()) {
    return EventError(absl::StatusCode::kInvalidArgument, event_index,
                      "effective_date", "must be a real day as YYYY-MM-DD");
  }
  event.effective_date = *date;
  ASSIGN_OR_RETURN(event.payload, PayloadFromProto(proto, event_index));
  return event;
}

void EventToProto(const Event& event, v1::Event* proto) {
  proto->Clear();
  proto->set_event_id(event.event_id);
  proto->set_effective_date(FormatDate(event.effective_date));
  std::visit(PayloadToProto{proto}, event.payload);
}

absl::StatusOr<StoredEvent> StoredEventFromProto(const v1::StoredEvent& proto) {
  StoredEvent stored;
  stored.seq = proto.seq();
  stored.recorded_at = TimeFromProto(proto.recorded_at());
  absl::StatusOr<Event> event = EventFromProto(proto.event(), -1);
  if (!event.ok()) {
    return absl::DataLossError(absl::StrCat("stored event ", proto.seq(), ": ",
                                            event.status().message()));
  }
  stored.event = *std::move(event);
  ASSIGN_OR_RETURN(stored.prev_hash,
                   HashFromBytes(proto.prev_hash(), "prev_hash"));
  ASSIGN_OR_RETURN(stored.hash, HashFromBytes(proto.hash(), "hash"));
  stored.recorded_by = proto.recorded_by();
  return stored;
}

void StoredEventToProto(const StoredEvent& stored, v1::StoredEvent* proto) {
  proto->Clear();
  proto->set_seq(stored.seq);
  TimeToProto(stored.recorded_at, proto->mutable_recorded_at());
  EventToProto(stored.event, proto->mutable_event());
  proto->set_prev_hash(HashToBytes(stored.prev_hash));
  proto->set_hash(HashToBytes(stored.hash));
  proto->set_recorded_by(stored.recorded_by);
}

std::string CanonicalBytes(uint64_t seq, absl::Time recorded_at,
                           const Event& event, std::string_view recorded_by) {
  std::string bytes;
  AppendCanonicalBytes(seq, recorded_at, event, recorded_by, bytes);
  return bytes;
}

std::string CanonicalBytes(const StoredEvent& stored) {
  return CanonicalBytes(stored.seq, stored.recorded_at, stored.event,
                        stored.recorded_by);
}

void AppendCanonicalBytes(uint64_t seq, absl::Time recorded_at,
                          const Event& event, std::string_view recorded_by,
                          std::string& out) {
  WireWriter writer(out);
  writer.Varint(1, seq);
  // Whole microseconds (the stored resolution), floored into seconds and
  // nanos as TimeToProto does.
  const int64_t micros = absl::ToUnixMicros(recorded_at);
  const int64_t seconds = micros / 1'000'000 - (micros % 1'000'000 < 0 ? 1 : 0);
  writer.Message(2, [&] {
    writer.Varint(1, static_cast<uint64_t>(seconds));
    writer.Varint(
        2, static_cast<uint64_t>((micros - seconds * 1'000'000) * 1'000));
  });
  writer.Message(3, [&] {
    writer.String(1, event.event_id);
    writer.String(2, FormatDate(event.effective_date));
    std::visit(PayloadToWire{writer}, event.payload);
  });
  writer.String(6, recorded_by);
}

Hash ChainHash(const Hash& prev_hash, std::string_view canonical) {
  return Sha256({HashBytes(prev_hash), canonical});
}

}  // namespace banen
