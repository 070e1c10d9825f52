#include "projections/snapshot.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "banen/v1/projection.pb.h"
#include "gtest/gtest.h"
#include "projections/projector.h"
#include "tests/projections/projection_test_util.h"
#include "tests/projections/projector_test_util.h"

namespace banen {
namespace {

using test::PersonRef;
using test::ProjectorFixture;
using test::Q;

constexpr size_t kRowsPerSnapshot = 17 * kMeasureCount;

// `snapshot` as versions before the counting rules were versioned stored
// it: no rules_version, five form series per row.
std::string EncodeAsRulesVersion1(const Snapshot& snapshot) {
  v1::SnapshotRecord proto;
  EXPECT_TRUE(proto.ParseFromString(EncodeSnapshot(snapshot)));
  proto.clear_rules_version();
  for (v1::RealisationRowRecord& row : *proto.mutable_rows()) {
    row.mutable_banen_numerator()->RemoveLast();
    row.mutable_form_banen_x100()->RemoveLast();
  }
  return proto.SerializeAsString();
}

// Q4 2024 with a GEMEENTEN and a RIJK job of 25.5 h each.
class SnapshotTest : public testing::Test {
 protected:
  void SetUp() override {
    fixture_.Open(/*checkpoint_interval=*/3);
    fixture_.MustAppend(test::EmployerRegisteredEvent(
        "emp-g", "2020-01-01", "gemeente", Sector::kGemeenten));
    fixture_.MustAppend(test::EmployerRegisteredEvent("emp-r", "2020-01-01",
                                                      "minfin", Sector::kRijk));
    for (int person : {1, 2, 3}) {
      fixture_.MustAppend(test::PersonRegisteredEvent(
          "reg-" + std::to_string(person), "2020-01-01", PersonRef(person)));
    }
    fixture_.MustAppend(test::JobStartedEvent("hire-1", "2024-01-01", "job-1",
                                              "gemeente", PersonRef(1),
                                              ContractForm::kVast, 2550));
    rijk_hire_ = fixture_.MustAppend(
        test::JobStartedEvent("hire-2", "2024-01-01", "job-2", "minfin",
                              PersonRef(2), ContractForm::kTijdelijk, 2550));
  }

  Projector& projector() { return fixture_.projector(); }

  // Every row of `quarter` as_of `as_of`, in snapshot order.
  std::vector<RealisationRow> RowsAsOf(Quarter quarter, absl::Time as_of) {
    std::vector<RealisationRow> rows;
    for (int m = 0; m < kMeasureCount; ++m) {
      const absl::StatusOr<RealisationTable> table = projector().Realisation(
          RealisationQuery{.sectors = {},
                           .from = quarter,
                           .to = quarter,
                           .measure = static_cast<Measure>(m),
                           .as_of = as_of,
                           .include_employers = false});
      EXPECT_TRUE(table.ok()) << table.status();
      if (table.ok())
        rows.insert(rows.end(), table->rows.begin(), table->rows.end());
    }
    return rows;
  }

  Snapshot MustCreate(Quarter quarter) {
    absl::StatusOr<Snapshot> snapshot = projector().CreateSnapshot(quarter);
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    return snapshot.value_or(Snapshot{});
  }

  // Events recorded after a Q4 2024 snapshot: a late hire in GEMEENTEN
  // (effective 1 Nov 2024), a backdated outflow of the GEMEENTEN job
  // (effective 1 Dec 2024), a retraction of the RIJK hire, and an hours
  // change effective in 2025 that does not touch Q4 2024.
  void RecordLateNews() {
    late_hire_ = fixture_.MustAppend(
        test::JobStartedEvent("hire-3", "2024-11-01", "job-3", "gemeente",
                              PersonRef(3), ContractForm::kVast, 1275));
    outflow_ = fixture_.MustAppend(
        test::JobEndedEvent("end-1", "2024-12-01", "job-1"));
    retraction_ = fixture_.MustAppend(
        test::EventRetractedEvent("retract-2", "2025-01-10", rijk_hire_));
    fixture_.MustAppend(
        test::HoursChangedEvent("hours-3", "2025-02-01", "job-3", 2550));
  }

  ProjectorFixture fixture_;
  uint64_t rijk_hire_ = 0;
  uint64_t late_hire_ = 0;
  uint64_t outflow_ = 0;
  uint64_t retraction_ = 0;
};

TEST_F(SnapshotTest, FreezesEverySectorAndMeasureAtTheHead) {
  const Snapshot snapshot = MustCreate(Q("2024Q4"));
  const Head head = projector().log().GetHead();
  EXPECT_EQ(snapshot.head_seq, head.seq);
  EXPECT_EQ(snapshot.head_hash, head.hash);
  EXPECT_EQ(snapshot.as_of, head.recorded_at);
  ASSERT_EQ(snapshot.rows.size(), kRowsPerSnapshot);
  EXPECT_EQ(snapshot.rows[0].sector, Sector::kMarkt);
  EXPECT_EQ(snapshot.rows[15].sector, Sector::kNationaal);
  EXPECT_EQ(snapshot.rows[15].banen_x100, 200);
  EXPECT_EQ(snapshot.rows[16].sector, Sector::kFunderendOnderwijs);
  EXPECT_EQ(snapshot.rows[17].measure, Measure::kKwartaalgemiddelde);
}

TEST_F(SnapshotTest, IsReadBackByKey) {
  const Snapshot snapshot = MustCreate(Q("2024Q4"));
  EXPECT_EQ(snapshot.Key(), "2024Q4/00000000000000000007");
  const absl::StatusOr<Snapshot> read = projector().GetSnapshot(snapshot.Key());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, snapshot);
}

TEST_F(SnapshotTest, CreatingTwiceAtTheSameHeadIsIdempotent) {
  const Snapshot first = MustCreate(Q("2024Q4"));
  const Snapshot second = MustCreate(Q("2024Q4"));
  EXPECT_EQ(first, second);
  EXPECT_EQ(projector().ListSnapshots()->size(), 1u);
}

TEST_F(SnapshotTest, ListsSnapshotsByQuarterThenHead) {
  MustCreate(Q("2024Q4"));
  RecordLateNews();
  MustCreate(Q("2024Q4"));
  MustCreate(Q("2024Q3"));
  const absl::StatusOr<std::vector<Snapshot>> snapshots =
      projector().ListSnapshots();
  ASSERT_TRUE(snapshots.ok()) << snapshots.status();
  ASSERT_EQ(snapshots->size(), 3u);
  EXPECT_EQ((*snapshots)[0].Key(), "2024Q3/00000000000000000011");
  EXPECT_EQ((*snapshots)[1].Key(), "2024Q4/00000000000000000007");
  EXPECT_EQ((*snapshots)[2].Key(), "2024Q4/00000000000000000011");
}

TEST_F(SnapshotTest, RecomputingAsOfItsCreationGivesTheSnapshotExactly) {
  const Snapshot snapshot = MustCreate(Q("2024Q4"));
  RecordLateNews();
  EXPECT_EQ(RowsAsOf(snapshot.quarter, snapshot.as_of), snapshot.rows);
}

TEST_F(SnapshotTest, RecordsTheCountingRulesItWasMadeUnder) {
  EXPECT_EQ(MustCreate(Q("2024Q4")).rules_version, kCountingRulesVersion);
}

// A snapshot made under rules version 1, where an SROI job (form SROI) of a
// MARKT supplier counted in no realisation; today it counts for MARKT.
TEST_F(SnapshotTest, DiffReportsRowsMovedByTheRulesAsSuch) {
  fixture_.MustAppend(test::EmployerRegisteredEvent("emp-m", "2020-01-01",
                                                    "bouw", Sector::kMarkt));
  fixture_.MustAppend(test::JobStartedEvent(
      "hire-s", "2024-01-01", "job-s", "bouw", PersonRef(3),
      ContractForm::kSroi, 2550, "", "gemeente"));
  const Head head = projector().log().GetHead();
  Snapshot old{.quarter = Q("2024Q4"),
               .head_seq = head.seq,
               .head_hash = head.hash,
               .as_of = head.recorded_at,
               .rules_version = 1,
               .rows = RowsAsOf(Q("2024Q4"), head.recorded_at),
               .checkpoint = ""};
  constexpr auto kUnknown = static_cast<size_t>(FormSeries::kSroiFormUnknown);
  for (RealisationRow& row : old.rows) {
    if (row.sector != Sector::kMarkt && row.sector != Sector::kNationaal) {
      continue;
    }
    row.banen_x100 -= row.form_banen_x100[kUnknown];
    row.banen_numerator[kUnknown] = 0;
    row.form_banen_x100[kUnknown] = 0;
  }
  ASSERT_TRUE(fixture_.log()
                  .records()
                  .Put(kSnapshotSpace, old.Key(), EncodeAsRulesVersion1(old))
                  .ok());

  const absl::StatusOr<SnapshotDiff> diff = projector().Diff(old.Key());
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->snapshot_rules_version, 1);
  EXPECT_EQ(diff->current_rules_version, kCountingRulesVersion);
  ASSERT_EQ(diff->sectors.size(), 2u);
  EXPECT_EQ(diff->sectors[0].sector, Sector::kMarkt);
  EXPECT_EQ(diff->sectors[1].sector, Sector::kNationaal);
  for (const SectorDiff& sector : diff->sectors) {
    EXPECT_TRUE(sector.rules_changed);
    EXPECT_TRUE(sector.changes.empty());
    EXPECT_EQ(sector.rules_rows, sector.current_rows);
  }
  EXPECT_EQ(diff->sectors[0].snapshot_rows[0].banen_x100, 0);
  EXPECT_EQ(diff->sectors[0].rules_rows[0].banen_x100, 100);
}

TEST_F(SnapshotTest, DiffOfASnapshotOfTodaysRulesMovesNothingByTheRules) {
  const Snapshot snapshot = MustCreate(Q("2024Q4"));
  RecordLateNews();
  const absl::StatusOr<SnapshotDiff> diff = projector().Diff(snapshot.Key());
  ASSERT_TRUE(diff.ok()) << diff.status();
  ASSERT_FALSE(diff->sectors.empty());
  for (const SectorDiff& sector : diff->sectors) {
    EXPECT_FALSE(sector.rules_changed);
    EXPECT_EQ(sector.rules_rows, sector.snapshot_rows);
  }
}

TEST_F(SnapshotTest, DiffListsPerSectorTheEventsThatChangedTheQuarter) {
  const Snapshot snapshot = MustCreate(Q("2024Q4"));
  RecordLateNews();
  const absl::StatusOr<SnapshotDiff> diff = projector().Diff(snapshot.Key());
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->snapshot_seq, snapshot.head_seq);
  EXPECT_EQ(diff->current_seq, retraction_ + 1);
  const auto seqs = [](const SectorDiff& sector) {
    std::vector<uint64_t> seqs;
    for (const SnapshotChange& change : sector.changes) {
      seqs.push_back(change.seq);
    }
    return seqs;
  };
  ASSERT_EQ(diff->sectors.size(), 4u);
  EXPECT_EQ(diff->sectors[0].sector, Sector::kGemeenten);
  EXPECT_EQ(seqs(diff->sectors[0]),
            (std::vector<uint64_t>{late_hire_, outflow_}));
  EXPECT_EQ(diff->sectors[1].sector, Sector::kRijk);
  EXPECT_EQ(seqs(diff->sectors[1]), (std::vector<uint64_t>{retraction_}));
  EXPECT_EQ(diff->sectors[2].sector, Sector::kOverheid);
  EXPECT_EQ(seqs(diff->sectors[2]),
            (std::vector<uint64_t>{late_hire_, outflow_, retraction_}));
  EXPECT_EQ(diff->sectors[3].sector, Sector::kNationaal);
}

TEST_F(SnapshotTest, DiffShowsTheRowsThenAndNow) {
  const Snapshot snapshot = MustCreate(Q("2024Q4"));
  RecordLateNews();
  const absl::StatusOr<SnapshotDiff> diff = projector().Diff(snapshot.Key());
  ASSERT_TRUE(diff.ok()) << diff.status();
  const SectorDiff& gemeenten = diff->sectors[0];
  ASSERT_EQ(gemeenten.snapshot_rows.size(), 3u);
  ASSERT_EQ(gemeenten.current_rows.size(), 3u);
  EXPECT_EQ(gemeenten.snapshot_rows[0].banen_x100, 100);
  EXPECT_EQ(gemeenten.current_rows[0].banen_x100, 50);  // 12.75 h remain
  const SnapshotChange& hire = gemeenten.changes[0];
  EXPECT_EQ(hire.event_id, "hire-3");
  EXPECT_EQ(hire.kind, EventKind::kJobStarted);
  EXPECT_EQ(hire.effective_date, test::D("2024-11-01"));
}

TEST_F(SnapshotTest, DiffNamesWhoRecordedEachChange) {
  const Snapshot snapshot = MustCreate(Q("2024Q4"));
  AppendBatch late_hire{.events = {test::JobStartedEvent(
                            "hire-3", "2024-11-01", "job-3", "gemeente",
                            PersonRef(3), ContractForm::kVast, 1275)},
                        .expected_job_seq = {},
                        .authority = {}};
  late_hire.authority.principal = "hr-gemeente";
  const absl::StatusOr<AppendResult> hired = fixture_.log().Append(late_hire);
  ASSERT_TRUE(hired.ok()) << hired.status();
  const uint64_t outflow =
      fixture_.MustAppend(test::JobEndedEvent("end-1", "2024-12-01", "job-1"));
  const absl::StatusOr<SnapshotDiff> diff = projector().Diff(snapshot.Key());
  ASSERT_TRUE(diff.ok()) << diff.status();
  ASSERT_EQ(diff->sectors[0].sector, Sector::kGemeenten);
  const std::vector<SnapshotChange>& changes = diff->sectors[0].changes;
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].seq, hired->last_seq);
  EXPECT_EQ(changes[0].recorded_by, "hr-gemeente");
  EXPECT_EQ(changes[1].seq, outflow);
  EXPECT_EQ(changes[1].recorded_by, "");
}

// A snapshot frozen before FUNDEREND_ONDERWIJS existed has 16 rows per
// measure: the diff still pairs each sector's rows with its own.
TEST_F(SnapshotTest, DiffPairsTheRowsOfASnapshotWithFewerSectors) {
  Snapshot old = MustCreate(Q("2024Q4"));
  std::erase_if(old.rows, [](const RealisationRow& row) {
    return row.sector == Sector::kFunderendOnderwijs;
  });
  ASSERT_EQ(old.rows.size(), 16u * kMeasureCount);
  ASSERT_TRUE(fixture_.log()
                  .records()
                  .Put(kSnapshotSpace, "2024Q4/old", EncodeSnapshot(old))
                  .ok());
  RecordLateNews();
  const absl::StatusOr<SnapshotDiff> diff = projector().Diff("2024Q4/old");
  ASSERT_TRUE(diff.ok()) << diff.status();
  const SectorDiff& gemeenten = diff->sectors[0];
  ASSERT_EQ(gemeenten.sector, Sector::kGemeenten);
  ASSERT_EQ(gemeenten.snapshot_rows.size(), 3u);
  for (int m = 0; m < kMeasureCount; ++m) {
    EXPECT_EQ(gemeenten.snapshot_rows[m].sector, Sector::kGemeenten);
    EXPECT_EQ(gemeenten.snapshot_rows[m].measure, static_cast<Measure>(m));
  }
  const SectorDiff& funderend = diff->sectors.back();
  EXPECT_EQ(funderend.sector, Sector::kFunderendOnderwijs);
  EXPECT_TRUE(funderend.snapshot_rows.empty());
  EXPECT_EQ(funderend.current_rows.size(), 3u);
}

TEST_F(SnapshotTest, DiffListsATargetChangeForItsSector) {
  const Snapshot snapshot = MustCreate(Q("2024Q4"));
  const uint64_t target = fixture_.MustAppend(
      test::TargetSetEvent("doel", "2024-01-01", Sector::kRijk, 2024, 500));
  const absl::StatusOr<SnapshotDiff> diff = projector().Diff(snapshot.Key());
  ASSERT_TRUE(diff.ok()) << diff.status();
  ASSERT_EQ(diff->sectors.size(), 1u);
  EXPECT_EQ(diff->sectors[0].sector, Sector::kRijk);
  ASSERT_EQ(diff->sectors[0].changes.size(), 1u);
  EXPECT_EQ(diff->sectors[0].changes[0].seq, target);
}

TEST_F(SnapshotTest, StoresTheCheckpointSignedForItsHead) {
  std::vector<uint64_t> signed_seqs;
  const absl::StatusOr<Snapshot> snapshot = projector().CreateSnapshot(
      Q("2024Q4"), [&](uint64_t seq) -> absl::StatusOr<std::string> {
        signed_seqs.push_back(seq);
        return absl::StrCat("checkpoint of ", seq, "\n");
      });
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const uint64_t head = projector().log().GetHead().seq;
  EXPECT_EQ(signed_seqs, std::vector<uint64_t>{head});
  EXPECT_EQ(snapshot->checkpoint, absl::StrCat("checkpoint of ", head, "\n"));
  const absl::StatusOr<Snapshot> stored =
      projector().GetSnapshot(snapshot->Key());
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->checkpoint, snapshot->checkpoint);
}

TEST_F(SnapshotTest, FailedSigningStoresNoSnapshot) {
  const absl::StatusOr<Snapshot> snapshot = projector().CreateSnapshot(
      Q("2024Q4"), [](uint64_t) -> absl::StatusOr<std::string> {
        return absl::UnavailableError("no root yet");
      });
  EXPECT_EQ(snapshot.status(), absl::UnavailableError("no root yet"));
  EXPECT_TRUE(projector().ListSnapshots()->empty());
}

TEST_F(SnapshotTest, WithoutSigningTheCheckpointIsEmpty) {
  EXPECT_EQ(MustCreate(Q("2024Q4")).checkpoint, "");
}

// A backdated event that moves only the quarter before the snapshot's still
// moves its rows (change_x100) and is listed for exactly the sectors it
// moves.
TEST_F(SnapshotTest, DiffListsAnEventThatMovesOnlyThePreviousQuarter) {
  // job-1 (GEMEENTEN) works 51 h from 1 August to 30 September 2024.
  fixture_.MustAppend(
      test::HoursChangedEvent("hours-a", "2024-08-01", "job-1", 5100));
  fixture_.MustAppend(
      test::HoursChangedEvent("hours-b", "2024-10-01", "job-1", 2550));
  const Snapshot snapshot = MustCreate(Q("2024Q4"));
  // Recorded later: 38.25 h from 1 September, so 30 September changes.
  const uint64_t backdated = fixture_.MustAppend(
      test::HoursChangedEvent("hours-c", "2024-09-01", "job-1", 3825));
  const absl::StatusOr<SnapshotDiff> diff = projector().Diff(snapshot.Key());
  ASSERT_TRUE(diff.ok()) << diff.status();
  ASSERT_EQ(diff->sectors.size(), 3u);
  const std::array<Sector, 3> sectors = {Sector::kGemeenten, Sector::kOverheid,
                                         Sector::kNationaal};
  for (size_t i = 0; i < sectors.size(); ++i) {
    const SectorDiff& sector = diff->sectors[i];
    EXPECT_EQ(sector.sector, sectors[i]);
    ASSERT_EQ(sector.changes.size(), 1u);
    EXPECT_EQ(sector.changes[0].seq, backdated);
    EXPECT_EQ(sector.changes[0].event_id, "hours-c");
    EXPECT_EQ(sector.changes[0].kind, EventKind::kHoursChanged);
    EXPECT_EQ(sector.changes[0].effective_date, test::D("2024-09-01"));
    // Peildatum: Q4 keeps job-1's 25.5 h, 1 baan (OVERHEID and NATIONAAL
    // also the RIJK job's); Q3 had 51 h, now 38.25 h: the change against Q3
    // halves.
    const RealisationRow& then = sector.snapshot_rows[0];
    const RealisationRow& now = sector.current_rows[0];
    const int64_t rijk = sectors[i] == Sector::kGemeenten ? 0 : 100;
    EXPECT_EQ(then.banen_x100, 100 + rijk);
    EXPECT_EQ(now.banen_x100, 100 + rijk);
    EXPECT_EQ(then.change_x100, -100);
    EXPECT_EQ(now.change_x100, -50);
    RealisationRow now_with_old_change = now;
    now_with_old_change.change_x100 = then.change_x100;
    EXPECT_EQ(now_with_old_change, then);
    // The quarter's own figures in the other measures do not move.
    for (int m = 1; m < kMeasureCount; ++m) {
      EXPECT_EQ(sector.current_rows[m].banen_numerator,
                sector.snapshot_rows[m].banen_numerator);
    }
  }
}

TEST_F(SnapshotTest, UnknownSnapshotIsNotFound) {
  EXPECT_EQ(
      projector().GetSnapshot("2024Q4/00000000000000000099").status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(projector().Diff("2024Q4/00000000000000000099").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(SnapshotOfEmptyLogTest, IsAFailedPrecondition) {
  ProjectorFixture fixture;
  EXPECT_EQ(fixture.Open().CreateSnapshot(Q("2024Q4")).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(SnapshotEncodingTest, RoundTripsEveryField) {
  Snapshot snapshot;
  snapshot.quarter = Q("2024Q4");
  snapshot.head_seq = 42;
  snapshot.head_hash[0] = 7;
  snapshot.as_of = absl::FromUnixSeconds(1735689600) + absl::Nanoseconds(123);
  snapshot.checkpoint = "origin\n42\n...\n\n\u2014 origin AAAA\n";
  RealisationRow& row = snapshot.rows.emplace_back();
  row.sector = Sector::kPolitie;
  row.employer_id = "politie";
  row.quarter = snapshot.quarter;
  row.measure = Measure::kMaanduren;
  row.banen_numerator = {1, 2, 3, 4, 5, 6};
  row.banen_denominator = 77644;
  row.banen_x100 = 48900;
  row.form_banen_x100 = {6, 7, 8, 9, 10, 11};
  row.banen_sroi_x100 = 10;
  row.persons = 489;
  row.jobs = 490;
  row.doel_x100 = 71300;
  row.realisatiepercentage_x10 = 686;
  row.realisatiepercentage_incl_sroi_x10 = 687;
  row.baseline_x100 = 0;
  row.extra_x100 = 48900;
  row.flows.started = 3;
  row.flows.ended[2] = 1;
  row.flows.converted[4] = 2;
  row.change_x100 = -25;
  row.persons_by_form = {11, 12, 13, 14};
  row.change_year_x100 = -26;
  row.form_change_year_x100 = {15, 16, 17, 18, 19};
  row.persons_change_year = -27;
  row.persons_by_form_change_year = {20, 21, 22, 23};
  const absl::StatusOr<Snapshot> decoded =
      DecodeSnapshot(EncodeSnapshot(snapshot));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, snapshot);
}

// Snapshots stored before the rules were versioned have no rules_version
// and five form series per row.
TEST(SnapshotEncodingTest, ReadsARecordWithoutRulesVersionAsVersion1) {
  Snapshot snapshot;
  snapshot.quarter = Q("2024Q4");
  snapshot.head_seq = 42;
  snapshot.as_of = absl::FromUnixSeconds(1735689600);
  RealisationRow& row = snapshot.rows.emplace_back();
  row.quarter = snapshot.quarter;
  row.banen_numerator = {1, 2, 3, 4, 5, 0};
  row.form_banen_x100 = {6, 7, 8, 9, 10, 0};

  const absl::StatusOr<Snapshot> decoded =
      DecodeSnapshot(EncodeAsRulesVersion1(snapshot));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  snapshot.rules_version = 1;
  EXPECT_EQ(*decoded, snapshot);
}

// A row frozen before persons per form and the year change existed has no
// values for them: it reads back with zeros, not as a foreign layout.
TEST(SnapshotEncodingTest, ReadsRowsFrozenBeforePersonsPerForm) {
  Snapshot snapshot;
  snapshot.quarter = Q("2024Q4");
  snapshot.as_of = absl::FromUnixSeconds(1735689600);
  RealisationRow& row = snapshot.rows.emplace_back();
  row.quarter = snapshot.quarter;
  row.persons = 2;
  v1::SnapshotRecord record;
  ASSERT_TRUE(record.ParseFromString(EncodeSnapshot(snapshot)));
  v1::RealisationRowRecord& old = *record.mutable_rows(0);
  old.clear_persons_by_form();
  old.clear_form_change_year_x100();
  old.clear_persons_by_form_change_year();

  const absl::StatusOr<Snapshot> decoded =
      DecodeSnapshot(record.SerializeAsString());

  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, snapshot);
}

// Snapshots stored before they carried a checkpoint have no field 7.
TEST(SnapshotEncodingTest, ReadsARecordWithoutCheckpointWithAnEmptyOne) {
  Snapshot snapshot;
  snapshot.quarter = Q("2024Q4");
  snapshot.head_seq = 42;
  snapshot.as_of = absl::FromUnixSeconds(1735689600);
  snapshot.checkpoint = "signed\n";
  v1::SnapshotRecord record;
  ASSERT_TRUE(record.ParseFromString(EncodeSnapshot(snapshot)));
  record.clear_checkpoint();

  const absl::StatusOr<Snapshot> decoded =
      DecodeSnapshot(record.SerializeAsString());

  ASSERT_TRUE(decoded.ok()) << decoded.status();
  snapshot.checkpoint.clear();
  EXPECT_EQ(*decoded, snapshot);
}

TEST(SnapshotEncodingTest, RejectsGarbageAsDataLoss) {
  EXPECT_EQ(DecodeSnapshot("\xff\xff not a snapshot").status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace banen
