// `banenctl import` at the limit (issue 15): the national demo data set
// (banen-demo-data --scale=1, 1.09 M events) imported end to end into a
// durable banen-ledgerd from NDJSON and from CSV, next to the server's own
// ingest of the same events: the same batches, parsed before the clock
// starts and streamed in file order on one Append stream without waiting
// for acks. That is the bound an import in file order can reach.
//
//   import_bench [--scale=1] [--batch=1000] [--parse_threads=0] [--rounds=1]
//                [--dir=/tmp] [--keep_files]
//
// This process writes both files (NDJSON as banen-demo-data prints it, CSV
// with every column) and serves the ledger: fsync'ed appends into a fresh
// store for each run, the projection following. A client process (this
// binary again, --client_target) imports the file with ImportFiles, as
// banenctl does, or streams the prepared batches. Each line gives the
// client's CPU per event and the load average when the run began: on a
// shared machine a neighbour's load shows there.
#include <grpcpp/grpcpp.h>
#include <stdlib.h>
#include <sys/utsname.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "banen/v1/ledger.grpc.pb.h"
#include "bench/machine.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/codec.h"
#include "ledger/status_macros.h"
#include "services/ledger_server.h"
#include "tools/client.h"
#include "tools/demo_data.h"
#include "tools/event_file.h"
#include "tools/importer.h"

ABSL_FLAG(double, scale, 1.0, "banen-demo-data --scale: 1 is 1.09 M events");
ABSL_FLAG(int, batch, static_cast<int>(banen::ImportOptions().batch_size),
          "events per AppendRequest (banenctl import's default)");
ABSL_FLAG(int, parse_threads, 0, "the import's parsing threads; 0: per core");
ABSL_FLAG(int, rounds, 1, "how many times each run is repeated");
ABSL_FLAG(std::string, dir, "/tmp", "where the files and stores go");
ABSL_FLAG(bool, keep_files, false,
          "leave the NDJSON and CSV files in --dir, to import them otherwise");
ABSL_FLAG(std::string, client_target, "",
          "internal: run as the client process against this address");
ABSL_FLAG(std::string, client_file, "", "internal: the client's file");
ABSL_FLAG(bool, client_import, true,
          "internal: import the file (else stream its prepared batches)");

namespace banen::bench {
namespace {

// What a client process prints: events acknowledged, wall and CPU seconds.
struct Measurement {
  uint64_t events = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  double per_second() const { return events / seconds; }
};

absl::StatusOr<Measurement> Import(v1::LedgerService::Stub& stub,
                                   const std::string& path) {
  ImportOptions options;
  options.batch_size = absl::GetFlag(FLAGS_batch);
  options.parse_threads = absl::GetFlag(FLAGS_parse_threads);
  const auto start = std::chrono::steady_clock::now();
  const double cpu_before = CpuSeconds();
  ASSIGN_OR_RETURN(const ImportSummary summary,
                   ImportFiles(stub, {path}, options));
  const std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  if (summary.bad_lines != 0) {
    return absl::InternalError(
        absl::StrCat(summary.bad_lines, " bad lines in ", path));
  }
  return Measurement{summary.stored + summary.duplicates, elapsed.count(),
                     CpuSeconds() - cpu_before};
}

// The file's events in batches, prepared before the clock starts, written
// on one stream without waiting while this thread reads the acks.
absl::StatusOr<Measurement> StreamPrepared(v1::LedgerService::Stub& stub,
                                           const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<EventFileReader> reader,
                   EventFileReader::Open(path));
  std::vector<v1::AppendRequest> requests(1);
  Event event;
  LineError error;
  for (EventFileReader::Read read;
       (read = reader->Next(&event, &error)) != EventFileReader::Read::kEnd;) {
    if (read == EventFileReader::Read::kBadLine) {
      return absl::InternalError(error.ToString());
    }
    if (requests.back().events_size() == absl::GetFlag(FLAGS_batch)) {
      requests.emplace_back();
    }
    EventToProto(event, requests.back().add_events());
  }
  grpc::ClientContext context;
  const auto start = std::chrono::steady_clock::now();
  const double cpu_before = CpuSeconds();
  auto stream = stub.Append(&context);
  std::thread writer([&] {
    for (const v1::AppendRequest& request : requests) {
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  Measurement measurement;
  v1::AppendResponse response;
  while (stream->Read(&response)) {
    if (response.has_error()) {
      std::fprintf(stderr, "batch rejected: %s\n",
                   response.error().message().c_str());
    } else {
      measurement.events += response.seqs_size();
    }
  }
  writer.join();
  const grpc::Status status = stream->Finish();
  if (!status.ok()) return client::FromGrpc(status, "append");
  const std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  measurement.seconds = elapsed.count();
  measurement.cpu_seconds = CpuSeconds() - cpu_before;
  return measurement;
}

int RunClient(const std::string& target) {
  const std::unique_ptr<v1::LedgerService::Stub> stub =
      v1::LedgerService::NewStub(client::Connect(target));
  const std::string path = absl::GetFlag(FLAGS_client_file);
  const absl::StatusOr<Measurement> measurement =
      absl::GetFlag(FLAGS_client_import) ? Import(*stub, path)
                                         : StreamPrepared(*stub, path);
  if (!measurement.ok()) {
    std::fprintf(stderr, "%s\n", measurement.status().ToString().c_str());
    return 1;
  }
  std::printf("%" PRIu64 " %.6f %.6f\n", measurement->events,
              measurement->seconds, measurement->cpu_seconds);
  return 0;
}

// The demo data set as NDJSON (as banen-demo-data writes it) and as CSV;
// the number of events.
absl::StatusOr<uint64_t> WriteDemoFiles(const std::string& ndjson_path,
                                        const std::string& csv_path) {
  std::unique_ptr<FILE, int (*)(FILE*)> ndjson(
      std::fopen(ndjson_path.c_str(), "w"), &std::fclose);
  std::unique_ptr<FILE, int (*)(FILE*)> csv(std::fopen(csv_path.c_str(), "w"),
                                            &std::fclose);
  if (ndjson == nullptr || csv == nullptr) {
    return absl::NotFoundError("cannot write the demo files");
  }
  std::fprintf(csv.get(), "%s\n", CsvHeaderLine().c_str());
  DemoDataOptions options;
  options.markt_scale = absl::GetFlag(FLAGS_scale);
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = true;
  uint64_t events = 0;
  RETURN_IF_ERROR(GenerateDemoData(options, [&](const DemoBatch& batch) {
    for (const Event& event : batch.events) {
      v1::Event proto;
      EventToProto(event, &proto);
      std::string line;
      if (!google::protobuf::util::MessageToJsonString(proto, &line, json)
               .ok()) {
        return absl::InternalError("cannot print an event as JSON");
      }
      std::fprintf(ndjson.get(), "%s\n", line.c_str());
      std::fprintf(csv.get(), "%s\n", CsvLineOf(event).c_str());
      ++events;
    }
    return absl::OkStatus();
  }));
  return events;
}

// One run on a fresh durable store: the client process against it.
absl::StatusOr<Measurement> MeasureRun(const std::string& data_dir,
                                       const std::string& file, bool import) {
  LedgerServerOptions options;
  options.data_dir = data_dir;
  options.listen = "127.0.0.1:0";
  options.sync = true;
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerServer> ledger,
                   LedgerServer::Start(options));
  const std::string self = std::filesystem::read_symlink("/proc/self/exe");
  const std::string command = absl::StrCat(
      self, " --client_target=", ledger->address(), " --client_file=", file,
      " --client_import=", import ? "true" : "false",
      " --batch=", absl::GetFlag(FLAGS_batch),
      " --parse_threads=", absl::GetFlag(FLAGS_parse_threads));
  FILE* client = popen(command.c_str(), "r");
  Measurement measurement;
  const bool read =
      client != nullptr &&
      std::fscanf(client, "%" SCNu64 " %lf %lf", &measurement.events,
                  &measurement.seconds, &measurement.cpu_seconds) == 3;
  if (client != nullptr) pclose(client);
  ledger->Shutdown(absl::Seconds(5));
  ledger.reset();
  std::filesystem::remove_all(data_dir);
  if (!read)
    return absl::InternalError(absl::StrCat("client failed: ", command));
  return measurement;
}

std::string LoadAverage() {
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  return absl::StrFormat("%.2f %.2f %.2f", load[0], load[1], load[2]);
}

int RunBenchmark() {
  std::string dir = absl::GetFlag(FLAGS_dir) + "/import_bench_XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string ndjson = dir + "/demo.ndjson";
  const std::string csv = dir + "/demo.csv";
  const absl::StatusOr<uint64_t> events = WriteDemoFiles(ndjson, csv);
  if (!events.ok()) {
    std::fprintf(stderr, "%s\n", events.status().ToString().c_str());
    return 1;
  }
  utsname host;
  uname(&host);
  std::printf(
      "import_bench: the demo data set at --scale=%g, %" PRIu64
      " events (NDJSON %.0f MB, CSV %.0f MB), batches of %d, into a durable "
      "store; %s, %u cores, %s\n",
      absl::GetFlag(FLAGS_scale), *events,
      std::filesystem::file_size(ndjson) / 1e6,
      std::filesystem::file_size(csv) / 1e6, absl::GetFlag(FLAGS_batch),
      CpuModel().c_str(), std::thread::hardware_concurrency(), host.release);
  struct Run {
    const char* label;
    std::string file;
    bool import;
  };
  const Run runs[] = {
      {"server ingest, prepared batches", ndjson, false},
      {"banenctl import NDJSON", ndjson, true},
      {"banenctl import CSV", csv, true},
  };
  bool complete = true;
  for (int round = 0; round < absl::GetFlag(FLAGS_rounds); ++round) {
    double bound = 0;
    for (const Run& run : runs) {
      const std::string load = LoadAverage();
      const absl::StatusOr<Measurement> measured =
          MeasureRun(dir + "/ledger", run.file, run.import);
      if (!measured.ok()) {
        std::fprintf(stderr, "%s\n", measured.status().ToString().c_str());
        return 1;
      }
      if (!run.import) bound = measured->per_second();
      complete = complete && measured->events == *events;
      std::printf(
          "%-32s %8.3f s %9.0f events/s  %.2f x server  client CPU %5.2f "
          "us/event  load %s\n",
          run.label, measured->seconds, measured->per_second(),
          measured->per_second() / bound,
          measured->cpu_seconds * 1e6 / measured->events, load.c_str());
    }
  }
  if (absl::GetFlag(FLAGS_keep_files)) {
    std::printf("files kept: %s %s\n", ndjson.c_str(), csv.c_str());
  } else {
    std::filesystem::remove_all(dir);
  }
  return complete ? 0 : 1;
}

}  // namespace
}  // namespace banen::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string target = absl::GetFlag(FLAGS_client_target);
  return target.empty() ? banen::bench::RunBenchmark()
                        : banen::bench::RunClient(target);
}
