// The validation state's entries (ledger/ledger_state.h): seqs of 32 bits,
// so it holds seqs up to kMaxSeq and refuses the ones after; dates of 24
// bits; the first entries of a job and a person kept in place.
#include "ledger/ledger_state.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/event_error.h"
#include "ledger/internal/state_body.h"
#include "tests/ledger/random_history.h"
#include "tests/ledger/state_content.h"
#include "tests/ledger/test_events.h"

namespace banen::test {
namespace {

// An employer, a person and a hire, the hire stored as `hire_seq`.
LedgerState HiredAt(uint64_t hire_seq) {
  LedgerState state;
  state.BeginBatch();
  EXPECT_TRUE(state
                  .Apply(EmployerRegisteredEvent("e", "2024-01-01", "emp-1"),
                         hire_seq - 2, 0, nullptr)
                  .ok());
  EXPECT_TRUE(state
                  .Apply(PersonRegisteredEvent("p", "2024-01-01", kPerson1),
                         hire_seq - 1, 1, nullptr)
                  .ok());
  const absl::Status hired =
      state.Apply(JobStartedEvent("j", "2024-02-01", "job-1", "emp-1", kPerson1,
                                  ContractForm::kVast, 2550),
                  hire_seq, 2, nullptr);
  EXPECT_TRUE(hired.ok()) << hired;
  state.CommitBatch();
  return state;
}

TEST(LedgerState, HoldsTheLastSeqTheLedgerStores) {
  const LedgerState state = HiredAt(kMaxSeq);
  std::string encoded;
  state.EncodeTo(encoded);
  std::string_view bytes = encoded;
  const absl::StatusOr<LedgerState> decoded = LedgerState::Decode(2, bytes);

  EXPECT_EQ(state.LastJobSeq("job-1"), kMaxSeq);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->LastJobSeq("job-1"), kMaxSeq);
}

TEST(LedgerState, ASeqPastTheLastIsResourceExhausted) {
  LedgerState state = HiredAt(kMaxSeq);
  state.BeginBatch();
  const absl::Status refused =
      state.Apply(HoursChangedEvent("h", "2024-03-01", "job-1", 1275),
                  kMaxSeq + 1, 0, nullptr);
  state.RollbackBatch();

  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(GetEventErrorDetail(refused)->reason,
            absl::StrCat("the ledger holds at most ", kMaxSeq, " events"));
  EXPECT_EQ(state.LastJobSeq("job-1"), kMaxSeq);
}

// A saved state whose seqs do not fit 32 bits was not written by a ledger:
// the seq kMaxSeq + 1 put in place of kMaxSeq, in every place it is saved.
TEST(LedgerState, ASavedSeqPastTheLastIsDataLoss) {
  std::string encoded;
  HiredAt(kMaxSeq).EncodeTo(encoded);
  const std::string max_seq = "\xFE\xFF\xFF\xFF\x0F";  // varint of kMaxSeq
  const std::string past_max = "\xFF\xFF\xFF\xFF\x0F";
  int replaced = 0;
  for (size_t at = encoded.find(max_seq); at != std::string::npos;
       at = encoded.find(max_seq, at + 1)) {
    encoded.replace(at, max_seq.size(), past_max);
    ++replaced;
  }
  std::string_view bytes = encoded;
  const absl::StatusOr<LedgerState> decoded = LedgerState::Decode(2, bytes);

  EXPECT_EQ(replaced, 2);  // the job's last_touch_seq and its entry's seq
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss);
}

// A job of four entries (one more than it keeps in place) and a person of
// three: saved and loaded, the state saves the same bytes again, and still
// judges dates against the loaded entries.
TEST(LedgerState, EntriesInPlaceAndSpilledSurviveASaveAndLoad) {
  LedgerState state = HiredAt(10);
  uint64_t seq = 10;
  state.BeginBatch();
  for (const Event& event :
       {HoursChangedEvent("c", "2024-03-01", "job-1", 2000),
        HoursChangedEvent("h", "2024-04-01", "job-1", 1275),
        JobEndedEvent("x", "2024-05-01", "job-1"),
        PersonDeregisteredEvent("d", "2024-06-01", kPerson1),
        PersonRegisteredEvent("r", "2024-07-01", kPerson1)}) {
    const absl::Status applied = state.Apply(event, ++seq, 0, nullptr);
    ASSERT_TRUE(applied.ok()) << event.event_id << ": " << applied;
  }
  state.CommitBatch();
  std::string encoded;
  state.EncodeTo(encoded);
  std::string_view bytes = encoded;
  absl::StatusOr<LedgerState> decoded = LedgerState::Decode(2, bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  std::string again;
  decoded->EncodeTo(again);

  EXPECT_EQ(again, encoded);
  decoded->BeginBatch();
  const absl::Status after_end = decoded->Apply(
      HoursChangedEvent("late", "2024-05-01", "job-1", 2550), 20, 0, nullptr);
  const absl::Status registered_twice = decoded->Apply(
      PersonRegisteredEvent("again", "2024-08-01", kPerson1), 21, 1, nullptr);
  decoded->RollbackBatch();
  EXPECT_EQ(GetEventErrorDetail(after_end)->reason,
            "the job is not active on 2024-05-01");
  EXPECT_EQ(GetEventErrorDetail(registered_twice)->reason,
            "the person would register on 2024-08-01 while already "
            "registered");
}

// A body stored in parts is read a part at a time, the jobs and the rest
// as two streams: read in blocks of 3 bytes, which split ids, varints and
// the seeds, it loads the state it loads whole, which saves the same bytes.
TEST(LedgerState, LoadsFromABodyReadInSmallBlocks) {
  LedgerState state = HiredAt(10);
  state.BeginBatch();
  ASSERT_TRUE(state
                  .Apply(HoursChangedEvent("c", "2024-03-01", "job-1", 2000),
                         11, 0, nullptr)
                  .ok());
  state.CommitBatch();
  std::string encoded;
  state.EncodeTo(encoded);
  const FlatStateBody blocks(encoded, /*block_size=*/3);
  uint64_t offset = 0;
  const absl::StatusOr<LedgerState> decoded =
      LedgerState::Decode(2, blocks, offset);

  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(offset, encoded.size());
  std::string again;
  decoded->EncodeTo(again);
  EXPECT_EQ(again, encoded);
}

// A delta of a changed job, an erased person (her registration
// retracted), a new one and a retraction: applied whole, the state is the
// one that took the changes; cut short anywhere, it is unchanged (the bytes
// are read once to check them before they are applied).
TEST(LedgerState, ADeltaAppliesWholeOrNotAtAll) {
  LedgerState changed = HiredAt(10);
  std::string before;
  changed.EncodeTo(before);
  changed.TrackChanges();
  changed.BeginBatch();
  const Event registration = PersonRegisteredEvent("p2", "2024-01-01", "p-2");
  uint64_t seq = 10;
  for (const Event& event :
       {HoursChangedEvent("c", "2024-03-01", "job-1", 2000), registration,
        PersonRegisteredEvent("p3", "2024-01-01", "p-3")}) {
    const absl::Status applied = changed.Apply(event, ++seq, 0, nullptr);
    ASSERT_TRUE(applied.ok()) << event.event_id << ": " << applied;
  }
  const absl::Status retracted = changed.Apply(
      EventRetractedEvent("r", "2024-04-01", 12), 14, 0, &registration);
  ASSERT_TRUE(retracted.ok()) << retracted;
  changed.CommitBatch();
  std::string delta;
  changed.TakeChanges(delta);
  std::string after;
  changed.EncodeTo(after);

  for (size_t cut = 0; cut < delta.size(); ++cut) {
    std::string_view bytes = before;
    absl::StatusOr<LedgerState> state = LedgerState::Decode(2, bytes);
    ASSERT_TRUE(state.ok()) << state.status();
    EXPECT_FALSE(state->ApplyChanges(std::string_view(delta).substr(0, cut)))
        << "cut at " << cut;
    std::string encoded;
    state->EncodeTo(encoded);
    EXPECT_EQ(encoded, before) << "cut at " << cut;
  }
  std::string_view bytes = before;
  absl::StatusOr<LedgerState> state = LedgerState::Decode(2, bytes);
  ASSERT_TRUE(state.ok()) << state.status();
  ASSERT_TRUE(state->ApplyChanges(delta));
  std::string encoded;
  state->EncodeTo(encoded);
  EXPECT_EQ(encoded, after);
}

// An entry holds a date's days in 24 bits. Validation refuses dates before
// 1998 and more than a year ahead first; past 24 bits the state refuses
// the event rather than cut its date.
TEST(LedgerState, ADatePastWhatAnEntryHoldsIsInvalidArgument) {
  LedgerState state = HiredAt(10);
  Event last = HoursChangedEvent("h", "2024-03-01", "job-1", 1275);
  last.effective_date = Date{(1 << 23) - 1};
  Event past = HoursChangedEvent("h2", "2024-03-01", "job-1", 1275);
  past.effective_date = Date{1 << 23};
  state.BeginBatch();
  const absl::Status held = state.Apply(last, 11, 0, nullptr);
  const absl::Status refused = state.Apply(past, 12, 1, nullptr);
  state.RollbackBatch();

  EXPECT_TRUE(held.ok()) << held;
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetEventErrorDetail(refused)->field, "effective_date");
}

// A saved date past 24 bits was not written by a ledger: the last date an
// entry holds, replaced by the next (both zigzag varints of 4 bytes).
TEST(LedgerState, ASavedDatePastWhatAnEntryHoldsIsDataLoss) {
  LedgerState state = HiredAt(10);
  Event last = HoursChangedEvent("h", "2024-03-01", "job-1", 1275);
  last.effective_date = Date{(1 << 23) - 1};
  state.BeginBatch();
  ASSERT_TRUE(state.Apply(last, 11, 0, nullptr).ok());
  state.CommitBatch();
  std::string encoded;
  state.EncodeTo(encoded);
  const std::string last_days = "\xFE\xFF\xFF\x07";  // zigzag 2^23 - 1
  const size_t at = encoded.find(last_days);
  ASSERT_NE(at, std::string::npos);
  std::string_view intact = encoded;
  ASSERT_TRUE(LedgerState::Decode(2, intact).ok());
  encoded.replace(at, last_days.size(), "\x80\x80\x80\x08");  // 2^23
  std::string_view bytes = encoded;

  EXPECT_EQ(LedgerState::Decode(2, bytes).status().code(),
            absl::StatusCode::kDataLoss);
}

// A rejected batch leaves nothing of the ids it brought (an employer's, a
// person's, a job's). Each one's keys stayed behind, erased, until the next
// load, so a client sending batches that fail on their last event grew the
// state with every one.
TEST(LedgerState, RejectedBatchesLeaveNoKeysOfTheirNewIds) {
  LedgerState state = HiredAt(10);
  const IdsAndBytes jobs = state.job_ids();
  const IdsAndBytes persons = state.person_refs();
  std::string before;
  state.EncodeTo(before);
  state.TrackChanges();
  for (int attempt = 0; attempt < 3; ++attempt) {
    state.BeginBatch();
    ASSERT_TRUE(state
                    .Apply(EmployerRegisteredEvent("e2", "2024-01-01", "emp-2"),
                           11, 0, nullptr)
                    .ok());
    ASSERT_TRUE(state
                    .Apply(PersonRegisteredEvent("p2", "2024-01-01", kPerson2),
                           12, 1, nullptr)
                    .ok());
    ASSERT_TRUE(state
                    .Apply(JobStartedEvent("j2", "2024-02-01", "job-2", "emp-2",
                                           kPerson2, ContractForm::kVast, 2550),
                           13, 2, nullptr)
                    .ok());
    EXPECT_FALSE(state
                     .Apply(HoursChangedEvent("h", "2024-03-01", "job-3", 1275),
                            14, 3, nullptr)
                     .ok());
    state.RollbackBatch();
  }
  std::string delta;
  state.TakeChanges(delta);
  std::string after;
  state.EncodeTo(after);

  EXPECT_EQ(state.job_ids().ids, jobs.ids);
  EXPECT_EQ(state.job_ids().bytes, jobs.bytes);
  EXPECT_EQ(state.person_refs().ids, persons.ids);
  EXPECT_EQ(state.person_refs().bytes, persons.bytes);
  EXPECT_EQ(state.LastJobSeq("job-2"), 0);
  EXPECT_EQ(after, before);
  std::string_view bytes = before;
  absl::StatusOr<LedgerState> reloaded = LedgerState::Decode(2, bytes);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  ASSERT_TRUE(reloaded->ApplyChanges(delta));
  std::string reloaded_after;
  reloaded->EncodeTo(reloaded_after);
  EXPECT_EQ(reloaded_after, before);
}

// A rejected batch that erased an entry (a retraction that emptied a job)
// brings that entry back, not a copy of it under a new number.
TEST(LedgerState, ARejectedBatchRevivesTheEntriesItErased) {
  LedgerState state = HiredAt(10);
  const IdsAndBytes jobs = state.job_ids();
  std::string before;
  state.EncodeTo(before);
  const Event hire = JobStartedEvent("j", "2024-02-01", "job-1", "emp-1",
                                     kPerson1, ContractForm::kVast, 2550);
  state.BeginBatch();
  ASSERT_TRUE(
      state.Apply(EventRetractedEvent("r", "2024-04-01", 10), 11, 0, &hire)
          .ok());
  EXPECT_EQ(state.LastJobSeq("job-1"), 0);
  EXPECT_FALSE(state
                   .Apply(HoursChangedEvent("h", "2024-03-01", "job-1", 1275),
                          12, 1, nullptr)
                   .ok());
  state.RollbackBatch();
  std::string after;
  state.EncodeTo(after);

  EXPECT_EQ(state.LastJobSeq("job-1"), 10);
  EXPECT_EQ(state.job_ids().ids, jobs.ids);
  EXPECT_EQ(state.job_ids().bytes, jobs.bytes);
  EXPECT_EQ(after, before);
}

// 1,000 hires of 1,000 persons in 3,000 events, saved: loaded for 3,000
// events to come, the maps take the 1,000 jobs and persons those will add
// at the same rate, and their keys, without growing; loaded as they are,
// they would grow.
TEST(LedgerState, ALoadHasRoomForTheEntriesOfTheEventsToCome) {
  constexpr int kHires = 1000;
  size_t job_key_bytes = 0;
  size_t person_key_bytes = 0;
  LedgerState state;
  state.BeginBatch();
  uint64_t seq = 0;
  ASSERT_TRUE(state
                  .Apply(EmployerRegisteredEvent("e", "2024-01-01", "emp-1"),
                         ++seq, 0, nullptr)
                  .ok());
  for (int i = 0; i < kHires; ++i) {
    const std::string person = absl::StrCat("person-", i);
    person_key_bytes += person.size();
    job_key_bytes += absl::StrCat("job-", i).size();
    ASSERT_TRUE(state
                    .Apply(PersonRegisteredEvent(absl::StrCat("p", i),
                                                 "2024-01-01", person),
                           ++seq, 0, nullptr)
                    .ok());
    ASSERT_TRUE(state
                    .Apply(JobStartedEvent(absl::StrCat("j", i), "2024-02-01",
                                           absl::StrCat("job-", i), "emp-1",
                                           person, ContractForm::kVast, 2550),
                           ++seq, 0, nullptr)
                    .ok());
  }
  state.CommitBatch();
  std::string encoded;
  state.EncodeTo(encoded);
  std::string_view plain_bytes = encoded;
  std::string_view grown_bytes = encoded;
  const absl::StatusOr<LedgerState> plain = LedgerState::Decode(2, plain_bytes);
  const absl::StatusOr<LedgerState> grown =
      LedgerState::Decode(2, grown_bytes, {.saved = seq, .to_come = seq});

  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_TRUE(grown.ok()) << grown.status();
  EXPECT_LT(plain->job_index_capacity() * 7 / 8, size_t{2 * kHires});
  EXPECT_LT(plain->person_index_capacity() * 7 / 8, size_t{2 * kHires});
  EXPECT_GE(grown->job_index_capacity() * 7 / 8, size_t{2 * kHires});
  EXPECT_GE(grown->person_index_capacity() * 7 / 8, size_t{2 * kHires});
  // Their keys' bytes, which would otherwise move as they fill up.
  EXPECT_GE(grown->job_key_capacity(), 2 * job_key_bytes);
  EXPECT_GE(grown->person_key_capacity(), 2 * person_key_bytes);
}

// Applies `events`, to be stored right after `stored` (the events stored
// before, stored[seq - 1]), as the EventLog stages a batch: all of them, or
// on the first one refused, none (RollbackBatch). A retraction's target is
// one of `stored` or an earlier one of the batch; the EventLog answers
// NOT_FOUND for a seq it does not hold, as this does.
absl::Status ApplyBatch(LedgerState& state, const std::vector<Event>& stored,
                        const std::vector<Event>& events) {
  const uint64_t first_seq = stored.size() + 1;
  state.BeginBatch();
  for (size_t i = 0; i < events.size(); ++i) {
    const uint64_t seq = first_seq + i;
    const Event* target = nullptr;
    if (const auto* retraction =
            std::get_if<EventRetracted>(&events[i].payload)) {
      const uint64_t target_seq = retraction->target_seq;
      if (target_seq == 0 || target_seq >= seq) {
        state.RollbackBatch();
        return absl::NotFoundError(absl::StrCat("no event at ", target_seq));
      }
      target = target_seq < first_seq ? &stored[target_seq - 1]
                                      : &events[target_seq - first_seq];
    }
    const absl::Status applied =
        state.Apply(events[i], seq, static_cast<int>(i), target);
    if (!applied.ok()) {
      state.RollbackBatch();
      return applied;
    }
  }
  state.CommitBatch();
  return absl::OkStatus();
}

// RandomHistory's proposals of `seed` that a ledger stores, each tried as a
// batch of its own on a state that rolls the refused ones back.
std::vector<Event> StoredProposals(uint32_t seed, int proposals) {
  RandomHistory random(seed);
  LedgerState state;
  std::vector<Event> stored;
  for (int i = 0; i < proposals; ++i) {
    Event event = random.Propose();
    if (!ApplyBatch(state, stored, {event}).ok()) continue;
    stored.push_back(std::move(event));
    random.Accepted(stored.size());
  }
  return stored;
}

// An event no state accepts, whatever came before it in its batch, to be
// stored as `seq`: by `n`, an hours change or an end of a job never hired,
// a deregistration of a person never registered, or a retraction of a seq
// past it.
Event Refused(int n, uint64_t seq) {
  switch (n % 4) {
    case 0:
      return HoursChangedEvent("refused", "2024-03-01", "job-never-hired",
                               1275);
    case 1:
      return JobEndedEvent("refused", "2024-03-01", "job-never-hired");
    case 2:
      return PersonDeregisteredEvent("refused", "2024-03-01",
                                     PersonRef(999'999));
    default:
      return EventRetractedEvent("refused", "2024-03-01", seq + 1000);
  }
}

std::string Encoded(const LedgerState& state) {
  std::string encoded;
  state.EncodeTo(encoded);
  return encoded;
}

// The content of `state` (state_content.h); a failure if it does not read.
StateContent ContentOf(const LedgerState& state) {
  std::optional<StateContent> content = ReadStateContent(state);
  EXPECT_TRUE(content.has_value()) << "the state's encoding does not read";
  return content.value_or(StateContent());
}

LedgerState Loaded(std::string_view encoded) {
  absl::StatusOr<LedgerState> state = LedgerState::Decode(2, encoded);
  EXPECT_TRUE(state.ok()) << state.status();
  return state.ok() ? *std::move(state) : LedgerState();
}

// A client's batches of stored events, a third of them first sent with an
// event the ledger refuses (at any place) and then again without it. Each
// refused batch leaves the state's content (state_content.h) as it was,
// its employer ids' numbering too; after each stored batch the state holds
// what the same events make applied one by one outside any batch (as an
// open replays them), numbered alike, and what its deltas make (taken at
// random batches, applied to a state loaded now and then from the first's
// encoding). On RandomHistory's edges: hires, ends and hours changes
// mid-timeline, register gaps, and retractions that erase jobs and persons
// in batches then refused. Fails with any of RollbackBatch's steps taken
// out: the entries made dropped, the erased revived, the retractions
// undone, the employer ids cut back, the undo log walked latest first.
TEST(LedgerState, RefusedBatchesLeaveTheStateOfTheStoredOnes) {
  int refused_batches = 0;
  int deltas = 0;
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    const std::vector<Event> events = StoredProposals(seed, 300);
    std::mt19937 random(seed);
    LedgerState batched;
    LedgerState replayed;
    LedgerState loaded;
    batched.TrackChanges();
    std::vector<Event> stored;
    while (stored.size() < events.size()) {
      const size_t count =
          std::min<size_t>(events.size() - stored.size(), 1 + random() % 6);
      const std::vector<Event> batch(events.begin() + stored.size(),
                                     events.begin() + stored.size() + count);
      if (random() % 3 == 0) {
        const StateContent before = ContentOf(batched);
        std::vector<Event> with_refused = batch;
        const size_t at = random() % (count + 1);
        with_refused.insert(with_refused.begin() + at,
                            Refused(refused_batches, stored.size() + at + 1));
        ASSERT_FALSE(ApplyBatch(batched, stored, with_refused).ok())
            << "the event at " << at << " of " << count + 1;
        ++refused_batches;
        const StateContent after = ContentOf(batched);
        ASSERT_EQ(after.lines, before.lines)
            << "after a refused batch of " << count + 1 << ", at "
            << stored.size() + 1;
        ASSERT_EQ(after.employer_ids, before.employer_ids)
            << "after a refused batch of " << count + 1 << ", at "
            << stored.size() + 1;
      }
      const absl::Status applied = ApplyBatch(batched, stored, batch);
      ASSERT_TRUE(applied.ok())
          << "at " << stored.size() + 1 << ": " << applied;
      for (const Event& event : batch) {
        stored.push_back(event);
        const Event* target = nullptr;
        if (const auto* retraction =
                std::get_if<EventRetracted>(&event.payload)) {
          target = &stored[retraction->target_seq - 1];
        }
        const absl::Status replay =
            replayed.Apply(event, stored.size(), 0, target);
        ASSERT_TRUE(replay.ok()) << "at " << stored.size() << ": " << replay;
      }
      const StateContent content = ContentOf(batched);
      const StateContent replayed_content = ContentOf(replayed);
      ASSERT_EQ(content.lines, replayed_content.lines)
          << "at " << stored.size();
      ASSERT_EQ(content.employer_ids, replayed_content.employer_ids)
          << "at " << stored.size();
      if (random() % 4 == 0) {
        std::string delta;
        batched.TakeChanges(delta);
        ASSERT_TRUE(loaded.ApplyChanges(delta)) << "at " << stored.size();
        ++deltas;
        ASSERT_EQ(ContentOf(loaded).lines, content.lines)
            << "at " << stored.size();
        if (random() % 4 == 0) loaded = Loaded(Encoded(batched));
      }
    }
  }
  // What the run covered, lest a change to the generator leave it empty.
  EXPECT_GT(refused_batches, 1000);
  EXPECT_GT(deltas, 500);
}

}  // namespace
}  // namespace banen::test
