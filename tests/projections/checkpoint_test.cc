#include "projections/checkpoint.h"

#include <algorithm>
#include <array>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "banen/v1/projection.pb.h"
#include "gtest/gtest.h"
#include "projections/log_replay.h"
#include "projections/state_checkpoint.h"
#include "tests/projections/projection_test_util.h"
#include "tests/projections/projector_test_util.h"
#include "tests/projections/random_history.h"

namespace banen {
namespace {

using test::AppendRandom;
using test::PartsOfLayout;
using test::PutState;
using test::Rebuild;

TEST(CheckpointKeyTest, SortsBySeq) {
  EXPECT_LT(CheckpointKey(255), CheckpointKey(256));
  EXPECT_LT(CheckpointKey(1), CheckpointKey(uint64_t{1} << 40));
  EXPECT_EQ(ParseCheckpointKey(CheckpointKey(123456789)), 123456789u);
  EXPECT_FALSE(ParseCheckpointKey("short").has_value());
}

TEST(CheckpointTest, RoundTripsSectorFigures) {
  FigureAccumulator figures;
  figures.AddHoursStep(SectorScope(Sector::kRijk), FormSeries::kTijdelijk,
                       StepDay(test::D("2024-05-17")), 2550);
  figures.AddCountStep(SectorScope(Sector::kNationaal), CountSeries::kPersons,
                       StepDay(test::D("2024-05-17")), -1);
  figures
      .MutableFlows(SectorScope(Sector::kRijk), StepDay(test::D("2024-05-17")))
      ->ended[3] = 2;
  const absl::StatusOr<FigureCheckpoint> decoded =
      DecodeCheckpoint(EncodeCheckpoint(99, figures));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->seq, 99u);
  EXPECT_TRUE(decoded->figures == figures);
}

// The live tail and a backfill move the figures over other ranges of seqs:
// steps that cancel leave slots (and scopes) in one accumulator that the
// other never had. Equal figures encode to equal bytes all the same.
TEST(CheckpointTest, EqualFiguresEncodeToEqualBytesWhateverSlotsTheyHold) {
  FigureAccumulator moved;
  const StepDay later(test::D("2026-08-03"));
  moved.AddHoursStep(SectorScope(Sector::kRijk), FormSeries::kTijdelijk,
                     StepDay(test::D("2024-05-17")), 2550);
  moved.AddHoursStep(SectorScope(Sector::kRijk), FormSeries::kVast, later,
                     1500);
  moved.AddHoursStep(SectorScope(Sector::kRijk), FormSeries::kVast, later,
                     -1500);
  moved.AddCountStep(SectorScope(Sector::kMbo), CountSeries::kPersons, later,
                     1);
  moved.AddCountStep(SectorScope(Sector::kMbo), CountSeries::kPersons, later,
                     -1);
  FigureAccumulator direct;
  direct.AddHoursStep(SectorScope(Sector::kRijk), FormSeries::kTijdelijk,
                      StepDay(test::D("2024-05-17")), 2550);
  ASSERT_TRUE(moved == direct);
  ASSERT_GT(moved.SlotCount(SectorScope(Sector::kRijk)),
            direct.SlotCount(SectorScope(Sector::kRijk)));
  // Not EXPECT_EQ: a failure would print some 40 KB of bytes.
  EXPECT_TRUE(EncodeCheckpoint(50, moved) == EncodeCheckpoint(50, direct));
}

TEST(CheckpointTest, LeavesEmployerScopesOut) {
  FigureAccumulator figures;
  figures.AddHoursStep(EmployerScope(3), FormSeries::kVast,
                       StepDay(test::D("2024-05-17")), 2550);
  const absl::StatusOr<FigureCheckpoint> decoded =
      DecodeCheckpoint(EncodeCheckpoint(1, figures));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(decoded->figures == FigureAccumulator());
}

// A checkpoint holds figures of one set of counting rules: one of other
// rules (or of none: version 1) must be rebuilt, not folded on.
TEST(CheckpointTest, RejectsACheckpointOfOtherCountingRules) {
  v1::FigureCheckpoint proto;
  ASSERT_TRUE(proto.ParseFromString(EncodeCheckpoint(7, FigureAccumulator())));
  EXPECT_EQ(proto.rules_version(), kCountingRulesVersion);
  proto.clear_rules_version();
  EXPECT_EQ(DecodeCheckpoint(proto.SerializeAsString()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// Checkpoints of rules version 1 lie in their own space, which is not read:
// a store made before version 2 rebuilds its checkpoints.
TEST(CheckpointTest, CheckpointsOfEarlierRulesAreNotRead) {
  test::ProjectorFixture fixture;
  fixture.Open();
  for (int i = 1; i <= 2; ++i) {
    fixture.MustAppend(test::PersonRegisteredEvent(
        "p" + std::to_string(i), "2020-01-01", test::PersonRef(i)));
  }
  ASSERT_TRUE(fixture.log()
                  .records()
                  .Put("checkpoint.v1", CheckpointKey(1),
                       "\xff\xff a checkpoint of rules version 1")
                  .ok());
  Projector& reopened = fixture.Open();
  EXPECT_TRUE(reopened.CheckpointSeqs().empty());
  EXPECT_TRUE(reopened
                  .Realisation(RealisationQuery{
                      .sectors = {},
                      .from = test::Q("2024Q4"),
                      .to = test::Q("2024Q4"),
                      .measure = Measure::kPeildatum,
                      .as_of = fixture.log().GetBySeq(1)->recorded_at,
                      .include_employers = false})
                  .ok());
}

TEST(CheckpointTest, RejectsGarbageAsDataLoss) {
  EXPECT_EQ(DecodeCheckpoint("\xff\xff not a checkpoint").status().code(),
            absl::StatusCode::kDataLoss);
}

// State checkpoints (state_checkpoint.h).

// `state` with the sums built from it.
EncodedState Encode(const ProjectionState& state, const Hash& hash,
                    size_t part_bytes = kStatePartBytes) {
  return EncodeState(state, BuildKeptSums(state), hash, {}, part_bytes);
}

// The encoding holds every member: equal encodings are equal states.
std::vector<std::string> Body(const ProjectionState& state) {
  return Encode(state, Hash{}).parts;
}

// The body without what the state's own random id key decides: the id
// tables (sections 9 and 10, derived from the key and the ids of sections 4
// and 5) and the key (12). Equal for two states of the same events folded
// apart: each finds its ids through its own tables, so a table that lost an
// id would fold a second person or job, which sections 4 and 5 show.
std::vector<std::string> KeyFreeBody(const ProjectionState& state) {
  std::vector<std::string> parts = Body(state);
  std::erase_if(parts, [](const std::string& part) {
    return part[0] == 9 || part[0] == 10 || part[0] == 12;
  });
  return parts;
}

// DecodeState of parts held as strings.
absl::StatusOr<DecodedState> Decode(uint64_t seq,
                                    const std::vector<std::string>& parts,
                                    uint32_t layout = kStateLayoutVersion) {
  const std::vector<std::string_view> views(parts.begin(), parts.end());
  return DecodeState(seq, views, layout);
}

RealisationQuery Everything(Measure measure, bool include_employers) {
  return RealisationQuery{.sectors = {},
                          .from = Quarter{2019, 1},
                          .to = Quarter{2027, 4},
                          .measure = measure,
                          .as_of = std::nullopt,
                          .include_employers = include_employers};
}

// Every measure's table, with and without employer rows, equals the one
// counted over a fold from seq 1; so do the tables the kept sums answer at
// the head (the quota and WBA_2026 of each year, the register dashboard).
void ExpectFiguresOfRebuild(const Projector& projector) {
  const ProjectionState rebuilt = Rebuild(projector.log());
  for (int m = 0; m < kMeasureCount; ++m) {
    for (bool employers : {false, true}) {
      const RealisationQuery query =
          Everything(static_cast<Measure>(m), employers);
      const absl::StatusOr<RealisationTable> table =
          projector.Realisation(query);
      ASSERT_TRUE(table.ok()) << table.status();
      EXPECT_TRUE(*table == ComputeRealisation(rebuilt, query))
          << "measure " << m << " employers " << employers;
    }
  }
  RealisationQuery wba = Everything(Measure::kPeildatum, false);
  wba.regime = Regime::kWba2026;
  const absl::StatusOr<RealisationTable> wba_table = projector.Realisation(wba);
  ASSERT_TRUE(wba_table.ok()) << wba_table.status();
  EXPECT_TRUE(*wba_table == ComputeRealisation(rebuilt, wba));
  for (int32_t year = 2019; year <= 2027; ++year) {
    QuotaQuery quota;
    quota.year = year;
    const absl::StatusOr<QuotaTable> table = projector.Quota(quota);
    ASSERT_TRUE(table.ok()) << table.status();
    const absl::StatusOr<QuotaTable> expected =
        ComputeQuota(rebuilt, rebuilt.last_seq(), quota);
    ASSERT_TRUE(expected.ok()) << expected.status();
    EXPECT_TRUE(*table == *expected) << "quota " << year;
  }
  RegisterQuery register_query;
  register_query.from = Quarter{2019, 1};
  register_query.to = Quarter{2027, 4};
  const absl::StatusOr<RegisterTable> register_table =
      projector.RegisterFigures(register_query);
  ASSERT_TRUE(register_table.ok()) << register_table.status();
  EXPECT_TRUE(*register_table ==
              ComputeRegisterFigures(rebuilt, register_query));
}

// Checkpoints every 50 events; `save`: ProjectorOptions::save_state.
ProjectorOptions TestOptions(bool save = true) {
  ProjectorOptions options;
  options.checkpoint_interval = 50;
  options.save_state = save;
  return options;
}

// Records what Open() reported of the state it restored.
struct Restored {
  uint64_t state_seq = ~uint64_t{0};
  uint64_t folded = ~uint64_t{0};
  ProjectorOptions Options() {
    ProjectorOptions options = TestOptions();
    options.on_state_restored = [this](uint64_t seq, uint64_t events) {
      state_seq = seq;
      folded = events;
    };
    return options;
  }
};

std::vector<uint64_t> StateHeaderSeqs(const EventLog& log) {
  std::vector<uint64_t> seqs;
  EXPECT_TRUE(log.records()
                  .Scan(StateCheckpointSpace(),
                        [&](std::string_view key, std::string_view) {
                          if (auto seq = SeqOfStateHeaderKey(key)) {
                            seqs.push_back(*seq);
                          }
                          return true;
                        })
                  .ok());
  return seqs;
}

// The log's state after `seq`, encoded as its checkpoint.
EncodedState StateAt(const EventLog& log, uint64_t seq,
                     size_t part_bytes = kStatePartBytes) {
  return Encode(Rebuild(log, seq), log.GetBySeq(seq)->hash, part_bytes);
}

// Reopens the projector over the fixture's log: it loads the state
// checkpoint after `state_seq` (0: none), folds `folded` events, and its
// figures are those of a fold from seq 1.
void ExpectRestart(test::ProjectorFixture& fixture, uint64_t state_seq,
                   uint64_t folded) {
  Restored restored;
  const Projector& projector = fixture.OpenProjector(restored.Options());
  EXPECT_EQ(restored.state_seq, state_seq);
  EXPECT_EQ(restored.folded, folded);
  ExpectFiguresOfRebuild(projector);
}

// Restarts the projector, which loads the state saved at `state_seq` with
// its id indexes, so the tail makes none: it folds `count` events of
// `random` appended after the restart through the loaded ones.
void ExpectRestartWithIdIndexes(test::ProjectorFixture& fixture,
                                test::RandomHistory& random, uint64_t state_seq,
                                int count) {
  bool made = false;
  Restored restored;
  ProjectorOptions options = restored.Options();
  options.while_making_id_indexes_for_test = [&] { made = true; };
  fixture.OpenProjector(options);
  EXPECT_EQ(restored.state_seq, state_seq);
  AppendRandom(fixture, random, count);
  ExpectFiguresOfRebuild(fixture.projector());
  EXPECT_FALSE(made);
}

// Opens a projector over the fixture's fresh log, appends `count` events
// of `random` and closes it, saving its state when `save`.
void AppendAndClose(test::ProjectorFixture& fixture,
                    test::RandomHistory& random, int count, bool save) {
  fixture.Open(TestOptions(save));
  AppendRandom(fixture, random, count);
  fixture.CloseProjector();
}

// Saves the state after 200 events of `random`, then folds `unsaved` more
// through a projector that saves none (as if it crashed), and closes it.
void SaveAt200ThenFoldUnsaved(test::ProjectorFixture& fixture,
                              test::RandomHistory& random, int unsaved) {
  AppendAndClose(fixture, random, 200, /*save=*/true);
  fixture.OpenProjector(TestOptions(/*save=*/false));
  AppendRandom(fixture, random, unsaved);
  fixture.CloseProjector();
}

TEST(StateCheckpointTest, HeaderKeysSortBySeqBeforeEveryPart) {
  EXPECT_LT(StateHeaderKey(255), StateHeaderKey(256));
  EXPECT_LT(StateHeaderKey(uint64_t{1} << 40), StatePartKey(1, 0));
  EXPECT_EQ(SeqOfStateHeaderKey(StateHeaderKey(123456789)), 123456789u);
  EXPECT_FALSE(SeqOfStateHeaderKey(StatePartKey(7, 0)).has_value());
  StateHeader header;
  header.rules = 2;
  header.hash[31] = 9;
  header.parts = 3;
  header.body_size = 1234;
  const std::optional<StateHeader> decoded =
      DecodeStateHeader(EncodeStateHeader(header));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->layout, kStateLayoutVersion);
  EXPECT_EQ(decoded->rules, 2u);
  EXPECT_EQ(decoded->hash, header.hash);
  EXPECT_EQ(decoded->parts, 3u);
  EXPECT_EQ(decoded->body_size, 1234u);
}

// Random histories (8 seeds, 400 events each) cut at a random seq: the
// state decoded from the cut's checkpoint, with the events after it folded
// on, equals the fold from seq 1, member for member and in every figure.
// Odd seeds cut the body into parts of ~64 bytes, so sections span parts.
TEST(StateCheckpointTest, ARandomHistoryContinuedFromACheckpointEqualsTheFold) {
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    test::ProjectorFixture fixture;
    fixture.Open();
    test::RandomHistory random(seed);
    AppendRandom(fixture, random, 400);
    const EventLog& log = fixture.log();
    const uint64_t cut = std::mt19937(seed)() % 400 + 1;
    const EncodedState encoded =
        Encode(Rebuild(log, cut), Hash{}, seed % 2 == 1 ? 64 : kStatePartBytes);
    EXPECT_EQ(encoded.parts.size() > 12, seed % 2 == 1) << encoded.parts.size();
    absl::StatusOr<DecodedState> decoded = Decode(cut, encoded.parts);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    ProjectionState& state = decoded->state;
    ASSERT_TRUE(log.Scan(cut + 1, 0,
                         [&](const StoredEvent& stored) {
                           state.Apply(stored);
                           return true;
                         })
                    .ok());
    const ProjectionState rebuilt = Rebuild(log);
    EXPECT_EQ(KeyFreeBody(state), KeyFreeBody(rebuilt))
        << "seed " << seed << " cut " << cut;
    for (int m = 0; m < kMeasureCount; ++m) {
      const RealisationQuery query = Everything(static_cast<Measure>(m), true);
      EXPECT_TRUE(ComputeRealisation(state, query) ==
                  ComputeRealisation(rebuilt, query))
          << "seed " << seed << " measure " << m;
    }
  }
}

// ReplayLog in chunks of 7 events, each read by whichever thread claims it
// (no reader, the folding thread reads them all; seed 3: two readers) into
// the events of one folded before (of other kinds, mostly): the same state
// as Apply one event at a time, and the last hash.
TEST(ReplayLogTest, FoldsInRecycledChunksAsApplyDoes) {
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    test::ProjectorFixture fixture;
    fixture.Open();
    test::RandomHistory random(seed);
    AppendRandom(fixture, random, 400);
    const EventLog& log = fixture.log();
    ProjectionState state;
    const absl::StatusOr<Hash> last_hash =
        ReplayLog(log, &state,
                  ReplayOptions{.readers = static_cast<int>(seed) - 1,
                                .events_per_chunk = 7});
    ASSERT_TRUE(last_hash.ok()) << last_hash.status();
    EXPECT_EQ(*last_hash, log.GetHead().hash) << "seed " << seed;
    EXPECT_EQ(KeyFreeBody(state), KeyFreeBody(Rebuild(log))) << "seed " << seed;
  }
}

// Random histories (8 seeds, 300 events each) folded in chunks as the
// projector's tail folds them, their sums kept by moving the persons each
// chunk touched: saved with the state and loaded, the sums answer every
// employer's years 1998..2040 and every quarter 1997Q4..2040Q4 as the sums
// built from the whole state do, and encode to the same bytes. Odd seeds
// cut the body into parts of ~64 bytes.
TEST(StateCheckpointTest, LoadedSumsEqualTheSumsBuiltFromTheState) {
  int64_t compared = 0;  // guards against a vacuous comparison
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    const test::StoredHistory history = test::RandomStoredHistory(seed, 300);
    KeptSums kept;
    test::FoldInChunks(history, seed, kept.hours,
                       [](const ProjectionState&) {});
    test::FoldInChunks(history, seed, kept.register_steps,
                       [](const ProjectionState&) {});
    ProjectionState state;
    state.ApplyAll(history.events());
    const size_t part_bytes = seed % 2 == 1 ? 64 : kStatePartBytes;
    const EncodedState encoded =
        EncodeState(state, kept, Hash{}, {}, part_bytes);
    absl::StatusOr<DecodedState> decoded =
        Decode(state.last_seq(), encoded.parts);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    const KeptSums built = BuildKeptSums(state);
    for (uint32_t employer = 0; employer < state.employer_count(); ++employer) {
      for (int32_t year = 1998; year <= 2040; ++year) {
        const EmployerYear expected = built.hours.Of(employer, year);
        EXPECT_EQ(decoded->sums.hours.Of(employer, year), expected)
            << "seed " << seed << " employer " << employer << " " << year;
        if (expected != EmployerYear{}) ++compared;
      }
    }
    const std::vector<RegisterCounts> counts =
        built.register_steps.Counts(Quarter{1997, 4}, Quarter{2040, 4});
    EXPECT_EQ(
        decoded->sums.register_steps.Counts(Quarter{1997, 4}, Quarter{2040, 4}),
        counts)
        << "seed " << seed;
    compared += std::count_if(
        counts.begin(), counts.end(),
        [](const RegisterCounts& quarter) { return quarter.registered > 0; });
    EXPECT_EQ(encoded.parts,
              EncodeState(state, built, Hash{}, {}, part_bytes).parts)
        << "seed " << seed;
  }
  EXPECT_GT(compared, 1000);
}

// Sums past 32 bits (1000 full-time jobs of one employer) are saved and
// loaded exactly.
TEST(StateCheckpointTest, LoadedSumsPast32BitsAreExact) {
  test::StoredHistory history;
  history.RecordFullTimeHires(1000, "2024-03-07");
  const ProjectionState state = history.Fold();
  const KeptSums built = BuildKeptSums(state);
  const EncodedState encoded =
      EncodeState(state, built, Hash{}, {}, kStatePartBytes);
  absl::StatusOr<DecodedState> decoded =
      Decode(state.last_seq(), encoded.parts);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const uint32_t employer = *state.FindEmployer("emp-1");
  EXPECT_EQ(decoded->sums.hours.Of(employer, 2024).own[0], 2'400'000'000);
  for (int32_t year = 1998; year <= 2030; ++year) {
    EXPECT_EQ(decoded->sums.hours.Of(employer, year),
              built.hours.Of(employer, year))
        << year;
  }
}

// A state decoded from a layout before 5 (2: no id tables; 3 and 4: tables
// placed by the fixed key those versions used) holds its ids by index until
// its id indexes are made, under a key of its own: encoded before or after,
// it is the state of the body it was read from, but for its key and the
// tables that key places (section 12, and 9 and 10). Its body of this
// layout reads back as it is.
TEST(StateCheckpointTest,
     AStateOfAnEarlierLayoutMakesItsIdIndexesUnderANewKey) {
  test::ProjectorFixture fixture;
  fixture.Open();
  test::RandomHistory random(4);
  AppendRandom(fixture, random, 120);
  const ProjectionState rebuilt = Rebuild(fixture.log());
  const std::vector<std::string> parts = Body(rebuilt);
  for (uint32_t layout = 2; layout <= 4; ++layout) {
    const std::vector<std::string> earlier = PartsOfLayout(parts, layout);
    ASSERT_LT(earlier.size(), parts.size());
    absl::StatusOr<DecodedState> decoded = Decode(120, earlier, layout);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    ProjectionState& state = decoded->state;
    EXPECT_TRUE(state.id_indexes_pending()) << "layout " << layout;
    const std::vector<std::string> before = Body(state);
    EXPECT_EQ(KeyFreeBody(state), KeyFreeBody(rebuilt)) << "layout " << layout;
    EXPECT_NE(before, parts) << "layout " << layout;
    absl::StatusOr<ProjectionState::IdIndexes> indexes = state.MakeIdIndexes(2);
    ASSERT_TRUE(indexes.ok()) << indexes.status();
    EXPECT_GT(indexes->persons.size(), 10u);
    EXPECT_GT(indexes->jobs.size(), 10u);
    state.SetIdIndexes(*std::move(indexes));
    EXPECT_FALSE(state.id_indexes_pending());
    EXPECT_EQ(Body(state), before) << "layout " << layout;
    absl::StatusOr<DecodedState> again = Decode(120, before);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(Body(again->state), before) << "layout " << layout;
  }
}

// Each state draws its own id key: two folds of the same events place their
// ids differently (sections 9, 10 and 12 differ), and each body reads back
// as it is, the key with it.
TEST(StateCheckpointTest, EachStatePlacesItsIdsUnderItsOwnKey) {
  test::ProjectorFixture fixture;
  fixture.Open();
  test::RandomHistory random(5);
  AppendRandom(fixture, random, 120);
  const ProjectionState first = Rebuild(fixture.log());
  const ProjectionState second = Rebuild(fixture.log());
  EXPECT_EQ(KeyFreeBody(first), KeyFreeBody(second));
  EXPECT_NE(Body(first), Body(second));
  for (const ProjectionState* state : {&first, &second}) {
    absl::StatusOr<DecodedState> decoded = Decode(120, Body(*state));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(Body(decoded->state), Body(*state));
  }
}

// A body of this layout holds exactly one id key of 16 bytes: none, two or
// one of another size is DATA_LOSS.
TEST(StateCheckpointTest, ABodyWithoutExactlyOneIdKeyIsDataLoss) {
  test::ProjectorFixture fixture;
  fixture.Open();
  test::RandomHistory random(6);
  AppendRandom(fixture, random, 40);
  std::vector<std::string> parts = Body(Rebuild(fixture.log()));
  ASSERT_TRUE(Decode(40, parts).ok());
  // Section 12, a count of 1 in 5 bytes (as the writer pads it), a string
  // of 16 bytes.
  const std::string part = parts.back();
  ASSERT_EQ(part.substr(0, 7), std::string("\x0c\x81\x80\x80\x80\x00\x10", 7));
  const std::string key = part.substr(7);
  ASSERT_EQ(key.size(), 16u);
  parts.pop_back();
  EXPECT_EQ(Decode(40, parts).status().code(), absl::StatusCode::kDataLoss);
  for (const std::string& wrong :
       {std::string("\x0c\x02\x10") + key + '\x10' + key,
        std::string("\x0c\x01\x0f") + key.substr(0, 15)}) {
    parts.push_back(wrong);
    EXPECT_EQ(Decode(40, parts).status().code(), absl::StatusCode::kDataLoss)
        << testing::PrintToString(wrong);
    parts.pop_back();
  }
}

// A body of this layout holds the id indexes: the decoded state has them.
TEST(StateCheckpointTest, AStateOfThisLayoutLoadsItsIdIndexes) {
  test::ProjectorFixture fixture;
  fixture.Open();
  test::RandomHistory random(4);
  AppendRandom(fixture, random, 120);
  const std::vector<std::string> parts = Body(Rebuild(fixture.log()));
  absl::StatusOr<DecodedState> decoded = Decode(120, parts);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_FALSE(decoded->state.id_indexes_pending());
  EXPECT_EQ(Body(decoded->state), parts);
}

// Bodies by hand: section 4 with one person "a", then section 9 with the
// given items, then an id key. An index out of range, an entry missing, one
// too many, one of an id another entry names, or a tag past 32 bits is
// DATA_LOSS.
TEST(StateCheckpointTest, AnIdIndexThatDoesNotFitItsIdsIsDataLoss) {
  const std::string person(
      "\x04\x01\x01"
      "a\x00\x00",
      6);
  const std::string tag = "\x80\x80\x80\x80\x01";  // 2^28
  const std::string key = "\x0c\x01\x10" + std::string(16, 'k');
  EXPECT_TRUE(Decode(0, {person, "\x09\x01" + tag + '\x00', key}).ok());
  for (const std::string& index :
       {std::string(), "\x09\x01" + tag + '\x01',
        "\x09\x02" + tag + std::string("\x00\x00\x00", 3),
        std::string("\x09\x01\x80\x80\x80\x80\x10\x00")}) {
    std::vector<std::string> parts = {person};
    if (!index.empty()) parts.push_back(index);
    parts.push_back(key);
    EXPECT_EQ(Decode(0, parts).status().code(), absl::StatusCode::kDataLoss)
        << testing::PrintToString(index);
  }
  // Persons "a" and "b", and two entries of "a" (index 0): as many entries
  // as ids, but "b" has none, so no lookup would find it.
  const std::string persons(
      "\x04\x02\x01"
      "a\x00\x00\x01"
      "b\x00\x00",
      10);
  EXPECT_TRUE(
      Decode(0,
             {persons, "\x09\x02" + tag + std::string("\x00\x00\x01", 3), key})
          .ok());
  EXPECT_EQ(Decode(0, {persons,
                       "\x09\x02" + tag + std::string("\x00\x00\x00", 3), key})
                .status()
                .code(),
            absl::StatusCode::kDataLoss);
}

// Section 1 by hand (layout 2, nothing else): the recorded times and seqs
// are differences to the item before, so two items can add up past 64
// bits; that is DATA_LOSS (state_checkpoint_fuzzer found the times as
// undefined behaviour). The first item alone reads.
TEST(StateCheckpointTest, RecordedTimesOrSeqsThatOverflowAreDataLoss) {
  const std::string most = "\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01";
  const std::string one = "\x02";  // zigzag 1 and varint 2 alike
  // (INT64_MAX us, seq 1), then 1 us more; (0 us, seq 2^64 - 2), then 2 more.
  EXPECT_TRUE(Decode(0, {"\x01\x01" + most + '\x01'}, 2).ok());
  for (const std::string& items :
       {most + '\x01' + one + '\x01',
        std::string(1, '\x00') + most + '\x00' + one}) {
    EXPECT_EQ(Decode(0, {"\x01\x02" + items}, 2).status().code(),
              absl::StatusCode::kDataLoss)
        << testing::PrintToString(items);
  }
}

// A body of layout 2 by hand (no id index to give): section 4 with person
// "a" registered by the given validity. A state holds seqs up to kMaxStateSeq
// (2^32 - 2): a seq or a retraction past it is DATA_LOSS, not a seq cut to 32
// bits.
TEST(StateCheckpointTest, AValidityPastTheLastSeqAStateHoldsIsDataLoss) {
  const auto person_registered = [](const std::string& validity) {
    return std::vector<std::string>{std::string("\x04\x01\x01"
                                                "a\x01\x00\x01\x00\x00",
                                                9) +
                                    validity + std::string(1, '\x00')};
  };
  const std::string last = "\xfe\xff\xff\xff\x0f";  // kMaxStateSeq
  EXPECT_TRUE(Decode(0, person_registered(last + '\x00'), 2).ok());
  EXPECT_TRUE(Decode(0, person_registered("\x01\xfd\xff\xff\xff\x0f"), 2).ok());
  for (const std::string& validity :
       {std::string("\xff\xff\xff\xff\x0f\x00"),     // kMaxStateSeq + 1
        std::string("\x01\xfe\xff\xff\xff\x0f")}) {  // retracted past it
    EXPECT_EQ(Decode(0, person_registered(validity), 2).status().code(),
              absl::StatusCode::kDataLoss)
        << testing::PrintToString(validity);
  }
}

// A body of layout 2 by hand: person "a" registered on the given date
// (zigzag). A register entry holds a date in kPackedDateBits: one past them
// is DATA_LOSS, not a date cut to fit.
TEST(StateCheckpointTest, ARegisterDatePastWhatAnEntryHoldsIsDataLoss) {
  const auto registered_on = [](const std::string& date) {
    return std::vector<std::string>{std::string("\x04\x01\x01"
                                                "a\x01",
                                                5) +
                                    date +
                                    std::string("\x01\x00\x00\x01\x00\x00", 6)};
  };
  ASSERT_EQ(kPackedDateBits, 24);
  absl::StatusOr<DecodedState> last =
      Decode(0, registered_on("\xfe\xff\xff\x07"), 2);  // 2^23 - 1
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->state.person(0).entries().front().date(),
            Date{(1 << 23) - 1});
  EXPECT_EQ(Decode(0, registered_on("\x80\x80\x80\x08"), 2)  // 2^23
                .status()
                .code(),
            absl::StatusCode::kDataLoss);
}

// A body of layout 2 by hand: person "a" with job "j", started with the
// given hours (zigzag). A job entry holds its hours in 16 bits, as much as
// the ledger accepts (kMaxHoursPerWeekX100): more, or fewer than none, is
// DATA_LOSS, not hours cut to 16 bits.
TEST(StateCheckpointTest, JobHoursPastTheLedgersLimitAreDataLoss) {
  const auto job_started = [](const std::string& hours) {
    return std::vector<std::string>{
        std::string("\x04\x01\x01"
                    "a\x00\x01\x00",
                    7),
        std::string("\x05\x01\x01"
                    "j\x01\x00\x00\x00\x01\x00\x00\x01\x00",
                    13) +
            hours + std::string("\x01\x00", 2)};
  };
  ASSERT_EQ(kMaxHoursPerWeekX100, 8000);
  absl::StatusOr<DecodedState> most = Decode(0, job_started("\x80\x7d"), 2);
  ASSERT_TRUE(most.ok()) << most.status();
  EXPECT_EQ(most->state.job(0).entries.front().hours_x100, 8000);
  for (const std::string& hours : {std::string("\x82\x7d"),  // 8001
                                   std::string("\x01")}) {   // -1
    EXPECT_EQ(Decode(0, job_started(hours), 2).status().code(),
              absl::StatusCode::kDataLoss)
        << testing::PrintToString(hours);
  }
}

// job-1 started, retracted and started again: the second record holds the
// id. Saved and loaded at every seq, then folded on, the state is the fold
// of every event: the event after the cut ends the second record, not the
// first, and the first's id stays empty in the body.
TEST(StateCheckpointTest, AJobIdTakenOverStaysWithTheLaterJobAfterALoad) {
  test::StoredHistory history;
  history.RecordOneHire("2024-01-01");
  history.Record(test::EventRetractedEvent("e3", "2024-01-02", 2));
  history.Record(test::JobStartedEvent("e4", "2024-02-01", "job-1", "emp-1",
                                       test::PersonRef(1), ContractForm::kVast,
                                       3000));
  history.Record(test::HoursChangedEvent("e5", "2024-03-01", "job-1", 1000));
  history.Record(test::JobEndedEvent("e6", "2024-06-01", "job-1"));
  const std::vector<StoredEvent>& events = history.events();
  const ProjectionState folded = history.Fold();
  ASSERT_EQ(folded.job_count(), 2u);
  EXPECT_EQ(folded.job(1).entries.size(), 3u);
  for (uint64_t cut = 1; cut <= events.size(); ++cut) {
    ProjectionState upto;
    upto.ApplyAll(absl::MakeConstSpan(events).first(cut));
    absl::StatusOr<DecodedState> decoded = Decode(cut, Body(upto));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    decoded->state.ApplyAll(absl::MakeConstSpan(events).subspan(cut));
    EXPECT_EQ(KeyFreeBody(decoded->state), KeyFreeBody(folded))
        << "cut " << cut;
  }
}

// Two persons of one ref (a body of layout 2 by hand: section 4, two
// items): the body reads, its id indexes do not.
TEST(StateCheckpointTest, AnIdTwiceIsDataLossWhenTheIndexesAreMade) {
  for (const char second : {'b', 'a'}) {
    const std::vector<std::string> parts = {std::string("\x04\x02\x01"
                                                        "a\x00\x00\x01",
                                                        7) +
                                            second +
                                            std::string("\x00\x00", 2)};
    absl::StatusOr<DecodedState> decoded = Decode(0, parts, 2);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    ProjectionState& state = decoded->state;
    EXPECT_EQ(state.person_count(), 2u);
    absl::StatusOr<ProjectionState::IdIndexes> indexes = state.MakeIdIndexes();
    if (second == 'b') {
      ASSERT_TRUE(indexes.ok()) << indexes.status();
      EXPECT_EQ(indexes->persons.size(), 2u);
      state.SetIdIndexes(*std::move(indexes));
      test::StoredHistory history;
      history.Record(test::PersonDeregisteredEvent("e1", "2024-01-01", "b"));
      state.Apply(history.events()[0]);
      EXPECT_EQ(state.person_count(), 2u);
      EXPECT_EQ(state.person(1).entries().size(), 1u);
    } else {
      EXPECT_EQ(indexes.status().code(), absl::StatusCode::kDataLoss);
    }
  }
}

TEST(StateCheckpointTest, RejectsATruncatedBodyAsDataLoss) {
  test::ProjectorFixture fixture;
  fixture.Open();
  test::RandomHistory random(3);
  AppendRandom(fixture, random, 50);
  std::vector<std::string> parts = Body(Rebuild(fixture.log()));
  EXPECT_TRUE(Decode(50, parts).ok());
  EXPECT_EQ(Decode(49, parts).status().code(), absl::StatusCode::kDataLoss);
  parts.back().pop_back();
  EXPECT_EQ(Decode(50, parts).status().code(), absl::StatusCode::kDataLoss);
}

// A stored body is read a part at a time (DecodeState with a reader): the
// decode keeps nothing of a part past its read, here one buffer that each
// read overwrites and scribbles over after, and loads the same state.
TEST(StateCheckpointTest, ALoadHoldsNoPartPastItsRead) {
  test::ProjectorFixture fixture;
  fixture.Open();
  test::RandomHistory random(17);
  AppendRandom(fixture, random, 80);
  const ProjectionState folded = Rebuild(fixture.log());
  const EncodedState encoded = Encode(folded, Hash{}, /*part_bytes=*/64);
  ASSERT_GT(encoded.parts.size(), 8u);
  absl::Mutex mutex;
  std::string buffer;
  const auto read_part = [&](uint32_t part,
                             absl::FunctionRef<void(std::string_view)> read) {
    absl::MutexLock lock(&mutex);
    buffer = encoded.parts[part];
    read(buffer);
    std::fill(buffer.begin(), buffer.end(), '\xff');
    return absl::OkStatus();
  };
  const absl::StatusOr<DecodedState> loaded =
      DecodeState(80, encoded.header, read_part);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(Body(loaded->state), Body(folded));
}

// Parts that hold other than the header's body_size bytes are DATA_LOSS; a
// part that cannot be read fails the load with the read's error.
TEST(StateCheckpointTest, ALoadChecksTheBodySizeAndPassesOnAReadsError) {
  test::ProjectorFixture fixture;
  fixture.Open();
  test::RandomHistory random(19);
  AppendRandom(fixture, random, 60);
  const EncodedState encoded =
      Encode(Rebuild(fixture.log()), Hash{}, /*part_bytes=*/64);
  ASSERT_GT(encoded.parts.size(), 4u);
  const auto read_part = [&](uint32_t part,
                             absl::FunctionRef<void(std::string_view)> read) {
    if (part == 3) return absl::NotFoundError("part 3 is not stored");
    read(encoded.parts[part]);
    return absl::OkStatus();
  };
  const auto read_every_part =
      [&](uint32_t part, absl::FunctionRef<void(std::string_view)> read) {
        read(encoded.parts[part]);
        return absl::OkStatus();
      };
  StateHeader longer = encoded.header;
  longer.body_size += 1;

  EXPECT_TRUE(DecodeState(60, encoded.header, read_every_part).ok());
  EXPECT_EQ(DecodeState(60, longer, read_every_part).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeState(60, encoded.header, read_part).status().code(),
            absl::StatusCode::kNotFound);
}

// A state loaded from a checkpoint has room for a quarter more records:
// the replay of the events after it (ReplayLog reserves for them first)
// folds them where the load put the records, instead of copying every
// array into fresh memory.
TEST(StateCheckpointTest, AReplayAfterALoadKeepsTheRecordsInPlace) {
  constexpr int kHires = 100;
  constexpr int kMore = 10;
  test::StoredHistory history;
  history.Record(test::EmployerRegisteredEvent("e0", "2024-01-01", "emp-1"));
  for (int i = 0; i < kHires + kMore; ++i) {
    history.Record(test::JobStartedEvent(
        absl::StrCat("e", i + 1), "2024-01-01", absl::StrCat("job-", i),
        "emp-1", test::PersonRef(i), ContractForm::kVast, 2550));
  }
  const absl::Span<const StoredEvent> events(history.events());
  ProjectionState saved;
  saved.ApplyAll(events.first(kHires + 1));
  absl::StatusOr<DecodedState> loaded = Decode(kHires + 1, Body(saved));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ProjectionState& state = loaded->state;
  const JobRecord* first_job = &state.job(0);
  const PersonRecord* first_person = &state.person(0);

  state.ReserveForEvents(kMore);
  state.ApplyAll(events.subspan(kHires + 1));

  EXPECT_EQ(state.job_count(), size_t{kHires + kMore});
  EXPECT_EQ(state.person_count(), size_t{kHires + kMore});
  EXPECT_EQ(&state.job(0), first_job);
  EXPECT_EQ(&state.person(0), first_person);
}

// A state's parts are derived data read back from the store: damaged ones
// (a bit flipped, a part cut short or lost, 1,000 seeded ways each) decode
// to some state or to DATA_LOSS, and never crash or read out of bounds (the
// sanitized build runs this too).
TEST(StateCheckpointTest, DamagedPartsAreDataLossOrAStateNeverACrash) {
  test::ProjectorFixture fixture;
  fixture.Open();
  test::RandomHistory random(5);
  AppendRandom(fixture, random, 60);
  const std::vector<std::string> intact =
      Encode(Rebuild(fixture.log()), Hash{}, /*part_bytes=*/64).parts;
  ASSERT_GT(intact.size(), 8u);
  ASSERT_TRUE(Decode(60, intact).ok());
  std::mt19937 rng(5);
  std::array<int, 3> data_loss{};  // of each kind of damage
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<std::string> parts = intact;
    std::string& part = parts[rng() % parts.size()];
    switch (trial % 3) {
      case 0:
        if (!part.empty()) part[rng() % part.size()] ^= 1 << (rng() % 8);
        break;
      case 1:
        part.resize(rng() % (part.size() + 1));
        break;
      case 2:
        parts.erase(parts.begin() + rng() % parts.size());
        break;
    }
    const absl::StatusOr<DecodedState> decoded = Decode(60, parts);
    if (!decoded.ok()) {
      ASSERT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss)
          << "trial " << trial << ": " << decoded.status();
      ++data_loss[trial % 3];
    }
  }
  // A part cut short leaves an item unread: nearly always DATA_LOSS. A
  // flipped bit or a lost part often still reads as some state; RocksDB's
  // block checksums and the header's part count and body size
  // (Projector::LoadState) catch those before the decoder sees them.
  EXPECT_GT(data_loss[1], 950);
}

// The tail then makes the id indexes, and folds the events appended after
// the restart (which end, change and retract jobs of before) through them.
TEST(StateCheckpointTest, ARestartAfterACleanCloseFoldsNoEvent) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(5);
  AppendAndClose(fixture, random, 300, /*save=*/true);
  EXPECT_EQ(StateHeaderSeqs(fixture.log()), (std::vector<uint64_t>{300}));
  ExpectRestart(fixture, /*state_seq=*/300, /*folded=*/0);
  AppendRandom(fixture, random, 100);
  ExpectFiguresOfRebuild(fixture.projector());
}

// The projector gone without saving (as in a crash), events appended
// through the log alone: the restart folds those only.
TEST(StateCheckpointTest, ARestartFoldsOnlyTheEventsAfterTheCheckpoint) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(6);
  SaveAt200ThenFoldUnsaved(fixture, random, 40);
  AppendRandom(fixture, random, 30);
  EXPECT_EQ(StateHeaderSeqs(fixture.log()), (std::vector<uint64_t>{200}));
  ExpectRestart(fixture, /*state_seq=*/200, /*folded=*/70);
}

// A server's start: the state read while the log opens, whose head is then
// its last stored event, not yet checked, is the one a restart loads.
TEST(StateCheckpointTest, AStateReadWhileTheLogOpensIsTheOneARestartLoads) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(6);
  SaveAt200ThenFoldUnsaved(fixture, random, 40);
  Restored restored;
  const Projector& projector = fixture.OpenAsAServer(restored.Options());
  EXPECT_EQ(restored.state_seq, 200u);
  EXPECT_EQ(restored.folded, 40u);
  ExpectFiguresOfRebuild(projector);
}

// A checkpoint copied from another log (same seqs, other events) does not
// match the hash of this log's event at its seq: the log is replayed.
TEST(StateCheckpointTest, IgnoresACheckpointOfAnotherLog) {
  test::ProjectorFixture other;
  other.Open();
  test::RandomHistory other_random(7);
  AppendRandom(other, other_random, 100);
  const EncodedState foreign =
      Encode(Rebuild(other.log()), other.log().GetBySeq(100)->hash);

  test::ProjectorFixture fixture;
  test::RandomHistory random(8);
  AppendAndClose(fixture, random, 100, /*save=*/false);
  PutState(fixture.log(), 100, foreign);
  ExpectRestart(fixture, /*state_seq=*/0, /*folded=*/100);
}

// A header naming a part that is not stored (read on the other thread
// than the one before it) is passed over for an older checkpoint.
TEST(StateCheckpointTest, PassesOverACheckpointWithAPartMissing) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(13);
  AppendAndClose(fixture, random, 70, /*save=*/false);
  EncodedState missing = StateAt(fixture.log(), 70, 64);
  ASSERT_GT(missing.parts.size(), 4u);
  missing.header.parts += 1;
  PutState(fixture.log(), 70, missing);
  PutState(fixture.log(), 64, StateAt(fixture.log(), 64));
  ExpectRestart(fixture, /*state_seq=*/64, /*folded=*/6);
}

// Each version pair has its own space, and the header says its versions
// too: a header of other counting rules or another layout is passed over
// for an older one of these.
TEST(StateCheckpointTest, PassesOverCheckpointsOfOtherRulesOrLayout) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(9);
  AppendAndClose(fixture, random, 60, /*save=*/false);
  EncodedState other_rules = StateAt(fixture.log(), 60);
  other_rules.header.rules = kCountingRulesVersion + 1;
  PutState(fixture.log(), 60, other_rules);
  EncodedState other_layout = StateAt(fixture.log(), 59);
  other_layout.header.layout = kStateLayoutVersion + 1;
  PutState(fixture.log(), 59, other_layout);
  PutState(fixture.log(), 55, StateAt(fixture.log(), 55));
  ExpectRestart(fixture, /*state_seq=*/55, /*folded=*/5);
}

// A checkpoint of the first layout (no sums) lies in its own record space,
// which this version never reads: the first open replays the log and saves
// the state in this layout, the next one loads it.
TEST(StateCheckpointTest, ACheckpointOfTheFirstLayoutIsIgnoredAndReplacedOnce) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(12);
  AppendAndClose(fixture, random, 80, /*save=*/false);
  EncodedState first = StateAt(fixture.log(), 80);
  first.header.layout = 1;
  PutState(fixture.log(), 80, first,
           absl::StrCat("projection_state.v1.rules", kCountingRulesVersion));
  Restored restored;
  ProjectorOptions options = restored.Options();
  options.save_state_after_fold = 80;
  fixture.OpenProjector(options);
  EXPECT_EQ(restored.state_seq, 0u);
  EXPECT_EQ(restored.folded, 80u);
  ExpectFiguresOfRebuild(fixture.projector());
  fixture.CloseProjector();
  EXPECT_EQ(StateHeaderSeqs(fixture.log()), (std::vector<uint64_t>{80}));
  ExpectRestart(fixture, /*state_seq=*/80, /*folded=*/0);
}

// A store of the version before: its checkpoint of layout 2, in its own
// space, loads (its id indexes made after), with the events after it
// folded; the close saves the state in this layout, whose tables the next
// open loads.
TEST(StateCheckpointTest, ACheckpointOfLayout2LoadsAndIsSavedInThisLayout) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(14);
  AppendAndClose(fixture, random, 90, /*save=*/false);
  test::PutStateOfLayout(fixture.log(), 80, 2);
  ExpectRestart(fixture, /*state_seq=*/80, /*folded=*/10);
  fixture.CloseProjector();
  EXPECT_EQ(StateHeaderSeqs(fixture.log()), (std::vector<uint64_t>{90}));
  ExpectRestart(fixture, /*state_seq=*/90, /*folded=*/0);
}

// Layout 4 lists the figure checkpoints' seqs (section 11, here cut into
// parts of ~64 bytes); a body of layout 3, without that section, lists
// none; and one listing a seq past the state's is DATA_LOSS.
TEST(StateCheckpointTest, ADecodedStateListsTheFigureCheckpointsSavedWithIt) {
  test::ProjectorFixture fixture;
  fixture.Open(TestOptions(/*save=*/false));
  test::RandomHistory random(16);
  AppendRandom(fixture, random, 120);
  const ProjectionState state = Rebuild(fixture.log());
  const KeptSums sums = BuildKeptSums(state);
  const EncodedState encoded =
      EncodeState(state, sums, Hash{}, {50, 100, 120}, /*part_bytes=*/64);
  absl::StatusOr<DecodedState> decoded = Decode(120, encoded.parts);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->checkpoints, (std::vector<uint64_t>{50, 100, 120}));
  absl::StatusOr<DecodedState> layout3 =
      Decode(120, PartsOfLayout(encoded.parts, 3), 3);
  ASSERT_TRUE(layout3.ok()) << layout3.status();
  EXPECT_EQ(layout3->checkpoints, std::nullopt);
  EXPECT_EQ(Decode(120, EncodeState(state, sums, Hash{}, {50, 121}).parts)
                .status()
                .code(),
            absl::StatusCode::kDataLoss);
}

// The state saved at 120 lists the checkpoints at 50 and 100; the one at
// 150, taken after it, is found by a scan past 120. A record of the
// checkpoint space under 120 that the state does not list (here 75, whose
// bytes are no checkpoint) is neither read nor listed: the scan starts
// past the state.
TEST(StateCheckpointTest, AnOpenScansOnlyTheCheckpointsPastTheStatesList) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(17);
  AppendAndClose(fixture, random, 120, /*save=*/true);
  fixture.OpenProjector(TestOptions(/*save=*/false));
  AppendRandom(fixture, random, 40);
  fixture.CloseProjector();
  ASSERT_TRUE(fixture.log()
                  .records()
                  .Put(kCheckpointSpace, CheckpointKey(75), "never read")
                  .ok());
  ExpectRestart(fixture, /*state_seq=*/120, /*folded=*/40);
  EXPECT_EQ(fixture.projector().CheckpointSeqs(),
            (std::vector<uint64_t>{50, 100, 150}));
}

// A store of the version before: its checkpoint of layout 3 lists no
// figure checkpoints, which a scan of their whole space finds; the close
// saves the state in this layout, whose list the next open loads.
TEST(StateCheckpointTest, ACheckpointOfLayout3LoadsAndIsSavedInThisLayout) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(18);
  AppendAndClose(fixture, random, 120, /*save=*/false);
  test::PutStateOfLayout(fixture.log(), 110, 3);
  ExpectRestart(fixture, /*state_seq=*/110, /*folded=*/10);
  EXPECT_EQ(fixture.projector().CheckpointSeqs(),
            (std::vector<uint64_t>{50, 100}));
  fixture.CloseProjector();
  EXPECT_EQ(StateHeaderSeqs(fixture.log()), (std::vector<uint64_t>{120}));
  ExpectRestart(fixture, /*state_seq=*/120, /*folded=*/0);
  EXPECT_EQ(fixture.projector().CheckpointSeqs(),
            (std::vector<uint64_t>{50, 100}));
}

// A store of the version before: its checkpoint of layout 4 placed the ids
// under the fixed key. It loads, its id tables made again under a new key
// before the events after it are folded, and so are the events appended
// after the restart; the close saves the state in this layout, which the
// next open loads with its tables.
TEST(StateCheckpointTest,
     ACheckpointOfLayout4LoadsUnderANewKeyAndIsSavedAgain) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(20);
  AppendAndClose(fixture, random, 120, /*save=*/false);
  test::PutStateOfLayout(fixture.log(), 110, 4);
  ExpectRestart(fixture, /*state_seq=*/110, /*folded=*/10);
  AppendRandom(fixture, random, 30);
  ExpectFiguresOfRebuild(fixture.projector());
  fixture.CloseProjector();
  EXPECT_EQ(StateHeaderSeqs(fixture.log()), (std::vector<uint64_t>{150}));
  ExpectRestartWithIdIndexes(fixture, random, /*state_seq=*/150, 10);
}

// A state names the checkpoints queued before it as stored: after a failed
// write (the checkpoint at 50, whose key holds other bytes) its header is
// not written. Without that record the close saves the state at 60.
TEST(StateCheckpointTest, NoStateIsSavedAfterAFailedCheckpointWrite) {
  for (const bool taken : {false, true}) {
    test::ProjectorFixture fixture;
    fixture.Open(TestOptions(/*save=*/true));
    if (taken) {
      ASSERT_TRUE(fixture.log()
                      .records()
                      .Put(kCheckpointSpace, CheckpointKey(50), "other bytes")
                      .ok());
    }
    test::RandomHistory random(19);
    AppendRandom(fixture, random, 60);
    EXPECT_EQ(fixture.projector().FlushCheckpoints().code(),
              taken ? absl::StatusCode::kAlreadyExists : absl::StatusCode::kOk);
    fixture.CloseProjector();
    EXPECT_EQ(StateHeaderSeqs(fixture.log()),
              taken ? std::vector<uint64_t>{} : std::vector<uint64_t>{60});
  }
}

// Loaded with its id indexes, a state leaves the tail no index to make:
// it folds the events appended after the restart through the loaded ones.
TEST(StateCheckpointTest, TheTailMakesNoIdIndexAfterALoadOfThisLayout) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(15);
  AppendAndClose(fixture, random, 100, /*save=*/true);
  ExpectRestartWithIdIndexes(fixture, random, /*state_seq=*/100, 50);
}

// 30 events folded on open: saved with a threshold of 30, not of 31.
TEST(StateCheckpointTest, AnOpenThatFoldedManyEventsSavesTheState) {
  for (uint64_t threshold : {31, 30}) {
    test::ProjectorFixture fixture;
    ProjectorOptions options;
    options.save_state = false;
    fixture.Open(options);
    test::RandomHistory random(10);
    AppendRandom(fixture, random, 30);
    options.save_state = true;
    options.save_state_after_fold = threshold;
    fixture.OpenProjector(options);
    ASSERT_TRUE(fixture.projector().FlushCheckpoints().ok());
    EXPECT_EQ(StateHeaderSeqs(fixture.log()), threshold == 30
                                                  ? std::vector<uint64_t>{30}
                                                  : std::vector<uint64_t>{});
  }
}

// A close saves only once the head is a quarter of the last saved seq past
// it: a save costs a write of the whole state.
TEST(StateCheckpointTest, ACloseSavesOnceTheHeadMovedAQuarterPastTheLast) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(11);
  AppendAndClose(fixture, random, 100, /*save=*/true);
  fixture.OpenProjector(TestOptions());
  AppendRandom(fixture, random, 24);
  fixture.CloseProjector();
  EXPECT_EQ(StateHeaderSeqs(fixture.log()), (std::vector<uint64_t>{100}));
  ExpectRestart(fixture, /*state_seq=*/100, /*folded=*/24);
  AppendRandom(fixture, random, 1);
  fixture.CloseProjector();
  EXPECT_EQ(StateHeaderSeqs(fixture.log()), (std::vector<uint64_t>{100, 125}));
}

// Within a quarter, a close saves once the head is both
// save_state_after_fold events and a sixteenth of the log past the last
// save: past 100, 7 events are a sixteenth of 107 but fewer than 8, and 8
// are both; with a threshold of 1, 6 events past 108 are less than a
// sixteenth of 114, and 7 are one of 115. (The opens fold fewer than a
// quarter, and save nothing.)
TEST(StateCheckpointTest, ACloseSavesPastASixteenthOfTheLogAndTheThreshold) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(18);
  AppendAndClose(fixture, random, 100, /*save=*/true);
  struct Close {
    uint64_t threshold;
    int events;
    std::vector<uint64_t> saved;
  };
  for (const Close& close :
       {Close{8, 7, {100}}, Close{8, 1, {100, 108}}, Close{1, 6, {100, 108}},
        Close{1, 1, {108, 115}}}) {
    ProjectorOptions options = TestOptions();
    options.save_state_after_fold = close.threshold;
    fixture.OpenProjector(options);
    AppendRandom(fixture, random, close.events);
    fixture.CloseProjector();
    EXPECT_EQ(StateHeaderSeqs(fixture.log()), close.saved);
  }
  ExpectRestart(fixture, /*state_seq=*/115, /*folded=*/0);
}

// The seqs of the states the tail saved while following, as it reports
// them.
class SavesWhileFollowing {
 public:
  ProjectorOptions Options(double rest) {
    ProjectorOptions options = TestOptions();
    options.save_state_while_following = 20;
    options.save_state_rest = rest;
    options.on_state_saved_while_following = [this](uint64_t seq,
                                                    absl::Duration) {
      absl::MutexLock lock(&mutex_);
      seqs_.push_back(seq);
    };
    return options;
  }
  // The saves so far, once there are `count` (waited for up to 10 s).
  std::vector<uint64_t> First(size_t count) {
    absl::MutexLock lock(&mutex_);
    const auto reached = [&]() ABSL_SHARED_LOCKS_REQUIRED(mutex_) {
      return seqs_.size() >= count;
    };
    mutex_.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(10));
    return seqs_;
  }

 private:
  absl::Mutex mutex_;
  std::vector<uint64_t> seqs_ ABSL_GUARDED_BY(mutex_);
};

// The tail saves once it folded save_state_while_following events past the
// last save, without a close: a restart after a crash folds only those after.
// The close then saves nothing (4 events are less than a quarter past 20).
TEST(StateCheckpointTest, TheTailSavesTheStateWhileFollowing) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(16);
  SavesWhileFollowing saves;
  fixture.Open(saves.Options(/*rest=*/0));
  AppendRandom(fixture, random, 20);
  EXPECT_EQ(saves.First(1), (std::vector<uint64_t>{20}));
  AppendRandom(fixture, random, 4);
  ASSERT_TRUE(fixture.projector().FlushCheckpoints().ok());
  EXPECT_EQ(StateHeaderSeqs(fixture.log()), (std::vector<uint64_t>{20}));
  fixture.CloseProjector();
  ExpectRestart(fixture, /*state_seq=*/20, /*folded=*/4);
}

// After a save the tail rests save_state_rest times the encoding's length:
// a second save is due at 40, made at once without a rest and not within
// a long one.
TEST(StateCheckpointTest, TheTailRestsAfterASaveWhileFollowing) {
  for (const double rest : {0.0, 1e9}) {
    test::ProjectorFixture fixture;
    test::RandomHistory random(17);
    SavesWhileFollowing saves;
    fixture.Open(saves.Options(rest));
    AppendRandom(fixture, random, 20);
    EXPECT_EQ(saves.First(1), (std::vector<uint64_t>{20}));
    AppendRandom(fixture, random, 20);
    ASSERT_TRUE(fixture.projector()
                    .WaitUntilCaughtUp(40, absl::Now() + absl::Seconds(10))
                    .ok());
    // Long enough for the tail's next rounds (every 20 ms when idle).
    absl::SleepFor(absl::Milliseconds(200));
    const std::vector<uint64_t> expected =
        rest == 0 ? std::vector<uint64_t>{20, 40} : std::vector<uint64_t>{20};
    EXPECT_EQ(saves.First(rest == 0 ? 2 : 0), expected);
  }
}

// The seqs of every key (headers and parts) of `space`.
std::set<uint64_t> StateKeySeqs(
    const EventLog& log, std::string_view space = StateCheckpointSpace()) {
  std::set<uint64_t> seqs;
  EXPECT_TRUE(log.records()
                  .Scan(space,
                        [&](std::string_view key, std::string_view) {
                          uint64_t seq = 0;
                          for (size_t i = 1; i < 9; ++i) {
                            seq = seq << 8 | static_cast<uint8_t>(key[i]);
                          }
                          seqs.insert(seq);
                          return true;
                        })
                  .ok());
  return seqs;
}

// A save keeps the state before it (the fallback should it not read) and
// deletes the older ones, parts and all, with the parts of a save cut short
// (no header) among them.
TEST(StateCheckpointTest, ASaveDeletesTheStatesBeforeTheOneBeforeIt) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(12);
  AppendAndClose(fixture, random, 100, /*save=*/true);
  fixture.OpenProjector(TestOptions());
  AppendRandom(fixture, random, 25);
  fixture.CloseProjector();
  EncodedState cut_short = StateAt(fixture.log(), 110);
  ASSERT_TRUE(
      fixture.log()
          .records()
          .Put(StateCheckpointSpace(), StatePartKey(110, 0), cut_short.parts[0])
          .ok());
  EXPECT_EQ(StateKeySeqs(fixture.log()), (std::set<uint64_t>{100, 110, 125}));
  fixture.OpenProjector(TestOptions());
  AppendRandom(fixture, random, 32);
  fixture.CloseProjector();
  EXPECT_EQ(StateKeySeqs(fixture.log()), (std::set<uint64_t>{125, 157}));
  ExpectRestart(fixture, /*state_seq=*/157, /*folded=*/0);
}

// Of the layouts before (the versions before's): kept while one is the
// fallback, deleted once two states of this layout exist.
TEST(StateCheckpointTest, StatesOfEarlierLayoutsAreDeletedOnceTwoOfThisExist) {
  test::ProjectorFixture fixture;
  test::RandomHistory random(16);
  AppendAndClose(fixture, random, 90, /*save=*/false);
  test::PutStateOfLayout(fixture.log(), 70, 2);
  test::PutStateOfLayout(fixture.log(), 80, 3);
  fixture.OpenProjector(TestOptions());
  fixture.CloseProjector();
  EXPECT_EQ(StateKeySeqs(fixture.log(), StateCheckpointSpace(2)),
            (std::set<uint64_t>{70}));
  EXPECT_EQ(StateKeySeqs(fixture.log(), StateCheckpointSpace(3)),
            (std::set<uint64_t>{80}));
  fixture.OpenProjector(TestOptions());
  AppendRandom(fixture, random, 23);
  fixture.CloseProjector();
  EXPECT_EQ(StateHeaderSeqs(fixture.log()), (std::vector<uint64_t>{90, 113}));
  EXPECT_EQ(StateKeySeqs(fixture.log(), StateCheckpointSpace(2)),
            (std::set<uint64_t>{}));
  EXPECT_EQ(StateKeySeqs(fixture.log(), StateCheckpointSpace(3)),
            (std::set<uint64_t>{}));
}

}  // namespace
}  // namespace banen
