// LedgerServer over loopback: read-your-writes through the projection that
// follows the log, freed memory released once the server stands still, and a
// failing disk (FaultFs): health, subscriptions, the projection's tail thread.
#include "services/ledger_server.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/ledger/fault_fs.h"
#include "tests/services/service_test_util.h"
#include "tools/client.h"

namespace banen::test {
namespace {

// GEMEENTEN in 2024Q2, PEILDATUM.
v1::RealisationRequest GemeentenNow() {
  v1::RealisationRequest request;
  request.add_sectors(v1::SECTOR_GEMEENTEN);
  request.set_from_quarter("2024Q2");
  return request;
}

class LedgerServerTest : public ServiceTest {};

// Counts the server's releases of freed memory.
class IdleReleaseTest : public ServiceTest {
 protected:
  void AdjustOptions(LedgerServerOptions& options) override {
    options.on_memory_released = [this] {
      absl::MutexLock lock(&mutex_);
      ++releases_;
    };
  }
  int releases() {
    absl::MutexLock lock(&mutex_);
    return releases_;
  }
  // Whether a release came within `timeout`.
  bool AwaitRelease(absl::Duration timeout) {
    const auto released = [this]() ABSL_SHARED_LOCKS_REQUIRED(mutex_) {
      return releases_ > 0;
    };
    absl::MutexLock lock(&mutex_);
    return mutex_.AwaitWithTimeout(absl::Condition(&released), timeout);
  }

 private:
  absl::Mutex mutex_;
  int releases_ ABSL_GUARDED_BY(mutex_) = 0;
};

// Each GetRealisation sent right after an acknowledged append reflects it,
// though the projection folds the log on its own thread.
TEST_F(LedgerServerTest, EachGetRealisationAfterAnAppendSeesIt) {
  constexpr int kBatches = 200;
  for (int i = 1; i <= kBatches; ++i) {
    const std::string tag = "h" + std::to_string(i);
    const v1::AppendResponse appended = MustAppend(tag, HireHistory(tag));
    grpc::ClientContext context;
    v1::RealisationTable table;
    const grpc::Status status =
        realisation_->GetRealisation(&context, GemeentenNow(), &table);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(table.last_seq(), appended.last_seq());
    ASSERT_EQ(table.rows_size(), 1);
    EXPECT_EQ(table.rows(0).banen_x100(), 100 * i);
  }
}

// Once the appends stop and the projection has caught up, the watcher hands
// the memory they freed back, once for the quiet spell.
TEST_F(IdleReleaseTest, FreedMemoryIsReleasedOnceTheAppendsStop) {
  MustAppend("h1", HireHistory("h1"));
  ASSERT_TRUE(AwaitRelease(absl::Seconds(30)));
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(releases(), 1);
}

// Each CreateSnapshot sent right after an acknowledged append is at its
// head.
TEST_F(LedgerServerTest, EachSnapshotAfterAnAppendIsAtItsHead) {
  for (int i = 1; i <= 50; ++i) {
    const std::string tag = "h" + std::to_string(i);
    const v1::AppendResponse appended = MustAppend(tag, HireHistory(tag));
    grpc::ClientContext context;
    v1::CreateSnapshotRequest request;
    request.set_quarter("2024Q2");
    v1::Snapshot snapshot;
    const grpc::Status status =
        snapshots_->CreateSnapshot(&context, request, &snapshot);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(snapshot.head_seq(), appended.last_seq());
  }
}

// A store on a disk whose writes fail on request.
class FailingDiskTest : public ServiceTest {
 protected:
  void SetUp() override {
    fault_fs_ = std::make_shared<FaultFs>();
    file_system_ = fault_fs_;
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    MustAppend("a", HireHistory("a"));
  }

  // Fails the next write and appends: the append that meets the failure.
  grpc::Status AppendOnAFailingDisk() {
    fault_fs_->FailWrites(true);
    grpc::ClientContext context;
    v1::AppendResponse response;
    return ledger_->AppendBatch(
        &context, AppendRequestOf("b", HireHistory("b")), &response);
  }

  std::shared_ptr<FaultFs> fault_fs_;
};

TEST_F(FailingDiskTest, HealthTurnsNotServingWhenAWriteFails) {
  ASSERT_TRUE(client::CheckHealth(channel_, absl::Seconds(30)).ok());

  const grpc::Status failed = AppendOnAFailingDisk();

  EXPECT_EQ(failed.error_code(), grpc::StatusCode::UNAVAILABLE);
  // The watcher thread reports it; poll, within a generous bound.
  absl::Status health;
  for (int tries = 0; tries < 300 && health.ok(); ++tries) {
    health = client::CheckHealth(channel_, absl::Seconds(30));
    if (health.ok()) absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(health, absl::UnavailableError("health: NOT_SERVING"));
}

TEST_F(FailingDiskTest, ParkedSubscriberEndsUnavailableWhenAWriteFails) {
  grpc::ClientContext context;
  // A bound for the failure mode "the stream never ends".
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader =
      ledger_->Subscribe(&context, v1::SubscribeRequest());
  v1::SubscribeResponse response;
  int events = 0;
  while (reader->Read(&response) && response.has_event()) ++events;
  ASSERT_TRUE(response.has_caught_up());

  EXPECT_EQ(AppendOnAFailingDisk().error_code(), grpc::StatusCode::UNAVAILABLE);

  EXPECT_FALSE(reader->Read(&response));
  const grpc::Status ended = reader->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(ended.error_message().find("failed write"), std::string::npos)
      << ended.error_message();
  EXPECT_EQ(events, 3);
}

TEST_F(FailingDiskTest, NewSubscriberGetsWhatWasStoredThenUnavailable) {
  ASSERT_EQ(AppendOnAFailingDisk().error_code(), grpc::StatusCode::UNAVAILABLE);

  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader =
      ledger_->Subscribe(&context, v1::SubscribeRequest());
  std::vector<uint64_t> seqs;
  bool caught_up = false;
  v1::SubscribeResponse response;
  while (reader->Read(&response)) {
    if (response.has_event()) seqs.push_back(response.event().seq());
    if (response.has_caught_up()) caught_up = true;
  }
  const grpc::Status ended = reader->Finish();

  EXPECT_EQ(seqs, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_TRUE(caught_up);
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE);
}

// The projection's tail thread folds what was stored, then stops instead of
// spinning on a log that will not move; queries go on answering.
TEST_F(FailingDiskTest, ProjectionStopsAtTheDurableHead) {
  ASSERT_EQ(AppendOnAFailingDisk().error_code(), grpc::StatusCode::UNAVAILABLE);

  // Returns because the tail thread stopped: the deadline is infinite.
  const absl::Status beyond =
      server_->projector().WaitUntilCaughtUp(4, absl::InfiniteFuture());
  EXPECT_EQ(beyond.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(beyond.message().find("the projection stopped at seq 3"),
            std::string::npos)
      << beyond.message();
  grpc::ClientContext context;
  v1::RealisationTable table;
  const grpc::Status status =
      realisation_->GetRealisation(&context, GemeentenNow(), &table);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(table.last_seq(), 3u);
  EXPECT_EQ(table.rows(0).banen_x100(), 100);
}

}  // namespace
}  // namespace banen::test
