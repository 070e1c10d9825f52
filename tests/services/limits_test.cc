// The server's limits over loopback: events per batch and message size
// (RESOURCE_EXHAUSTED), identifier and text length (INVALID_ARGUMENT naming
// the field); each refusal names the limit and stores nothing.
#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/validation.h"
#include "tests/services/service_test_util.h"

namespace banen::test {
namespace {

using ::testing::HasSubstr;
using Stream = grpc::ClientReaderWriter<v1::AppendRequest, v1::AppendResponse>;

// `count` PersonRegistered events with distinct ids and person refs.
std::vector<Event> Registrations(int count) {
  std::vector<Event> events;
  for (int i = 0; i < count; ++i) {
    events.push_back(
        PersonRegisteredEvent(absl::StrCat("reg-", i), "2024-01-01",
                              absl::StrCat("person-ref-", 1000000000 + i)));
  }
  return events;
}

class LimitsTest : public ServiceTest {
 protected:
  grpc::Status Append(const v1::AppendRequest& request) {
    grpc::ClientContext context;
    v1::AppendResponse response;
    return ledger_->AppendBatch(&context, request, &response);
  }

  // Expects the head (seq and hash) to equal `before`.
  void ExpectHeadUnchanged(const v1::GetHeadResponse& before) {
    const v1::GetHeadResponse after = Head();
    EXPECT_EQ(after.seq(), before.seq());
    EXPECT_EQ(after.hash(), before.hash());
  }
};

class SmallLimitsTest : public LimitsTest {
 protected:
  static constexpr int kMaxBatchEvents = 5;
  static constexpr int kMaxMessageBytes = 64 << 10;

  static constexpr size_t kSmallIdBytes = 20;
  static constexpr size_t kSmallTextBytes = 10;

  void AdjustOptions(LedgerServerOptions& options) override {
    options.ledger_service.max_batch_events = kMaxBatchEvents;
    options.max_message_bytes = kMaxMessageBytes;
    options.field_limits = {.max_id_bytes = kSmallIdBytes,
                            .max_text_bytes = kSmallTextBytes};
  }
};

TEST_F(SmallLimitsTest, ServerFieldLimitsApplyToIdsAndText) {
  MustAppend("setup", Registrations(1));
  const v1::GetHeadResponse before = Head();

  const grpc::Status long_id = Append(AppendRequestOf(
      "long-id", {EmployerRegisteredEvent("emp", "2024-01-01",
                                          std::string(kSmallIdBytes + 1, 'e'),
                                          Sector::kRijk, "short")}));
  EXPECT_EQ(long_id.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(long_id.error_message(),
            "event 0: employer_registered.employer_id: is longer than 20 "
            "bytes (--max-id-bytes)");

  const grpc::Status long_text = Append(AppendRequestOf(
      "long-name",
      {EmployerRegisteredEvent("emp", "2024-01-01", "emp-a", Sector::kRijk,
                               std::string(kSmallTextBytes + 1, 'n'))}));
  EXPECT_EQ(long_text.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(long_text.error_message(),
            "event 0: employer_registered.name: is longer than 10 bytes "
            "(--max-text-bytes)");
  ExpectHeadUnchanged(before);

  MustAppend("at-limits",
             {EmployerRegisteredEvent(
                 "emp", "2024-01-01", std::string(kSmallIdBytes, 'e'),
                 Sector::kRijk, std::string(kSmallTextBytes, 'n'))});
}

TEST_F(SmallLimitsTest, BatchOverTheEventLimitIsResourceExhausted) {
  MustAppend("setup", Registrations(1));
  const v1::GetHeadResponse before = Head();

  const grpc::Status status =
      Append(AppendRequestOf("big", Registrations(kMaxBatchEvents + 1)));

  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(status.error_message(),
            "events: the batch has 6 events; the limit is 5 "
            "(--max-batch-events)");
  const v1::BatchError error = BatchErrorOf(status);
  EXPECT_EQ(error.event_index(), -1);
  EXPECT_EQ(error.field(), "events");
  ExpectHeadUnchanged(before);
}

TEST_F(SmallLimitsTest, BatchAtTheEventLimitIsStored) {
  const v1::AppendResponse response =
      MustAppend("full", Registrations(kMaxBatchEvents));

  EXPECT_EQ(response.last_seq(), static_cast<uint64_t>(kMaxBatchEvents));
}

TEST_F(SmallLimitsTest,
       StreamedBatchOverTheEventLimitIsAnsweredAndTheStreamGoesOn) {
  const v1::GetHeadResponse before = Head();
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = ledger_->Append(&context);

  ASSERT_TRUE(stream->Write(
      AppendRequestOf("big", Registrations(kMaxBatchEvents + 1))));
  v1::AppendResponse refused;
  ASSERT_TRUE(stream->Read(&refused));
  const v1::GetHeadResponse after_refusal = Head();
  ASSERT_TRUE(stream->Write(AppendRequestOf("ok", Registrations(1))));
  v1::AppendResponse accepted;
  ASSERT_TRUE(stream->Read(&accepted));
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Finish().ok());

  EXPECT_EQ(refused.error().code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(refused.error().field(), "events");
  EXPECT_THAT(refused.error().reason(), HasSubstr("the limit is 5"));
  EXPECT_TRUE(refused.seqs().empty());
  EXPECT_EQ(after_refusal.seq(), before.seq());
  EXPECT_EQ(accepted.last_seq(), 1u);
}

TEST_F(SmallLimitsTest, MessageOverTheSizeLimitIsResourceExhausted) {
  MustAppend("setup", Registrations(1));
  const v1::GetHeadResponse before = Head();
  // One event, well within the event limit: its batch_id alone takes the
  // message over the size limit.
  v1::AppendRequest request = AppendRequestOf("", Registrations(1));
  request.set_batch_id(std::string(kMaxMessageBytes, 'b'));

  const grpc::Status status = Append(request);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(),
              HasSubstr(absl::StrCat(kMaxMessageBytes)));
  ExpectHeadUnchanged(before);
}

// gRPC refuses the message before the service sees it, so on a stream the
// refusal is the stream's end rather than an answer.
TEST_F(SmallLimitsTest, StreamedMessageOverTheSizeLimitEndsTheStream) {
  MustAppend("setup", Registrations(1));
  const v1::GetHeadResponse before = Head();
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = ledger_->Append(&context);
  v1::AppendRequest request = AppendRequestOf("", Registrations(1));
  request.set_batch_id(std::string(kMaxMessageBytes, 'b'));

  stream->Write(request);  // may already see the end
  v1::AppendResponse response;
  EXPECT_FALSE(stream->Read(&response));
  const grpc::Status status = stream->Finish();

  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(),
              HasSubstr(absl::StrCat(kMaxMessageBytes)));
  ExpectHeadUnchanged(before);
}

TEST_F(LimitsTest, IdentifierOverTheLimitIsInvalidArgumentNamingTheLimit) {
  MustAppend("setup", HireHistory("a"));
  const v1::GetHeadResponse before = Head();

  const grpc::Status status = Append(AppendRequestOf(
      "long-id", {PersonRegisteredEvent("reg-b", "2024-01-01", kPerson2),
                  JobStartedEvent("hire-b", "2024-02-01",
                                  std::string(kMaxIdBytes + 1, 'j'), "emp-a",
                                  kPerson2, ContractForm::kVast, 2550)}));

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "event 1: job_started.job_id: is longer than 128 bytes "
            "(--max-id-bytes)");
  const v1::BatchError error = BatchErrorOf(status);
  EXPECT_EQ(error.event_index(), 1);
  EXPECT_EQ(error.field(), "job_started.job_id");
  ExpectHeadUnchanged(before);
}

TEST_F(LimitsTest, TextOverTheLimitIsInvalidArgumentNamingTheLimit) {
  MustAppend("setup", Registrations(1));
  const v1::GetHeadResponse before = Head();

  const grpc::Status status = Append(AppendRequestOf(
      "long-name",
      {EmployerRegisteredEvent("emp", "2024-01-01", "emp-a", Sector::kRijk,
                               std::string(kMaxTextBytes + 1, 'n'))}));

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "event 0: employer_registered.name: is longer than 1024 "
            "bytes (--max-text-bytes)");
  const v1::BatchError error = BatchErrorOf(status);
  EXPECT_EQ(error.event_index(), 0);
  EXPECT_EQ(error.field(), "employer_registered.name");
  ExpectHeadUnchanged(before);
}

// The defaults fit together: a batch of the most events allowed, each the
// largest event there is (every id and the name at their limits), is within
// the message size limit.
TEST_F(LimitsTest, DefaultMessageLimitHoldsAFullBatchOfTheLargestEvents) {
  const LedgerServerOptions defaults;
  const std::string parent(kMaxIdBytes, 'p');
  MustAppend("parent",
             {EmployerRegisteredEvent("parent", "2024-01-01", parent)});
  std::vector<Event> events;
  for (int i = 0; i < defaults.ledger_service.max_batch_events; ++i) {
    std::string id = absl::StrCat(i, "-");
    id.resize(kMaxIdBytes, 'e');
    events.push_back(
        EmployerRegisteredEvent(id, "2024-01-01", id, Sector::kRijk,
                                std::string(kMaxTextBytes, 'n'), parent));
  }
  const v1::AppendRequest request = AppendRequestOf("largest", events);
  ASSERT_LE(request.ByteSizeLong(),
            static_cast<size_t>(defaults.max_message_bytes));

  grpc::ClientContext context;
  v1::AppendResponse response;
  const grpc::Status status =
      ledger_->AppendBatch(&context, request, &response);

  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(
      response.last_seq(),
      static_cast<uint64_t>(defaults.ledger_service.max_batch_events) + 1);
}

}  // namespace
}  // namespace banen::test
