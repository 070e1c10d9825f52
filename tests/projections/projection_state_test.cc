#include "projections/projection_state.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "tests/projections/projection_test_util.h"

namespace banen {
namespace {

using test::D;
using test::StoredHistory;

TEST(ProjectionStateTest, InsertsBackdatedJobEventsInEffectiveOrder) {
  StoredHistory history;
  history.RecordOneHire("2024-01-01");
  history.Record(test::JobEndedEvent("e3", "2024-09-01", "job-1"));
  history.Record(test::HoursChangedEvent("e4", "2024-03-01", "job-1", 2000));
  const ProjectionState state = history.Fold();

  const auto& entries = state.job(0).entries;
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].seq, 2u);
  EXPECT_EQ(entries[1].seq, 4u);
  EXPECT_EQ(entries[1].date, D("2024-03-01"));
  EXPECT_EQ(entries[2].seq, 3u);
}

// No event moves an employer to another parent; a retracted registration
// sent again with another parent is the only way, and each cut sees its own.
TEST(ProjectionStateTest, ParentIsTheOneOfTheRegistrationVisibleAtTheCut) {
  StoredHistory history;
  history.Record(test::EmployerRegisteredEvent("e1", "2024-01-01", "min-1",
                                               Sector::kRijk));
  history.Record(test::EmployerRegisteredEvent("e2", "2024-01-01", "min-2",
                                               Sector::kRijk));
  history.Record(test::EmployerRegisteredEvent(
      "e3", "2024-01-01", "agency", Sector::kRijk, "Agentschap", "min-1"));
  history.Record(test::EventRetractedEvent("e4", "2024-01-02", 3));
  history.Record(test::EmployerRegisteredEvent(
      "e5", "2024-01-01", "agency", Sector::kRijk, "Agentschap", "min-2"));
  const ProjectionState state = history.Fold();

  EXPECT_EQ(state.ParentOf(2, 3), 0u);
  EXPECT_EQ(state.ParentOf(2, 4), kNoIndex);
  EXPECT_EQ(state.ParentOf(2, 5), 1u);
  EXPECT_EQ(state.ParentOf(0, 5), kNoIndex);
}

// SectorTimeline::SameAs: the same employer with the same changes visible,
// a reclassification's retraction included.
TEST(ProjectionStateTest, SectorTimelinesAreTheSameWhereTheSameChangesShow) {
  StoredHistory history;
  history.Record(test::EmployerRegisteredEvent("e1", "2024-01-01", "emp-1",
                                               Sector::kGemeenten));
  history.Record(test::EmployerRegisteredEvent("e2", "2024-01-01", "emp-2",
                                               Sector::kGemeenten));
  history.Record(test::EmployerReclassifiedEvent("e3", "2024-06-01", "emp-1",
                                                 Sector::kRijk));
  history.Record(test::EventRetractedEvent("e4", "2024-06-02", 3));
  const ProjectionState state = history.Fold();
  const auto sectors = [&](uint32_t employer, uint64_t cut) {
    return state.SectorsOf(employer, cut);
  };
  EXPECT_TRUE(sectors(0, 2).SameAs(sectors(0, 1)));
  EXPECT_FALSE(sectors(0, 2).SameAs(sectors(0, 3)));
  EXPECT_TRUE(sectors(0, 2).SameAs(sectors(0, 4)));
  EXPECT_FALSE(sectors(0, 3).SameAs(sectors(0, 4)));
  EXPECT_FALSE(sectors(0, 2).SameAs(sectors(1, 2)));
  EXPECT_FALSE(sectors(1, 0).SameAs(sectors(1, 2)));
  EXPECT_TRUE(sectors(1, 0).SameAs(sectors(kNoIndex, 4)));
}

TEST(ProjectionStateTest, OrdersSameDayEventsBySeq) {
  StoredHistory history;
  history.Record(
      test::PersonRegisteredEvent("e1", "2024-05-01", test::PersonRef(1)));
  history.Record(
      test::PersonDeregisteredEvent("e2", "2024-06-01", test::PersonRef(1)));
  history.Record(
      test::PersonRegisteredEvent("e3", "2024-06-01", test::PersonRef(1)));
  const ProjectionState state = history.Fold();

  const auto entries = state.person(0).entries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_FALSE(entries[1].registered);
  EXPECT_TRUE(entries[2].registered);
}

// PersonRef(1) registered at seq 1, the registration retracted at seq 2.
StoredHistory RetractedRegistration() {
  StoredHistory history;
  history.Record(
      test::PersonRegisteredEvent("e1", "2024-05-01", test::PersonRef(1)));
  history.Record(test::EventRetractedEvent("e2", "2024-06-01", 1));
  return history;
}

TEST(ProjectionStateTest, RetractionHidesTheTargetFromItsSeqOn) {
  const ProjectionState state = RetractedRegistration().Fold();
  const uint64_t retraction = 2;

  const RegisterEntry& entry = state.person(0).entries()[0];
  EXPECT_TRUE(entry.retracted);
  EXPECT_EQ(state.retractions().Of(entry.seq), retraction);
  EXPECT_TRUE(state.CutAt(retraction - 1).Sees(entry));
  EXPECT_FALSE(state.CutAt(retraction).Sees(entry));
}

TEST(ProjectionStateTest, RetractionOfAJobEventHidesItFromItsSeqOn) {
  StoredHistory history;
  history.RecordOneHire("2024-01-01");
  const uint64_t end =
      history.Record(test::JobEndedEvent("e3", "2024-09-01", "job-1"));
  const uint64_t retraction =
      history.Record(test::EventRetractedEvent("e4", "2024-10-01", end));
  const ProjectionState state = history.Fold();

  const JobEntry& ended = state.job(0).entries[1];
  ASSERT_EQ(ended.seq, end);
  EXPECT_TRUE(ended.retracted);
  EXPECT_FALSE(state.job(0).entries[0].retracted);
  EXPECT_EQ(state.retractions().size(), 1u);
  EXPECT_EQ(state.retractions().Of(end), retraction);
  EXPECT_TRUE(state.CutAt(retraction - 1).Sees(ended));
  EXPECT_FALSE(state.CutAt(retraction).Sees(ended));
  EXPECT_FALSE(state.CutAt(end - 1).Sees(ended));
}

TEST(ProjectionStateTest, SecondRetractionOfAnEntryChangesNothing) {
  StoredHistory history = RetractedRegistration();
  history.Record(test::EventRetractedEvent("e3", "2024-06-02", 1));
  const ProjectionState state = history.Fold();

  EXPECT_EQ(state.retractions().Of(1), 2u);
  EXPECT_EQ(state.retractions().size(), 1u);
}

TEST(ProjectionStateTest, LatestTargetInSeqOrderWins) {
  StoredHistory history;
  history.Record(
      test::TargetSetEvent("e1", "2024-01-01", Sector::kPolitie, 2024, 71300));
  history.Record(
      test::TargetSetEvent("e2", "2023-01-01", Sector::kPolitie, 2024, 70000));
  const ProjectionState state = history.Fold();

  EXPECT_EQ(state.TargetX100(Sector::kPolitie, 2024, 1), 71300);
  EXPECT_EQ(state.TargetX100(Sector::kPolitie, 2024, 2), 70000);
  EXPECT_FALSE(state.TargetX100(Sector::kPolitie, 2023, 2).has_value());
}

TEST(ProjectionStateTest, RetractedTargetFallsBackToThePreviousOne) {
  StoredHistory history;
  history.Record(
      test::TargetSetEvent("e1", "2024-01-01", Sector::kPolitie, 2024, 71300));
  history.Record(
      test::TargetSetEvent("e2", "2024-02-01", Sector::kPolitie, 2024, 70000));
  history.Record(test::EventRetractedEvent("e3", "2024-03-01", 2));
  const ProjectionState state = history.Fold();

  EXPECT_EQ(state.TargetX100(Sector::kPolitie, 2024, 2), 70000);
  EXPECT_EQ(state.TargetX100(Sector::kPolitie, 2024, 3), 71300);
}

TEST(ProjectionStateTest,
     RegistrationSectorAppliesBeforeFirstReclassification) {
  StoredHistory history;
  history.Record(test::EmployerRegisteredEvent("e1", "2024-06-01", "emp-1",
                                               Sector::kGemeenten));
  history.Record(test::EmployerReclassifiedEvent("e2", "2025-01-01", "emp-1",
                                                 Sector::kProvincies));
  const ProjectionState state = history.Fold();

  const SectorTimeline sectors = state.SectorsOf(0, 2);
  EXPECT_EQ(sectors.On(D("2020-01-01")), Sector::kGemeenten);
  EXPECT_EQ(sectors.On(D("2024-12-31")), Sector::kGemeenten);
  EXPECT_EQ(sectors.On(D("2025-01-01")), Sector::kProvincies);
  EXPECT_EQ(state.SectorsOf(0, 1).On(D("2025-01-01")), Sector::kGemeenten);
}

TEST(ProjectionStateTest, ReclassificationTouchesEveryPersonOfTheEmployer) {
  StoredHistory history;
  history.RecordOneHire("2024-01-01");
  history.Record(test::JobStartedEvent("e3", "2024-01-01", "job-2", "emp-1",
                                       test::PersonRef(2), ContractForm::kVast,
                                       2550));
  history.Record(test::EmployerReclassifiedEvent("e4", "2024-07-01", "emp-1",
                                                 Sector::kRijk));
  const ProjectionState state = history.Fold();

  EXPECT_EQ(state.PersonsTouched(3, 4), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(state.PersonsTouched(2, 3), (std::vector<uint32_t>{1}));
}

TEST(ProjectionStateTest, ReclassificationSkipsJobsEndedBeforeIt) {
  StoredHistory history;
  history.RecordOneHire("2020-01-01");
  history.Record(test::JobEndedEvent("e3", "2021-01-01", "job-1"));
  history.Record(test::JobStartedEvent("e4", "2020-01-01", "job-2", "emp-1",
                                       test::PersonRef(2), ContractForm::kVast,
                                       2550));
  history.Record(test::JobEndedEvent("e5", "2024-07-01", "job-2"));
  history.Record(test::EmployerReclassifiedEvent("e6", "2024-07-01", "emp-1",
                                                 Sector::kRijk));
  const ProjectionState state = history.Fold();

  // job-2 ends on the day of the change: its outflow moves sector.
  EXPECT_EQ(state.PersonsTouched(5, 6), (std::vector<uint32_t>{1}));
}

// A registration sets the sector of all time, but the jobs the employer
// hires after the window count at neither cut: only the hire in it touches.
TEST(ProjectionStateTest, RegistrationTouchesOnlyJobsStartedByTheCut) {
  StoredHistory history;
  history.RecordOneHire("2020-01-01");
  history.Record(test::JobStartedEvent("e3", "2020-01-01", "job-2", "emp-1",
                                       test::PersonRef(2), ContractForm::kVast,
                                       2550));
  const ProjectionState state = history.Fold();

  EXPECT_EQ(state.PersonsTouched(0, 2), (std::vector<uint32_t>{0}));
}

TEST(ProjectionStateTest, ReclassificationSkipsJobsRetractedAtBothCuts) {
  StoredHistory history;
  history.RecordOneHire("2020-01-01");
  history.Record(test::EventRetractedEvent("e3", "2020-01-01", 2));
  history.Record(test::JobStartedEvent("e4", "2020-01-01", "job-2", "emp-1",
                                       test::PersonRef(2), ContractForm::kVast,
                                       2550));
  history.Record(test::EmployerReclassifiedEvent("e5", "2024-07-01", "emp-1",
                                                 Sector::kRijk));
  const ProjectionState state = history.Fold();

  EXPECT_EQ(state.PersonsTouched(4, 5), (std::vector<uint32_t>{1}));
}

TEST(ProjectionStateTest, CutOfAsOfIsTheLastSeqRecordedByThen) {
  StoredHistory history;
  history.RecordBatch(
      {test::PersonRegisteredEvent("e1", "2024-05-01", test::PersonRef(1)),
       test::PersonRegisteredEvent("e2", "2024-05-01", test::PersonRef(2))});
  history.Record(
      test::PersonRegisteredEvent("e3", "2024-05-01", test::PersonRef(3)));
  const ProjectionState state = history.Fold();

  EXPECT_EQ(state.LastSeqRecordedBy(history.RecordedAt(1)), 2u);
  EXPECT_EQ(
      state.LastSeqRecordedBy(history.RecordedAt(3) - absl::Nanoseconds(1)),
      2u);
  EXPECT_EQ(state.LastSeqRecordedBy(history.RecordedAt(1) - absl::Seconds(1)),
            0u);
  EXPECT_EQ(state.LastSeqRecordedBy(absl::InfiniteFuture()), 3u);
}

TEST(ProjectionStateTest, IgnoresEventsOutOfSeqOrder) {
  StoredHistory history;
  history.Record(
      test::PersonRegisteredEvent("e1", "2024-05-01", test::PersonRef(1)));
  ProjectionState state = history.Fold();
  state.Apply(history.events()[0]);
  EXPECT_EQ(state.person(0).entries().size(), 1u);
  EXPECT_EQ(state.last_seq(), 1u);
}

TEST(ProjectionStateTest, IgnoresEventsBeyondTheLastSeqItHolds) {
  StoredHistory history;
  history.Record(
      test::PersonRegisteredEvent("e1", "2024-05-01", test::PersonRef(1)));
  StoredEvent beyond = history.events()[0];
  beyond.seq = kMaxStateSeq + 1;
  ProjectionState state;
  state.Apply(beyond);
  EXPECT_EQ(state.last_seq(), 0u);
  EXPECT_EQ(state.person_count(), 0u);
}

TEST(ProjectionStateTest, RefusesToHoldSeqsBeyondItsLast) {
  EXPECT_TRUE(CheckStateHolds(kMaxStateSeq).ok());
  EXPECT_EQ(CheckStateHolds(kMaxStateSeq + 1).code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(ValidityTest, HoldsTheLastSeqAndItsRetraction) {
  Validity validity(kMaxStateSeq - 1);
  EXPECT_EQ(validity.seq(), kMaxStateSeq - 1);
  EXPECT_EQ(validity.retracted_at(), kNeverRetracted);
  EXPECT_TRUE(validity.VisibleAt(kMaxStateSeq));
  EXPECT_TRUE(validity.VisibleAt(uint64_t{1} << 40));

  validity.Retract(kMaxStateSeq);
  EXPECT_EQ(validity.retracted_at(), kMaxStateSeq);
  EXPECT_TRUE(validity.VisibleAt(kMaxStateSeq - 1));
  EXPECT_FALSE(validity.VisibleAt(kMaxStateSeq));
  EXPECT_FALSE(validity.VisibleAt(uint64_t{1} << 40));
}

RegisterEntry EntryOfSeq(uint32_t seq) {
  RegisterEntry entry{.seq = seq};
  entry.days = static_cast<int32_t>(seq);
  entry.registered = seq % 2 == 1;
  return entry;
}

// What a PersonRecord holds, as seqs in entry order and job indexes.
std::pair<std::vector<uint64_t>, std::vector<uint32_t>> Contents(
    const PersonRecord& person) {
  std::vector<uint64_t> seqs;
  for (const RegisterEntry& entry : person.entries()) {
    EXPECT_EQ(entry.days, static_cast<int32_t>(entry.seq));
    seqs.push_back(entry.seq);
  }
  return {seqs,
          std::vector<uint32_t>(person.jobs().begin(), person.jobs().end())};
}

// Entries inserted at the front, the back and between, and jobs added, in
// turns, through the lists' move from their 24 bytes in place to a heap
// block and its growth, against two vectors doing the same.
TEST(PersonRecordTest, KeepsEntriesInPlaceOrderAndJobsAsTheyGrow) {
  PersonRecord person;
  std::vector<uint64_t> seqs;
  std::vector<uint32_t> jobs;
  for (uint32_t step = 1; step <= 40; ++step) {
    if (step % 3 == 0) {
      person.AddJob(1000 + step);
      jobs.push_back(1000 + step);
    } else {
      const size_t position = seqs.empty() ? 0 : (step * 7) % (seqs.size() + 1);
      person.InsertEntry(position, EntryOfSeq(step));
      seqs.insert(seqs.begin() + static_cast<ptrdiff_t>(position), step);
    }
    ASSERT_EQ(Contents(person), std::make_pair(seqs, jobs)) << "step " << step;
  }
}

TEST(PersonRecordTest, JobsAloneFillThePlaceThenMoveOut) {
  PersonRecord person;
  std::vector<uint32_t> jobs;
  for (uint32_t job = 0; job < 20; ++job) {
    person.AddJob(job);
    jobs.push_back(job);
    ASSERT_EQ(Contents(person).second, jobs);
  }
  EXPECT_TRUE(person.entries().empty());
}

TEST(PersonRecordTest, CopiesAndMovesInPlaceAndOnTheHeap) {
  for (const uint32_t entries : {1u, 2u, 5u}) {
    PersonRecord person;
    for (uint32_t seq = 1; seq <= entries; ++seq) {
      person.InsertEntry(seq - 1, EntryOfSeq(seq));
    }
    person.AddJob(7);
    const auto contents = Contents(person);

    PersonRecord copy(person);
    EXPECT_EQ(Contents(copy), contents);
    PersonRecord assigned;
    assigned.AddJob(9);
    assigned = copy;
    EXPECT_EQ(Contents(assigned), contents);
    PersonRecord moved(std::move(copy));
    EXPECT_EQ(Contents(moved), contents);
    PersonRecord move_assigned;
    move_assigned = std::move(moved);
    EXPECT_EQ(Contents(move_assigned), contents);
    // The original is untouched by its copies' changes.
    move_assigned.AddJob(8);
    EXPECT_EQ(Contents(person), contents);
  }
}

TEST(ProjectionStateTest, IgnoresEventsOfUnknownJobs) {
  StoredHistory history;
  history.Record(test::JobEndedEvent("e1", "2024-09-01", "no-such-job"));
  history.Record(test::EventRetractedEvent("e2", "2024-09-01", 99));
  const ProjectionState state = history.Fold();
  EXPECT_EQ(state.last_seq(), 2u);
  EXPECT_TRUE(state.PersonsTouched(0, 2).empty());
}

// A replay reserves first (ReplayLog): its records are never moved, so no
// array is copied into fresh memory while it folds.
TEST(ProjectionStateTest, ReservedEventsKeepTheRecordsInPlace) {
  constexpr int kHires = 1000;
  StoredHistory history;
  history.Record(test::EmployerRegisteredEvent("e0", "2024-01-01", "emp-1"));
  for (int i = 0; i < kHires; ++i) {
    history.Record(test::JobStartedEvent(
        absl::StrCat("e", i + 1), "2024-01-01", absl::StrCat("job-", i),
        "emp-1", test::PersonRef(i), ContractForm::kVast, 2550));
  }
  const absl::Span<const StoredEvent> events(history.events());
  ProjectionState state;
  state.ApplyAll(events.subspan(0, 2));
  state.ReserveForEvents(events.size() - 2);
  const JobRecord* first_job = &state.job(0);
  const PersonRecord* first_person = &state.person(0);

  state.ApplyAll(events.subspan(2));

  EXPECT_EQ(state.job_count(), size_t{kHires});
  EXPECT_EQ(state.person_count(), size_t{kHires});
  EXPECT_EQ(&state.job(0), first_job);
  EXPECT_EQ(&state.person(0), first_person);
}

// The seqs' references widen as the indexes grow (a bit for 2, 4, ... 512
// persons): every earlier reference reads back after each widening, and
// retractions of the first and the last person find whom they touch.
TEST(ProjectionStateTest, ReferencesOfEarlySeqsSurviveTheirWidening) {
  constexpr int kPersons = 600;
  StoredHistory history;
  for (int i = 0; i < kPersons; ++i) {
    history.Record(test::PersonRegisteredEvent(
        absl::StrCat("e", i), "2024-05-01", test::PersonRef(i)));
  }
  history.Record(test::EventRetractedEvent("r1", "2024-06-01", 1));
  history.Record(test::EventRetractedEvent("r2", "2024-06-01", kPersons));
  const ProjectionState state = history.Fold();

  EXPECT_EQ(state.PersonsTouched(kPersons, kPersons + 2),
            (std::vector<uint32_t>{0, kPersons - 1}));
  for (int i = 0; i < kPersons; ++i) {
    ASSERT_EQ(state.PersonsTouched(i, i + 1),
              std::vector<uint32_t>{static_cast<uint32_t>(i)});
  }
}

// More than the address space holds: the arrays grow as they go instead.
TEST(ProjectionStateTest, ReservingBeyondTheAddressSpaceChangesNothing) {
  StoredHistory history;
  history.RecordOneHire("2024-01-01");
  ProjectionState state;
  state.ReserveForEvents(uint64_t{1} << 46);
  state.ApplyAll(history.events());
  EXPECT_EQ(state.last_seq(), 2u);
  EXPECT_EQ(state.job_count(), 1u);
  EXPECT_EQ(state.person_count(), 1u);
}

}  // namespace
}  // namespace banen
