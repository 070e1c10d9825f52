// A projection state's save and load alone (issue 15): EncodeState, which
// the tail thread runs while it follows the log and so folds nothing
// meanwhile (at 50 M events longer than a query waits for the fold), and
// DecodeState, the bulk of a restart's Projector::Open.
//
//   state_codec_bench --store=PATH [--rounds=3]
//
// PATH is a store projection_bench --store made. Its log is folded into a
// ProjectionState (as a rebuild does) with the sums a projector keeps; then
// each round encodes the state and decodes what it encoded, each timed by
// the wall clock and the calling thread's CPU (the decode reads its parts on
// more threads: its wall time is what a restart waits). The encode hands
// each part on as a save does and drops it (a save writes it to a table
// file); the decode reads the parts of another encode, held. Printed: each
// round, the body's bytes and rates, the machine.
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "bench/machine.h"
#include "ledger/event_log.h"
#include "projections/log_replay.h"
#include "projections/state_checkpoint.h"

ABSL_FLAG(std::string, store, "", "the store to fold (projection_bench's)");
ABSL_FLAG(int, rounds, 3, "encodes and decodes timed");

namespace banen::bench {
namespace {

using Clock = std::chrono::steady_clock;

int Run(const std::string& dir) {
  EventLogOptions log_options;
  log_options.sync = false;
  absl::StatusOr<std::unique_ptr<EventLog>> log =
      EventLog::Open(dir, std::move(log_options));
  if (!log.ok()) {
    std::fprintf(stderr, "open: %s\n", log.status().ToString().c_str());
    return 1;
  }
  ProjectionState state;
  absl::StatusOr<Hash> hash = ReplayLog(**log, &state);
  if (!hash.ok()) {
    std::fprintf(stderr, "replay: %s\n", hash.status().ToString().c_str());
    return 1;
  }
  const KeptSums sums = BuildKeptSums(
      state, static_cast<int>(std::thread::hardware_concurrency()));
  std::printf("machine: %s, %u cores; state of %llu events\n",
              CpuModel().c_str(), std::thread::hardware_concurrency(),
              static_cast<unsigned long long>(state.last_seq()));
  constexpr double kMegabyte = 1 << 20;
  for (int round = 1; round <= absl::GetFlag(FLAGS_rounds); ++round) {
    // As a save makes the parts: each handed on as it is made, not held.
    Clock::time_point start = Clock::now();
    double cpu = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    const auto drop = [](std::string_view) { return absl::OkStatus(); };
    const absl::StatusOr<StateHeader> header =
        EncodeStateInParts(state, sums, *hash, {}, drop);
    const double encode_seconds = SecondsSince(start);
    const double encode_cpu = CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - cpu;
    // The parts held, for the decode.
    const EncodedState encoded = EncodeState(state, sums, *hash, {});
    const std::vector<std::string_view> parts(encoded.parts.begin(),
                                              encoded.parts.end());
    start = Clock::now();
    cpu = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    const absl::StatusOr<DecodedState> decoded =
        DecodeState(state.last_seq(), parts, kStateLayoutVersion);
    const double decode_seconds = SecondsSince(start);
    const double decode_cpu = CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - cpu;
    if (!decoded.ok()) {
      std::fprintf(stderr, "decode: %s\n", decoded.status().ToString().c_str());
      return 1;
    }
    const double megabytes = header->body_size / kMegabyte;
    std::printf(
        "round %d: body %.1f MB in %u parts; encode %.3f s (CPU %.3f s, "
        "%.0f MB/s); decode %.3f s (this thread's CPU %.3f s, %.0f MB/s)\n",
        round, megabytes, header->parts, encode_seconds, encode_cpu,
        megabytes / encode_seconds, decode_seconds, decode_cpu,
        megabytes / decode_seconds);
  }
  return 0;
}

}  // namespace
}  // namespace banen::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string store = banen::bench::RequiredStore(
      "state_codec_bench", absl::GetFlag(FLAGS_store));
  return banen::bench::Run(store);
}
