// banen-demo-data: writes the national demo data set (tools/demo_data.h) as
// NDJSON, one banen.v1.Event per line in recording order, ready for
// `banenctl import` into an empty ledger.
//
//   banen-demo-data [--seed=1] [--scale=0.25] [--first-seq=1] [--out=FILE]
//                   [--stats]
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "banen/v1/events.pb.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/codec.h"
#include "services/command_line.h"
#include "tools/demo_data.h"

ABSL_FLAG(uint64_t, seed, 1, "seed of the data set");
ABSL_FLAG(double, scale, banen::DemoDataOptions{}.markt_scale,
          "markt volume; 1 is the national size of DOMAIN.md §7 (the "
          "government sectors never scale)");
ABSL_FLAG(uint64_t, first_seq, 1,
          "the seq the first event will get: retractions name their targets "
          "by seq, so import into a log whose head is first_seq - 1");
ABSL_FLAG(std::string, out, "-", "output file; - for stdout");
ABSL_FLAG(bool, stats, false, "print event counts per kind to stderr");

namespace banen {
namespace {

absl::Status WriteDemoData() {
  DemoDataOptions options;
  options.seed = absl::GetFlag(FLAGS_seed);
  options.markt_scale = absl::GetFlag(FLAGS_scale);
  options.first_seq = absl::GetFlag(FLAGS_first_seq);
  const std::string path = absl::GetFlag(FLAGS_out);
  std::unique_ptr<FILE, int (*)(FILE*)> file(
      path == "-" ? stdout : std::fopen(path.c_str(), "w"),
      [](FILE* f) { return f == stdout ? std::fflush(f) : std::fclose(f); });
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path));
  }
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = true;
  v1::Event proto;
  std::string line;
  DemoDataCounts counts;
  const absl::Time start = absl::Now();
  absl::Status status = GenerateDemoData(
      options,
      [&](const DemoBatch& batch) -> absl::Status {
        for (const Event& event : batch.events) {
          proto.Clear();
          line.clear();
          EventToProto(event, &proto);
          if (!google::protobuf::util::MessageToJsonString(proto, &line, json)
                   .ok()) {
            return absl::InternalError("cannot print an event as JSON");
          }
          line.push_back('\n');
          if (std::fwrite(line.data(), 1, line.size(), file.get()) !=
              line.size()) {
            return absl::DataLossError(absl::StrCat("cannot write ", path));
          }
        }
        return absl::OkStatus();
      },
      &counts);
  if (!status.ok()) return status;
  if (absl::GetFlag(FLAGS_stats)) {
    std::fprintf(stderr, "%llu events in %llu batches in %s\n",
                 static_cast<unsigned long long>(counts.events),
                 static_cast<unsigned long long>(counts.batches),
                 absl::FormatDuration(absl::Now() - start).c_str());
    for (int kind = 0; kind < kEventKindCount; ++kind) {
      std::fprintf(
          stderr, "  %-22s %llu\n",
          std::string(EventKindName(static_cast<EventKind>(kind))).c_str(),
          static_cast<unsigned long long>(counts.events_by_kind[kind]));
    }
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace banen

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "writes the national demo data set as NDJSON (one banen.v1.Event per "
      "line)");
  banen::UnderscoreFlagNames(argc, argv);
  absl::ParseCommandLine(argc, argv);
  const absl::Status status = banen::WriteDemoData();
  if (!status.ok()) {
    std::fprintf(stderr, "banen-demo-data: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
