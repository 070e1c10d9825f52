// What each writing role may append, over a real server: the AppendAuthority
// services/auth.h fills from the caller, as the EventLog enforces it.
#include <algorithm>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/auth_test_util.h"
#include "tests/services/service_test_util.h"

namespace banen::test {
namespace {

using ::testing::HasSubstr;

class AppendAuthorityTest : public ServiceTest {
 protected:
  void AdjustOptions(LedgerServerOptions& options) override {
    options.auth_config = dir_ + "/auth.textproto";
    std::ofstream(options.auth_config) << EveryRoleConfig();
  }

  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    // emp-a (the employer principal's scope) and emp-b, each with a person
    // and a permanent job (seqs 1..3 and 4..6), then a temporary job each
    // (job-at seq 7, job-bt seq 8), all recorded by the admin.
    for (const std::string tag : {"a", "b"}) {
      ASSERT_TRUE(AppendAs(v1::ROLE_ADMIN, HireHistory(tag)).ok());
    }
    for (const std::string tag : {"a", "b"}) {
      ASSERT_TRUE(AppendAs(v1::ROLE_ADMIN,
                           {JobStartedEvent(
                               absl::StrCat(tag, "-temp"), "2024-02-01",
                               absl::StrCat("job-", tag, "t"),
                               absl::StrCat("emp-", tag),
                               absl::StrCat("person-ref-", tag, "-00000000"),
                               ContractForm::kTijdelijk, 1000)})
                      .ok());
    }
  }

  grpc::Status AppendAs(v1::Role role, const std::vector<Event>& events) {
    grpc::ClientContext context;
    WithToken(context, TokenOf(role));
    v1::AppendResponse response;
    return ledger_->AppendBatch(&context, AppendRequestOf("batch", events),
                                &response);
  }

  // An event `role` may append, valid on the fixture's ledger.
  Event AllowedEvent(v1::Role role) {
    const std::string id = absl::StrCat("allowed-", ++allowed_events_);
    switch (role) {
      case v1::ROLE_EMPLOYER:
        return HoursChangedEvent(id, "2024-04-01", "job-a", 1275);
      case v1::ROLE_REGISTER:
        return PersonRegisteredEvent(id, "2024-01-01",
                                     absl::StrCat("person-ref-", id));
      default:
        return NumberedTargetSetEvent(allowed_events_);
    }
  }

  // Appends `event` as `role` after one it may append, expecting the batch
  // refused at its event 1 and nothing of it stored.
  void ExpectRefused(v1::Role role, const Event& event) {
    const uint64_t head = AuditedHeadSeq(*ledger_);
    const grpc::Status status = AppendAs(role, {AllowedEvent(role), event});
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << RoleName(role) << " " << EventKindName(event.kind()) << ": "
        << status.error_message();
    EXPECT_EQ(BatchErrorOf(status).event_index(), 1)
        << RoleName(role) << " " << EventKindName(event.kind());
    EXPECT_THAT(status.error_message(), HasSubstr(PrincipalOf(role)));
    EXPECT_EQ(AuditedHeadSeq(*ledger_), head);
  }

  int allowed_events_ = 0;
};

// A valid event of each kind on the fixture's ledger, about emp-a.
std::vector<Event> OneValidEventOfEachKind() {
  return {
      EmployerRegisteredEvent("k0", "2024-01-02", "emp-c"),
      EmployerReclassifiedEvent("k1", "2024-03-01", "emp-a", Sector::kRijk),
      PersonRegisteredEvent("k2", "2024-01-03", "person-ref-k2-00000000"),
      PersonDeregisteredEvent("k3", "2024-12-01", "person-ref-b-00000000"),
      JobStartedEvent("k4", "2024-03-01", "job-a2", "emp-a",
                      "person-ref-a-00000000", ContractForm::kVast, 1000),
      JobConvertedEvent("k5", "2024-03-01", "job-at", ContractForm::kVast),
      HoursChangedEvent("k6", "2024-04-01", "job-a", 1275),
      JobEndedEvent("k7", "2024-06-01", "job-a"),
      EventRetractedEvent("k8", "2024-06-02", 7),
      TargetSetEvent("k9", "2024-01-01", Sector::kOverheid, 2024, 2500000),
      BaselineSetEvent("k10", "2013-01-01", Sector::kNationaal, 7517900),
      InleenKeySetEvent("k11", "2023-06-01", 2022, 258),
      EmployerHoursReportedEvent("k12", "2025-03-01", "emp-a", 2024, 59280000),
      QuotaPercentageSetEvent("k13", "2023-11-01", Sector::kOverheid, 2024,
                              276),
  };
}

TEST_F(AppendAuthorityTest, EachWriterIsRefusedEveryKindOutsideItsRole) {
  const std::vector<EventKind> employer = {
      EventKind::kJobStarted, EventKind::kJobConverted,
      EventKind::kHoursChanged, EventKind::kJobEnded,
      EventKind::kEventRetracted};
  const std::vector<EventKind> register_ = {EventKind::kPersonRegistered,
                                            EventKind::kPersonDeregistered,
                                            EventKind::kEmployerHoursReported};
  const std::vector<EventKind> steward = {
      EventKind::kEmployerRegistered, EventKind::kEmployerReclassified,
      EventKind::kTargetSet,          EventKind::kBaselineSet,
      EventKind::kInleenKeySet,       EventKind::kEmployerHoursReported,
      EventKind::kQuotaPercentageSet, EventKind::kEventRetracted};
  int refusals = 0;
  for (const auto& [role, kinds] :
       std::vector<std::pair<v1::Role, std::vector<EventKind>>>{
           {v1::ROLE_EMPLOYER, employer},
           {v1::ROLE_REGISTER, register_},
           {v1::ROLE_STEWARD, steward}}) {
    for (const Event& event : OneValidEventOfEachKind()) {
      if (std::find(kinds.begin(), kinds.end(), event.kind()) != kinds.end()) {
        continue;
      }
      ++refusals;
      ExpectRefused(role, event);
    }
  }
  EXPECT_EQ(refusals, 9 + 11 + 6);
}

TEST_F(AppendAuthorityTest, EmployerMayNotWriteAnyJobEventOutsideItsScope) {
  for (const Event& event : std::vector<Event>{
           JobStartedEvent("x4", "2024-03-01", "job-b2", "emp-b",
                           "person-ref-b-00000000", ContractForm::kVast, 1000),
           JobConvertedEvent("x5", "2024-03-01", "job-bt", ContractForm::kVast),
           HoursChangedEvent("x6", "2024-04-01", "job-b", 1275),
           JobEndedEvent("x7", "2024-06-01", "job-b"),
       }) {
    ExpectRefused(v1::ROLE_EMPLOYER, event);
  }
}

TEST_F(AppendAuthorityTest, EmployerMayWriteTheJobEventsOfItsOwnEmployer) {
  EXPECT_TRUE(AppendAs(v1::ROLE_EMPLOYER,
                       {HoursChangedEvent("y6", "2024-04-01", "job-a", 1275),
                        JobEndedEvent("y7", "2024-06-01", "job-a")})
                  .ok());
  EXPECT_EQ(AuditedHeadSeq(*ledger_), 10);
}

TEST_F(AppendAuthorityTest, EmployerMayNotRetractAnotherPrincipalsEvent) {
  // Seq 7 (a-temp) is emp-a's job, recorded by the admin.
  ExpectRefused(v1::ROLE_EMPLOYER, EventRetractedEvent("z8", "2024-06-02", 7));
}

TEST_F(AppendAuthorityTest, EmployerMayRetractItsOwnEvent) {
  ASSERT_TRUE(AppendAs(v1::ROLE_EMPLOYER,
                       {HoursChangedEvent("own", "2024-04-01", "job-a", 1275)})
                  .ok());
  EXPECT_TRUE(AppendAs(v1::ROLE_EMPLOYER,
                       {EventRetractedEvent("own-retracted", "2024-06-02", 9)})
                  .ok());
  EXPECT_EQ(AuditedHeadSeq(*ledger_), 10);
}

TEST_F(AppendAuthorityTest, StewardMayRetractAnyEvent) {
  EXPECT_TRUE(
      AppendAs(v1::ROLE_STEWARD, {EventRetractedEvent("s8", "2024-06-02", 3)})
          .ok());
}

}  // namespace
}  // namespace banen::test
