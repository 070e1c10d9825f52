// The Append stream's pipelining (services/ledger_service.cc): a stream's
// next batch is handed to the log while the one before is still in its
// fsync, and the answers still come in stream order, each batch judged after
// the ones before it. And appends, streamed or unary, wait for their fsync
// off gRPC's threads.
#include <grpcpp/grpcpp.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/ledger_service.h"
#include "tests/ledger/fault_fs.h"
#include "tests/services/service_test_util.h"

namespace banen::test {
namespace {

using Stream = grpc::ClientReaderWriter<v1::AppendRequest, v1::AppendResponse>;

std::vector<uint64_t> SeqsOf(const v1::AppendResponse& response) {
  return {response.seqs().begin(), response.seqs().end()};
}

// A server that fsyncs its appends on FaultFs, and counts the batches its
// log has queued.
class AppendStreamTest : public ServiceTest {
 protected:
  void SetUp() override {
    fault_fs_ = std::make_shared<FaultFs>();
    file_system_ = fault_fs_;
    ServiceTest::SetUp();
  }
  void TearDown() override {
    ReleaseSyncs();
    if (!stream_ended_.HasBeenNotified()) stream_ended_.Notify();
    ServiceTest::TearDown();
  }
  void AdjustOptions(LedgerServerOptions& options) override {
    options.sync = true;
    options.on_append_queued = [this] {
      absl::MutexLock lock(&mutex_);
      ++queued_;
    };
    options.ledger_service.on_stream_batch_read = [this] {
      absl::MutexLock lock(&mutex_);
      ++read_;
    };
    // One held answer ties up one thread of the append pool: holding more
    // could take every thread the stream's later batches need.
    options.ledger_service.after_answer_starts_nothing = [this] {
      if (!hold_an_answer_starting_nothing_.load()) return;
      if (answers_starting_nothing_++ == 0) stream_ended_.WaitForNotification();
    };
  }

  // From now on every sync of the log's WAL waits until ReleaseSyncs().
  void HoldSyncs() {
    fault_fs_->SetSyncHook([this](const std::string& path) {
      if (!path.ends_with(".log")) return;
      if (!holding_.HasBeenNotified()) holding_.Notify();
      released_.WaitForNotification();
    });
  }
  void ReleaseSyncs() {
    if (!released_.HasBeenNotified()) released_.Notify();
  }

  // The batches the log has queued so far.
  int Queued() {
    absl::MutexLock lock(&mutex_);
    return queued_;
  }
  // The batches the server's Append streams have read so far.
  int Read() {
    absl::MutexLock lock(&mutex_);
    return read_;
  }
  // Whether the log has queued `count` batches within 30 s.
  bool AwaitQueued(int count) {
    absl::MutexLock lock(&mutex_);
    const auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      return queued_ >= count;
    };
    return mutex_.AwaitWithTimeout(absl::Condition(&reached),
                                   absl::Seconds(30));
  }

  // What a stream answered to `first` and `second`, written back to back
  // while the WAL's syncs are held.
  struct TwoAnswers {
    bool second_queued = false;  // before the first one's sync was let go
    v1::AppendResponse first;
    v1::AppendResponse second;
    grpc::Status finished;
  };
  TwoAnswers AppendTwoWhileTheFirstIsInItsSync(
      const v1::AppendRequest& first, const v1::AppendRequest& second) {
    TwoAnswers answers;
    const int queued_before = Queued();
    HoldSyncs();
    grpc::ClientContext context;
    std::unique_ptr<Stream> stream = ledger_->Append(&context);
    if (!stream->Write(first) || !stream->Write(second)) {
      ADD_FAILURE() << "the stream took no request";
      return answers;
    }
    holding_.WaitForNotification();
    answers.second_queued = AwaitQueued(queued_before + 2);
    ReleaseSyncs();
    if (!stream->Read(&answers.first) || !stream->Read(&answers.second)) {
      ADD_FAILURE() << "the stream ended before both answers";
    }
    if (!stream->WritesDone()) ADD_FAILURE() << "the stream took no WritesDone";
    answers.finished = stream->Finish();
    return answers;
  }

  std::shared_ptr<FaultFs> fault_fs_;
  absl::Notification holding_;   // a WAL sync is being held
  absl::Notification released_;  // held syncs may go on
  // Once this is set, the first answer that starts nothing waits until
  // stream_ended_.
  std::atomic<bool> hold_an_answer_starting_nothing_{false};
  std::atomic<int> answers_starting_nothing_{0};
  absl::Notification stream_ended_;
  absl::Mutex mutex_;
  int queued_ ABSL_GUARDED_BY(mutex_) = 0;
  int read_ ABSL_GUARDED_BY(mutex_) = 0;  // batches the server's streams read
};

TEST_F(AppendStreamTest, TheNextBatchIsQueuedWhileTheOneBeforeIsInItsSync) {
  const TwoAnswers answers = AppendTwoWhileTheFirstIsInItsSync(
      AppendRequestOf("b1", HireHistory("a")),
      AppendRequestOf("b2", HireHistory("b")));

  EXPECT_TRUE(answers.second_queued)
      << "the second batch waited for the first one's answer";
  EXPECT_TRUE(answers.finished.ok()) << answers.finished.error_message();
  EXPECT_EQ(answers.first.batch_id(), "b1");
  EXPECT_EQ(SeqsOf(answers.first), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(answers.second.batch_id(), "b2");
  EXPECT_EQ(SeqsOf(answers.second), (std::vector<uint64_t>{4, 5, 6}));
  EXPECT_EQ(Head().seq(), 6u);
}

TEST_F(AppendStreamTest, AStreamReadsNoFurtherThanItsBatchesInFlight) {
  constexpr int kInFlight = static_cast<int>(kAppendStreamBatchesInFlight);
  constexpr int kSent = kInFlight + 4;
  const int queued_before = Queued();
  const int read_before = Read();
  HoldSyncs();
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = ledger_->Append(&context);
  for (int i = 0; i < kSent; ++i) {
    const std::string tag = absl::StrCat("b", i);
    ASSERT_TRUE(stream->Write(AppendRequestOf(tag, HireHistory(tag))));
  }
  holding_.WaitForNotification();
  // The first batch in its sync, the rest of the window staged behind it,
  // and nothing more read until an answer goes out.
  ASSERT_TRUE(AwaitQueued(queued_before + kInFlight));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(Read(), read_before + kInFlight);
  EXPECT_EQ(Queued(), queued_before + kInFlight);

  ReleaseSyncs();
  for (int i = 0; i < kSent; ++i) {
    v1::AppendResponse answer;
    ASSERT_TRUE(stream->Read(&answer)) << "no answer to batch " << i;
    EXPECT_EQ(answer.batch_id(), absl::StrCat("b", i));
    EXPECT_EQ(answer.seqs_size(), 3);
  }
  ASSERT_TRUE(stream->WritesDone());
  const grpc::Status finished = stream->Finish();
  EXPECT_TRUE(finished.ok()) << finished.error_message();
  EXPECT_EQ(Head().seq(), static_cast<uint64_t>(3 * kSent));
}

// A client that resends a batch on the same stream before the first try is
// answered: the resend is judged while the first try is in its fsync, and
// answers with the first try's seqs, flagged duplicate.
TEST_F(AppendStreamTest, AResendWhileTheFirstTryIsInItsSyncIsADuplicate) {
  const v1::AppendRequest request = AppendRequestOf("b1", HireHistory("a"));
  const TwoAnswers answers =
      AppendTwoWhileTheFirstIsInItsSync(request, request);
  const v1::AppendResponse& first = answers.first;
  const v1::AppendResponse& resent = answers.second;

  EXPECT_TRUE(answers.second_queued);
  EXPECT_TRUE(answers.finished.ok()) << answers.finished.error_message();
  EXPECT_EQ(SeqsOf(first), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(
      std::vector<bool>(first.duplicate().begin(), first.duplicate().end()),
      (std::vector<bool>{false, false, false}));
  EXPECT_EQ(SeqsOf(resent), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(
      std::vector<bool>(resent.duplicate().begin(), resent.duplicate().end()),
      (std::vector<bool>{true, true, true}));
  EXPECT_EQ(Head().seq(), 3u);
}

// Each employer names the one registered in the batch before as its parent:
// a batch judged before the one before it would be NOT_FOUND.
TEST_F(AppendStreamTest, EachBatchIsJudgedAfterTheOnesSentBeforeIt) {
  constexpr int kBatches = 100;
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = ledger_->Append(&context);
  for (int b = 0; b < kBatches; ++b) {
    const std::string parent = b == 0 ? "" : absl::StrCat("emp-", b - 1);
    ASSERT_TRUE(stream->Write(AppendRequestOf(
        absl::StrCat("b", b),
        {EmployerRegisteredEvent(absl::StrCat("e", b), "2024-01-01",
                                 absl::StrCat("emp-", b), Sector::kGemeenten,
                                 "Gemeente Utrecht", parent)})));
  }
  ASSERT_TRUE(stream->WritesDone());
  std::vector<v1::AppendResponse> answers(kBatches);
  for (v1::AppendResponse& answer : answers) {
    ASSERT_TRUE(stream->Read(&answer));
  }
  const grpc::Status finished = stream->Finish();

  EXPECT_TRUE(finished.ok()) << finished.error_message();
  for (int b = 0; b < kBatches; ++b) {
    EXPECT_EQ(answers[b].batch_id(), absl::StrCat("b", b));
    EXPECT_FALSE(answers[b].has_error()) << answers[b].error().message();
    EXPECT_EQ(SeqsOf(answers[b]), (std::vector<uint64_t>{uint64_t(b) + 1}));
  }
}

TEST_F(AppendStreamTest,
       ARejectedBatchAmongBatchesInFlightIsAnsweredInItsPlace) {
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = ledger_->Append(&context);
  ASSERT_TRUE(stream->Write(AppendRequestOf("b1", HireHistory("a"))));
  // Hours of 90 a week: INVALID_ARGUMENT naming event 0.
  ASSERT_TRUE(stream->Write(AppendRequestOf(
      "bad", {HoursChangedEvent("bad-0", "2024-03-01", "job-a", 9000)})));
  ASSERT_TRUE(stream->Write(
      AppendRequestOf("b3", {JobEndedEvent("end-a", "2024-06-30", "job-a")})));
  ASSERT_TRUE(stream->WritesDone());
  v1::AppendResponse first, rejected, third;
  ASSERT_TRUE(stream->Read(&first));
  ASSERT_TRUE(stream->Read(&rejected));
  ASSERT_TRUE(stream->Read(&third));
  const grpc::Status finished = stream->Finish();

  EXPECT_TRUE(finished.ok()) << finished.error_message();
  EXPECT_EQ(SeqsOf(first), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(rejected.batch_id(), "bad");
  EXPECT_EQ(rejected.error().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(rejected.error().event_index(), 0);
  EXPECT_TRUE(rejected.seqs().empty());
  EXPECT_EQ(third.batch_id(), "b3");
  EXPECT_EQ(SeqsOf(third), (std::vector<uint64_t>{4}));
  EXPECT_EQ(Head().seq(), 4u);
}

// The client goes while its batches are appended: the server ends the
// stream once they are done, and goes on serving; what it stored is whole
// batches.
TEST_F(AppendStreamTest,
       AClientThatCancelsWithBatchesInFlightLeavesWholeBatches) {
  HoldSyncs();
  {
    grpc::ClientContext context;
    std::unique_ptr<Stream> stream = ledger_->Append(&context);
    for (const char* tag : {"a", "b", "c"}) {
      ASSERT_TRUE(stream->Write(
          AppendRequestOf(absl::StrCat("b-", tag), HireHistory(tag))));
    }
    holding_.WaitForNotification();
    context.TryCancel();
    ReleaseSyncs();
    const grpc::Status finished = stream->Finish();
    EXPECT_EQ(finished.error_code(), grpc::StatusCode::CANCELLED);
  }
  const v1::AppendResponse after = MustAppend("d", HireHistory("d"));
  server_->Shutdown(absl::Seconds(10));
  server_.reset();
  absl::StatusOr<std::unique_ptr<EventLog>> reopened =
      EventLog::Open(log_dir());

  EXPECT_FALSE(after.has_error()) << after.error().message();
  EXPECT_EQ(after.seqs_size(), 3);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  const uint64_t stored = (*reopened)->GetHead().seq;
  EXPECT_EQ(stored % 3, 0u) << stored;
  EXPECT_GE(stored, 3u);
}

// A batch answered while the answer before it is still unsent starts
// nothing, and its reaction goes on after letting go of the stream's lock,
// while the stream may end. The first such is held here until the stream has
// ended and its reactor is gone: the reaction touched the deleted reactor on
// its way out (a member call on a freed object, caught by ASan/UBSan).
TEST_F(AppendStreamTest, AnAnswerThatStartsNothingMayOutliveItsStream) {
  constexpr int kBatches = 20;
  hold_an_answer_starting_nothing_ = true;
  const int queued_before = Queued();
  HoldSyncs();
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = ledger_->Append(&context);
  for (int b = 0; b < kBatches; ++b) {
    const std::string tag = absl::StrCat("b", b);
    ASSERT_TRUE(stream->Write(AppendRequestOf(
        tag, {EmployerRegisteredEvent(absl::StrCat("e", tag), "2024-01-01",
                                      absl::StrCat("emp-", tag))})));
  }
  ASSERT_TRUE(stream->WritesDone());
  // The batches in flight queue behind the held sync, and are answered
  // together when it is let go: all but the first start nothing.
  holding_.WaitForNotification();
  const bool in_flight = AwaitQueued(queued_before + 2);
  ReleaseSyncs();
  std::vector<v1::AppendResponse> answers(kBatches);
  for (v1::AppendResponse& answer : answers) {
    ASSERT_TRUE(stream->Read(&answer));
  }
  const grpc::Status finished = stream->Finish();
  absl::SleepFor(absl::Milliseconds(100));  // for the server's OnDone
  stream_ended_.Notify();

  EXPECT_TRUE(in_flight);
  EXPECT_GT(answers_starting_nothing_.load(), 0);
  EXPECT_TRUE(finished.ok()) << finished.error_message();
  for (int b = 0; b < kBatches; ++b) {
    EXPECT_EQ(answers[b].batch_id(), absl::StrCat("b", b));
    EXPECT_EQ(SeqsOf(answers[b]), (std::vector<uint64_t>{uint64_t(b) + 1}));
  }
}

// More unary appends wait for their fsync than gRPC has threads for the
// server's reactions (cores / 2, from 2 to 16), and a read is still answered:
// the appends wait on the service's append pool.
TEST_F(AppendStreamTest, UnaryAppendsInTheirSyncLeaveTheServerAnswering) {
  constexpr int kAppends = 16;
  struct Call {
    grpc::ClientContext context;
    v1::AppendRequest request;
    v1::AppendResponse response;
    grpc::Status status;
  };
  std::array<Call, kAppends> calls;
  absl::BlockingCounter answered(kAppends);
  const int queued_before = Queued();
  HoldSyncs();
  for (int i = 0; i < kAppends; ++i) {
    Call& call = calls[i];
    const std::string tag = absl::StrCat("u", i);
    call.request = AppendRequestOf(tag, HireHistory(tag));
    ledger_->async()->AppendBatch(&call.context, &call.request, &call.response,
                                  [&call, &answered](grpc::Status status) {
                                    call.status = std::move(status);
                                    answered.DecrementCount();
                                  });
  }
  holding_.WaitForNotification();
  const bool in_flight = AwaitQueued(queued_before + 2);
  grpc::ClientContext read_context;
  read_context.set_deadline(std::chrono::system_clock::now() +
                            std::chrono::seconds(5));
  v1::GetHeadResponse head;
  const grpc::Status read =
      ledger_->GetHead(&read_context, v1::GetHeadRequest(), &head);
  ReleaseSyncs();
  answered.Wait();

  EXPECT_TRUE(in_flight);
  EXPECT_TRUE(read.ok()) << read.error_message();
  for (const Call& call : calls) {
    EXPECT_TRUE(call.status.ok()) << call.status.error_message();
    EXPECT_EQ(call.response.seqs_size(), 3);
  }
  EXPECT_EQ(Head().seq(), 3u * kAppends);
}

}  // namespace
}  // namespace banen::test
