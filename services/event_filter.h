// Which stored events a ReadEvents request returns.
//
// Filters by sector, employer, job and person need more than the event
// itself: a JobEnded names only its job, a retraction only a seq. So the
// filter is fed the log in seq order (from seq 1 when NeedsHistory()) and
// remembers each job's employers and person, each employer's latest sector,
// and which seqs matched (a retraction matches when its target did).
// Person register events match only the person filter; employer events
// (hours reports too) only the sector and employer filters;
// TargetSet/BaselineSet only the sector one; InleenKeySet only a sector
// filter naming MARKT, OVERHEID or NATIONAAL; QuotaPercentageSet one naming
// its own sector or NATIONAAL.
// The kind, event_id and recorded_by filters look at the event alone.
//
// Thread safety: none (one per request). Memory: O(jobs + employers +
// matching events) when NeedsHistory(), else O(1).
#ifndef BANEN_SERVICES_EVENT_FILTER_H_
#define BANEN_SERVICES_EVENT_FILTER_H_

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "banen/v1/ledger.pb.h"
#include "ledger/event.h"

namespace banen {

class EventFilter {
 public:
  // INVALID_ARGUMENT for a sector or kind number outside the contract.
  static absl::StatusOr<EventFilter> FromProto(
      const v1::ReadEventsRequest& request);

  // Whether the events before the requested range must be observed too.
  bool NeedsHistory() const { return needs_history_; }

  // Feeds the next event in seq order; true when it matches every filter.
  bool Observe(const StoredEvent& stored);

 private:
  struct JobParties {
    std::string employer_id;
    std::string commissioning_employer_id;  // SROI only
    std::string person_ref;
  };

  // Whether `event` matches the sector, employer, job and person filters,
  // after learning what it tells about jobs and employers.
  bool ObserveEntities(const StoredEvent& stored);
  bool MatchesEmployer(std::string_view employer_id) const;
  bool MatchesJob(std::string_view job_id) const;

  bool needs_history_ = false;
  std::bitset<kEventKindCount> kinds_;  // none set: every kind
  std::bitset<kSectorCount> sectors_;   // none set: every sector
  // Unset: every principal; "" in it: events recorded by nobody.
  std::optional<absl::flat_hash_set<std::string>> recorded_by_;
  absl::flat_hash_set<std::string> event_ids_;  // empty: every event
  absl::flat_hash_set<std::string> employer_ids_;
  absl::flat_hash_set<std::string> job_ids_;
  absl::flat_hash_set<std::string> person_refs_;

  absl::flat_hash_map<std::string, JobParties> jobs_;
  absl::flat_hash_map<std::string, Sector> employer_sectors_;
  absl::flat_hash_set<uint64_t> matched_seqs_;
};

}  // namespace banen

#endif  // BANEN_SERVICES_EVENT_FILTER_H_
