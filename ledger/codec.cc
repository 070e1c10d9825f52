#include "ledger/codec.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/timestamp.pb.h"
#include "ledger/absl_compat.h"
#include "ledger/event_error.h"
#include "ledger/internal/sha256.h"
#include "ledger/status_macros.h"

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

}  // namespace

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
  // The message lives on a stack arena: this runs once per appended event.
  alignas(8) char block[2048];
  google::protobuf::ArenaOptions arena_options;
  arena_options.initial_block = block;
  arena_options.initial_block_size = sizeof(block);
  google::protobuf::Arena arena(arena_options);
  auto* proto = google::protobuf::Arena::CreateMessage<v1::StoredEvent>(&arena);
  proto->set_seq(seq);
  TimeToProto(absl::FromUnixMicros(absl::ToUnixMicros(recorded_at)),
              proto->mutable_recorded_at());
  EventToProto(event, proto->mutable_event());
  proto->set_recorded_by(recorded_by.data(), recorded_by.size());
  // Without map fields, the plain serialization is the deterministic one.
  const size_t size = proto->ByteSizeLong();
  const size_t offset = out.size();
  out.resize(offset + size);
  proto->SerializeWithCachedSizesToArray(
      reinterpret_cast<uint8_t*>(out.data() + offset));
}

Hash ChainHash(const Hash& prev_hash, std::string_view canonical) {
  return Sha256({HashBytes(prev_hash), canonical});
}

}  // namespace banen
