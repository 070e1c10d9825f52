// The write path under concurrency: identical retries racing their first
// try, retries and retractions that meet a group still in its synced write,
// and the destruction contract. Held writes use FaultFs's WalSyncGate and
// EventLogOptions::on_append_queued, never a timer.
#include <atomic>
#include <barrier>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
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

class ConcurrentAppendTest : public LedgerTest {
 protected:
  // Reopens the log on a FaultFs, counting queued appends.
  void SetUp() override {
    LedgerTest::SetUp();
    if (HasFatalFailure()) return;
    CloseLog();
    EventLogOptions options = Options();
    options.file_system = fs_;
    options.on_append_queued = queued_.Hook();
    options.on_group_staged = staged_.Hook();
    OpenLog(std::move(options));
  }

  std::shared_ptr<FaultFs> fs_ = std::make_shared<FaultFs>();
  HookCalls queued_;
  HookCalls staged_;
};

// 8 threads send the same batch at the same moment (a barrier per round),
// 1250 rounds: 10,000 appends, each answered OK with the same seqs; one of
// each round stores the batch, the others are flagged duplicate.
TEST_F(ConcurrentAppendTest, IdenticalBatchesSentAtTheSameMomentAreStoredOnce) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 1250;
  constexpr int kEventsPerBatch = 3;
  std::vector<AppendBatch> batches;
  for (int r = 0; r < kRounds; ++r) {
    std::vector<Event> events;
    for (int e = 0; e < kEventsPerBatch; ++e) {
      events.push_back(NumberedTargetSetEvent(r * kEventsPerBatch + e));
    }
    batches.push_back(Batch(std::move(events)));
  }
  // results[r][t]
  std::vector<std::vector<absl::StatusOr<AppendResult>>> results(
      kRounds, std::vector<absl::StatusOr<AppendResult>>(kThreads));
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        start.arrive_and_wait();
        results[r][t] = log_->Append(batches[r]);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  int errors = 0;
  for (int r = 0; r < kRounds; ++r) {
    int stored_by = 0;
    for (int t = 0; t < kThreads; ++t) {
      const absl::StatusOr<AppendResult>& result = results[r][t];
      if (!result.ok()) {
        if (++errors <= 5)
          ADD_FAILURE() << "round " << r << ": " << result.status();
        continue;
      }
      EXPECT_EQ(result->seqs,
                results[r][0].ok() ? results[r][0]->seqs : result->seqs)
          << "round " << r;
      if (result->first_seq != 0) {
        ++stored_by;
        EXPECT_THAT(result->duplicate, ::testing::Each(false));
      } else {
        EXPECT_THAT(result->duplicate, ::testing::Each(true));
      }
    }
    EXPECT_EQ(stored_by, 1) << "round " << r;
  }
  EXPECT_EQ(errors, 0);

  const uint64_t total = kRounds * kEventsPerBatch;
  EXPECT_EQ(log_->GetHead().seq, total);
  absl::flat_hash_set<std::string> ids;
  ASSERT_OK(log_->Scan(1, 0, [&](const StoredEvent& stored) {
    EXPECT_TRUE(ids.insert(stored.event.event_id).second)
        << stored.event.event_id << " stored twice";
    return true;
  }));
  EXPECT_EQ(ids.size(), total);
}

// Retries of earlier batches while the log takes a state delta every 16
// events and folds the deltas into new checkpoints, whose event_id arrays
// replace the index's hash map under the appends (EventIdIndex::Seal,
// TakeMerged): 4 threads, each sending 150 new batches of 3 events and
// after each resending one of its earlier ones. Every retry is answered
// with its first try's seqs, every id found at its seq.
TEST_F(ConcurrentAppendTest,
       RetriesFindTheirSeqsWhileCheckpointsReplaceTheIndex) {
  CloseLog();
  std::atomic<int> rebases{0};
  EventLogOptions options = Options();
  options.save_state_every = 16;
  options.on_state_rebased = [&rebases](uint64_t) { ++rebases; };
  OpenLog(std::move(options));
  constexpr int kThreads = 4;
  constexpr int kBatches = 150;
  constexpr int kEventsPerBatch = 3;
  // first_tries[t][b]: thread t's batch b, as stored by its first try.
  std::vector<std::vector<AppendResult>> first_tries(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<AppendBatch> sent;
      for (int b = 0; b < kBatches; ++b) {
        std::vector<Event> events;
        for (int e = 0; e < kEventsPerBatch; ++e) {
          events.push_back(
              NumberedTargetSetEvent((t * kBatches + b) * kEventsPerBatch + e));
        }
        sent.push_back(Batch(std::move(events)));
        absl::StatusOr<AppendResult> first = log_->Append(sent.back());
        ASSERT_OK(first);
        first_tries[t].push_back(*first);
        const int again = (b * 7 + t) % (b + 1);
        absl::StatusOr<AppendResult> retry = log_->Append(sent[again]);
        ASSERT_OK(retry);
        EXPECT_EQ(retry->seqs, first_tries[t][again].seqs)
            << "thread " << t << ", batch " << again;
        EXPECT_THAT(retry->duplicate, ::testing::Each(true));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  if (HasFatalFailure()) return;

  EXPECT_EQ(log_->GetHead().seq, kThreads * kBatches * kEventsPerBatch);
  for (int t = 0; t < kThreads; ++t) {
    for (int b = 0; b < kBatches; ++b) {
      for (int e = 0; e < kEventsPerBatch; ++e) {
        const std::string id =
            NumberedTargetSetEvent((t * kBatches + b) * kEventsPerBatch + e)
                .event_id;
        ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log_->GetByEventId(id));
        EXPECT_EQ(stored.seq, first_tries[t][b].seqs[e]) << id;
      }
    }
  }
  CloseLog();  // the delta thread's last rebase, before `rebases` goes
  EXPECT_GE(rebases.load(), 2);
}

// DOMAIN.md §4: a resent identical batch is not an error, even though its
// expected_job_seq is stale by its own first try.
TEST_F(ConcurrentAppendTest,
       RetryOfABatchWithExpectedJobSeqReturnsTheOriginal) {
  MustAppend({EmployerRegisteredEvent("reg", "2020-01-01", "emp-1")});
  AppendBatch batch =
      Batch({JobStartedEvent("start", "2024-01-15", "job-1", "emp-1", kPerson1,
                             ContractForm::kVast, 2550),
             HoursChangedEvent("hours", "2024-02-01", "job-1", 2000)});
  batch.expected_job_seq = {{"job-1", 0}};
  ASSERT_OK_AND_ASSIGN(const AppendResult first, log_->Append(batch));
  ASSERT_EQ(first.seqs, (std::vector<uint64_t>{2, 3}));

  ASSERT_OK_AND_ASSIGN(const AppendResult retry, log_->Append(batch));

  EXPECT_EQ(retry.seqs, first.seqs);
  EXPECT_EQ(retry.duplicate, (std::vector<bool>{true, true}));
  EXPECT_EQ(retry.first_seq, 0u);
  EXPECT_EQ(log_->GetHead().seq, 3u);
}

// Only a batch made wholly of duplicates skips the seq check: one new event
// makes the stale expectation count.
TEST_F(ConcurrentAppendTest, StaleExpectedJobSeqStillAbortsABatchWithNews) {
  MustAppend({EmployerRegisteredEvent("reg", "2020-01-01", "emp-1")});
  AppendBatch batch =
      Batch({JobStartedEvent("start", "2024-01-15", "job-1", "emp-1", kPerson1,
                             ContractForm::kVast, 2550)});
  batch.expected_job_seq = {{"job-1", 0}};
  ASSERT_OK(log_->Append(batch));
  batch.events.push_back(
      HoursChangedEvent("hours", "2024-02-01", "job-1", 2000));

  EXPECT_TRUE(CheckEventError(log_->Append(batch).status(),
                              absl::StatusCode::kAborted, -1,
                              "expected_job_seq"));
}

// A retry that arrives while its first try is in its synced write is staged
// meanwhile (groups are pipelined), recognised as a duplicate of the events
// in flight, and answered with the first try's seqs only once they are
// durable.
TEST_F(ConcurrentAppendTest, RetryWhileTheFirstTryIsBeingWrittenIsADuplicate) {
  const AppendBatch batch =
      Batch({NumberedTargetSetEvent(1), NumberedTargetSetEvent(2)});
  WalSyncGate gate(*fs_);
  absl::StatusOr<AppendResult> first;
  std::thread first_try([&] { first = log_->Append(batch); });
  gate.WaitUntilHeld();
  std::atomic<bool> retry_returned{false};
  absl::StatusOr<AppendResult> retry;
  std::thread second_try([&] {
    retry = log_->Append(batch);
    retry_returned = true;
  });
  staged_.WaitFor(2);  // the retry's group, behind the one held
  const bool returned_before_durable = retry_returned;
  gate.Release();
  first_try.join();
  second_try.join();

  EXPECT_FALSE(returned_before_durable);
  ASSERT_OK(first);
  ASSERT_OK(retry);
  EXPECT_EQ(first->seqs, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(retry->seqs, first->seqs);
  EXPECT_EQ(retry->duplicate, (std::vector<bool>{true, true}));
  EXPECT_EQ(log_->GetHead().seq, 2u);
}

// A retraction whose target is in the group still being written finds it.
TEST_F(ConcurrentAppendTest,
       RetractionOfAnEventInTheGroupBeingWrittenIsStored) {
  WalSyncGate gate(*fs_);
  absl::StatusOr<AppendResult> target;
  std::thread target_append(
      [&] { target = Append({NumberedTargetSetEvent(1)}); });
  gate.WaitUntilHeld();
  absl::StatusOr<AppendResult> retraction;
  std::thread retract([&] {
    retraction = Append({EventRetractedEvent("r1", "2024-01-01", 1)});
  });
  staged_.WaitFor(2);  // the retraction's group, behind the one held
  gate.Release();
  target_append.join();
  retract.join();

  ASSERT_OK(target);
  ASSERT_OK(retraction);
  EXPECT_EQ(target->seqs, (std::vector<uint64_t>{1}));
  EXPECT_EQ(retraction->seqs, (std::vector<uint64_t>{2}));
  ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log_->GetBySeq(2));
  EXPECT_EQ(std::get<EventRetracted>(stored.event.payload).target_seq, 1u);
}

// While a group is in its write and the next is staged, readers see neither:
// the head, Scan and the event_id lookup stop at what is durable.
TEST_F(ConcurrentAppendTest,
       ReadersSeeOnlyDurableEventsWhileGroupsAreInFlight) {
  MustAppend({NumberedTargetSetEvent(1)});
  const Head durable = log_->GetHead();
  WalSyncGate gate(*fs_);
  std::thread held([&] { ASSERT_OK(Append({NumberedTargetSetEvent(2)})); });
  gate.WaitUntilHeld();
  std::thread staged([&] { ASSERT_OK(Append({NumberedTargetSetEvent(3)})); });
  staged_.WaitFor(3);

  EXPECT_EQ(log_->GetHead().seq, durable.seq);
  EXPECT_EQ(log_->GetHead().hash, durable.hash);
  std::vector<uint64_t> scanned;
  ASSERT_OK(log_->Scan(1, 0, [&](const StoredEvent& stored) {
    scanned.push_back(stored.seq);
    return true;
  }));
  EXPECT_EQ(scanned, (std::vector<uint64_t>{1}));
  EXPECT_THAT(log_->GetByEventId("t2"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(log_->GetBySeq(3), StatusIs(absl::StatusCode::kNotFound));
  gate.Release();
  held.join();
  staged.join();
  EXPECT_EQ(log_->GetHead().seq, 3u);
}

// A retraction of a seq that does not exist names the event and the field.
TEST_F(ConcurrentAppendTest, RetractionOfAMissingSeqNamesTheField) {
  MustAppend({NumberedTargetSetEvent(1)});
  const absl::Status status =
      Append({NumberedTargetSetEvent(2),
              EventRetractedEvent("r1", "2024-01-01", 7)})
          .status();
  EXPECT_TRUE(CheckEventError(status, absl::StatusCode::kNotFound, 1,
                              "event_retracted.target_seq"));
  EXPECT_THAT(status.message(), HasSubstr("seq 7"));
}

// Destroying the log waits for the append in its synced write to return, and
// refuses appends that arrive meanwhile.
TEST_F(ConcurrentAppendTest, DestructionWaitsForInFlightAppendsAndRefusesNew) {
  EventLog* const log = log_.get();
  WalSyncGate gate(*fs_);
  std::atomic<int> order{0};
  int append_returned_at = 0;
  int destroyed_at = 0;
  absl::StatusOr<AppendResult> in_flight;
  std::thread appender([&] {
    in_flight = log->Append(Batch({NumberedTargetSetEvent(1)}));
    append_returned_at = ++order;
  });
  gate.WaitUntilHeld();
  std::thread destroyer([&] {
    log_.reset();
    destroyed_at = ++order;
  });
  // Destruction has begun once the log says it is closing; it cannot end
  // while the append is held, so `log` is still alive here.
  while (log->AppendStatus().ok()) std::this_thread::yield();
  const absl::Status late =
      log->Append(Batch({NumberedTargetSetEvent(2)})).status();
  EXPECT_EQ(order.load(), 0);
  gate.Release();
  appender.join();
  destroyer.join();

  EXPECT_EQ(late.code(), absl::StatusCode::kUnavailable) << late;
  EXPECT_THAT(late.message(), HasSubstr("closing"));
  EXPECT_OK(in_flight);
  EXPECT_EQ(append_returned_at, 1);
  EXPECT_EQ(destroyed_at, 2);
  OpenLog();
  EXPECT_EQ(log_->GetHead().seq, 1u);
}

}  // namespace
}  // namespace banen::test
