// Retries that race their original over loopback: several Append streams and
// unary callers send the same batches at the same moment, as clients do that
// retry on a timeout or over a second connection. Each must be answered like
// the first try (the same seqs, no error) and each event stored once.
#include <grpcpp/grpcpp.h>

#include <barrier>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/services/service_test_util.h"

namespace banen::test {
namespace {

constexpr int kStreams = 4;
constexpr int kUnaryCallers = 4;
constexpr int kSenders = kStreams + kUnaryCallers;
constexpr int kDistinctBatches = 1250;
constexpr int kEventsPerBatch = 8;
constexpr int kEvents = kDistinctBatches * kEventsPerBatch;
static_assert(kSenders * kDistinctBatches >= 10000);

using Stream = grpc::ClientReaderWriter<v1::AppendRequest, v1::AppendResponse>;

class ConcurrentRetryTest : public ServiceTest {};

TEST_F(ConcurrentRetryTest, IdenticalBatchesSentAtOnceAreStoredOnceAndAllOk) {
  std::vector<v1::AppendRequest> batches;
  for (int batch = 0; batch < kDistinctBatches; ++batch) {
    std::vector<Event> events;
    for (int i = 0; i < kEventsPerBatch; ++i) {
      const int n = batch * kEventsPerBatch + i;
      events.push_back(
          PersonRegisteredEvent(absl::StrCat("reg-", n), "2024-01-01",
                                absl::StrCat("person-ref-", 1000000000 + n)));
    }
    batches.push_back(AppendRequestOf(absl::StrCat("batch-", batch), events));
  }
  // seqs[sender][batch]: what each sender was told.
  std::vector<std::vector<std::vector<uint64_t>>> seqs(
      kSenders, std::vector<std::vector<uint64_t>>(kDistinctBatches));
  std::vector<int> errors(kSenders, 0);
  // Every sender sends batch b only when all have sent b - 1 and are ready.
  std::barrier round(kSenders);

  std::vector<std::thread> senders;
  for (int sender = 0; sender < kSenders; ++sender) {
    senders.emplace_back([&, sender] {
      grpc::ClientContext stream_context;
      std::unique_ptr<Stream> stream;
      if (sender < kStreams) stream = ledger_->Append(&stream_context);
      for (int batch = 0; batch < kDistinctBatches; ++batch) {
        round.arrive_and_wait();
        v1::AppendResponse response;
        if (stream != nullptr) {
          if (!stream->Write(batches[batch]) || !stream->Read(&response)) {
            response.mutable_error()->set_message("stream broke");
          }
        } else {
          grpc::ClientContext context;
          const grpc::Status status =
              ledger_->AppendBatch(&context, batches[batch], &response);
          if (!status.ok()) {
            response.mutable_error()->set_message(status.error_message());
          }
        }
        if (response.has_error()) {
          if (++errors[sender] <= 3) {
            ADD_FAILURE() << "sender " << sender << ", batch " << batch << ": "
                          << response.error().message();
          }
        }
        seqs[sender][batch].assign(response.seqs().begin(),
                                   response.seqs().end());
      }
      if (stream != nullptr) {
        EXPECT_TRUE(stream->WritesDone());
        EXPECT_TRUE(stream->Finish().ok());
      }
    });
  }
  for (std::thread& sender : senders) sender.join();

  for (int sender = 0; sender < kSenders; ++sender) {
    EXPECT_EQ(errors[sender], 0) << "sender " << sender;
    for (int batch = 0; batch < kDistinctBatches; ++batch) {
      ASSERT_EQ(seqs[sender][batch].size(), size_t{kEventsPerBatch})
          << "sender " << sender << ", batch " << batch;
      EXPECT_EQ(seqs[sender][batch], seqs[0][batch])
          << "sender " << sender << ", batch " << batch;
    }
  }
  absl::flat_hash_map<std::string, int> times_stored;
  {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::StoredEvent>> reader =
        ledger_->ReadEvents(&context, v1::ReadEventsRequest());
    v1::StoredEvent stored;
    while (reader->Read(&stored)) ++times_stored[stored.event().event_id()];
    ASSERT_TRUE(reader->Finish().ok());
  }
  EXPECT_EQ(times_stored.size(), size_t{kEvents});
  for (const auto& [event_id, times] : times_stored) {
    EXPECT_EQ(times, 1) << event_id;
  }
  EXPECT_EQ(Head().seq(), static_cast<uint64_t>(kEvents));
}

}  // namespace
}  // namespace banen::test
