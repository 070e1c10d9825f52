// LedgerService over loopback: appends (streamed and unary), reads,
// subscriptions, head and chain.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/stubs/logging.h"
#include "gtest/gtest.h"
#include "ledger/codec.h"
#include "services/wire.h"
#include "tests/services/service_test_util.h"

namespace banen::test {
namespace {

using ::testing::HasSubstr;
using Stream = grpc::ClientReaderWriter<v1::AppendRequest, v1::AppendResponse>;

// Sends one batch on an open Append stream and reads its answer.
v1::AppendResponse SendBatch(Stream& stream, const v1::AppendRequest& request) {
  EXPECT_TRUE(stream.Write(request));
  v1::AppendResponse response;
  EXPECT_TRUE(stream.Read(&response));
  return response;
}

std::vector<uint64_t> SeqsOf(const v1::AppendResponse& response) {
  return {response.seqs().begin(), response.seqs().end()};
}

// A batch whose second event (index 1) has 90 hours a week.
std::vector<Event> BatchWithBadHours() {
  return {PersonRegisteredEvent("bad-0", "2024-01-01", kPerson2),
          JobStartedEvent("bad-1", "2024-02-01", "job-bad", "emp-a", kPerson2,
                          ContractForm::kVast, 9000)};
}

class LedgerServiceTest : public ServiceTest {};

// The event's canonical_bytes are what its chain hash covers, and decode to
// the event it carries: the stored bytes, not a re-encoding that happens to
// agree.
void ExpectCanonicalBytesOf(const v1::StoredEvent& event) {
  const absl::StatusOr<StoredEvent> stored = StoredEventFromProto(event);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(ChainHash(stored->prev_hash, event.canonical_bytes()), stored->hash)
      << "seq " << event.seq();
  v1::StoredEvent decoded;
  ASSERT_TRUE(decoded.ParseFromString(event.canonical_bytes()));
  EXPECT_EQ(decoded.seq(), event.seq());
  EXPECT_EQ(decoded.event().SerializeAsString(),
            event.event().SerializeAsString());
}

TEST_F(LedgerServiceTest, StreamAcknowledgesEachBatchInOrder) {
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = ledger_->Append(&context);

  const v1::AppendResponse first =
      SendBatch(*stream, AppendRequestOf("b1", HireHistory("a")));
  const v1::AppendResponse second =
      SendBatch(*stream, AppendRequestOf("b2", HireHistory("b")));
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Finish().ok());

  EXPECT_EQ(first.batch_id(), "b1");
  EXPECT_EQ(first.first_seq(), 1u);
  EXPECT_EQ(first.last_seq(), 3u);
  EXPECT_EQ(SeqsOf(first), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_FALSE(first.has_error());
  EXPECT_EQ(second.batch_id(), "b2");
  EXPECT_EQ(SeqsOf(second), (std::vector<uint64_t>{4, 5, 6}));
  EXPECT_EQ(Head().seq(), 6u);
}

TEST_F(LedgerServiceTest, ResentBatchReturnsTheSameSeqsAndCountsOnce) {
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = ledger_->Append(&context);
  const v1::AppendRequest request = AppendRequestOf("b1", HireHistory("a"));

  const v1::AppendResponse original = SendBatch(*stream, request);
  const v1::AppendResponse resent = SendBatch(*stream, request);
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Finish().ok());

  EXPECT_EQ(SeqsOf(resent), SeqsOf(original));
  EXPECT_EQ(resent.first_seq(), 1u);
  EXPECT_EQ(resent.last_seq(), 3u);
  EXPECT_EQ(
      std::vector<bool>(resent.duplicate().begin(), resent.duplicate().end()),
      (std::vector<bool>{true, true, true}));
  EXPECT_FALSE(resent.has_recorded_at());
  EXPECT_EQ(Head().seq(), 3u);
}

TEST_F(LedgerServiceTest, RejectedBatchLeavesHeadUnchangedAndStreamOpen) {
  MustAppend("setup", {EmployerRegisteredEvent("emp", "2024-01-01", "emp-a")});
  const v1::GetHeadResponse head_before = Head();
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = ledger_->Append(&context);

  const v1::AppendResponse rejected =
      SendBatch(*stream, AppendRequestOf("bad", BatchWithBadHours()));
  const v1::GetHeadResponse head_after_rejection = Head();
  const v1::AppendResponse accepted =
      SendBatch(*stream, AppendRequestOf("good", HireHistory("b")));
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Finish().ok());

  EXPECT_EQ(rejected.batch_id(), "bad");
  EXPECT_EQ(rejected.error().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(rejected.error().event_index(), 1);
  EXPECT_EQ(rejected.error().field(), "job_started.hours_per_week_x100");
  EXPECT_EQ(rejected.error().message(),
            absl::StrCat("event 1: job_started.hours_per_week_x100: ",
                         rejected.error().reason()));
  EXPECT_TRUE(rejected.seqs().empty());
  EXPECT_EQ(head_after_rejection.seq(), head_before.seq());
  EXPECT_EQ(head_after_rejection.hash(), head_before.hash());
  EXPECT_EQ(SeqsOf(accepted), (std::vector<uint64_t>{2, 3, 4}));
}

// A request that protobuf's parser refuses (here a string that is not
// UTF-8) is answered, in its turn, like any rejected batch.
TEST_F(LedgerServiceTest, UnparsableRequestIsAnsweredInvalidArgument) {
  const google::protobuf::LogSilencer quiet;  // the invalid UTF-8 reports
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = ledger_->Append(&context);
  v1::AppendRequest unparsable = AppendRequestOf("bad", HireHistory("a"));
  unparsable.mutable_events(0)->set_event_id("caf\xe9");

  const v1::AppendResponse rejected = SendBatch(*stream, unparsable);
  const v1::AppendResponse accepted =
      SendBatch(*stream, AppendRequestOf("good", HireHistory("b")));
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Finish().ok());

  EXPECT_EQ(rejected.error().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(rejected.error().event_index(), -1);
  EXPECT_THAT(rejected.error().message(), HasSubstr("not an AppendRequest"));
  EXPECT_TRUE(rejected.seqs().empty());
  EXPECT_EQ(SeqsOf(accepted), (std::vector<uint64_t>{1, 2, 3}));
}

// Strings beyond ASCII take protobuf's parser (RequestFromWire leaves them):
// stored as sent.
TEST_F(LedgerServiceTest, EventWithUtf8BeyondAsciiIsStoredAsSent) {
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = ledger_->Append(&context);
  v1::AppendRequest request = AppendRequestOf("utf8", HireHistory("a"));
  request.mutable_events(0)->set_event_id("caf\xc3\xa9");

  const v1::AppendResponse accepted = SendBatch(*stream, request);
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Finish().ok());

  EXPECT_EQ(accepted.batch_id(), "utf8");
  EXPECT_EQ(SeqsOf(accepted), (std::vector<uint64_t>{1, 2, 3}));
  grpc::ClientContext read_context;
  v1::ReadEventsRequest read;
  read.set_from_seq(1);
  read.set_to_seq(1);
  auto reader = ledger_->ReadEvents(&read_context, read);
  v1::StoredEvent stored;
  ASSERT_TRUE(reader->Read(&stored));
  EXPECT_EQ(stored.event().event_id(), "caf\xc3\xa9");
}

TEST_F(LedgerServiceTest, UnaryRejectionCarriesTheBatchErrorInTheStatus) {
  MustAppend("setup", {EmployerRegisteredEvent("emp", "2024-01-01", "emp-a")});
  grpc::ClientContext context;
  v1::AppendResponse response;

  const grpc::Status status = ledger_->AppendBatch(
      &context, AppendRequestOf("bad", BatchWithBadHours()), &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::ErrorStatus details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(details.message(), status.error_message());
  ASSERT_EQ(details.details_size(), 1);
  v1::BatchError error;
  ASSERT_TRUE(details.details(0).UnpackTo(&error));
  EXPECT_EQ(error.event_index(), 1);
  EXPECT_EQ(error.field(), "job_started.hours_per_week_x100");
  EXPECT_EQ(Head().seq(), 1u);
}

TEST_F(LedgerServiceTest, UnknownEmployerIsNotFoundNamingTheField) {
  grpc::ClientContext context;
  v1::AppendResponse response;

  const grpc::Status status = ledger_->AppendBatch(
      &context,
      AppendRequestOf(
          "b", {JobStartedEvent("e", "2024-02-01", "job-x", "emp-unknown",
                                kPerson1, ContractForm::kVast, 2550)}),
      &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  v1::ErrorStatus details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  v1::BatchError error;
  ASSERT_TRUE(details.details(0).UnpackTo(&error));
  EXPECT_EQ(error.event_index(), 0);
  EXPECT_EQ(error.field(), "job_started.employer_id");
}

TEST_F(LedgerServiceTest, ExpectedJobSeqMismatchIsAborted) {
  MustAppend("setup", HireHistory("a"));
  v1::AppendRequest request = AppendRequestOf(
      "b", {HoursChangedEvent("hours", "2024-03-01", "job-a", 2000)});
  (*request.mutable_expected_job_seq())["job-a"] = 2;  // the hire is seq 3
  grpc::ClientContext context;
  v1::AppendResponse response;

  const grpc::Status status =
      ledger_->AppendBatch(&context, request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(Head().seq(), 3u);
}

TEST_F(LedgerServiceTest, ConcurrentWritersGetDistinctGapFreeSeqs) {
  constexpr int kWriters = 4;
  constexpr int kBatchesPerWriter = 10;
  std::vector<std::vector<uint64_t>> seqs(kWriters);
  std::vector<std::thread> writers;
  for (int writer = 0; writer < kWriters; ++writer) {
    writers.emplace_back([&, writer] {
      grpc::ClientContext context;
      std::unique_ptr<Stream> stream = ledger_->Append(&context);
      for (int batch = 0; batch < kBatchesPerWriter; ++batch) {
        const std::string tag = absl::StrCat("w", writer, "b", batch);
        const v1::AppendResponse response =
            SendBatch(*stream, AppendRequestOf(tag, HireHistory(tag)));
        EXPECT_FALSE(response.has_error()) << response.error().message();
        EXPECT_EQ(response.last_seq(), response.first_seq() + 2);
        for (uint64_t seq : response.seqs()) seqs[writer].push_back(seq);
      }
      EXPECT_TRUE(stream->WritesDone());
      EXPECT_TRUE(stream->Finish().ok());
    });
  }
  for (std::thread& writer : writers) writer.join();

  std::vector<uint64_t> all;
  for (const auto& writer_seqs : seqs) {
    EXPECT_TRUE(std::is_sorted(writer_seqs.begin(), writer_seqs.end()));
    all.insert(all.end(), writer_seqs.begin(), writer_seqs.end());
  }
  std::sort(all.begin(), all.end());
  std::vector<uint64_t> expected(kWriters * kBatchesPerWriter * 3);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = i + 1;
  EXPECT_EQ(all, expected);
  grpc::ClientContext context;
  v1::VerifyChainResponse verification;
  ASSERT_TRUE(
      ledger_->VerifyChain(&context, v1::VerifyChainRequest(), &verification)
          .ok());
  EXPECT_TRUE(verification.ok());
  EXPECT_EQ(verification.events_checked(), expected.size());
}

std::vector<uint64_t> ReadSeqs(v1::LedgerService::Stub& ledger,
                               const v1::ReadEventsRequest& request) {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::StoredEvent>> reader =
      ledger.ReadEvents(&context, request);
  std::vector<uint64_t> seqs;
  v1::StoredEvent event;
  while (reader->Read(&event)) seqs.push_back(event.seq());
  EXPECT_TRUE(reader->Finish().ok());
  return seqs;
}

TEST_F(LedgerServiceTest, ReadEventsAsOfReturnsOnlyWhatWasRecordedByThen) {
  MustAppend("first", HireHistory("a"));
  const v1::GetHeadResponse head_after_first = Head();
  MustAppend("second", HireHistory("b"));
  v1::ReadEventsRequest request;
  *request.mutable_as_of() = head_after_first.recorded_at();

  EXPECT_EQ(ReadSeqs(*ledger_, request), (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(LedgerServiceTest, ReadEventsFiltersByJobIncludingLaterEventsOfIt) {
  MustAppend("a", HireHistory("a"));
  MustAppend("b", HireHistory("b"));
  MustAppend("end", {JobEndedEvent("end-a", "2024-05-01", "job-a")});
  v1::ReadEventsRequest request;
  request.add_job_ids("job-a");

  EXPECT_EQ(ReadSeqs(*ledger_, request), (std::vector<uint64_t>{3, 7}));
}

TEST_F(LedgerServiceTest, ReadEventsFiltersBySectorAndKind) {
  MustAppend("a", HireHistory("a"));  // GEMEENTEN
  MustAppend("rijk", {EmployerRegisteredEvent("rijk", "2024-01-01", "emp-r",
                                              Sector::kRijk, "Ministerie")});
  v1::ReadEventsRequest request;
  request.add_sectors(v1::SECTOR_GEMEENTEN);
  request.add_kinds(v1::EVENT_KIND_JOB_STARTED);
  request.add_kinds(v1::EVENT_KIND_EMPLOYER_REGISTERED);

  EXPECT_EQ(ReadSeqs(*ledger_, request), (std::vector<uint64_t>{1, 3}));
}

TEST_F(LedgerServiceTest, ReadEventsFiltersByEventIdCombinedWithKind) {
  MustAppend("a", HireHistory("a"));
  MustAppend("b", HireHistory("b"));
  v1::ReadEventsRequest by_id;
  by_id.add_event_ids("b-hire");
  by_id.add_event_ids("a-person");
  by_id.add_event_ids("no-such-event");
  EXPECT_EQ(ReadSeqs(*ledger_, by_id), (std::vector<uint64_t>{2, 6}));
  by_id.add_kinds(v1::EVENT_KIND_JOB_STARTED);
  EXPECT_EQ(ReadSeqs(*ledger_, by_id), (std::vector<uint64_t>{6}));
}

// Seqs 1-3 recorded by hr-a, 4-6 by hr-b (appended to the log with their
// authority, as the authenticated service does), 7-9 in the open mode.
class RecordedByTest : public LedgerServiceTest {
 protected:
  void SetUp() override {
    LedgerServiceTest::SetUp();
    if (HasFatalFailure()) return;
    for (const std::string tag : {"a", "b"}) {
      AppendBatch batch = test::Batch(HireHistory(tag));
      batch.authority.principal = "hr-" + tag;
      ASSERT_TRUE(server_->log().Append(batch).ok());
    }
    MustAppend("c", HireHistory("c"));
  }
};

TEST_F(RecordedByTest, ReadEventsCarriesRecordedBy) {
  grpc::ClientContext context;
  v1::ReadEventsRequest request;
  request.set_from_seq(3);
  request.set_to_seq(4);
  std::unique_ptr<grpc::ClientReader<v1::StoredEvent>> reader =
      ledger_->ReadEvents(&context, request);
  std::vector<std::string> recorded_by;
  v1::StoredEvent event;
  while (reader->Read(&event)) recorded_by.push_back(event.recorded_by());
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(recorded_by, (std::vector<std::string>{"hr-a", "hr-b"}));
}

TEST_F(RecordedByTest, ReadEventsFiltersByRecordedBy) {
  v1::ReadEventsRequest request;
  request.add_recorded_by("hr-b");
  EXPECT_EQ(ReadSeqs(*ledger_, request), (std::vector<uint64_t>{4, 5, 6}));
}

TEST_F(RecordedByTest, RecordedByEmptyNamesTheEventsOfTheOpenMode) {
  v1::ReadEventsRequest request;
  request.add_recorded_by("hr-a");
  request.add_recorded_by("");
  EXPECT_EQ(ReadSeqs(*ledger_, request),
            (std::vector<uint64_t>{1, 2, 3, 7, 8, 9}));
}

TEST_F(RecordedByTest, RecordedByCombinesWithTheKindAndJobFilters) {
  v1::ReadEventsRequest by_kind;
  by_kind.add_recorded_by("hr-b");
  by_kind.add_kinds(v1::EVENT_KIND_JOB_STARTED);
  EXPECT_EQ(ReadSeqs(*ledger_, by_kind), (std::vector<uint64_t>{6}));
  v1::ReadEventsRequest by_job;
  by_job.add_recorded_by("hr-b");
  by_job.add_job_ids("job-a");
  EXPECT_EQ(ReadSeqs(*ledger_, by_job), (std::vector<uint64_t>{}));
  by_job.set_recorded_by(0, "hr-a");
  EXPECT_EQ(ReadSeqs(*ledger_, by_job), (std::vector<uint64_t>{3}));
}

TEST_F(RecordedByTest, AnUnknownPrincipalMatchesNothing) {
  v1::ReadEventsRequest request;
  request.add_recorded_by("hr-z");
  EXPECT_EQ(ReadSeqs(*ledger_, request), (std::vector<uint64_t>{}));
}

TEST_F(LedgerServiceTest, ReadEventsCarriesTheStoredCanonicalBytes) {
  MustAppend("a", HireHistory("a"));
  MustAppend("b", HireHistory("b"));
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::StoredEvent>> reader =
      ledger_->ReadEvents(&context, v1::ReadEventsRequest());
  int read = 0;
  for (v1::StoredEvent event; reader->Read(&event); ++read) {
    ExpectCanonicalBytesOf(event);
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(read, 6);
}

TEST_F(LedgerServiceTest, ReadEventsFromToReturnsTheRange) {
  MustAppend("a", HireHistory("a"));
  MustAppend("b", HireHistory("b"));
  v1::ReadEventsRequest request;
  request.set_from_seq(2);
  request.set_to_seq(4);

  EXPECT_EQ(ReadSeqs(*ledger_, request), (std::vector<uint64_t>{2, 3, 4}));
}

TEST_F(LedgerServiceTest, SubscribeCatchesUpThenFollowsLive) {
  MustAppend("a", HireHistory("a"));
  grpc::ClientContext context;
  v1::SubscribeRequest request;
  request.set_from_seq(2);
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader =
      ledger_->Subscribe(&context, request);

  std::vector<uint64_t> catch_up;
  v1::SubscribeResponse response;
  while (reader->Read(&response) && response.has_event()) {
    catch_up.push_back(response.event().seq());
  }
  ASSERT_TRUE(response.has_caught_up());
  EXPECT_EQ(response.caught_up().head_seq(), 3u);
  MustAppend("b", HireHistory("b"));
  std::vector<uint64_t> live;
  while (live.size() < 3 && reader->Read(&response)) {
    ASSERT_TRUE(response.has_event());
    live.push_back(response.event().seq());
  }
  context.TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);

  EXPECT_EQ(catch_up, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(live, (std::vector<uint64_t>{4, 5, 6}));
}

TEST_F(LedgerServiceTest, SubscribeSendsEventsInItemsOfTheAskedSize) {
  MustAppend("a", HireHistory("a"));
  grpc::ClientContext context;
  v1::SubscribeRequest request;
  request.set_max_events_per_item(2);
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader =
      ledger_->Subscribe(&context, request);
  std::vector<std::vector<uint64_t>> items;
  v1::SubscribeResponse response;
  while (reader->Read(&response) && response.has_events()) {
    items.emplace_back();
    for (const v1::StoredEvent& event : response.events().events()) {
      ExpectCanonicalBytesOf(event);
      items.back().push_back(event.seq());
    }
  }
  EXPECT_TRUE(response.has_caught_up());
  context.TryCancel();
  reader->Finish();
  EXPECT_EQ(items, (std::vector<std::vector<uint64_t>>{{1, 2}, {3}}));
}

TEST_F(LedgerServiceTest, SubscribeCarriesTheStoredCanonicalBytes) {
  MustAppend("a", HireHistory("a"));
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader =
      ledger_->Subscribe(&context, v1::SubscribeRequest());
  int read = 0;
  v1::SubscribeResponse response;
  while (read < 3 && reader->Read(&response)) {
    if (!response.has_event()) continue;
    ExpectCanonicalBytesOf(response.event());
    ++read;
  }
  context.TryCancel();
  reader->Finish();
  EXPECT_EQ(read, 3);
}

TEST_F(LedgerServiceTest, SubscribeEndsUnavailableWhenTheServerShutsDown) {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader =
      ledger_->Subscribe(&context, v1::SubscribeRequest());
  v1::SubscribeResponse response;
  ASSERT_TRUE(reader->Read(&response));
  ASSERT_TRUE(response.has_caught_up());

  server_->Shutdown(absl::Seconds(1));

  EXPECT_FALSE(reader->Read(&response));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(LedgerServiceTest, ShutdownLetsAnOpenStreamFinishItsBatch) {
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = ledger_->Append(&context);
  ASSERT_TRUE(stream->Write(AppendRequestOf("b1", HireHistory("a"))));

  std::thread shutdown([this] { server_->Shutdown(absl::Seconds(10)); });
  v1::AppendResponse response;
  const bool answered = stream->Read(&response);
  stream->WritesDone();
  const grpc::Status status = stream->Finish();
  shutdown.join();
  server_.reset();
  absl::StatusOr<std::unique_ptr<EventLog>> reopened =
      EventLog::Open(log_dir());

  ASSERT_TRUE(answered);
  EXPECT_EQ(SeqsOf(response), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->GetHead().seq, 3u);
}

TEST_F(LedgerServiceTest, GetHeadReportsTheLastEventsSeqHashAndTime) {
  const v1::AppendResponse appended = MustAppend("a", HireHistory("a"));

  const v1::GetHeadResponse head = Head();

  EXPECT_EQ(head.seq(), 3u);
  EXPECT_EQ(head.hash().size(), 32u);
  EXPECT_EQ(TimeFromProto(head.recorded_at()),
            TimeFromProto(appended.recorded_at()));
}

TEST_F(LedgerServiceTest, GetHeadOfAnEmptyLogIsSeqZeroAndZeroHash) {
  const v1::GetHeadResponse head = Head();

  EXPECT_EQ(head.seq(), 0u);
  EXPECT_EQ(head.hash(), std::string(32, '\0'));
  EXPECT_FALSE(head.has_recorded_at());
}

TEST_F(LedgerServiceTest, VerifyChainOfARangeChecksItsEvents) {
  MustAppend("a", HireHistory("a"));
  MustAppend("b", HireHistory("b"));
  v1::VerifyChainRequest request;
  request.set_from_seq(2);
  request.set_to_seq(5);
  grpc::ClientContext context;
  v1::VerifyChainResponse verification;

  ASSERT_TRUE(ledger_->VerifyChain(&context, request, &verification).ok());

  EXPECT_TRUE(verification.ok());
  EXPECT_EQ(verification.events_checked(), 4u);
  EXPECT_EQ(verification.first_bad_seq(), 0u);
}

TEST_F(LedgerServiceTest, MalformedEventIsInvalidArgumentNotACrash) {
  v1::AppendRequest request;
  request.set_batch_id("junk");
  request.add_events()->set_event_id("no-payload");
  grpc::ClientContext context;
  v1::AppendResponse response;

  const grpc::Status status =
      ledger_->AppendBatch(&context, request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Head().seq(), 0u);
}

}  // namespace
}  // namespace banen::test
