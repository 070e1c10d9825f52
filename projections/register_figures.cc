#include "projections/register_figures.h"

#include <algorithm>
#include <numeric>
#include <thread>
#include <utility>

namespace banen {
namespace {

struct Period {
  Date from;
  Date to;  // exclusive; kEndOfTime: open
};

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
                                                  Quarter to, int threads) {
  if (to < from) return {};
  // Peildatum k = 0..n is the last day of quarter `before` + k (k = 0: the
  // quarter before `from`). A period [a, b) covers the peildata
  // [PeildatumOf(a), PeildatumOf(b)): the last day of a quarter is on or
  // after a exactly when its quarter is a's or later. Each period adds a
  // step at both ends, so a person costs O(periods), not O(quarters).
  const int32_t before = from.Index() - 1;
  const int32_t n = to.Index() - before;
  const auto peildatum_of = [&](Date day) {
    if (day == kEndOfTime) return n + 1;
    return std::clamp(Quarter::Of(day).Index() - before, 0, n + 1);
  };
  const Date first_day = from.FirstDay();
  const Date last_day = to.LastDay();
  // The steps and flows of a part of the persons; parts add up.
  struct Part {
    std::vector<int64_t> registered_step;
    std::vector<int64_t> working_step;
    std::vector<RegisterCounts> counts;
  };
  const auto add_persons = [&](size_t begin, size_t end, Part& part) {
    part.registered_step.assign(n + 2, 0);
    part.working_step.assign(n + 2, 0);
    part.counts.assign(n, RegisterCounts{});
    std::vector<Period> registered;
    std::vector<std::pair<int32_t, int32_t>> working;  // peildata ranges
    for (size_t index = begin; index < end; ++index) {
      const PersonRecord& person = state.person(static_cast<uint32_t>(index));
      registered.clear();
      Date since;
      bool open = false;
      ForEachRegisterChange(person, cut, [&](const RegisterEntry& entry) {
        if (entry.date >= first_day && entry.date <= last_day) {
          RegisterCounts& quarter = part.counts[peildatum_of(entry.date) - 1];
          if (entry.registered) {
            ++quarter.inflow[static_cast<size_t>(entry.grondslag)];
          } else {
            ++quarter.outflow[static_cast<size_t>(entry.reason)];
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
      bool on_a_peildatum = false;
      for (const Period& period : registered) {
        const int32_t a = peildatum_of(period.from);
        const int32_t b = peildatum_of(period.to);
        if (a >= b) continue;
        ++part.registered_step[a];
        --part.registered_step[b];
        on_a_peildatum = true;
      }
      if (!on_a_peildatum) continue;

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
          const int32_t a = peildatum_of(std::max(active.from, period.from));
          const int32_t b = peildatum_of(std::min(active.to, period.to));
          if (a < b) working.emplace_back(a, b);
        }
      }
      // Working on peildata k .. b - 1 of one range: found work at its start,
      // lost at its end, unless another range goes on from there.
      std::sort(working.begin(), working.end());
      for (size_t i = 0; i < working.size();) {
        auto [a, b] = working[i++];
        while (i < working.size() && working[i].first <= b) {
          b = std::max(b, working[i++].second);
        }
        ++part.working_step[a];
        --part.working_step[b];
        if (a >= 1) ++part.counts[a - 1].found_work;
        if (b <= n) ++part.counts[b - 1].lost_work;
      }
    }
  };
  const size_t persons = state.person_count();
  const size_t parts =
      std::clamp<size_t>(threads, 1, std::max<size_t>(persons, 1));
  std::vector<Part> partial(parts);
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < parts; ++i) {
    helpers.emplace_back(add_persons, persons * i / parts,
                         persons * (i + 1) / parts, std::ref(partial[i]));
  }
  add_persons(0, persons / parts, partial[0]);
  for (std::thread& helper : helpers) helper.join();

  std::vector<RegisterCounts> counts(n);
  int64_t registered_now = 0;
  int64_t working_now = 0;
  for (int32_t k = 0; k <= n; ++k) {
    for (const Part& part : partial) {
      registered_now += part.registered_step[k];
      working_now += part.working_step[k];
      if (k == 0) continue;
      const RegisterCounts& flows = part.counts[k - 1];
      RegisterCounts& quarter = counts[k - 1];
      for (int g = 0; g < kGrondslagCount; ++g) {
        quarter.inflow[g] += flows.inflow[g];
      }
      for (int r = 0; r < kDeregistrationReasonCount; ++r) {
        quarter.outflow[r] += flows.outflow[r];
      }
      quarter.found_work += flows.found_work;
      quarter.lost_work += flows.lost_work;
    }
    if (k == 0) continue;
    counts[k - 1].quarter = Quarter::FromIndex(before + k);
    counts[k - 1].registered = registered_now;
    counts[k - 1].working = working_now;
  }
  return counts;
}

RegisterTable MakeRegisterTable(const std::vector<RegisterCounts>& counts,
                                const RealisationTable& realisation) {
  RegisterTable table;
  table.as_of = realisation.as_of;
  table.last_seq = realisation.last_seq;
  for (const RegisterCounts& quarter_counts : counts) {
    RegisterQuarter quarter{.counts = quarter_counts, .banen = {}};
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
    table.quarters.push_back(quarter);
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
