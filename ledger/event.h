// Domain types of the Banenafspraak ledger: plain C++ values, no protobuf.
//
// The numeric values of every enum equal the numbers of the wire enums in
// proto/banen/v1/events.proto (which are stored on disk); ledger/codec.h is the
// one place that converts between the two.
#ifndef BANEN_LEDGER_EVENT_H_
#define BANEN_LEDGER_EVENT_H_

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/time/time.h"

namespace banen {

// A calendar day, as days since 1970-01-01. Ordered; cheap to copy.
struct Date {
  int32_t days = 0;
  auto operator<=>(const Date&) const = default;
};

// Dates held in 24 bits of days, some 23,000 years either side of 1970, so
// that an entry of a timeline keeps small fields beside them in 32 bits (the
// validation state's, the projection's register). Every date the ledger
// accepts fits: validation refuses dates before 1998 or a year ahead.
inline constexpr int kPackedDateBits = 24;
inline constexpr bool FitsPackedDate(Date date) {
  return date.days >= -(1 << (kPackedDateBits - 1)) &&
         date.days < (1 << (kPackedDateBits - 1));
}

// Parses a strict "YYYY-MM-DD" that names a real calendar day.
std::optional<Date> ParseDate(std::string_view text);
std::string FormatDate(Date date);
Date MakeDate(int year, int month, int day);
int YearOf(Date date);
// The calendar day of `time` in UTC.
Date DateOf(absl::Time time);

enum class Sector : uint8_t {
  kUnspecified = 0,
  kMarkt = 1,
  kGemeenten = 2,
  kProvincies = 3,
  kWaterschappen = 4,
  kRijk = 5,
  kDefensie = 6,
  kPolitie = 7,
  kUmc = 8,
  kPrimairOnderwijs = 9,
  kVoortgezetOnderwijs = 10,
  kMbo = 11,
  kHbo = 12,
  kWo = 13,
  kOnderzoeksinstellingen = 14,
  kOverheid = 15,            // aggregate of kGemeenten..kOnderzoeksinstellingen
  kNationaal = 16,           // aggregate of all concrete sectors
  kFunderendOnderwijs = 17,  // aggregate of the two kinds of school
};
inline constexpr int kSectorCount = 18;  // including kUnspecified
inline constexpr Sector kFirstGovernmentSector = Sector::kGemeenten;
inline constexpr Sector kLastGovernmentSector = Sector::kOnderzoeksinstellingen;

// MARKT or one of the 13 government sectors: what an employer can belong to.
bool IsConcreteSector(Sector sector);
// One of the 13 government sectors (part of OVERHEID).
bool IsGovernmentSector(Sector sector);
// A concrete sector or an aggregate: what a target or baseline can name.
bool IsReportableSector(Sector sector);
// PRIMAIR_ONDERWIJS or VOORTGEZET_ONDERWIJS (part of FUNDEREND_ONDERWIJS).
bool IsFunderendOnderwijs(Sector sector);
// "GEMEENTEN", "MARKT", "OVERHEID", ...; "UNSPECIFIED" for kUnspecified.
std::string_view SectorName(Sector sector);
std::optional<Sector> ParseSector(std::string_view name);

enum class ContractForm : uint8_t {
  kUnspecified = 0,
  kVast = 1,
  kTijdelijk = 2,
  kInleenUitzend = 3,
  kInleenDetachering = 4,
  // Stored by earlier versions for an SROI job: an SROI job whose contract
  // form was not given. Still accepted; an SROI job now has a real form and
  // a commissioning_employer_id.
  kSroi = 5,
};
inline constexpr int kContractFormCount = 6;  // including kUnspecified
bool IsInleen(ContractForm form);
std::string_view ContractFormName(ContractForm form);  // "VAST", ...
std::optional<ContractForm> ParseContractForm(std::string_view name);
// DOMAIN.md §4: INLEEN_* -> VAST or TIJDELIJK, TIJDELIJK -> VAST.
bool IsAllowedConversion(ContractForm from, ContractForm to);

enum class OutflowReason : uint8_t {
  kUnspecified = 0,
  kEndOfContract = 1,
  kResignation = 2,
  kDismissal = 3,
  kToRegularJob = 4,
  kRetirement = 5,
  kDeceased = 6,
  kOther = 7,
};
inline constexpr int kOutflowReasonCount = 8;  // including kUnspecified
std::string_view OutflowReasonName(OutflowReason reason);
std::optional<OutflowReason> ParseOutflowReason(std::string_view name);

enum class DeregistrationReason : uint8_t {
  kUnspecified = 0,
  kAowAge = 1,
  kDeceased = 2,
  kOwnRequest = 3,
  kBeschutWerk = 4,
  kOther = 5,
};
inline constexpr int kDeregistrationReasonCount = 6;  // incl. kUnspecified
std::string_view DeregistrationReasonName(DeregistrationReason reason);
std::optional<DeregistrationReason> ParseDeregistrationReason(
    std::string_view name);

// The legal ground of a registration (events.proto names the seeds).
enum class Grondslag : uint8_t {
  kUnspecified = 0,  // not given; every registration stored before issue 14
  kWajong = 1,
  kWsw = 2,
  kIndicatieBanenafspraak = 3,
  kProVso = 4,
  kPraktijkroute = 5,
};
inline constexpr int kGrondslagCount = 6;             // including kUnspecified
std::string_view GrondslagName(Grondslag grondslag);  // "WAJONG", ...
std::optional<Grondslag> ParseGrondslag(std::string_view name);

// Hours per week in hundredths (2550 = 25.5 h = one baan).
inline constexpr int32_t kHoursPerBaanX100 = 2550;
inline constexpr int32_t kMaxHoursPerWeekX100 = 8000;
// 25.5 hours a week x 52.2 weeks: the hours of one baan in a year (Wfsv
// §4a's divisor for quota and realisation in paid hours).
inline constexpr int64_t kHoursPerBaanYear = 1'331;

struct EmployerRegistered {
  std::string employer_id;
  std::string name;
  Sector sector = Sector::kUnspecified;
  std::string parent_employer_id;  // empty: none
  bool operator==(const EmployerRegistered&) const = default;
};

struct EmployerReclassified {
  std::string employer_id;
  Sector sector = Sector::kUnspecified;
  bool operator==(const EmployerReclassified&) const = default;
};

struct PersonRegistered {
  std::string person_ref;
  Grondslag grondslag = Grondslag::kUnspecified;  // optional
  bool operator==(const PersonRegistered&) const = default;
};

struct PersonDeregistered {
  std::string person_ref;
  DeregistrationReason reason = DeregistrationReason::kUnspecified;
  bool operator==(const PersonDeregistered&) const = default;
};

struct JobStarted {
  std::string job_id;
  std::string employer_id;  // for inleen: the hirer
  std::string person_ref;
  ContractForm form = ContractForm::kUnspecified;
  int32_t hours_x100 = 0;
  std::string lender_id;  // required for inleen
  // Non-empty marks an SROI job (any form; required for form kSroi): the
  // public body whose procurement placed the worker. The job counts for its
  // own employer, and is a memo figure of this employer's sector.
  std::string commissioning_employer_id;
  bool operator==(const JobStarted&) const = default;
};

struct JobConverted {
  std::string job_id;
  ContractForm to_form = ContractForm::kUnspecified;
  int32_t hours_x100 = 0;  // 0: hours unchanged
  bool operator==(const JobConverted&) const = default;
};

struct HoursChanged {
  std::string job_id;
  int32_t hours_x100 = 0;
  bool operator==(const HoursChanged&) const = default;
};

struct JobEnded {
  std::string job_id;
  OutflowReason reason = OutflowReason::kUnspecified;
  bool operator==(const JobEnded&) const = default;
};

struct EventRetracted {
  uint64_t target_seq = 0;
  std::string reason;
  bool operator==(const EventRetracted&) const = default;
};

struct TargetSet {
  Sector sector = Sector::kUnspecified;
  int32_t year = 0;
  int64_t banen_x100 = 0;
  std::string source;
  bool operator==(const TargetSet&) const = default;
};

struct BaselineSet {
  Sector sector = Sector::kUnspecified;
  int64_t banen_x100 = 0;
  std::string source;
  bool operator==(const BaselineSet&) const = default;
};

// The national monitor's split of inleen for one year (DOMAIN.md §5): the
// share of all hirers' inleen banen that counts for overheid. Year
// kBaselineInleenKeyYear keys the baseline.
struct InleenKeySet {
  int32_t year = 0;
  int32_t overheid_share_x10 = 0;  // tenths of a percent, 0..1000
  std::string source;
  bool operator==(const InleenKeySet&) const = default;
};
// The baseline is the stock of 31 December 2012 (nulmeting 1 January 2013):
// the measurement of year 2012, so it takes that year's key.
inline constexpr int32_t kBaselineInleenKeyYear = 2012;
inline constexpr int32_t kWholeShareX10 = 1000;  // 100.0%

// An employer's total paid hours in one calendar year, as its payroll
// declarations to the polisadministratie give them: the base of its quota
// (Wfsv §4a, DOMAIN.md §8). The latest report for (employer, year), in
// recorded order, wins.
struct EmployerHoursReported {
  std::string employer_id;
  int32_t year = 0;
  int64_t paid_hours_x100 = 0;  // hundredths of an hour in the year
  std::string source;
  bool operator==(const EmployerHoursReported&) const = default;
};
// 80 h a week every day of a year for one million persons: far above any
// real employer (the largest, Defensie, pays some 10^8 hours a year), and
// small enough that percentage x hours stays far inside 64 bits.
inline constexpr int64_t kMaxPaidHoursX100 = int64_t{80} * 53 * 1'000'000 * 100;

// The quota percentage (quotumpercentage) of a year for OVERHEID or MARKT
// (Wfsv §4a), or for NATIONAAL: the one national percentage of the Wet
// banenafspraak (Kamerstuk 36449). The latest for (sector, year) wins.
struct QuotaPercentageSet {
  Sector sector = Sector::kUnspecified;
  int32_t year = 0;
  int32_t percentage_x100 = 0;  // hundredths of a percent: 276 = 2.76 %
  std::string source;
  bool operator==(const QuotaPercentageSet&) const = default;
};
inline constexpr int32_t kMaxPercentageX100 = 10000;  // 100.00 %

// The alternatives are in the order of EventKind.
using EventPayload =
    std::variant<EmployerRegistered, EmployerReclassified, PersonRegistered,
                 PersonDeregistered, JobStarted, JobConverted, HoursChanged,
                 JobEnded, EventRetracted, TargetSet, BaselineSet, InleenKeySet,
                 EmployerHoursReported, QuotaPercentageSet>;

enum class EventKind : uint8_t {
  kEmployerRegistered = 0,
  kEmployerReclassified,
  kPersonRegistered,
  kPersonDeregistered,
  kJobStarted,
  kJobConverted,
  kHoursChanged,
  kJobEnded,
  kEventRetracted,
  kTargetSet,
  kBaselineSet,
  kInleenKeySet,
  kEmployerHoursReported,
  kQuotaPercentageSet,
};
inline constexpr int kEventKindCount = 14;
// "JobStarted", ...: the message names of the wire contract.
std::string_view EventKindName(EventKind kind);
std::optional<EventKind> ParseEventKind(std::string_view name);

// One employment change as a client sends it.
struct Event {
  std::string event_id;
  Date effective_date;
  EventPayload payload;

  EventKind kind() const { return static_cast<EventKind>(payload.index()); }
  bool operator==(const Event&) const = default;
};

// The job an event of a job's timeline belongs to, or empty for other kinds.
std::string_view JobIdOf(const Event& event);
// The wire field path of the job_id of a job's timeline event of `kind`
// ("hours_changed.job_id"), for errors; "job_started.job_id" for other kinds.
std::string_view JobIdField(EventKind kind);
// The person a register event belongs to, or empty for other kinds.
std::string_view PersonRefOf(const Event& event);

using Hash = std::array<uint8_t, 32>;

// The last seq the ledger stores. Its validation state and the projection
// state keep seqs in 32 bits (issue 15: the state of 10 M events must fit a
// small server): a ledger job takes 40 bytes, not 56, and a projection job
// 88, not 120; the ledger's state as a whole shrank by 9 % at 10 M events.
// 2^32 - 2 events are some 700 years of the national volume (DOMAIN.md §7).
// An append past it is RESOURCE_EXHAUSTED (ledger/ledger_state.h).
inline constexpr uint64_t kMaxSeq = uint64_t{0xFFFFFFFF} - 1;

// An event as the ledger stored it; see StoredEvent in events.proto for the
// hash chain.
struct StoredEvent {
  uint64_t seq = 0;
  absl::Time recorded_at;
  Event event;
  Hash prev_hash{};
  Hash hash{};
  // The principal that appended it (AppendAuthority::principal); empty: the
  // open mode, or stored before recorded_by existed.
  std::string recorded_by;
  bool operator==(const StoredEvent&) const = default;
};

}  // namespace banen

#endif  // BANEN_LEDGER_EVENT_H_
