#include "ledger/codec.h"

#include <cstring>

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

// int32 and int64 fields: a negative value is sign-extended.
uint64_t SignedWire(int64_t value) { return static_cast<uint64_t>(value); }

template <typename Enum>
uint64_t EnumWire(Enum value) {
  return static_cast<uint64_t>(WireNumber(value));
}

// The field of banen.v1.Event that holds the first of EventPayload's kinds;
// the others follow in EventPayload's order (the oneof's numbers 10..23).
constexpr uint32_t kFirstPayloadField = 10;

// The payload as a field of banen.v1.Event.
struct PayloadToWire {
  WireWriter& writer;

  void operator()(const EmployerRegistered& e) const {
    writer.Message(10, [&] {
      writer.String(1, e.employer_id);
      writer.String(2, e.name);
      writer.Varint(3, EnumWire(e.sector));
      writer.String(4, e.parent_employer_id);
    });
  }
  void operator()(const EmployerReclassified& e) const {
    writer.Message(11, [&] {
      writer.String(1, e.employer_id);
      writer.Varint(2, EnumWire(e.sector));
    });
  }
  void operator()(const PersonRegistered& e) const {
    writer.Message(12, [&] {
      writer.String(1, e.person_ref);
      writer.Varint(2, EnumWire(e.grondslag));
    });
  }
  void operator()(const PersonDeregistered& e) const {
    writer.Message(13, [&] {
      writer.String(1, e.person_ref);
      writer.Varint(2, EnumWire(e.reason));
    });
  }
  void operator()(const JobStarted& e) const {
    writer.Message(14, [&] {
      writer.String(1, e.job_id);
      writer.String(2, e.employer_id);
      writer.String(3, e.person_ref);
      writer.Varint(4, EnumWire(e.form));
      writer.Varint(5, SignedWire(e.hours_x100));
      writer.String(6, e.lender_id);
      writer.String(7, e.commissioning_employer_id);
    });
  }
  void operator()(const JobConverted& e) const {
    writer.Message(15, [&] {
      writer.String(1, e.job_id);
      writer.Varint(2, EnumWire(e.to_form));
      writer.Varint(3, SignedWire(e.hours_x100));
    });
  }
  void operator()(const HoursChanged& e) const {
    writer.Message(16, [&] {
      writer.String(1, e.job_id);
      writer.Varint(2, SignedWire(e.hours_x100));
    });
  }
  void operator()(const JobEnded& e) const {
    writer.Message(17, [&] {
      writer.String(1, e.job_id);
      writer.Varint(2, EnumWire(e.reason));
    });
  }
  void operator()(const EventRetracted& e) const {
    writer.Message(18, [&] {
      writer.Varint(1, e.target_seq);
      writer.String(2, e.reason);
    });
  }
  void operator()(const TargetSet& e) const {
    writer.Message(19, [&] {
      writer.Varint(1, EnumWire(e.sector));
      writer.Varint(2, SignedWire(e.year));
      writer.Varint(3, SignedWire(e.banen_x100));
      writer.String(4, e.source);
    });
  }
  void operator()(const BaselineSet& e) const {
    writer.Message(20, [&] {
      writer.Varint(1, EnumWire(e.sector));
      writer.Varint(2, SignedWire(e.banen_x100));
      writer.String(3, e.source);
    });
  }
  void operator()(const InleenKeySet& e) const {
    writer.Message(21, [&] {
      writer.Varint(1, SignedWire(e.year));
      writer.Varint(2, SignedWire(e.overheid_share_x10));
      writer.String(3, e.source);
    });
  }
  void operator()(const EmployerHoursReported& e) const {
    writer.Message(22, [&] {
      writer.String(1, e.employer_id);
      writer.Varint(2, SignedWire(e.year));
      writer.Varint(3, SignedWire(e.paid_hours_x100));
      writer.String(4, e.source);
    });
  }
  void operator()(const QuotaPercentageSet& e) const {
    writer.Message(23, [&] {
      writer.Varint(1, EnumWire(e.sector));
      writer.Varint(2, SignedWire(e.year));
      writer.Varint(3, SignedWire(e.percentage_x100));
      writer.String(4, e.source);
    });
  }
};

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

// Each payload's fields by the numbers PayloadToWire writes them under.
bool ReadPayloadField(const WireField& f, EmployerRegistered& e) {
  switch (f.number) {
    case 1:
      return SetString(f, e.employer_id);
    case 2:
      return SetString(f, e.name);
    case 3:
      return SetEnum(f, kSectorCount, e.sector);
    case 4:
      return SetString(f, e.parent_employer_id);
    default:
      return false;
  }
}
bool ReadPayloadField(const WireField& f, EmployerReclassified& e) {
  switch (f.number) {
    case 1:
      return SetString(f, e.employer_id);
    case 2:
      return SetEnum(f, kSectorCount, e.sector);
    default:
      return false;
  }
}
bool ReadPayloadField(const WireField& f, PersonRegistered& e) {
  switch (f.number) {
    case 1:
      return SetString(f, e.person_ref);
    case 2:
      return SetEnum(f, kGrondslagCount, e.grondslag);
    default:
      return false;
  }
}
bool ReadPayloadField(const WireField& f, PersonDeregistered& e) {
  switch (f.number) {
    case 1:
      return SetString(f, e.person_ref);
    case 2:
      return SetEnum(f, kDeregistrationReasonCount, e.reason);
    default:
      return false;
  }
}
bool ReadPayloadField(const WireField& f, JobStarted& e) {
  switch (f.number) {
    case 1:
      return SetString(f, e.job_id);
    case 2:
      return SetString(f, e.employer_id);
    case 3:
      return SetString(f, e.person_ref);
    case 4:
      return SetEnum(f, kContractFormCount, e.form);
    case 5:
      return SetInt32(f, e.hours_x100);
    case 6:
      return SetString(f, e.lender_id);
    case 7:
      return SetString(f, e.commissioning_employer_id);
    default:
      return false;
  }
}
bool ReadPayloadField(const WireField& f, JobConverted& e) {
  switch (f.number) {
    case 1:
      return SetString(f, e.job_id);
    case 2:
      return SetEnum(f, kContractFormCount, e.to_form);
    case 3:
      return SetInt32(f, e.hours_x100);
    default:
      return false;
  }
}
bool ReadPayloadField(const WireField& f, HoursChanged& e) {
  switch (f.number) {
    case 1:
      return SetString(f, e.job_id);
    case 2:
      return SetInt32(f, e.hours_x100);
    default:
      return false;
  }
}
bool ReadPayloadField(const WireField& f, JobEnded& e) {
  switch (f.number) {
    case 1:
      return SetString(f, e.job_id);
    case 2:
      return SetEnum(f, kOutflowReasonCount, e.reason);
    default:
      return false;
  }
}
bool ReadPayloadField(const WireField& f, EventRetracted& e) {
  switch (f.number) {
    case 1:
      return SetUint64(f, e.target_seq);
    case 2:
      return SetString(f, e.reason);
    default:
      return false;
  }
}
bool ReadPayloadField(const WireField& f, TargetSet& e) {
  switch (f.number) {
    case 1:
      return SetEnum(f, kSectorCount, e.sector);
    case 2:
      return SetInt32(f, e.year);
    case 3:
      return SetInt64(f, e.banen_x100);
    case 4:
      return SetString(f, e.source);
    default:
      return false;
  }
}
bool ReadPayloadField(const WireField& f, BaselineSet& e) {
  switch (f.number) {
    case 1:
      return SetEnum(f, kSectorCount, e.sector);
    case 2:
      return SetInt64(f, e.banen_x100);
    case 3:
      return SetString(f, e.source);
    default:
      return false;
  }
}
bool ReadPayloadField(const WireField& f, InleenKeySet& e) {
  switch (f.number) {
    case 1:
      return SetInt32(f, e.year);
    case 2:
      return SetInt32(f, e.overheid_share_x10);
    case 3:
      return SetString(f, e.source);
    default:
      return false;
  }
}
bool ReadPayloadField(const WireField& f, EmployerHoursReported& e) {
  switch (f.number) {
    case 1:
      return SetString(f, e.employer_id);
    case 2:
      return SetInt32(f, e.year);
    case 3:
      return SetInt64(f, e.paid_hours_x100);
    case 4:
      return SetString(f, e.source);
    default:
      return false;
  }
}
bool ReadPayloadField(const WireField& f, QuotaPercentageSet& e) {
  switch (f.number) {
    case 1:
      return SetEnum(f, kSectorCount, e.sector);
    case 2:
      return SetInt32(f, e.year);
    case 3:
      return SetInt32(f, e.percentage_x100);
    case 4:
      return SetString(f, e.source);
    default:
      return false;
  }
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
  return absl::FromUnixSeconds(proto.seconds()) +
         absl::Nanoseconds(proto.nanos());
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
