#include "services/event_filter.h"

#include <variant>

#include "absl/strings/str_cat.h"
#include "ledger/absl_compat.h"
#include "services/wire.h"

namespace banen {

absl::StatusOr<EventFilter> EventFilter::FromProto(
    const v1::ReadEventsRequest& request) {
  EventFilter filter;
  for (const int kind : request.kinds()) {
    const std::optional<EventKind> parsed = EventKindFromProto(kind);
    if (!parsed.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("kinds: unknown event kind ", kind));
    }
    filter.kinds_.set(static_cast<size_t>(*parsed));
  }
  for (const int sector : request.sectors()) {
    if (sector <= 0 || sector >= kSectorCount) {
      return absl::InvalidArgumentError(
          absl::StrCat("sectors: unknown sector ", sector));
    }
    filter.sectors_.set(static_cast<size_t>(sector));
  }
  filter.event_ids_.insert(request.event_ids().begin(),
                           request.event_ids().end());
  filter.employer_ids_.insert(request.employer_ids().begin(),
                              request.employer_ids().end());
  filter.job_ids_.insert(request.job_ids().begin(), request.job_ids().end());
  filter.person_refs_.insert(request.person_refs().begin(),
                             request.person_refs().end());
  if (!request.recorded_by().empty()) {
    filter.recorded_by_.emplace(request.recorded_by().begin(),
                                request.recorded_by().end());
  }
  filter.needs_history_ =
      filter.sectors_.any() || !filter.employer_ids_.empty() ||
      !filter.job_ids_.empty() || !filter.person_refs_.empty();
  return filter;
}

bool EventFilter::Observe(const StoredEvent& stored) {
  const bool event_matches =
      (kinds_.none() ||
       kinds_.test(static_cast<size_t>(stored.event.kind()))) &&
      (event_ids_.empty() ||
       event_ids_.contains(AbslView(stored.event.event_id))) &&
      (!recorded_by_.has_value() ||
       recorded_by_->contains(AbslView(stored.recorded_by)));
  if (!needs_history_) return event_matches;
  const bool entities_match = ObserveEntities(stored);
  if (entities_match) matched_seqs_.insert(stored.seq);
  return event_matches && entities_match;
}

bool EventFilter::MatchesEmployer(std::string_view employer_id) const {
  if (!employer_ids_.empty() &&
      !employer_ids_.contains(AbslView(employer_id))) {
    return false;
  }
  if (sectors_.none()) return true;
  const auto sector = employer_sectors_.find(AbslView(employer_id));
  return sector != employer_sectors_.end() &&
         sectors_.test(static_cast<size_t>(sector->second));
}

bool EventFilter::MatchesJob(std::string_view job_id) const {
  if (!job_ids_.empty() && !job_ids_.contains(AbslView(job_id))) return false;
  const auto parties = jobs_.find(AbslView(job_id));
  if (parties == jobs_.end()) return false;
  if (!person_refs_.empty() &&
      !person_refs_.contains(parties->second.person_ref)) {
    return false;
  }
  return MatchesEmployer(parties->second.employer_id) ||
         (!parties->second.commissioning_employer_id.empty() &&
          MatchesEmployer(parties->second.commissioning_employer_id));
}

bool EventFilter::ObserveEntities(const StoredEvent& stored) {
  const bool only_employer_filters = job_ids_.empty() && person_refs_.empty();
  const EventPayload& payload = stored.event.payload;
  switch (stored.event.kind()) {
    case EventKind::kEmployerRegistered: {
      const auto& registered = std::get<EmployerRegistered>(payload);
      employer_sectors_[registered.employer_id] = registered.sector;
      return only_employer_filters && MatchesEmployer(registered.employer_id);
    }
    case EventKind::kEmployerReclassified: {
      const auto& reclassified = std::get<EmployerReclassified>(payload);
      employer_sectors_[reclassified.employer_id] = reclassified.sector;
      return only_employer_filters && MatchesEmployer(reclassified.employer_id);
    }
    case EventKind::kPersonRegistered:
    case EventKind::kPersonDeregistered:
      return sectors_.none() && employer_ids_.empty() && job_ids_.empty() &&
             person_refs_.contains(AbslView(PersonRefOf(stored.event)));
    case EventKind::kJobStarted: {
      const auto& started = std::get<JobStarted>(payload);
      jobs_[started.job_id] =
          JobParties{started.employer_id, started.commissioning_employer_id,
                     started.person_ref};
      return MatchesJob(started.job_id);
    }
    case EventKind::kJobConverted:
    case EventKind::kHoursChanged:
    case EventKind::kJobEnded:
      return MatchesJob(JobIdOf(stored.event));
    case EventKind::kEventRetracted:
      return matched_seqs_.contains(
          std::get<EventRetracted>(payload).target_seq);
    case EventKind::kTargetSet:
    case EventKind::kBaselineSet: {
      const Sector sector = stored.event.kind() == EventKind::kTargetSet
                                ? std::get<TargetSet>(payload).sector
                                : std::get<BaselineSet>(payload).sector;
      return employer_ids_.empty() && job_ids_.empty() &&
             person_refs_.empty() && sectors_.test(static_cast<size_t>(sector));
    }
    case EventKind::kEmployerHoursReported:
      return only_employer_filters &&
             MatchesEmployer(
                 std::get<EmployerHoursReported>(payload).employer_id);
    case EventKind::kQuotaPercentageSet: {
      // Like a target: OVERHEID's percentage is for the government sectors.
      const Sector sector = std::get<QuotaPercentageSet>(payload).sector;
      return employer_ids_.empty() && job_ids_.empty() &&
             person_refs_.empty() &&
             (sectors_.test(static_cast<size_t>(sector)) ||
              sectors_.test(static_cast<size_t>(Sector::kNationaal)));
    }
    case EventKind::kInleenKeySet:
      // It splits NATIONAAL between MARKT and OVERHEID.
      return employer_ids_.empty() && job_ids_.empty() &&
             person_refs_.empty() &&
             (sectors_.test(static_cast<size_t>(Sector::kMarkt)) ||
              sectors_.test(static_cast<size_t>(Sector::kOverheid)) ||
              sectors_.test(static_cast<size_t>(Sector::kNationaal)));
  }
  return false;
}

}  // namespace banen
