// AuditService over loopback with a real server: signed heads, inclusion and
// consistency proofs, and the refusals of the contract
// (proto/banen/v1/audit.proto).
#include <grpcpp/grpcpp.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/signed_note.h"
#include "tests/services/service_test_util.h"

namespace banen::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOrigin[] = "banen.example/ledger";

// A server with a freshly generated signing key.
class AuditServiceTest : public ServiceTest {
 protected:
  void AdjustOptions(LedgerServerOptions& options) override {
    absl::StatusOr<NoteSigner> signer = NoteSigner::Generate(kOrigin);
    ASSERT_TRUE(signer.ok()) << signer.status();
    // As read from the file `banenctl keys new` writes.
    options.signing_key = signer->SignerKey() + "\n";
    verifier_key_ = signer->VerifierKey();
  }

  grpc::Status GetSignedHead(uint64_t tree_size, v1::SignedHead* head) {
    grpc::ClientContext context;
    v1::GetSignedHeadRequest request;
    request.set_tree_size(tree_size);
    return audit_->GetSignedHead(&context, request, head);
  }

  grpc::Status GetInclusionProof(uint64_t seq, uint64_t tree_size,
                                 v1::InclusionProof* proof) {
    grpc::ClientContext context;
    v1::GetInclusionProofRequest request;
    request.set_seq(seq);
    request.set_tree_size(tree_size);
    return audit_->GetInclusionProof(&context, request, proof);
  }

  grpc::Status GetConsistencyProof(uint64_t first_size, uint64_t second_size,
                                   v1::ConsistencyProof* proof) {
    grpc::ClientContext context;
    v1::GetConsistencyProofRequest request;
    request.set_first_size(first_size);
    request.set_second_size(second_size);
    return audit_->GetConsistencyProof(&context, request, proof);
  }

  std::string verifier_key_;
};

TEST_F(AuditServiceTest, ServerNamesTheVerifierKeyOfItsSigningKey) {
  EXPECT_EQ(server_->verifier_key(), verifier_key_);
}

TEST_F(AuditServiceTest, SignedHeadPastTheHeadIsOutOfRange) {
  MustAppend("a", HireHistory("a"));
  v1::SignedHead head;
  const grpc::Status status = GetSignedHead(4, &head);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(status.error_message(), "tree_size 4 is past the head, seq 3");
}

TEST_F(AuditServiceTest, SignedHeadOfAnEmptyLogIsAFailedPrecondition) {
  v1::SignedHead head;
  const grpc::Status status = GetSignedHead(0, &head);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("the log is empty"));
}

TEST_F(AuditServiceTest, InclusionOfASeqPastTheHeadIsOutOfRange) {
  MustAppend("a", HireHistory("a"));
  v1::InclusionProof proof;
  const grpc::Status status = GetInclusionProof(4, 0, &proof);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(status.error_message(), "seq 4 is past the head, seq 3");
}

TEST_F(AuditServiceTest, ConsistencyFromASizePastTheHeadIsOutOfRange) {
  MustAppend("a", HireHistory("a"));
  v1::ConsistencyProof proof;
  const grpc::Status status = GetConsistencyProof(4, 0, &proof);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(status.error_message(), "first_size 4 is past the head, seq 3");
}

// The server of ServiceTest: no signing key.
using UnsignedAuditServiceTest = ServiceTest;

TEST_F(UnsignedAuditServiceTest, SignedHeadIsAFailedPreconditionNamingTheFlag) {
  MustAppend("a", HireHistory("a"));
  grpc::ClientContext context;
  v1::SignedHead head;
  const grpc::Status status =
      audit_->GetSignedHead(&context, v1::GetSignedHeadRequest(), &head);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("--signing-key=FILE"));
  EXPECT_EQ(server_->verifier_key(), "");
}

TEST_F(UnsignedAuditServiceTest, SnapshotHasNoCheckpoint) {
  MustAppend("a", HireHistory("a"));
  grpc::ClientContext context;
  v1::CreateSnapshotRequest request;
  request.set_quarter("2024Q1");
  v1::Snapshot snapshot;
  ASSERT_TRUE(snapshots_->CreateSnapshot(&context, request, &snapshot).ok());
  EXPECT_EQ(snapshot.checkpoint(), "");
}

using AuditServerStartTest = TempDirTest;

TEST_F(AuditServerStartTest, RefusesAMalformedSigningKeyWithoutQuotingIt) {
  LedgerServerOptions options;
  options.data_dir = log_dir();
  options.listen = "127.0.0.1:0";
  const std::string key = NoteSigner::Generate(kOrigin)->SignerKey();
  options.signing_key = key.substr(0, key.size() - 4) + "AAAA";
  const absl::Status status = LedgerServer::Start(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("signing key: signer key"));
  EXPECT_THAT(status.message(),
              Not(HasSubstr(key.substr(key.size() - 20, 16))));
}

}  // namespace
}  // namespace banen::test
