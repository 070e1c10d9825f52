// Projection throughput and latency on the national demo data set, next to a
// raw EventLog::Scan (RocksDB read + decode) of the same data in the same run.
//
//   projection_bench [--events=1000000] [--ten_million] [--dir=/tmp]
//                    [--checkpoint_interval=10000] [--store=PATH]
//                    [--lockstep] [--fold_only] [--fresh_rounds=3]
//
// --store keeps the generated ledger at PATH, or reuses the one already there
// (its checkpoints included), so that a 10 M run need not generate again.
//
// Reports: appends with a Projector following (until it has folded the last
// event); raw scan vs full rebuild (scan + fold + figures) in events/s and
// their ratio, in this process (best of --rebuild_rounds) and in fresh
// processes (the median over --fresh_rounds pairs); restart time;
// current-table, as_of, quota (all employers of 2024) and WBA_2026 table (10
// years) query latencies (p50/p99/max), with the five slowest as_of cuts and
// the work each did (the figures it started from, the persons moved); the
// register dashboard over 40 quarters (p50/p99/max).
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/machine.h"
#include "ledger/event_log.h"
#include "ledger/status_macros.h"
#include "projections/figures.h"
#include "projections/log_replay.h"
#include "projections/projection_state.h"
#include "projections/projector.h"
#include "projections/quota.h"
#include "projections/realisation.h"
#include "projections/state_checkpoint.h"
#include "tools/demo_data.h"

ABSL_FLAG(int64_t, events, 1'000'000, "events in the generated ledger");
ABSL_FLAG(bool, ten_million, false, "also run with 10,000,000 events");
ABSL_FLAG(std::string, dir, "/tmp", "where the temporary stores go");
ABSL_FLAG(uint64_t, checkpoint_interval, 10'000, "events per checkpoint");
ABSL_FLAG(int, current_queries, 2000, "current-table queries timed");
ABSL_FLAG(int, as_of_queries, 100, "as_of queries timed");
ABSL_FLAG(int, quota_queries, 50,
          "quota queries timed (all employers, 2024, both regimes)");
ABSL_FLAG(int, register_queries, 20,
          "register dashboard queries (40 quarters each) timed");
ABSL_FLAG(bool, rebuild, true,
          "time the full rebuilds against the raw scan (off: one raw scan, "
          "then the restart and the queries)");
ABSL_FLAG(int, rebuild_rounds, 2,
          "rounds of the raw scan and the rebuilds, alternating; the best of "
          "each is printed (at 50 M events a round takes minutes)");
ABSL_FLAG(bool, fold_only, false,
          "of the rebuild timings, only the fold alone, once (for callgrind "
          "--toggle-collect='*ApplyAll*': the same folds in every run)");
ABSL_FLAG(bool, lockstep, false,
          "append the next batch only once the projector folded the last: "
          "each fold is one batch, so the tail's work is the same in every "
          "run (for callgrind; off, the fold keeps up as it can)");
ABSL_FLAG(int, fresh_rounds, 3,
          "pairs of fresh processes, one timing the raw scan and one the "
          "full rebuild, in turns first; each pair's ratio and the median "
          "are printed (0: none)");
ABSL_FLAG(std::string, replay_child, "",
          "internal: time one raw scan (raw) or full rebuild (rebuild) of "
          "--store and print its seconds");
ABSL_FLAG(std::string, store, "",
          "keep the ledger here, or reuse it if it exists (one size only)");

namespace banen::bench {
namespace {

using Clock = std::chrono::steady_clock;

// The ledger is the national demo data set (tools/demo_data.h), the
// national ledger this benchmark means to measure: 2013-2025, every sector,
// late and backdated events, corrections. Its markt is scaled so that it
// holds at least `events` events (1.04 M at scale 1, 329 k at 0.25: about
// 0.95 M per unit of scale over a fixed 92 k), and it is cut there.
double MarktScaleFor(int64_t events) {
  const double scale = (static_cast<double>(events) - 92'000) / 948'000 * 1.05;
  return std::clamp(scale, 0.01, 100.0);
}

struct Latencies {
  double p50_ms;
  double p99_ms;
  double max_ms;
};

Latencies Summarize(std::vector<double> millis) {
  std::sort(millis.begin(), millis.end());
  const auto at = [&](double q) {
    return millis[std::min(millis.size() - 1,
                           static_cast<size_t>(q * millis.size()))];
  };
  return Latencies{at(0.50), at(0.99), millis.back()};
}

// Wall and CPU (all threads of the process) milliseconds per call: on a
// machine shared with other builds the wall time is mostly waiting for a
// core, the CPU time is not.
struct Timings {
  std::vector<double> wall;
  std::vector<double> cpu;

  template <typename Call>
  void Time(Call call) {
    const Clock::time_point start = Clock::now();
    const std::clock_t cpu_start = std::clock();
    call();
    cpu.push_back(static_cast<double>(std::clock() - cpu_start) * 1000 /
                  CLOCKS_PER_SEC);
    wall.push_back(SecondsSince(start) * 1000);
  }

  // "<what> p50 .. p99 .. max .. (CPU p50 .. p99 ..)<note>"
  void Print(const char* what, const char* note = "") const {
    const Latencies w = Summarize(wall);
    const Latencies c = Summarize(cpu);
    std::printf(
        "%-21s p50 %.1f ms  p99 %.1f ms  max %.1f ms  (CPU p50 %.1f ms  p99 "
        "%.1f ms)%s\n",
        what, w.p50_ms, w.p99_ms, w.max_ms, c.p50_ms, c.p99_ms, note);
  }
};

void Check(const absl::Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}

// The state checkpoint the restart loaded, and all of them kept.
void PrintStateCheckpoint(const EventLog& log, uint64_t seq, uint64_t folded,
                          double projector_open) {
  uint64_t loaded_bytes = 0, kept_bytes = 0;
  Check(log.records().Scan(
            StateCheckpointSpace(),
            [&](std::string_view key, std::string_view value) {
              kept_bytes += key.size() + value.size();
              if (SeqOfStateHeaderKey(key) == seq) {
                loaded_bytes =
                    DecodeStateHeader(value).value_or(StateHeader()).body_size;
              }
              return true;
            }),
        "state checkpoints");
  std::printf(
      "  Projector::Open %.2f s: state checkpoint at seq %llu (read beside "
      "the log's open), %llu events folded after it; %.1f MB (%.1f "
      "bytes/event), %.1f MB kept in all\n",
      projector_open, static_cast<unsigned long long>(seq),
      static_cast<unsigned long long>(folded), loaded_bytes / 1e6,
      seq == 0 ? 0.0 : static_cast<double>(loaded_bytes) / seq,
      kept_bytes / 1e6);
}

// The raw scan: RocksDB reads and decoding, nothing done with the events but
// noting the commits (one recorded_at each), for the as_of queries.
struct RawScan {
  double seconds = 0;
  uint64_t events = 0;
  std::vector<absl::Time> commit_times;
};
RawScan TimeRawScan(const EventLog& log) {
  const Clock::time_point start = Clock::now();
  RawScan scan;
  Check(log.Scan(1, 0,
                 [&](const StoredEvent& stored) {
                   ++scan.events;
                   if (scan.commit_times.empty() ||
                       scan.commit_times.back() != stored.recorded_at) {
                     scan.commit_times.push_back(stored.recorded_at);
                   }
                   return true;
                 }),
        "raw scan");
  scan.seconds = SecondsSince(start);
  return scan;
}

// The full rebuild as Projector::Open does it without a state checkpoint,
// when `pipelined`: ReplayLog reads ahead on another thread while this one
// folds (and reads when it would wait), then the figures at the head are
// built on two threads; otherwise all on this thread. With the seconds of
// the replay alone and this thread's CPU in it.
struct Rebuild {
  double seconds = 0;
  double figures_seconds = 0;
  double replay_seconds = 0;
  double fold_thread_cpu = 0;
};
Rebuild TimeRebuild(const EventLog& log, bool pipelined) {
  const Clock::time_point start = Clock::now();
  ProjectionState state;
  const double fold_cpu_start = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
  if (pipelined) {
    Check(ReplayLog(log, &state).status(), "replay");
  } else {
    Check(log.Scan(1, 0,
                   [&](const StoredEvent& stored) {
                     state.Apply(stored);
                     return true;
                   }),
          "rebuild scan");
  }
  const Clock::time_point figures_start = Clock::now();
  Rebuild rebuild;
  rebuild.replay_seconds = SecondsSince(start);
  rebuild.fold_thread_cpu =
      CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - fold_cpu_start;
  const FigureAccumulator figures =
      BuildFigures(state, state.last_seq(), false, FigureAccumulator().first(),
                   FigureAccumulator().last(), pipelined ? 2 : 1);
  rebuild.seconds = SecondsSince(start);
  rebuild.figures_seconds = SecondsSince(figures_start);
  return rebuild;
}

// --replay_child: one timing in this fresh process, printed as
// "replay_child <seconds>" for the parent to read.
int RunReplayChild(const std::string& what) {
  absl::StatusOr<std::unique_ptr<EventLog>> log =
      EventLog::Open(absl::GetFlag(FLAGS_store));
  Check(log.status(), "open log");
  double seconds = 0;
  if (what == "raw") {
    seconds = TimeRawScan(**log).seconds;
  } else if (what == "rebuild") {
    seconds = TimeRebuild(**log, /*pipelined=*/true).seconds;
  } else {
    std::fprintf(stderr, "--replay_child: raw or rebuild, not %s\n",
                 what.c_str());
    return 2;
  }
  std::printf("replay_child %.6f\n", seconds);
  return 0;
}

// Runs this program as a --replay_child on `dir` and returns its seconds.
double ReplayInChild(const std::string& dir, const char* what) {
  // This very program, through the kernel's link of this process to it
  // (popen's shell has a /proc/self/exe of its own): its path would name a
  // file that a rebuild meanwhile replaced, or " (deleted)".
  const std::string command = absl::StrCat("/proc/", getpid(), "/exe --store='",
                                           dir, "' --replay_child=", what);
  FILE* child = popen(command.c_str(), "r");
  if (child == nullptr) Check(absl::InternalError("popen failed"), what);
  double seconds = -1;
  char line[256];
  while (std::fgets(line, sizeof line, child) != nullptr) {
    std::sscanf(line, "replay_child %lf", &seconds);
  }
  if (pclose(child) != 0 || seconds < 0) {
    Check(absl::InternalError("the child failed"), what);
  }
  return seconds;
}

// The raw scan and the full rebuild, each in a fresh process as a restart
// meets them, in pairs that take turns going first. The machine's speed
// drifts (the same raw scan of 10 M events took 8.9 s to 14.6 s in fresh
// processes minutes apart, on a quiet machine), so a ratio is only taken
// within a pair, and the median over the pairs is the figure; the rounds
// above also time the heap that the generation and earlier rounds left.
void TimeInFreshProcesses(const std::string& dir, uint64_t events) {
  const int pairs = absl::GetFlag(FLAGS_fresh_rounds);
  if (pairs <= 0) return;
  std::vector<double> ratios;
  for (int pair = 0; pair < pairs; ++pair) {
    double raw = 0, rebuild = 0;
    if (pair % 2 == 0) {
      raw = ReplayInChild(dir, "raw");
      rebuild = ReplayInChild(dir, "rebuild");
    } else {
      rebuild = ReplayInChild(dir, "rebuild");
      raw = ReplayInChild(dir, "raw");
    }
    ratios.push_back(raw / rebuild);
    std::printf(
        "  fresh processes, pair %d (%s first): raw %8.0f events/s (%.2f s), "
        "rebuild %8.0f events/s (%.2f s)  %.2f x raw\n",
        pair + 1, pair % 2 == 0 ? "raw" : "rebuild", events / raw, raw,
        events / rebuild, rebuild, ratios.back());
  }
  std::sort(ratios.begin(), ratios.end());
  std::printf("full rebuild, fresh processes: median %.2f x raw (%d pairs)\n",
              ratios[ratios.size() / 2], pairs);
}

void Run(int64_t events) {
  const bool keep = !absl::GetFlag(FLAGS_store).empty();
  const std::string dir =
      keep ? absl::GetFlag(FLAGS_store)
           : absl::GetFlag(FLAGS_dir) + "/projection_bench-" +
                 std::to_string(::getpid()) + "-" + std::to_string(events);
  const bool generate = !keep || !std::filesystem::exists(dir);
  if (!keep) std::filesystem::remove_all(dir);
  ProjectorOptions options;
  options.checkpoint_interval = absl::GetFlag(FLAGS_checkpoint_interval);
  if (generate) {
    std::printf("\n== %lld events (checkpoint every %llu) ==\n",
                static_cast<long long>(events),
                static_cast<unsigned long long>(options.checkpoint_interval));
  } else {
    std::printf("\n== the ledger in %s (checkpoint every %llu) ==\n",
                dir.c_str(),
                static_cast<unsigned long long>(options.checkpoint_interval));
  }

  // 1. Generate with a Projector following the log.
  if (generate) {
    EventLogOptions log_options;
    log_options.sync = false;
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        EventLog::Open(dir, std::move(log_options));
    Check(log.status(), "open log");
    // The states the tail saved while following: their seqs, and the time
    // their encodings held up its folds.
    absl::Mutex saves_mutex;
    std::vector<uint64_t> save_seqs;
    absl::Duration save_encoding;
    ProjectorOptions generating = options;
    generating.on_state_saved_while_following = [&](uint64_t seq,
                                                    absl::Duration encoding) {
      absl::MutexLock lock(&saves_mutex);
      save_seqs.push_back(seq);
      save_encoding += encoding;
    };
    absl::StatusOr<std::unique_ptr<Projector>> projector =
        Projector::Open(**log, generating);
    Check(projector.status(), "open");
    DemoDataOptions demo;
    demo.markt_scale = MarktScaleFor(events);
    int64_t made = 0;
    // Whole days of the data set (a correction stays with its replacement),
    // appended about 1000 events at a time.
    std::vector<Event> batch;
    const auto append = [&] {
      made += static_cast<int64_t>(batch.size());
      absl::StatusOr<AppendResult> result = (*log)->Append(AppendBatch{
          .events = std::move(batch), .expected_job_seq = {}, .authority = {}});
      batch.clear();
      if (!result.ok() || !absl::GetFlag(FLAGS_lockstep)) {
        return result.status();
      }
      return (*projector)
          ->WaitUntilCaughtUp(result->last_seq, absl::InfiniteFuture());
    };
    const Clock::time_point start = Clock::now();
    const absl::Status generated =
        GenerateDemoData(demo, [&](DemoBatch day) -> absl::Status {
          const size_t room = static_cast<size_t>(events - made) - batch.size();
          if (day.events.size() > room) day.events.resize(room);
          for (Event& event : day.events) batch.push_back(std::move(event));
          if (batch.size() < 1000 &&
              made + static_cast<int64_t>(batch.size()) < events) {
            return absl::OkStatus();
          }
          RETURN_IF_ERROR(append());
          return made < events ? absl::OkStatus()
                               : absl::CancelledError("enough events");
        });
    if (!absl::IsCancelled(generated)) Check(generated, "generate");
    if (!batch.empty()) Check(append(), "append");
    // Until the projection has folded the last event too.
    Check(
        (*projector)
            ->WaitUntilCaughtUp((*log)->GetHead().seq, absl::InfiniteFuture()),
        "catch up");
    const double seconds = SecondsSince(start);
    Check((*projector)->FlushCheckpoints(), "checkpoints");
    const Clock::time_point close_start = Clock::now();
    projector->reset();
    std::printf("close, saving the state %6.2f s\n", SecondsSince(close_start));
    std::printf(
        "append via Projector  %8.0f events/s  (%lld events, markt scale "
        "%.2f, sync off, ~1000/batch, incl. generation)\n",
        static_cast<double>(made) / seconds, static_cast<long long>(made),
        demo.markt_scale);
    absl::MutexLock lock(&saves_mutex);
    std::printf(
        "  states saved while following: %zu (at seqs %s), encoding "
        "%.2f s in all\n",
        save_seqs.size(), absl::StrJoin(save_seqs, ", ").c_str(),
        absl::ToDoubleSeconds(save_encoding));
  }

  // 2. Raw scan + decode vs full rebuild (fold + figures at the head), best
  // of two rounds each, alternating. The rebuild runs as Projector::Open
  // does: ReplayLog decodes ahead on another thread while this one folds
  // (and decodes when it would wait), then the figures are built on two
  // threads. The one-thread rebuild (Scan + Apply + figures) shows the cost
  // without that parallelism.
  std::vector<absl::Time> commit_times;
  uint64_t stored_events = 0;
  double raw = 1e9, rebuild = 1e9, sequential = 1e9;
  double rebuild_figures = 0, sequential_figures = 0;
  // The best full rebuild's ReplayLog: wall seconds, and the CPU seconds of
  // the thread that folds (the calling one).
  double replay_wall = 0, replay_fold_cpu = 0;
  double fold_cpu = 1e9;
  {
    absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(dir);
    Check(log.status(), "open log");
    const bool fold_only = absl::GetFlag(FLAGS_fold_only);
    const bool time_rebuilds = absl::GetFlag(FLAGS_rebuild) && !fold_only;
    const int rounds =
        time_rebuilds ? std::max(1, absl::GetFlag(FLAGS_rebuild_rounds)) : 1;
    for (int round = 0; round < rounds; ++round) {
      RawScan scan = TimeRawScan(**log);
      raw = std::min(raw, scan.seconds);
      stored_events = scan.events;
      commit_times = std::move(scan.commit_times);

      const auto time_rebuild = [&](bool pipelined, double* best,
                                    double* best_figures) {
        const Rebuild timed = TimeRebuild(**log, pipelined);
        if (timed.seconds < *best) {
          *best = timed.seconds;
          *best_figures = timed.figures_seconds;
          if (pipelined) {
            replay_wall = timed.replay_seconds;
            replay_fold_cpu = timed.fold_thread_cpu;
          }
        }
      };
      // The fold alone in this thread's CPU time, less sensitive to a
      // shared machine's load than the wall times: the events are read into
      // memory a chunk at a time, as ReplayLog hands them over, and only
      // ApplyAll is timed.
      const auto time_fold = [&] {
        ProjectionState state;
        std::vector<StoredEvent> chunk;
        double cpu = 0;
        const auto fold = [&] {
          const double start = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
          state.ApplyAll(chunk);
          cpu += CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - start;
          chunk.clear();
        };
        Check((*log)->Scan(1, 0,
                           [&](const StoredEvent& stored) {
                             chunk.push_back(stored);
                             if (chunk.size() == 16'384) fold();
                             return true;
                           }),
              "fold scan");
        fold();
        fold_cpu = std::min(fold_cpu, cpu);
      };
      if (time_rebuilds) {
        time_rebuild(true, &rebuild, &rebuild_figures);
        time_rebuild(false, &sequential, &sequential_figures);
      }
      if (time_rebuilds || fold_only) time_fold();
    }
    const double n = static_cast<double>(stored_events);
    std::printf("raw Scan+decode       %8.0f events/s  (%.2f s, one thread)\n",
                n / raw, raw);
    if (time_rebuilds) {
      std::printf(
          "full rebuild          %8.0f events/s  (%.2f s, figures %.2f s)  "
          "%.2f x raw  [ReplayLog: a reader and the folding thread; "
          "figures on 2 threads]\n",
          n / rebuild, rebuild, rebuild_figures, raw / rebuild);
      // The folding thread reads too whenever the next chunk is not ready,
      // so it is busy nearly all of the replay; its CPU beyond the fold
      // alone's is the reading it took over.
      std::printf(
          "  ReplayLog %.2f s, the folding thread busy %.0f %% of it (thread "
          "CPU %.2f s)\n",
          replay_wall, 100 * replay_fold_cpu / replay_wall, replay_fold_cpu);
      std::printf(
          "rebuild, one thread   %8.0f events/s  (%.2f s, figures %.2f s)  "
          "%.2f x raw\n",
          n / sequential, sequential, sequential_figures, raw / sequential);
    }
    if (time_rebuilds || fold_only) {
      std::printf(
          "fold alone            %8.2f s thread CPU  (%.0f ns/event, the "
          "events in memory)\n",
          fold_cpu, fold_cpu / n * 1e9);
    }
  }

  if (absl::GetFlag(FLAGS_rebuild) && !absl::GetFlag(FLAGS_fold_only)) {
    TimeInFreshProcesses(dir, stored_events);
  }

  // 3. Restart: replay the log, load the stored checkpoints; as a server
  // opens them (LedgerServer::Start), the projection's state read while the
  // log opens.
  Clock::time_point start = Clock::now();
  EventLogOptions log_options;
  log_options.sync = false;
  std::optional<absl::StatusOr<SavedProjection>> saved;
  log_options.while_opening = [&saved](const EventLog& log) {
    saved = Projector::ReadSavedState(log);
  };
  absl::StatusOr<std::unique_ptr<EventLog>> log =
      EventLog::Open(dir, std::move(log_options));
  Check(log.status(), "reopen log");
  Check(saved->status(), "read the projection's saved state");
  const double log_open = SecondsSince(start);
  uint64_t state_seq = 0, state_folded = 0;
  options.on_state_restored = [&](uint64_t seq, uint64_t folded) {
    state_seq = seq;
    state_folded = folded;
  };
  // The work of the last as_of view (the queries below run one at a time).
  struct Moved {
    uint64_t cut = 0;
    uint64_t start = 0;
    size_t persons = 0;
  } moved;
  options.on_figures_moved = [&](uint64_t cut, uint64_t start, size_t persons) {
    moved = Moved{cut, start, persons};
  };
  const Clock::time_point projector_start = Clock::now();
  absl::StatusOr<std::unique_ptr<Projector>> projector =
      Projector::Open(**log, options, **std::move(saved));
  const double projector_open = SecondsSince(projector_start);
  Check(projector.status(), "reopen");
  std::printf(
      "restart (Open)        %8.2f s  (of which EventLog::Open %.2f s, the "
      "projection's state read beside it; %zu checkpoints; RSS %ld MB)\n",
      SecondsSince(start), log_open, (*projector)->CheckpointSeqs().size(),
      ResidentMegabytes());
  PrintStateCheckpoint(**log, state_seq, state_folded, projector_open);

  // 4. Current table: every sector and aggregate, the last quarter DOMAIN.md
  // §7 tabulates (the data set runs on into 2025, cut where it reaches
  // --events).
  const Quarter quarter{2024, 4};
  std::vector<double> millis;
  for (int i = 0; i < absl::GetFlag(FLAGS_current_queries); ++i) {
    const Clock::time_point query_start = Clock::now();
    absl::StatusOr<RealisationTable> table =
        (*projector)
            ->Realisation(RealisationQuery{
                .sectors = {},
                .from = quarter,
                .to = quarter,
                .measure = static_cast<Measure>(i % kMeasureCount),
                .as_of = std::nullopt,
                .include_employers = false});
    millis.push_back(SecondsSince(query_start) * 1000);
    Check(table.status(), "current query");
    if (i == 0) {
      // Found by sector: FUNDEREND_ONDERWIJS comes after NATIONAAL.
      const RealisationRow& nationaal =
          *std::find_if(table->rows.begin(), table->rows.end(),
                        [](const RealisationRow& row) {
                          return row.sector == Sector::kNationaal;
                        });
      std::printf("  NATIONAAL %s: %.2f banen, %lld persons, %lld jobs\n",
                  FormatQuarter(quarter).c_str(), nationaal.banen_x100 / 100.0,
                  static_cast<long long>(nationaal.persons),
                  static_cast<long long>(nationaal.jobs));
    }
  }
  Latencies current = Summarize(millis);
  std::printf(
      "current table         p50 %.3f ms  p99 %.3f ms  max %.3f ms  (16 "
      "rows)\n",
      current.p50_ms, current.p99_ms, current.max_ms);

  // 5. as_of at random past moments of the append run (the whole history).
  std::mt19937_64 random(7);
  millis.clear();
  // Each query's time and the work its view did, to name the slowest cuts.
  struct AsOfCut {
    double ms;
    absl::Time as_of;
    Moved moved;
  };
  std::vector<AsOfCut> cuts;
  for (int i = 0; i < absl::GetFlag(FLAGS_as_of_queries); ++i) {
    const absl::Time as_of = commit_times[random() % commit_times.size()];
    moved = Moved{};
    const Clock::time_point query_start = Clock::now();
    absl::StatusOr<RealisationTable> table =
        (*projector)
            ->Realisation(RealisationQuery{.sectors = {},
                                           .from = quarter,
                                           .to = quarter,
                                           .measure = Measure::kPeildatum,
                                           .as_of = as_of,
                                           .include_employers = false});
    millis.push_back(SecondsSince(query_start) * 1000);
    Check(table.status(), "as_of query");
    cuts.push_back(AsOfCut{millis.back(), as_of, moved});
  }
  const Latencies as_of = Summarize(millis);
  std::printf("as_of table           p50 %.1f ms  p99 %.1f ms  max %.1f ms\n",
              as_of.p50_ms, as_of.p99_ms, as_of.max_ms);
  std::sort(cuts.begin(), cuts.end(),
            [](const AsOfCut& a, const AsOfCut& b) { return a.ms > b.ms; });
  for (size_t i = 0; i < std::min<size_t>(cuts.size(), 5); ++i) {
    const AsOfCut& cut = cuts[i];
    std::printf(
        "  slow as_of %s: %.1f ms, cut seq %llu from seq %llu (%llu events "
        "between), %zu persons moved\n",
        absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", cut.as_of, absl::UTCTimeZone())
            .c_str(),
        cut.ms, static_cast<unsigned long long>(cut.moved.cut),
        static_cast<unsigned long long>(cut.moved.start),
        static_cast<unsigned long long>(cut.moved.cut > cut.moved.start
                                            ? cut.moved.cut - cut.moved.start
                                            : cut.moved.start - cut.moved.cut),
        cut.moved.persons);
  }

  // 6. Quota (issue 14): every employer of the national demo year 2024, from
  // the hour-days the projector's tail keeps (target p99 <= 50 ms at 10 M).
  Timings quota;
  size_t employers = 0;
  for (int i = 0; i < absl::GetFlag(FLAGS_quota_queries); ++i) {
    QuotaQuery query;
    query.year = 2024;
    query.regime = i % 2 == 0 ? Regime::kWfsv2015 : Regime::kWba2026;
    absl::StatusOr<QuotaTable> table;
    quota.Time([&] { table = (*projector)->Quota(query); });
    Check(table.status(), "quota query");
    if (i == 0) {
      employers = table->rows.size();
      const QuotaTotal& overheid = *std::find_if(
          table->totals.begin(), table->totals.end(),
          [](const QuotaTotal& t) { return t.sector == Sector::kOverheid; });
      std::printf(
          "  OVERHEID 2024: %lld employers, %lld liable, quota %.2f, realised "
          "%.2f banen, levy EUR %lld\n",
          static_cast<long long>(overheid.employers),
          static_cast<long long>(overheid.liable_employers),
          overheid.quota_banen_x100 / 100.0,
          overheid.realised_banen_x100 / 100.0,
          static_cast<long long>(overheid.levy_euro));
    }
  }
  quota.Print("quota (all employers)",
              ("  " + std::to_string(employers) + " employers").c_str());
  // The WBA_2026 realisation table from the same hour-days: every sector and
  // aggregate, 2015..2024.
  Timings wba_table;
  RealisationQuery wba;
  wba.from = Quarter{2015, 1};
  wba.to = quarter;
  wba.regime = Regime::kWba2026;
  for (int i = 0; i < absl::GetFlag(FLAGS_quota_queries); ++i) {
    absl::StatusOr<RealisationTable> table;
    wba_table.Time([&] { table = (*projector)->Realisation(wba); });
    Check(table.status(), "WBA_2026 query");
  }
  wba_table.Print("WBA_2026, 10 years");

  // 7. The register dashboard (issue 14): 40 quarters, 2015Q1..2024Q4, from
  // the counts the tail keeps plus the realisation's banen (target 200 ms).
  Timings register_figures;
  const RegisterQuery forty{
      .from = Quarter{2015, 1}, .to = quarter, .as_of = std::nullopt};
  for (int i = 0; i < absl::GetFlag(FLAGS_register_queries); ++i) {
    absl::StatusOr<RegisterTable> figures;
    register_figures.Time(
        [&] { figures = (*projector)->RegisterFigures(forty); });
    Check(figures.status(), "register query");
    if (i == 0) {
      const RegisterCounts& last = figures->quarters.back().counts;
      std::printf("  register %s: %lld registered, %lld working\n",
                  FormatQuarter(last.quarter).c_str(),
                  static_cast<long long>(last.registered),
                  static_cast<long long>(last.working));
    }
  }
  register_figures.Print("register, 40 quarters", "  target 200 ms");
  projector->reset();
  log->reset();
  if (!keep) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace banen::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  if (!absl::GetFlag(FLAGS_replay_child).empty()) {
    return banen::bench::RunReplayChild(absl::GetFlag(FLAGS_replay_child));
  }
  // Each line as it is printed: a log of a long run shows how far it got.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  utsname machine;
  uname(&machine);
  std::printf("projection_bench on %s %s, %u hardware threads\n",
              machine.nodename, machine.machine,
              std::thread::hardware_concurrency());
  banen::bench::Run(absl::GetFlag(FLAGS_events));
  if (absl::GetFlag(FLAGS_ten_million)) banen::bench::Run(10'000'000);
  return 0;
}
