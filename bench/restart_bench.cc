// The restart of issue 15 (target: <= 5 s at 10 M events) in a fresh process,
// as a server starts: EventLog::Open, then Projector::Open of an existing
// store, each timed, with the CPU time of the whole process and its RSS
// after. projection_bench times the restart inside the process that
// generated the store, whose heap is already mapped; a new process maps
// every page the opens touch afresh.
//
//   restart_bench --store=PATH [--server]
//
// PATH is a store projection_bench --store made. Nothing is appended, so
// the closes save nothing and every run opens the store as the one before:
// alternate two builds' runs in a shell loop for before/after rounds.
// --server starts banen-ledgerd's LedgerServer on the store instead (the
// opens, the freed memory handed back and the gRPC server), the start
// grpc_ingest_bench --store times.
#include <sys/utsname.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "bench/machine.h"
#include "ledger/event_log.h"
#include "projections/projector.h"
#include "services/ledger_server.h"

ABSL_FLAG(std::string, store, "", "the store to open (projection_bench's)");
ABSL_FLAG(bool, server, false,
          "start a LedgerServer on the store instead of the two opens");

namespace banen::bench {
namespace {

using Clock = std::chrono::steady_clock;

void Check(const absl::Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}

void Run(const std::string& dir) {
  const Clock::time_point start = Clock::now();
  if (absl::GetFlag(FLAGS_server)) {
    LedgerServerOptions options;
    options.data_dir = dir;
    options.listen = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<LedgerServer>> server =
        LedgerServer::Start(options);
    Check(server.status(), "start");
    std::printf("server start %6.2f s  (CPU %.2f s; head %llu; RSS %ld MB)\n",
                SecondsSince(start), CpuSeconds(),
                static_cast<unsigned long long>((*server)->log().GetHead().seq),
                ResidentMegabytes());
    std::printf("%s\n%s\n",
                RocksDbMemory((*server)->log().GetStorageStats()).c_str(),
                HeapMemory().c_str());
    return;
  }
  EventLogOptions log_options;
  log_options.sync = false;
  uint64_t log_state_seq = 0, replayed = 0;
  log_options.on_state_restored = [&](uint64_t seq, uint64_t events_replayed) {
    log_state_seq = seq;
    replayed = events_replayed;
  };
  absl::StatusOr<std::unique_ptr<EventLog>> log =
      EventLog::Open(dir, std::move(log_options));
  Check(log.status(), "open log");
  const double log_open = SecondsSince(start);
  const long log_resident = ResidentMegabytes();
  uint64_t state_seq = 0, folded = 0;
  ProjectorOptions options;
  options.on_state_restored = [&](uint64_t seq, uint64_t events_folded) {
    state_seq = seq;
    folded = events_folded;
  };
  const Clock::time_point projector_start = Clock::now();
  absl::StatusOr<std::unique_ptr<Projector>> projector =
      Projector::Open(**log, options);
  Check(projector.status(), "open projector");
  const double projector_open = SecondsSince(projector_start);
  std::printf(
      "restart %6.2f s  (EventLog::Open %.2f s: state at %llu, %llu "
      "replayed; Projector::Open %.2f s; CPU "
      "%.2f s; head %llu, state at %llu, %llu folded; %zu checkpoints; RSS "
      "%ld MB, %ld MB of it after EventLog::Open)\n",
      SecondsSince(start), log_open,
      static_cast<unsigned long long>(log_state_seq),
      static_cast<unsigned long long>(replayed), projector_open, CpuSeconds(),
      static_cast<unsigned long long>((*log)->GetHead().seq),
      static_cast<unsigned long long>(state_seq),
      static_cast<unsigned long long>(folded),
      (*projector)->CheckpointSeqs().size(), ResidentMegabytes(), log_resident);
  std::printf("%s\n%s\n", RocksDbMemory((*log)->GetStorageStats()).c_str(),
              HeapMemory().c_str());
}

}  // namespace
}  // namespace banen::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string store =
      banen::bench::RequiredStore("restart_bench", absl::GetFlag(FLAGS_store));
  banen::bench::Run(store);
  return 0;
}
