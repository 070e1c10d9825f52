// Long calls over loopback: VerifyChain works through the log a chunk at a
// time on a worker and stops at the first chunk boundary after its call was
// cancelled or its deadline passed. A test hook after each chunk stands in for
// slow work, so nothing depends on how fast the machine is.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/services/service_test_util.h"

namespace banen::test {
namespace {

constexpr int kEvents = 100;
constexpr int kChunkSeqs = 10;
constexpr int kChunks = kEvents / kChunkSeqs;

class LongCallTest : public ServiceTest {
 protected:
  void AdjustOptions(LedgerServerOptions& options) override {
    options.ledger_service.verify_chunk_seqs = kChunkSeqs;
    options.ledger_service.after_verify_chunk =
        [this](const grpc::CallbackServerContext& context) {
          ++chunks_checked_;
          if (during_chunk_) during_chunk_(context);
        };
  }

  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    std::vector<Event> events;
    for (int i = 0; i < kEvents; ++i) {
      events.push_back(
          PersonRegisteredEvent(absl::StrCat("reg-", i), "2024-01-01",
                                absl::StrCat("person-ref-", 1000000000 + i)));
    }
    MustAppend("log", events);
  }

  grpc::Status VerifyChain(grpc::ClientContext& context,
                           v1::VerifyChainResponse& response) {
    return ledger_->VerifyChain(&context, v1::VerifyChainRequest(), &response);
  }

  // Set before the call; runs on the worker after each chunk.
  std::function<void(const grpc::CallbackServerContext&)> during_chunk_;
  std::atomic<int> chunks_checked_{0};
};

TEST_F(LongCallTest, VerifyChainChecksTheWholeLogChunkByChunk) {
  grpc::ClientContext context;
  v1::VerifyChainResponse response;

  const grpc::Status status = VerifyChain(context, response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(response.ok());
  EXPECT_EQ(response.events_checked(), static_cast<uint64_t>(kEvents));
  EXPECT_EQ(chunks_checked_.load(), kChunks);
}

TEST_F(LongCallTest, VerifyChainOfARangeAcrossChunksChecksExactlyTheRange) {
  v1::VerifyChainRequest request;
  request.set_from_seq(15);
  request.set_to_seq(37);
  grpc::ClientContext context;
  v1::VerifyChainResponse response;

  ASSERT_TRUE(ledger_->VerifyChain(&context, request, &response).ok());

  EXPECT_TRUE(response.ok());
  EXPECT_EQ(response.events_checked(), 23u);
  EXPECT_EQ(chunks_checked_.load(), 3);  // 15-24, 25-34, 35-37
}

TEST_F(LongCallTest, VerifyChainPastItsDeadlineStopsWithDeadlineExceeded) {
  // The first chunk takes until after the deadline.
  during_chunk_ = [](const grpc::CallbackServerContext& context) {
    absl::SleepFor(absl::FromChrono(context.deadline()) - absl::Now() +
                   absl::Milliseconds(1));
  };
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(1));
  v1::VerifyChainResponse response;

  const grpc::Status status = VerifyChain(context, response);
  server_->Shutdown(absl::Seconds(30));  // waits for the call to end

  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // Stopped after the chunk during which the deadline passed (none, if it
  // had passed before the call reached a worker), not after all ten.
  EXPECT_LE(chunks_checked_.load(), 1);
}

TEST_F(LongCallTest, CancelledVerifyChainStops) {
  absl::Notification first_chunk_checked;
  during_chunk_ = [&](const grpc::CallbackServerContext& context) {
    if (first_chunk_checked.HasBeenNotified()) return;
    first_chunk_checked.Notify();
    // Holds the worker until the server has seen the cancel.
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (!context.IsCancelled() && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(1));
    }
  };
  grpc::ClientContext context;
  v1::VerifyChainResponse response;
  grpc::Status status;
  std::thread call([&] { status = VerifyChain(context, response); });

  first_chunk_checked.WaitForNotification();
  context.TryCancel();
  call.join();
  server_->Shutdown(absl::Seconds(30));  // waits for the call to end

  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(chunks_checked_.load(), 1);
}

}  // namespace
}  // namespace banen::test
