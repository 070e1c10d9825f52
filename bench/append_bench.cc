// Append throughput of the ledger, synced, next to raw RocksDB writing the same
// key/value bytes with the same options and the same sync, as a ratio.
//
//   append_bench [--events=N] [--dir=/tmp] [--configs=1000x1,1000x4]
//
// Each row: one configuration (events per batch x appending threads); each
// side writes into a fresh store. The raw side gets its bytes precomputed, so
// the ratio is what validation, idempotency, hashing and encoding cost. The
// ledger takes state deltas every --save_state_every events, as a server
// does; each row prints the longest time taking one held up the appends,
// the longest single Append() (the validation state's maps grow under the
// lock the appends wait for), and what the open log added to the RSS.
// The last row's store, closed without saving the state (as after a crash),
// is then opened twice: loading the last delta and replaying the events
// after it (every event with --save_state_every=0), and loading the state
// that open saved at its close.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <limits>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/machine.h"
#include "bench/synthetic_events.h"
#include "ledger/codec.h"
#include "ledger/event_log.h"
#include "ledger/internal/storage_format.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

ABSL_FLAG(int64_t, events, 200000, "events per configuration");
ABSL_FLAG(std::string, dir, "/tmp", "where the temporary stores go");
ABSL_FLAG(bool, sync, true, "fsync the WAL on every write (both sides)");
ABSL_FLAG(std::vector<std::string>, configs,
          std::vector<std::string>({"1x1", "1x16", "100x1", "1000x1",
                                    "1000x4"}),
          "the rows to run, each BATCHxTHREADS");
ABSL_FLAG(uint64_t, save_state_every, banen::EventLogOptions().save_state_every,
          "the ledger's EventLogOptions::save_state_every (0: no deltas)");

namespace banen::bench {
namespace {

struct Config {
  size_t batch_size;
  int threads;
};

using Batches = std::vector<AppendBatch>;

// Splits the stream into per-thread batches. The events of one hire (four in
// a row) stay on one thread, in order; hires are independent of each other,
// so any interleaving of the threads is valid. Batch 0 of thread 0 registers
// the employers and is stored before the timed part.
std::vector<Batches> MakeBatches(const Config& config, int64_t events) {
  SyntheticEvents stream(42);
  std::vector<Batches> per_thread(config.threads);
  per_thread[0].push_back(
      {.events = stream.Next(500), .expected_job_seq = {}, .authority = {}});
  std::vector<std::vector<Event>> open(config.threads);
  for (int64_t hire = 0; hire * 4 < events; ++hire) {
    const int t = hire % config.threads;
    for (Event& event : stream.Next(4)) {
      open[t].push_back(std::move(event));
      if (open[t].size() == config.batch_size) {
        per_thread[t].push_back({.events = std::move(open[t]),
                                 .expected_job_seq = {},
                                 .authority = {}});
        open[t].clear();
      }
    }
  }
  return per_thread;
}

constexpr char kLedgerDir[] = "ledger";

std::string StoreDir(const std::string& name) {
  return absl::GetFlag(FLAGS_dir) + "/banen-bench-" + name;
}

std::string FreshDir(const std::string& name) {
  std::string dir = StoreDir(name);
  std::filesystem::remove_all(dir);
  return dir;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

// One side's run: events per second of wall time, and CPU per event.
struct Rate {
  double events_per_second = 0;
  double cpu_us_per_event = 0;
};

// Runs `work(thread)` on `threads` threads at once, which write `events`.
template <typename Work>
Rate TimeThreads(int threads, const std::atomic<int64_t>& events, Work work) {
  const double cpu_start = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (int t = 0; t < threads; ++t) pool.emplace_back(work, t);
  for (auto& thread : pool) thread.join();
  const double seconds = Seconds(start);
  const double cpu = CpuSeconds() - cpu_start;
  return {events / seconds, cpu * 1e6 / events};
}

// Reopening loads the latest state checkpoint and deltas, and rebuilds the
// validation state and event_id index from the events after them.
struct Reopen {
  double seconds = 0;
  uint64_t state_seq = 0;
  uint64_t replayed = 0;
};

// Opens the log at `dir` with `options`, which must find `stored` events.
Reopen OpenLog(const std::string& dir, int64_t stored,
               EventLogOptions options) {
  Reopen reopen;
  options.on_state_restored = [&reopen](uint64_t state_seq, uint64_t replayed) {
    reopen.state_seq = state_seq;
    reopen.replayed = replayed;
  };
  const auto start = std::chrono::steady_clock::now();
  auto log = EventLog::Open(dir, std::move(options));
  reopen.seconds = Seconds(start);
  if (!log.ok() || static_cast<int64_t>((*log)->GetHead().seq) != stored) {
    std::exit(1);
  }
  return reopen;
}

// What a run of the ledger showed besides its rate: the deltas it took and
// the longest stall of the appends for one, the longest Append() call, and
// what the open log added to the RSS.
struct LedgerRun {
  int taken = 0;
  absl::Duration longest_stall;
  uint64_t longest_at = 0;
  absl::Duration longest_append;
  long rss_growth_mb = 0;
};

Rate LedgerRate(const Config& config, const std::vector<Batches>& batches,
                int64_t* stored, LedgerRun* run) {
  EventLogOptions options;
  options.sync = absl::GetFlag(FLAGS_sync);
  // Closed as if it crashed: the reopen measures the load and the replay.
  options.save_state = false;
  options.save_state_every = absl::GetFlag(FLAGS_save_state_every);
  options.on_delta_taken = [run](uint64_t seq, absl::Duration stalled) {
    ++run->taken;
    if (stalled > run->longest_stall) {
      run->longest_stall = stalled;
      run->longest_at = seq;
    }
  };
  const long rss_before = ResidentMegabytes();
  auto log = EventLog::Open(FreshDir(kLedgerDir), options);
  if (!log.ok()) {
    std::fprintf(stderr, "%s\n", log.status().ToString().c_str());
    std::exit(1);
  }
  if (auto result = (*log)->Append(batches[0][0]); !result.ok()) std::exit(1);
  std::atomic<int64_t> events{0};
  absl::Mutex longest_mu;
  const Rate rate = TimeThreads(config.threads, events, [&](int t) {
    absl::Duration longest;
    for (size_t i = t == 0 ? 1 : 0; i < batches[t].size(); ++i) {
      const AppendBatch& batch = batches[t][i];
      const absl::Time start = absl::Now();
      auto result = (*log)->Append(batch);
      longest = std::max(longest, absl::Now() - start);
      if (!result.ok()) {
        std::fprintf(stderr, "append: %s\n",
                     result.status().ToString().c_str());
        std::exit(1);
      }
      events += batch.events.size();
    }
    absl::MutexLock lock(&longest_mu);
    run->longest_append = std::max(run->longest_append, longest);
  });
  *stored = (*log)->GetHead().seq;
  run->rss_growth_mb = ResidentMegabytes() - rss_before;
  return rate;
}

Rate RawRate(const Config& config, const std::vector<Batches>& batches) {
  // The same bytes the ledger stores: key, prev hash, hash, canonical event.
  std::vector<std::vector<rocksdb::WriteBatch>> writes(config.threads);
  uint64_t seq = 1;
  Hash prev{};
  for (size_t i = 0; i < batches[0].size() || i < batches.back().size(); ++i) {
    for (int t = 0; t < config.threads; ++t) {
      if (i >= batches[t].size()) continue;
      rocksdb::WriteBatch write;
      for (const Event& event : batches[t][i].events) {
        const std::string canonical = CanonicalBytes(seq, absl::Now(), event);
        const Hash hash = ChainHash(prev, canonical);
        write.Put(storage::EventKey(seq++),
                  storage::EncodeEventValue(prev, hash, canonical));
        prev = hash;
      }
      writes[t].push_back(std::move(write));
    }
  }
  rocksdb::DB* db = nullptr;
  if (!rocksdb::DB::Open(storage::StoreOptions(), FreshDir("raw"), &db).ok())
    std::exit(1);
  rocksdb::WriteOptions sync;
  sync.sync = absl::GetFlag(FLAGS_sync);
  std::atomic<int64_t> events{0};
  db->Write(sync, &writes[0][0]);
  const Rate rate = TimeThreads(config.threads, events, [&](int t) {
    for (size_t i = t == 0 ? 1 : 0; i < writes[t].size(); ++i) {
      if (!db->Write(sync, &writes[t][i]).ok()) std::exit(1);
      events += writes[t][i].Count();
    }
  });
  delete db;
  return rate;
}

}  // namespace
}  // namespace banen::bench

int main(int argc, char** argv) {
  using namespace banen::bench;
  absl::ParseCommandLine(argc, argv);
  const int64_t events = absl::GetFlag(FLAGS_events);
  std::printf("machine: %s, %u cores; %s\n", CpuModel().c_str(),
              std::thread::hardware_concurrency(),
              absl::GetFlag(FLAGS_sync) ? "synced writes (fsync per write)"
                                        : "UNSYNCED writes");
  std::printf("%-8s %-8s %14s %14s %8s %16s %13s\n", "batch", "threads",
              "ledger ev/s", "raw ev/s", "ratio", "ledger cpu us/ev",
              "raw cpu us/ev");
  int64_t last_stored = 0;
  for (const std::string& row : absl::GetFlag(FLAGS_configs)) {
    Config config;
    const std::vector<std::string> parts = absl::StrSplit(row, 'x');
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &config.batch_size) ||
        !absl::SimpleAtoi(parts[1], &config.threads) ||
        config.batch_size == 0 || config.threads <= 0) {
      std::fprintf(stderr, "--configs: %s is not BATCHxTHREADS\n", row.c_str());
      return 2;
    }
    // Batches of one are bounded by fsync latency: fewer of them suffice.
    const int64_t n =
        config.batch_size == 1 ? std::min<int64_t>(events, 3000) : events;
    const auto batches = MakeBatches(config, n);
    int64_t stored = 0;
    LedgerRun run;
    const Rate ledger = LedgerRate(config, batches, &stored, &run);
    const Rate raw = RawRate(config, batches);
    std::printf("%-8zu %-8d %14.0f %14.0f %8.2f %16.2f %13.2f\n",
                config.batch_size, config.threads, ledger.events_per_second,
                raw.events_per_second,
                ledger.events_per_second / raw.events_per_second,
                ledger.cpu_us_per_event, raw.cpu_us_per_event);
    if (run.taken > 0) {
      std::printf(
          "  %d state deltas taken; the longest held appends %.2f ms "
          "(at seq %llu)\n",
          run.taken, absl::ToDoubleMilliseconds(run.longest_stall),
          static_cast<unsigned long long>(run.longest_at));
    }
    std::printf(
        "  the longest append took %.2f ms; the open log added %ld MB to "
        "the RSS\n",
        absl::ToDoubleMilliseconds(run.longest_append), run.rss_growth_mb);
    last_stored = stored;
  }
  // The first open loads the last delta, replays the log after it and
  // saves the state at its close; the second loads that.
  banen::EventLogOptions replay;
  replay.save_state_after_replay = std::numeric_limits<uint64_t>::max();
  const Reopen after_crash = OpenLog(StoreDir(kLedgerDir), last_stored, replay);
  const Reopen after_close =
      OpenLog(StoreDir(kLedgerDir), last_stored, banen::EventLogOptions());
  std::printf(
      "reopen of %lld events after a crash: loading the state of seq %llu "
      "and replaying %llu events into state and index %.2f s; "
      "loading the saved state %.2f s\n",
      static_cast<long long>(last_stored),
      static_cast<unsigned long long>(after_crash.state_seq),
      static_cast<unsigned long long>(after_crash.replayed),
      after_crash.seconds, after_close.seconds);
  return 0;
}
