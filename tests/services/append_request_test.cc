// services/append_request.h: the append stream's requests read straight from
// their bytes, held to protobuf's parser and BatchOf.
#include "services/append_request.h"

#include <cstdint>
#include <iterator>
#include <optional>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "banen/v1/ledger.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/stubs/logging.h"
#include "gtest/gtest.h"
#include "ledger/codec.h"
#include "ledger/event.h"
#include "tests/ledger/test_events.h"
#include "tests/ledger/test_util.h"

namespace banen {
namespace {

using test::StatusIs;

constexpr int kMaxBatchEvents = 1000;

// A request of every kind of event, `copies` times, with expected seqs.
v1::AppendRequest ARequest(int copies) {
  v1::AppendRequest request;
  request.set_batch_id("batch-7");
  for (int copy = 0; copy < copies; ++copy) {
    for (const Event& event : test::OneEventOfEachKind()) {
      EventToProto(event, request.add_events());
    }
  }
  (*request.mutable_expected_job_seq())["job-1"] = 12;
  (*request.mutable_expected_job_seq())["job-2"] = 0;
  return request;
}

// What protobuf's parser and BatchOf make of `bytes`.
struct Reading {
  std::string batch_id;
  AppendBatch batch;
};
std::optional<Reading> ProtobufReading(std::string_view bytes) {
  v1::AppendRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return std::nullopt;
  }
  absl::StatusOr<AppendBatch> batch = BatchOf(request, kMaxBatchEvents, {});
  if (!batch.ok()) return std::nullopt;
  return Reading{request.batch_id(), *std::move(batch)};
}

// RequestFromWire's reading of `bytes`, when it reads them.
std::optional<Reading> WireReading(std::string_view bytes) {
  std::optional<PlainRequest> plain = RequestFromWire(bytes);
  if (!plain.has_value()) return std::nullopt;
  std::string batch_id = plain->batch_id;
  absl::StatusOr<AppendBatch> batch =
      BatchOf(*std::move(plain), kMaxBatchEvents, {});
  if (!batch.ok()) return std::nullopt;
  return Reading{std::move(batch_id), *std::move(batch)};
}

void ExpectSameReading(const Reading& wire, const Reading& protobuf) {
  EXPECT_EQ(wire.batch_id, protobuf.batch_id);
  EXPECT_EQ(wire.batch.events, protobuf.batch.events);
  EXPECT_EQ(wire.batch.expected_job_seq, protobuf.batch.expected_job_seq);
}

TEST(AppendRequest, RequestFromWireReadsWhatProtobufSerializes) {
  const std::string bytes = ARequest(3).SerializeAsString();
  const std::optional<Reading> wire = WireReading(bytes);
  const std::optional<Reading> protobuf = ProtobufReading(bytes);
  ASSERT_TRUE(wire.has_value());
  ASSERT_TRUE(protobuf.has_value());
  ExpectSameReading(*wire, *protobuf);
  EXPECT_EQ(wire->batch.events.size(), size_t{3} * kEventKindCount);
  EXPECT_EQ(wire->batch.expected_job_seq.at("job-1"), 12u);
}

// Bytes changed at random (a byte set, one inserted, the end cut off) or
// given another field after the rest: RequestFromWire either leaves them to
// protobuf or reads what protobuf reads. Both happen often.
TEST(AppendRequest,
     RequestFromWireReadsAlteredBytesAsProtobufDoesOrLeavesThem) {
  const google::protobuf::LogSilencer quiet;  // its invalid UTF-8 reports
  std::mt19937_64 random(20261205);
  const std::string request = ARequest(2).SerializeAsString();
  const std::string appended[] = {
      std::string("\x0a\x01x", 3),              // batch_id again
      std::string("\x1a\x07\x0a\x05job-1", 9),  // job-1's expected seq again
      std::string("\x20\x01", 2),               // field 4, unknown
      std::string("\x12\x00", 2),               // an empty event
  };
  int read = 0;
  int left = 0;
  for (int i = 0; i < 20'000; ++i) {
    std::string bytes = request;
    const size_t at = random() % (bytes.size() + 1);
    switch (i % 4) {
      case 0:
        if (at < bytes.size()) bytes[at] = static_cast<char>(random());
        break;
      case 1:
        bytes.insert(at, 1, static_cast<char>(random()));
        break;
      case 2:
        bytes.resize(at);
        break;
      default:
        bytes += appended[random() % std::size(appended)];
        break;
    }
    const std::optional<Reading> wire = WireReading(bytes);
    const std::optional<Reading> protobuf = ProtobufReading(bytes);
    if (wire.has_value()) {
      ++read;
      ASSERT_TRUE(protobuf.has_value()) << "case " << i;
      ExpectSameReading(*wire, *protobuf);
      if (HasFailure()) FAIL() << "case " << i;
    } else if (protobuf.has_value()) {
      ++left;
    }
  }
  EXPECT_GT(read, 1'000);
  EXPECT_GT(left, 1'000);
}

TEST(AppendRequest, RequestFromWireLeavesAJobIdTwiceToProtobuf) {
  const std::string bytes = ARequest(1).SerializeAsString() +
                            std::string("\x1a\x09\x0a\x05job-1\x10\x05", 11);
  EXPECT_EQ(RequestFromWire(bytes), std::nullopt);
  ASSERT_NE(ProtobufReading(bytes), std::nullopt);
  EXPECT_EQ(ProtobufReading(bytes)->batch.expected_job_seq.at("job-1"), 5u);
}

TEST(AppendRequest, RequestFromWireLeavesAnEventItDoesNotReadToProtobuf) {
  v1::AppendRequest request = ARequest(1);
  request.mutable_events(2)->set_event_id("caf\xc3\xa9");
  EXPECT_EQ(RequestFromWire(request.SerializeAsString()), std::nullopt);
  EXPECT_NE(ProtobufReading(request.SerializeAsString()), std::nullopt);
}

TEST(AppendRequest, BatchOverTheLimitIsResourceExhaustedEitherWay) {
  const std::string bytes = ARequest(1).SerializeAsString();
  std::optional<PlainRequest> plain = RequestFromWire(bytes);
  ASSERT_TRUE(plain.has_value());
  const int limit = kEventKindCount - 1;
  EXPECT_THAT(BatchOf(*std::move(plain), limit, {}),
              StatusIs(absl::StatusCode::kResourceExhausted));
  v1::AppendRequest request;
  ASSERT_TRUE(request.ParseFromString(bytes));
  EXPECT_THAT(BatchOf(request, limit, {}),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

}  // namespace
}  // namespace banen
