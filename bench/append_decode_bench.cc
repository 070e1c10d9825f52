// What the server spends decoding an append stream's requests (issue 15):
// an AppendRequest of --batch synthetic events, serialized as a client
// sends it, decoded by protobuf's parser (into an arena, as the stream did)
// and converted by BatchOf, against RequestFromWire reading the same bytes
// straight into the ledger's events.
//
//   append_decode_bench [--batch=1000] [--batches=200] [--rounds=5]
//
// Each round decodes every batch both ways, one way after the other, on one
// thread; the CPU time an event of each way's best round is printed, and
// the ratio. Both decodings are checked to give the same batches first.
#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "banen/v1/ledger.pb.h"
#include "bench/machine.h"
#include "bench/synthetic_events.h"
#include "google/protobuf/arena.h"
#include "ledger/codec.h"
#include "services/append_request.h"

ABSL_FLAG(int, batch, 1000, "events per request");
ABSL_FLAG(int, batches, 200, "requests");
ABSL_FLAG(int, rounds, 5, "rounds of both decodings");

namespace banen::bench {
namespace {

constexpr int kMaxBatchEvents = 1'000'000;

std::vector<std::string> SerializedRequests(int batches, int batch) {
  SyntheticEvents events(/*seed=*/15);
  std::vector<std::string> requests;
  for (int b = 0; b < batches; ++b) {
    v1::AppendRequest request;
    request.set_batch_id("batch-" + std::to_string(b));
    for (const Event& event : events.Next(batch)) {
      EventToProto(event, request.add_events());
    }
    requests.push_back(request.SerializeAsString());
  }
  return requests;
}

absl::StatusOr<AppendBatch> ByProtobuf(const std::string& bytes,
                                       google::protobuf::Arena& arena) {
  arena.Reset();
  auto* request =
      google::protobuf::Arena::CreateMessage<v1::AppendRequest>(&arena);
  if (!request->ParseFromString(bytes)) {
    return absl::InvalidArgumentError("unparsable");
  }
  return BatchOf(*request, kMaxBatchEvents, {});
}

absl::StatusOr<AppendBatch> ByWire(const std::string& bytes) {
  std::optional<PlainRequest> plain = RequestFromWire(bytes);
  if (!plain.has_value()) return absl::InvalidArgumentError("not plain");
  return BatchOf(*std::move(plain), kMaxBatchEvents, {});
}

int Run() {
  const int batch = absl::GetFlag(FLAGS_batch);
  const std::vector<std::string> requests =
      SerializedRequests(absl::GetFlag(FLAGS_batches), batch);
  const double events = static_cast<double>(requests.size()) * batch;
  std::printf("append_decode_bench on %s, %zu requests of %d events\n",
              CpuModel().c_str(), requests.size(), batch);
  google::protobuf::Arena arena;
  for (const std::string& bytes : requests) {
    const absl::StatusOr<AppendBatch> expected = ByProtobuf(bytes, arena);
    const absl::StatusOr<AppendBatch> read = ByWire(bytes);
    if (!expected.ok() || !read.ok() || read->events != expected->events) {
      std::fprintf(stderr, "the decodings differ\n");
      return 1;
    }
  }
  size_t kept = 0;  // so that nothing is optimised away
  const BestSeconds best = TimeInTurns(
      absl::GetFlag(FLAGS_rounds),
      [&] {
        for (const std::string& bytes : requests) {
          kept += ByProtobuf(bytes, arena)->events.size();
        }
      },
      [&] {
        for (const std::string& bytes : requests) {
          kept += ByWire(bytes)->events.size();
        }
      },
      [events](int round, double protobuf, double wire) {
        std::printf(
            "round %d: protobuf + BatchOf %.0f ns/event, RequestFromWire "
            "%.0f ns/event\n",
            round, 1e9 * protobuf / events, 1e9 * wire / events);
      });
  std::printf(
      "best: protobuf + BatchOf %.0f ns/event, RequestFromWire %.0f "
      "ns/event, %.2f x (%zu events decoded)\n",
      1e9 * best.first / events, 1e9 * best.second / events,
      best.second / best.first, kept);
  return 0;
}

}  // namespace
}  // namespace banen::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return banen::bench::Run();
}
