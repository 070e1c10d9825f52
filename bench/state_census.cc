// How the jobs and persons of a store divide into those touched recently and
// those untouched for long, and how often an event comes back to one untouched
// for long: what a split of the state into a hot part in memory and a cold
// part behind a slower lookup (issue 15's memory target) would keep, and how
// many events would pay the slow lookup.
//
//   state_census --store=PATH [--horizons=100000,1000000,2500000]
//
// The log is folded into a ProjectionState (as a projector's rebuild does).
// A job is touched by its events and their retractions; it is open while no
// end of it is visible at the head. A person is touched by its register
// events and their retractions, and through its jobs. For each horizon H it
// prints the ended jobs and the persons without an open job that nothing
// touched in the last H events (what could leave memory), and, of the
// events that touched a job or a person's register again, those that came
// more than H events after the one before (what would then come back from
// the cold part).
//
// It also counts the timelines that outgrew their records' place and live
// in heap blocks (issue 15's bytes per record): the projection's jobs past
// 3 entries and persons past 32 bytes of register entries and job indexes,
// and, by their live (unretracted) entries, the validation state's jobs
// past 3 and persons past 1 (ledger/ledger_state.h), with the bytes their
// blocks ask for (CompactVector and PersonRecord: room for bit_ceil of each
// count); and how the timelines divide by size, which decides what a
// record keeps in place: the jobs and persons by live entries, the
// projection's persons by the bytes of their entries and job indexes, and
// the jobs that name a lender or a commissioning employer.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "bench/machine.h"
#include "ledger/event_log.h"
#include "projections/log_replay.h"
#include "projections/projection_state.h"

ABSL_FLAG(std::string, store, "", "the store to fold (projection_bench's)");
ABSL_FLAG(std::vector<std::string>, horizons,
          std::vector<std::string>({"100000", "1000000", "2500000"}),
          "events without a touch after which a job or person counts as cold");

namespace banen::bench {
namespace {

struct Horizon {
  uint64_t events = 0;
  uint64_t cold_jobs = 0;     // ended, untouched for longer
  uint64_t cold_persons = 0;  // no open job, untouched for longer
  uint64_t late_touches = 0;  // came back after a longer gap
};

// Adds the touches of one job or register (its entries' seqs and their
// retractions'), less the first, to `touches`, and those after a gap
// longer than a horizon to it; returns the last.
template <typename Entries>
uint64_t CountTouches(const Entries& entries, const Retractions& retractions,
                      std::vector<uint64_t>& seqs,
                      std::vector<Horizon>& horizons, uint64_t& touches) {
  seqs.clear();
  for (const auto& entry : entries) {
    seqs.push_back(entry.seq);
    if (entry.retracted) seqs.push_back(retractions.Of(entry.seq));
  }
  std::sort(seqs.begin(), seqs.end());
  for (size_t i = 1; i < seqs.size(); ++i) {
    ++touches;
    for (Horizon& horizon : horizons) {
      horizon.late_touches += seqs[i] - seqs[i - 1] > horizon.events;
    }
  }
  return seqs.empty() ? 0 : seqs.back();
}

// Timelines past their place, and the bytes of their heap blocks.
struct Spilled {
  uint64_t count = 0;
  uint64_t bytes = 0;
  void Add(uint64_t elements, uint64_t element_bytes) {
    ++count;
    bytes += std::bit_ceil(elements) * element_bytes;
  }
};

template <typename Entries>
uint64_t LiveEntries(const Entries& entries) {
  return static_cast<uint64_t>(
      std::count_if(entries.begin(), entries.end(),
                    [](const auto& entry) { return !entry.retracted; }));
}

// Counts by size, the last bucket holding every size from its own on.
template <size_t kBuckets>
struct Histogram {
  std::array<uint64_t, kBuckets> counts{};
  void Add(uint64_t size) { ++counts[std::min<uint64_t>(size, kBuckets - 1)]; }
  // "what: 0: n, 1: n, ..., K or more: n", each bucket's size times `unit`.
  void Print(const char* what, size_t unit) const {
    std::printf("%s:", what);
    for (size_t i = 0; i < kBuckets; ++i) {
      std::printf("%s %zu%s: %llu", i == 0 ? "" : ",", i * unit,
                  i + 1 == kBuckets ? " or more" : "",
                  static_cast<unsigned long long>(counts[i]));
    }
    std::printf("\n");
  }
};

void PrintTimelineSizes(const ProjectionState& state) {
  Spilled projection_jobs, projection_persons, ledger_jobs, ledger_persons;
  Histogram<5> live_job_entries;
  Histogram<4> live_person_entries;
  Histogram<8> person_words;  // the projection's, in 4-byte words
  uint64_t lent = 0;
  uint64_t commissioned = 0;
  for (uint32_t j = 0; j < state.job_count(); ++j) {
    const JobRecord& job = state.job(j);
    if (job.entries.size() > 3) {
      projection_jobs.Add(job.entries.size(), sizeof(JobEntry));
    }
    const uint64_t live = LiveEntries(job.entries);
    if (live > 3) ledger_jobs.Add(live, 8);
    live_job_entries.Add(live);
    lent += job.lender != kNoIndex;
    commissioned += job.commissioning_employer != kNoIndex;
  }
  for (uint32_t p = 0; p < state.person_count(); ++p) {
    const PersonRecord& person = state.person(p);
    const size_t entries = person.entries().size();
    const size_t jobs = person.jobs().size();
    const size_t bytes =
        entries * sizeof(RegisterEntry) + jobs * sizeof(uint32_t);
    if (bytes > 24) {
      projection_persons.Add(entries, sizeof(RegisterEntry));
      projection_persons.bytes += std::bit_ceil(jobs) * sizeof(uint32_t);
    }
    person_words.Add(bytes / sizeof(uint32_t));
    const uint64_t live = LiveEntries(person.entries());
    if (live > 1) ledger_persons.Add(live, 8);
    live_person_entries.Add(live);
  }
  const auto line = [](const char* what, const Spilled& spilled, size_t of) {
    std::printf("past their place: %s %llu of %zu (%.1f MB of blocks asked)\n",
                what, static_cast<unsigned long long>(spilled.count), of,
                static_cast<double>(spilled.bytes) / 1e6);
  };
  line("the projection's jobs", projection_jobs, state.job_count());
  line("the projection's persons", projection_persons, state.person_count());
  line("the validation state's jobs", ledger_jobs, state.job_count());
  line("the validation state's persons", ledger_persons, state.person_count());
  live_job_entries.Print("jobs by live entries", 1);
  live_person_entries.Print("persons by live register entries", 1);
  person_words.Print("the projection's persons by bytes of entries and jobs",
                     sizeof(uint32_t));
  std::printf("jobs naming a lender: %llu; a commissioning employer: %llu\n",
              static_cast<unsigned long long>(lent),
              static_cast<unsigned long long>(commissioned));
}

int Run(const std::string& store, std::vector<Horizon> horizons) {
  EventLogOptions options;
  options.sync = false;
  absl::StatusOr<std::unique_ptr<EventLog>> log =
      EventLog::Open(store, options);
  ProjectionState state;
  absl::Status status = log.status();
  if (status.ok()) status = ReplayLog(**log, &state).status();
  if (!status.ok()) {
    std::fprintf(stderr, "state_census: %s\n", status.ToString().c_str());
    return 1;
  }
  const uint64_t head = state.last_seq();
  std::vector<uint64_t> seqs;
  uint64_t touches = 0;
  uint64_t open_jobs = 0;
  std::vector<uint64_t> job_last(state.job_count());
  std::vector<bool> job_open(state.job_count());
  for (uint32_t j = 0; j < state.job_count(); ++j) {
    const JobRecord& job = state.job(j);
    job_last[j] =
        CountTouches(job.entries, state.retractions(), seqs, horizons, touches);
    job_open[j] = std::none_of(
        job.entries.begin(), job.entries.end(), [&](const JobEntry& entry) {
          return entry.step == JobStep::kEnd && state.CutAt(head).Sees(entry);
        });
    open_jobs += job_open[j];
    for (Horizon& horizon : horizons) {
      horizon.cold_jobs += !job_open[j] && head - job_last[j] > horizon.events;
    }
  }
  for (uint32_t p = 0; p < state.person_count(); ++p) {
    const PersonRecord& person = state.person(p);
    uint64_t last = CountTouches(person.entries(), state.retractions(), seqs,
                                 horizons, touches);
    bool has_open_job = false;
    for (const uint32_t job : person.jobs()) {
      last = std::max(last, job_last[job]);
      has_open_job = has_open_job || job_open[job];
    }
    for (Horizon& horizon : horizons) {
      horizon.cold_persons += !has_open_job && head - last > horizon.events;
    }
  }
  const auto percent = [](uint64_t part, uint64_t whole) {
    return whole == 0
               ? 0.0
               : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
  };
  std::printf(
      "state_census: %llu events; %zu jobs, %llu of them open; %zu persons; "
      "%llu events touched a job or a register touched before\n",
      static_cast<unsigned long long>(head), state.job_count(),
      static_cast<unsigned long long>(open_jobs), state.person_count(),
      static_cast<unsigned long long>(touches));
  for (const Horizon& horizon : horizons) {
    std::printf(
        "untouched for more than %llu events: %llu ended jobs (%.1f %% of "
        "the jobs), %llu persons without an open job (%.1f %%); touched "
        "again after a longer gap: %llu events (%.1f %%)\n",
        static_cast<unsigned long long>(horizon.events),
        static_cast<unsigned long long>(horizon.cold_jobs),
        percent(horizon.cold_jobs, state.job_count()),
        static_cast<unsigned long long>(horizon.cold_persons),
        percent(horizon.cold_persons, state.person_count()),
        static_cast<unsigned long long>(horizon.late_touches),
        percent(horizon.late_touches, touches));
  }
  PrintTimelineSizes(state);
  return 0;
}

}  // namespace
}  // namespace banen::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string store =
      banen::bench::RequiredStore("state_census", absl::GetFlag(FLAGS_store));
  std::vector<banen::bench::Horizon> horizons;
  for (const std::string& text : absl::GetFlag(FLAGS_horizons)) {
    banen::bench::Horizon horizon;
    if (!absl::SimpleAtoi(text, &horizon.events)) {
      std::fprintf(stderr, "state_census: --horizons: not a count: %s\n",
                   text.c_str());
      return 2;
    }
    horizons.push_back(horizon);
  }
  return banen::bench::Run(store, std::move(horizons));
}
