// A failing disk is contained: with FaultFs failing a write or a sync, the
// append fails UNAVAILABLE, the head stays at what is durable (also for a
// group of duplicates), later appends are refused until the log is
// reopened, waiters are released, and reopening recovers every
// acknowledged event.
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/event.h"
#include "ledger/event_log.h"
#include "tests/ledger/fault_fs.h"
#include "tests/ledger/test_events.h"
#include "tests/ledger/test_util.h"

namespace banen::test {
namespace {

using ::testing::HasSubstr;

class FailingDiskTest : public LedgerTest {
 protected:
  void SetUp() override {
    LedgerTest::SetUp();
    if (HasFatalFailure()) return;
    OpenOnFaultFs();
  }
  void OpenOnFaultFs() {
    CloseLog();
    EventLogOptions options = Options();
    options.file_system = fs_;
    options.on_append_queued = queued_.Hook();
    options.on_group_staged = staged_.Hook();
    OpenLog(std::move(options));
  }
  // Simulates a power loss too, so only synced bytes count, then reopens.
  void CrashAndReopen() {
    CloseLog();
    fs_->DropUnsyncedData();
    fs_->FailWrites(false);
    fs_->FailSyncs(false);
    OpenOnFaultFs();
  }

  std::shared_ptr<FaultFs> fs_ = std::make_shared<FaultFs>();
  HookCalls queued_;
  HookCalls staged_;
};

TEST_F(FailingDiskTest, AFailedSyncFailsTheAppendWithUnavailable) {
  fs_->FailSyncs(true);
  const absl::Status status = Append({NumberedTargetSetEvent(1)}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(status.message(), HasSubstr("failed write"));
  EXPECT_THAT(status.message(), HasSubstr("injected sync error"));
  EXPECT_THAT(status.message(), HasSubstr("reopen"));
}

TEST_F(FailingDiskTest, AFailedWriteFailsTheAppendWithUnavailable) {
  fs_->FailWrites(true);
  const absl::Status status = Append({NumberedTargetSetEvent(1)}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(status.message(), HasSubstr("injected write error"));
}

TEST_F(FailingDiskTest, TheHeadStaysAtTheLastDurableGroup) {
  MustAppend({NumberedTargetSetEvent(1)});
  const Head before = log_->GetHead();
  fs_->FailSyncs(true);
  ASSERT_FALSE(Append({NumberedTargetSetEvent(2)}).ok());
  const Head after = log_->GetHead();
  EXPECT_EQ(after.seq, 1u);
  EXPECT_EQ(after.hash, before.hash);
  EXPECT_THAT(log_->GetByEventId("t2"), StatusIs(absl::StatusCode::kNotFound));
}

// Group N's sync fails while a retry of N (all duplicates) is staged behind
// it and a new batch arrives after the retry: nothing after the failed write
// is acknowledged, stored, or moves the head.
TEST_F(FailingDiskTest, NothingPipelinedBehindAFailedWriteIsAcknowledged) {
  MustAppend({NumberedTargetSetEvent(1)});  // staged group 1
  const AppendBatch batch = Batch({NumberedTargetSetEvent(2)});
  WalSyncGate gate(*fs_);
  absl::StatusOr<AppendResult> first;
  std::thread first_try([&] { first = log_->Append(batch); });
  gate.WaitUntilHeld();
  absl::StatusOr<AppendResult> retry;
  std::thread second_try([&] { retry = log_->Append(batch); });
  staged_.WaitFor(3);
  absl::StatusOr<AppendResult> fresh;
  std::thread third([&] { fresh = Append({NumberedTargetSetEvent(3)}); });
  queued_.WaitFor(4);
  fs_->FailSyncs(true);
  gate.Release();
  first_try.join();
  second_try.join();
  third.join();

  for (const auto* result : {&first, &retry, &fresh}) {
    EXPECT_EQ(result->status().code(), absl::StatusCode::kUnavailable)
        << result->status();
  }
  EXPECT_EQ(log_->GetHead().seq, 1u);
  CrashAndReopen();
  EXPECT_EQ(log_->GetHead().seq, 1u);
  EXPECT_THAT(log_->GetByEventId("t3"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(FailingDiskTest, LaterAppendsAreRefusedUntilReopened) {
  fs_->FailWrites(true);
  ASSERT_FALSE(Append({NumberedTargetSetEvent(1)}).ok());
  fs_->FailWrites(false);

  EXPECT_THAT(Append({NumberedTargetSetEvent(2)}),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(log_->AppendStatus(), StatusIs(absl::StatusCode::kUnavailable));
  OpenOnFaultFs();
  EXPECT_OK(log_->AppendStatus());
  EXPECT_OK(Append({NumberedTargetSetEvent(2)}));
}

// A waiter parked on the head (a subscriber) is released by the failure
// instead of waiting out its timeout.
TEST_F(FailingDiskTest, WaitForHeadAfterReturnsOnFailure) {
  MustAppend({NumberedTargetSetEvent(1)});
  Head seen;
  std::thread waiter([&] { seen = log_->WaitForHeadAfter(1, absl::Hours(1)); });
  fs_->FailSyncs(true);
  ASSERT_FALSE(Append({NumberedTargetSetEvent(2)}).ok());
  waiter.join();
  EXPECT_EQ(seen.seq, 1u);
  EXPECT_FALSE(log_->AppendStatus().ok());
}

// Four appenders until the disk fails after 60 more writes; then a power
// loss. Every acknowledged event is back, and nothing unacknowledged is
// half there.
TEST_F(FailingDiskTest, ReopeningRecoversEveryAcknowledgedEvent) {
  constexpr int kThreads = 4;
  absl::Mutex mu;
  std::vector<std::pair<std::string, uint64_t>> acked;  // event_id, seq
  std::vector<std::vector<std::string>> failed;         // batches' ids
  fs_->FailWrites(true, /*after=*/60);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0;; ++b) {
        std::vector<Event> events = {
            NumberedTargetSetEvent(t * 100000 + b * 2),
            NumberedTargetSetEvent(t * 100000 + b * 2 + 1)};
        std::vector<std::string> ids = {events[0].event_id, events[1].event_id};
        const absl::StatusOr<AppendResult> result = Append(std::move(events));
        absl::MutexLock lock(&mu);
        if (!result.ok()) {
          EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable)
              << result.status();
          failed.push_back(std::move(ids));
          return;
        }
        for (int e = 0; e < 2; ++e) acked.emplace_back(ids[e], result->seqs[e]);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_FALSE(acked.empty());

  CrashAndReopen();

  for (const auto& [id, seq] : acked) {
    ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log_->GetByEventId(id));
    EXPECT_EQ(stored.seq, seq) << id;
  }
  for (const std::vector<std::string>& ids : failed) {
    EXPECT_EQ(log_->GetByEventId(ids[0]).ok(), log_->GetByEventId(ids[1]).ok())
        << "batch " << ids[0] << " is torn";
  }
  ASSERT_OK_AND_ASSIGN(const ChainVerification chain, log_->VerifyChain(1, 0));
  EXPECT_TRUE(chain.ok) << chain.first_bad_seq << ": " << chain.reason;
  EXPECT_EQ(chain.events_checked, log_->GetHead().seq);
  EXPECT_OK(Append({NumberedTargetSetEvent(999999)}));
}

}  // namespace
}  // namespace banen::test
