// The auditor's checks (tools/audit_proofs.h) against a real server with a
// signing key, and against test doubles that answer as it does except where
// a test forges: every forgery must be rejected with the reason and the
// head or seq it concerns.
#include "tools/audit_proofs.h"

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/codec.h"
#include "ledger/internal/storage_format.h"
#include "ledger/signed_note.h"
#include "rocksdb/db.h"
#include "tests/ledger/raw_store.h"
#include "tests/services/service_test_util.h"

namespace banen {
namespace {

using ::testing::HasSubstr;

constexpr char kOrigin[] = "audit-test.example/ledger";

// Forwards to the real server, letting a test rewrite what it answers.
class ForgingLedger final : public v1::LedgerService::Service {
 public:
  explicit ForgingLedger(std::shared_ptr<grpc::Channel> real)
      : real_(v1::LedgerService::NewStub(std::move(real))) {}

  std::function<void(std::vector<v1::StoredEvent>&)> forge_events =
      [](std::vector<v1::StoredEvent>&) {};

  grpc::Status ReadEvents(
      grpc::ServerContext*, const v1::ReadEventsRequest* request,
      grpc::ServerWriter<v1::StoredEvent>* writer) override {
    grpc::ClientContext context;
    auto reader = real_->ReadEvents(&context, *request);
    std::vector<v1::StoredEvent> events;
    for (v1::StoredEvent event; reader->Read(&event);) events.push_back(event);
    if (grpc::Status status = reader->Finish(); !status.ok()) return status;
    forge_events(events);
    for (const v1::StoredEvent& event : events) writer->Write(event);
    return grpc::Status::OK;
  }

 private:
  std::unique_ptr<v1::LedgerService::Stub> real_;
};

class ForgingAudit final : public v1::AuditService::Service {
 public:
  explicit ForgingAudit(std::shared_ptr<grpc::Channel> real)
      : real_(v1::AuditService::NewStub(std::move(real))) {}

  std::function<void(v1::SignedHead&)> forge_head = [](v1::SignedHead&) {};
  std::function<void(v1::GetInclusionProofRequest&, v1::InclusionProof&)>
      forge_inclusion =
          [](v1::GetInclusionProofRequest&, v1::InclusionProof&) {};

  grpc::Status GetSignedHead(grpc::ServerContext*,
                             const v1::GetSignedHeadRequest* request,
                             v1::SignedHead* head) override {
    grpc::ClientContext context;
    grpc::Status status = real_->GetSignedHead(&context, *request, head);
    forge_head(*head);
    return status;
  }
  grpc::Status GetInclusionProof(grpc::ServerContext*,
                                 const v1::GetInclusionProofRequest* request,
                                 v1::InclusionProof* proof) override {
    v1::GetInclusionProofRequest asked = *request;
    v1::InclusionProof ignored;
    forge_inclusion(asked, ignored);  // lets a test ask for another seq
    grpc::ClientContext context;
    grpc::Status status = real_->GetInclusionProof(&context, asked, proof);
    forge_inclusion(asked, *proof);
    return status;
  }
  grpc::Status GetConsistencyProof(
      grpc::ServerContext*, const v1::GetConsistencyProofRequest* request,
      v1::ConsistencyProof* proof) override {
    grpc::ClientContext context;
    return real_->GetConsistencyProof(&context, *request, proof);
  }

 private:
  std::unique_ptr<v1::AuditService::Stub> real_;
};

class AuditProofsTest : public test::ServiceTest {
 protected:
  void AdjustOptions(LedgerServerOptions& options) override {
    options.signing_key = signer_.SignerKey();
  }

  void SetUp() override {
    test::ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    audit_ = v1::AuditService::NewStub(channel_);
    for (const std::string tag : {"a", "b", "c", "d"}) {
      MustAppend(tag, test::HireHistory(tag));  // 3 events each
    }
  }

  // The real server's signed head of `tree_size` (0: the head).
  std::string SignedHead(uint64_t tree_size) {
    grpc::ClientContext context;
    v1::GetSignedHeadRequest request;
    request.set_tree_size(tree_size);
    v1::SignedHead head;
    const grpc::Status status = audit_->GetSignedHead(&context, request, &head);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return head.checkpoint();
  }

  // Starts the doubles, forwarding to the real server.
  void StartForger() {
    forging_ledger_ = std::make_unique<ForgingLedger>(channel_);
    forging_audit_ = std::make_unique<ForgingAudit>(channel_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(forging_ledger_.get());
    builder.RegisterService(forging_audit_.get());
    forger_ = builder.BuildAndStart();
    ASSERT_NE(forger_, nullptr);
    auto channel = client::Connect(absl::StrCat("127.0.0.1:", port));
    forged_ledger_ = v1::LedgerService::NewStub(channel);
    forged_audit_ = v1::AuditService::NewStub(channel);
  }

  void TearDown() override {
    if (forger_ != nullptr) forger_->Shutdown();
    test::ServiceTest::TearDown();
  }

  absl::StatusOr<PublishedAudit> AuditRealServer(
      const std::vector<std::string>& published) {
    return AuditPublishedHeads(*ledger_, *audit_, verifier_, published);
  }
  absl::StatusOr<PublishedAudit> AuditForger(
      const std::vector<std::string>& published) {
    return AuditPublishedHeads(*forged_ledger_, *forged_audit_, verifier_,
                               published);
  }

  const NoteSigner signer_ = NoteSigner::Generate(kOrigin).value();
  const NoteVerifier verifier_ =
      NoteVerifier::FromKey(signer_.VerifierKey()).value();
  std::unique_ptr<v1::AuditService::Stub> audit_;
  std::unique_ptr<ForgingLedger> forging_ledger_;
  std::unique_ptr<ForgingAudit> forging_audit_;
  std::unique_ptr<grpc::Server> forger_;
  std::unique_ptr<v1::LedgerService::Stub> forged_ledger_;
  std::unique_ptr<v1::AuditService::Stub> forged_audit_;
};

TEST_F(AuditProofsTest, PublishedHeadsThatTheLogExtendsPass) {
  const std::vector<std::string> published = {SignedHead(3), SignedHead(7)};
  MustAppend("e", test::HireHistory("e"));

  const absl::StatusOr<PublishedAudit> audit = AuditRealServer(published);

  ASSERT_TRUE(audit.ok()) << audit.status();
  EXPECT_EQ(audit->heads_checked, 2u);
  EXPECT_EQ(audit->current.tree_size, 15u);
  EXPECT_EQ(audit->events_checked, 15u);
}

TEST_F(AuditProofsTest, HeadSignedWithAnotherKeyIsRejected) {
  const NoteSigner stranger = NoteSigner::Generate(kOrigin).value();
  const std::string forged_head =
      SignCheckpoint(
          ParseCheckpointBody(verifier_.Open(SignedHead(6)).value()).value(),
          stranger)
          .value();

  const absl::StatusOr<PublishedAudit> audit = AuditRealServer({forged_head});

  EXPECT_EQ(audit.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(audit.status().message(), HasSubstr("published head 1: "));
}

TEST_F(AuditProofsTest, ReplayedOlderHeadPresentedAsCurrentIsRejected) {
  const std::string older = SignedHead(4);
  const std::vector<std::string> published = {SignedHead(9)};
  StartForger();
  forging_audit_->forge_head = [&](v1::SignedHead& head) {
    head.set_checkpoint(older);
  };

  const absl::StatusOr<PublishedAudit> audit = AuditForger(published);

  EXPECT_EQ(audit.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(audit.status().message(),
              HasSubstr("published head 1 (tree size 9) is ahead of the "
                        "server's current head (tree size 4)"));
}

TEST_F(AuditProofsTest, TruncatedLogIsRejected) {
  StartForger();
  forging_ledger_->forge_events = [](std::vector<v1::StoredEvent>& events) {
    events.resize(events.size() - 2);
  };

  const absl::StatusOr<PublishedAudit> audit = AuditForger({SignedHead(5)});

  EXPECT_EQ(audit.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(audit.status().message(),
              HasSubstr("the log read ends at seq 10 but the signed head has "
                        "tree size 12"));
}

TEST_F(AuditProofsTest, TwoEventsSwappedAreRejectedAtTheFirst) {
  StartForger();
  forging_ledger_->forge_events = [](std::vector<v1::StoredEvent>& events) {
    std::swap(events[4], events[5]);
  };

  const absl::StatusOr<PublishedAudit> audit = AuditForger({});

  EXPECT_EQ(audit.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(audit.status().message(),
              HasSubstr("chain broken at seq 5: seq 6 where 5 belongs"));
}

TEST_F(AuditProofsTest, SwappedEventsRenumberedToFitAreRejected) {
  StartForger();
  // Swapped and given each other's seq, so the order looks right: the seq
  // is inside the hashed bytes, so the event shown no longer matches them.
  forging_ledger_->forge_events = [](std::vector<v1::StoredEvent>& events) {
    std::swap(events[4], events[5]);
    events[4].set_seq(5);
    events[5].set_seq(6);
  };

  const absl::StatusOr<PublishedAudit> audit = AuditForger({});

  EXPECT_EQ(audit.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(audit.status().message(),
              HasSubstr("chain broken at seq 5: the canonical bytes are not "
                        "the event shown"));
}

// The head published before the flip is of seq 3, so the proofs the server
// makes from the flipped bytes still pass: the chain names the seq.
TEST_F(AuditProofsTest, ByteFlippedInTheStoreIsRejectedAtItsSeq) {
  const std::vector<std::string> published = {SignedHead(3)};
  server_.reset();
  {
    const storage::Store raw = test::OpenRawStore(log_dir());
    const std::unique_ptr<rocksdb::DB>& db = raw.db;
    ASSERT_NE(db, nullptr);
    std::string value;
    ASSERT_TRUE(
        db->Get(rocksdb::ReadOptions(), storage::EventKey(6), &value).ok());
    // Seq 6 is b's hire: "b-hire" -> "b-hird" in its event_id, inside the
    // canonical bytes, which still decode (and clash with no other id).
    const size_t at = value.find("b-hire", 2 * storage::kHashSize);
    ASSERT_NE(at, std::string::npos);
    value[at + 5] ^= 0x01;
    ASSERT_TRUE(
        db->Put(rocksdb::WriteOptions(), storage::EventKey(6), value).ok());
  }
  StartServer();
  audit_ = v1::AuditService::NewStub(channel_);

  const absl::StatusOr<PublishedAudit> audit = AuditRealServer(published);

  EXPECT_EQ(audit.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(audit.status().message(),
              HasSubstr("chain broken at seq 6: hash mismatch"));
}

// A second real server holding the same signing key (root on the host, say)
// with a history rewritten from seq 5 on: its chain, tree and signatures are
// all self-consistent. Only a head published before the rewrite shows it.
TEST_F(AuditProofsTest, ForgedSelfConsistentHistoryIsRejected) {
  const std::vector<std::string> published = {SignedHead(8)};
  server_.reset();
  std::filesystem::remove_all(log_dir());
  StartServer();
  audit_ = v1::AuditService::NewStub(channel_);
  MustAppend("a", test::HireHistory("a"));
  MustAppend("x", test::HireHistory("x"));  // where b was
  MustAppend("c", test::HireHistory("c"));
  MustAppend("d", test::HireHistory("d"));
  ASSERT_TRUE(AuditRealServer({}).ok()) << "the forgery is self-consistent";

  const absl::StatusOr<PublishedAudit> audit = AuditRealServer(published);

  EXPECT_EQ(audit.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(audit.status().message(),
              HasSubstr("published head 1 (tree size 8) is not a prefix of "
                        "the server's current head (tree size 12)"));
}

TEST_F(AuditProofsTest, ProveFindsTheEventUnderThePublishedHead) {
  const std::string head = SignedHead(9);
  MustAppend("e", test::HireHistory("e"));

  const absl::StatusOr<EventInclusion> inclusion =
      ProveEvent(*ledger_, *audit_, verifier_, head, "b-hire");

  ASSERT_TRUE(inclusion.ok()) << inclusion.status();
  EXPECT_EQ(inclusion->seq, 6u);
  EXPECT_EQ(inclusion->head.tree_size, 9u);
}

TEST_F(AuditProofsTest, EventAfterThePublishedHeadIsNotFound) {
  const absl::StatusOr<EventInclusion> inclusion =
      ProveEvent(*ledger_, *audit_, verifier_, SignedHead(6), "c-hire");

  EXPECT_EQ(inclusion.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(inclusion.status().message(),
              HasSubstr("event c-hire is not among the 6 events"));
}

TEST_F(AuditProofsTest, InclusionProofWithAWrongSiblingIsRejected) {
  StartForger();
  forging_audit_->forge_inclusion = [](v1::GetInclusionProofRequest&,
                                       v1::InclusionProof& proof) {
    if (proof.path_size() > 1) (*proof.mutable_path(1))[0] ^= 0x01;
  };

  const absl::StatusOr<EventInclusion> inclusion = ProveEvent(
      *forged_ledger_, *forged_audit_, verifier_, SignedHead(12), "b-hire");

  EXPECT_EQ(inclusion.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(inclusion.status().message(),
              HasSubstr("event b-hire (seq 6) is not proved in the published "
                        "head (tree size 12)"));
}

TEST_F(AuditProofsTest, InclusionProofForAnotherLeafIsRejected) {
  StartForger();
  forging_audit_->forge_inclusion = [](v1::GetInclusionProofRequest& asked,
                                       v1::InclusionProof&) {
    asked.set_seq(7);
  };

  const absl::StatusOr<EventInclusion> inclusion = ProveEvent(
      *forged_ledger_, *forged_audit_, verifier_, SignedHead(12), "b-hire");

  EXPECT_EQ(inclusion.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(inclusion.status().message(),
              HasSubstr("the proof's leaf is not event b-hire at seq 6"));
}

TEST_F(AuditProofsTest, SnapshotRederivedFromTheEventsEqualsItsFrozenRows) {
  grpc::ClientContext context;
  v1::CreateSnapshotRequest request;
  request.set_quarter("2024Q1");
  v1::Snapshot snapshot;
  ASSERT_TRUE(snapshots_->CreateSnapshot(&context, request, &snapshot).ok());
  MustAppend("e", test::HireHistory("e"));  // after the snapshot

  const absl::StatusOr<Rederivation> rederived =
      RederiveSnapshot(*ledger_, *snapshots_, &verifier_, snapshot.key());

  ASSERT_TRUE(rederived.ok()) << rederived.status();
  EXPECT_EQ(rederived->rows_compared,
            static_cast<size_t>(snapshot.rows_size()));
  EXPECT_GT(rederived->rows_compared, 0u);
  EXPECT_TRUE(rederived->signed_head_checked);
}

TEST(SplitSignedNotes, SplitsNotesSeparatedByBlankLinesOrNot) {
  const std::string one = "origin\n3\nroot\n\n\u2014 origin sig1\n";
  const std::string two =
      "origin\n4\nroot\n\n\u2014 origin sig2\n\u2014 witness sig3\n";

  const absl::StatusOr<std::vector<std::string>> notes =
      SplitSignedNotes(one + two + "\n\n" + one);

  ASSERT_TRUE(notes.ok()) << notes.status();
  EXPECT_EQ(*notes, (std::vector<std::string>{one, two, one}));
}

TEST(SplitSignedNotes, NoteWithoutSignaturesIsInvalid) {
  const absl::StatusOr<std::vector<std::string>> notes =
      SplitSignedNotes("origin\n3\nroot\n");

  EXPECT_EQ(notes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(notes.status().message(), HasSubstr("without signatures"));
}

}  // namespace
}  // namespace banen
