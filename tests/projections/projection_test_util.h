// Histories of StoredEvents for projection tests, stored as the ledger would:
// seqs from 1, recorded times strictly increasing per commit.
#ifndef BANEN_TESTS_PROJECTIONS_PROJECTION_TEST_UTIL_H_
#define BANEN_TESTS_PROJECTIONS_PROJECTION_TEST_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger/event.h"
#include "projections/projection_state.h"
#include "projections/quarter.h"
#include "projections/realisation.h"
#include "tests/ledger/test_events.h"

namespace banen::test {

inline Quarter Q(std::string_view text) {
  const std::optional<Quarter> quarter = ParseQuarter(text);
  if (!quarter.has_value()) {
    ADD_FAILURE() << "test quarter does not parse: " << text;
    return Quarter{};
  }
  return *quarter;
}

class StoredHistory {
 public:
  // Commits are one second apart from 2025-01-01T00:00:00Z on.
  StoredHistory() = default;

  // Records `event` as its own commit; returns its seq.
  uint64_t Record(Event event) { return RecordBatch({std::move(event)}); }

  // Records `events` as one commit (one recorded_at); returns the last seq.
  uint64_t RecordBatch(std::vector<Event> events) {
    now_ += absl::Seconds(1);
    for (Event& event : events) {
      StoredEvent& stored = events_.emplace_back();
      stored.seq = events_.size();
      stored.recorded_at = now_;
      stored.event = std::move(event);
    }
    return events_.size();
  }

  // Events e1 and e2, each its own commit, both dated `date`: employer
  // emp-1 registers, and hires PersonRef(1) into job-1, permanent, 25.5
  // hours a week. Returns the hire's seq.
  uint64_t RecordOneHire(std::string_view date) {
    Record(EmployerRegisteredEvent("e1", date, "emp-1"));
    return Record(JobStartedEvent("e2", date, "job-1", "emp-1", PersonRef(1),
                                  ContractForm::kVast, 2550));
  }

  // Employer emp-1 registers on `date`, and `count` persons
  // (PersonRef(1..count)) register and are hired by it full time (80 hours
  // a week, permanent) on that day, each event its own commit.
  void RecordFullTimeHires(int count, std::string_view date) {
    Record(EmployerRegisteredEvent("e-emp", date, "emp-1"));
    for (int i = 1; i <= count; ++i) {
      const std::string n = std::to_string(i);
      Record(PersonRegisteredEvent("e-reg-" + n, date, PersonRef(i)));
      Record(JobStartedEvent("e-hire-" + n, date, "job-" + n, "emp-1",
                             PersonRef(i), ContractForm::kVast, 8000));
    }
  }

  absl::Time RecordedAt(uint64_t seq) const {
    return events_.at(seq - 1).recorded_at;
  }
  const std::vector<StoredEvent>& events() const { return events_; }

  ProjectionState Fold() const {
    ProjectionState state;
    state.ApplyAll(events_);
    return state;
  }

 private:
  absl::Time now_ = absl::FromUnixSeconds(1735689600);
  std::vector<StoredEvent> events_;
};

// The row of `sector` (no employer) and `quarter`; fails the test if absent.
inline RealisationRow RowOf(const RealisationTable& table, Sector sector,
                            Quarter quarter) {
  for (const RealisationRow& row : table.rows) {
    if (row.sector == sector && row.employer_id.empty() &&
        row.quarter == quarter) {
      return row;
    }
  }
  ADD_FAILURE() << "no row for " << SectorName(sector) << " "
                << FormatQuarter(quarter);
  return RealisationRow{};
}

// A query of one sector and quarter (PEILDATUM, now).
inline RealisationQuery ComputeQuery(Sector sector, Quarter quarter) {
  return RealisationQuery{.sectors = {sector},
                          .from = quarter,
                          .to = quarter,
                          .measure = Measure::kPeildatum,
                          .as_of = std::nullopt,
                          .include_employers = false};
}

inline RealisationRow ComputeRow(const ProjectionState& state, Sector sector,
                                 Quarter quarter, Measure measure,
                                 std::optional<absl::Time> as_of = {}) {
  const RealisationTable table =
      ComputeRealisation(state, RealisationQuery{.sectors = {sector},
                                                 .from = quarter,
                                                 .to = quarter,
                                                 .measure = measure,
                                                 .as_of = as_of,
                                                 .include_employers = false});
  return RowOf(table, sector, quarter);
}

inline int64_t FormX100(const RealisationRow& row, FormSeries series) {
  return row.form_banen_x100[static_cast<size_t>(series)];
}

}  // namespace banen::test

#endif  // BANEN_TESTS_PROJECTIONS_PROJECTION_TEST_UTIL_H_
