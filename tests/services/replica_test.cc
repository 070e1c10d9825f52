// Read replicas (services/follower.h) over loopback: followers of a real
// primary under concurrent writers, restarted, following a restarted
// primary, fed a forged event by a fake primary; refused writes; promotion.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "banen/v1/admin.grpc.pb.h"
#include "banen/v1/ledger.grpc.pb.h"
#include "banen/v1/realisation.grpc.pb.h"
#include "banen/v1/snapshot.grpc.pb.h"
#include "gtest/gtest.h"
#include "ledger/event_log.h"
#include "services/follower.h"
#include "services/ledger_server.h"
#include "tests/services/auth_test_util.h"
#include "tests/services/service_test_util.h"
#include "tools/client.h"

namespace banen::test {
namespace {

// 2024Q1 to 2024Q4, every sector and employer row: what the hires of
// HireHistory() count for.
v1::RealisationRequest YearOfFigures() {
  v1::RealisationRequest request;
  request.set_from_quarter("2024Q1");
  request.set_to_quarter("2024Q4");
  request.set_include_employers(true);
  return request;
}

// A LedgerService that serves Subscribe from a real log, with the canonical
// bytes of one seq changed and its hashes left as they were: a primary (or
// a man in the middle) that forges an event.
class ForgingPrimary final : public v1::LedgerService::Service {
 public:
  ForgingPrimary(const EventLog& log, uint64_t forged_seq)
      : log_(log), forged_seq_(forged_seq) {}

  grpc::Status Subscribe(
      grpc::ServerContext*, const v1::SubscribeRequest* request,
      grpc::ServerWriter<v1::SubscribeResponse>* writer) override {
    const absl::Status scanned = log_.ScanCanonical(
        request->from_seq(), 0,
        [&](const StoredEvent& stored, std::string_view canonical) {
          v1::SubscribeResponse item;
          v1::StoredEvent* event = item.mutable_event();
          event->set_seq(stored.seq);
          event->set_prev_hash(stored.prev_hash.data(),
                               stored.prev_hash.size());
          event->set_hash(stored.hash.data(), stored.hash.size());
          std::string bytes(canonical);
          if (stored.seq == forged_seq_) bytes.back() ^= 1;
          event->set_canonical_bytes(std::move(bytes));
          return writer->Write(item);
        });
    return scanned.ok() ? grpc::Status::OK
                        : grpc::Status(grpc::StatusCode::INTERNAL, "scan");
  }

 private:
  const EventLog& log_;
  const uint64_t forged_seq_;
};

class ReplicaTest : public TempDirTest {
 protected:
  void TearDown() override {
    followers_.clear();
    primary_.reset();
    TempDirTest::TearDown();
  }

  // The primary, on `listen` (port 0 the first time; its own port again
  // after a restart, so that its followers find it).
  void StartPrimary(const std::string& listen = "127.0.0.1:0") {
    LedgerServerOptions options;
    options.data_dir = dir_ + "/primary";
    options.listen = listen;
    options.sync = false;  // durability is the ledger tests' subject
    options.auth_config = primary_auth_config_;
    absl::StatusOr<std::unique_ptr<LedgerServer>> server =
        LedgerServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    primary_ = *std::move(server);
  }

  void RestartPrimary() {
    const std::string address = primary_->address();
    primary_.reset();
    StartPrimary(address);
  }

  // Follower `i` of the primary, over its own data directory, retrying
  // every few milliseconds.
  LedgerServer& StartFollower(
      size_t i, const std::string& primary,
      std::function<void(const absl::Status&)> on_stopped = nullptr) {
    LedgerServerOptions options;
    options.data_dir = absl::StrCat(dir_, "/follower-", i);
    options.listen = "127.0.0.1:0";
    options.sync = false;
    options.follow.primary = primary;
    options.follow.token = follow_token_;
    options.follow.initial_backoff = absl::Milliseconds(5);
    options.follow.max_backoff = absl::Milliseconds(50);
    options.follow.promote_probe_timeout = absl::Seconds(1);
    options.follow.on_stopped = std::move(on_stopped);
    absl::StatusOr<std::unique_ptr<LedgerServer>> server =
        LedgerServer::Start(options);
    EXPECT_TRUE(server.ok()) << server.status();
    if (followers_.size() <= i) followers_.resize(i + 1);
    followers_[i] = *std::move(server);
    return *followers_[i];
  }

  v1::AppendResponse Append(LedgerServer& server, const std::string& tag) {
    auto stub = v1::LedgerService::NewStub(client::Connect(server.address()));
    grpc::ClientContext context;
    v1::AppendResponse response;
    const grpc::Status status = stub->AppendBatch(
        &context, AppendRequestOf(tag, HireHistory(tag)), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // `writers` threads, each appending `batches` hires.
  void AppendConcurrently(int writers, int batches, const std::string& tag) {
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
      threads.emplace_back([&, w] {
        for (int b = 0; b < batches; ++b) {
          Append(*primary_, absl::StrCat(tag, "-", w, "-", b));
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  }

  // Blocks until `server`'s head reaches (or passes) `seq`; fails after
  // 60 s.
  static void WaitForSeq(LedgerServer& server, uint64_t seq) {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (server.log().GetHead().seq < seq && absl::Now() < deadline) {
      server.log().WaitForHeadAfter(seq - 1, deadline - absl::Now());
    }
    ASSERT_GE(server.log().GetHead().seq, seq);
  }

  static v1::RealisationTable Figures(LedgerServer& server) {
    auto stub =
        v1::RealisationService::NewStub(client::Connect(server.address()));
    grpc::ClientContext context;
    v1::RealisationTable table;
    const grpc::Status status =
        stub->GetRealisation(&context, YearOfFigures(), &table);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return table;
  }

  // Once `follower` has the primary's head: the same head, chain, Merkle
  // root and figures.
  void ExpectCaughtUp(LedgerServer& follower) {
    const Head head = primary_->log().GetHead();
    WaitForSeq(follower, head.seq);
    EXPECT_EQ(follower.log().GetHead().seq, head.seq);
    EXPECT_EQ(follower.log().GetHead().hash, head.hash);
    EXPECT_EQ(follower.log().GetHead().recorded_at, head.recorded_at);
    absl::StatusOr<ChainVerification> chain = follower.log().VerifyChain(0, 0);
    ASSERT_TRUE(chain.ok()) << chain.status();
    EXPECT_TRUE(chain->ok) << chain->reason;
    EXPECT_EQ(chain->events_checked, head.seq);
    const absl::StatusOr<Hash> root = primary_->log().MerkleRoot(head.seq);
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_EQ(follower.log().MerkleRoot(head.seq).value(), *root);
    EXPECT_EQ(Figures(follower).SerializeAsString(),
              Figures(*primary_).SerializeAsString());
    EXPECT_TRUE(follower.follower()->status().ok())
        << follower.follower()->status();
  }

  // The primary's --auth-config (empty: the open mode) and the token its
  // followers subscribe with.
  std::string primary_auth_config_;
  std::string follow_token_;
  std::unique_ptr<LedgerServer> primary_;
  std::vector<std::unique_ptr<LedgerServer>> followers_;
};

TEST_F(ReplicaTest, TwoFollowersMatchThePrimaryUnderConcurrentWriters) {
  StartPrimary();
  Append(*primary_, "before");  // caught up from the store
  StartFollower(0, primary_->address());
  StartFollower(1, primary_->address());
  AppendConcurrently(/*writers=*/4, /*batches=*/25, "w");
  ASSERT_EQ(primary_->log().GetHead().seq, 3u + 4 * 25 * 3);
  ExpectCaughtUp(*followers_[0]);
  ExpectCaughtUp(*followers_[1]);
}

TEST_F(ReplicaTest, AFollowerStoppedMidStreamResumesFromItsOwnHead) {
  StartPrimary();
  StartFollower(0, primary_->address());
  std::thread writers([&] { AppendConcurrently(4, 25, "w"); });
  WaitForSeq(*followers_[0], 30);  // some of the stream, not all of it
  const uint64_t stopped_at = followers_[0]->log().GetHead().seq;
  followers_[0].reset();
  writers.join();
  Append(*primary_, "while-stopped");  // it restarts behind the primary
  EXPECT_LT(stopped_at, primary_->log().GetHead().seq);
  // Had it asked for seq 1 again, the repeat would stop it: ExpectCaughtUp
  // checks that it follows on.
  ExpectCaughtUp(StartFollower(0, primary_->address()));
}

TEST_F(ReplicaTest, AFollowerResumesAfterThePrimaryRestarts) {
  StartPrimary();
  LedgerServer& follower = StartFollower(0, primary_->address());
  AppendConcurrently(4, 5, "before");
  ExpectCaughtUp(follower);
  RestartPrimary();
  AppendConcurrently(4, 5, "after");
  ExpectCaughtUp(follower);
  EXPECT_EQ(follower.log().GetHead().seq, 2u * 4 * 5 * 3);
}

TEST_F(ReplicaTest, AFollowerSubscribesToAPrimaryWithAuthWithItsToken) {
  primary_auth_config_ = dir_ + "/auth.textproto";
  std::ofstream(primary_auth_config_) << EveryRoleConfig();
  follow_token_ = TokenOf(v1::ROLE_AUDITOR);
  StartPrimary();
  ASSERT_TRUE(primary_->log().Append(Batch(HireHistory("a"))).ok());
  LedgerServer& follower = StartFollower(0, primary_->address());
  WaitForSeq(follower, 3);
  EXPECT_EQ(follower.log().GetHead().hash, primary_->log().GetHead().hash);
}

TEST_F(ReplicaTest, AForgedEventStopsReplicationAndIsNotStored) {
  StartPrimary();
  AppendConcurrently(1, 4, "h");  // seqs 1..12
  ForgingPrimary forger(primary_->log(), /*forged_seq=*/8);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&forger);
  std::unique_ptr<grpc::Server> fake = builder.BuildAndStart();
  ASSERT_NE(fake, nullptr);

  absl::Notification stopped;
  absl::Status reason;
  LedgerServer& follower = StartFollower(0, absl::StrCat("127.0.0.1:", port),
                                         [&](const absl::Status& status) {
                                           reason = status;
                                           stopped.Notify();
                                         });
  ASSERT_TRUE(stopped.WaitForNotificationWithTimeout(absl::Seconds(60)));
  EXPECT_EQ(reason.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(reason.message(),
            "replicated event 8: hash is not SHA-256(prev_hash || canonical "
            "bytes)");
  EXPECT_EQ(follower.follower()->status(), reason);
  EXPECT_EQ(follower.log().GetHead().seq, 7u);
  EXPECT_EQ(follower.log().GetHead().hash,
            primary_->log().GetBySeq(7).value().hash);
  fake->Shutdown();
}

TEST_F(ReplicaTest, WritesToAFollowerAreRefusedNamingThePrimary) {
  StartPrimary();
  LedgerServer& follower = StartFollower(0, primary_->address());
  const std::string refusal = absl::StrCat(
      "this server is a read replica of ", primary_->address(),
      ": send writes to the primary there (or promote this one with banenctl "
      "admin promote once the primary is gone)");
  const auto channel = client::Connect(follower.address());
  auto ledger = v1::LedgerService::NewStub(channel);
  {
    grpc::ClientContext context;
    v1::AppendResponse response;
    const grpc::Status status = ledger->AppendBatch(
        &context, AppendRequestOf("b", HireHistory("b")), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(status.error_message(), refusal);
  }
  {
    grpc::ClientContext context;
    auto stream = ledger->Append(&context);
    stream->Write(AppendRequestOf("s", HireHistory("s")));
    stream->WritesDone();
    v1::AppendResponse response;
    EXPECT_FALSE(stream->Read(&response));
    const grpc::Status status = stream->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(status.error_message(), refusal);
  }
  {
    auto snapshots = v1::SnapshotService::NewStub(channel);
    grpc::ClientContext context;
    v1::CreateSnapshotRequest request;
    request.set_quarter("2024Q1");
    v1::Snapshot snapshot;
    const grpc::Status status =
        snapshots->CreateSnapshot(&context, request, &snapshot);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(status.error_message(), refusal);
  }
  EXPECT_EQ(follower.log().GetHead().seq, 0u);
}

v1::PromoteResponse Promote(LedgerServer& server, grpc::Status& status) {
  auto admin = v1::AdminService::NewStub(client::Connect(server.address()));
  grpc::ClientContext context;
  v1::PromoteResponse response;
  status = admin->Promote(&context, v1::PromoteRequest(), &response);
  return response;
}

TEST_F(ReplicaTest, PromoteIsRefusedWhileThePrimaryAnswers) {
  StartPrimary();
  Append(*primary_, "a");
  LedgerServer& follower = StartFollower(0, primary_->address());
  grpc::Status status;
  Promote(follower, status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("the primary at ", primary_->address(),
                         " still answers (head seq 3): promote a follower "
                         "only once its primary is gone"));
  Promote(*primary_, status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "this server follows no primary: nothing to promote");
}

TEST_F(ReplicaTest, APromotedFollowerTakesAppendsAfterThePrimarysHead) {
  StartPrimary();
  AppendConcurrently(2, 3, "a");
  LedgerServer& follower = StartFollower(0, primary_->address());
  ExpectCaughtUp(follower);
  const std::string former = primary_->address();
  const Head head = primary_->log().GetHead();
  primary_.reset();

  grpc::Status status;
  const v1::PromoteResponse promoted = Promote(follower, status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(promoted.head_seq(), head.seq);
  EXPECT_EQ(promoted.head_hash(),
            std::string(reinterpret_cast<const char*>(head.hash.data()),
                        head.hash.size()));
  EXPECT_EQ(promoted.former_primary(), former);
  const v1::AppendResponse appended = Append(follower, "after");
  EXPECT_EQ(appended.first_seq(), head.seq + 1);
  Promote(follower, status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "this server is a primary already");
}

}  // namespace
}  // namespace banen::test
