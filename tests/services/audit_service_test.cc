// AuditService over loopback with a real server: signed heads, inclusion and
// consistency proofs, and the refusals of the contract
// (proto/banen/v1/audit.proto).
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/merkle.h"
#include "ledger/signed_note.h"
#include "tests/services/service_test_util.h"

namespace banen::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOrigin[] = "banen.example/ledger";

Hash HashOf(const std::string& bytes) {
  Hash hash{};
  EXPECT_EQ(bytes.size(), hash.size());
  std::copy_n(bytes.begin(), std::min(bytes.size(), hash.size()), hash.begin());
  return hash;
}

std::vector<Hash> PathOf(
    const google::protobuf::RepeatedPtrField<std::string>& path) {
  std::vector<Hash> hashes;
  for (const std::string& node : path) hashes.push_back(HashOf(node));
  return hashes;
}

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

  // The checkpoint of a signed head, opened with the server's verifier key.
  Checkpoint MustOpen(const v1::SignedHead& head) {
    const absl::StatusOr<NoteVerifier> verifier =
        NoteVerifier::FromKey(verifier_key_);
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    absl::StatusOr<Checkpoint> checkpoint =
        OpenCheckpoint(head.checkpoint(), *verifier);
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
    return checkpoint.value_or(Checkpoint{});
  }

  v1::SignedHead MustSignHead(uint64_t tree_size) {
    v1::SignedHead head;
    const grpc::Status status = GetSignedHead(tree_size, &head);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return head;
  }

  std::string verifier_key_;
};

TEST_F(AuditServiceTest, SignedHeadVerifiesAndCarriesTheLogsMerkleRoot) {
  MustAppend("a", HireHistory("a"));
  MustAppend("b", HireHistory("b"));
  const banen::Head log_head = server_->log().GetHead();

  const v1::SignedHead head = MustSignHead(0);

  const Checkpoint checkpoint = MustOpen(head);
  EXPECT_EQ(checkpoint.origin, kOrigin);
  EXPECT_EQ(checkpoint.tree_size, 6u);
  EXPECT_EQ(checkpoint.root, *server_->log().MerkleRoot(6));
  EXPECT_EQ(checkpoint.chain_hash, log_head.hash);
  EXPECT_EQ(checkpoint.recorded_at, log_head.recorded_at);
  // The fields beside the note say what the note says.
  EXPECT_EQ(head.tree_size(), 6u);
  EXPECT_EQ(HashOf(head.root_hash()), checkpoint.root);
  EXPECT_EQ(HashOf(head.chain_hash()), checkpoint.chain_hash);
  EXPECT_EQ(TimeFromProto(head.recorded_at()), checkpoint.recorded_at);
}

TEST_F(AuditServiceTest, SignedHeadOfAnOlderSizeIsThatTreesHead) {
  MustAppend("a", HireHistory("a"));
  MustAppend("b", HireHistory("b"));
  const StoredEvent third = *server_->log().GetBySeq(3);

  const Checkpoint checkpoint = MustOpen(MustSignHead(3));

  EXPECT_EQ(checkpoint.tree_size, 3u);
  EXPECT_EQ(checkpoint.root, *server_->log().MerkleRoot(3));
  EXPECT_NE(checkpoint.root, *server_->log().MerkleRoot(6));
  EXPECT_EQ(checkpoint.chain_hash, third.hash);
  EXPECT_EQ(checkpoint.recorded_at, third.recorded_at);
}

TEST_F(AuditServiceTest, SignedHeadOfATreeIsTheSameBytesEachTime) {
  MustAppend("a", HireHistory("a"));
  const std::string first = MustSignHead(3).checkpoint();
  MustAppend("b", HireHistory("b"));
  EXPECT_EQ(MustSignHead(3).checkpoint(), first);
}

TEST_F(AuditServiceTest, EveryInclusionProofVerifiesAgainstTheSignedRoot) {
  MustAppend("a", HireHistory("a"));
  MustAppend("b", HireHistory("b"));
  const Checkpoint signed_head = MustOpen(MustSignHead(0));
  for (uint64_t seq = 1; seq <= 6; ++seq) {
    v1::InclusionProof proof;
    const grpc::Status status = GetInclusionProof(seq, 0, &proof);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(proof.seq(), seq);
    EXPECT_EQ(proof.tree_size(), 6u);
    EXPECT_EQ(proof.canonical_bytes(),
              CanonicalBytes(*server_->log().GetBySeq(seq)));
    EXPECT_EQ(HashOf(proof.root_hash()), signed_head.root);
    EXPECT_TRUE(merkle::VerifyInclusion(
                    merkle::LeafHash(proof.canonical_bytes()), seq - 1, 6,
                    PathOf(proof.path()), signed_head.root)
                    .ok())
        << "seq " << seq;
  }
}

TEST_F(AuditServiceTest, InclusionProofOfAnotherLeafDoesNotVerify) {
  MustAppend("a", HireHistory("a"));
  const Checkpoint signed_head = MustOpen(MustSignHead(0));
  v1::InclusionProof proof;
  ASSERT_TRUE(GetInclusionProof(1, 0, &proof).ok());
  EXPECT_EQ(merkle::VerifyInclusion(merkle::LeafHash(proof.canonical_bytes()),
                                    /*index=*/1, 3, PathOf(proof.path()),
                                    signed_head.root)
                .code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(AuditServiceTest, ConsistencyProofVerifiesBetweenTwoSignedHeads) {
  MustAppend("a", HireHistory("a"));
  const Checkpoint older = MustOpen(MustSignHead(0));
  MustAppend("b", HireHistory("b"));
  MustAppend("c", HireHistory("c"));
  const Checkpoint newer = MustOpen(MustSignHead(0));

  v1::ConsistencyProof proof;
  const grpc::Status status = GetConsistencyProof(3, 0, &proof);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_EQ(proof.first_size(), 3u);
  EXPECT_EQ(proof.second_size(), 9u);
  EXPECT_TRUE(merkle::VerifyConsistency(3, 9, older.root, newer.root,
                                        PathOf(proof.path()))
                  .ok());
}

TEST_F(AuditServiceTest, ProofOfSizesThatNameNoTreeIsInvalid) {
  MustAppend("a", HireHistory("a"));
  v1::InclusionProof inclusion;
  EXPECT_EQ(GetInclusionProof(0, 3, &inclusion).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(GetInclusionProof(3, 2, &inclusion).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ConsistencyProof consistency;
  EXPECT_EQ(GetConsistencyProof(3, 2, &consistency).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(GetConsistencyProof(2, 4, &consistency).error_code(),
            grpc::StatusCode::OUT_OF_RANGE);
}

TEST_F(AuditServiceTest, SnapshotStoresTheSignedHeadOfItsSeqAndGetReturnsIt) {
  MustAppend("a", HireHistory("a"));
  grpc::ClientContext create_context;
  v1::CreateSnapshotRequest create;
  create.set_quarter("2024Q1");
  v1::Snapshot created;
  ASSERT_TRUE(
      snapshots_->CreateSnapshot(&create_context, create, &created).ok());
  MustAppend("b", HireHistory("b"));

  grpc::ClientContext get_context;
  v1::GetSnapshotRequest get;
  get.set_key(created.key());
  v1::Snapshot fetched;
  ASSERT_TRUE(snapshots_->GetSnapshot(&get_context, get, &fetched).ok());

  EXPECT_EQ(fetched.checkpoint(), created.checkpoint());
  EXPECT_EQ(fetched.checkpoint(), MustSignHead(3).checkpoint());
  v1::SignedHead head;
  head.set_checkpoint(fetched.checkpoint());
  const Checkpoint checkpoint = MustOpen(head);
  EXPECT_EQ(checkpoint.tree_size, fetched.head_seq());
  EXPECT_EQ(checkpoint.chain_hash, HashOf(fetched.head_hash()));
}

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
