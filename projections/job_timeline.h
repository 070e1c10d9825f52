// One job's timeline as seen at a cut, walked as segments of constant form
// and hours: the one reading of JobRecord::entries that the realisation
// figures (figures.cc) and the quota (quota.cc) share.
#ifndef BANEN_PROJECTIONS_JOB_TIMELINE_H_
#define BANEN_PROJECTIONS_JOB_TIMELINE_H_

#include <cstdint>

#include "ledger/event.h"
#include "projections/projection_state.h"

namespace banen {

// Calls, in timeline order over the entries visible at `cut`:
// - on_change(entry, form_before) for the first JobStarted (form_before
//   kUnspecified), each conversion (the form it converts from) and the end;
// - on_segment(DatePeriod, form, hours_x100) for each period between two
//   visible entries from the start on, and for the open period after the
//   last one unless the job ended.
// Entries before the start, and a second start, are ignored.
template <typename OnSegment, typename OnChange>
void WalkJobTimeline(const JobRecord& job, const Cut& cut, OnSegment on_segment,
                     OnChange on_change) {
  bool started = false;
  ContractForm form = ContractForm::kUnspecified;
  int32_t hours_x100 = 0;
  Date since;
  for (const JobEntry& entry : job.entries) {
    if (!cut.Sees(entry)) continue;
    if (entry.step == JobStep::kStart) {
      if (started) continue;
      started = true;
      form = entry.form;
      hours_x100 = entry.hours_x100;
      since = entry.date;
      on_change(entry, ContractForm::kUnspecified);
      continue;
    }
    if (!started) continue;
    on_segment(DatePeriod{since, entry.date}, form, hours_x100);
    since = entry.date;
    switch (entry.step) {
      case JobStep::kStart:
        break;
      case JobStep::kHours:
        hours_x100 = entry.hours_x100;
        break;
      case JobStep::kConvert:
        on_change(entry, form);
        form = entry.form;
        if (entry.hours_x100 > 0) hours_x100 = entry.hours_x100;
        break;
      case JobStep::kEnd:
        on_change(entry, form);
        return;
    }
  }
  if (started) on_segment(DatePeriod{since, kEndOfTime}, form, hours_x100);
}

}  // namespace banen

#endif  // BANEN_PROJECTIONS_JOB_TIMELINE_H_
