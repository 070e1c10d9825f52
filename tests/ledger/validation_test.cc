// The validation rules of DOMAIN.md §4, through EventLog::Append: one test per
// rule, each asserting the exact status code, event index and field, and that
// nothing of the rejected batch was stored.
#include "ledger/validation.h"

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/event.h"
#include "ledger/event_log.h"
#include "tests/ledger/test_events.h"
#include "tests/ledger/test_util.h"

namespace banen {
namespace {

using test::BaselineSetEvent;
using test::Batch;
using test::EmployerHoursReportedEvent;
using test::EmployerReclassifiedEvent;
using test::EmployerRegisteredEvent;
using test::EventRetractedEvent;
using test::HoursChangedEvent;
using test::InleenKeySetEvent;
using test::JobConvertedEvent;
using test::JobEndedEvent;
using test::JobStartedEvent;
using test::kBsn;
using test::kPerson1;
using test::kPerson2;
using test::PersonDeregisteredEvent;
using test::PersonRegisteredEvent;
using test::QuotaPercentageSetEvent;
using test::TargetSetEvent;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kNotFound = absl::StatusCode::kNotFound;
constexpr absl::StatusCode kExists = absl::StatusCode::kAlreadyExists;
constexpr absl::StatusCode kPrecondition =
    absl::StatusCode::kFailedPrecondition;
constexpr absl::StatusCode kAborted = absl::StatusCode::kAborted;
constexpr ContractForm kVast = ContractForm::kVast;
constexpr ContractForm kTijdelijk = ContractForm::kTijdelijk;
constexpr ContractForm kUitzend = ContractForm::kInleenUitzend;
constexpr ContractForm kDetachering = ContractForm::kInleenDetachering;
constexpr ContractForm kSroi = ContractForm::kSroi;
constexpr std::nullopt_t kAnyField = std::nullopt;

class Validation : public test::LedgerTest {
 protected:
  // seq 1: emp-1 (GEMEENTEN); seq 2: emp-2 (RIJK).
  void RegisterEmployers() {
    MustAppend({EmployerRegisteredEvent("reg-emp-1", "2020-01-01", "emp-1"),
                EmployerRegisteredEvent("reg-emp-2", "2020-01-01", "emp-2",
                                        Sector::kRijk, "Ministerie van BZK")});
  }

  // seqs 1-2: the employers; seq 3: job-1 of emp-1 from 2024-01-15, 25.5 h.
  void StartJob1(ContractForm form = kVast) {
    RegisterEmployers();
    MustAppend({JobStartedEvent("start-job-1", "2024-01-15", "job-1", "emp-1",
                                kPerson1, form, 2550,
                                IsInleen(form) ? "uitzendbureau-1" : "",
                                form == kSroi ? "emp-2" : "")});
  }

  // Expects `event` alone to be accepted, at the caller's line.
  void ExpectAccepted(Event event, std::source_location where =
                                       std::source_location::current()) {
    MustAppend({std::move(event)}, where);
  }
};

// ---------------------------------------------------------------------------
// INVALID_ARGUMENT: malformed values.

TEST_F(Validation, RejectsEmptyEventId) {
  ExpectRejected({TargetSetEvent("", "2024-01-01", Sector::kMarkt, 2024, 100)},
                 kInvalid, 0, "event_id");
}

TEST_F(Validation, RejectsEventIdLongerThan128Bytes) {
  ExpectRejected({TargetSetEvent(std::string(129, 'x'), "2024-01-01",
                                 Sector::kMarkt, 2024, 100)},
                 kInvalid, 0, "event_id");
  ExpectAccepted(TargetSetEvent(std::string(128, 'x'), "2024-01-01",
                                Sector::kMarkt, 2024, 100));
}

TEST_F(Validation, RejectsEffectiveDateBefore1998) {
  ExpectRejected({PersonRegisteredEvent("e1", "1997-12-31", kPerson1)},
                 kInvalid, 0, "effective_date");
  ExpectAccepted(PersonRegisteredEvent("e1", "1998-01-01", kPerson1));
}

// The clock reads 2025-01-01 12:00 UTC: the last allowed day is 2026-01-02.
TEST_F(Validation, RejectsEffectiveDateMoreThan366DaysAfterRecordedDate) {
  ExpectRejected({PersonRegisteredEvent("e1", "2026-01-03", kPerson1)},
                 kInvalid, 0, "effective_date");
  ExpectAccepted(PersonRegisteredEvent("e1", "2026-01-02", kPerson1));
}

TEST_F(Validation, EffectiveDateLimitFollowsTheRecordedDate) {
  clock_.Advance(absl::Hours(24));
  ExpectAccepted(PersonRegisteredEvent("e1", "2026-01-03", kPerson1));
}

TEST_F(Validation, RejectsEmptyRequiredId) {
  RegisterEmployers();
  ExpectRejected(
      {JobStartedEvent("e1", "2024-01-15", "", "emp-1", kPerson1, kVast, 2550)},
      kInvalid, 0, "job_started.job_id");
  ExpectRejected(
      {JobStartedEvent("e1", "2024-01-15", "job-1", "", kPerson1, kVast, 2550)},
      kInvalid, 0, "job_started.employer_id");
  ExpectRejected({EmployerRegisteredEvent("e1", "2024-01-02", "")}, kInvalid, 0,
                 "employer_registered.employer_id");
  ExpectRejected(
      {EmployerReclassifiedEvent("e1", "2024-01-02", "", Sector::kMarkt)},
      kInvalid, 0, "employer_reclassified.employer_id");
  ExpectRejected({HoursChangedEvent("e1", "2024-02-01", "", 2000)}, kInvalid, 0,
                 "hours_changed.job_id");
  ExpectRejected({JobConvertedEvent("e1", "2024-02-01", "", kVast)}, kInvalid,
                 0, "job_converted.job_id");
  ExpectRejected({JobEndedEvent("e1", "2024-02-01", "")}, kInvalid, 0,
                 "job_ended.job_id");
}

TEST_F(Validation, RejectsRequiredIdLongerThan128Bytes) {
  const std::string id_129(129, 'j');
  const std::string id_128(128, 'j');
  RegisterEmployers();
  ExpectRejected({JobStartedEvent("e1", "2024-01-15", id_129, "emp-1", kPerson1,
                                  kVast, 2550)},
                 kInvalid, 0, "job_started.job_id");
  ExpectRejected({JobStartedEvent("e1", "2024-01-15", "job-1", id_129, kPerson1,
                                  kVast, 2550)},
                 kInvalid, 0, "job_started.employer_id");
  ExpectRejected({EmployerRegisteredEvent("e1", "2024-01-02", id_129)},
                 kInvalid, 0, "employer_registered.employer_id");
  ExpectAccepted(EmployerRegisteredEvent("e2", "2024-01-02", id_128));
  ExpectAccepted(JobStartedEvent("e3", "2024-01-15", id_128, id_128, kPerson1,
                                 kVast, 2550));
}

TEST_F(Validation, RejectsOptionalIdLongerThan128Bytes) {
  const std::string id_129(129, 'l');
  RegisterEmployers();
  ExpectRejected({JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1",
                                  kPerson1, kUitzend, 2550, id_129)},
                 kInvalid, 0, "job_started.lender_id");
  ExpectRejected({JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1",
                                  kPerson1, kSroi, 2550, "", id_129)},
                 kInvalid, 0, "job_started.commissioning_employer_id");
  ExpectRejected({EmployerRegisteredEvent("e1", "2024-01-02", "emp-3",
                                          Sector::kRijk, "Dienst", id_129)},
                 kInvalid, 0, "employer_registered.parent_employer_id");
  ExpectAccepted(JobStartedEvent("e2", "2024-01-15", "job-2", "emp-1", kPerson1,
                                 kUitzend, 2550, std::string(128, 'l')));
}

TEST_F(Validation, IdLimitIsNamedInTheReason) {
  const absl::StatusOr<AppendResult> result = Append({TargetSetEvent(
      std::string(129, 'x'), "2024-01-01", Sector::kMarkt, 2024, 100)});

  EXPECT_EQ(result.status().message(),
            "event 0: event_id: is longer than 128 bytes (--max-id-bytes)");
}

TEST_F(Validation, RejectsTextLongerThan1024Bytes) {
  const std::string text_1025(1025, 't');
  MustAppend({EmployerRegisteredEvent("reg", "2020-01-01", "emp-1")});
  ExpectRejected({EmployerRegisteredEvent("e1", "2024-01-02", "emp-2",
                                          Sector::kRijk, text_1025)},
                 kInvalid, 0, "employer_registered.name");
  ExpectRejected({EventRetractedEvent("e1", "2024-01-02", 1, text_1025)},
                 kInvalid, 0, "event_retracted.reason");
  ExpectRejected({TargetSetEvent("e1", "2024-01-01", Sector::kMarkt, 2024, 100,
                                 text_1025)},
                 kInvalid, 0, "target_set.source");
  ExpectRejected(
      {BaselineSetEvent("e1", "2013-01-01", Sector::kMarkt, 100, text_1025)},
      kInvalid, 0, "baseline_set.source");
}

TEST_F(Validation, AcceptsTextOf1024Bytes) {
  const std::string text_1024(1024, 't');
  ExpectAccepted(EmployerRegisteredEvent("e1", "2024-01-02", "emp-2",
                                         Sector::kRijk, text_1024));
  ExpectAccepted(
      TargetSetEvent("e2", "2024-01-01", Sector::kMarkt, 2024, 100, text_1024));
  ExpectAccepted(
      BaselineSetEvent("e3", "2013-01-01", Sector::kMarkt, 100, text_1024));
  ExpectAccepted(EventRetractedEvent("e4", "2024-01-02", 3, text_1024));
}

TEST_F(Validation, TextLimitIsNamedInTheReason) {
  const absl::StatusOr<AppendResult> result = Append({TargetSetEvent(
      "e1", "2024-01-01", Sector::kMarkt, 2024, 100, std::string(1025, 't'))});

  EXPECT_EQ(result.status().message(),
            "event 0: target_set.source: is longer than 1024 bytes "
            "(--max-text-bytes)");
}

TEST_F(Validation, RejectsMalformedPersonRef) {
  for (const std::string& ref : {std::string(15, 'p'), std::string(65, 'p'),
                                 std::string("person ref 000000001"),
                                 std::string("person.ref.000000001"),
                                 std::string("person-ref-00000000\xc3\xab"),
                                 std::string("person-ref-0000001\n")}) {
    SCOPED_TRACE(ref);
    const absl::StatusOr<AppendResult> result =
        Append({PersonRegisteredEvent("e1", "2024-01-01", ref)});
    EXPECT_TRUE(test::CheckEventError(result.status(), kInvalid, 0,
                                      "person_registered.person_ref"));
    EXPECT_THAT(result.status().message(), Not(HasSubstr(ref)));
  }
  EXPECT_EQ(log_->GetHead().seq, 0u);
}

TEST_F(Validation, AcceptsPersonRefOf16To64AllowedCharacters) {
  ExpectAccepted(PersonRegisteredEvent("e1", "2024-01-01", "Ab9_-Ab9_-Ab9_-Z"));
  ExpectAccepted(
      PersonRegisteredEvent("e2", "2024-01-01", std::string(62, 'a') + "_-"));
}

TEST_F(Validation, RejectsMalformedPersonRefInEveryPayload) {
  RegisterEmployers();
  ExpectRejected({JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1",
                                  "short-ref", kVast, 2550)},
                 kInvalid, 0, "job_started.person_ref");
  ExpectRejected({PersonDeregisteredEvent("e1", "2024-01-15", "short-ref")},
                 kInvalid, 0, "person_deregistered.person_ref");
}

TEST_F(Validation, RejectsBsnAsPersonRef) {
  RegisterEmployers();
  const absl::StatusOr<AppendResult> registered =
      Append({PersonRegisteredEvent("e1", "2024-01-01", kBsn)});
  EXPECT_TRUE(test::CheckEventError(registered.status(), kInvalid, 0,
                                    "person_registered.person_ref"));
  EXPECT_THAT(registered.status().message(), Not(HasSubstr(kBsn)));
  const absl::StatusOr<AppendResult> started = Append({JobStartedEvent(
      "e2", "2024-01-15", "job-1", "emp-1", kBsn, kVast, 2550)});
  EXPECT_TRUE(test::CheckEventError(started.status(), kInvalid, 0,
                                    "job_started.person_ref"));
  EXPECT_THAT(started.status().message(), Not(HasSubstr(kBsn)));
  EXPECT_EQ(log_->GetHead().seq, 2u);
}

// A BSN must not reach the store by any field: each string field holding a
// 9-digit run that passes the 11-check is refused, naming the field and never
// the number.
TEST_F(Validation, RejectsBsnInEveryStringField) {
  const std::string bsn(kBsn);
  const std::string ref = "ref-" + bsn + "-abcdef";  // a pseudonym's shape
  const struct {
    Event event;
    std::string field;
  } cases[] = {
      {TargetSetEvent("ev-" + bsn, "2024-01-01", Sector::kMarkt, 2024, 100),
       "event_id"},
      {EmployerRegisteredEvent("e1", "2024-01-02", "emp-" + bsn),
       "employer_registered.employer_id"},
      {EmployerRegisteredEvent("e1", "2024-01-02", "emp-1", Sector::kMarkt,
                               "Bakkerij " + bsn),
       "employer_registered.name"},
      {EmployerRegisteredEvent("e1", "2024-01-02", "emp-1", Sector::kMarkt,
                               "Bakkerij", bsn),
       "employer_registered.parent_employer_id"},
      {EmployerReclassifiedEvent("e1", "2024-01-02", bsn + "-emp",
                                 Sector::kMarkt),
       "employer_reclassified.employer_id"},
      {PersonRegisteredEvent("e1", "2024-01-02", ref),
       "person_registered.person_ref"},
      {PersonDeregisteredEvent("e1", "2024-01-02", ref),
       "person_deregistered.person_ref"},
      {JobStartedEvent("e1", "2024-01-15", "job-" + bsn, "emp-1", kPerson1,
                       kVast, 2550),
       "job_started.job_id"},
      {JobStartedEvent("e1", "2024-01-15", "job-1", bsn, kPerson1, kVast, 2550),
       "job_started.employer_id"},
      {JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1", ref, kVast, 2550),
       "job_started.person_ref"},
      {JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1", kPerson1, kUitzend,
                       2550, "lender/" + bsn),
       "job_started.lender_id"},
      {JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1", kPerson1, kVast,
                       2550, "", "emp:" + bsn),
       "job_started.commissioning_employer_id"},
      {JobConvertedEvent("e1", "2024-02-01", "job-" + bsn, kVast),
       "job_converted.job_id"},
      {HoursChangedEvent("e1", "2024-02-01", "job-" + bsn, 2000),
       "hours_changed.job_id"},
      {JobEndedEvent("e1", "2024-02-01", "job-" + bsn), "job_ended.job_id"},
      {EventRetractedEvent("e1", "2024-02-01", 1, "mistaken BSN " + bsn),
       "event_retracted.reason"},
      {TargetSetEvent("e1", "2024-01-01", Sector::kMarkt, 2024, 100,
                      "letter " + bsn),
       "target_set.source"},
      {BaselineSetEvent("e1", "2024-01-01", Sector::kMarkt, 100, bsn),
       "baseline_set.source"},
      {InleenKeySetEvent("e1", "2024-01-01", 2024, 500, "SEO (" + bsn + ")"),
       "inleen_key_set.source"},
  };
  for (const auto& [event, field] : cases) {
    SCOPED_TRACE(field);
    const absl::StatusOr<AppendResult> result = Append({event});
    EXPECT_TRUE(test::CheckEventError(result.status(), kInvalid, 0, field));
    EXPECT_EQ(result.status().message(),
              absl::StrCat("event 0: ", field,
                           ": contains a BSN (9 digits that pass the "
                           "11-check); the ledger stores pseudonyms only"));
  }
  EXPECT_EQ(log_->GetHead().seq, 0u);
}

// 111222334 fails the 11-check (66 - 1 = 65); ten digits are another number.
TEST_F(Validation, AcceptsNineDigitsFailingTheElevenCheckAndLongerRuns) {
  ExpectAccepted(EmployerRegisteredEvent("e1", "2024-01-02", "emp-111222334",
                                         Sector::kMarkt,
                                         "Bakkerij 1112223330 en 0111222333"));
  ExpectAccepted(TargetSetEvent("e2", "2024-01-01", Sector::kMarkt, 2024, 100,
                                "Kamerstuk 29544-111222334"));
}

TEST(ContainsBsn, FindsARunOfExactlyNineDigitsPassingTheElevenCheck) {
  EXPECT_TRUE(ContainsBsn("111222333"));
  EXPECT_TRUE(ContainsBsn("x111222333"));
  EXPECT_TRUE(ContainsBsn("111222333x"));
  EXPECT_TRUE(ContainsBsn("12-111222333-45678"));
  EXPECT_TRUE(ContainsBsn("1112223330 111222333"));
  EXPECT_FALSE(ContainsBsn(""));
  EXPECT_FALSE(ContainsBsn("111222334"));
  EXPECT_FALSE(ContainsBsn("11122233"));
  EXPECT_FALSE(ContainsBsn("1112223330"));
  EXPECT_FALSE(ContainsBsn("0111222333"));
  EXPECT_FALSE(ContainsBsn("000000000"));
}

// ContainsBsn skips ahead; it must find what a scan of every maximal digit
// run finds. All strings over {'1', '2', '3', 'x'} would be too many, so:
// 200,000 random ones of length 0..30, biased to long digit runs, with valid
// BSNs planted in a third of them.
TEST(ContainsBsn, AgreesWithAScanOfEveryDigitRun) {
  const auto scan_every_run = [](std::string_view text) {
    size_t run_start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
      if (i < text.size() && text[i] >= '0' && text[i] <= '9') continue;
      if (i - run_start == 9 && IsValidBsn(text.substr(run_start, 9))) {
        return true;
      }
      run_start = i + 1;
    }
    return false;
  };
  std::mt19937 random(7);
  int found = 0;
  for (int n = 0; n < 200'000; ++n) {
    std::string text;
    const int length = static_cast<int>(random() % 31);
    for (int i = 0; i < length; ++i) {
      text += random() % 6 == 0 ? 'x' : static_cast<char>('0' + random() % 10);
    }
    if (n % 3 == 0 && length >= 9) {
      text.replace(random() % (length - 8), 9, "111222333");
    }
    const bool expected = scan_every_run(text);
    found += expected;
    ASSERT_EQ(ContainsBsn(text), expected) << text;
  }
  EXPECT_GT(found, 5'000);  // 6,218 with this seed
}

TEST_F(Validation, RejectsUnspecifiedOrAggregateEmployerSector) {
  for (Sector sector : {Sector::kUnspecified, Sector::kOverheid,
                        Sector::kNationaal, Sector::kFunderendOnderwijs}) {
    SCOPED_TRACE(SectorName(sector));
    ExpectRejected(
        {EmployerRegisteredEvent("e1", "2024-01-02", "emp-1", sector)},
        kInvalid, 0, "employer_registered.sector");
  }
  ExpectAccepted(
      EmployerRegisteredEvent("e1", "2024-01-02", "emp-1", Sector::kMarkt));
}

TEST_F(Validation, RejectsReclassificationToUnspecifiedOrAggregateSector) {
  RegisterEmployers();
  for (Sector sector : {Sector::kUnspecified, Sector::kOverheid,
                        Sector::kNationaal, Sector::kFunderendOnderwijs}) {
    SCOPED_TRACE(SectorName(sector));
    ExpectRejected(
        {EmployerReclassifiedEvent("e1", "2024-01-01", "emp-1", sector)},
        kInvalid, 0, "employer_reclassified.sector");
  }
  ExpectAccepted(
      EmployerReclassifiedEvent("e1", "2024-01-01", "emp-1", Sector::kUmc));
}

TEST_F(Validation, RejectsJobStartedHoursOutsideOneTo8000) {
  RegisterEmployers();
  for (int32_t hours : {0, -1, 8001}) {
    SCOPED_TRACE(hours);
    ExpectRejected({JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1",
                                    kPerson1, kVast, hours)},
                   kInvalid, 0, "job_started.hours_per_week_x100");
  }
  ExpectAccepted(JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1", kPerson1,
                                 kVast, 1));
  ExpectAccepted(JobStartedEvent("e2", "2024-01-15", "job-2", "emp-1", kPerson1,
                                 kVast, 8000));
}

TEST_F(Validation, RejectsHoursChangedOutsideOneTo8000) {
  StartJob1();
  for (int32_t hours : {0, -5, 8001}) {
    SCOPED_TRACE(hours);
    ExpectRejected({HoursChangedEvent("e1", "2024-02-01", "job-1", hours)},
                   kInvalid, 0, "hours_changed.hours_per_week_x100");
  }
  ExpectAccepted(HoursChangedEvent("e1", "2024-02-01", "job-1", 8000));
}

TEST_F(Validation, RejectsJobConvertedHoursOutsideZeroTo8000) {
  StartJob1(kUitzend);
  for (int32_t hours : {-1, 8001}) {
    SCOPED_TRACE(hours);
    ExpectRejected(
        {JobConvertedEvent("e1", "2024-02-01", "job-1", kTijdelijk, hours)},
        kInvalid, 0, "job_converted.hours_per_week_x100");
  }
  ExpectAccepted(JobConvertedEvent("e1", "2024-02-01", "job-1", kTijdelijk, 0));
  ExpectAccepted(JobConvertedEvent("e2", "2024-03-01", "job-1", kVast, 8000));
}

TEST_F(Validation, RejectsUnspecifiedForm) {
  RegisterEmployers();
  ExpectRejected({JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1",
                                  kPerson1, ContractForm::kUnspecified, 2550)},
                 kInvalid, 0, "job_started.form");
}

TEST_F(Validation, RequiresLenderIdForInleen) {
  RegisterEmployers();
  for (ContractForm form : {kUitzend, kDetachering}) {
    SCOPED_TRACE(ContractFormName(form));
    ExpectRejected({JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1",
                                    kPerson1, form, 2550)},
                   kInvalid, 0, "job_started.lender_id");
  }
  ExpectAccepted(JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1", kPerson1,
                                 kUitzend, 2550, "uitzendbureau-1"));
  ExpectAccepted(JobStartedEvent("e2", "2024-01-15", "job-2", "emp-1", kPerson2,
                                 kDetachering, 2550, "wsw-bedrijf-1"));
}

TEST_F(Validation, RejectsLenderIdForOtherForms) {
  RegisterEmployers();
  for (ContractForm form : {kVast, kTijdelijk}) {
    SCOPED_TRACE(ContractFormName(form));
    ExpectRejected({JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1",
                                    kPerson1, form, 2550, "uitzendbureau-1")},
                   kInvalid, 0, "job_started.lender_id");
  }
  ExpectRejected(
      {JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1", kPerson1, kSroi,
                       2550, "uitzendbureau-1", "emp-2")},
      kInvalid, 0, "job_started.lender_id");
}

TEST_F(Validation, RequiresCommissioningEmployerForSroi) {
  RegisterEmployers();
  ExpectRejected({JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1",
                                  kPerson1, kSroi, 2550)},
                 kInvalid, 0, "job_started.commissioning_employer_id");
  ExpectAccepted(JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1", kPerson1,
                                 kSroi, 2550, "", "emp-2"));
}

// An SROI job has a real contract form; the commissioning employer marks it.
TEST_F(Validation, AcceptsCommissioningEmployerWithEveryForm) {
  RegisterEmployers();
  int job = 0;
  for (ContractForm form : {kVast, kTijdelijk, kUitzend, kDetachering}) {
    SCOPED_TRACE(ContractFormName(form));
    const std::string id = absl::StrCat("job-", ++job);
    ExpectAccepted(JobStartedEvent(
        absl::StrCat("e", job), "2024-01-15", id, "emp-1", kPerson1, form, 2550,
        IsInleen(form) ? "uitzendbureau-1" : "", "emp-2"));
  }
}

TEST_F(Validation, StillRequiresTheLenderOfAnSroiInleenJob) {
  RegisterEmployers();
  ExpectRejected({JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1",
                                  kPerson1, kUitzend, 2550, "", "emp-2")},
                 kInvalid, 0, "job_started.lender_id");
}

TEST_F(Validation, RejectsConversionToAFormOtherThanVastOrTijdelijk) {
  StartJob1(kUitzend);
  for (ContractForm to :
       {ContractForm::kUnspecified, kUitzend, kDetachering, kSroi}) {
    SCOPED_TRACE(ContractFormName(to));
    ExpectRejected({JobConvertedEvent("e1", "2024-02-01", "job-1", to)},
                   kInvalid, 0, "job_converted.to_form");
  }
}

TEST_F(Validation, RejectsUnspecifiedOutflowReason) {
  StartJob1();
  ExpectRejected(
      {JobEndedEvent("e1", "2024-06-01", "job-1", OutflowReason::kUnspecified)},
      kInvalid, 0, "job_ended.reason");
}

TEST_F(Validation, RejectsUnspecifiedDeregistrationReason) {
  MustAppend({PersonRegisteredEvent("e1", "2024-01-01", kPerson1)});
  ExpectRejected({PersonDeregisteredEvent("e2", "2024-06-01", kPerson1,
                                          DeregistrationReason::kUnspecified)},
                 kInvalid, 0, "person_deregistered.reason");
}

TEST_F(Validation, RejectsTargetYearOutside2013To2100) {
  for (int32_t year : {2012, 2101}) {
    SCOPED_TRACE(year);
    ExpectRejected(
        {TargetSetEvent("e1", "2024-01-01", Sector::kMarkt, year, 100)},
        kInvalid, 0, "target_set.year");
  }
  ExpectAccepted(TargetSetEvent("e1", "2024-01-01", Sector::kMarkt, 2013, 100));
  ExpectAccepted(TargetSetEvent("e2", "2024-01-01", Sector::kMarkt, 2100, 100));
}

TEST_F(Validation, RejectsNegativeTargetBanen) {
  ExpectRejected({TargetSetEvent("e1", "2024-01-01", Sector::kMarkt, 2024, -1)},
                 kInvalid, 0, "target_set.banen_x100");
  ExpectAccepted(TargetSetEvent("e1", "2024-01-01", Sector::kMarkt, 2024, 0));
}

TEST_F(Validation, RejectsUnspecifiedTargetSector) {
  ExpectRejected(
      {TargetSetEvent("e1", "2024-01-01", Sector::kUnspecified, 2024, 100)},
      kInvalid, 0, "target_set.sector");
  ExpectAccepted(
      TargetSetEvent("e1", "2024-01-01", Sector::kOverheid, 2024, 2500000));
  ExpectAccepted(
      TargetSetEvent("e2", "2024-01-01", Sector::kNationaal, 2024, 12500000));
}

// The 2021-2022 letters give FUNDEREND_ONDERWIJS its own target and baseline.
TEST_F(Validation, AcceptsTargetAndBaselineOfFunderendOnderwijs) {
  ExpectAccepted(TargetSetEvent("e1", "2024-01-01", Sector::kFunderendOnderwijs,
                                2024, 970000));
  ExpectAccepted(test::BaselineSetEvent("e2", "2013-01-01",
                                        Sector::kFunderendOnderwijs, 100000));
}

// DOMAIN.md §4: BaselineSet follows the TargetSet rules ("idem").
TEST_F(Validation, RejectsUnspecifiedBaselineSector) {
  ExpectRejected({test::BaselineSetEvent("e1", "2013-01-01",
                                         Sector::kUnspecified, 7517900)},
                 kInvalid, 0, "baseline_set.sector");
  ExpectAccepted(
      test::BaselineSetEvent("e1", "2013-01-01", Sector::kNationaal, 7517900));
}

TEST_F(Validation, RejectsNegativeBaselineBanen) {
  ExpectRejected(
      {test::BaselineSetEvent("e1", "2013-01-01", Sector::kMarkt, -1)},
      kInvalid, 0, "baseline_set.banen_x100");
  ExpectAccepted(test::BaselineSetEvent("e1", "2013-01-01", Sector::kMarkt, 0));
}

TEST_F(Validation, RejectsRetractionOfSeqZero) {
  MustAppend({TargetSetEvent("e1", "2024-01-01", Sector::kMarkt, 2024, 100)});
  ExpectRejected({EventRetractedEvent("e2", "2024-01-02", 0)}, kInvalid, 0,
                 "event_retracted.target_seq");
}

// ---------------------------------------------------------------------------
// NOT_FOUND: unknown employer, job or seq.

TEST_F(Validation, RejectsJobOfUnknownEmployer) {
  RegisterEmployers();
  ExpectRejected({JobStartedEvent("e1", "2024-01-15", "job-1", "emp-9",
                                  kPerson1, kVast, 2550)},
                 kNotFound, 0, "job_started.employer_id");
}

TEST_F(Validation, RejectsReclassificationOfUnknownEmployer) {
  RegisterEmployers();
  ExpectRejected(
      {EmployerReclassifiedEvent("e1", "2024-01-01", "emp-9", Sector::kMarkt)},
      kNotFound, 0, "employer_reclassified.employer_id");
}

TEST_F(Validation, RejectsSroiOfUnknownCommissioningEmployer) {
  RegisterEmployers();
  ExpectRejected({JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1",
                                  kPerson1, kSroi, 2550, "", "emp-9")},
                 kNotFound, 0, "job_started.commissioning_employer_id");
}

TEST_F(Validation, AcceptsTheBaselineInleenKeyOfYear2012) {
  ExpectAccepted(InleenKeySetEvent("e1", "2023-06-01", 2012, 240));
}

TEST_F(Validation, RejectsInleenKeyYearOutside2012To2100) {
  for (int32_t year : {2011, 2101}) {
    SCOPED_TRACE(year);
    ExpectRejected({InleenKeySetEvent("e1", "2023-06-01", year, 258)}, kInvalid,
                   0, "inleen_key_set.year");
  }
}

TEST_F(Validation, RejectsInleenKeyShareOutside0To1000) {
  for (int32_t share : {-1, 1001}) {
    SCOPED_TRACE(share);
    ExpectRejected({InleenKeySetEvent("e1", "2023-06-01", 2022, share)},
                   kInvalid, 0, "inleen_key_set.overheid_share_x10");
  }
}

TEST_F(Validation, AcceptsInleenKeySharesOf0And1000) {
  ExpectAccepted(InleenKeySetEvent("e1", "2023-06-01", 2022, 0));
  ExpectAccepted(InleenKeySetEvent("e2", "2023-06-01", 2022, 1000));
}

TEST_F(Validation, RejectsInleenKeySourceLongerThan1024Bytes) {
  ExpectRejected({InleenKeySetEvent("e1", "2023-06-01", 2022, 258,
                                    std::string(1025, 's'))},
                 kInvalid, 0, "inleen_key_set.source");
}

TEST_F(Validation, AnInleenKeySetIsRetractable) {
  MustAppend({InleenKeySetEvent("e1", "2023-06-01", 2022, 258)});
  ExpectAccepted(EventRetractedEvent("e2", "2023-06-02", 1, "wrong year"));
}

TEST_F(Validation, RejectsPaidHoursOfAnUnknownEmployer) {
  RegisterEmployers();
  ExpectRejected(
      {EmployerHoursReportedEvent("e1", "2025-03-01", "emp-9", 2024, 59280000)},
      kNotFound, 0, "employer_hours_reported.employer_id");
}

TEST_F(Validation, RejectsPaidHoursYearOutside2012To2100) {
  RegisterEmployers();
  for (int32_t year : {2011, 2101}) {
    SCOPED_TRACE(year);
    ExpectRejected(
        {EmployerHoursReportedEvent("e1", "2025-03-01", "emp-1", year, 100)},
        kInvalid, 0, "employer_hours_reported.year");
  }
}

TEST_F(Validation, RejectsNegativeOrHugePaidHours) {
  RegisterEmployers();
  for (int64_t hours : {int64_t{-1}, kMaxPaidHoursX100 + 1}) {
    SCOPED_TRACE(hours);
    ExpectRejected(
        {EmployerHoursReportedEvent("e1", "2025-03-01", "emp-1", 2024, hours)},
        kInvalid, 0, "employer_hours_reported.paid_hours_x100");
  }
}

TEST_F(Validation, PaidHoursKeepTheirEmployerFromBeingRetracted) {
  RegisterEmployers();
  MustAppend({EmployerHoursReportedEvent("e1", "2025-03-01", "emp-1", 2024,
                                         59280000)});
  ExpectRejected({EventRetractedEvent("e2", "2025-03-02", 1, "wrong")},
                 kPrecondition, 0, "event_retracted.target_seq");
  ExpectAccepted(EventRetractedEvent("e3", "2025-03-02", 3, "wrong year"));
}

TEST_F(Validation, RejectsAQuotaPercentageOfAConcreteSector) {
  ExpectRejected({QuotaPercentageSetEvent("e1", "2023-11-01",
                                          Sector::kGemeenten, 2024, 276)},
                 kInvalid, 0, "quota_percentage_set.sector");
}

TEST_F(Validation, RejectsQuotaPercentageOutside0To10000) {
  for (int32_t percentage : {-1, 10001}) {
    SCOPED_TRACE(percentage);
    ExpectRejected(
        {QuotaPercentageSetEvent("e1", "2023-11-01", Sector::kOverheid, 2024,
                                 percentage)},
        kInvalid, 0, "quota_percentage_set.percentage_x100");
  }
}

TEST_F(Validation, RejectsQuotaPercentageYearBefore2013) {
  ExpectRejected(
      {QuotaPercentageSetEvent("e1", "2023-11-01", Sector::kMarkt, 2012, 269)},
      kInvalid, 0, "quota_percentage_set.year");
}

TEST_F(Validation, AQuotaPercentageSetIsRetractable) {
  MustAppend({QuotaPercentageSetEvent("e1", "2023-11-01", Sector::kOverheid,
                                      2024, 276)});
  ExpectAccepted(EventRetractedEvent("e2", "2023-11-02", 1, "wrong year"));
}

TEST_F(Validation, RejectsUnknownCommissioningEmployerOfAVastJob) {
  RegisterEmployers();
  ExpectRejected({JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1",
                                  kPerson1, kVast, 2550, "", "emp-9")},
                 kNotFound, 0, "job_started.commissioning_employer_id");
}

TEST_F(Validation, RejectsUnknownParentEmployer) {
  RegisterEmployers();
  ExpectRejected(
      {EmployerRegisteredEvent("e1", "2024-01-02", "dept-1", Sector::kRijk,
                               "Belastingdienst", "min-9")},
      kNotFound, 0, "employer_registered.parent_employer_id");
  ExpectAccepted(EmployerRegisteredEvent(
      "e1", "2024-01-02", "dept-1", Sector::kRijk, "Belastingdienst", "emp-2"));
}

TEST_F(Validation, RejectsEventsOfUnknownJob) {
  StartJob1();
  ExpectRejected({JobConvertedEvent("e1", "2024-02-01", "job-9", kVast)},
                 kNotFound, 0, "job_converted.job_id");
  ExpectRejected({HoursChangedEvent("e1", "2024-02-01", "job-9", 2000)},
                 kNotFound, 0, "hours_changed.job_id");
  ExpectRejected({JobEndedEvent("e1", "2024-02-01", "job-9")}, kNotFound, 0,
                 "job_ended.job_id");
}

TEST_F(Validation, RejectsRetractionBeyondLastStoredSeq) {
  MustAppend({TargetSetEvent("e1", "2024-01-01", Sector::kMarkt, 2024, 100),
              TargetSetEvent("e2", "2024-01-01", Sector::kMarkt, 2025, 200)});
  ExpectRejected({EventRetractedEvent("r1", "2024-01-02", 3)}, kNotFound, 0,
                 "event_retracted.target_seq");
  ExpectAccepted(EventRetractedEvent("r1", "2024-01-02", 2));
}

// ---------------------------------------------------------------------------
// ALREADY_EXISTS.

TEST_F(Validation, RejectsDuplicateEmployerId) {
  RegisterEmployers();
  ExpectRejected({EmployerRegisteredEvent("e1", "2024-01-02", "emp-1",
                                          Sector::kMarkt, "Other name")},
                 kExists, 0, "employer_registered.employer_id");
  ExpectRejected({EmployerRegisteredEvent("e1", "2024-01-02", "emp-3"),
                  EmployerRegisteredEvent("e2", "2024-01-02", "emp-3")},
                 kExists, 1, "employer_registered.employer_id");
}

TEST_F(Validation, RejectsDuplicateJobIdEvenAfterTheJobEnded) {
  StartJob1();
  ExpectRejected({JobStartedEvent("e1", "2024-02-01", "job-1", "emp-2",
                                  kPerson2, kTijdelijk, 1000)},
                 kExists, 0, "job_started.job_id");
  MustAppend({JobEndedEvent("e1", "2024-06-01", "job-1")});
  ExpectRejected({JobStartedEvent("e2", "2024-07-01", "job-1", "emp-1",
                                  kPerson1, kVast, 2550)},
                 kExists, 0, "job_started.job_id");
}

TEST_F(Validation, RejectsKnownEventIdWithOtherContent) {
  MustAppend({TargetSetEvent("e1", "2024-01-01", Sector::kMarkt, 2024, 100)});
  ExpectRejected(
      {TargetSetEvent("e2", "2024-01-01", Sector::kMarkt, 2025, 100),
       TargetSetEvent("e1", "2024-01-01", Sector::kMarkt, 2024, 101)},
      kExists, 1, "event_id");
}

TEST_F(Validation, RejectsEventIdRepeatedWithOtherContentInOneBatch) {
  ExpectRejected(
      {TargetSetEvent("e1", "2024-01-01", Sector::kMarkt, 2024, 100),
       TargetSetEvent("e1", "2024-01-01", Sector::kMarkt, 2025, 100)},
      kExists, 1, "event_id");
}

// ---------------------------------------------------------------------------
// FAILED_PRECONDITION: timeline violations.

TEST_F(Validation, RejectsJobEventsBeforeTheStart) {
  StartJob1(kTijdelijk);
  ExpectRejected({HoursChangedEvent("e1", "2024-01-14", "job-1", 2000)},
                 kPrecondition, 0, "effective_date");
  ExpectRejected({JobConvertedEvent("e1", "2024-01-14", "job-1", kVast)},
                 kPrecondition, 0, "effective_date");
  ExpectRejected({JobEndedEvent("e1", "2024-01-14", "job-1")}, kPrecondition, 0,
                 "effective_date");
}

TEST_F(Validation, RejectsJobEventsOnOrAfterTheEnd) {
  StartJob1(kTijdelijk);
  MustAppend({JobEndedEvent("end", "2024-06-01", "job-1")});
  ExpectRejected({HoursChangedEvent("e1", "2024-06-01", "job-1", 2000)},
                 kPrecondition, 0, "effective_date");
  ExpectRejected({HoursChangedEvent("e1", "2024-07-01", "job-1", 2000)},
                 kPrecondition, 0, "effective_date");
  ExpectRejected({JobConvertedEvent("e1", "2024-06-01", "job-1", kVast)},
                 kPrecondition, 0, "effective_date");
}

TEST_F(Validation, AcceptsJobEventsFromStartDateToTheDayBeforeTheEnd) {
  StartJob1(kTijdelijk);
  ExpectAccepted(HoursChangedEvent("e1", "2024-01-15", "job-1", 2000));
  MustAppend({JobEndedEvent("end", "2024-06-01", "job-1")});
  ExpectAccepted(HoursChangedEvent("e2", "2024-05-31", "job-1", 2100));
  ExpectAccepted(JobConvertedEvent("e3", "2024-05-31", "job-1", kVast));
}

TEST_F(Validation, RejectsSecondJobEnded) {
  StartJob1();
  MustAppend({JobEndedEvent("end", "2024-06-01", "job-1")});
  ExpectRejected({JobEndedEvent("e1", "2024-05-01", "job-1")}, kPrecondition, 0,
                 kAnyField);
  ExpectRejected({JobEndedEvent("e1", "2024-07-01", "job-1")}, kPrecondition, 0,
                 kAnyField);
}

TEST_F(Validation, RejectsConversionNotAllowedFromTheCurrentForm) {
  StartJob1(kVast);
  ExpectRejected({JobConvertedEvent("e1", "2024-02-01", "job-1", kTijdelijk)},
                 kPrecondition, 0, "job_converted.to_form");
  ExpectRejected({JobConvertedEvent("e1", "2024-02-01", "job-1", kVast)},
                 kPrecondition, 0, "job_converted.to_form");
}

TEST_F(Validation, RejectsTijdelijkToTijdelijk) {
  StartJob1(kTijdelijk);
  ExpectRejected({JobConvertedEvent("e1", "2024-02-01", "job-1", kTijdelijk)},
                 kPrecondition, 0, "job_converted.to_form");
}

TEST_F(Validation, RejectsConversionOfJobABackdatedConversionMadeVast) {
  StartJob1(kTijdelijk);
  MustAppend({JobConvertedEvent("e1", "2024-03-01", "job-1", kVast)});
  ExpectRejected({JobConvertedEvent("e2", "2024-06-01", "job-1", kVast)},
                 kPrecondition, 0, "job_converted.to_form");
}

// Inserted before the stored TIJDELIJK -> VAST conversion, it would turn that
// one into VAST -> VAST: the whole timeline must stay valid.
TEST_F(Validation, RejectsBackdatedConversionThatInvalidatesALaterOne) {
  StartJob1(kTijdelijk);
  MustAppend({JobConvertedEvent("e1", "2024-06-01", "job-1", kVast)});
  ExpectRejected({JobConvertedEvent("e2", "2024-03-01", "job-1", kVast)},
                 kPrecondition, 0, kAnyField);
}

TEST_F(Validation, AcceptsInleenToTijdelijkToVast) {
  StartJob1(kDetachering);
  ExpectAccepted(JobConvertedEvent("e1", "2024-03-01", "job-1", kTijdelijk));
  ExpectAccepted(JobConvertedEvent("e2", "2024-09-01", "job-1", kVast, 3000));
}

TEST_F(Validation, RejectsBackdatedJobEndedBeforeAnExistingHoursChanged) {
  StartJob1();
  MustAppend({HoursChangedEvent("e1", "2024-06-01", "job-1", 2000)});
  ExpectRejected({JobEndedEvent("e2", "2024-05-01", "job-1")}, kPrecondition, 0,
                 kAnyField);
  ExpectRejected({JobEndedEvent("e2", "2024-06-01", "job-1")}, kPrecondition, 0,
                 kAnyField);
  ExpectAccepted(JobEndedEvent("e2", "2024-06-02", "job-1"));
}

TEST_F(Validation, RejectsDeregistrationWhenNotRegisteredAtThatDate) {
  ExpectRejected({PersonDeregisteredEvent("e1", "2024-06-01", kPerson1)},
                 kPrecondition, 0, kAnyField);
  MustAppend({PersonRegisteredEvent("r1", "2024-03-01", kPerson1)});
  ExpectRejected({PersonDeregisteredEvent("e1", "2024-02-01", kPerson1)},
                 kPrecondition, 0, kAnyField);
  ExpectAccepted(PersonDeregisteredEvent("e1", "2024-06-01", kPerson1));
  ExpectRejected({PersonDeregisteredEvent("e2", "2024-07-01", kPerson1)},
                 kPrecondition, 0, kAnyField);
}

TEST_F(Validation, RejectsRegistrationWhenAlreadyRegisteredAtThatDate) {
  MustAppend({PersonRegisteredEvent("r1", "2024-01-01", kPerson1)});
  ExpectRejected({PersonRegisteredEvent("r2", "2024-03-01", kPerson1)},
                 kPrecondition, 0, kAnyField);
  MustAppend({PersonDeregisteredEvent("d1", "2024-06-01", kPerson1)});
  ExpectRejected({PersonRegisteredEvent("r2", "2024-05-01", kPerson1)},
                 kPrecondition, 0, kAnyField);
  ExpectAccepted(PersonRegisteredEvent("r2", "2024-09-01", kPerson1));
}

TEST_F(Validation, RejectsRetractionOfARetraction) {
  MustAppend({TargetSetEvent("e1", "2024-01-01", Sector::kMarkt, 2024, 100)});
  MustAppend({EventRetractedEvent("r1", "2024-01-02", 1)});
  ExpectRejected({EventRetractedEvent("r2", "2024-01-02", 2)}, kPrecondition, 0,
                 "event_retracted.target_seq");
}

TEST_F(Validation, RejectsRetractionOfAnAlreadyRetractedSeq) {
  MustAppend({TargetSetEvent("e1", "2024-01-01", Sector::kMarkt, 2024, 100)});
  MustAppend({EventRetractedEvent("r1", "2024-01-02", 1)});
  ExpectRejected({EventRetractedEvent("r2", "2024-01-02", 1)}, kPrecondition, 0,
                 "event_retracted.target_seq");
}

TEST_F(Validation, RejectsRetractingJobStartedWhileTheJobHasLiveEvents) {
  StartJob1();  // seq 3
  MustAppend({HoursChangedEvent("e1", "2024-06-01", "job-1", 2000)});
  ExpectRejected({EventRetractedEvent("r1", "2024-07-01", 3)}, kPrecondition, 0,
                 "event_retracted.target_seq");
}

TEST_F(Validation, RejectsRetractionThatLeavesThePersonTimelineInvalid) {
  MustAppend({PersonRegisteredEvent("r1", "2024-01-01", kPerson1),
              PersonDeregisteredEvent("d1", "2024-06-01", kPerson1)});
  ExpectRejected({EventRetractedEvent("x1", "2024-07-01", 1)}, kPrecondition, 0,
                 "event_retracted.target_seq");
}

TEST_F(Validation, AllowsRetractingALoneJobStartedAndStartingTheJobAgain) {
  StartJob1();  // seq 3
  ExpectAccepted(EventRetractedEvent("r1", "2024-02-01", 3));
  ExpectAccepted(JobStartedEvent("e2", "2024-01-20", "job-1", "emp-2", kPerson2,
                                 kTijdelijk, 1800));
  // The job now follows the new start.
  ExpectRejected({HoursChangedEvent("e3", "2024-01-17", "job-1", 2000)},
                 kPrecondition, 0, "effective_date");
  ExpectAccepted(JobConvertedEvent("e3", "2024-03-01", "job-1", kVast));
}

TEST_F(Validation, AllowsRetractingJobStartedOnceItsOtherEventsAreRetracted) {
  StartJob1();                                                         // seq 3
  MustAppend({HoursChangedEvent("e1", "2024-06-01", "job-1", 2000)});  // 4
  ExpectAccepted(EventRetractedEvent("r1", "2024-07-01", 4));
  ExpectAccepted(EventRetractedEvent("r2", "2024-07-01", 3));
}

TEST_F(Validation, RetractingJobEndedMakesTheJobActiveAgain) {
  StartJob1();
  MustAppend({JobEndedEvent("end", "2024-06-01", "job-1")});  // seq 4
  ExpectAccepted(EventRetractedEvent("r1", "2024-07-01", 4));
  ExpectAccepted(HoursChangedEvent("e1", "2024-08-01", "job-1", 2000));
}

// ---------------------------------------------------------------------------
// ABORTED: optimistic concurrency per job.

TEST_F(Validation, AcceptsMatchingExpectedJobSeq) {
  StartJob1();                                                         // 3
  MustAppend({HoursChangedEvent("e1", "2024-06-01", "job-1", 2000)});  // 4
  AppendBatch batch =
      Batch({HoursChangedEvent("e2", "2024-07-01", "job-1", 2100)});
  batch.expected_job_seq["job-1"] = 4;
  ASSERT_OK_AND_ASSIGN(const AppendResult result, log_->Append(batch));
  EXPECT_EQ(result.last_seq, 5u);
}

TEST_F(Validation, RejectsStaleExpectedSeq) {
  StartJob1();                                                         // 3
  MustAppend({HoursChangedEvent("e1", "2024-06-01", "job-1", 2000)});  // 4
  AppendBatch batch =
      Batch({HoursChangedEvent("e2", "2024-07-01", "job-1", 2100)});
  batch.expected_job_seq["job-1"] = 3;
  ExpectBatchRejected(batch, kAborted, -1, "expected_job_seq");
}

TEST_F(Validation, RejectsExpectedSeqZeroForAnExistingJob) {
  StartJob1();
  AppendBatch batch =
      Batch({HoursChangedEvent("e2", "2024-07-01", "job-1", 2100)});
  batch.expected_job_seq["job-1"] = 0;
  ExpectBatchRejected(batch, kAborted, -1, "expected_job_seq");
}

TEST_F(Validation, AcceptsExpectedSeqZeroForANewJob) {
  RegisterEmployers();
  AppendBatch batch = Batch({JobStartedEvent("e1", "2024-01-15", "job-1",
                                             "emp-1", kPerson1, kVast, 2550)});
  batch.expected_job_seq["job-1"] = 0;
  ASSERT_OK_AND_ASSIGN(const AppendResult result, log_->Append(batch));
  EXPECT_EQ(result.last_seq, 3u);
}

TEST_F(Validation, RejectsNonZeroExpectedSeqForAnUnknownJob) {
  RegisterEmployers();
  AppendBatch batch = Batch({JobStartedEvent("e1", "2024-01-15", "job-1",
                                             "emp-1", kPerson1, kVast, 2550)});
  batch.expected_job_seq["job-1"] = 2;
  ExpectBatchRejected(batch, kAborted, -1, "expected_job_seq");
}

// ---------------------------------------------------------------------------
// Batches are validated in order, as if applied one by one.

TEST_F(Validation, LaterEventsOfABatchSeeTheEffectsOfEarlierOnes) {
  ASSERT_OK_AND_ASSIGN(
      const AppendResult result,
      Append({EmployerRegisteredEvent("e1", "2020-01-01", "emp-1"),
              JobStartedEvent("e2", "2024-01-15", "job-1", "emp-1", kPerson1,
                              kUitzend, 2550, "uitzendbureau-1"),
              JobConvertedEvent("e3", "2024-03-01", "job-1", kTijdelijk),
              HoursChangedEvent("e4", "2024-04-01", "job-1", 3000),
              JobEndedEvent("e5", "2024-06-01", "job-1")}));
  EXPECT_EQ(result.first_seq, 1u);
  EXPECT_EQ(result.last_seq, 5u);
}

// DOMAIN.md §4: a correction (retract + replacement) is one batch.
TEST_F(Validation, CorrectionIsARetractionAndItsReplacementInOneBatch) {
  StartJob1();  // seq 3: 25.5 h, should have been 20 h from 2024-01-16
  ASSERT_OK_AND_ASSIGN(
      const AppendResult result,
      Append({EventRetractedEvent("fix-1", "2024-01-15", 3, "wrong hours"),
              JobStartedEvent("fix-2", "2024-01-16", "job-1", "emp-1", kPerson1,
                              kVast, 2000)}));
  EXPECT_EQ(result.seqs, (std::vector<uint64_t>{4, 5}));
}

TEST_F(Validation, ReportsTheIndexOfTheFailingEventOfABatch) {
  RegisterEmployers();
  ExpectRejected({EmployerRegisteredEvent("e1", "2020-01-01", "emp-3"),
                  JobStartedEvent("e2", "2024-01-15", "job-1", "emp-3",
                                  kPerson1, kVast, 2550),
                  JobStartedEvent("e3", "2024-01-15", "job-2", "emp-9",
                                  kPerson1, kVast, 2550)},
                 kNotFound, 2, "job_started.employer_id");
}

TEST_F(Validation, AnEventCannotDependOnALaterEventOfItsBatch) {
  ExpectRejected({JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1",
                                  kPerson1, kVast, 2550),
                  EmployerRegisteredEvent("e2", "2020-01-01", "emp-1")},
                 kNotFound, 0, "job_started.employer_id");
}

TEST(ValidateFields, RejectsAGrondslagOutsideTheContract) {
  Event event = PersonRegisteredEvent("e1", "2024-01-01", kPerson1);
  std::get<PersonRegistered>(event.payload).grondslag =
      static_cast<Grondslag>(kGrondslagCount);
  EXPECT_TRUE(test::CheckEventError(
      ValidateFields(event, 2, test::D("2024-06-01")),
      absl::StatusCode::kInvalidArgument, 2, "person_registered.grondslag"));
}

// Regression (tests/fuzz/stored_event_fuzzer): the last allowed effective
// date was recorded date + 366 in int32, which overflowed near the end of
// Date's range and rejected every event.
TEST(ValidateFields, AcceptsRecordedDateAtTheEndOfDateRange) {
  const absl::Status status =
      ValidateFields(PersonRegisteredEvent("e1", "2024-01-01", kPerson1), 0,
                     Date{std::numeric_limits<int32_t>::max() - 100});
  EXPECT_TRUE(status.ok()) << status;
}

}  // namespace
}  // namespace banen
