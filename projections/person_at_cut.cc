#include "projections/person_at_cut.h"

#include "projections/job_timeline.h"

namespace banen {

void PersonAtCut::Read(const ProjectionState& state, uint32_t person,
                       uint64_t cut) {
  state_ = &state;
  cut_ = cut;
  const PersonRecord& record = state.person(person);
  const Cut timelines = state.CutAt(cut);
  register_changes_.clear();
  ForEachRegisterChange(record, timelines, [&](const RegisterEntry& entry) {
    register_changes_.push_back(&entry);
  });
  RegisteredPeriods(record, timelines, &registered_);
  jobs_.clear();
  segments_.clear();
  changes_.clear();
  for (const uint32_t index : record.jobs()) {
    const JobRecord& record_of_job = state.job(index);
    Job& job = jobs_.emplace_back(
        Job{.record = &record_of_job,
            .sectors = state.SectorsOf(record_of_job.employer, cut),
            .memo_sectors =
                state.SectorsOf(record_of_job.commissioning_employer, cut),
            .active = DatePeriod{kEndOfTime, kEndOfTime},
            .segments_begin = static_cast<uint32_t>(segments_.size()),
            .segments_end = 0,
            .changes_begin = static_cast<uint32_t>(changes_.size()),
            .changes_end = 0});
    WalkJobTimeline(
        record_of_job, timelines,
        [&](DatePeriod period, ContractForm form, int32_t hours_x100) {
          segments_.push_back(Segment{period, form, hours_x100});
        },
        [&](const JobEntry& entry, ContractForm from) {
          changes_.push_back(Change{&entry, from});
          if (entry.step == JobStep::kStart) job.active.from = entry.date;
          if (entry.step == JobStep::kEnd) job.active.to = entry.date;
        });
    job.segments_end = static_cast<uint32_t>(segments_.size());
    job.changes_end = static_cast<uint32_t>(changes_.size());
  }
}

}  // namespace banen
