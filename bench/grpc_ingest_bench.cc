// End-to-end durable ingest over gRPC: a client process on the same machine
// streams batches to banen-ledgerd's LedgerService.Append, next to a bare
// gRPC echo of the same messages measured in the same run, as a ratio.
//
//   grpc_ingest_bench [--events=400000] [--batch=1000] [--streams=4]
//                     [--dir=/tmp] [--sync=true] [--tls]
//                     [--metrics_rounds=N] [--follower]
//                     [--prefill=N | --store=PATH] [--store_rounds=N]
//
// Every run also prints the serial bound of issue 15, 1 / (1 / raw + 1 /
// echo), and the ledger's rate against it: raw is the same events' keys and
// values as the ledger encodes them, written straight into one RocksDB
// (the ledger's options, in a fresh directory) by --streams threads, each
// its stream's batches in order with WriteOptions.sync = --sync, RocksDB
// grouping the concurrent writers' commits; the better of RocksDB's default
// and pipelined write paths, each the best of two rounds. echo is the bare
// gRPC echo below.
//
// --prefill=N measures the ledger a second time, at a store that already
// holds N events (the synthetic stream's first N, so that the measured
// events are new to it), next to the empty store, as a ratio. A child
// process fills the store through a LedgerServer of its own, unsynced,
// with the projection following and checkpointing as in service; that is
// not timed. The server is then started on it in this process (its start
// is timed, its RSS read before and after) and ingests as above.
// --store=PATH does the same at an existing store, which keeps the events
// (bench/scale_run.sh: the ingest rate at the end of the scale run); its
// events must not be the synthetic stream's (the demo data set's are not).
// --store_rounds=N measures both N times, alternating (the server restarted
// on the store each round, which takes the stream's next events), and
// prints the median ratio.
//
// --tls measures the ledger a second time, on a fresh store, as it is served
// off loopback: with TLS (a CA and server certificate made with openssl in
// the temporary directory; the client trusts the CA) and an auth config
// naming an admin principal by the digest of a fresh token, which the client
// sends with every call; it prints that run against the open plaintext one
// as a ratio.
//
// --metrics_rounds=N measures the ledger 2N more times, each on a fresh
// store, alternating without and with the metrics endpoint (--metrics-listen)
// while a thread of this process scrapes it every second, and prints each
// round's ratio with / without and their median: alternating keeps a
// neighbour's load on a shared machine from landing on one side only.
//
// --follower measures the ledger once more, on a fresh store, with a read
// replica (banen-ledgerd --follow, in this process, on its own store) that
// follows it: a thread samples both heads every 5 ms during the ingest and
// prints how many events the follower was behind (p50, p99, max), and how
// long after the last ack it had them all.
//
// This process serves both: the real LedgerServer (fsync'ed appends into a
// fresh store, the projection following) and, on a second port, an echo
// LedgerService whose Append answers each request with a response of the
// same shape without touching a ledger. It then runs itself again as the
// client process (--client_target), once per server. The client prepares
// every request before the clock starts, writes each stream's batches
// without waiting for acks, and stops the clock at the last ack; the events
// of one hire stay on one stream, so streams never depend on each other.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "banen/v1/ledger.grpc.pb.h"
#include "bench/machine.h"
#include "bench/synthetic_events.h"
#include "ledger/codec.h"
#include "ledger/internal/storage_format.h"
#include "ledger/status_macros.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "services/auth_config.h"
#include "services/command_line.h"
#include "services/ledger_server.h"
#include "tests/services/test_certs.h"
#include "tools/client.h"

ABSL_FLAG(int64_t, events, 400000, "events ingested per server");
ABSL_FLAG(int, batch, 1000, "events per AppendRequest");
ABSL_FLAG(int, streams, 4, "concurrent Append streams of the client");
ABSL_FLAG(std::string, dir, "/tmp", "where the temporary store goes");
ABSL_FLAG(bool, sync, true, "fsync before acknowledging a batch");
ABSL_FLAG(bool, tls, false,
          "also measure the ledger served with TLS and a bearer token, next to "
          "plaintext in the open mode");
ABSL_FLAG(int, metrics_rounds, 0,
          "also measure this many rounds without and with the metrics "
          "endpoint, scraped every second");
ABSL_FLAG(bool, follower, false,
          "also measure the ledger with a read replica following it: how "
          "far behind the primary's head it is during the ingest");
ABSL_FLAG(int64_t, prefill, 0,
          "also measure the ingest at a store already holding this many "
          "events, next to the empty store");
ABSL_FLAG(std::string, store, "",
          "also measure the ingest at this existing store, which keeps the "
          "events");
ABSL_FLAG(int, store_rounds, 1,
          "with --prefill or --store: measure the ingest at the store and at "
          "an empty one this many times, alternating, and print the median "
          "ratio");
ABSL_FLAG(std::string, prefill_into, "",
          "internal: run as the process that prefills this store with "
          "--prefill events");
ABSL_FLAG(int64_t, client_skip, 0,
          "internal: the client process starts this far into the synthetic "
          "stream, past its employers (prefilled)");
ABSL_FLAG(std::string, client_target, "",
          "internal: run as the client process against this address");
ABSL_FLAG(std::string, client_tls_ca, "",
          "internal: the client process connects with TLS, trusting this CA "
          "(PEM file)");
ABSL_FLAG(std::string, client_token, "",
          "internal: the client process sends this bearer token (the run's "
          "throw-away token)");

namespace banen::bench {
namespace {

using Requests = std::vector<v1::AppendRequest>;

constexpr int kEmployers = 500;

// The synthetic stream as the ledger run sends it: the employers (stored
// before the clock starts), then each stream's batches of events; a hire's
// four events go to one stream, in order. `skip` events past the employers
// are left out, and the employers too, as a prefilled store has them; a
// multiple of 4, so that the first event sent starts a hire.
struct Workload {
  std::vector<Event> employers;
  std::vector<std::vector<std::vector<Event>>> per_stream;
};

Workload MakeWorkload(int64_t events, int batch, int streams, int64_t skip) {
  SyntheticEvents synthetic(42, kEmployers);
  Workload workload;
  workload.employers = synthetic.Next(kEmployers);
  if (skip > 0) workload.employers.clear();
  // In slices, so that skipping 10 M events does not hold them all.
  for (int64_t skipped = 0; skipped < skip;) {
    const int64_t count = std::min<int64_t>(100'000, skip - skipped);
    synthetic.Next(count);
    skipped += count;
  }
  workload.per_stream.resize(streams);
  for (int64_t hire = 0; hire * 4 < events; ++hire) {
    std::vector<std::vector<Event>>& batches =
        workload.per_stream[hire % streams];
    for (Event& event : synthetic.Next(4)) {
      if (batches.empty() ||
          batches.back().size() == static_cast<size_t>(batch)) {
        batches.emplace_back();
      }
      batches.back().push_back(std::move(event));
    }
  }
  return workload;
}

v1::AppendRequest RequestOf(const std::string& batch_id,
                            const std::vector<Event>& events) {
  v1::AppendRequest request;
  request.set_batch_id(batch_id);
  for (const Event& event : events) EventToProto(event, request.add_events());
  return request;
}

// Writes every request of one stream without waiting, while another thread
// reads the acks; returns the events acknowledged without error.
int64_t StreamAll(v1::LedgerService::Stub& stub, const Requests& requests) {
  grpc::ClientContext context;
  auto stream = stub.Append(&context);
  std::thread writer([&] {
    for (const v1::AppendRequest& request : requests) {
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  int64_t acknowledged = 0;
  v1::AppendResponse response;
  while (stream->Read(&response)) {
    if (response.has_error()) {
      std::fprintf(stderr, "batch %s rejected: %s\n",
                   response.batch_id().c_str(),
                   response.error().message().c_str());
    } else {
      acknowledged += response.seqs_size();
    }
  }
  writer.join();
  const grpc::Status status = stream->Finish();
  if (!status.ok()) {
    std::fprintf(stderr, "stream failed: %s\n", status.error_message().c_str());
  }
  return acknowledged;
}

// The client process: prints "<events acknowledged> <seconds>".
int RunClient(const std::string& target) {
  const Workload workload = MakeWorkload(
      absl::GetFlag(FLAGS_events), absl::GetFlag(FLAGS_batch),
      absl::GetFlag(FLAGS_streams), absl::GetFlag(FLAGS_client_skip));
  std::vector<Requests> per_stream(workload.per_stream.size());
  for (size_t stream = 0; stream < per_stream.size(); ++stream) {
    for (const std::vector<Event>& batch : workload.per_stream[stream]) {
      per_stream[stream].push_back(RequestOf(
          absl::StrCat("s", stream, "-b", per_stream[stream].size()), batch));
    }
  }
  client::ConnectOptions options;
  options.token = absl::GetFlag(FLAGS_client_token);
  if (const std::string ca = absl::GetFlag(FLAGS_client_tls_ca); !ca.empty()) {
    absl::StatusOr<std::string> pem = ReadFileNamedByFlag("client_tls_ca", ca);
    if (!pem.ok()) {
      std::fprintf(stderr, "%s\n", pem.status().ToString().c_str());
      return 1;
    }
    options.tls_ca_pem = *std::move(pem);
  }
  // One connection per stream, as separate writers would have.
  std::vector<std::unique_ptr<v1::LedgerService::Stub>> stubs;
  for (size_t i = 0; i < per_stream.size(); ++i) {
    options.arguments.SetInt("banen.bench.stream", static_cast<int>(i));
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        client::Connect(target, options);
    if (!channel.ok()) {
      std::fprintf(stderr, "%s\n", channel.status().ToString().c_str());
      return 1;
    }
    stubs.push_back(v1::LedgerService::NewStub(*channel));
  }
  if (!workload.employers.empty()) {
    grpc::ClientContext context;
    v1::AppendResponse response;
    const grpc::Status status = stubs[0]->AppendBatch(
        &context, RequestOf("employers", workload.employers), &response);
    if (!status.ok()) {
      std::fprintf(stderr, "employers rejected: %s\n",
                   status.error_message().c_str());
      return 1;
    }
  }

  std::vector<int64_t> acknowledged(per_stream.size());
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> streams;
  for (size_t i = 0; i < per_stream.size(); ++i) {
    streams.emplace_back(
        [&, i] { acknowledged[i] = StreamAll(*stubs[i], per_stream[i]); });
  }
  for (std::thread& stream : streams) stream.join();
  const std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  int64_t total = 0;
  for (const int64_t events : acknowledged) total += events;
  std::printf("%" PRId64 " %.6f\n", total, elapsed.count());
  return 0;
}

// Append answered at once with a response of the ledger's shape: what gRPC
// alone costs for the same messages.
class EchoAppendReactor final
    : public grpc::ServerBidiReactor<v1::AppendRequest, v1::AppendResponse> {
 public:
  EchoAppendReactor() { StartRead(&request_); }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    response_.Clear();
    response_.set_batch_id(request_.batch_id());
    for (int i = 0; i < request_.events_size(); ++i) {
      response_.add_seqs(++next_seq_);
      response_.add_duplicate(false);
    }
    response_.set_first_seq(next_seq_ - request_.events_size() + 1);
    response_.set_last_seq(next_seq_);
    StartWrite(&response_);
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    StartRead(&request_);
  }
  void OnDone() override { delete this; }

 private:
  v1::AppendRequest request_;
  v1::AppendResponse response_;
  uint64_t next_seq_ = 0;
};

class EchoLedgerService final : public v1::LedgerService::CallbackService {
 public:
  grpc::ServerBidiReactor<v1::AppendRequest, v1::AppendResponse>* Append(
      grpc::CallbackServerContext* /*context*/) override {
    return new EchoAppendReactor();
  }
  grpc::ServerUnaryReactor* AppendBatch(
      grpc::CallbackServerContext* context,
      const v1::AppendRequest* /*request*/,
      v1::AppendResponse* /*response*/) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

struct Measurement {
  int64_t events = 0;
  double seconds = 0;
  double per_second() const { return events / seconds; }
};

// Runs this binary again with `arguments`; it prints "<events> <seconds>".
Measurement RunSelf(const std::string& arguments) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe");
  const std::string command = absl::StrCat(self, " ", arguments);
  FILE* child = popen(command.c_str(), "r");
  Measurement measurement;
  if (child == nullptr ||
      std::fscanf(child, "%" SCNd64 " %lf", &measurement.events,
                  &measurement.seconds) != 2) {
    std::fprintf(stderr, "child process failed: %s\n", command.c_str());
  }
  if (child != nullptr) pclose(child);
  return measurement;
}

// Runs this binary as the client process against `target`, with TLS when
// `tls_ca` (a PEM file) is given, sending `token` when it is not empty,
// starting `skip` events into the synthetic stream.
Measurement MeasureFromClientProcess(const std::string& target,
                                     const std::string& tls_ca = "",
                                     const std::string& token = "",
                                     int64_t skip = 0) {
  return RunSelf(absl::StrCat(
      "--client_target=", target, " --events=", absl::GetFlag(FLAGS_events),
      " --batch=", absl::GetFlag(FLAGS_batch),
      " --streams=", absl::GetFlag(FLAGS_streams), " --client_skip=", skip,
      " --client_tls_ca='", tls_ca, "' --client_token='", token, "'"));
}

// The prefilling process: a LedgerServer of its own on `dir`, unsynced, its
// projection following and checkpointing as in service; the employers and
// the first --prefill events of the synthetic stream appended to its log in
// batches of 10,000. Prints "<events> <seconds>" once the projection has
// folded them all and the server is shut down.
int RunPrefill(const std::string& dir) {
  LedgerServerOptions options;
  options.data_dir = dir;
  options.listen = "127.0.0.1:0";
  options.sync = false;
  absl::StatusOr<std::unique_ptr<LedgerServer>> ledger =
      LedgerServer::Start(options);
  if (!ledger.ok()) {
    std::fprintf(stderr, "%s\n", ledger.status().ToString().c_str());
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  SyntheticEvents synthetic(42, kEmployers);
  const int64_t total = kEmployers + absl::GetFlag(FLAGS_prefill);
  for (int64_t done = 0; done < total;) {
    const int64_t count = std::min<int64_t>(10'000, total - done);
    const absl::StatusOr<AppendResult> appended =
        (*ledger)->log().Append(AppendBatch{.events = synthetic.Next(count),
                                            .expected_job_seq = {},
                                            .authority = {}});
    if (!appended.ok()) {
      std::fprintf(stderr, "prefill: %s\n",
                   appended.status().ToString().c_str());
      return 1;
    }
    done += count;
  }
  const uint64_t head = (*ledger)->log().GetHead().seq;
  if (const absl::Status caught_up = (*ledger)->projector().WaitUntilCaughtUp(
          head, absl::InfiniteFuture());
      !caught_up.ok()) {
    std::fprintf(stderr, "prefill: %s\n", caught_up.ToString().c_str());
    return 1;
  }
  if (const absl::Status flushed = (*ledger)->projector().FlushCheckpoints();
      !flushed.ok()) {
    std::fprintf(stderr, "prefill: %s\n", flushed.ToString().c_str());
    return 1;
  }
  (*ledger)->Shutdown(absl::Seconds(5));
  const std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  std::printf("%" PRIu64 " %.6f\n", head, elapsed.count());
  return 0;
}

// The workload's events as the ledger stores them (key, and value with the
// chain hashes), their seqs in the order of the streams' batches taken in
// turn: the employers' write, then per writer thread one WriteBatch a
// batch.
struct RawWrites {
  rocksdb::WriteBatch employers;
  std::vector<std::vector<rocksdb::WriteBatch>> per_thread;
};

RawWrites EncodeAsTheLedger(const Workload& workload) {
  RawWrites writes;
  uint64_t seq = 0;
  Hash prev{};
  std::string value;
  const auto put = [&](const Event& event, rocksdb::WriteBatch& write) {
    ++seq;
    prev =
        storage::EncodeChainedEvent(prev, seq, absl::Now(), event, "", value);
    write.Put(storage::EventKey(seq), value);
  };
  for (const Event& event : workload.employers) put(event, writes.employers);
  const size_t streams = workload.per_stream.size();
  writes.per_thread.resize(streams);
  size_t most = 0;
  for (const auto& batches : workload.per_stream) {
    most = std::max(most, batches.size());
  }
  for (size_t i = 0; i < most; ++i) {
    for (size_t stream = 0; stream < streams; ++stream) {
      if (i >= workload.per_stream[stream].size()) continue;
      rocksdb::WriteBatch& write = writes.per_thread[stream].emplace_back();
      for (const Event& event : workload.per_stream[stream][i]) {
        put(event, write);
      }
    }
  }
  return writes;
}

// `writes` into one RocksDB with the ledger's options in a fresh `dir`: the
// employers, then on the clock one thread per stream writing its batches in
// order, each write synced (--sync) and RocksDB grouping the commits of the
// threads that write at once. `pipelined`: RocksDB's pipelined write path,
// which the ledger does not use, writes one group's WAL while the previous
// group fills the memtable.
absl::StatusOr<Measurement> MeasureRaw(const std::string& dir,
                                       const RawWrites& writes,
                                       bool pipelined) {
  rocksdb::Options db_options = storage::StoreOptions();
  db_options.enable_pipelined_write = pipelined;
  rocksdb::DB* opened = nullptr;
  if (const rocksdb::Status status =
          rocksdb::DB::Open(db_options, dir, &opened);
      !status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("raw RocksDB at ", dir, ": ", status.ToString()));
  }
  const std::unique_ptr<rocksdb::DB> db(opened);
  rocksdb::WriteOptions options;
  options.sync = absl::GetFlag(FLAGS_sync);
  // DB::Write takes its batch mutable: copies, made before the clock starts.
  rocksdb::WriteBatch employers = writes.employers;
  std::vector<std::vector<rocksdb::WriteBatch>> per_thread = writes.per_thread;
  if (employers.Count() > 0) db->Write(options, &employers);
  std::atomic<int64_t> events = 0;
  std::atomic<bool> failed = false;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  threads.reserve(per_thread.size());
  for (std::vector<rocksdb::WriteBatch>& batches : per_thread) {
    threads.emplace_back([&] {
      for (rocksdb::WriteBatch& batch : batches) {
        if (!db->Write(options, &batch).ok()) {
          failed = true;
          return;
        }
        events += batch.Count();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  if (failed) return absl::UnavailableError("raw RocksDB write failed");
  return Measurement{.events = events.load(), .seconds = elapsed.count()};
}

void PrintMeasurement(const char* label, const Measurement& measurement) {
  std::printf("%-34s %10" PRId64 " events %8.3f s %12.0f events/s\n", label,
              measurement.events, measurement.seconds,
              measurement.per_second());
}

struct LedgerRun {
  // The events in the store when the server started, how long its start
  // took, and this process's RSS before the start, after it and after the
  // ingest.
  uint64_t stored_before = 0;
  double start_seconds = 0;
  long rss_before_mb = 0;
  long rss_after_start_mb = 0;
  StorageStats storage_after_start;
  long rss_after_ingest_mb = 0;
  Measurement ingest;
  absl::Duration projection_lag;
  absl::Status caught_up;
  // With a follower: its lag behind the primary's head, in events, sampled
  // every 5 ms during the ingest, sorted; and when it had the last event.
  std::vector<uint64_t> follower_lag;
  absl::Duration follower_catch_up;
};

// A read replica of `primary`, on a fresh store at `data_dir`, that stores
// as the primary does (sync or not).
absl::StatusOr<std::unique_ptr<LedgerServer>> StartFollower(
    const std::string& data_dir, const LedgerServer& primary) {
  LedgerServerOptions options;
  options.data_dir = data_dir;
  options.listen = "127.0.0.1:0";
  options.sync = absl::GetFlag(FLAGS_sync);
  options.follow.primary = primary.address();
  return LedgerServer::Start(options);
}

// One GET /metrics on loopback `port`, the response read to its end and
// dropped: the load a Prometheus scrape puts on the server.
void Scrape(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address),
              sizeof address) == 0) {
    static constexpr char kRequest[] =
        "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, kRequest, sizeof kRequest - 1) > 0) {
      char buffer[16384];
      while (read(fd, buffer, sizeof buffer) > 0) {
      }
    }
  }
  close(fd);
}

// How the client reaches the ledger: the server's transport and auth config
// (a file; empty: the open mode), the CA the client trusts (a PEM file;
// empty: plaintext) and the token it sends.
struct Access {
  TransportOptions transport;
  std::string auth_config;
  std::string tls_ca;
  std::string token;
};

// The ledger on the store at `data_dir` (fresh unless prefilled), reached
// through `access` by a client process that starts `skip` events into the
// synthetic stream; then how far the projection, which follows the log on
// its own thread, was behind the last ack. The server's error when it does
// not start.
absl::StatusOr<LedgerRun> MeasureLedger(const std::string& data_dir,
                                        const Access& access,
                                        bool metrics = false,
                                        bool follower = false,
                                        int64_t skip = 0) {
  LedgerServerOptions options;
  if (metrics) options.metrics_listen = "127.0.0.1:0";
  options.data_dir = data_dir;
  options.listen = "127.0.0.1:0";
  options.sync = absl::GetFlag(FLAGS_sync);
  options.transport = access.transport;
  options.auth_config = access.auth_config;
  LedgerRun run;
  run.rss_before_mb = ResidentMegabytes();
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerServer> ledger,
                   LedgerServer::Start(options));
  run.start_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  run.rss_after_start_mb = ResidentMegabytes();
  run.storage_after_start = ledger->log().GetStorageStats();
  run.stored_before = ledger->log().GetHead().seq;
  std::atomic<bool> ingesting = true;
  std::thread scraper;
  if (metrics) {
    scraper = std::thread([port = ledger->metrics_port(), &ingesting] {
      while (ingesting) {
        Scrape(port);
        absl::SleepFor(absl::Seconds(1));
      }
    });
  }
  std::unique_ptr<LedgerServer> replica;
  std::thread sampler;
  if (follower) {
    ASSIGN_OR_RETURN(replica, StartFollower(data_dir + "-follower", *ledger));
    sampler = std::thread([&] {
      while (ingesting) {
        const uint64_t primary_seq = ledger->log().GetHead().seq;
        const uint64_t replica_seq = replica->log().GetHead().seq;
        run.follower_lag.push_back(
            primary_seq > replica_seq ? primary_seq - replica_seq : 0);
        absl::SleepFor(absl::Milliseconds(5));
      }
    });
  }
  run.ingest = MeasureFromClientProcess(ledger->address(), access.tls_ca,
                                        access.token, skip);
  run.rss_after_ingest_mb = ResidentMegabytes();
  ingesting = false;
  if (scraper.joinable()) scraper.join();
  const absl::Time acked = absl::Now();
  if (sampler.joinable()) {
    sampler.join();
    const uint64_t head = ledger->log().GetHead().seq;
    while (replica->log().GetHead().seq < head &&
           replica->follower()->status().ok()) {
      replica->log().WaitForHeadAfter(head - 1, absl::Seconds(1));
    }
    run.follower_catch_up = absl::Now() - acked;
    std::sort(run.follower_lag.begin(), run.follower_lag.end());
    replica->Shutdown(absl::Seconds(5));
  }
  run.caught_up = ledger->projector().WaitUntilCaughtUp(
      ledger->log().GetHead().seq, absl::InfiniteFuture());
  run.projection_lag = absl::Now() - acked;
  ledger->Shutdown(absl::Seconds(5));
  return run;
}

// One round of two runs measured alike: prints their rates and b / a,
// which it adds to `ratios`. `complete` stays true while both ingested
// every event.
void RecordRound(int round, const char* a_name, const LedgerRun& a,
                 const char* b_name, const LedgerRun& b,
                 std::vector<double>& ratios, bool& complete) {
  ratios.push_back(b.ingest.per_second() / a.ingest.per_second());
  std::printf("round %d: %s %.0f, %s %.0f events/s, ratio %.3f\n", round,
              a_name, a.ingest.per_second(), b_name, b.ingest.per_second(),
              ratios.back());
  const int64_t events = absl::GetFlag(FLAGS_events);
  complete = complete && a.ingest.events == events && b.ingest.events == events;
}

// The median of `ratios`, which it sorts.
double Median(std::vector<double>& ratios) {
  std::sort(ratios.begin(), ratios.end());
  return ratios[ratios.size() / 2];
}

void PrintProjectionLag(const LedgerRun& run) {
  std::printf("projection caught up %.3f s after the last ack (%s)\n",
              absl::ToDoubleSeconds(run.projection_lag),
              run.caught_up.ok() ? "ok" : run.caught_up.ToString().c_str());
}

int RunBenchmark() {
  // A mistyped path would be a new, empty store, measured as one "at the
  // store" and left behind.
  if (const std::string store = absl::GetFlag(FLAGS_store);
      !store.empty() && !std::filesystem::exists(store + "/CURRENT")) {
    std::fprintf(stderr, "--store=%s: not a ledger store\n", store.c_str());
    return 2;
  }
  char pattern[] = "/grpc_ingest_bench_XXXXXX";
  std::string dir = absl::GetFlag(FLAGS_dir) + pattern;
  if (mkdtemp(dir.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  // Removed on every way out: a run that stops early (a server that would
  // not start or aborted) left its stores of gigabytes behind.
  const absl::Cleanup remove_dir = [&dir] { std::filesystem::remove_all(dir); };

  EchoLedgerService echo;
  grpc::ServerBuilder builder;
  int echo_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &echo_port);
  builder.RegisterService(&echo);
  std::unique_ptr<grpc::Server> echo_server = builder.BuildAndStart();
  if (echo_server == nullptr) {
    std::fprintf(stderr, "cannot start the echo server\n");
    return 1;
  }

  utsname host;
  uname(&host);
  std::printf("grpc_ingest_bench: %" PRId64
              " events in batches of %d over %d streams from a client process; "
              "%s, %u cores, %s; sync=%s\n",
              absl::GetFlag(FLAGS_events), absl::GetFlag(FLAGS_batch),
              absl::GetFlag(FLAGS_streams), CpuModel().c_str(),
              std::thread::hardware_concurrency(), host.release,
              absl::GetFlag(FLAGS_sync) ? "true" : "false");
  // First, while this process holds nothing else, the ledger at a store
  // that holds events already: its RSS is the server's.
  const int64_t prefill = (absl::GetFlag(FLAGS_prefill) + 3) / 4 * 4;
  std::string full_store = absl::GetFlag(FLAGS_store);
  if (full_store.empty() && prefill > 0) {
    full_store = dir + "/ledger-prefilled";
    const Measurement filled = RunSelf(
        absl::StrCat("--prefill_into=", full_store, " --prefill=", prefill));
    if (filled.events != kEmployers + prefill) return 1;
    std::printf(
        "prefill (untimed): %" PRId64
        " events through a server in a child process, unsynced, projection "
        "following, %.1f s\n",
        filled.events, filled.seconds);
  }
  std::optional<LedgerRun> at_full_store;
  if (!full_store.empty()) {
    absl::StatusOr<LedgerRun> run =
        MeasureLedger(full_store, Access(), false, false,
                      absl::GetFlag(FLAGS_store).empty() ? prefill : 0);
    if (!run.ok()) {
      std::fprintf(stderr, "%s\n", run.status().ToString().c_str());
      return 1;
    }
    at_full_store = *std::move(run);
  }

  const Measurement bare =
      MeasureFromClientProcess(absl::StrCat("127.0.0.1:", echo_port));
  echo_server->Shutdown();
  PrintMeasurement("bare gRPC echo (baseline)", bare);
  // The best raw number of both write paths, each the best of two rounds.
  Measurement raw;
  {
    const RawWrites writes = EncodeAsTheLedger(
        MakeWorkload(absl::GetFlag(FLAGS_events), absl::GetFlag(FLAGS_batch),
                     absl::GetFlag(FLAGS_streams), 0));
    for (const bool pipelined : {false, true}) {
      Measurement best;
      for (int round = 0; round < 2; ++round) {
        const absl::StatusOr<Measurement> measured =
            MeasureRaw(absl::StrCat(dir, "/raw-", pipelined, "-", round),
                       writes, pipelined);
        if (!measured.ok()) {
          std::fprintf(stderr, "%s\n", measured.status().ToString().c_str());
          return 1;
        }
        if (round == 0 || measured->per_second() > best.per_second()) {
          best = *measured;
        }
      }
      PrintMeasurement(
          absl::StrCat("raw RocksDB, ", absl::GetFlag(FLAGS_streams),
                       pipelined ? " writers, pipelined" : " writers")
              .c_str(),
          best);
      if (!pipelined || best.per_second() > raw.per_second()) raw = best;
    }
  }
  const double bound = 1 / (1 / raw.per_second() + 1 / bare.per_second());
  std::printf("%-34s %48.0f events/s\n", "serial bound 1/(1/raw + 1/echo)",
              bound);
  const absl::StatusOr<LedgerRun> plaintext =
      MeasureLedger(dir + "/ledger", Access());
  if (!plaintext.ok()) {
    std::fprintf(stderr, "%s\n", plaintext.status().ToString().c_str());
    return 1;
  }
  PrintMeasurement("banen-ledgerd durable Append", plaintext->ingest);
  std::printf("ratio ledger / echo: %.2f\n",
              plaintext->ingest.per_second() / bare.per_second());
  std::printf("ratio ledger / bound: %.2f (issue 15: >= 0.8)\n",
              plaintext->ingest.per_second() / bound);
  PrintProjectionLag(*plaintext);
  bool complete = plaintext->ingest.events == absl::GetFlag(FLAGS_events);

  if (at_full_store.has_value()) {
    std::printf(
        "store of %" PRIu64
        " events: server start %.2f s; RSS %ld MB before the start, %ld MB "
        "after it, %ld MB after the ingest\n",
        at_full_store->stored_before, at_full_store->start_seconds,
        at_full_store->rss_before_mb, at_full_store->rss_after_start_mb,
        at_full_store->rss_after_ingest_mb);
    std::printf("  after the start, %s\n",
                RocksDbMemory(at_full_store->storage_after_start).c_str());
    PrintMeasurement(
        absl::StrCat("Append at ", at_full_store->stored_before, " events")
            .c_str(),
        at_full_store->ingest);
    std::printf(
        "ratio at %" PRIu64 " events / empty store: %.2f (issue 15: >= 0.9)\n",
        at_full_store->stored_before,
        at_full_store->ingest.per_second() / plaintext->ingest.per_second());
    PrintProjectionLag(*at_full_store);
    complete =
        complete && at_full_store->ingest.events == absl::GetFlag(FLAGS_events);
    // One round moves by a tenth and more with the machine: more rounds,
    // alternating, each at the store (restarted, the events new to it) and
    // at a fresh empty one.
    std::vector<double> ratios = {at_full_store->ingest.per_second() /
                                  plaintext->ingest.per_second()};
    const int64_t first_skip = absl::GetFlag(FLAGS_store).empty() ? prefill : 0;
    for (int round = 1; round < absl::GetFlag(FLAGS_store_rounds); ++round) {
      const absl::StatusOr<LedgerRun> at_store =
          MeasureLedger(full_store, Access(), false, false,
                        first_skip + round * absl::GetFlag(FLAGS_events));
      const absl::StatusOr<LedgerRun> empty =
          MeasureLedger(absl::StrCat(dir, "/ledger-empty-", round), Access());
      if (!at_store.ok() || !empty.ok()) {
        std::fprintf(
            stderr, "%s\n",
            (at_store.ok() ? empty : at_store).status().ToString().c_str());
        return 1;
      }
      RecordRound(round, "empty", *empty, "at the store", *at_store, ratios,
                  complete);
    }
    if (ratios.size() > 1) {
      const size_t rounds = ratios.size();
      std::printf(
          "ratio at the store / empty store, median of %zu rounds: %.2f "
          "(issue 15: >= 0.9)\n",
          rounds, Median(ratios));
    }
  }

  if (absl::GetFlag(FLAGS_tls)) {
    const std::string pki = dir + "/pki";
    std::filesystem::create_directory(pki);
    const absl::StatusOr<test::TestCerts> certs =
        test::MakeTestCerts(pki, "grpc-ingest-bench");
    if (!certs.ok()) {
      std::fprintf(stderr, "%s\n", certs.status().ToString().c_str());
      return 1;
    }
    const absl::StatusOr<NewTokenEntry> admin =
        NewTokenFor("grpc-ingest-bench", "admin", {});
    if (!admin.ok()) {
      std::fprintf(stderr, "%s\n", admin.status().ToString().c_str());
      return 1;
    }
    Access access;
    access.transport.tls_cert_pem = certs->server_cert.pem;
    access.transport.tls_key_pem = certs->server_key.pem;
    access.auth_config = pki + "/auth.textproto";
    std::ofstream(access.auth_config) << admin->config_text << "\n";
    access.tls_ca = certs->ca.path;
    access.token = admin->token;
    const absl::StatusOr<LedgerRun> tls =
        MeasureLedger(dir + "/ledger-tls", access);
    if (!tls.ok()) {
      std::fprintf(stderr, "%s\n", tls.status().ToString().c_str());
      return 1;
    }
    PrintMeasurement("banen-ledgerd Append, TLS + token", tls->ingest);
    std::printf("ratio TLS + token / plaintext: %.2f\n",
                tls->ingest.per_second() / plaintext->ingest.per_second());
    PrintProjectionLag(*tls);
    complete = complete && tls->ingest.events == absl::GetFlag(FLAGS_events);
  }

  if (absl::GetFlag(FLAGS_follower)) {
    const absl::StatusOr<LedgerRun> followed =
        MeasureLedger(dir + "/ledger-followed", Access(), false, true);
    if (!followed.ok()) {
      std::fprintf(stderr, "%s\n", followed.status().ToString().c_str());
      return 1;
    }
    PrintMeasurement("banen-ledgerd Append, one follower", followed->ingest);
    const std::vector<uint64_t>& lag = followed->follower_lag;
    const auto at = [&](double quantile) {
      return lag.empty()
                 ? uint64_t{0}
                 : lag[std::min(lag.size() - 1,
                                static_cast<size_t>(quantile * lag.size()))];
    };
    std::printf("follower lag in events over %zu samples: p50 %" PRIu64
                ", p99 %" PRIu64 ", max %" PRIu64
                "; it had every event %.3f s after the last ack\n",
                lag.size(), at(0.5), at(0.99), lag.empty() ? 0 : lag.back(),
                absl::ToDoubleSeconds(followed->follower_catch_up));
    complete =
        complete && followed->ingest.events == absl::GetFlag(FLAGS_events);
  }

  std::vector<double> metrics_ratios;
  for (int round = 0; round < absl::GetFlag(FLAGS_metrics_rounds); ++round) {
    const absl::StatusOr<LedgerRun> without =
        MeasureLedger(absl::StrCat(dir, "/ledger-without-", round), Access());
    const absl::StatusOr<LedgerRun> with = MeasureLedger(
        absl::StrCat(dir, "/ledger-metrics-", round), Access(), true);
    if (!without.ok() || !with.ok()) {
      std::fprintf(stderr, "%s\n",
                   (without.ok() ? with : without).status().ToString().c_str());
      return 1;
    }
    RecordRound(round, "without metrics", *without, "with", *with,
                metrics_ratios, complete);
  }
  if (!metrics_ratios.empty()) {
    const size_t rounds = metrics_ratios.size();
    std::printf("ratio with / without metrics (median of %zu rounds): %.3f\n",
                rounds, Median(metrics_ratios));
  }

  return complete ? 0 : 1;
}

}  // namespace
}  // namespace banen::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  if (const std::string dir = absl::GetFlag(FLAGS_prefill_into); !dir.empty()) {
    return banen::bench::RunPrefill(dir);
  }
  const std::string target = absl::GetFlag(FLAGS_client_target);
  return target.empty() ? banen::bench::RunBenchmark()
                        : banen::bench::RunClient(target);
}
