// A deterministic stream of valid ledger events for benchmarks: employers
// first, then per hire a register entry, the hire, an hours change and an
// outflow, spread over 2013-2025 and over every sector and contract form.
//
// One of four event generators, each for its own use. This one is for
// throughput: it costs next to nothing per event, and no event names
// another by seq, so each hire's four events may go to any appending thread
// or store (append_bench, grpc_ingest_bench, the power-loss test). The
// national data set (tools/demo_data.h) is realistic but slow to make and
// must be appended in its one order; tools/demo.h is a fixed small history
// to read; tests/projections/random_history.h proposes events a ledger may
// reject, for property tests.
#ifndef BANEN_BENCH_SYNTHETIC_EVENTS_H_
#define BANEN_BENCH_SYNTHETIC_EVENTS_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ledger/event.h"

namespace banen::bench {

class SyntheticEvents {
 public:
  explicit SyntheticEvents(uint64_t seed, int employers = 500)
      : random_(seed), employers_(employers) {}

  // The next `count` events of the stream; every one is valid after all
  // earlier ones.
  std::vector<Event> Next(size_t count) {
    std::vector<Event> events;
    events.reserve(count);
    while (events.size() < count) events.push_back(NextEvent());
    return events;
  }

 private:
  Event NextEvent() {
    Event event;
    event.event_id = "ev-" + std::to_string(events_made_++);
    if (employers_made_ < employers_) {
      const int sector = 1 + employers_made_ % 14;
      event.effective_date = MakeDate(2013, 1, 1);
      event.payload =
          EmployerRegistered{EmployerId(employers_made_),
                             "Employer " + std::to_string(employers_made_),
                             static_cast<Sector>(sector), ""};
      ++employers_made_;
      return event;
    }
    const uint64_t hire = hires_;
    const std::string job_id = "job-" + std::to_string(hire);
    const Date start{start_day_ + static_cast<int32_t>(hire % 4000)};
    switch (step_) {
      case 0:
        event.effective_date = start;
        event.payload = PersonRegistered{PersonRef(hire)};
        break;
      case 1: {
        const auto form = static_cast<ContractForm>(1 + random_() % 4);
        JobStarted started{job_id,
                           EmployerId(random_() % employers_),
                           PersonRef(hire),
                           form,
                           static_cast<int32_t>(800 + random_() % 3200),
                           "",
                           ""};
        if (IsInleen(form)) started.lender_id = "lender-1";
        event.effective_date = start;
        event.payload = std::move(started);
        break;
      }
      case 2:
        event.effective_date = Date{start.days + 90};
        event.payload =
            HoursChanged{job_id, static_cast<int32_t>(800 + random_() % 3200)};
        break;
      default:
        event.effective_date = Date{start.days + 400};
        event.payload = JobEnded{job_id, OutflowReason::kEndOfContract};
        break;
    }
    if (++step_ == 4) {
      step_ = 0;
      ++hires_;
    }
    return event;
  }

  static std::string EmployerId(uint64_t n) {
    return "emp-" + std::to_string(n);
  }
  static std::string PersonRef(uint64_t n) {
    std::string digits = std::to_string(n);
    return "person-" +
           std::string(12 - std::min<size_t>(12, digits.size()), '0') + digits;
  }

  std::mt19937_64 random_;
  const int employers_;
  int employers_made_ = 0;
  uint64_t events_made_ = 0;
  uint64_t hires_ = 0;
  int step_ = 0;
  const int32_t start_day_ = MakeDate(2013, 1, 1).days;
};

}  // namespace banen::bench

#endif  // BANEN_BENCH_SYNTHETIC_EVENTS_H_
