#include "ledger/ledger_state.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/internal/endian.h"
#include "absl/strings/str_cat.h"
#include "ledger/absl_compat.h"
#include "ledger/event_error.h"
#include "ledger/internal/checkpoint_coding.h"
#include "ledger/internal/state_body.h"
#include "ledger/status_macros.h"

namespace banen {
namespace {

using checkpoint_coding::CodedInputStream;

constexpr char kTargetSeqField[] = "event_retracted.target_seq";

// Why a timeline is invalid, and whether it is the conversion chain (blamed
// on to_form) rather than an event's date.
struct TimelineProblem {
  bool conversion = false;
  std::string reason;
};

template <typename Entries, typename Entry>
void InsertInOrder(Entries& entries, const Entry& entry) {
  const auto position = std::upper_bound(entries.begin(), entries.end(), entry,
                                         [](const Entry& a, const Entry& b) {
                                           return std::pair(a.days, a.seq) <
                                                  std::pair(b.days, b.seq);
                                         });
  entries.insert(position, entry);
}

// A job's live events, in (date, seq) order, must read: one JobStarted, then
// conversions allowed from the form of the moment and hours changes, then at
// most one JobEnded, and nothing dated on or after the end.
template <typename Entries>
std::optional<TimelineProblem> CheckJobTimeline(const Entries& entries) {
  using Entry = typename Entries::value_type;
  if (entries.empty()) return std::nullopt;
  if (entries.front().kind != EventKind::kJobStarted) {
    return TimelineProblem{false,
                           "the job would have an event before its start"};
  }
  const Entry* end = nullptr;
  for (const Entry& entry : entries) {
    if (entry.kind != EventKind::kJobEnded) continue;
    if (end != nullptr)
      return TimelineProblem{false, "the job would end twice"};
    end = &entry;
  }
  ContractForm form = entries.front().form;
  for (size_t i = 1; i < entries.size(); ++i) {
    const Entry& entry = entries[i];
    if (entry.kind == EventKind::kJobStarted) {
      return TimelineProblem{false, "the job would start twice"};
    }
    if (end != nullptr && &entry != end && entry.days >= end->days) {
      return TimelineProblem{
          false,
          absl::StrCat("the job would have an event on ",
                       FormatDate(entry.date()), ", on or after its end ",
                       FormatDate(end->date()))};
    }
    if (entry.kind == EventKind::kJobConverted) {
      if (!IsAllowedConversion(form, entry.form)) {
        return TimelineProblem{
            true,
            absl::StrCat("the job would convert from ",
                         AbslView(ContractFormName(form)), " to ",
                         AbslView(ContractFormName(entry.form)), " on ",
                         FormatDate(entry.date()), ", which is not allowed")};
      }
      form = entry.form;
    }
  }
  return std::nullopt;
}

// Register events of a person, in (date, seq) order, must alternate:
// registered, deregistered, registered, ...
template <typename Entries>
std::optional<TimelineProblem> CheckRegisterTimeline(const Entries& entries) {
  bool registered = false;
  for (const auto& entry : entries) {
    if (entry.registered == registered) {
      return TimelineProblem{
          false,
          absl::StrCat(registered ? "the person would register on "
                                  : "the person would leave the register on ",
                       FormatDate(entry.date()), " while ",
                       registered ? "already registered" : "not registered")};
    }
    registered = entry.registered;
  }
  return std::nullopt;
}

absl::Status FailedPrecondition(int index, absl::string_view field,
                                absl::string_view reason) {
  return EventError(absl::StatusCode::kFailedPrecondition, index, field,
                    reason);
}

// Validation (validation.h) refuses such dates first: kept for stored events,
// which are never checked again.
absl::Status DateOutOfRange(int index) {
  return EventError(absl::StatusCode::kInvalidArgument, index, "effective_date",
                    "the date is out of range");
}

absl::Status NotFound(int index, absl::string_view field,
                      absl::string_view reason) {
  return EventError(absl::StatusCode::kNotFound, index, field, reason);
}

// Removes the retracted `seq` from a timeline, which `check` must still
// accept; the retraction is blamed otherwise.
template <typename Entries, typename Check>
absl::Status RemoveFromTimeline(Entries& entries, uint64_t seq, int index,
                                Check check) {
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [seq](const auto& e) { return e.seq == seq; }),
                entries.end());
  if (auto problem = check(entries)) {
    return FailedPrecondition(index, kTargetSeqField,
                              absl::StrCat("without it, ", problem->reason));
  }
  return absl::OkStatus();
}

// A count of things of at least a byte each among `most` bytes.
bool ReadCount(CodedInputStream& in, uint64_t most, uint64_t& count) {
  return in.ReadVarint64(&count) && count <= most;
}

bool ReadDate(CodedInputStream& in, Date& date) {
  int64_t days = 0;
  if (!checkpoint_coding::ReadSigned(in, days) || days < INT32_MIN ||
      days > INT32_MAX) {
    return false;
  }
  date.days = static_cast<int32_t>(days);
  return true;
}

// A seq of the state: at most kMaxSeq.
bool ReadSeq(CodedInputStream& in, uint32_t& seq) {
  uint64_t read = 0;
  if (!in.ReadVarint64(&read) || read > kMaxSeq) return false;
  seq = static_cast<uint32_t>(read);
  return true;
}

// The parts of a job, a person and an employer the layouts share
// (storage_format.h): a job's from last_touch_seq on, the others whole.
void WriteJobTail(checkpoint_coding::CodedOutputStream& coded,
                  const auto& job) {
  coded.WriteVarint64(job.last_touch_seq);
  coded.WriteVarint64(job.entries.size());
  for (const auto& entry : job.entries) {
    checkpoint_coding::WriteSigned(coded, entry.days);
    coded.WriteVarint64(entry.seq);
    coded.WriteVarint32(static_cast<uint32_t>(entry.kind));
    coded.WriteVarint32(static_cast<uint32_t>(entry.form));
  }
}

void WritePerson(checkpoint_coding::CodedOutputStream& coded,
                 std::string_view person_ref, const auto& person) {
  checkpoint_coding::WriteString(coded, person_ref);
  coded.WriteVarint64(person.entries.size());
  for (const auto& entry : person.entries) {
    checkpoint_coding::WriteSigned(coded, entry.days);
    coded.WriteVarint64(entry.seq);
    coded.WriteVarint32(entry.registered ? 1 : 0);
  }
}

void WriteEmployer(checkpoint_coding::CodedOutputStream& coded,
                   std::string_view employer_id, const auto& employer) {
  checkpoint_coding::WriteString(coded, employer_id);
  checkpoint_coding::WriteSigned(coded, employer.references);
}

}  // namespace

absl::Status LedgerState::Apply(const Event& event, uint64_t seq, int index,
                                const Event* retraction_target) {
  if (seq > kMaxSeq) {
    return EventError(
        absl::StatusCode::kResourceExhausted, index, "",
        absl::StrCat("the ledger holds at most ", kMaxSeq, " events"));
  }
  const auto held_seq = static_cast<uint32_t>(seq);
  switch (event.kind()) {
    case EventKind::kJobStarted:
    case EventKind::kJobConverted:
    case EventKind::kHoursChanged:
    case EventKind::kJobEnded:
      if (!FitsPackedDate(event.effective_date)) return DateOutOfRange(index);
      return ApplyJobEvent(event, held_seq, index);
    case EventKind::kPersonRegistered:
    case EventKind::kPersonDeregistered:
      if (!FitsPackedDate(event.effective_date)) return DateOutOfRange(index);
      return ApplyRegisterEvent(event, held_seq, index);
    case EventKind::kEmployerRegistered:
    case EventKind::kEmployerReclassified:
    case EventKind::kEmployerHoursReported:
      return ApplyEmployerEvent(event, index);
    case EventKind::kEventRetracted:
      return ApplyRetraction(std::get<EventRetracted>(event.payload), held_seq,
                             index, *retraction_target);
    case EventKind::kTargetSet:
    case EventKind::kBaselineSet:
    case EventKind::kInleenKeySet:
    case EventKind::kQuotaPercentageSet:
      return absl::OkStatus();
  }
  return absl::InternalError("unknown event kind");
}

void LedgerState::Prefetch(const Event& event) const {
  if (const std::string_view job_id = JobIdOf(event); !job_id.empty()) {
    jobs_.Prefetch(AbslView(job_id));
  }
  if (const std::string_view person_ref = PersonRefOf(event);
      !person_ref.empty()) {
    persons_.Prefetch(AbslView(person_ref));
  }
}

absl::Status LedgerState::ApplyJobEvent(const Event& event, uint32_t seq,
                                        int index) {
  const Date date = event.effective_date;
  if (const auto* start = std::get_if<JobStarted>(&event.payload)) {
    if (jobs_.contains(start->job_id)) {
      return EventError(absl::StatusCode::kAlreadyExists, index,
                        "job_started.job_id", "the job was already started");
    }
    if (!employers_.contains(start->employer_id)) {
      return NotFound(index, "job_started.employer_id", "unknown employer");
    }
    if (!start->commissioning_employer_id.empty() &&
        !employers_.contains(start->commissioning_employer_id)) {
      return NotFound(index, "job_started.commissioning_employer_id",
                      "unknown employer");
    }
    Job& job = Mutable(jobs_, start->job_id);
    job.employer = employer_ids_.Intern(start->employer_id);
    job.entries.push_back(
        JobEntry(date, EventKind::kJobStarted, start->form, seq));
    job.last_touch_seq = seq;
    Reference(start->employer_id, +1);
    if (!start->commissioning_employer_id.empty()) {
      Reference(start->commissioning_employer_id, +1);
    }
    return absl::OkStatus();
  }

  const absl::string_view job_id = AbslView(JobIdOf(event));
  const Job* const existing = jobs_.Find(job_id);
  if (existing == nullptr) {
    return NotFound(index, AbslView(JobIdField(event.kind())), "unknown job");
  }
  const auto& entries = existing->entries;
  const JobEntry& start = entries.front();
  const auto end = std::find_if(
      entries.begin(), entries.end(),
      [](const auto& e) { return e.kind == EventKind::kJobEnded; });
  if (event.kind() == EventKind::kJobEnded && end != entries.end()) {
    return FailedPrecondition(
        index, "effective_date",
        absl::StrCat("the job already ended on ", FormatDate(end->date())));
  }
  if (date < start.date() || (end != entries.end() && date >= end->date())) {
    return FailedPrecondition(
        index, "effective_date",
        absl::StrCat("the job is not active on ", FormatDate(date)));
  }

  JobEntry entry(date, event.kind(), ContractForm::kUnspecified, seq);
  if (const auto* conversion = std::get_if<JobConverted>(&event.payload)) {
    entry.form = conversion->to_form;
  }
  // Changed in place: on a rejection the batch's undo log restores the job.
  Job& job = Mutable(jobs_, job_id);
  InsertInOrder(job.entries, entry);
  if (auto problem = CheckJobTimeline(job.entries)) {
    return FailedPrecondition(
        index, problem->conversion ? "job_converted.to_form" : "effective_date",
        problem->reason);
  }
  job.last_touch_seq = seq;
  return absl::OkStatus();
}

absl::Status LedgerState::ApplyRegisterEvent(const Event& event, uint32_t seq,
                                             int index) {
  const bool registering = event.kind() == EventKind::kPersonRegistered;
  Person& person = Mutable(persons_, AbslView(PersonRefOf(event)));
  InsertInOrder(person.entries,
                RegisterEntry(event.effective_date, registering, seq));
  if (auto problem = CheckRegisterTimeline(person.entries)) {
    return FailedPrecondition(index, "effective_date", problem->reason);
  }
  return absl::OkStatus();
}

absl::Status LedgerState::ApplyEmployerEvent(const Event& event, int index) {
  if (const auto* registered =
          std::get_if<EmployerRegistered>(&event.payload)) {
    if (employers_.contains(registered->employer_id)) {
      return EventError(absl::StatusCode::kAlreadyExists, index,
                        "employer_registered.employer_id",
                        "the employer is already registered");
    }
    const std::string& parent = registered->parent_employer_id;
    if (!parent.empty() && !employers_.contains(parent)) {
      return NotFound(index, "employer_registered.parent_employer_id",
                      "unknown employer");
    }
    Mutable(employers_, registered->employer_id);
    if (!parent.empty()) Reference(parent, +1);
    return absl::OkStatus();
  }
  // A reclassification or an hours report: both name a registered employer,
  // which may not be retracted while they stand.
  const bool reclassified = event.kind() == EventKind::kEmployerReclassified;
  const std::string& employer_id =
      reclassified ? std::get<EmployerReclassified>(event.payload).employer_id
                   : std::get<EmployerHoursReported>(event.payload).employer_id;
  if (!employers_.contains(employer_id)) {
    return NotFound(index,
                    reclassified ? "employer_reclassified.employer_id"
                                 : "employer_hours_reported.employer_id",
                    "unknown employer");
  }
  Reference(employer_id, +1);
  return absl::OkStatus();
}

absl::Status LedgerState::ApplyRetraction(const EventRetracted& retraction,
                                          uint32_t seq, int index,
                                          const Event& target) {
  const uint64_t target_seq = retraction.target_seq;
  if (target.kind() == EventKind::kEventRetracted) {
    return FailedPrecondition(index, kTargetSeqField,
                              "a retraction cannot be retracted");
  }
  if (retracted_.contains(target_seq)) {
    return FailedPrecondition(index, kTargetSeqField,
                              "the event is already retracted");
  }
  switch (target.kind()) {
    case EventKind::kJobStarted:
    case EventKind::kJobConverted:
    case EventKind::kHoursChanged:
    case EventKind::kJobEnded: {
      const absl::string_view job_id = AbslView(JobIdOf(target));
      Job& job = Mutable(jobs_, job_id);
      RETURN_IF_ERROR(
          RemoveFromTimeline(job.entries, target_seq, index,
                             CheckJobTimeline<decltype(job.entries)>));
      job.last_touch_seq = seq;
      if (job.entries.empty()) {
        const auto& start = std::get<JobStarted>(target.payload);
        Reference(start.employer_id, -1);
        if (!start.commissioning_employer_id.empty()) {
          Reference(start.commissioning_employer_id, -1);
        }
        Erase(jobs_, job_id);
      }
      break;
    }
    case EventKind::kPersonRegistered:
    case EventKind::kPersonDeregistered: {
      const absl::string_view person_ref = AbslView(PersonRefOf(target));
      Person& person = Mutable(persons_, person_ref);
      RETURN_IF_ERROR(
          RemoveFromTimeline(person.entries, target_seq, index,
                             CheckRegisterTimeline<decltype(person.entries)>));
      if (person.entries.empty()) Erase(persons_, person_ref);
      break;
    }
    case EventKind::kEmployerRegistered: {
      const auto& registered = std::get<EmployerRegistered>(target.payload);
      if (employers_.Find(registered.employer_id)->references > 0) {
        return FailedPrecondition(
            index, kTargetSeqField,
            "the employer still has live jobs, reclassifications or "
            "child employers");
      }
      Erase(employers_, registered.employer_id);
      if (!registered.parent_employer_id.empty()) {
        Reference(registered.parent_employer_id, -1);
      }
      break;
    }
    case EventKind::kEmployerReclassified:
      Reference(std::get<EmployerReclassified>(target.payload).employer_id, -1);
      break;
    case EventKind::kEmployerHoursReported:
      Reference(std::get<EmployerHoursReported>(target.payload).employer_id,
                -1);
      break;
    case EventKind::kTargetSet:
    case EventKind::kBaselineSet:
    case EventKind::kInleenKeySet:
    case EventKind::kQuotaPercentageSet:
    case EventKind::kEventRetracted:
      break;
  }
  retracted_.insert(target_seq);
  if (in_batch_) undo_.emplace_back(target_seq);
  if (tracking_) retracted_since_.push_back(target_seq);
  return absl::OkStatus();
}

uint64_t LedgerState::LastJobSeq(std::string_view job_id) const {
  const Job* const job = jobs_.Find(AbslView(job_id));
  return job == nullptr ? 0 : job->last_touch_seq;
}

std::optional<std::string_view> LedgerState::JobEmployer(
    std::string_view job_id) const {
  const Job* const job = jobs_.Find(AbslView(job_id));
  if (job == nullptr) return std::nullopt;
  return employer_ids_.Get(job->employer);
}

void LedgerState::Reference(absl::string_view employer_id, int64_t delta) {
  Mutable(employers_, employer_id).references += delta;
}

template <typename T>
T& LedgerState::Mutable(CompactStringMap<T>& map, absl::string_view key) {
  const auto [value, inserted] = map.FindOrInsert(key);
  // An entry the batch makes needs no undo: RollbackBatch drops it whole.
  if (in_batch_ && !inserted) {
    undo_.emplace_back(Saved<T>{std::string(key), *value, std::nullopt});
  }
  return *value;
}

template <typename T>
void LedgerState::Erase(CompactStringMap<T>& map, absl::string_view key) {
  T* const value = map.Find(key);
  if (value == nullptr) return;
  if (!in_batch_) {
    map.Erase(key);
    return;
  }
  Saved<T> saved{std::string(key), std::move(*value), std::nullopt};
  saved.erased = map.Erase(key);
  undo_.emplace_back(std::move(saved));
}

uint32_t LedgerState::EmployerIds::Intern(absl::string_view employer_id) {
  const auto [it, inserted] =
      numbers_.try_emplace(employer_id, static_cast<uint32_t>(ids_.size()));
  if (inserted) ids_.emplace_back(employer_id);
  return it->second;
}

void LedgerState::EmployerIds::TruncateTo(uint32_t size) {
  while (ids_.size() > size) {
    numbers_.erase(ids_.back());
    ids_.pop_back();
  }
}

void LedgerState::BeginBatch() {
  undo_.clear();
  batch_marks_ = {jobs_.Mark(), persons_.Mark(), employers_.Mark(),
                  employer_ids_.size()};
  in_batch_ = true;
}

void LedgerState::CommitBatch() {
  undo_.clear();
  in_batch_ = false;
}

void LedgerState::RollbackBatch() {
  // The entries the batch made go first, keys and all, so that rejected
  // batches, however many, leave nothing behind; then, latest first, what
  // it changed or erased of the entries before it.
  jobs_.DropSince(batch_marks_.jobs);
  persons_.DropSince(batch_marks_.persons);
  employers_.DropSince(batch_marks_.employers);
  employer_ids_.TruncateTo(batch_marks_.employer_ids);
  const auto restore = [](auto& map, size_t mark, auto& saved) {
    if (saved.erased.has_value()) {
      if (*saved.erased < mark) {
        map.Revive(*saved.erased) = std::move(saved.before);
      }
    } else if (auto* value = map.Find(saved.key)) {
      *value = std::move(saved.before);
    }
  };
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    if (auto* job = std::get_if<Saved<Job>>(&*it)) {
      restore(jobs_, batch_marks_.jobs, *job);
    } else if (auto* person = std::get_if<Saved<Person>>(&*it)) {
      restore(persons_, batch_marks_.persons, *person);
    } else if (auto* employer = std::get_if<Saved<Employer>>(&*it)) {
      restore(employers_, batch_marks_.employers, *employer);
    } else {
      retracted_.erase(std::get<uint64_t>(*it));
    }
  }
  undo_.clear();
  in_batch_ = false;
}

// ledger_state_2 (storage_format.h): the seeds of the jobs' and the persons'
// maps, the size of the jobs' part, the employer ids the jobs name by number,
// then jobs, persons, employers and retracted seqs, each a count and its
// entries.
void LedgerState::EncodeTo(std::string& out) const {
  using namespace checkpoint_coding;  // NOLINT(google-build-using-namespace)
  for (const CompactStringMapSeed& seed : {jobs_.seed(), persons_.seed()}) {
    out.append(reinterpret_cast<const char*>(seed.data()), seed.size());
  }
  const size_t jobs_at = out.size() + sizeof(uint64_t);
  out.resize(jobs_at);
  {
    google::protobuf::io::StringOutputStream stream(&out);
    CodedOutputStream coded(&stream);
    coded.WriteVarint64(employer_ids_.size());
    for (uint32_t number = 0; number < employer_ids_.size(); ++number) {
      WriteString(coded, employer_ids_.Get(number));
    }
    coded.WriteVarint64(jobs_.size());
    jobs_.ForEach([&coded](std::string_view job_id, const Job& job) {
      WriteString(coded, job_id);
      coded.WriteVarint32(job.employer);
      WriteJobTail(coded, job);
    });
  }  // out now ends with the jobs
  absl::little_endian::Store64(out.data() + jobs_at - sizeof(uint64_t),
                               out.size() - jobs_at);
  google::protobuf::io::StringOutputStream stream(&out);
  CodedOutputStream coded(&stream);
  coded.WriteVarint64(persons_.size());
  persons_.ForEach([&coded](std::string_view person_ref, const Person& person) {
    WritePerson(coded, person_ref, person);
  });
  coded.WriteVarint64(employers_.size());
  employers_.ForEach(
      [&coded](std::string_view employer_id, const Employer& employer) {
        WriteEmployer(coded, employer_id, employer);
      });
  coded.WriteVarint64(retracted_.size());
  for (const uint64_t seq : retracted_) coded.WriteVarint64(seq);
}

void LedgerState::TrackChanges() {
  jobs_.TrackChanges();
  persons_.TrackChanges();
  employers_.TrackChanges();
  tracking_ = true;
  retracted_since_.clear();
}

// ledger_delta (storage_format.h): each map's changed entries in the order
// they were made, so that a key's erased entry comes before the one that
// replaced it; a job as version 1 wrote it, with its employer id spelled out
// (a delta is read against a state whose employer numbers may differ).
void LedgerState::TakeChanges(std::string& out) {
  using namespace checkpoint_coding;  // NOLINT(google-build-using-namespace)
  google::protobuf::io::StringOutputStream stream(&out);
  CodedOutputStream coded(&stream);
  const auto erased = [&coded](std::string_view key) {
    coded.WriteVarint32(0);
    WriteString(coded, key);
  };
  coded.WriteVarint64(jobs_.changed());
  jobs_.TakeChanged([&](std::string_view job_id, const Job* job) {
    if (job == nullptr) return erased(job_id);
    coded.WriteVarint32(1);
    WriteString(coded, job_id);
    WriteString(coded, employer_ids_.Get(job->employer));
    WriteJobTail(coded, *job);
  });
  coded.WriteVarint64(persons_.changed());
  persons_.TakeChanged([&](std::string_view person_ref, const Person* person) {
    if (person == nullptr) return erased(person_ref);
    coded.WriteVarint32(1);
    WritePerson(coded, person_ref, *person);
  });
  coded.WriteVarint64(employers_.changed());
  employers_.TakeChanged(
      [&](std::string_view employer_id, const Employer* employer) {
        if (employer == nullptr) return erased(employer_id);
        coded.WriteVarint32(1);
        WriteEmployer(coded, employer_id, *employer);
      });
  // Those of rolled back batches are not retracted.
  std::erase_if(retracted_since_,
                [this](uint64_t seq) { return !retracted_.contains(seq); });
  coded.WriteVarint64(retracted_since_.size());
  for (const uint64_t seq : retracted_since_) coded.WriteVarint64(seq);
  retracted_since_.clear();
}

bool LedgerState::ApplyChanges(std::string_view bytes) {
  using checkpoint_coding::ReadPrefix;
  const uint64_t most = bytes.size();
  // Read once and dropped, to know that the bytes are one whole
  // ledger_delta before anything is changed; then into this state. (Read
  // into a scratch state, the check built maps of every changed job and
  // person: half of a delta's load, 0.4 s of the open after a crash at
  // 12.8 M events.)
  std::string_view check = bytes;
  if (!ReadPrefix(check,
                  [this, most](CodedInputStream& in) {
                    return DecodeChanges(in, most, /*apply=*/false);
                  }) ||
      !check.empty()) {
    return false;
  }
  ReadPrefix(bytes, [this, most](CodedInputStream& in) {
    return DecodeChanges(in, most, /*apply=*/true);
  });
  return true;
}

bool LedgerState::DecodeChanges(CodedInputStream& in, uint64_t most,
                                bool apply) {
  std::string key;
  std::string employer_id;
  Job job;  // what a check reads, and drops
  Person person;
  int64_t references = 0;
  // Each change: 0 and the key of an erased entry, or 1 and the entry.
  const auto changes = [&](auto& map, auto decode, auto read) {
    uint64_t count = 0;
    if (!ReadCount(in, most, count)) return false;
    for (uint64_t i = 0; i < count; ++i) {
      uint32_t present = 0;
      if (!in.ReadVarint32(&present) || present > 1) return false;
      if (present == 1) {
        if (!(apply ? decode() : read())) return false;
      } else {
        if (!checkpoint_coding::ReadString(in, key)) return false;
        if (apply) map.Erase(key);
      }
    }
    return true;
  };
  using checkpoint_coding::ReadSigned;
  using checkpoint_coding::ReadString;
  return changes(
             jobs_,
             [&] { return DecodeJob(in, most, false, key, employer_id); },
             [&] {
               return ReadString(in, key) && ReadString(in, employer_id) &&
                      ReadJobTail(in, most, job);
             }) &&
         changes(
             persons_, [&] { return DecodePerson(in, most, key); },
             [&] {
               return ReadString(in, key) &&
                      ReadPersonEntries(in, most, person);
             }) &&
         changes(
             employers_, [&] { return DecodeEmployer(in, key); },
             [&] {
               return ReadString(in, key) && ReadSigned(in, references);
             }) &&
         DecodeRetracted(in, most, apply);
}

absl::StatusOr<LedgerState> LedgerState::Decode(uint32_t version,
                                                std::string_view& bytes,
                                                LoadGrowth growth) {
  const FlatStateBody body(bytes);
  uint64_t offset = 0;
  absl::StatusOr<LedgerState> state = Decode(version, body, offset, growth);
  bytes.remove_prefix(offset);
  return state;
}

absl::StatusOr<LedgerState> LedgerState::Decode(uint32_t version,
                                                const StateBody& body,
                                                uint64_t& offset,
                                                LoadGrowth growth) {
  using checkpoint_coding::CodedInputStream;
  LedgerState state;
  const absl::Status unreadable =
      absl::DataLossError("the saved validation state is unreadable");
  // Counts come from the bytes: reserve no more than they could hold.
  const uint64_t most = body.size() - offset;
  if (version == 1) {
    const auto stream = body.Range(offset, body.size());
    CodedInputStream in(stream.get());
    if (!state.DecodeJobs(in, most, false, growth) ||
        !state.DecodeTheRest(in, most, growth)) {
      return unreadable;
    }
    offset += in.CurrentPosition();
    return state;
  }
  // Maps of the saved seeds, which place the entries in their saved order
  // front to back (CompactStringMap::ForEach).
  CompactStringMapSeed jobs_seed;
  CompactStringMapSeed persons_seed;
  uint64_t jobs_size = 0;
  {
    const auto stream = body.Range(offset, body.size());
    CodedInputStream in(stream.get());
    if (!in.ReadRaw(jobs_seed.data(), static_cast<int>(jobs_seed.size())) ||
        !in.ReadRaw(persons_seed.data(),
                    static_cast<int>(persons_seed.size())) ||
        !in.ReadLittleEndian64(&jobs_size)) {
      return unreadable;
    }
    offset += in.CurrentPosition();
  }
  state.jobs_ = CompactStringMap<Job>(jobs_seed);
  state.persons_ = CompactStringMap<Person>(persons_seed);
  if (jobs_size > body.size() - offset) return unreadable;
  const uint64_t rest_begin = offset + jobs_size;
  // The jobs on a thread of their own, the rest on this one: they fill
  // different members. Each takes about half the time.
  bool jobs_read = false;
  std::thread jobs_reader(
      [&state, &body, &jobs_read, offset, rest_begin, jobs_size, growth] {
        const auto stream = body.Range(offset, rest_begin);
        CodedInputStream in(stream.get());
        jobs_read = state.DecodeJobs(in, jobs_size, true, growth) &&
                    static_cast<uint64_t>(in.CurrentPosition()) == jobs_size;
      });
  bool rest_read = false;
  {
    const auto stream = body.Range(rest_begin, body.size());
    CodedInputStream in(stream.get());
    rest_read = state.DecodeTheRest(in, body.size() - rest_begin, growth);
    offset = rest_begin + in.CurrentPosition();
  }
  jobs_reader.join();
  if (!jobs_read || !rest_read) return unreadable;
  return state;
}

uint64_t LedgerState::WithGrowth(uint64_t count, LoadGrowth growth) {
  if (growth.saved == 0) return count;
  // Each event adds one job or person at most.
  return count +
         std::min(growth.to_come,
                  static_cast<uint64_t>(static_cast<double>(count) /
                                        static_cast<double>(growth.saved) *
                                        static_cast<double>(growth.to_come)));
}

uint64_t LedgerState::KeyBytesWithGrowth(uint64_t most, LoadGrowth growth) {
  if (growth.saved == 0) return most;
  return most + static_cast<uint64_t>(static_cast<double>(most) /
                                      static_cast<double>(growth.saved) *
                                      static_cast<double>(growth.to_come));
}

bool LedgerState::DecodeJobs(CodedInputStream& in, uint64_t most,
                             bool numbered_employers, LoadGrowth growth) {
  uint64_t count = 0;
  std::string key;
  std::string employer_id;
  if (numbered_employers) {
    if (!ReadCount(in, most, count)) return false;
    for (uint64_t number = 0; number < count; ++number) {
      if (!checkpoint_coding::ReadString(in, employer_id) ||
          employer_ids_.Intern(employer_id) != number) {
        return false;
      }
    }
  }
  if (!ReadCount(in, most, count)) return false;
  jobs_.ReserveForLoad(WithGrowth(count, growth),
                       KeyBytesWithGrowth(most, growth));
  for (uint64_t i = 0; i < count; ++i) {
    if (!DecodeJob(in, most, numbered_employers, key, employer_id)) {
      return false;
    }
  }
  return true;
}

bool LedgerState::DecodeJob(CodedInputStream& in, uint64_t most,
                            bool numbered_employers, std::string& key,
                            std::string& employer_id) {
  if (!checkpoint_coding::ReadString(in, key)) return false;
  Job& job = *jobs_.FindOrInsert(key).first;
  if (numbered_employers) {
    if (!in.ReadVarint32(&job.employer) ||
        job.employer >= employer_ids_.size()) {
      return false;
    }
  } else {
    if (!checkpoint_coding::ReadString(in, employer_id)) return false;
    job.employer = employer_ids_.Intern(employer_id);
  }
  return ReadJobTail(in, most, job);
}

bool LedgerState::ReadJobTail(CodedInputStream& in, uint64_t most, Job& job) {
  uint64_t entries = 0;
  if (!ReadSeq(in, job.last_touch_seq) || !ReadCount(in, most, entries)) {
    return false;
  }
  job.entries.resize(entries);
  for (JobEntry& entry : job.entries) {
    uint32_t kind = 0;
    uint32_t form = 0;
    Date date;
    if (!ReadDate(in, date) || !FitsPackedDate(date) ||
        !ReadSeq(in, entry.seq) || !in.ReadVarint32(&kind) ||
        kind >= kEventKindCount || !in.ReadVarint32(&form) ||
        form > static_cast<uint32_t>(ContractForm::kSroi)) {
      return false;
    }
    entry.days = date.days;
    entry.kind = static_cast<EventKind>(kind);
    entry.form = static_cast<ContractForm>(form);
  }
  return true;
}

bool LedgerState::DecodeTheRest(CodedInputStream& in, uint64_t most,
                                LoadGrowth growth) {
  uint64_t count = 0;
  std::string key;
  if (!ReadCount(in, most, count)) return false;
  persons_.ReserveForLoad(WithGrowth(count, growth),
                          KeyBytesWithGrowth(most, growth));
  for (uint64_t i = 0; i < count; ++i) {
    if (!DecodePerson(in, most, key)) return false;
  }
  if (!ReadCount(in, most, count)) return false;
  employers_.ReserveForLoad(count, 0);
  for (uint64_t i = 0; i < count; ++i) {
    if (!DecodeEmployer(in, key)) return false;
  }
  return DecodeRetracted(in, most, /*apply=*/true);
}

bool LedgerState::DecodePerson(CodedInputStream& in, uint64_t most,
                               std::string& key) {
  return checkpoint_coding::ReadString(in, key) &&
         ReadPersonEntries(in, most, *persons_.FindOrInsert(key).first);
}

bool LedgerState::ReadPersonEntries(CodedInputStream& in, uint64_t most,
                                    Person& person) {
  uint64_t entries = 0;
  if (!ReadCount(in, most, entries)) return false;
  person.entries.resize(entries);
  for (RegisterEntry& entry : person.entries) {
    uint32_t registered = 0;
    Date date;
    if (!ReadDate(in, date) || !FitsPackedDate(date) ||
        !ReadSeq(in, entry.seq) || !in.ReadVarint32(&registered) ||
        registered > 1) {
      return false;
    }
    entry.days = date.days;
    entry.registered = registered == 1;
  }
  return true;
}

bool LedgerState::DecodeEmployer(CodedInputStream& in, std::string& key) {
  return checkpoint_coding::ReadString(in, key) &&
         checkpoint_coding::ReadSigned(
             in, employers_.FindOrInsert(key).first->references);
}

bool LedgerState::DecodeRetracted(CodedInputStream& in, uint64_t most,
                                  bool apply) {
  uint64_t count = 0;
  if (!ReadCount(in, most, count)) return false;
  if (apply) retracted_.reserve(retracted_.size() + count);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t seq = 0;
    if (!in.ReadVarint64(&seq)) return false;
    if (apply) retracted_.insert(seq);
  }
  return true;
}

}  // namespace banen
