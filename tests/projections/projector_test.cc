#include "projections/projector.h"

#include <array>
#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "projections/checkpoint.h"
#include "projections/figures.h"
#include "projections/quota.h"
#include "projections/realisation.h"
#include "projections/register_figures.h"
#include "projections/snapshot.h"
#include "tests/projections/projection_test_util.h"
#include "tests/projections/projector_test_util.h"
#include "tests/projections/random_history.h"

namespace banen {
namespace {

using test::PersonRef;
using test::ProjectorFixture;
using test::Q;
using test::RandomHistory;
using test::Rebuild;

RealisationQuery AllSectors(Measure measure,
                            std::optional<absl::Time> as_of = std::nullopt) {
  return RealisationQuery{.sectors = {},
                          .from = Quarter{2019, 1},
                          .to = Quarter{2027, 4},
                          .measure = measure,
                          .as_of = as_of,
                          .include_employers = false};
}

std::vector<absl::Time> RecordedTimes(const EventLog& log) {
  std::vector<absl::Time> times;
  EXPECT_TRUE(log.Scan(1, 0,
                       [&](const StoredEvent& stored) {
                         times.push_back(stored.recorded_at);
                         return true;
                       })
                  .ok());
  return times;
}

void ExpectSameTables(const Projector& projector,
                      const ProjectionState& rebuilt,
                      std::optional<absl::Time> as_of) {
  for (int m = 0; m < kMeasureCount; ++m) {
    const RealisationQuery query = AllSectors(static_cast<Measure>(m), as_of);
    const absl::StatusOr<RealisationTable> table = projector.Realisation(query);
    ASSERT_TRUE(table.ok()) << table.status();
    EXPECT_TRUE(*table == ComputeRealisation(rebuilt, query))
        << "measure " << MeasureName(static_cast<Measure>(m)) << " as_of "
        << (as_of ? absl::FormatTime(*as_of) : "now");
  }
  // The hour-days the tail keeps (at the head) or folds anew (as_of), read
  // by the WBA_2026 table and the quota of each year and regime.
  RealisationQuery wba = AllSectors(Measure::kPeildatum, as_of);
  wba.regime = Regime::kWba2026;
  const absl::StatusOr<RealisationTable> years = projector.Realisation(wba);
  ASSERT_TRUE(years.ok()) << years.status();
  EXPECT_FALSE(years->year_rows.empty());
  EXPECT_TRUE(*years == ComputeRealisation(rebuilt, wba))
      << "WBA_2026 as_of " << (as_of ? absl::FormatTime(*as_of) : "now");
  // The register counts the tail keeps (at the head) or folds anew.
  const RegisterQuery register_query{
      .from = Quarter{2019, 1}, .to = Quarter{2027, 4}, .as_of = as_of};
  const absl::StatusOr<RegisterTable> register_table =
      projector.RegisterFigures(register_query);
  ASSERT_TRUE(register_table.ok()) << register_table.status();
  EXPECT_TRUE(*register_table ==
              ComputeRegisterFigures(rebuilt, register_query))
      << "register as_of " << (as_of ? absl::FormatTime(*as_of) : "now");
  const uint64_t cut = as_of.has_value() ? rebuilt.LastSeqRecordedBy(*as_of)
                                         : rebuilt.last_seq();
  for (Regime regime : {Regime::kWfsv2015, Regime::kWba2026}) {
    for (int32_t year = 2019; year <= 2027; ++year) {
      QuotaQuery query;
      query.year = year;
      query.as_of = as_of;
      query.regime = regime;
      const absl::StatusOr<QuotaTable> quota = projector.Quota(query);
      ASSERT_TRUE(quota.ok()) << quota.status();
      EXPECT_TRUE(*quota == ComputeQuota(rebuilt, cut, query).value())
          << RegimeName(regime) << " " << year << " as_of "
          << (as_of ? absl::FormatTime(*as_of) : "now");
    }
  }
}

class ProjectorPropertyTest : public testing::TestWithParam<uint32_t> {};

// Random streams through a real ledger (which rejects what is invalid): the
// incrementally maintained view, as_of views through checkpoints, and the
// view after a restart all equal a rebuild from seq 1.
TEST_P(ProjectorPropertyTest, IncrementalEqualsRebuild) {
  ProjectorFixture fixture;
  fixture.Open(/*checkpoint_interval=*/37);
  RandomHistory random(GetParam());
  test::AppendRandom(fixture, random, 500);
  std::array<int, kEventKindCount> kinds{};
  ASSERT_TRUE(fixture.projector()
                  .log()
                  .Scan(1, 0,
                        [&](const StoredEvent& stored) {
                          ++kinds[static_cast<size_t>(stored.event.kind())];
                          return true;
                        })
                  .ok());
  for (EventKind kind :
       {EventKind::kPersonDeregistered, EventKind::kJobConverted,
        EventKind::kHoursChanged, EventKind::kJobEnded,
        EventKind::kEventRetracted, EventKind::kEmployerReclassified}) {
    EXPECT_GT(kinds[static_cast<size_t>(kind)], 3) << EventKindName(kind);
  }
  const ProjectionState rebuilt = Rebuild(fixture.projector().log());
  ExpectSameTables(fixture.projector(), rebuilt, std::nullopt);
  EXPECT_GT(test::RowOf(*fixture.projector().Realisation(
                            AllSectors(Measure::kPeildatum)),
                        Sector::kNationaal, Quarter{2027, 4})
                .persons,
            0);

  const std::vector<absl::Time> times =
      RecordedTimes(fixture.projector().log());
  std::mt19937 pick(GetParam());
  std::vector<absl::Time> moments = {times.front() - absl::Seconds(1)};
  for (int i = 0; i < 6; ++i) moments.push_back(times[pick() % times.size()]);
  for (absl::Time as_of : moments) {
    ExpectSameTables(fixture.projector(), rebuilt, as_of);
  }

  ASSERT_TRUE(fixture.projector().FlushCheckpoints().ok());
  fixture.Open(/*checkpoint_interval=*/37);
  ExpectSameTables(fixture.projector(), rebuilt, std::nullopt);
  for (absl::Time as_of : moments) {
    ExpectSameTables(fixture.projector(), rebuilt, as_of);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, ProjectorPropertyTest, testing::Range(1u, 6u));

// The rows of `sector` in `quarter`, one per measure, from `figures` (which
// keep quarter - kQuartersBack .. quarter) and the targets winning at
// `targets_cut`.
std::vector<RealisationRow> SectorRows(const ProjectionState& state,
                                       const FigureAccumulator& figures,
                                       uint64_t targets_cut, Sector sector,
                                       Quarter quarter) {
  std::vector<RealisationRow> rows;
  for (int m = 0; m < kMeasureCount; ++m) {
    RealisationTable table =
        MakeSectorTable(SectorTargets(state, targets_cut), figures, targets_cut,
                        absl::InfinitePast(),
                        RealisationQuery{.sectors = {sector},
                                         .from = quarter,
                                         .to = quarter,
                                         .measure = static_cast<Measure>(m),
                                         .as_of = std::nullopt,
                                         .include_employers = false});
    rows.push_back(std::move(table.rows.front()));
  }
  return rows;
}

// DOMAIN.md §6: a diff explains every change of a row event by event. Over
// random histories (snapshots of 4 quarters at 3 moments each), every sector
// whose snapshot rows differ from its current rows lists at least one event,
// and applying to the snapshot's figures exactly the figure changes of the
// listed events (each event's persons at its seq instead of the seq before,
// and the targets after the last listed one that sets any) reproduces the
// current rows. Some listed events move only the quarters before the
// snapshot's (change_x100, the year-earlier changes).
TEST(ProjectorDiffPropertyTest, ListedEventsReproduceEveryMovedRow) {
  const std::array<Quarter, 4> quarters = {Q("2020Q1"), Q("2021Q3"),
                                           Q("2023Q2"), Q("2024Q4")};
  int moved_sectors = 0;
  int earlier_quarters_only = 0;
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    ProjectorFixture fixture;
    Projector& projector = fixture.Open(/*checkpoint_interval=*/41);
    RandomHistory random(seed);
    std::vector<Snapshot> snapshots;
    for (int stored = 0; stored < 450;) {
      const uint64_t seq = fixture.Append(random.Propose());
      if (seq == 0) continue;
      random.Accepted(seq);
      if (++stored % 150 != 0) continue;
      for (Quarter quarter : quarters) {
        absl::StatusOr<Snapshot> snapshot = projector.CreateSnapshot(quarter);
        ASSERT_TRUE(snapshot.ok()) << snapshot.status();
        snapshots.push_back(*std::move(snapshot));
      }
    }
    const ProjectionState state = Rebuild(projector.log());
    for (const Snapshot& snapshot : snapshots) {
      const absl::StatusOr<SnapshotDiff> diff = projector.Diff(snapshot.Key());
      ASSERT_TRUE(diff.ok()) << diff.status();
      const Quarter quarter = snapshot.quarter;
      const Quarter back = Quarter::FromIndex(quarter.Index() - kQuartersBack);
      for (const SectorDiff& sector : diff->sectors) {
        SCOPED_TRACE(absl::StrCat("seed ", seed, " snapshot ", snapshot.Key(),
                                  " sector ",
                                  std::string(SectorName(sector.sector))));
        if (sector.snapshot_rows != sector.current_rows) {
          ++moved_sectors;
          EXPECT_FALSE(sector.changes.empty());
        }
        FigureAccumulator figures = BuildFigures(
            state, snapshot.head_seq, /*per_employer=*/false, back, quarter);
        ASSERT_EQ(SectorRows(state, figures, snapshot.head_seq, sector.sector,
                             quarter),
                  sector.snapshot_rows);
        FigureBuilder builder(state, /*per_employer=*/false);
        uint64_t targets_cut = snapshot.head_seq;
        for (const SnapshotChange& change : sector.changes) {
          FigureAccumulator moved(back, quarter);
          for (uint32_t person :
               state.PersonsTouched(change.seq - 1, change.seq)) {
            builder.AddPerson(person, change.seq - 1, -1, &moved);
            builder.AddPerson(person, change.seq, +1, &moved);
          }
          figures.Add(moved);
          if (state.SetsTargetOrBaseline(change.seq)) {
            targets_cut = change.seq;
          } else if (moved.Figures(SectorScope(sector.sector), quarter,
                                   quarter)[0] == QuarterFigures{}) {
            ++earlier_quarters_only;
          }
        }
        EXPECT_EQ(
            SectorRows(state, figures, targets_cut, sector.sector, quarter),
            sector.current_rows);
      }
    }
  }
  EXPECT_GT(moved_sectors, 20);
  EXPECT_GT(earlier_quarters_only, 0);
}

// Readers while a writer appends 300 events: every table read is some
// committed state, and the end state still equals the rebuild.
void QueryWhileAppending(ProjectorFixture& fixture, Projector& projector) {
  std::atomic<bool> done{false};
  std::thread writer([&] {
    RandomHistory random(99);
    for (int stored = 0; stored < 300;) {
      const uint64_t seq = fixture.Append(random.Propose());
      if (seq == 0) continue;
      random.Accepted(seq);
      ++stored;
    }
    done = true;
  });
  uint64_t last_seen = 0;
  while (!done) {
    const absl::StatusOr<RealisationTable> now =
        projector.Realisation(AllSectors(Measure::kKwartaalgemiddelde));
    ASSERT_TRUE(now.ok()) << now.status();
    EXPECT_GE(now->last_seq, last_seen);
    last_seen = now->last_seq;
    const absl::StatusOr<RealisationTable> then = projector.Realisation(
        AllSectors(Measure::kPeildatum, now->as_of - absl::Seconds(5)));
    ASSERT_TRUE(then.ok()) << then.status();
    EXPECT_LE(then->last_seq, now->last_seq);
  }
  writer.join();
  ASSERT_TRUE(projector.FlushCheckpoints().ok());
  ExpectSameTables(projector, Rebuild(projector.log()), std::nullopt);
}

TEST(ProjectorConcurrencyTest, QueriesRunWhileEventsAreAppended) {
  ProjectorFixture fixture;
  QueryWhileAppending(fixture, fixture.Open(/*checkpoint_interval=*/25));
}

// The same while the tail saves the state as it follows (20 events past
// the last save, as often as its folds allow): its encoding under the
// reader lock beside the queries, its writes beside the checkpoints'.
TEST(ProjectorConcurrencyTest, QueriesRunWhileTheTailSavesTheState) {
  // Declared before the fixture: the tail may still save, and count, while
  // the fixture closes the projector.
  std::atomic<int> saves{0};
  ProjectorFixture fixture;
  ProjectorOptions options;
  options.checkpoint_interval = 25;
  options.save_state_while_following = 20;
  options.save_state_rest = 0;
  options.on_state_saved_while_following = [&](uint64_t, absl::Duration) {
    ++saves;
  };
  QueryWhileAppending(fixture, fixture.Open(options));
  // The folds may have reached the head before the tail's first save.
  for (int wait = 0; wait < 1000 && saves.load() == 0; ++wait) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_GE(saves.load(), 1);
}

Event Employer(std::string_view id, Sector sector) {
  return test::EmployerRegisteredEvent(std::string("reg-") + std::string(id),
                                       "2020-01-01", id, sector);
}

TEST(ProjectorTest, CurrentViewFollowsEachCommit) {
  ProjectorFixture fixture;
  Projector& projector = fixture.Open();
  fixture.MustAppend(Employer("gemeente", Sector::kGemeenten));
  fixture.MustAppend(
      test::PersonRegisteredEvent("p1", "2020-01-01", PersonRef(1)));
  fixture.MustAppend(test::JobStartedEvent("h1", "2024-01-01", "job-1",
                                           "gemeente", PersonRef(1),
                                           ContractForm::kVast, 2550));
  const RealisationQuery query =
      test::ComputeQuery(Sector::kGemeenten, Q("2024Q4"));
  EXPECT_EQ(projector.Realisation(query)->rows[0].banen_x100, 100);

  const uint64_t end =
      fixture.MustAppend(test::JobEndedEvent("e1", "2024-11-01", "job-1"));
  const absl::StatusOr<RealisationTable> table = projector.Realisation(query);
  EXPECT_EQ(table->rows[0].banen_x100, 0);
  EXPECT_EQ(table->last_seq, end);
}

// Issue 15: a window from a checkpoint holding an employer's registration
// moved the figures of every person the employer ever hired (the whole
// state, for the cuts before the first checkpoint). Now it moves the persons
// of the window's own events, and still equals the full recomputation.
TEST(ProjectorTest, AnAsOfCutAfterARegistrationMovesOnlyItsWindowsPersons) {
  ProjectorFixture fixture;
  uint64_t moved_cut = 0;
  uint64_t moved_start = 0;
  size_t moved_persons = 0;
  ProjectorOptions options;
  options.checkpoint_interval = 10;
  options.on_figures_moved = [&](uint64_t cut, uint64_t start, size_t persons) {
    moved_cut = cut;
    moved_start = start;
    moved_persons = persons;
  };
  Projector& projector = fixture.Open(std::move(options));
  for (int i = 1; i <= 10; ++i) {
    fixture.MustAppend(test::PersonRegisteredEvent(absl::StrCat("p", i),
                                                   "2020-01-01", PersonRef(i)));
  }
  fixture.MustAppend(Employer("gemeente", Sector::kGemeenten));
  const uint64_t cut = fixture.MustAppend(
      test::JobStartedEvent("h1", "2024-01-01", "job-1", "gemeente",
                            PersonRef(1), ContractForm::kVast, 2550));
  for (int i = 2; i <= 10; ++i) {
    fixture.MustAppend(test::JobStartedEvent(
        absl::StrCat("h", i), "2024-01-01", absl::StrCat("job-", i), "gemeente",
        PersonRef(i), ContractForm::kVast, 2550));
  }
  ASSERT_TRUE(projector.FlushCheckpoints().ok());
  ASSERT_EQ(projector.CheckpointSeqs(), (std::vector<uint64_t>{10, 20}));
  ASSERT_EQ(cut, 12u);
  const absl::Time as_of = RecordedTimes(fixture.log())[cut - 1];

  const RealisationQuery query = AllSectors(Measure::kPeildatum, as_of);
  const absl::StatusOr<RealisationTable> table = projector.Realisation(query);

  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_TRUE(*table == ComputeRealisation(Rebuild(fixture.log()), query));
  EXPECT_EQ(test::RowOf(*table, Sector::kGemeenten, Quarter{2024, 1}).persons,
            1);
  EXPECT_EQ(moved_cut, 12u);
  EXPECT_EQ(moved_start, 10u);
  EXPECT_EQ(moved_persons, 1u);
}

// The figure checkpoints are not held in memory but read back when a cut
// starts from one; one still queued for the writer is read from the queue.
TEST(ProjectorTest, AnAsOfCutStartsFromACheckpointStillQueuedForTheWriter) {
  // Declared before the fixture, which the writer thread outlives.
  absl::Notification writer_may_go;
  ProjectorFixture fixture;
  uint64_t moved_start = 0;
  ProjectorOptions options;
  options.checkpoint_interval = 10;
  options.before_writing_record_for_test = [&] {
    writer_may_go.WaitForNotification();
  };
  options.on_figures_moved = [&](uint64_t, uint64_t start, size_t) {
    moved_start = start;
  };
  Projector& projector = fixture.Open(std::move(options));
  for (int i = 1; i <= 10; ++i) {
    fixture.MustAppend(test::PersonRegisteredEvent(absl::StrCat("p", i),
                                                   "2020-01-01", PersonRef(i)));
  }
  fixture.MustAppend(Employer("gemeente", Sector::kGemeenten));
  for (int i = 1; i <= 10; ++i) {
    fixture.MustAppend(test::JobStartedEvent(
        absl::StrCat("h", i), "2024-01-01", absl::StrCat("job-", i), "gemeente",
        PersonRef(i), ContractForm::kVast, 2550));
  }
  // Seq 19 is nearer the checkpoint at 20, which waits behind the one at 10.
  const absl::Time as_of = RecordedTimes(fixture.log())[19 - 1];
  const RealisationQuery query = AllSectors(Measure::kPeildatum, as_of);

  const absl::StatusOr<RealisationTable> table = projector.Realisation(query);
  writer_may_go.Notify();

  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(moved_start, 20u);
  EXPECT_TRUE(*table == ComputeRealisation(Rebuild(fixture.log()), query));
  EXPECT_EQ(test::RowOf(*table, Sector::kGemeenten, Quarter{2024, 1}).persons,
            8);
  ASSERT_TRUE(projector.FlushCheckpoints().ok());
  EXPECT_EQ(projector.CheckpointSeqs(), (std::vector<uint64_t>{10, 20}));
}

TEST(ProjectorTest, TakesACheckpointEveryInterval) {
  ProjectorFixture fixture;
  Projector& projector = fixture.Open(/*checkpoint_interval=*/2);
  for (int i = 1; i <= 5; ++i) {
    fixture.MustAppend(test::PersonRegisteredEvent("p" + std::to_string(i),
                                                   "2020-01-01", PersonRef(i)));
  }
  ASSERT_TRUE(projector.FlushCheckpoints().ok());
  EXPECT_EQ(projector.CheckpointSeqs(), (std::vector<uint64_t>{2, 4}));
  std::vector<uint64_t> stored;
  ASSERT_TRUE(projector.log()
                  .records()
                  .Scan(kCheckpointSpace,
                        [&](std::string_view key, std::string_view) {
                          stored.push_back(*ParseCheckpointKey(key));
                          return true;
                        })
                  .ok());
  EXPECT_EQ(stored, (std::vector<uint64_t>{2, 4}));
}

TEST(ProjectorTest, ReopeningWritesMissingCheckpoints) {
  ProjectorFixture fixture;
  fixture.Open(/*checkpoint_interval=*/100);
  for (int i = 1; i <= 5; ++i) {
    fixture.MustAppend(test::PersonRegisteredEvent("p" + std::to_string(i),
                                                   "2020-01-01", PersonRef(i)));
  }
  EXPECT_TRUE(fixture.projector().CheckpointSeqs().empty());
  Projector& reopened = fixture.Open(/*checkpoint_interval=*/2);
  EXPECT_EQ(reopened.CheckpointSeqs(), (std::vector<uint64_t>{2, 4}));
}

TEST(ProjectorTest, ReopeningWithASmallerIntervalFillsTheGaps) {
  ProjectorFixture fixture;
  fixture.Open(/*checkpoint_interval=*/6);
  for (int i = 1; i <= 13; ++i) {
    fixture.MustAppend(test::PersonRegisteredEvent("p" + std::to_string(i),
                                                   "2020-01-01", PersonRef(i)));
  }
  ASSERT_TRUE(fixture.projector().FlushCheckpoints().ok());
  EXPECT_EQ(fixture.projector().CheckpointSeqs(),
            (std::vector<uint64_t>{6, 12}));
  Projector& reopened = fixture.Open(/*checkpoint_interval=*/2);
  EXPECT_EQ(reopened.CheckpointSeqs(),
            (std::vector<uint64_t>{2, 4, 6, 8, 10, 12}));
}

// Holds the first query that reads the state in its middle, until released.
class HeldQuery {
 public:
  void HoldIn(ProjectorOptions& options) {
    options.while_reading_state_for_test = [this] {
      if (!first_.exchange(false)) return;
      reading_.Notify();
      release_.WaitForNotification();
    };
  }
  // Blocks until the held query is reading the state.
  void WaitUntilReading() { reading_.WaitForNotification(); }
  bool WaitUntilReadingFor(absl::Duration timeout) {
    return reading_.WaitForNotificationWithTimeout(timeout);
  }
  void Release() { release_.Notify(); }

 private:
  std::atomic<bool> first_{true};
  absl::Notification reading_;
  absl::Notification release_;
};

// GEMEENTEN with one hire of 25.5 h from 2024-01-01.
void RecordOneHire(ProjectorFixture& fixture) {
  fixture.MustAppend(Employer("gemeente", Sector::kGemeenten));
  fixture.MustAppend(
      test::PersonRegisteredEvent("p1", "2020-01-01", PersonRef(1)));
  fixture.MustAppend(test::JobStartedEvent("h1", "2024-01-01", "job-1",
                                           "gemeente", PersonRef(1),
                                           ContractForm::kVast, 2550));
}

RealisationQuery WithEmployers(RealisationQuery query) {
  query.include_employers = true;
  return query;
}

// After a restart from a state saved in layout 2 the tail makes the id
// indexes as a reader: a query reading the state meanwhile is answered, and
// the next append is folded for a read-your-writes query once both are
// done.
TEST(ProjectorTest, AQueryIsAnsweredWhileTheTailMakesTheIdIndexes) {
  ProjectorFixture fixture;
  ProjectorOptions unsaved;
  unsaved.save_state = false;
  fixture.Open(std::move(unsaved));
  RecordOneHire(fixture);
  test::PutStateOfLayout(fixture.log(), 3, 2);
  HeldQuery held;
  ProjectorOptions options;
  held.HoldIn(options);
  bool query_was_reading = false;
  options.while_making_id_indexes_for_test = [&] {
    query_was_reading = held.WaitUntilReadingFor(absl::Seconds(30));
  };
  uint64_t state_seq = 0;
  options.on_state_restored = [&](uint64_t seq, uint64_t /*folded*/) {
    state_seq = seq;
  };
  Projector& projector = fixture.Open(std::move(options));
  ASSERT_EQ(state_seq, 3u);
  const RealisationQuery query =
      test::ComputeQuery(Sector::kGemeenten, Q("2024Q4"));
  absl::StatusOr<RealisationTable> report;
  std::thread reporter(
      [&] { report = projector.Realisation(WithEmployers(query)); });
  held.WaitUntilReading();
  held.Release();
  reporter.join();

  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows[0].banen_x100, 100);
  fixture.MustAppend(test::JobEndedEvent("e1", "2024-11-01", "job-1"));
  const absl::StatusOr<RealisationTable> after = projector.Realisation(query);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->last_seq, 4u);
  EXPECT_TRUE(query_was_reading);
}

// The old design folded each commit under the projector's exclusive lock
// inside the log's commit: this append would wait for the held report.
TEST(ProjectorTest, AnAppendCompletesWhileAQueryReadsTheState) {
  ProjectorFixture fixture;
  HeldQuery held;
  ProjectorOptions options;
  held.HoldIn(options);
  Projector& projector = fixture.Open(std::move(options));
  RecordOneHire(fixture);
  const RealisationQuery query =
      test::ComputeQuery(Sector::kGemeenten, Q("2024Q4"));
  absl::StatusOr<RealisationTable> report;
  std::thread reporter(
      [&] { report = projector.Realisation(WithEmployers(query)); });
  held.WaitUntilReading();

  // The current view is read without the state's lock.
  const absl::StatusOr<RealisationTable> before = projector.Realisation(query);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->rows[0].banen_x100, 100);
  absl::Notification appended;
  uint64_t end = 0;
  std::thread appender([&] {
    end = fixture.MustAppend(test::JobEndedEvent("e1", "2024-11-01", "job-1"));
    appended.Notify();
  });
  // Generous: the append either completes at once or never (deadlock).
  EXPECT_TRUE(appended.WaitForNotificationWithTimeout(absl::Seconds(30)));
  held.Release();
  appender.join();
  reporter.join();

  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->last_seq, 3u);
  const absl::StatusOr<RealisationTable> after = projector.Realisation(query);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->last_seq, end);
  EXPECT_EQ(after->rows[0].banen_x100, 0);
}

TEST(ProjectorTest, AnAppendCompletesWhileADiffReadsTheState) {
  ProjectorFixture fixture;
  HeldQuery held;
  ProjectorOptions options;
  held.HoldIn(options);
  Projector& projector = fixture.Open(std::move(options));
  RecordOneHire(fixture);
  const absl::StatusOr<Snapshot> snapshot =
      projector.CreateSnapshot(Q("2024Q4"));
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  absl::StatusOr<SnapshotDiff> diff;
  std::thread differ([&] { diff = projector.Diff(snapshot->Key()); });
  held.WaitUntilReading();

  absl::Notification appended;
  std::thread appender([&] {
    fixture.MustAppend(test::JobEndedEvent("e1", "2024-11-01", "job-1"));
    appended.Notify();
  });
  EXPECT_TRUE(appended.WaitForNotificationWithTimeout(absl::Seconds(30)));
  held.Release();
  appender.join();
  differ.join();

  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->current_seq, 3u);
  EXPECT_TRUE(diff->sectors.empty());
  const absl::StatusOr<SnapshotDiff> later = projector.Diff(snapshot->Key());
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->current_seq, 4u);
  EXPECT_FALSE(later->sectors.empty());
}

// While a report holds the state, the fold of a new append waits for it; a
// query that must see that append gives up after catch_up_timeout.
TEST(ProjectorTest, AQueryTheProjectionCannotCatchUpForIsUnavailable) {
  ProjectorFixture fixture;
  HeldQuery held;
  ProjectorOptions options;
  options.catch_up_timeout = absl::Milliseconds(50);
  held.HoldIn(options);
  Projector& projector = fixture.Open(std::move(options));
  RecordOneHire(fixture);
  const RealisationQuery query =
      test::ComputeQuery(Sector::kGemeenten, Q("2024Q4"));
  std::thread reporter(
      [&] { EXPECT_TRUE(projector.Realisation(WithEmployers(query)).ok()); });
  held.WaitUntilReading();
  fixture.MustAppend(test::JobEndedEvent("e1", "2024-11-01", "job-1"));

  const absl::StatusOr<RealisationTable> table = projector.Realisation(query);
  EXPECT_EQ(table.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(table.status().message(),
            "the projection is 1 event(s) behind: at seq 3, not yet at seq 4 "
            "of the log; retry later");
  EXPECT_EQ(projector.CreateSnapshot(Q("2024Q4")).status().code(),
            absl::StatusCode::kUnavailable);
  held.Release();
  reporter.join();
  EXPECT_TRUE(projector.WaitUntilCaughtUp(4, absl::InfiniteFuture()).ok());
}

// Read-your-writes: each query issued right after an acknowledged append
// reflects it, though the projection folds on its own thread.
TEST(ProjectorTest, EachQueryAfterAnAppendSeesIt) {
  ProjectorFixture fixture;
  Projector& projector = fixture.Open(/*checkpoint_interval=*/64);
  fixture.MustAppend(Employer("gemeente", Sector::kGemeenten));
  const RealisationQuery query =
      test::ComputeQuery(Sector::kGemeenten, Q("2024Q4"));
  constexpr int kHires = 300;
  for (int i = 1; i <= kHires; ++i) {
    const std::string n = std::to_string(i);
    const absl::StatusOr<AppendResult> appended =
        fixture.log().Append(AppendBatch{
            .events = {test::PersonRegisteredEvent("p" + n, "2020-01-01",
                                                   PersonRef(i)),
                       test::JobStartedEvent("h" + n, "2024-01-01", "job-" + n,
                                             "gemeente", PersonRef(i),
                                             ContractForm::kVast, 2550)},
            .expected_job_seq = {},
            .authority = {}});
    ASSERT_TRUE(appended.ok()) << appended.status();
    const absl::StatusOr<RealisationTable> table = projector.Realisation(query);
    ASSERT_TRUE(table.ok()) << table.status();
    EXPECT_EQ(table->last_seq, appended->last_seq);
    EXPECT_EQ(table->rows[0].persons, i);
    EXPECT_EQ(table->rows[0].banen_x100, 100 * i);
    if (i % 50 == 0) {
      const absl::StatusOr<Snapshot> snapshot =
          projector.CreateSnapshot(Q("2024Q4"));
      ASSERT_TRUE(snapshot.ok()) << snapshot.status();
      EXPECT_EQ(snapshot->head_seq, appended->last_seq);
    }
  }
}

TEST(ProjectorTest, RejectsAQueryEndingBeforeItStarts) {
  ProjectorFixture fixture;
  Projector& projector = fixture.Open();
  RealisationQuery query = test::ComputeQuery(Sector::kRijk, Q("2024Q4"));
  query.to = Q("2024Q3");
  EXPECT_EQ(projector.Realisation(query).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ProjectorTest, RejectsAnUnreportableSector) {
  ProjectorFixture fixture;
  Projector& projector = fixture.Open();
  EXPECT_EQ(
      projector
          .Realisation(test::ComputeQuery(Sector::kUnspecified, Q("2024Q4")))
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(ProjectorTest, RejectsAQuarterRangeTooLong) {
  ProjectorFixture fixture;
  Projector& projector = fixture.Open();
  RealisationQuery query = test::ComputeQuery(Sector::kRijk, Q("1998Q1"));
  query.to = Q("2200Q1");
  EXPECT_EQ(projector.Realisation(query).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace banen
