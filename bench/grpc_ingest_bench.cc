// End-to-end durable ingest over gRPC: a client process on the same machine
// streams batches to banen-ledgerd's LedgerService.Append, next to a bare
// gRPC echo of the same messages measured in the same run, as a ratio.
//
//   grpc_ingest_bench [--events=400000] [--batch=1000] [--streams=4]
//                     [--dir=/tmp] [--sync=true] [--tls]
//                     [--metrics_rounds=N] [--follower]
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
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "banen/v1/ledger.grpc.pb.h"
#include "bench/machine.h"
#include "bench/synthetic_events.h"
#include "ledger/codec.h"
#include "ledger/status_macros.h"
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

v1::AppendRequest RequestOf(const std::string& batch_id,
                            const std::vector<Event>& events) {
  v1::AppendRequest request;
  request.set_batch_id(batch_id);
  for (const Event& event : events) EventToProto(event, request.add_events());
  return request;
}

// The employers (one request, sent before the clock starts), then each
// stream's requests. A hire's four events go to one stream, in order.
struct Workload {
  v1::AppendRequest employers;
  std::vector<Requests> per_stream;
};

Workload MakeWorkload(int64_t events, int batch, int streams) {
  constexpr int kEmployers = 500;
  SyntheticEvents synthetic(42, kEmployers);
  Workload workload;
  workload.employers = RequestOf("employers", synthetic.Next(kEmployers));
  workload.per_stream.resize(streams);
  std::vector<std::vector<Event>> open(streams);
  for (int64_t hire = 0; hire * 4 < events; ++hire) {
    const int stream = static_cast<int>(hire % streams);
    for (Event& event : synthetic.Next(4)) {
      open[stream].push_back(std::move(event));
      if (open[stream].size() == static_cast<size_t>(batch)) {
        const std::string id =
            absl::StrCat("s", stream, "-b", workload.per_stream[stream].size());
        workload.per_stream[stream].push_back(RequestOf(id, open[stream]));
        open[stream].clear();
      }
    }
  }
  for (int stream = 0; stream < streams; ++stream) {
    if (open[stream].empty()) continue;
    workload.per_stream[stream].push_back(
        RequestOf(absl::StrCat("s", stream, "-last"), open[stream]));
  }
  return workload;
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
  const Workload workload =
      MakeWorkload(absl::GetFlag(FLAGS_events), absl::GetFlag(FLAGS_batch),
                   absl::GetFlag(FLAGS_streams));
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
  for (size_t i = 0; i < workload.per_stream.size(); ++i) {
    options.arguments.SetInt("banen.bench.stream", static_cast<int>(i));
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        client::Connect(target, options);
    if (!channel.ok()) {
      std::fprintf(stderr, "%s\n", channel.status().ToString().c_str());
      return 1;
    }
    stubs.push_back(v1::LedgerService::NewStub(*channel));
  }
  {
    grpc::ClientContext context;
    v1::AppendResponse response;
    const grpc::Status status =
        stubs[0]->AppendBatch(&context, workload.employers, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "employers rejected: %s\n",
                   status.error_message().c_str());
      return 1;
    }
  }

  std::vector<int64_t> acknowledged(workload.per_stream.size());
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> streams;
  for (size_t i = 0; i < workload.per_stream.size(); ++i) {
    streams.emplace_back([&, i] {
      acknowledged[i] = StreamAll(*stubs[i], workload.per_stream[i]);
    });
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

// Runs this binary as the client process against `target`, with TLS when
// `tls_ca` (a PEM file) is given, sending `token` when it is not empty.
Measurement MeasureFromClientProcess(const std::string& target,
                                     const std::string& tls_ca = "",
                                     const std::string& token = "") {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe");
  const std::string command = absl::StrCat(
      self, " --client_target=", target,
      " --events=", absl::GetFlag(FLAGS_events),
      " --batch=", absl::GetFlag(FLAGS_batch),
      " --streams=", absl::GetFlag(FLAGS_streams), " --client_tls_ca='", tls_ca,
      "' --client_token='", token, "'");
  FILE* client = popen(command.c_str(), "r");
  Measurement measurement;
  if (client == nullptr ||
      std::fscanf(client, "%" SCNd64 " %lf", &measurement.events,
                  &measurement.seconds) != 2) {
    std::fprintf(stderr, "client process failed: %s\n", command.c_str());
  }
  if (client != nullptr) pclose(client);
  return measurement;
}

void PrintMeasurement(const char* label, const Measurement& measurement) {
  std::printf("%-34s %10" PRId64 " events %8.3f s %12.0f events/s\n", label,
              measurement.events, measurement.seconds,
              measurement.per_second());
}

struct LedgerRun {
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

// The ledger on a fresh store at `data_dir`, reached through `access` by a
// client process; then how far the projection, which follows the log on its
// own thread, was behind the last ack. The server's error when it does not
// start.
absl::StatusOr<LedgerRun> MeasureLedger(const std::string& data_dir,
                                        const Access& access,
                                        bool metrics = false,
                                        bool follower = false) {
  LedgerServerOptions options;
  if (metrics) options.metrics_listen = "127.0.0.1:0";
  options.data_dir = data_dir;
  options.listen = "127.0.0.1:0";
  options.sync = absl::GetFlag(FLAGS_sync);
  options.transport = access.transport;
  options.auth_config = access.auth_config;
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerServer> ledger,
                   LedgerServer::Start(options));
  LedgerRun run;
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
  run.ingest =
      MeasureFromClientProcess(ledger->address(), access.tls_ca, access.token);
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

void PrintProjectionLag(const LedgerRun& run) {
  std::printf("projection caught up %.3f s after the last ack (%s)\n",
              absl::ToDoubleSeconds(run.projection_lag),
              run.caught_up.ok() ? "ok" : run.caught_up.ToString().c_str());
}

int RunBenchmark() {
  char pattern[] = "/grpc_ingest_bench_XXXXXX";
  std::string dir = absl::GetFlag(FLAGS_dir) + pattern;
  if (mkdtemp(dir.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }

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
  const Measurement bare =
      MeasureFromClientProcess(absl::StrCat("127.0.0.1:", echo_port));
  echo_server->Shutdown();
  PrintMeasurement("bare gRPC echo (baseline)", bare);
  const absl::StatusOr<LedgerRun> plaintext =
      MeasureLedger(dir + "/ledger", Access());
  if (!plaintext.ok()) {
    std::fprintf(stderr, "%s\n", plaintext.status().ToString().c_str());
    return 1;
  }
  PrintMeasurement("banen-ledgerd durable Append", plaintext->ingest);
  std::printf("ratio ledger / echo: %.2f\n",
              plaintext->ingest.per_second() / bare.per_second());
  PrintProjectionLag(*plaintext);
  bool complete = plaintext->ingest.events == absl::GetFlag(FLAGS_events);

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
    metrics_ratios.push_back(with->ingest.per_second() /
                             without->ingest.per_second());
    std::printf(
        "round %d: without metrics %.0f, with %.0f events/s, ratio "
        "%.3f\n",
        round, without->ingest.per_second(), with->ingest.per_second(),
        metrics_ratios.back());
    complete = complete &&
               without->ingest.events == absl::GetFlag(FLAGS_events) &&
               with->ingest.events == absl::GetFlag(FLAGS_events);
  }
  if (!metrics_ratios.empty()) {
    std::sort(metrics_ratios.begin(), metrics_ratios.end());
    std::printf("ratio with / without metrics (median of %zu rounds): %.3f\n",
                metrics_ratios.size(),
                metrics_ratios[metrics_ratios.size() / 2]);
  }

  std::filesystem::remove_all(dir);
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
