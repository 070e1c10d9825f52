// Domain types of ledger/event.h: dates, names, classification tables.
#include "ledger/event.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ledger/test_events.h"

namespace banen {
namespace {

using ::testing::Eq;
using ::testing::Optional;

TEST(Date, ParseFormatRoundTrip) {
  for (std::string_view text :
       {"1998-01-01", "2024-01-15", "2024-02-29", "2000-02-29", "1970-01-01",
        "1969-12-31", "2013-01-01", "2100-12-31"}) {
    SCOPED_TRACE(text);
    std::optional<Date> date = ParseDate(text);
    ASSERT_TRUE(date.has_value());
    EXPECT_EQ(FormatDate(*date), text);
  }
}

TEST(Date, DaysCountFromUnixEpoch) {
  EXPECT_THAT(ParseDate("1970-01-01"), Optional(Date{0}));
  EXPECT_THAT(ParseDate("1970-01-02"), Optional(Date{1}));
  EXPECT_THAT(ParseDate("1969-12-31"), Optional(Date{-1}));
  EXPECT_THAT(ParseDate("2000-03-01"), Optional(Date{11017}));
  EXPECT_THAT(ParseDate("2024-01-15"), Optional(Date{19737}));
}

TEST(Date, MakeDateMatchesParseDate) {
  EXPECT_THAT(ParseDate("2024-01-15"), Optional(MakeDate(2024, 1, 15)));
  EXPECT_THAT(ParseDate("2024-02-29"), Optional(MakeDate(2024, 2, 29)));
  EXPECT_THAT(ParseDate("1998-01-01"), Optional(MakeDate(1998, 1, 1)));
}

// ParseDate reads the digits itself and checks the day with std::chrono;
// absl's civil arithmetic is the reference: a text is a date exactly when
// absl::CivilDay keeps its year, month and day as they are.
TEST(Date, ParseDateAgreesWithCivilArithmetic) {
  const absl::CivilDay epoch(1970, 1, 1);
  std::vector<int> years = {0, 1, 4, 100, 400, 1600, 1900, 9996, 9999};
  for (int year = 1896; year <= 2104; ++year) years.push_back(year);
  for (const int year : years) {
    for (int month = 0; month <= 13; ++month) {
      for (int day = 0; day <= 32; ++day) {
        const std::string text =
            absl::StrFormat("%04d-%02d-%02d", year, month, day);
        const absl::CivilDay civil(year, month, day);
        if (civil.year() == year && civil.month() == month &&
            civil.day() == day) {
          EXPECT_THAT(ParseDate(text),
                      Optional(Date{static_cast<int32_t>(civil - epoch)}))
              << text;
        } else {
          EXPECT_EQ(ParseDate(text), std::nullopt) << text;
        }
      }
    }
  }
  for (const std::string_view text :
       {"", "2024-1-15", "2024-01-1", "2024/01/15", "+024-01-15", "2024-01-1a",
        "2024-0x-15", " 2024-01-15", "2024-01-15 ", "20240-1-15", "2024--1-15",
        "-001-01-15"}) {
    EXPECT_EQ(ParseDate(text), std::nullopt) << text;
  }
}

// FormatDate and YearOf take a shortcut for the years 0000-9999; absl's
// civil arithmetic is the reference, across that range, its edges and past
// them.
TEST(Date, FormatDateAndYearOfAgreeWithCivilArithmetic) {
  const absl::CivilDay epoch(1970, 1, 1);
  std::vector<int32_t> days = {-719'529,
                               -719'528,
                               -719'527,
                               -1,
                               0,
                               1,
                               2'932'895,
                               2'932'896,
                               2'932'897,
                               std::numeric_limits<int32_t>::min(),
                               std::numeric_limits<int32_t>::max()};
  for (int32_t day = -800'000; day < 3'000'000; day += 997) {
    days.push_back(day);
  }
  for (const int32_t day : days) {
    const absl::CivilDay civil = epoch + day;
    if (civil.year() >= 0 && civil.year() <= 9999) {
      EXPECT_EQ(FormatDate(Date{day}),
                absl::StrFormat("%04d-%02d-%02d", civil.year(), civil.month(),
                                civil.day()))
          << day;
    }
    EXPECT_EQ(YearOf(Date{day}), civil.year()) << day;
  }
  EXPECT_EQ(FormatDate(MakeDate(0, 1, 1)), "0000-01-01");
  EXPECT_EQ(FormatDate(MakeDate(9999, 12, 31)), "9999-12-31");
  EXPECT_EQ(FormatDate(MakeDate(10000, 1, 1)), "10000-01-01");
}

TEST(Date, YearOf) {
  EXPECT_EQ(YearOf(MakeDate(2024, 12, 31)), 2024);
  EXPECT_EQ(YearOf(MakeDate(2025, 1, 1)), 2025);
  EXPECT_EQ(YearOf(MakeDate(1969, 12, 31)), 1969);
}

TEST(Date, DateOfIsTheUtcDay) {
  const absl::Time midnight = absl::FromUnixSeconds(19737LL * 86400);
  EXPECT_EQ(DateOf(midnight), MakeDate(2024, 1, 15));
  EXPECT_EQ(DateOf(midnight - absl::Nanoseconds(1)), MakeDate(2024, 1, 14));
  EXPECT_EQ(DateOf(midnight + absl::Hours(23) + absl::Minutes(59)),
            MakeDate(2024, 1, 15));
  EXPECT_EQ(DateOf(absl::UnixEpoch() - absl::Seconds(1)),
            MakeDate(1969, 12, 31));
}

TEST(Date, OrderedByDay) {
  EXPECT_LT(MakeDate(2024, 1, 31), MakeDate(2024, 2, 1));
  EXPECT_LT(MakeDate(2023, 12, 31), MakeDate(2024, 1, 1));
}

TEST(Date, RejectsNonCalendarAndNonStrictText) {
  for (std::string_view text :
       {"2024-02-30", "2024-1-05", "20240105", "2023-02-29", "1900-02-29",
        "2024-04-31", "2024-13-01", "2024-00-10", "2024-01-00", "2024-01-32",
        "", "2024-01-15 ", " 2024-01-15", "2024/01/15", "2024-01-1x",
        "24-01-15", "2024-01-015", "+2024-01-15", "2024-01-15T00:00:00"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(ParseDate(text), std::nullopt);
  }
}

TEST(Sector, NamesRoundTrip) {
  for (int i = 1; i < kSectorCount; ++i) {
    const Sector sector = static_cast<Sector>(i);
    SCOPED_TRACE(i);
    EXPECT_THAT(ParseSector(SectorName(sector)), Optional(sector));
  }
}

TEST(Sector, NamesAreTheDomainNames) {
  EXPECT_EQ(SectorName(Sector::kUnspecified), "UNSPECIFIED");
  EXPECT_EQ(SectorName(Sector::kMarkt), "MARKT");
  EXPECT_EQ(SectorName(Sector::kGemeenten), "GEMEENTEN");
  EXPECT_EQ(SectorName(Sector::kPrimairOnderwijs), "PRIMAIR_ONDERWIJS");
  EXPECT_EQ(SectorName(Sector::kVoortgezetOnderwijs), "VOORTGEZET_ONDERWIJS");
  EXPECT_EQ(SectorName(Sector::kOnderzoeksinstellingen),
            "ONDERZOEKSINSTELLINGEN");
  EXPECT_EQ(SectorName(Sector::kOverheid), "OVERHEID");
  EXPECT_EQ(SectorName(Sector::kNationaal), "NATIONAAL");
  EXPECT_THAT(ParseSector("WATERSCHAPPEN"), Optional(Sector::kWaterschappen));
  EXPECT_THAT(ParseSector("UMC"), Optional(Sector::kUmc));
}

TEST(Sector, ParseRejectsUnknownNames) {
  EXPECT_EQ(ParseSector(""), std::nullopt);
  EXPECT_EQ(ParseSector("GEMEENTE"), std::nullopt);
  EXPECT_EQ(ParseSector("GEMEENTEN "), std::nullopt);
  EXPECT_EQ(ParseSector("BANKEN"), std::nullopt);
}

TEST(Sector, Classification) {
  for (int i = 0; i < kSectorCount; ++i) {
    const Sector sector = static_cast<Sector>(i);
    SCOPED_TRACE(SectorName(sector));
    const bool government = i >= 2 && i <= 14;
    EXPECT_EQ(IsGovernmentSector(sector), government);
    EXPECT_EQ(IsConcreteSector(sector), i >= 1 && i <= 14);
    EXPECT_EQ(IsReportableSector(sector), i >= 1);
  }
  EXPECT_EQ(static_cast<int>(kFirstGovernmentSector), 2);
  EXPECT_EQ(static_cast<int>(kLastGovernmentSector), 14);
}

TEST(ContractForm, NamesRoundTrip) {
  const std::vector<std::pair<ContractForm, std::string_view>> names = {
      {ContractForm::kVast, "VAST"},
      {ContractForm::kTijdelijk, "TIJDELIJK"},
      {ContractForm::kInleenUitzend, "INLEEN_UITZEND"},
      {ContractForm::kInleenDetachering, "INLEEN_DETACHERING"},
      {ContractForm::kSroi, "SROI"},
  };
  for (const auto& [form, name] : names) {
    EXPECT_EQ(ContractFormName(form), name);
    EXPECT_THAT(ParseContractForm(name), Optional(form));
  }
  EXPECT_EQ(ParseContractForm("INLEEN"), std::nullopt);
  EXPECT_EQ(ParseContractForm("vast"), std::nullopt);
}

TEST(ContractForm, IsInleenOnlyForTheTwoInleenForms) {
  for (int i = 0; i < kContractFormCount; ++i) {
    const ContractForm form = static_cast<ContractForm>(i);
    EXPECT_EQ(IsInleen(form), form == ContractForm::kInleenUitzend ||
                                  form == ContractForm::kInleenDetachering)
        << i;
  }
}

TEST(OutflowReason, NamesRoundTrip) {
  const std::vector<std::pair<OutflowReason, std::string_view>> names = {
      {OutflowReason::kEndOfContract, "END_OF_CONTRACT"},
      {OutflowReason::kResignation, "RESIGNATION"},
      {OutflowReason::kDismissal, "DISMISSAL"},
      {OutflowReason::kToRegularJob, "TO_REGULAR_JOB"},
      {OutflowReason::kRetirement, "RETIREMENT"},
      {OutflowReason::kDeceased, "DECEASED"},
      {OutflowReason::kOther, "OTHER"},
  };
  ASSERT_EQ(names.size(), kOutflowReasonCount - 1u);
  for (const auto& [reason, name] : names) {
    EXPECT_EQ(OutflowReasonName(reason), name);
    EXPECT_THAT(ParseOutflowReason(name), Optional(reason));
  }
  EXPECT_EQ(ParseOutflowReason("FIRED"), std::nullopt);
}

TEST(DeregistrationReason, NamesRoundTrip) {
  const std::vector<std::pair<DeregistrationReason, std::string_view>> names = {
      {DeregistrationReason::kAowAge, "AOW_AGE"},
      {DeregistrationReason::kDeceased, "DECEASED"},
      {DeregistrationReason::kOwnRequest, "OWN_REQUEST"},
      {DeregistrationReason::kBeschutWerk, "BESCHUT_WERK"},
      {DeregistrationReason::kOther, "OTHER"},
  };
  ASSERT_EQ(names.size(), kDeregistrationReasonCount - 1u);
  for (const auto& [reason, name] : names) {
    EXPECT_EQ(DeregistrationReasonName(reason), name);
    EXPECT_THAT(ParseDeregistrationReason(name), Optional(reason));
  }
  EXPECT_EQ(ParseDeregistrationReason("MOVED"), std::nullopt);
}

TEST(EventKind, NamesAreTheWireMessageNames) {
  const std::vector<std::string_view> names = {"EmployerRegistered",
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
  ASSERT_EQ(names.size(), static_cast<size_t>(kEventKindCount));
  for (int i = 0; i < kEventKindCount; ++i) {
    const EventKind kind = static_cast<EventKind>(i);
    EXPECT_EQ(EventKindName(kind), names[i]);
    EXPECT_THAT(ParseEventKind(names[i]), Optional(kind));
  }
  EXPECT_EQ(ParseEventKind("JobStopped"), std::nullopt);
}

TEST(EventKind, KindFollowsThePayload) {
  const std::vector<Event> events = test::OneEventOfEachKind();
  ASSERT_EQ(events.size(), static_cast<size_t>(kEventKindCount));
  for (int i = 0; i < kEventKindCount; ++i) {
    EXPECT_EQ(events[i].kind(), static_cast<EventKind>(i));
  }
}

// DOMAIN.md §4: INLEEN_* -> VAST or TIJDELIJK, TIJDELIJK -> VAST; nothing
// else, in particular not VAST -> TIJDELIJK nor a form to itself.
TEST(ContractForm, IsAllowedConversionTable) {
  using F = ContractForm;
  const std::vector<std::pair<F, F>> allowed = {
      {F::kInleenUitzend, F::kVast},     {F::kInleenUitzend, F::kTijdelijk},
      {F::kInleenDetachering, F::kVast}, {F::kInleenDetachering, F::kTijdelijk},
      {F::kTijdelijk, F::kVast},
  };
  for (int from = 0; from < kContractFormCount; ++from) {
    for (int to = 0; to < kContractFormCount; ++to) {
      const std::pair<F, F> pair(static_cast<F>(from), static_cast<F>(to));
      const bool expected =
          std::find(allowed.begin(), allowed.end(), pair) != allowed.end();
      EXPECT_EQ(IsAllowedConversion(pair.first, pair.second), expected)
          << ContractFormName(pair.first) << " -> "
          << ContractFormName(pair.second);
    }
  }
}

TEST(Event, JobIdOfJobTimelineEvents) {
  using test::OneEventOfEachKind;
  const std::vector<Event> events = OneEventOfEachKind();
  for (const Event& event : events) {
    const EventKind kind = event.kind();
    const bool job_event =
        kind == EventKind::kJobStarted || kind == EventKind::kJobConverted ||
        kind == EventKind::kHoursChanged || kind == EventKind::kJobEnded;
    EXPECT_EQ(JobIdOf(event), job_event ? "job-1" : "") << EventKindName(kind);
  }
}

TEST(Event, PersonRefOfRegisterEventsOnly) {
  const std::vector<Event> events = test::OneEventOfEachKind();
  for (const Event& event : events) {
    const EventKind kind = event.kind();
    const bool register_event = kind == EventKind::kPersonRegistered ||
                                kind == EventKind::kPersonDeregistered;
    EXPECT_EQ(PersonRefOf(event), register_event ? test::kPerson1 : "")
        << EventKindName(kind);
  }
}

}  // namespace
}  // namespace banen
