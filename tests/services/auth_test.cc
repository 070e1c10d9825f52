// Authentication and authorization over a real server on loopback
// (services/auth.h): tokens, reloads, the table of roles per rpc and an
// employer's scope on reads.
#include "services/auth.h"

#include <grpcpp/generic/generic_stub.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/auth_test_util.h"
#include "tests/services/service_test_util.h"

namespace banen::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

// Who may call what, written out from issue 11 rather than read from
// services/auth.cc, so a wrong grant there fails here.
const std::map<Rpc, std::set<v1::Role>>& Granted() {
  static const auto* const granted = new std::map<Rpc, std::set<v1::Role>>{
      {Rpc::kAppend, {v1::ROLE_EMPLOYER, v1::ROLE_REGISTER, v1::ROLE_STEWARD}},
      {Rpc::kAppendBatch,
       {v1::ROLE_EMPLOYER, v1::ROLE_REGISTER, v1::ROLE_STEWARD}},
      {Rpc::kReadEvents, {v1::ROLE_EMPLOYER, v1::ROLE_AUDITOR}},
      {Rpc::kSubscribe, {v1::ROLE_AUDITOR}},
      {Rpc::kGetHead, {v1::ROLE_AUDITOR, v1::ROLE_SNAPSHOT, v1::ROLE_READER}},
      {Rpc::kVerifyChain, {v1::ROLE_AUDITOR}},
      {Rpc::kGetRealisation,
       {v1::ROLE_EMPLOYER, v1::ROLE_AUDITOR, v1::ROLE_SNAPSHOT,
        v1::ROLE_READER}},
      {Rpc::kGetRealisationEmployers,
       {v1::ROLE_EMPLOYER, v1::ROLE_AUDITOR, v1::ROLE_SNAPSHOT}},
      {Rpc::kCreateSnapshot, {v1::ROLE_SNAPSHOT}},
      {Rpc::kGetSnapshot, {v1::ROLE_AUDITOR, v1::ROLE_SNAPSHOT}},
      {Rpc::kListSnapshots, {v1::ROLE_AUDITOR, v1::ROLE_SNAPSHOT}},
      {Rpc::kDiffSnapshot, {v1::ROLE_AUDITOR, v1::ROLE_SNAPSHOT}},
      // Issue 13: backups, for the admin alone.
      {Rpc::kCreateBackup, {}},
      {Rpc::kListBackups, {}},
      {Rpc::kVerifyBackup, {}},
      // Issue 13: promoting a replica, for the admin alone.
      {Rpc::kPromote, {}},
      // Issue 12: an inclusion proof carries the event's bytes, whatever its
      // employer, so it is not an employer's.
      {Rpc::kGetInclusionProof, {v1::ROLE_AUDITOR}},
      {Rpc::kGetConsistencyProof, {v1::ROLE_EMPLOYER, v1::ROLE_AUDITOR}},
      {Rpc::kGetSignedHead, {v1::ROLE_EMPLOYER, v1::ROLE_AUDITOR}},
      // Issue 14: per-employer quota and levy, like the realisation's
      // employer rows but not for the snapshot job.
      {Rpc::kGetQuota, {v1::ROLE_EMPLOYER, v1::ROLE_AUDITOR}},
      // Issue 14: published national aggregates, for every role.
      {Rpc::kGetRegisterFigures,
       {v1::ROLE_EMPLOYER, v1::ROLE_REGISTER, v1::ROLE_STEWARD,
        v1::ROLE_AUDITOR, v1::ROLE_SNAPSHOT, v1::ROLE_READER}},
  };
  return *granted;
}

bool Granted(v1::Role role, Rpc rpc) {
  return role == v1::ROLE_ADMIN || Granted().at(rpc).contains(role);
}

// What an allowed call of CallRpc() answers on the fixture's ledger: its
// batch is empty, which validation refuses (the Append stream answers that
// in its response), the snapshot it asks for does not exist, the proofs it
// asks for are of seqs past the head, the server has no signing key, and it
// has no --backup-dir, and it follows no primary.
grpc::StatusCode AllowedCode(Rpc rpc) {
  switch (rpc) {
    case Rpc::kAppendBatch:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case Rpc::kGetSnapshot:
    case Rpc::kDiffSnapshot:
      return grpc::StatusCode::NOT_FOUND;
    case Rpc::kGetInclusionProof:
    case Rpc::kGetConsistencyProof:
      return grpc::StatusCode::OUT_OF_RANGE;
    case Rpc::kGetSignedHead:
    case Rpc::kCreateBackup:
    case Rpc::kListBackups:
    case Rpc::kVerifyBackup:
    case Rpc::kPromote:
      return grpc::StatusCode::FAILED_PRECONDITION;
    default:
      return grpc::StatusCode::OK;
  }
}

class AuthTest : public ServiceTest {
 protected:
  void AdjustOptions(LedgerServerOptions& options) override {
    options.auth_config = config_path();
    WriteConfig(EveryRoleConfig());
  }

  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    // Two employers; the employer principal's scope is emp-a.
    for (const std::string tag : {"a", "b"}) {
      ASSERT_TRUE(
          AppendAs(TokenOf(v1::ROLE_ADMIN), HireHistory(tag)).status.ok());
    }
  }

  std::string config_path() const { return dir_ + "/auth.textproto"; }

  void WriteConfig(const std::string& text) {
    std::ofstream(config_path(), std::ios::trunc) << text;
  }

  struct AppendOutcome {
    grpc::Status status;
    v1::AppendResponse response;
  };
  AppendOutcome AppendAs(const std::string& token,
                         const std::vector<Event>& events) {
    grpc::ClientContext context;
    WithToken(context, token);
    AppendOutcome outcome;
    outcome.status = ledger_->AppendBatch(
        &context, AppendRequestOf("batch", events), &outcome.response);
    return outcome;
  }

  // One call of `rpc` with `token` (none if empty), valid on the fixture's
  // ledger; its status.
  grpc::Status CallRpc(Rpc rpc, const std::string& token) {
    grpc::ClientContext context;
    WithToken(context, token);
    switch (rpc) {
      case Rpc::kAppend: {
        auto stream = ledger_->Append(&context);
        stream->Write(v1::AppendRequest());
        stream->WritesDone();
        v1::AppendResponse response;
        while (stream->Read(&response)) {
        }
        return stream->Finish();
      }
      case Rpc::kAppendBatch: {
        v1::AppendResponse response;
        return ledger_->AppendBatch(&context, v1::AppendRequest(), &response);
      }
      case Rpc::kReadEvents: {
        auto reader = ledger_->ReadEvents(&context, v1::ReadEventsRequest());
        v1::StoredEvent event;
        while (reader->Read(&event)) {
        }
        return reader->Finish();
      }
      case Rpc::kSubscribe: {
        auto reader = ledger_->Subscribe(&context, v1::SubscribeRequest());
        v1::SubscribeResponse item;
        if (!reader->Read(&item)) return reader->Finish();
        // Streaming: it goes on until cancelled.
        context.TryCancel();
        while (reader->Read(&item)) {
        }
        reader->Finish();
        return grpc::Status::OK;
      }
      case Rpc::kGetHead: {
        v1::GetHeadResponse head;
        return ledger_->GetHead(&context, v1::GetHeadRequest(), &head);
      }
      case Rpc::kVerifyChain: {
        v1::VerifyChainResponse response;
        return ledger_->VerifyChain(&context, v1::VerifyChainRequest(),
                                    &response);
      }
      case Rpc::kGetRealisation:
      case Rpc::kGetRealisationEmployers: {
        v1::RealisationRequest request;
        request.set_from_quarter("2024Q1");
        request.set_include_employers(rpc == Rpc::kGetRealisationEmployers);
        v1::RealisationTable table;
        return realisation_->GetRealisation(&context, request, &table);
      }
      case Rpc::kGetQuota: {
        v1::QuotaRequest request;
        request.set_year(2024);
        v1::QuotaTable table;
        return quota_->GetQuota(&context, request, &table);
      }
      case Rpc::kGetRegisterFigures: {
        v1::RegisterFiguresRequest request;
        request.set_from_quarter("2024Q1");
        v1::RegisterFigures figures;
        return register_->GetRegisterFigures(&context, request, &figures);
      }
      case Rpc::kCreateSnapshot: {
        v1::CreateSnapshotRequest request;
        request.set_quarter("2024Q1");
        v1::Snapshot snapshot;
        return snapshots_->CreateSnapshot(&context, request, &snapshot);
      }
      case Rpc::kGetSnapshot: {
        v1::GetSnapshotRequest request;
        request.set_key("2024Q1/00000000000000099999");
        v1::Snapshot snapshot;
        return snapshots_->GetSnapshot(&context, request, &snapshot);
      }
      case Rpc::kListSnapshots: {
        v1::ListSnapshotsResponse response;
        return snapshots_->ListSnapshots(&context, v1::ListSnapshotsRequest(),
                                         &response);
      }
      case Rpc::kDiffSnapshot: {
        v1::DiffSnapshotRequest request;
        request.set_key("2024Q1/00000000000000099999");
        v1::SnapshotDiff diff;
        return snapshots_->DiffSnapshot(&context, request, &diff);
      }
      case Rpc::kCreateBackup: {
        v1::CreateBackupResponse response;
        return admin_->CreateBackup(&context, v1::CreateBackupRequest(),
                                    &response);
      }
      case Rpc::kListBackups: {
        v1::ListBackupsResponse response;
        return admin_->ListBackups(&context, v1::ListBackupsRequest(),
                                   &response);
      }
      case Rpc::kVerifyBackup: {
        v1::VerifyBackupResponse response;
        return admin_->VerifyBackup(&context, v1::VerifyBackupRequest(),
                                    &response);
      }
      case Rpc::kPromote: {
        v1::PromoteResponse response;
        return admin_->Promote(&context, v1::PromoteRequest(), &response);
      }
      case Rpc::kGetInclusionProof: {
        v1::GetInclusionProofRequest request;
        request.set_seq(99999);
        v1::InclusionProof proof;
        return audit_->GetInclusionProof(&context, request, &proof);
      }
      case Rpc::kGetConsistencyProof: {
        v1::GetConsistencyProofRequest request;
        request.set_first_size(99999);
        v1::ConsistencyProof proof;
        return audit_->GetConsistencyProof(&context, request, &proof);
      }
      case Rpc::kGetSignedHead: {
        v1::SignedHead head;
        return audit_->GetSignedHead(&context, v1::GetSignedHeadRequest(),
                                     &head);
      }
    }
    return grpc::Status(grpc::StatusCode::INTERNAL, "unknown rpc");
  }

  // The event_ids ReadEvents returns for `request`, or its status.
  struct ReadOutcome {
    grpc::Status status;
    std::vector<std::string> event_ids;
  };
  ReadOutcome ReadAs(const std::string& token,
                     const v1::ReadEventsRequest& request) {
    grpc::ClientContext context;
    WithToken(context, token);
    auto reader = ledger_->ReadEvents(&context, request);
    ReadOutcome outcome;
    v1::StoredEvent event;
    while (reader->Read(&event)) {
      outcome.event_ids.push_back(event.event().event_id());
    }
    outcome.status = reader->Finish();
    return outcome;
  }
};

TEST_F(AuthTest, EveryRpcWithoutATokenIsUnauthenticated) {
  for (const Rpc rpc : AllRpcs()) {
    const grpc::Status status = CallRpc(rpc, "");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << RpcName(rpc);
    EXPECT_THAT(status.error_message(), HasSubstr("no credentials"))
        << RpcName(rpc);
  }
}

TEST_F(AuthTest, EveryRpcWithAWrongTokenIsUnauthenticatedWithoutQuotingIt) {
  const std::string wrong = "wrong-token-7Qx2mVb9LpZk3Rt8Hs1Nd4Fw6Yc0Ja5E";
  for (const Rpc rpc : AllRpcs()) {
    const grpc::Status status = CallRpc(rpc, wrong);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << RpcName(rpc);
    EXPECT_THAT(status.error_message(), Not(HasSubstr("7Qx2mVb9LpZk3Rt8")))
        << RpcName(rpc);
  }
}

TEST_F(AuthTest, AuthorizationThatIsNotBearerIsUnauthenticated) {
  grpc::ClientContext context;
  context.AddMetadata("authorization",
                      absl::StrCat("Basic ", TokenOf(v1::ROLE_ADMIN)));
  v1::GetHeadResponse head;
  const grpc::Status status =
      ledger_->GetHead(&context, v1::GetHeadRequest(), &head);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("not \"Bearer <token>\""));
  EXPECT_THAT(status.error_message(), Not(HasSubstr(TokenOf(v1::ROLE_ADMIN))));
}

TEST_F(AuthTest, BearerSchemeIsCaseInsensitive) {
  grpc::ClientContext context;
  context.AddMetadata("authorization",
                      absl::StrCat("bearer ", TokenOf(v1::ROLE_READER)));
  v1::GetHeadResponse head;
  EXPECT_TRUE(ledger_->GetHead(&context, v1::GetHeadRequest(), &head).ok());
}

TEST_F(AuthTest, RevokedTokenIsUnauthenticatedAfterReload) {
  ASSERT_TRUE(CallRpc(Rpc::kGetHead, TokenOf(v1::ROLE_READER)).ok());
  WriteConfig(EveryRoleConfig(/*except=*/v1::ROLE_READER));
  ASSERT_TRUE(server_->authorizer().Reload().ok());
  EXPECT_EQ(CallRpc(Rpc::kGetHead, TokenOf(v1::ROLE_READER)).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(CallRpc(Rpc::kGetHead, TokenOf(v1::ROLE_AUDITOR)).ok());
}

TEST_F(AuthTest, ReloadOfABrokenFileKeepsTheOldConfig) {
  WriteConfig("principals { id: \"half\" ");
  const absl::Status reload = server_->authorizer().Reload();
  EXPECT_EQ(reload.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reload.message(), HasSubstr(config_path()));
  EXPECT_TRUE(CallRpc(Rpc::kGetHead, TokenOf(v1::ROLE_READER)).ok());
}

TEST_F(AuthTest, RevokedTokenEndsAnAppendStreamAlreadyOpen) {
  grpc::ClientContext context;
  WithToken(context, TokenOf(v1::ROLE_STEWARD));
  auto stream = ledger_->Append(&context);
  v1::AppendResponse response;
  ASSERT_TRUE(stream->Write(AppendRequestOf(
      "first", {EmployerRegisteredEvent("c-emp", "2024-01-01", "emp-c")})));
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_FALSE(response.has_error()) << response.error().message();
  const uint64_t head = AuditedHeadSeq(*ledger_);

  WriteConfig(EveryRoleConfig(/*except=*/v1::ROLE_STEWARD));
  ASSERT_TRUE(server_->authorizer().Reload().ok());
  stream->Write(AppendRequestOf(
      "second", {EmployerRegisteredEvent("d-emp", "2024-01-01", "emp-d")}));
  stream->WritesDone();
  EXPECT_FALSE(stream->Read(&response));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(AuditedHeadSeq(*ledger_), head);
}

TEST_F(AuthTest, RevokedTokenEndsASubscriptionAtItsNextEvents) {
  grpc::ClientContext context;
  WithToken(context, TokenOf(v1::ROLE_AUDITOR));
  auto reader = ledger_->Subscribe(&context, v1::SubscribeRequest());
  v1::SubscribeResponse item;
  int events = 0;
  while (reader->Read(&item) && item.has_event()) ++events;
  ASSERT_TRUE(item.has_caught_up());
  EXPECT_EQ(events, 6);

  WriteConfig(EveryRoleConfig(/*except=*/v1::ROLE_AUDITOR));
  ASSERT_TRUE(server_->authorizer().Reload().ok());
  ASSERT_TRUE(AppendAs(TokenOf(v1::ROLE_ADMIN), HireHistory("c")).status.ok());
  EXPECT_FALSE(reader->Read(&item));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthTest, EachRoleIsRefusedEveryRpcItIsNotGranted) {
  int refusals = 0;
  for (const v1::Role role : AllRoles()) {
    for (const Rpc rpc : AllRpcs()) {
      if (Granted(role, rpc)) continue;
      ++refusals;
      const grpc::Status status = CallRpc(rpc, TokenOf(role));
      EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << RoleName(role) << " " << RpcName(rpc);
      EXPECT_EQ(status.error_message(),
                absl::StrCat("principal ", PrincipalOf(role), " (role ",
                             RoleName(role), ") may not call ", RpcName(rpc)));
    }
  }
  EXPECT_EQ(refusals, 86);  // of 7 roles x 21 rpcs
}

TEST_F(AuthTest, EachRoleMayCallEveryRpcItIsGranted) {
  int calls = 0;
  for (const v1::Role role : AllRoles()) {
    for (const Rpc rpc : AllRpcs()) {
      if (!Granted(role, rpc)) continue;
      ++calls;
      const grpc::Status status = CallRpc(rpc, TokenOf(role));
      EXPECT_EQ(status.error_code(), AllowedCode(rpc))
          << RoleName(role) << " " << RpcName(rpc) << ": "
          << status.error_message();
    }
  }
  EXPECT_EQ(calls, 61);
}

TEST_F(AuthTest, EmployerReadsOnlyTheEventsOfItsOwnEmployers) {
  const ReadOutcome read =
      ReadAs(TokenOf(v1::ROLE_EMPLOYER), v1::ReadEventsRequest());
  ASSERT_TRUE(read.status.ok()) << read.status.error_message();
  // No person register events, nothing of emp-b.
  EXPECT_THAT(read.event_ids, UnorderedElementsAre("a-emp", "a-hire"));
}

TEST_F(AuthTest, AuditorReadsEveryEvent) {
  const ReadOutcome read =
      ReadAs(TokenOf(v1::ROLE_AUDITOR), v1::ReadEventsRequest());
  ASSERT_TRUE(read.status.ok());
  EXPECT_EQ(read.event_ids.size(), 6);
}

TEST_F(AuthTest, EmployerNamingAnotherEmployerInReadEventsIsDenied) {
  v1::ReadEventsRequest request;
  request.add_employer_ids("emp-a");
  request.add_employer_ids("emp-b");
  const ReadOutcome read = ReadAs(TokenOf(v1::ROLE_EMPLOYER), request);
  EXPECT_EQ(read.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(read.status.error_message(),
            "principal p-employer (role employer) may not read the events of "
            "employer emp-b: it is outside its scope");
  EXPECT_TRUE(read.event_ids.empty());
}

TEST_F(AuthTest, EmployerSeesOnlyItsOwnEmployerRows) {
  v1::RealisationRequest request;
  request.set_from_quarter("2024Q1");
  request.add_sectors(v1::SECTOR_GEMEENTEN);
  request.set_include_employers(true);
  const auto employer_rows = [&](v1::Role role) {
    grpc::ClientContext context;
    WithToken(context, TokenOf(role));
    v1::RealisationTable table;
    EXPECT_TRUE(realisation_->GetRealisation(&context, request, &table).ok());
    std::vector<std::string> ids;
    int sector_rows = 0;
    for (const v1::RealisationRow& row : table.rows()) {
      if (row.employer_id().empty()) {
        ++sector_rows;
      } else {
        ids.push_back(row.employer_id());
      }
    }
    EXPECT_EQ(sector_rows, 1) << RoleName(role);
    return ids;
  };
  EXPECT_THAT(employer_rows(v1::ROLE_EMPLOYER), UnorderedElementsAre("emp-a"));
  EXPECT_THAT(employer_rows(v1::ROLE_AUDITOR),
              UnorderedElementsAre("emp-a", "emp-b"));
}

TEST_F(AuthTest, HealthNeedsNoToken) {
  // grpc.health.v1.Health/Check with an empty HealthCheckRequest (the whole
  // server), through the generic stub: the project has no health stubs.
  grpc::GenericStub stub(channel_);
  grpc::ClientContext context;
  grpc::CompletionQueue queue;
  grpc::Slice empty("");
  const grpc::ByteBuffer request(&empty, 1);
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check",
                                    request, &queue);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  int tag = 1;
  call->Finish(&response, &status, &tag);
  void* got = nullptr;
  bool ok = false;
  ASSERT_TRUE(queue.Next(&got, &ok));
  EXPECT_EQ(got, &tag);
  EXPECT_TRUE(status.ok()) << status.error_message();
  queue.Shutdown();
  while (queue.Next(&got, &ok)) {
  }
}

TEST_F(AuthTest, NewTokenForMakesATokenTheServerAcceptsOnceAdded) {
  const absl::StatusOr<NewTokenEntry> entry =
      NewTokenFor("p-new-reader", "reader", {});
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(CallRpc(Rpc::kGetHead, entry->token).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  WriteConfig(absl::StrCat(EveryRoleConfig(), entry->config_text, "\n"));
  ASSERT_TRUE(server_->authorizer().Reload().ok());
  EXPECT_TRUE(CallRpc(Rpc::kGetHead, entry->token).ok());
  EXPECT_EQ(CallRpc(Rpc::kVerifyChain, entry->token).error_message(),
            "principal p-new-reader (role reader) may not call "
            "LedgerService.VerifyChain");
}

// The same server and calls without --auth-config.
class OpenModeTest : public AuthTest {
 protected:
  void AdjustOptions(LedgerServerOptions& /*options*/) override {}
};

TEST_F(OpenModeTest, EveryRpcIsAllowedWithoutAToken) {
  ASSERT_TRUE(server_->authorizer().open_mode());
  for (const Rpc rpc : AllRpcs()) {
    const grpc::Status status = CallRpc(rpc, "");
    EXPECT_EQ(status.error_code(), AllowedCode(rpc))
        << RpcName(rpc) << ": " << status.error_message();
  }
}

TEST_F(OpenModeTest, EmployerFilterIsTheClientsOwn) {
  EXPECT_EQ(ReadAs("", v1::ReadEventsRequest()).event_ids.size(), 6);
}

}  // namespace
}  // namespace banen::test
