// AppendAuthority (ledger/event_log.h): who may append what, checked while a
// batch is staged, before duplicates and expected_job_seq. One test per rule;
// every refusal is PERMISSION_DENIED naming the event, the field and why, and
// stores nothing.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
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

using test::CheckEventError;
using test::EmployerRegisteredEvent;
using test::EventRetractedEvent;
using test::HoursChangedEvent;
using test::JobConvertedEvent;
using test::JobEndedEvent;
using test::JobStartedEvent;
using test::kPerson1;
using test::kPerson2;
using test::StatusIs;

// An employer's HR system: the four job kinds and retractions, for the
// employers in `scope`, retracting only what it recorded.
AppendAuthority Employer(std::string principal,
                         absl::flat_hash_set<std::string> scope) {
  AppendAuthority authority;
  authority.principal = std::move(principal);
  authority.kinds = {EventKind::kJobStarted, EventKind::kJobConverted,
                     EventKind::kHoursChanged, EventKind::kJobEnded,
                     EventKind::kEventRetracted};
  authority.employer_scope = std::move(scope);
  authority.retractions = AppendAuthority::Retractions::kOwn;
  return authority;
}

AppendAuthority Utrecht() { return Employer("hr-utrecht", {"emp-utrecht"}); }

AppendBatch BatchBy(AppendAuthority authority, std::vector<Event> events) {
  AppendBatch batch = test::Batch(std::move(events));
  batch.authority = std::move(authority);
  return batch;
}

// The refusal of event `index` whose `field` names job-a (of emp-amersfoort).
std::string JobAOutsideScope(int index, const std::string& field) {
  return absl::StrCat("event ", index, ": ", field,
                      ": job job-a belongs to employer emp-amersfoort, "
                      "outside the scope of principal hr-utrecht");
}

Event UtrechtJobStarted() {
  return JobStartedEvent("u1", "2024-01-15", "job-u", "emp-utrecht", kPerson1,
                         ContractForm::kTijdelijk, 2550);
}

// Seqs 1-4 in the open mode: two employers and a job at Amersfoort (seq 3,
// hirer emp-amersfoort; seq 4 changes its hours).
class AuthorityTest : public test::LedgerTest {
 protected:
  void SetUp() override {
    test::LedgerTest::SetUp();
    if (HasFatalFailure()) return;
    MustAppend({EmployerRegisteredEvent("r1", "2020-01-01", "emp-utrecht"),
                EmployerRegisteredEvent("r2", "2020-01-01", "emp-amersfoort"),
                JobStartedEvent("a1", "2024-01-15", "job-a", "emp-amersfoort",
                                kPerson2, ContractForm::kTijdelijk, 2550),
                HoursChangedEvent("a2", "2024-02-01", "job-a", 2000)});
  }

  // Expects `batch` refused with PERMISSION_DENIED, naming event `index` and
  // `field`, with exactly `message`, and nothing of it stored.
  void ExpectDenied(AppendBatch batch, int index, const std::string& field,
                    const std::string& message) {
    const Head before = log_->GetHead();
    const absl::StatusOr<AppendResult> result = log_->Append(batch);
    EXPECT_TRUE(CheckEventError(
        result.status(), absl::StatusCode::kPermissionDenied, index, field));
    EXPECT_EQ(result.status().message(), message);
    EXPECT_EQ(log_->GetHead().seq, before.seq);
    EXPECT_EQ(log_->GetHead().hash, before.hash);
  }
};

TEST_F(AuthorityTest, JobStartedForAnEmployerOutsideTheScopeIsDenied) {
  ExpectDenied(BatchBy(Utrecht(), {JobStartedEvent("u1", "2024-01-15", "job-u",
                                                   "emp-amersfoort", kPerson1,
                                                   ContractForm::kVast, 2550)}),
               0, "job_started.employer_id",
               "event 0: job_started.employer_id: employer emp-amersfoort is "
               "outside the scope of principal hr-utrecht");
}

TEST_F(AuthorityTest, JobConvertedOfAJobOutsideTheScopeIsDenied) {
  ExpectDenied(
      BatchBy(Utrecht(), {JobConvertedEvent("u1", "2024-03-01", "job-a",
                                            ContractForm::kVast)}),
      0, "job_converted.job_id", JobAOutsideScope(0, "job_converted.job_id"));
}

TEST_F(AuthorityTest, HoursChangedOfAJobOutsideTheScopeIsDenied) {
  ExpectDenied(BatchBy(Utrecht(),
                       {HoursChangedEvent("u1", "2024-03-01", "job-a", 1000)}),
               0, "hours_changed.job_id",
               JobAOutsideScope(0, "hours_changed.job_id"));
}

TEST_F(AuthorityTest, JobEndedOfAJobOutsideTheScopeIsDenied) {
  ExpectDenied(BatchBy(Utrecht(), {JobEndedEvent("u1", "2024-03-01", "job-a")}),
               0, "job_ended.job_id", JobAOutsideScope(0, "job_ended.job_id"));
}

TEST_F(AuthorityTest, AJobOfTheScopeIsAllowedAndRecordedByItsPrincipal) {
  ASSERT_OK(log_->Append(BatchBy(Utrecht(), {UtrechtJobStarted()})));
  ASSERT_OK(log_->Append(BatchBy(
      Utrecht(),
      {HoursChangedEvent("u2", "2024-03-01", "job-u", 2000),
       JobConvertedEvent("u3", "2024-04-01", "job-u", ContractForm::kVast),
       JobEndedEvent("u4", "2024-05-01", "job-u")})));
  for (uint64_t seq = 5; seq <= 8; ++seq) {
    ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log_->GetBySeq(seq));
    EXPECT_EQ(stored.recorded_by, "hr-utrecht") << seq;
  }
}

TEST_F(AuthorityTest, AJobStartedEarlierInTheSameBatchIsInScope) {
  ASSERT_OK_AND_ASSIGN(
      const AppendResult result,
      log_->Append(BatchBy(
          Utrecht(), {UtrechtJobStarted(),
                      HoursChangedEvent("u2", "2024-03-01", "job-u", 2000)})));
  EXPECT_EQ(result.seqs, (std::vector<uint64_t>{5, 6}));
}

// The batch's own JobStarted names the hirer only for its own job: a later
// event of another job is judged by that job's hirer.
TEST_F(AuthorityTest, AJobStartedInTheBatchDoesNotBringOtherJobsInScope) {
  ExpectDenied(BatchBy(Utrecht(),
                       {UtrechtJobStarted(),
                        HoursChangedEvent("u2", "2024-03-01", "job-a", 1000)}),
               1, "hours_changed.job_id",
               JobAOutsideScope(1, "hours_changed.job_id"));
}

// job_ids are one namespace: a JobStarted tells any writer whether one is
// taken, so an unknown job answers as it does in the open mode.
TEST_F(AuthorityTest, AnUnknownJobIsNotFoundNotDenied) {
  const absl::StatusOr<AppendResult> result = log_->Append(BatchBy(
      Utrecht(), {HoursChangedEvent("u1", "2024-03-01", "job-x", 1000)}));
  EXPECT_TRUE(CheckEventError(result.status(), absl::StatusCode::kNotFound, 0,
                              "hours_changed.job_id"));
  EXPECT_EQ(result.status().message(),
            "event 0: hours_changed.job_id: unknown job");
}

TEST_F(AuthorityTest, AKindNotAllowedIsDenied) {
  ExpectDenied(
      BatchBy(Utrecht(),
              {UtrechtJobStarted(),
               EmployerRegisteredEvent("u2", "2020-01-01", "emp-x")}),
      1, "payload",
      "event 1: payload: EmployerRegistered is not among the kinds principal "
      "hr-utrecht may append");
}

TEST_F(AuthorityTest, RetractingAnotherPrincipalsEventIsDenied) {
  AppendBatch amersfoort =
      BatchBy(Employer("hr-amersfoort", {"emp-amersfoort"}),
              {HoursChangedEvent("a3", "2024-03-01", "job-a", 1800)});
  ASSERT_OK(log_->Append(amersfoort));  // seq 5
  ExpectDenied(BatchBy(Utrecht(), {EventRetractedEvent("u1", "2024-04-01", 5)}),
               0, "event_retracted.target_seq",
               "event 0: event_retracted.target_seq: event 5 was not recorded "
               "by principal hr-utrecht, which may retract only its own "
               "events");
}

// Nobody recorded the events of the open mode, so no principal owns them.
TEST_F(AuthorityTest, RetractingAnEventOfTheOpenModeIsDenied) {
  ExpectDenied(BatchBy(Utrecht(), {EventRetractedEvent("u1", "2024-04-01", 4)}),
               0, "event_retracted.target_seq",
               "event 0: event_retracted.target_seq: event 4 was not recorded "
               "by principal hr-utrecht, which may retract only its own "
               "events");
}

TEST_F(AuthorityTest, RetractingOwnEventIsAllowed) {
  ASSERT_OK(log_->Append(BatchBy(
      Utrecht(), {UtrechtJobStarted(),
                  HoursChangedEvent("u2", "2024-03-01", "job-u", 2000)})));
  ASSERT_OK_AND_ASSIGN(
      const AppendResult result,
      log_->Append(
          BatchBy(Utrecht(), {EventRetractedEvent("u3", "2024-04-01", 6)})));
  EXPECT_EQ(result.seqs, (std::vector<uint64_t>{7}));
}

// A target staged earlier in the same batch is the principal's own.
TEST_F(AuthorityTest, RetractingOwnEventOfTheSameBatchIsAllowed) {
  ASSERT_OK_AND_ASSIGN(
      const AppendResult result,
      log_->Append(BatchBy(
          Utrecht(), {UtrechtJobStarted(),
                      HoursChangedEvent("u2", "2024-03-01", "job-u", 2000),
                      EventRetractedEvent("u3", "2024-04-01", 6)})));
  EXPECT_EQ(result.seqs, (std::vector<uint64_t>{5, 6, 7}));
}

TEST_F(AuthorityTest, ARetractionByAStewardMayTargetAnyEvent) {
  AppendAuthority steward;
  steward.principal = "min-szw";
  steward.kinds = {EventKind::kEventRetracted};
  ASSERT_OK(log_->Append(
      BatchBy(steward, {EventRetractedEvent("s1", "2024-04-01", 4)})));
}

TEST_F(AuthorityTest, ARefusedBatchStoresNothing) {
  const AppendBatch batch =
      BatchBy(Utrecht(), {UtrechtJobStarted(),
                          HoursChangedEvent("u2", "2024-03-01", "job-u", 2000),
                          JobEndedEvent("u3", "2024-03-01", "job-a")});
  ExpectDenied(batch, 2, "job_ended.job_id",
               JobAOutsideScope(2, "job_ended.job_id"));
  for (const Event& event : batch.events) {
    EXPECT_THAT(log_->GetByEventId(event.event_id),
                StatusIs(absl::StatusCode::kNotFound))
        << event.event_id;
  }
  ReopenLog();
  EXPECT_EQ(log_->GetHead().seq, 4u);
  // Nor did it change what the log knows of the job it started.
  ASSERT_OK(log_->Append(BatchBy(Utrecht(), {UtrechtJobStarted()})));
}

// A resend by a principal that may not write the event is no retry: the
// refusal comes before duplicates are recognised.
TEST_F(AuthorityTest, ADuplicateOfAnEventThePrincipalMayNotWriteIsDenied) {
  ExpectDenied(BatchBy(Utrecht(),
                       {HoursChangedEvent("a2", "2024-02-01", "job-a", 2000)}),
               0, "hours_changed.job_id",
               JobAOutsideScope(0, "hours_changed.job_id"));
  // The same resend in the open mode is the duplicate it is.
  ASSERT_OK_AND_ASSIGN(const AppendResult result,
                       log_->Append(test::Batch({HoursChangedEvent(
                           "a2", "2024-02-01", "job-a", 2000)})));
  EXPECT_EQ(result.seqs, (std::vector<uint64_t>{4}));
  EXPECT_EQ(result.duplicate, (std::vector<bool>{true}));
}

TEST_F(AuthorityTest, TheRefusalComesBeforeTheExpectedJobSeqCheck) {
  AppendBatch batch =
      BatchBy(Utrecht(), {HoursChangedEvent("u1", "2024-03-01", "job-a", 900)});
  batch.expected_job_seq["job-a"] = 3;  // stale: seq 4 changed it
  ExpectDenied(std::move(batch), 0, "hours_changed.job_id",
               JobAOutsideScope(0, "hours_changed.job_id"));
}

}  // namespace
}  // namespace banen
