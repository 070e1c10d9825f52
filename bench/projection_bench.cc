// Projection throughput and latency on a synthetic national ledger, next to a
// raw EventLog::Scan (RocksDB read + decode) of the same data in the same run.
//
//   projection_bench [--events=1000000] [--ten_million] [--dir=/tmp]
//                    [--checkpoint_interval=10000] [--store=PATH]
//
// --store keeps the generated ledger at PATH, or reuses the one already there
// (its checkpoints included), so that a 10 M run need not generate again.
//
// Reports: appends with a Projector following (until it has folded the last
// event); raw
// scan vs full rebuild (scan + fold + figures) in events/s and their ratio;
// restart time; current-table and as_of query latencies (p50/p99/max).
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "ledger/event_log.h"
#include "projections/figures.h"
#include "projections/log_replay.h"
#include "projections/projection_state.h"
#include "projections/projector.h"
#include "projections/realisation.h"

ABSL_FLAG(int64_t, events, 1'000'000, "events in the generated ledger");
ABSL_FLAG(bool, ten_million, false, "also run with 10,000,000 events");
ABSL_FLAG(std::string, dir, "/tmp", "where the temporary stores go");
ABSL_FLAG(uint64_t, checkpoint_interval, 10'000, "events per checkpoint");
ABSL_FLAG(int, current_queries, 2000, "current-table queries timed");
ABSL_FLAG(int, as_of_queries, 100, "as_of queries timed");
ABSL_FLAG(std::string, store, "",
          "keep the ledger here, or reuse it if it exists (one size only)");

namespace banen::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A national ledger over 2013-2026: ~150,000 active jobs at steady state over
// 2,000 employers (70% MARKT), hires of mostly new persons, hours changes
// (some backdated into the timeline), conversions, outflows (some
// backdated), register gaps, retractions of hours changes, reclassifications,
// targets. Valid by construction, so the ledger stores every event.
class NationalLedger {
 public:
  NationalLedger(uint64_t seed, int64_t total_events)
      : random_(seed), total_events_(total_events) {}

  std::vector<Event> NextBatch(size_t size) {
    batch_.clear();
    hours_changes_in_batch_.clear();
    while (batch_.size() < size) Next();
    return std::move(batch_);
  }

  // The seqs the ledger gave the last batch: hours changes become
  // retraction candidates.
  void Stored(const AppendResult& result) {
    for (size_t index : hours_changes_in_batch_) {
      retractable_.push_back(result.seqs[index]);
    }
  }

  int64_t made() const { return made_; }
  size_t active_jobs() const { return active_.size(); }

 private:
  static constexpr int kEmployers = 2000;
  static constexpr size_t kActiveTarget = 150'000;

  struct Job {
    Date start;
    Date last;
    ContractForm form;
    uint32_t active_slot;
  };
  struct Person {
    bool registered = false;
    Date last;
  };

  int Uniform(int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random_);
  }
  Date Today() const {
    static const Date first = MakeDate(2013, 1, 1);
    static const Date last = MakeDate(2026, 9, 30);
    return Date{first.days + static_cast<int32_t>((last.days - first.days) *
                                                  made_ / total_events_)};
  }
  static std::string EmployerId(int index) {
    return "emp-" + std::to_string(index);
  }
  static std::string PersonRef(size_t index) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "person-ref-%010zu", index);
    return buffer;
  }
  static std::string JobId(size_t index) {
    return "job-" + std::to_string(index);
  }

  void Add(Date date, EventPayload payload) {
    batch_.push_back(Event{.event_id = "ev-" + std::to_string(made_++),
                           .effective_date = date,
                           .payload = std::move(payload)});
  }

  void Next() {
    const Date today = Today();
    if (employers_ < kEmployers) {
      const Sector sector = employers_ % 10 < 7
                                ? Sector::kMarkt
                                : static_cast<Sector>(2 + employers_ % 13);
      Add(MakeDate(2013, 1, 1),
          EmployerRegistered{EmployerId(employers_),
                             "Employer " + std::to_string(employers_), sector,
                             ""});
      ++employers_;
      return;
    }
    const int roll = Uniform(0, 999);
    if (roll < 300) {
      if (active_.size() < kActiveTarget || Uniform(0, 1) == 0) {
        Hire(today);
      } else {
        End(today);
      }
    } else if (roll < 370) {
      Convert(today);
    } else if (roll < 450) {
      RegisterGap(today);
    } else if (roll < 490) {
      Retract(today);
    } else if (roll < 493) {
      Add(today, EmployerReclassified{EmployerId(Uniform(0, kEmployers - 1)),
                                      static_cast<Sector>(Uniform(1, 14))});
    } else if (roll < 495) {
      Add(today, TargetSet{static_cast<Sector>(Uniform(1, 16)), YearOf(today),
                           Uniform(100, 600000) * 10, "Kamerbrief"});
    } else {
      ChangeHours(today);
    }
  }

  void Hire(Date today) {
    size_t person;
    if (persons_.empty() || Uniform(0, 4) != 0) {
      person = persons_.size();
      persons_.push_back(Person{});
    } else {
      person = Uniform(0, static_cast<int>(persons_.size()) - 1);
    }
    Person& p = persons_[person];
    const Date start{
        std::max(today.days - (Uniform(0, 19) == 0 ? Uniform(1, 90) : 0),
                 p.last.days + 1)};
    if (!p.registered) {
      Add(Date{start.days - 1}, PersonRegistered{PersonRef(person)});
      p.registered = true;
      p.last = Date{start.days - 1};
    }
    const int form_roll = Uniform(0, 99);
    const ContractForm form = form_roll < 3    ? ContractForm::kSroi
                              : form_roll < 40 ? ContractForm::kVast
                              : form_roll < 75 ? ContractForm::kTijdelijk
                              : form_roll < 90
                                  ? ContractForm::kInleenUitzend
                                  : ContractForm::kInleenDetachering;
    const int employer = Uniform(0, kEmployers - 1);
    Add(start,
        JobStarted{JobId(jobs_.size()), EmployerId(employer), PersonRef(person),
                   form, Uniform(4, 32) * 100, IsInleen(form) ? "lender-1" : "",
                   form == ContractForm::kSroi ? EmployerId(7) : ""});
    jobs_.push_back(
        Job{start, start, form, static_cast<uint32_t>(active_.size())});
    active_.push_back(static_cast<uint32_t>(jobs_.size() - 1));
  }

  Job* RandomActive(uint32_t* index) {
    if (active_.empty()) return nullptr;
    *index = active_[Uniform(0, static_cast<int>(active_.size()) - 1)];
    return &jobs_[*index];
  }

  void End(Date today) {
    uint32_t index;
    Job* job = RandomActive(&index);
    if (job == nullptr) return Hire(today);
    const int backdate = Uniform(0, 9) == 0 ? Uniform(1, 90) : 0;
    const Date date{std::max(today.days - backdate, job->last.days + 1)};
    Add(date,
        JobEnded{JobId(index), static_cast<OutflowReason>(Uniform(1, 7))});
    const uint32_t slot = job->active_slot;
    active_[slot] = active_.back();
    jobs_[active_[slot]].active_slot = slot;
    active_.pop_back();
  }

  void Convert(Date today) {
    uint32_t index;
    Job* job = RandomActive(&index);
    if (job == nullptr || job->form == ContractForm::kVast ||
        job->form == ContractForm::kSroi) {
      return ChangeHours(today);
    }
    const ContractForm to =
        job->form == ContractForm::kTijdelijk || Uniform(0, 1) == 0
            ? ContractForm::kVast
            : ContractForm::kTijdelijk;
    job->last = Date{std::max(today.days, job->last.days + 1)};
    job->form = to;
    Add(job->last, JobConverted{JobId(index), to, 0});
  }

  void ChangeHours(Date today) {
    uint32_t index;
    Job* job = RandomActive(&index);
    if (job == nullptr) return Hire(today);
    // One in ten lands before the job's latest event.
    const int backdate = Uniform(0, 9) == 0 ? Uniform(1, 60) : 0;
    const Date date{std::max(today.days - backdate, job->start.days + 1)};
    job->last = std::max(job->last, date);
    hours_changes_in_batch_.push_back(batch_.size());
    Add(date, HoursChanged{JobId(index), Uniform(4, 32) * 100});
  }

  void RegisterGap(Date today) {
    if (persons_.empty()) return Hire(today);
    const size_t person = Uniform(0, static_cast<int>(persons_.size()) - 1);
    Person& p = persons_[person];
    p.last = Date{std::max(today.days, p.last.days + 1)};
    if (p.registered) {
      Add(p.last,
          PersonDeregistered{PersonRef(person), DeregistrationReason::kOther});
    } else {
      Add(p.last, PersonRegistered{PersonRef(person)});
    }
    p.registered = !p.registered;
  }

  void Retract(Date today) {
    if (retractable_.empty()) return ChangeHours(today);
    const size_t pick = Uniform(0, static_cast<int>(retractable_.size()) - 1);
    const uint64_t seq = retractable_[pick];
    retractable_[pick] = retractable_.back();
    retractable_.pop_back();
    Add(today, EventRetracted{seq, "correction"});
  }

  std::mt19937_64 random_;
  const int64_t total_events_;
  int64_t made_ = 0;
  int employers_ = 0;
  std::vector<Person> persons_;
  std::vector<Job> jobs_;
  std::vector<uint32_t> active_;
  std::vector<uint64_t> retractable_;
  std::vector<Event> batch_;
  std::vector<size_t> hours_changes_in_batch_;
};

long ResidentMegabytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  }
  return -1;
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

void Check(const absl::Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::exit(1);
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
    absl::StatusOr<std::unique_ptr<Projector>> projector =
        Projector::Open(**log, options);
    Check(projector.status(), "open");
    NationalLedger ledger(42, events);
    const Clock::time_point start = Clock::now();
    while (ledger.made() < events) {
      std::vector<Event> batch =
          ledger.NextBatch(std::min<int64_t>(1000, events - ledger.made()));
      absl::StatusOr<AppendResult> result = (*log)->Append(AppendBatch{
          .events = std::move(batch), .expected_job_seq = {}, .authority = {}});
      Check(result.status(), "append");
      ledger.Stored(*result);
    }
    // Until the projection has folded the last event too.
    Check(
        (*projector)
            ->WaitUntilCaughtUp((*log)->GetHead().seq, absl::InfiniteFuture()),
        "catch up");
    const double seconds = SecondsSince(start);
    Check((*projector)->FlushCheckpoints(), "checkpoints");
    projector->reset();
    std::printf(
        "append via Projector  %8.0f events/s  (%zu active jobs at the end, "
        "sync off, 1000/batch, incl. generation)\n",
        events / seconds, ledger.active_jobs());
  }

  // 2. Raw scan + decode vs full rebuild (fold + figures at the head), best
  // of two rounds each, alternating. The rebuild runs as Projector::Open
  // does: ReplayLog decodes ahead on two threads while this one folds, then
  // the figures are built on two threads. The one-thread rebuild (Scan +
  // Apply + figures) shows the cost without that parallelism.
  std::vector<absl::Time> commit_times;
  uint64_t stored_events = 0;
  double raw = 1e9, rebuild = 1e9, sequential = 1e9;
  double rebuild_figures = 0, sequential_figures = 0;
  double log_open = 0;
  {
    const Clock::time_point open_start = Clock::now();
    absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(dir);
    Check(log.status(), "open log");
    log_open = SecondsSince(open_start);
    for (int round = 0; round < 2; ++round) {
      Clock::time_point start = Clock::now();
      uint64_t checksum = 0;
      commit_times.clear();
      Check((*log)->Scan(1, 0,
                         [&](const StoredEvent& stored) {
                           checksum +=
                               stored.seq + stored.event.event_id.size();
                           stored_events = stored.seq;
                           if (commit_times.empty() ||
                               commit_times.back() != stored.recorded_at) {
                             commit_times.push_back(stored.recorded_at);
                           }
                           return true;
                         }),
            "raw scan");
      raw = std::min(raw, SecondsSince(start));
      if (checksum == 0) std::printf("(empty)\n");

      const auto time_rebuild = [&](bool pipelined, double* best,
                                    double* best_figures) {
        const Clock::time_point start = Clock::now();
        ProjectionState state;
        if (pipelined) {
          Check(ReplayLog(**log, &state).status(), "replay");
        } else {
          Check((*log)->Scan(1, 0,
                             [&](const StoredEvent& stored) {
                               state.Apply(stored);
                               return true;
                             }),
                "rebuild scan");
        }
        const Clock::time_point figures_start = Clock::now();
        const FigureAccumulator figures = BuildFigures(
            state, state.last_seq(), false, FigureAccumulator().first(),
            FigureAccumulator().last(), pipelined ? 2 : 1);
        const double seconds = SecondsSince(start);
        if (seconds < *best) {
          *best = seconds;
          *best_figures = SecondsSince(figures_start);
        }
      };
      time_rebuild(true, &rebuild, &rebuild_figures);
      time_rebuild(false, &sequential, &sequential_figures);
    }
    const double n = static_cast<double>(stored_events);
    std::printf("raw Scan+decode       %8.0f events/s  (%.2f s, one thread)\n",
                n / raw, raw);
    std::printf(
        "full rebuild          %8.0f events/s  (%.2f s, figures %.2f s)  %.2f "
        "x raw  [ReplayLog, 2 readers; figures on 2 threads]\n",
        n / rebuild, rebuild, rebuild_figures, raw / rebuild);
    std::printf(
        "rebuild, one thread   %8.0f events/s  (%.2f s, figures %.2f s)  %.2f "
        "x raw\n",
        n / sequential, sequential, sequential_figures, raw / sequential);
  }

  // 3. Restart: replay the log, load the stored checkpoints.
  Clock::time_point start = Clock::now();
  EventLogOptions log_options;
  log_options.sync = false;
  absl::StatusOr<std::unique_ptr<EventLog>> log =
      EventLog::Open(dir, std::move(log_options));
  Check(log.status(), "reopen log");
  absl::StatusOr<std::unique_ptr<Projector>> projector =
      Projector::Open(**log, options);
  Check(projector.status(), "reopen");
  std::printf(
      "restart (Open)        %8.2f s  (of which EventLog::Open alone %.2f s; "
      "%zu checkpoints; RSS %ld MB)\n",
      SecondsSince(start), log_open, (*projector)->CheckpointSeqs().size(),
      ResidentMegabytes());

  // 4. Current table: every sector and aggregate, the last full quarter.
  const Quarter quarter{2026, 3};
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

  // 5. as_of at random past moments, 2013Q1..2026Q3 (the whole history).
  std::mt19937_64 random(7);
  millis.clear();
  for (int i = 0; i < absl::GetFlag(FLAGS_as_of_queries); ++i) {
    const absl::Time as_of = commit_times[random() % commit_times.size()];
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
  }
  const Latencies as_of = Summarize(millis);
  std::printf("as_of table           p50 %.1f ms  p99 %.1f ms  max %.1f ms\n",
              as_of.p50_ms, as_of.p99_ms, as_of.max_ms);
  projector->reset();
  log->reset();
  if (!keep) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace banen::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  utsname machine;
  uname(&machine);
  std::printf("projection_bench on %s %s, %u hardware threads\n",
              machine.nodename, machine.machine,
              std::thread::hardware_concurrency());
  banen::bench::Run(absl::GetFlag(FLAGS_events));
  if (absl::GetFlag(FLAGS_ten_million)) banen::bench::Run(10'000'000);
  return 0;
}
