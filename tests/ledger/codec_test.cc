// ledger/codec.h: domain <-> proto, canonical bytes and the chain hash.
#include "ledger/codec.h"

#include <cstdint>
#include <iterator>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "banen/v1/events.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/stubs/logging.h"
#include "gtest/gtest.h"
#include "ledger/event.h"
#include "tests/ledger/test_events.h"
#include "tests/ledger/test_util.h"

namespace banen {
namespace {

using test::CheckEventError;
using test::kPerson1;
using test::StatusIs;

// The ledger records time in whole microseconds (what it stores).
const absl::Time kRecordedAt =
    absl::FromUnixSeconds(1735732800) + absl::Microseconds(123456);

Hash HashOfByte(uint8_t byte) {
  Hash hash;
  hash.fill(byte);
  return hash;
}

v1::Event ProtoOf(const Event& event) {
  v1::Event proto;
  EventToProto(event, &proto);
  return proto;
}

v1::Event AJobStartedProto() {
  return ProtoOf(test::JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1",
                                       kPerson1, ContractForm::kVast, 2550));
}

std::string DeterministicBytes(const google::protobuf::MessageLite& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

TEST(Codec, EventRoundTripsThroughWireBytesForEveryPayloadKind) {
  const std::vector<Event> events = test::OneEventOfEachKind();
  std::set<EventKind> kinds;
  for (const Event& event : events) {
    SCOPED_TRACE(EventKindName(event.kind()));
    kinds.insert(event.kind());
    std::string wire;
    ASSERT_TRUE(ProtoOf(event).SerializeToString(&wire));
    v1::Event parsed;
    ASSERT_TRUE(parsed.ParseFromString(wire));
    ASSERT_OK_AND_ASSIGN(const Event back, EventFromProto(parsed, 0));
    EXPECT_EQ(back, event);
  }
  EXPECT_EQ(kinds.size(), static_cast<size_t>(kEventKindCount));
}

TEST(Codec, EventToProtoFillsTheWireFields) {
  const v1::Event proto = ProtoOf(test::JobStartedEvent(
      "e1", "2024-01-15", "job-1", "emp-1", kPerson1,
      ContractForm::kInleenUitzend, 3200, "uitzendbureau-3"));
  EXPECT_EQ(proto.event_id(), "e1");
  EXPECT_EQ(proto.effective_date(), "2024-01-15");
  ASSERT_EQ(proto.payload_case(), v1::Event::kJobStarted);
  const v1::JobStarted& job = proto.job_started();
  EXPECT_EQ(job.job_id(), "job-1");
  EXPECT_EQ(job.employer_id(), "emp-1");
  EXPECT_EQ(job.person_ref(), kPerson1);
  EXPECT_EQ(job.form(), v1::CONTRACT_FORM_INLEEN_UITZEND);
  EXPECT_EQ(job.hours_per_week_x100(), 3200);
  EXPECT_EQ(job.lender_id(), "uitzendbureau-3");
  EXPECT_EQ(job.commissioning_employer_id(), "");
}

// Every wire enum value has a domain value: the counts match at compile
// time, so a value added to events.proto without one does not build.
static_assert(kSectorCount == v1::Sector_ARRAYSIZE);
static_assert(kContractFormCount == v1::ContractForm_ARRAYSIZE);
static_assert(kOutflowReasonCount == v1::OutflowReason_ARRAYSIZE);
static_assert(kDeregistrationReasonCount == v1::DeregistrationReason_ARRAYSIZE);

// Every value, by number: the codec writes the domain value as the wire
// number of the same name ("SECTOR_" + SectorName, ...).
TEST(Codec, EverySectorIsTheWireSectorOfTheSameName) {
  for (int n = 0; n < kSectorCount; ++n) {
    const Sector sector = static_cast<Sector>(n);
    const v1::Event proto =
        ProtoOf(test::TargetSetEvent("t", "2024-01-01", sector, 2024, 100));
    EXPECT_EQ(proto.target_set().sector(), n);
    EXPECT_EQ(v1::Sector_Name(n), "SECTOR_" + std::string(SectorName(sector)));
  }
}

TEST(Codec, EveryContractFormIsTheWireFormOfTheSameName) {
  for (int n = 0; n < kContractFormCount; ++n) {
    const ContractForm form = static_cast<ContractForm>(n);
    const v1::Event proto = ProtoOf(test::JobStartedEvent(
        "e", "2024-01-15", "job-1", "emp-1", kPerson1, form, 2550));
    EXPECT_EQ(proto.job_started().form(), n);
    EXPECT_EQ(v1::ContractForm_Name(n),
              "CONTRACT_FORM_" + std::string(ContractFormName(form)));
  }
}

TEST(Codec, EveryOutflowReasonIsTheWireReasonOfTheSameName) {
  for (int n = 0; n < kOutflowReasonCount; ++n) {
    const OutflowReason reason = static_cast<OutflowReason>(n);
    const v1::Event proto =
        ProtoOf(test::JobEndedEvent("x", "2024-06-01", "job-1", reason));
    EXPECT_EQ(proto.job_ended().reason(), n);
    EXPECT_EQ(v1::OutflowReason_Name(n),
              "OUTFLOW_REASON_" + std::string(OutflowReasonName(reason)));
  }
}

TEST(Codec, EveryDeregistrationReasonIsTheWireReasonOfTheSameName) {
  for (int n = 0; n < kDeregistrationReasonCount; ++n) {
    const DeregistrationReason reason = static_cast<DeregistrationReason>(n);
    const v1::Event proto = ProtoOf(
        test::PersonDeregisteredEvent("d", "2024-06-01", kPerson1, reason));
    EXPECT_EQ(proto.person_deregistered().reason(), n);
    EXPECT_EQ(v1::DeregistrationReason_Name(n),
              "DEREGISTRATION_REASON_" +
                  std::string(DeregistrationReasonName(reason)));
  }
}

TEST(Codec, TargetSetCarriesYearAndBanen) {
  const v1::Event target = ProtoOf(test::TargetSetEvent(
      "t", "2024-01-01", Sector::kOnderzoeksinstellingen, 2024, 12590));
  EXPECT_EQ(target.target_set().year(), 2024);
  EXPECT_EQ(target.target_set().banen_x100(), 12590);
}

TEST(Codec, InleenKeySetFillsItsWireFields) {
  const v1::Event key =
      ProtoOf(test::InleenKeySetEvent("k", "2023-06-01", 2022, 258, "SEO"));
  ASSERT_EQ(key.payload_case(), v1::Event::kInleenKeySet);
  EXPECT_EQ(key.inleen_key_set().year(), 2022);
  EXPECT_EQ(key.inleen_key_set().overheid_share_x10(), 258);
  EXPECT_EQ(key.inleen_key_set().source(), "SEO");
}

// The storage format stays append-only: the new event is oneof field 21,
// and an SROI hire of earlier versions keeps its bytes.
TEST(Codec, InleenKeySetIsOneofField21) {
  std::string wire;
  ASSERT_TRUE(ProtoOf(test::InleenKeySetEvent("k", "2023-06-01", 2022, 258))
                  .SerializeToString(&wire));
  // event_id (field 1), effective_date (2), then tag (21 << 3 | 2) = 0xaa 0x01.
  EXPECT_NE(wire.find("\xaa\x01"), std::string::npos);
  const v1::Event sroi = ProtoOf(
      test::JobStartedEvent("e", "2024-01-15", "job-1", "emp-1", kPerson1,
                            ContractForm::kSroi, 2550, "", "emp-2"));
  EXPECT_EQ(sroi.job_started().form(), v1::CONTRACT_FORM_SROI);
  EXPECT_EQ(sroi.job_started().commissioning_employer_id(), "emp-2");
}

TEST(Codec, BadDateIsInvalidArgumentNamingEffectiveDate) {
  for (const char* date : {"2024-02-30", "2024-1-05", "20240105", ""}) {
    SCOPED_TRACE(date);
    v1::Event proto = AJobStartedProto();
    proto.set_effective_date(date);
    EXPECT_TRUE(CheckEventError(EventFromProto(proto, 3).status(),
                                absl::StatusCode::kInvalidArgument, 3,
                                "effective_date"));
  }
}

TEST(Codec, MissingPayloadIsInvalidArgument) {
  v1::Event proto;
  proto.set_event_id("e1");
  proto.set_effective_date("2024-01-15");
  EXPECT_TRUE(CheckEventError(EventFromProto(proto, 2).status(),
                              absl::StatusCode::kInvalidArgument, 2,
                              std::nullopt));
}

TEST(Codec, EveryGrondslagIsTheWireGrondslagOfTheSameNameAndRoundTrips) {
  for (int n = 0; n < kGrondslagCount; ++n) {
    const Grondslag grondslag = static_cast<Grondslag>(n);
    const Event event =
        test::PersonRegisteredEvent("r", "2024-06-01", kPerson1, grondslag);
    const v1::Event proto = ProtoOf(event);
    EXPECT_EQ(proto.person_registered().grondslag(), n);
    EXPECT_EQ(v1::Grondslag_Name(n),
              "GRONDSLAG_" + std::string(GrondslagName(grondslag)));
    ASSERT_OK_AND_ASSIGN(const Event back, EventFromProto(proto, 0));
    EXPECT_EQ(back, event);
  }
}

// A registration stored before the field existed has no field 2: it decodes
// with the ground unspecified, and encodes to the same bytes again.
TEST(Codec, RegistrationWithoutGrondslagKeepsItsBytes) {
  const v1::Event proto =
      ProtoOf(test::PersonRegisteredEvent("r", "2024-06-01", kPerson1));
  // Field 1 (person_ref), length-delimited, and nothing else.
  std::string only_person_ref = {0x0a, static_cast<char>(kPerson1.size())};
  only_person_ref += kPerson1;
  EXPECT_EQ(
      absl::BytesToHexString(DeterministicBytes(proto.person_registered())),
      absl::BytesToHexString(only_person_ref));
  ASSERT_OK_AND_ASSIGN(const Event back, EventFromProto(proto, 0));
  EXPECT_EQ(std::get<PersonRegistered>(back.payload).grondslag,
            Grondslag::kUnspecified);
}

TEST(Codec, OutOfRangeGrondslagIsInvalidArgumentNamingIndexAndField) {
  v1::Event proto =
      ProtoOf(test::PersonRegisteredEvent("r", "2024-06-01", kPerson1));
  proto.mutable_person_registered()->set_grondslag(
      static_cast<v1::Grondslag>(kGrondslagCount));
  EXPECT_TRUE(CheckEventError(EventFromProto(proto, 3).status(),
                              absl::StatusCode::kInvalidArgument, 3,
                              "person_registered.grondslag"));
}

TEST(Codec, OutOfRangeContractFormIsInvalidArgument) {
  v1::Event proto = AJobStartedProto();
  proto.mutable_job_started()->set_form(static_cast<v1::ContractForm>(6));
  EXPECT_TRUE(CheckEventError(EventFromProto(proto, 1).status(),
                              absl::StatusCode::kInvalidArgument, 1,
                              "job_started.form"));
}

TEST(Codec, NegativeEnumNumberIsInvalidArgument) {
  v1::Event proto = AJobStartedProto();
  proto.mutable_job_started()->set_form(static_cast<v1::ContractForm>(-1));
  EXPECT_TRUE(CheckEventError(EventFromProto(proto, 0).status(),
                              absl::StatusCode::kInvalidArgument, 0,
                              "job_started.form"));
}

TEST(Codec, OutOfRangeSectorIsInvalidArgument) {
  v1::Event proto =
      ProtoOf(test::EmployerRegisteredEvent("e1", "2024-01-02", "emp-1"));
  proto.mutable_employer_registered()->set_sector(
      static_cast<v1::Sector>(kSectorCount));
  EXPECT_TRUE(CheckEventError(EventFromProto(proto, 4).status(),
                              absl::StatusCode::kInvalidArgument, 4,
                              "employer_registered.sector"));
}

TEST(Codec, OutOfRangeReasonsAreInvalidArgument) {
  v1::Event ended = ProtoOf(test::JobEndedEvent("x", "2024-06-01", "job-1"));
  ended.mutable_job_ended()->set_reason(
      static_cast<v1::OutflowReason>(kOutflowReasonCount));
  EXPECT_TRUE(CheckEventError(EventFromProto(ended, 0).status(),
                              absl::StatusCode::kInvalidArgument, 0,
                              "job_ended.reason"));
  v1::Event deregistered =
      ProtoOf(test::PersonDeregisteredEvent("d", "2024-06-01", kPerson1));
  deregistered.mutable_person_deregistered()->set_reason(
      static_cast<v1::DeregistrationReason>(kDeregistrationReasonCount));
  EXPECT_TRUE(CheckEventError(EventFromProto(deregistered, 0).status(),
                              absl::StatusCode::kInvalidArgument, 0,
                              "person_deregistered.reason"));
}

TEST(Codec, OutOfRangeToFormIsInvalidArgument) {
  v1::Event proto = ProtoOf(
      test::JobConvertedEvent("c", "2024-03-01", "job-1", ContractForm::kVast));
  proto.mutable_job_converted()->set_to_form(static_cast<v1::ContractForm>(99));
  EXPECT_TRUE(CheckEventError(EventFromProto(proto, 0).status(),
                              absl::StatusCode::kInvalidArgument, 0,
                              "job_converted.to_form"));
}

// UNSPECIFIED is a number of the contract: the codec represents it and the
// EventLog rejects it (validation_test.cc).
TEST(Codec, UnspecifiedEnumIsRepresentable) {
  v1::Event proto = AJobStartedProto();
  proto.mutable_job_started()->set_form(v1::CONTRACT_FORM_UNSPECIFIED);
  ASSERT_OK_AND_ASSIGN(const Event event, EventFromProto(proto, 0));
  EXPECT_EQ(std::get<JobStarted>(event.payload).form,
            ContractForm::kUnspecified);
}

StoredEvent AStoredEvent() {
  return StoredEvent{
      .seq = 7,
      .recorded_at = kRecordedAt,
      .event = test::HoursChangedEvent("h1", "2024-04-01", "job-1", 1275),
      .prev_hash = HashOfByte(0xab),
      .hash = HashOfByte(0xcd),
      .recorded_by = "hr-utrecht"};
}

TEST(Codec, StoredEventRoundTrips) {
  const StoredEvent stored = AStoredEvent();
  v1::StoredEvent proto;
  StoredEventToProto(stored, &proto);
  EXPECT_EQ(proto.seq(), 7u);
  EXPECT_EQ(proto.recorded_at().seconds(), 1735732800);
  EXPECT_EQ(proto.recorded_at().nanos(), 123456000);
  EXPECT_EQ(proto.prev_hash(), std::string(32, '\xab'));
  EXPECT_EQ(proto.hash(), std::string(32, '\xcd'));
  EXPECT_EQ(proto.recorded_by(), "hr-utrecht");
  ASSERT_OK_AND_ASSIGN(const StoredEvent back, StoredEventFromProto(proto));
  EXPECT_EQ(back, stored);
}

TEST(Codec, StoredHashOfWrongLengthIsDataLoss) {
  v1::StoredEvent proto;
  StoredEventToProto(AStoredEvent(), &proto);
  v1::StoredEvent short_hash = proto;
  short_hash.set_hash(std::string(31, 'x'));
  EXPECT_THAT(StoredEventFromProto(short_hash),
              StatusIs(absl::StatusCode::kDataLoss));
  v1::StoredEvent long_prev = proto;
  long_prev.set_prev_hash(std::string(33, 'x'));
  EXPECT_THAT(StoredEventFromProto(long_prev),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(Codec, CanonicalBytesAreDeterministic) {
  const Event event =
      test::JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1", kPerson1,
                            ContractForm::kSroi, 1000, "", "emp-2");
  const Event same =
      test::JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1", kPerson1,
                            ContractForm::kSroi, 1000, "", "emp-2");
  const std::string bytes = CanonicalBytes(3, kRecordedAt, event);
  EXPECT_FALSE(bytes.empty());
  EXPECT_EQ(CanonicalBytes(3, kRecordedAt, event), bytes);
  EXPECT_EQ(CanonicalBytes(3, kRecordedAt, same), bytes);
}

// An auditor recomputes the chain from the proto alone (events.proto).
TEST(Codec, CanonicalBytesAreTheDeterministicStoredEventWithoutHashes) {
  const Event event = test::EmployerRegisteredEvent(
      "e1", "2024-01-02", "min-fin", Sector::kRijk, "Ministerie van Financien");
  v1::StoredEvent expected;
  expected.set_seq(42);
  expected.mutable_recorded_at()->set_seconds(1735732800);
  expected.mutable_recorded_at()->set_nanos(123456000);
  EventToProto(event, expected.mutable_event());
  EXPECT_EQ(CanonicalBytes(42, kRecordedAt, event),
            DeterministicBytes(expected));
}

// Pinned bytes and hash of an event recorded by nobody, computed outside this
// code from the events.proto of before recorded_by existed (protoc --encode,
// then sha256 of 32 zero bytes and the bytes): events stored before issue 11
// and events appended in the open mode keep their bytes and hashes.
TEST(Codec, CanonicalBytesOfAnEventRecordedByNobodyAreAsBeforeRecordedBy) {
  const Event event = test::EmployerRegisteredEvent(
      "e1", "2024-01-02", "min-fin", Sector::kRijk, "Ministerie van Financien");
  const std::string canonical = CanonicalBytes(42, kRecordedAt, event, "");
  EXPECT_EQ(absl::BytesToHexString(canonical),
            "082a120b08c0dcd4bb06108094ef3a1a370a026531120a323032342d30312d3032"
            "52250a076d696e2d66696e12184d696e697374657269652076616e2046696e616e"
            "6369656e1805");
  const Hash hash = ChainHash(Hash{}, canonical);
  EXPECT_EQ(absl::BytesToHexString(absl::string_view(
                reinterpret_cast<const char*>(hash.data()), hash.size())),
            "ba0057d132ddf72ef6866ed6de099a93db6580c2ba28229f97f2a6fbe6f2688f");
}

TEST(Codec, CanonicalBytesCoverRecordedByAsField6) {
  const Event event =
      test::HoursChangedEvent("h1", "2024-04-01", "job-1", 1275);
  v1::StoredEvent expected;
  expected.set_seq(3);
  expected.mutable_recorded_at()->set_seconds(1735732800);
  expected.mutable_recorded_at()->set_nanos(123456000);
  EventToProto(event, expected.mutable_event());
  expected.set_recorded_by("hr-utrecht");
  EXPECT_EQ(CanonicalBytes(3, kRecordedAt, event, "hr-utrecht"),
            DeterministicBytes(expected));
  EXPECT_NE(CanonicalBytes(3, kRecordedAt, event, "hr-utrecht"),
            CanonicalBytes(3, kRecordedAt, event, "hr-amersfoort"));
  EXPECT_NE(CanonicalBytes(3, kRecordedAt, event, "hr-utrecht"),
            CanonicalBytes(3, kRecordedAt, event, ""));
}

// Random field values for every payload kind: empty and long strings (a
// length of two varint bytes), zero, negative and extreme numbers, and times
// before 1970.
class RandomEvents {
 public:
  explicit RandomEvents(uint64_t seed) : random_(seed) {}

  Event Next(int kind) {
    Event event;
    event.event_id = Text();
    event.effective_date = Date{Int32()};
    switch (kind) {
      case 0:
        event.payload =
            EmployerRegistered{Text(), Text(), Pick<Sector>(), Text()};
        break;
      case 1:
        event.payload = EmployerReclassified{Text(), Pick<Sector>()};
        break;
      case 2:
        event.payload = PersonRegistered{Text(), Pick<Grondslag>()};
        break;
      case 3:
        event.payload =
            PersonDeregistered{Text(), Pick<DeregistrationReason>()};
        break;
      case 4:
        event.payload =
            JobStarted{Text(),  Text(), Text(), Pick<ContractForm>(),
                       Int32(), Text(), Text()};
        break;
      case 5:
        event.payload = JobConverted{Text(), Pick<ContractForm>(), Int32()};
        break;
      case 6:
        event.payload = HoursChanged{Text(), Int32()};
        break;
      case 7:
        event.payload = JobEnded{Text(), Pick<OutflowReason>()};
        break;
      case 8:
        event.payload = EventRetracted{Uint64(), Text()};
        break;
      case 9:
        event.payload = TargetSet{Pick<Sector>(), Int32(), Int64(), Text()};
        break;
      case 10:
        event.payload = BaselineSet{Pick<Sector>(), Int64(), Text()};
        break;
      case 11:
        event.payload = InleenKeySet{Int32(), Int32(), Text()};
        break;
      case 12:
        event.payload = EmployerHoursReported{Text(), Int32(), Int64(), Text()};
        break;
      default:
        event.payload =
            QuotaPercentageSet{Pick<Sector>(), Int32(), Int32(), Text()};
        break;
    }
    return event;
  }
  uint64_t Uint64() {
    switch (random_() % 4) {
      case 0:
        return 0;
      case 1:
        return random_() % 200;
      default:
        return random_() >> (random_() % 64);
    }
  }
  int64_t Int64() { return static_cast<int64_t>(Uint64()) * Sign(); }
  int32_t Int32() { return static_cast<int32_t>(Int64()); }
  std::string Text() {
    const size_t size = random_() % 3 == 0 ? 0 : random_() % 300;
    std::string text(size, ' ');
    for (char& c : text) c = static_cast<char>('!' + random_() % 94);
    return text;
  }
  absl::Time Time() {
    return absl::FromUnixMicros(Int64() % (int64_t{1} << 52));
  }

 private:
  int64_t Sign() { return random_() % 2 == 0 ? 1 : -1; }
  template <typename Enum>
  Enum Pick() {
    return static_cast<Enum>(random_() % 4);  // within every enum's range
  }

  std::mt19937_64 random_;
};

// The canonical bytes are written straight from the domain types; protobuf's
// serialization of the same StoredEvent is the reference they must equal.
TEST(Codec, CanonicalBytesEqualProtobufsSerializationForRandomEvents) {
  RandomEvents random(20261201);
  for (int i = 0; i < 20'000; ++i) {
    const uint64_t seq = random.Uint64();
    const absl::Time recorded_at = random.Time();
    const Event event = random.Next(i % kEventKindCount);
    const std::string recorded_by = random.Text();
    v1::StoredEvent expected;
    expected.set_seq(seq);
    TimeToProto(recorded_at, expected.mutable_recorded_at());
    EventToProto(event, expected.mutable_event());
    expected.set_recorded_by(recorded_by);
    ASSERT_EQ(absl::BytesToHexString(
                  CanonicalBytes(seq, recorded_at, event, recorded_by)),
              absl::BytesToHexString(DeterministicBytes(expected)))
        << "event " << i << " of kind " << i % kEventKindCount;
  }
}

// What protobuf's parser and EventFromProto make of `bytes`: the reading
// EventFromWire must agree with wherever it reads the bytes itself.
std::optional<Event> ProtobufReading(std::string_view bytes) {
  v1::Event proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return std::nullopt;
  }
  absl::StatusOr<Event> event = EventFromProto(proto, 0);
  if (!event.ok()) return std::nullopt;
  return *std::move(event);
}

// A random event of `kind` on a real day, which EventFromProto accepts.
Event RandomEventOnADay(RandomEvents& random, int kind) {
  Event event = random.Next(kind);
  event.effective_date = Date{ParseDate("1990-01-01")->days +
                              static_cast<int32_t>(random.Uint64() % 40'000)};
  return event;
}

// Such an event as protobuf serializes it.
std::string RandomEventBytes(RandomEvents& random, int kind) {
  return ProtoOf(RandomEventOnADay(random, kind)).SerializeAsString();
}

TEST(Codec, EventFromWireReadsWhatProtobufSerializesForRandomEvents) {
  RandomEvents random(20261205);
  for (int i = 0; i < 20'000; ++i) {
    const std::string bytes = RandomEventBytes(random, i % kEventKindCount);
    const std::optional<Event> expected = ProtobufReading(bytes);
    ASSERT_TRUE(expected.has_value()) << "event " << i;
    ASSERT_EQ(EventFromWire(bytes), expected) << "event " << i;
  }
}

// 50,000 byte strings of `make_bytes(i)`, each changed at random (a byte
// set, one inserted, the end cut off) or given one of `appended` after the
// rest: `fast` either leaves them (nullopt) or reads what `protobuf`, the
// reference, reads. Both happen often.
template <typename MakeBytes, typename Fast, typename Protobuf>
void ExpectAlteredBytesReadAsProtobufDoesOrLeft(
    RandomEvents& random, absl::Span<const std::string> appended,
    MakeBytes make_bytes, Fast fast, Protobuf protobuf) {
  int read = 0;
  int left = 0;
  for (int i = 0; i < 50'000; ++i) {
    std::string bytes = make_bytes(i);
    const uint64_t at = random.Uint64() % (bytes.size() + 1);
    switch (i % 4) {
      case 0:
        if (at < bytes.size()) bytes[at] = static_cast<char>(random.Uint64());
        break;
      case 1:
        bytes.insert(at, 1, static_cast<char>(random.Uint64()));
        break;
      case 2:
        bytes.resize(at);
        break;
      default:
        bytes += appended[random.Uint64() % appended.size()];
        break;
    }
    const auto read_fast = fast(bytes);
    const auto expected = protobuf(bytes);
    if (read_fast.has_value()) {
      ++read;
      ASSERT_EQ(read_fast, expected) << "case " << i;
    } else if (expected.has_value()) {
      ++left;
    }
  }
  EXPECT_GT(read, 5'000);
  EXPECT_GT(left, 5'000);
}

// Bytes changed at random (a byte set, one inserted, the end cut off) or
// given another field after the rest (an unknown one, one that is there
// already, a second payload): EventFromWire either leaves them to protobuf
// or reads what protobuf reads. Both happen often.
TEST(Codec, EventFromWireReadsAlteredBytesAsProtobufDoesOrLeavesThem) {
  const google::protobuf::LogSilencer quiet;  // its invalid UTF-8 reports
  RandomEvents random(20261206);
  const std::string appended[] = {
      std::string("\xf8\x01\x01", 3),  // field 31, unknown, a varint
      std::string("\x0a\x01x", 3),     // event_id again
      std::string("\x12\x0a"
                  "2024-02-29",
                  12),                 // effective_date again
      std::string("\x82\x01\x00", 3),  // an empty hours_changed payload
      std::string("\x09\x01\x02\x03\x04\x05\x06\x07\x08", 9)};  // fixed64
  ExpectAlteredBytesReadAsProtobufDoesOrLeft(
      random, appended,
      [&random](int i) {
        return RandomEventBytes(random, i % kEventKindCount);
      },
      EventFromWire, ProtobufReading);
}

TEST(Codec, EventFromWireLeavesAFieldTwiceToProtobufWhichKeepsTheLast) {
  const std::string bytes =
      AJobStartedProto().SerializeAsString() + std::string("\x0a\x01x", 3);
  EXPECT_EQ(EventFromWire(bytes), std::nullopt);
  ASSERT_NE(ProtobufReading(bytes), std::nullopt);
  EXPECT_EQ(ProtobufReading(bytes)->event_id, "x");
}

// protobuf's parser reads a tag or a length in at most five bytes and a
// value in up to ten: an overlong tag or length is left to it (which
// refuses them), an overlong value is read as it reads it.
TEST(Codec, EventFromWireReadsVarintsAsLongAsProtobufDoes) {
  v1::Event without_id = AJobStartedProto();
  without_id.clear_event_id();
  const std::string event = without_id.SerializeAsString();
  const std::string overlong_tag =
      std::string("\x8a\x80\x80\x80\x80\x00\x01x", 8) + event;
  EXPECT_EQ(EventFromWire(overlong_tag), std::nullopt);
  EXPECT_EQ(ProtobufReading(overlong_tag), std::nullopt);
  const std::string overlong_length =
      std::string("\x0a\x81\x80\x80\x80\x80\x00x", 8) + event;
  EXPECT_EQ(EventFromWire(overlong_length), std::nullopt);
  EXPECT_EQ(ProtobufReading(overlong_length), std::nullopt);
  // An hours_changed whose hours_per_week_x100, 1, takes ten bytes.
  const std::string overlong_value =
      std::string("\x0a\x02h1", 4) +
      std::string(
          "\x12\x0a"
          "2024-03-01",
          12) +
      std::string("\x82\x01\x12", 3) + std::string("\x0a\x05job-1", 7) +
      std::string("\x10\x81\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11);
  ASSERT_NE(ProtobufReading(overlong_value), std::nullopt);
  EXPECT_EQ(EventFromWire(overlong_value), ProtobufReading(overlong_value));
  EXPECT_EQ(
      std::get<HoursChanged>(EventFromWire(overlong_value)->payload).hours_x100,
      1);
}

TEST(Codec, EventFromWireLeavesUnknownFieldsToProtobuf) {
  const std::string bytes =
      AJobStartedProto().SerializeAsString() + std::string("\xf8\x01\x01", 3);
  EXPECT_EQ(EventFromWire(bytes), std::nullopt);
  EXPECT_NE(ProtobufReading(bytes), std::nullopt);
}

TEST(Codec, EventFromWireLeavesStringsBeyondAsciiToProtobuf) {
  const google::protobuf::LogSilencer quiet;  // its invalid UTF-8 reports
  v1::Event proto = AJobStartedProto();
  proto.set_event_id("caf\xc3\xa9");
  EXPECT_EQ(EventFromWire(proto.SerializeAsString()), std::nullopt);
  EXPECT_NE(ProtobufReading(proto.SerializeAsString()), std::nullopt);
  proto.set_event_id("caf\xe9");  // not UTF-8: protobuf refuses it
  EXPECT_EQ(ProtobufReading(proto.SerializeAsString()), std::nullopt);
}

TEST(Codec, EventFromWireLeavesWhatEventFromProtoRefusesToIt) {
  v1::Event bad_date = AJobStartedProto();
  bad_date.set_effective_date("2023-02-29");
  EXPECT_EQ(EventFromWire(bad_date.SerializeAsString()), std::nullopt);
  v1::Event bad_form = AJobStartedProto();
  bad_form.mutable_job_started()->set_form(
      static_cast<v1::ContractForm>(kContractFormCount));
  EXPECT_EQ(EventFromWire(bad_form.SerializeAsString()), std::nullopt);
  v1::Event no_payload = AJobStartedProto();
  no_payload.clear_payload();
  EXPECT_EQ(EventFromWire(no_payload.SerializeAsString()), std::nullopt);
}

// What protobuf's parser and StoredEventFromProto make of `bytes`: the
// reading StoredEventFromWire must agree with wherever it reads the bytes.
std::optional<StoredEvent> ProtobufStoredReading(std::string_view bytes) {
  v1::StoredEvent proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return std::nullopt;
  }
  absl::StatusOr<StoredEvent> stored = StoredEventFromProto(proto);
  if (!stored.ok()) return std::nullopt;
  return *std::move(stored);
}

// The canonical bytes of a random stored event (times before 1970 too).
std::string RandomCanonicalBytes(RandomEvents& random, int kind) {
  return CanonicalBytes(random.Uint64(), random.Time(),
                        RandomEventOnADay(random, kind), random.Text());
}

TEST(Codec, StoredEventFromWireReadsCanonicalBytesAsProtobufDoes) {
  RandomEvents random(20261207);
  for (int i = 0; i < 20'000; ++i) {
    const std::string bytes = RandomCanonicalBytes(random, i % kEventKindCount);
    const std::optional<StoredEvent> expected = ProtobufStoredReading(bytes);
    ASSERT_TRUE(expected.has_value()) << "event " << i;
    ASSERT_EQ(StoredEventFromWire(bytes), expected) << "event " << i;
  }
}

// Canonical bytes changed as EventFromWire's are above, or given a field
// the canonical encoding never writes (a hash, an unknown one) or one it
// has written already: StoredEventFromWire reads what protobuf reads or
// leaves the bytes to it. Both happen often.
TEST(Codec, StoredEventFromWireReadsAlteredBytesAsProtobufDoesOrLeavesThem) {
  const google::protobuf::LogSilencer quiet;  // its invalid UTF-8 reports
  RandomEvents random(20261208);
  const std::string appended[] = {
      std::string("\x22\x00", 2),          // an empty prev_hash
      std::string("\x48\x01", 2),          // field 9, unknown, a varint
      std::string("\x08\x07", 2),          // seq again
      std::string("\x12\x02\x10\x05", 4),  // recorded_at again: nanos 5
      std::string("\x32\x01x", 3)};        // recorded_by again
  ExpectAlteredBytesReadAsProtobufDoesOrLeft(
      random, appended,
      [&random](int i) {
        return RandomCanonicalBytes(random, i % kEventKindCount);
      },
      StoredEventFromWire, ProtobufStoredReading);
}

TEST(Codec, CanonicalBytesOfAStoredEventAreItsFieldsWithoutHashes) {
  const StoredEvent stored = AStoredEvent();
  EXPECT_EQ(CanonicalBytes(stored),
            CanonicalBytes(stored.seq, stored.recorded_at, stored.event,
                           stored.recorded_by));
}

TEST(Codec, CanonicalBytesCoverSeqRecordedAtAndEvent) {
  const Event event =
      test::HoursChangedEvent("h1", "2024-04-01", "job-1", 1275);
  const std::string bytes = CanonicalBytes(3, kRecordedAt, event);
  EXPECT_NE(CanonicalBytes(4, kRecordedAt, event), bytes);
  EXPECT_NE(CanonicalBytes(3, kRecordedAt + absl::Microseconds(1), event),
            bytes);
  EXPECT_NE(CanonicalBytes(
                3, kRecordedAt,
                test::HoursChangedEvent("h1", "2024-04-01", "job-1", 1276)),
            bytes);
}

TEST(Codec, ChainHashIsSha256OfPrevHashAndCanonical) {
  // sha256(32 zero bytes || "abc"), computed independently.
  const Hash hash = ChainHash(Hash{}, "abc");
  EXPECT_EQ(absl::BytesToHexString(absl::string_view(
                reinterpret_cast<const char*>(hash.data()), hash.size())),
            "365aa7d8f7f9402c4b9434502b4cc89ddb09fe50d7cd95b493b834c62d5a5370");
}

TEST(Codec, ChainHashDiffersWhenOneCanonicalByteDiffers) {
  const std::string canonical = CanonicalBytes(
      5, kRecordedAt,
      test::EmployerRegisteredEvent("e5", "2024-01-02", "emp-1"));
  const Hash prev = HashOfByte(0x11);
  const Hash hash = ChainHash(prev, canonical);
  EXPECT_EQ(ChainHash(prev, canonical), hash);
  for (size_t i = 0; i < canonical.size(); ++i) {
    std::string changed = canonical;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    EXPECT_NE(ChainHash(prev, changed), hash) << "byte " << i;
  }
}

TEST(Codec, ChainHashDiffersWhenPrevHashDiffers) {
  const std::string canonical = "canonical";
  Hash prev = HashOfByte(0x11);
  const Hash hash = ChainHash(prev, canonical);
  prev[31] ^= 0x80;
  EXPECT_NE(ChainHash(prev, canonical), hash);
}

}  // namespace
}  // namespace banen
