#include "projections/register_figures.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace banen {
namespace {

struct Period {
  Date from;
  Date to;  // exclusive; kEndOfTime: open
};

// Whether a day of the sorted, disjoint `periods` covers `day`; `cursor`
// only moves forward, so days must be asked in ascending order.
bool Covers(const std::vector<Period>& periods, size_t* cursor, Date day) {
  while (*cursor < periods.size() && periods[*cursor].to <= day) ++*cursor;
  return *cursor < periods.size() && periods[*cursor].from <= day;
}

// The visible [start, end) of a job at the cut; empty when not started.
Period ActivePeriodOf(const JobRecord& job, uint64_t cut) {
  Period active{kEndOfTime, kEndOfTime};
  for (const JobEntry& entry : job.entries) {
    if (!entry.validity.VisibleAt(cut)) continue;
    if (entry.step == JobStep::kStart && active.from == kEndOfTime) {
      active.from = entry.date;
    } else if (entry.step == JobStep::kEnd && active.from != kEndOfTime) {
      active.to = entry.date;
      break;
    }
  }
  return active;
}

// Sorts and merges overlapping or touching periods.
void Merge(std::vector<Period>* periods) {
  std::sort(periods->begin(), periods->end(),
            [](const Period& a, const Period& b) { return a.from < b.from; });
  size_t kept = 0;
  for (const Period& period : *periods) {
    if (kept > 0 && period.from <= (*periods)[kept - 1].to) {
      (*periods)[kept - 1].to = std::max((*periods)[kept - 1].to, period.to);
    } else {
      (*periods)[kept++] = period;
    }
  }
  periods->resize(kept);
}

const MonitorRow* FindMonitorRow(const RealisationTable& realisation,
                                 Sector sector, Quarter quarter) {
  for (const MonitorRow& row : realisation.monitor_rows) {
    if (row.sector == sector && row.quarter == quarter) return &row;
  }
  return nullptr;
}

}  // namespace

int64_t RegisterCounts::InflowTotal() const {
  return std::accumulate(inflow.begin(), inflow.end(), int64_t{0});
}

int64_t RegisterCounts::OutflowTotal() const {
  return std::accumulate(outflow.begin(), outflow.end(), int64_t{0});
}

RealisationQuery RegisterRealisationQuery(const RegisterQuery& query) {
  RealisationQuery realisation;
  realisation.sectors = {Sector::kMarkt, Sector::kOverheid, Sector::kNationaal};
  realisation.from = query.from.Previous();
  realisation.to = query.to;
  realisation.measure = Measure::kPeildatum;
  realisation.as_of = query.as_of;
  realisation.view = RealisationView::kNationalMonitor;
  return realisation;
}

std::vector<RegisterCounts> ComputeRegisterCounts(const ProjectionState& state,
                                                  uint64_t cut, Quarter from,
                                                  Quarter to) {
  if (to < from) return {};
  const int32_t first = from.Index();
  const size_t quarters = static_cast<size_t>(to.Index() - first + 1);
  std::vector<RegisterCounts> counts(quarters);
  // peildata[k]: the last day of quarter first - 1 + k.
  std::vector<Date> peildata(quarters + 1);
  for (size_t k = 0; k <= quarters; ++k) {
    peildata[k] =
        Quarter::FromIndex(first - 1 + static_cast<int32_t>(k)).LastDay();
    if (k > 0) counts[k - 1].quarter = Quarter::FromIndex(first + k - 1);
  }
  const Date first_day = from.FirstDay();
  const Date last_day = to.LastDay();
  const auto quarter_of = [&](Date day) -> RegisterCounts* {
    if (day < first_day || day > last_day) return nullptr;
    return &counts[Quarter::Of(day).Index() - first];
  };

  std::vector<Period> registered;
  std::vector<Period> working;
  for (size_t index = 0; index < state.person_count(); ++index) {
    const PersonRecord& person = state.person(static_cast<uint32_t>(index));
    registered.clear();
    Date since;
    bool open = false;
    ForEachRegisterChange(person, cut, [&](const RegisterEntry& entry) {
      if (RegisterCounts* quarter = quarter_of(entry.date)) {
        if (entry.registered) {
          ++quarter->inflow[static_cast<size_t>(entry.grondslag)];
        } else {
          ++quarter->outflow[static_cast<size_t>(entry.reason)];
        }
      }
      if (entry.registered) {
        since = entry.date;
      } else if (since < entry.date) {
        registered.push_back(Period{since, entry.date});
      }
      open = entry.registered;
    });
    if (open) registered.push_back(Period{since, kEndOfTime});
    if (registered.empty() || registered.back().to <= peildata[0]) continue;

    // A counted job: active, its person registered, its employer known.
    working.clear();
    for (const uint32_t job_index : person.jobs) {
      const JobRecord& job = state.job(job_index);
      if (job.employer == kNoIndex) continue;
      const Period active = ActivePeriodOf(job, cut);
      if (active.from >= active.to ||
          state.SectorsOf(job.employer, cut).On(active.from) ==
              Sector::kUnspecified) {
        continue;
      }
      for (const Period& period : registered) {
        const Period both{std::max(active.from, period.from),
                          std::min(active.to, period.to)};
        if (both.from < both.to) working.push_back(both);
      }
    }
    Merge(&working);

    size_t registered_cursor = 0;
    size_t working_cursor = 0;
    bool was_working = Covers(working, &working_cursor, peildata[0]);
    Covers(registered, &registered_cursor, peildata[0]);
    for (size_t k = 1; k <= quarters; ++k) {
      const bool is_registered =
          Covers(registered, &registered_cursor, peildata[k]);
      const bool is_working = Covers(working, &working_cursor, peildata[k]);
      RegisterCounts& quarter = counts[k - 1];
      quarter.registered += is_registered;
      quarter.working += is_working;
      quarter.found_work += is_working && !was_working;
      quarter.lost_work += was_working && !is_working;
      was_working = is_working;
      // Out of the register for good: nothing more to count.
      if (registered_cursor == registered.size()) break;
    }
  }
  return counts;
}

RegisterTable MakeRegisterTable(std::vector<RegisterCounts> counts,
                                const RealisationTable& realisation) {
  RegisterTable table;
  table.as_of = realisation.as_of;
  table.last_seq = realisation.last_seq;
  for (RegisterCounts& quarter_counts : counts) {
    RegisterQuarter quarter{.counts = std::move(quarter_counts), .banen = {}};
    const Quarter q = quarter.counts.quarter;
    const auto banen = [&](Sector sector, Quarter at, auto figure) -> int64_t {
      const MonitorRow* row = FindMonitorRow(realisation, sector, at);
      return row == nullptr ? 0 : figure(*row);
    };
    const auto formal = [](const MonitorRow& row) { return row.formal_x100; };
    const auto inleen = [](const MonitorRow& row) {
      return row.inleen_total_x100;
    };
    const auto total = [](const MonitorRow& row) {
      return row.banen_x100.value_or(0);
    };
    RegisterBanen& b = quarter.banen;
    b.total_x100 = banen(Sector::kNationaal, q, total);
    b.markt_formal_x100 = banen(Sector::kMarkt, q, formal);
    b.overheid_formal_x100 = banen(Sector::kOverheid, q, formal);
    b.inleen_x100 = banen(Sector::kNationaal, q, inleen);
    const Quarter p = q.Previous();
    b.change_total_x100 = b.total_x100 - banen(Sector::kNationaal, p, total);
    b.change_markt_formal_x100 =
        b.markt_formal_x100 - banen(Sector::kMarkt, p, formal);
    b.change_overheid_formal_x100 =
        b.overheid_formal_x100 - banen(Sector::kOverheid, p, formal);
    b.change_inleen_x100 = b.inleen_x100 - banen(Sector::kNationaal, p, inleen);
    table.quarters.push_back(std::move(quarter));
  }
  return table;
}

RegisterTable ComputeRegisterFigures(const ProjectionState& state,
                                     const RegisterQuery& query) {
  const RealisationTable realisation =
      ComputeRealisation(state, RegisterRealisationQuery(query));
  return MakeRegisterTable(
      ComputeRegisterCounts(state, realisation.last_seq, query.from, query.to),
      realisation);
}

}  // namespace banen
