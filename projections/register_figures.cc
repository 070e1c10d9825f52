#include "projections/register_figures.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <thread>
#include <utility>

namespace banen {
namespace {

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

namespace {

// Peildatum 0 is 31 December 1997, before the first effective date; an
// earlier day counts as on it. kOpen: a period that never ends.
constexpr int32_t kOrigin = 1997 * 4 + 3;  // Quarter{1997, 4}.Index()
constexpr int32_t kOpen = std::numeric_limits<int32_t>::max();

// The first peildatum on or after `day`: the last day of a quarter is on or
// after `day` exactly when its quarter is day's or later.
int32_t PeildatumOf(Date day) {
  if (day == kEndOfTime) return kOpen;
  return std::max(Quarter::Of(day).Index() - kOrigin, 0);
}

}  // namespace

RegisterSteps RegisterSteps::Build(const ProjectionState& state, uint64_t cut,
                                   int threads) {
  const size_t persons = state.person_count();
  const size_t parts =
      std::clamp<size_t>(threads, 1, std::max<size_t>(persons, 1));
  std::vector<RegisterSteps> partial(parts);
  const auto add_persons = [&](size_t begin, size_t end, RegisterSteps& part) {
    PersonAtCut read;
    for (size_t person = begin; person < end; ++person) {
      read.Read(state, static_cast<uint32_t>(person), cut);
      part.AddPerson(read, +1);
    }
  };
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < parts; ++i) {
    helpers.emplace_back(add_persons, persons * i / parts,
                         persons * (i + 1) / parts, std::ref(partial[i]));
  }
  add_persons(0, persons / parts, partial[0]);
  for (std::thread& helper : helpers) helper.join();
  for (size_t i = 1; i < parts; ++i) partial[0].Add(partial[i]);
  return std::move(partial[0]);
}

void RegisterSteps::Reserve(int32_t k) {
  if (static_cast<size_t>(k) < flows_.size()) return;
  registered_step_.resize(k + 1, 0);
  working_step_.resize(k + 1, 0);
  flows_.resize(k + 1, RegisterCounts{});
}

void RegisterSteps::Add(const RegisterSteps& other) {
  if (other.flows_.empty()) return;
  Reserve(static_cast<int32_t>(other.flows_.size()) - 1);
  for (size_t k = 0; k < other.flows_.size(); ++k) {
    registered_step_[k] += other.registered_step_[k];
    working_step_[k] += other.working_step_[k];
    const RegisterCounts& from = other.flows_[k];
    RegisterCounts& to = flows_[k];
    for (int g = 0; g < kGrondslagCount; ++g) to.inflow[g] += from.inflow[g];
    for (int r = 0; r < kDeregistrationReasonCount; ++r) {
      to.outflow[r] += from.outflow[r];
    }
    to.found_work += from.found_work;
    to.lost_work += from.lost_work;
  }
}

void RegisterSteps::AddPerson(const PersonAtCut& person, int sign) {
  AddRegister(person, sign);
  AddWork(person, sign);
}

void RegisterSteps::MovePerson(const PersonAtCut& before,
                               const PersonAtCut& after) {
  // The register's steps and flows follow the entries that change it; work
  // follows the register periods (which those entries make) and the
  // counted active period of each job.
  const absl::Span<const RegisterEntry* const> old_changes =
      before.register_changes();
  const absl::Span<const RegisterEntry* const> new_changes =
      after.register_changes();
  const bool same_register = std::equal(old_changes.begin(), old_changes.end(),
                                        new_changes.begin(), new_changes.end());
  if (!same_register) {
    AddRegister(before, -1);
    AddRegister(after, +1);
  }
  bool same_work = same_register;
  for (size_t i = 0; same_work && i < before.jobs().size(); ++i) {
    same_work = CountedActivePeriod(before.jobs()[i]) ==
                CountedActivePeriod(after.jobs()[i]);
  }
  if (!same_work) {
    AddWork(before, -1);
    AddWork(after, +1);
  }
}

std::optional<DatePeriod> RegisterSteps::CountedActivePeriod(
    const PersonAtCut::Job& job) {
  // A counted job: active, its person registered, its employer known.
  if (job.record->employer == kNoIndex || job.active.from >= job.active.to ||
      job.sectors.On(job.active.from) == Sector::kUnspecified) {
    return std::nullopt;
  }
  return job.active;
}

void RegisterSteps::AddRegister(const PersonAtCut& person, int sign) {
  // Each period adds a step at both ends, so a person costs O(periods), not
  // O(quarters).
  for (const RegisterEntry* entry : person.register_changes()) {
    const int32_t k = PeildatumOf(entry->date());
    Reserve(k);
    if (entry->registered) {
      flows_[k].inflow[static_cast<size_t>(entry->grondslag)] += sign;
    } else {
      flows_[k].outflow[static_cast<size_t>(entry->reason)] += sign;
    }
  }
  for (const DatePeriod& period : person.registered()) {
    const int32_t a = PeildatumOf(period.from);
    const int32_t b = PeildatumOf(period.to);
    if (a >= b) continue;
    Reserve(a);
    registered_step_[a] += sign;
    if (b != kOpen) {
      Reserve(b);
      registered_step_[b] -= sign;
    }
  }
}

void RegisterSteps::AddWork(const PersonAtCut& person, int sign) {
  working_.clear();
  for (const PersonAtCut::Job& job : person.jobs()) {
    const std::optional<DatePeriod> active = CountedActivePeriod(job);
    if (!active.has_value()) continue;
    for (const DatePeriod& period : person.registered()) {
      const int32_t a = PeildatumOf(std::max(active->from, period.from));
      const int32_t b = PeildatumOf(std::min(active->to, period.to));
      if (a < b) working_.emplace_back(a, b);
    }
  }
  // Working on peildata a .. b - 1 of one range: found work at its start,
  // lost at its end, unless another range goes on from there.
  std::sort(working_.begin(), working_.end());
  for (size_t i = 0; i < working_.size();) {
    auto [a, b] = working_[i++];
    while (i < working_.size() && working_[i].first <= b) {
      b = std::max(b, working_[i++].second);
    }
    Reserve(a);
    working_step_[a] += sign;
    if (a >= 1) flows_[a].found_work += sign;
    if (b != kOpen) {
      Reserve(b);
      working_step_[b] -= sign;
      flows_[b].lost_work += sign;
    }
  }
}

std::vector<RegisterCounts> RegisterSteps::Counts(Quarter from,
                                                  Quarter to) const {
  std::vector<RegisterCounts> counts;
  int64_t registered = 0;
  int64_t working = 0;
  const int32_t last = to.Index() - kOrigin;
  for (int32_t k = std::min(0, from.Index() - kOrigin); k <= last; ++k) {
    const bool kept = k >= 0 && static_cast<size_t>(k) < flows_.size();
    if (kept) {
      registered += registered_step_[k];
      working += working_step_[k];
    }
    const Quarter quarter = Quarter::FromIndex(kOrigin + k);
    if (quarter < from) continue;
    RegisterCounts& out =
        counts.emplace_back(kept ? flows_[k] : RegisterCounts{});
    out.quarter = quarter;
    out.registered = registered;
    out.working = working;
  }
  return counts;
}

std::vector<RegisterCounts> ComputeRegisterCounts(const ProjectionState& state,
                                                  uint64_t cut, Quarter from,
                                                  Quarter to, int threads) {
  return RegisterSteps::Build(state, cut, threads).Counts(from, to);
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
