// The register dashboard (issue 14, what UWV publishes each quarter): per
// quarter the persons in the target-group register on the peildatum, how
// many of them work in a counted job, the flows into and out of the register
// and into and out of work, and the banen with the national split.
//
// Definitions (DOMAIN.md §2, §5):
// - registered: in the register on the quarter's last day.
// - working: registered and holding a counted job on the last day (a job
//   that counts by §5: active, its person registered, its employer known);
//   the same persons as NATIONAAL's `persons` of the realisation.
// - inflow: register periods that start on a day of the quarter, by the
//   grondslag of the registration that starts them; outflow: periods that
//   end on a day of the quarter, by the deregistration's reason. So
//   registered(q) - registered(q - 1) = inflow(q) - outflow(q).
// - found work: working on the last day of q, not on the last day of q - 1
//   (from no counted job to a counted job, also by registering while in a
//   job); lost work the other way. So working(q) - working(q - 1) = found -
//   lost.
// - banen: the realisation's national monitor rows (PEILDATUM): formal markt,
//   formal overheid and inleen of all hirers, and NATIONAAL.
//
// Pure: a fold over the ProjectionState at a cut; no clock, no storage.
#ifndef BANEN_PROJECTIONS_REGISTER_FIGURES_H_
#define BANEN_PROJECTIONS_REGISTER_FIGURES_H_

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "ledger/event.h"
#include "projections/person_at_cut.h"
#include "projections/projection_state.h"
#include "projections/quarter.h"
#include "projections/realisation.h"

namespace banen {

struct RegisterQuery {
  Quarter from;
  Quarter to;  // inclusive
  // Only events recorded at or before as_of count; unset: all of them.
  std::optional<absl::Time> as_of;
};

// The register's persons and flows in one quarter.
struct RegisterCounts {
  Quarter quarter;
  int64_t registered = 0;
  int64_t working = 0;
  std::array<int64_t, kGrondslagCount> inflow{};              // by Grondslag
  std::array<int64_t, kDeregistrationReasonCount> outflow{};  // by reason
  int64_t found_work = 0;
  int64_t lost_work = 0;
  int64_t InflowTotal() const;
  int64_t OutflowTotal() const;
  bool operator==(const RegisterCounts&) const = default;
};

// The banen of one quarter, national monitor split, each rounded half-even
// to hundredths from its exact value; change: against the previous quarter.
struct RegisterBanen {
  int64_t total_x100 = 0;  // NATIONAAL
  int64_t markt_formal_x100 = 0;
  int64_t overheid_formal_x100 = 0;
  int64_t inleen_x100 = 0;  // all hirers
  int64_t change_total_x100 = 0;
  int64_t change_markt_formal_x100 = 0;
  int64_t change_overheid_formal_x100 = 0;
  int64_t change_inleen_x100 = 0;
  bool operator==(const RegisterBanen&) const = default;
};

struct RegisterQuarter {
  RegisterCounts counts;
  RegisterBanen banen;
  bool operator==(const RegisterQuarter&) const = default;
};

struct RegisterTable {
  std::vector<RegisterQuarter> quarters;  // from..to ascending
  // The query's as_of, or without one the recorded time of the last event.
  absl::Time as_of = absl::InfinitePast();
  uint64_t last_seq = 0;  // the last event the table includes
  bool operator==(const RegisterTable&) const = default;
};

// The realisation query whose monitor rows RegisterBanenOf reads: MARKT,
// OVERHEID and NATIONAAL, PEILDATUM, from the quarter before query.from.
RealisationQuery RegisterRealisationQuery(const RegisterQuery& query);

// The register counts of every quarter, kept by person like YearHours
// (year_hours.h): a person adds steps at the peildata where it enters and
// leaves the register and work, and its flows to their quarters. So the
// projector's tail keeps them current in O(persons touched), and the counts
// of any quarters are read in O(quarters since 1998). Every count equals
// Build()'s at the same cut exactly: integer sums, in any order.
class RegisterSteps {
 public:
  // Every person of `state` at `cut`, split over `threads` threads.
  static RegisterSteps Build(const ProjectionState& state, uint64_t cut,
                             int threads = 1);

  // Adds (sign +1) or removes (-1) the steps and flows of `person` as seen
  // at its cut.
  void AddPerson(const PersonAtCut& person, int sign);
  // AddPerson(before, -1) then AddPerson(after, +1), for one person read at
  // two cuts, without the register's part when both show the same register
  // entries, nor the work's when both show the same register periods and
  // counted jobs.
  void MovePerson(const PersonAtCut& before, const PersonAtCut& after);

  // The counts of every quarter of [from, to] (none when to < from).
  std::vector<RegisterCounts> Counts(Quarter from, Quarter to) const;

 private:
  // Encodes and decodes the steps and flows (state_checkpoint.h).
  friend class StateCodec;

  void Add(const RegisterSteps& other);
  // The job's active period when it counts (its employer known and in a
  // sector on its first day), before the register applies.
  static std::optional<DatePeriod> CountedActivePeriod(
      const PersonAtCut::Job& job);
  // The register's steps and its flows; the work's steps and flows.
  void AddRegister(const PersonAtCut& person, int sign);
  void AddWork(const PersonAtCut& person, int sign);
  // The entries of peildatum k (grown on demand).
  void Reserve(int32_t k);

  // By peildatum k, the last day of quarter kOrigin + k (see .cc): the
  // change of the stocks from k - 1 to k, and the flows of its quarter.
  std::vector<int64_t> registered_step_;
  std::vector<int64_t> working_step_;
  std::vector<RegisterCounts> flows_;
  // AddWork's peildata ranges of work, kept for their capacity.
  std::vector<std::pair<int32_t, int32_t>> working_;
};

// Counts for every quarter of [from, to] (none when to < from) as seen at
// `cut`: RegisterSteps::Build(...).Counts(from, to), one pass over the
// persons, O(persons x their events), split over `threads` threads.
std::vector<RegisterCounts> ComputeRegisterCounts(const ProjectionState& state,
                                                  uint64_t cut, Quarter from,
                                                  Quarter to, int threads = 1);

// The table from the counts and the realisation of
// RegisterRealisationQuery(query) at the same cut.
RegisterTable MakeRegisterTable(const std::vector<RegisterCounts>& counts,
                                const RealisationTable& realisation);

// The whole table from the state alone: the reference the Projector's
// answer must equal.
RegisterTable ComputeRegisterFigures(const ProjectionState& state,
                                     const RegisterQuery& query);

}  // namespace banen

#endif  // BANEN_PROJECTIONS_REGISTER_FIGURES_H_
