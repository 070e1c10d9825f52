#include "ledger/event.h"

#include <array>
#include <chrono>

#include "absl/time/civil_time.h"

namespace banen {
namespace {

const absl::CivilDay kEpoch(1970, 1, 1);

// The calendar day of `date` if it falls in the years 0000-9999 (every date
// the ledger accepts): std::chrono converts in constant time, where
// absl::CivilDay's arithmetic walks the years from 1970 (a fiftieth of an
// append's CPU went to formatting effective dates). nullopt outside.
std::optional<std::chrono::year_month_day> CivilOf(Date date) {
  constexpr int32_t kFirstDay = -719'528;  // 0000-01-01
  constexpr int32_t kLastDay = 2'932'896;  // 9999-12-31
  if (date.days < kFirstDay || date.days > kLastDay) return std::nullopt;
  return std::chrono::year_month_day{
      std::chrono::sys_days{std::chrono::days{date.days}}};
}

// Looks `name` up in a table indexed by enum value; index 0 (unspecified) is
// never a parse result.
template <typename Enum, size_t N>
std::optional<Enum> ParseByName(const std::array<std::string_view, N>& names,
                                std::string_view name) {
  for (size_t i = 1; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

template <typename Enum, size_t N>
std::string_view NameOf(const std::array<std::string_view, N>& names,
                        Enum value) {
  const auto index = static_cast<size_t>(value);
  return index < N ? names[index] : names[0];
}

constexpr std::array<std::string_view, kSectorCount> kSectorNames = {
    "UNSPECIFIED",
    "MARKT",
    "GEMEENTEN",
    "PROVINCIES",
    "WATERSCHAPPEN",
    "RIJK",
    "DEFENSIE",
    "POLITIE",
    "UMC",
    "PRIMAIR_ONDERWIJS",
    "VOORTGEZET_ONDERWIJS",
    "MBO",
    "HBO",
    "WO",
    "ONDERZOEKSINSTELLINGEN",
    "OVERHEID",
    "NATIONAAL",
    "FUNDEREND_ONDERWIJS"};

constexpr std::array<std::string_view, kContractFormCount> kFormNames = {
    "UNSPECIFIED",        "VAST", "TIJDELIJK", "INLEEN_UITZEND",
    "INLEEN_DETACHERING", "SROI"};

constexpr std::array<std::string_view, kOutflowReasonCount> kOutflowNames = {
    "UNSPECIFIED",    "END_OF_CONTRACT", "RESIGNATION", "DISMISSAL",
    "TO_REGULAR_JOB", "RETIREMENT",      "DECEASED",    "OTHER"};

constexpr std::array<std::string_view, kDeregistrationReasonCount>
    kDeregistrationNames = {"UNSPECIFIED", "AOW_AGE",      "DECEASED",
                            "OWN_REQUEST", "BESCHUT_WERK", "OTHER"};

constexpr std::array<std::string_view, kGrondslagCount> kGrondslagNames = {
    "UNSPECIFIED", "WAJONG",       "WSW", "INDICATIE_BANENAFSPRAAK",
    "PRO_VSO",     "PRAKTIJKROUTE"};

constexpr std::array<std::string_view, kEventKindCount> kKindNames = {
    "EmployerRegistered",
    "EmployerReclassified",
    "PersonRegistered",
    "PersonDeregistered",
    "JobStarted",
    "JobConverted",
    "HoursChanged",
    "JobEnded",
    "EventRetracted",
    "TargetSet",
    "BaselineSet",
    "InleenKeySet",
    "EmployerHoursReported",
    "QuotaPercentageSet"};

}  // namespace

std::optional<Date> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  // Digits, read in place: from_chars and absl::CivilDay's normalisation
  // took a twentieth of an NDJSON import's parsing (perf).
  const auto number = [text](size_t from, size_t to) -> std::optional<int> {
    int value = 0;
    for (size_t i = from; i < to; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const std::optional<int> year = number(0, 4);
  const std::optional<int> month = number(5, 7);
  const std::optional<int> day = number(8, 10);
  if (!year.has_value() || !month.has_value() || !day.has_value()) {
    return std::nullopt;
  }
  const std::chrono::year_month_day civil{
      std::chrono::year{*year},
      std::chrono::month{static_cast<unsigned>(*month)},
      std::chrono::day{static_cast<unsigned>(*day)}};
  // 2024-02-30 is no day.
  if (!civil.ok()) return std::nullopt;
  return Date{static_cast<int32_t>(
      std::chrono::sys_days{civil}.time_since_epoch().count())};
}

std::string FormatDate(Date date) {
  const std::optional<std::chrono::year_month_day> civil = CivilOf(date);
  if (!civil.has_value()) return absl::FormatCivilTime(kEpoch + date.days);
  const int year = static_cast<int>(civil->year());
  const auto month = static_cast<unsigned>(civil->month());
  const auto day = static_cast<unsigned>(civil->day());
  return std::string{static_cast<char>('0' + year / 1000),
                     static_cast<char>('0' + year / 100 % 10),
                     static_cast<char>('0' + year / 10 % 10),
                     static_cast<char>('0' + year % 10),
                     '-',
                     static_cast<char>('0' + month / 10),
                     static_cast<char>('0' + month % 10),
                     '-',
                     static_cast<char>('0' + day / 10),
                     static_cast<char>('0' + day % 10)};
}

Date MakeDate(int year, int month, int day) {
  return Date{static_cast<int32_t>(absl::CivilDay(year, month, day) - kEpoch)};
}

int YearOf(Date date) {
  if (const std::optional<std::chrono::year_month_day> civil = CivilOf(date)) {
    return static_cast<int>(civil->year());
  }
  return static_cast<int>((kEpoch + date.days).year());
}

Date DateOf(absl::Time time) {
  return Date{static_cast<int32_t>(absl::ToCivilDay(time, absl::UTCTimeZone()) -
                                   kEpoch)};
}

bool IsConcreteSector(Sector sector) {
  return sector >= Sector::kMarkt && sector <= kLastGovernmentSector;
}

bool IsGovernmentSector(Sector sector) {
  return sector >= kFirstGovernmentSector && sector <= kLastGovernmentSector;
}

bool IsReportableSector(Sector sector) {
  return sector >= Sector::kMarkt && sector <= Sector::kFunderendOnderwijs;
}

bool IsFunderendOnderwijs(Sector sector) {
  return sector == Sector::kPrimairOnderwijs ||
         sector == Sector::kVoortgezetOnderwijs;
}

std::string_view SectorName(Sector sector) {
  return NameOf(kSectorNames, sector);
}

std::optional<Sector> ParseSector(std::string_view name) {
  return ParseByName<Sector>(kSectorNames, name);
}

bool IsInleen(ContractForm form) {
  return form == ContractForm::kInleenUitzend ||
         form == ContractForm::kInleenDetachering;
}

std::string_view ContractFormName(ContractForm form) {
  return NameOf(kFormNames, form);
}

std::optional<ContractForm> ParseContractForm(std::string_view name) {
  return ParseByName<ContractForm>(kFormNames, name);
}

bool IsAllowedConversion(ContractForm from, ContractForm to) {
  if (IsInleen(from)) {
    return to == ContractForm::kVast || to == ContractForm::kTijdelijk;
  }
  return from == ContractForm::kTijdelijk && to == ContractForm::kVast;
}

std::string_view OutflowReasonName(OutflowReason reason) {
  return NameOf(kOutflowNames, reason);
}

std::optional<OutflowReason> ParseOutflowReason(std::string_view name) {
  return ParseByName<OutflowReason>(kOutflowNames, name);
}

std::string_view DeregistrationReasonName(DeregistrationReason reason) {
  return NameOf(kDeregistrationNames, reason);
}

std::optional<DeregistrationReason> ParseDeregistrationReason(
    std::string_view name) {
  return ParseByName<DeregistrationReason>(kDeregistrationNames, name);
}

std::string_view GrondslagName(Grondslag grondslag) {
  return NameOf(kGrondslagNames, grondslag);
}

std::optional<Grondslag> ParseGrondslag(std::string_view name) {
  return ParseByName<Grondslag>(kGrondslagNames, name);
}

std::string_view EventKindName(EventKind kind) {
  return NameOf(kKindNames, kind);
}

std::optional<EventKind> ParseEventKind(std::string_view name) {
  for (size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<EventKind>(i);
  }
  return std::nullopt;
}

std::string_view JobIdOf(const Event& event) {
  return std::visit(
      [](const auto& payload) -> std::string_view {
        if constexpr (requires { payload.job_id; }) {
          return payload.job_id;
        } else {
          return {};
        }
      },
      event.payload);
}

std::string_view JobIdField(EventKind kind) {
  switch (kind) {
    case EventKind::kJobConverted:
      return "job_converted.job_id";
    case EventKind::kHoursChanged:
      return "hours_changed.job_id";
    case EventKind::kJobEnded:
      return "job_ended.job_id";
    default:
      return "job_started.job_id";
  }
}

std::string_view PersonRefOf(const Event& event) {
  if (const auto* registered = std::get_if<PersonRegistered>(&event.payload)) {
    return registered->person_ref;
  }
  if (const auto* left = std::get_if<PersonDeregistered>(&event.payload)) {
    return left->person_ref;
  }
  return {};
}

}  // namespace banen
