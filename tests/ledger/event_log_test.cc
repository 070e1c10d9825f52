// The EventLog contract (ledger/event_log.h): seqs, head and chain, reads,
// recorded_at, idempotency, atomic batches, reopening, concurrency and the
// commit hook.
#include "ledger/event_log.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "gtest/gtest.h"
#include "ledger/codec.h"
#include "ledger/event.h"
#include "ledger/internal/storage_format.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "sodium.h"
#include "tests/ledger/raw_store.h"
#include "tests/ledger/test_events.h"
#include "tests/ledger/test_util.h"

namespace banen {
namespace {

using test::Batch;
using test::CheckEventError;
using test::EmployerRegisteredEvent;
using test::EventRetractedEvent;
using test::HoursChangedEvent;
using test::JobEndedEvent;
using test::JobStartedEvent;
using test::kPerson1;
using test::kPerson2;
using test::PersonRegisteredEvent;
using test::StatusIs;
using test::TargetSetEvent;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// An event that is valid whatever else is stored: a target, unique by `i`.
Event Target(int i) {
  return TargetSetEvent(absl::StrCat("t", i), "2024-01-01", Sector::kMarkt,
                        2013 + i % 88, 100 * i);
}

std::vector<uint64_t> Seqs(uint64_t first, uint64_t last) {
  std::vector<uint64_t> seqs(last - first + 1);
  std::iota(seqs.begin(), seqs.end(), first);
  return seqs;
}

class EventLogTest : public test::LedgerTest {
 protected:
  // The seqs Scan(from, to) visits.
  std::vector<uint64_t> ScannedSeqs(uint64_t from, uint64_t to) {
    std::vector<uint64_t> seqs;
    EXPECT_OK(log_->Scan(from, to, [&](const StoredEvent& stored) {
      seqs.push_back(stored.seq);
      return true;
    }));
    return seqs;
  }
};

TEST_F(EventLogTest, EmptyLogHasHeadZero) {
  const Head head = log_->GetHead();
  EXPECT_EQ(head.seq, 0u);
  EXPECT_EQ(head.hash, Hash{});
  EXPECT_EQ(head.recorded_at, absl::InfinitePast());
  EXPECT_THAT(log_->GetBySeq(1), StatusIs(absl::StatusCode::kNotFound));
}

// The ids the validation state holds, which a projection's replay sizes its
// id lists and indexes by: the registered person (not the one only hired)
// and the jobs, but not a job whose hire was retracted (its key's bytes,
// kept with its erased entry, still are).
TEST_F(EventLogTest, IdCountsAreTheIdsTheStateHolds) {
  EXPECT_EQ(log_->GetIdCounts().person_refs.ids, 0u);
  MustAppend({EmployerRegisteredEvent("e1", "2020-01-01", "emp-1"),
              PersonRegisteredEvent("e2", "2024-01-01", kPerson1),
              JobStartedEvent("e3", "2024-01-15", "job-1", "emp-1", kPerson1,
                              ContractForm::kVast, 2550),
              JobStartedEvent("e4", "2024-01-15", "job-2", "emp-1", kPerson2,
                              ContractForm::kVast, 2550)});
  IdCounts counts = log_->GetIdCounts();
  EXPECT_EQ(counts.person_refs.ids, 1u);
  EXPECT_EQ(counts.person_refs.bytes, kPerson1.size());
  EXPECT_EQ(counts.job_ids.ids, 2u);
  EXPECT_EQ(counts.job_ids.bytes, 10u);
  MustAppend({EventRetractedEvent("e5", "2024-02-01", 3)});
  counts = log_->GetIdCounts();
  EXPECT_EQ(counts.person_refs.ids, 1u);
  EXPECT_EQ(counts.job_ids.ids, 1u);
  EXPECT_EQ(counts.job_ids.bytes, 10u);  // job-1's kept with its erased entry
}

// The memory RocksDB holds, reported with the RSS (issue 15): the block
// cache is RocksDB's default, 8 MiB; a reopened store's events are in a
// table, whose index the table readers hold.
TEST_F(EventLogTest, StorageStatsNameRocksDbsMemory) {
  MustAppend({Target(1), Target(2)});
  EXPECT_GT(log_->GetStorageStats().memtable_bytes, 0u);
  ReopenLog();
  const StorageStats stats = log_->GetStorageStats();
  EXPECT_EQ(stats.block_cache_capacity_bytes, uint64_t{8} << 20);
  EXPECT_GT(stats.table_readers_bytes, 0u);
}

TEST_F(EventLogTest, SeqsAreGapFreeFromOne) {
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    const AppendResult result = MustAppend({Target(seq)});
    EXPECT_EQ(result.seqs, (std::vector<uint64_t>{seq}));
    EXPECT_EQ(result.first_seq, seq);
    EXPECT_EQ(result.last_seq, seq);
  }
  EXPECT_EQ(log_->GetHead().seq, 3u);
}

TEST_F(EventLogTest, BatchReturnsItsSeqRangeAndPerEventSeqs) {
  MustAppend({Target(1)});
  const AppendResult result = MustAppend({Target(2), Target(3), Target(4)});
  EXPECT_EQ(result.seqs, (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_EQ(result.duplicate, (std::vector<bool>{false, false, false}));
  EXPECT_EQ(result.first_seq, 2u);
  EXPECT_EQ(result.last_seq, 4u);
  for (uint64_t seq = 2; seq <= 4; ++seq) {
    ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log_->GetBySeq(seq));
    EXPECT_EQ(stored.recorded_at, result.recorded_at) << seq;
  }
  EXPECT_EQ(log_->GetHead().recorded_at, result.recorded_at);
}

TEST_F(EventLogTest, HeadIsTheChainHashRecomputedFromTheStoredEvents) {
  MustAppend({EmployerRegisteredEvent("e1", "2020-01-01", "emp-1")});
  MustAppend({JobStartedEvent("e2", "2024-01-15", "job-1", "emp-1", kPerson1,
                              ContractForm::kVast, 2550),
              HoursChangedEvent("e3", "2024-03-01", "job-1", 2000)});
  clock_.Advance(absl::Minutes(5));
  MustAppend({JobEndedEvent("e4", "2024-06-01", "job-1"), Target(5)});
  Hash prev{};
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log_->GetBySeq(seq));
    EXPECT_EQ(stored.seq, seq);
    EXPECT_EQ(stored.prev_hash, prev) << seq;
    const Hash hash = ChainHash(prev, CanonicalBytes(stored));
    EXPECT_EQ(stored.hash, hash) << seq;
    prev = hash;
  }
  const Head head = log_->GetHead();
  EXPECT_EQ(head.seq, 5u);
  EXPECT_EQ(head.hash, prev);
}

// Pinned outside this code (protoc --encode of the events.proto before
// recorded_by, then sha256; see codec_test): an append in the open mode
// chains exactly as before recorded_by existed.
TEST_F(EventLogTest, AnEventAppendedByNobodyHashesAsBeforeRecordedBy) {
  const AppendResult result = MustAppend(
      {EmployerRegisteredEvent("e1", "2024-01-02", "min-fin", Sector::kRijk,
                               "Ministerie van Financien")});
  ASSERT_EQ(result.recorded_at, test::T0());
  ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log_->GetBySeq(1));
  EXPECT_EQ(stored.recorded_by, "");
  EXPECT_EQ(absl::BytesToHexString(absl::string_view(
                reinterpret_cast<const char*>(stored.hash.data()),
                stored.hash.size())),
            "f81f9a46739ee82c4e9cd2a9cae219a9a73e16b617be83069069e3098ad15bfb");
  EXPECT_EQ(log_->GetHead().hash, stored.hash);
}

TEST_F(EventLogTest, RecordedByIsTheBatchPrincipalAndSurvivesReopen) {
  MustAppend({Target(1)});
  AppendBatch batch = test::Batch({Target(2), Target(3)});
  batch.authority.principal = "min-szw";
  ASSERT_OK(log_->Append(batch));
  const auto recorded_by = [&] {
    std::vector<std::string> seen;
    EXPECT_OK(log_->Scan(1, 0, [&](const StoredEvent& stored) {
      seen.push_back(stored.recorded_by);
      return true;
    }));
    return seen;
  };
  EXPECT_THAT(recorded_by(), ElementsAre("", "min-szw", "min-szw"));
  ReopenLog();
  EXPECT_THAT(recorded_by(), ElementsAre("", "min-szw", "min-szw"));
  ASSERT_OK_AND_ASSIGN(const StoredEvent third, log_->GetByEventId("t3"));
  EXPECT_EQ(third.recorded_by, "min-szw");
  EXPECT_EQ(third.hash, ChainHash(third.prev_hash, CanonicalBytes(third)));
  ASSERT_OK_AND_ASSIGN(const ChainVerification chain, log_->VerifyChain(1, 0));
  EXPECT_TRUE(chain.ok) << chain.reason;
}

TEST_F(EventLogTest, GetBySeqReturnsTheEventAsAppended) {
  const Event job =
      JobStartedEvent("e2", "2024-01-15", "job-1", "emp-1", kPerson1,
                      ContractForm::kInleenUitzend, 3200, "uitzendbureau-1");
  MustAppend({EmployerRegisteredEvent("e1", "2020-01-01", "emp-1"), job});
  ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log_->GetBySeq(2));
  EXPECT_EQ(stored.seq, 2u);
  EXPECT_EQ(stored.event, job);
  EXPECT_EQ(stored.recorded_at, test::T0());
  EXPECT_THAT(log_->GetBySeq(0), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(log_->GetBySeq(3), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(EventLogTest, GetByEventIdFindsTheStoredEvent) {
  MustAppend({Target(1), Target(2)});
  ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log_->GetByEventId("t2"));
  EXPECT_EQ(stored.seq, 2u);
  EXPECT_EQ(stored.event, Target(2));
  ASSERT_OK_AND_ASSIGN(const StoredEvent by_seq, log_->GetBySeq(2));
  EXPECT_EQ(stored, by_seq);
  EXPECT_THAT(log_->GetByEventId("t3"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(EventLogTest, ScanVisitsTheRangeInSeqOrder) {
  MustAppend({Target(1), Target(2)});
  MustAppend({Target(3)});
  MustAppend({Target(4), Target(5)});
  EXPECT_THAT(ScannedSeqs(2, 4), ElementsAre(2, 3, 4));
  EXPECT_THAT(ScannedSeqs(1, 0), ElementsAre(1, 2, 3, 4, 5));
  EXPECT_THAT(ScannedSeqs(4, 0), ElementsAre(4, 5));
  EXPECT_THAT(ScannedSeqs(5, 5), ElementsAre(5));
}

TEST_F(EventLogTest, ScanPassesTheStoredEvents) {
  MustAppend({Target(1), Target(2), Target(3)});
  std::vector<StoredEvent> scanned;
  ASSERT_OK(log_->Scan(1, 0, [&](const StoredEvent& stored) {
    scanned.push_back(stored);
    return true;
  }));
  ASSERT_EQ(scanned.size(), 3u);
  for (const StoredEvent& stored : scanned) {
    ASSERT_OK_AND_ASSIGN(const StoredEvent by_seq, log_->GetBySeq(stored.seq));
    EXPECT_EQ(stored, by_seq);
  }
}

// The last groups written are scanned from memory, older ones from the
// store (kRecentEvents, 32 Ki events, are kept): both give the same events.
TEST_F(EventLogTest, ScanReachesPastTheGroupsKeptInMemoryIntoTheStore) {
  constexpr int kBatches = 40;
  constexpr int kEventsPerBatch = 1000;
  for (int b = 0; b < kBatches; ++b) {
    std::vector<Event> events;
    for (int e = 0; e < kEventsPerBatch; ++e) {
      events.push_back(test::NumberedTargetSetEvent(b * kEventsPerBatch + e));
    }
    MustAppend(std::move(events));
  }
  std::vector<StoredEvent> scanned;
  ASSERT_OK(log_->Scan(1, 0, [&](const StoredEvent& stored) {
    scanned.push_back(stored);
    return true;
  }));

  ASSERT_EQ(scanned.size(), uint64_t{kBatches * kEventsPerBatch});
  for (size_t i = 0; i < scanned.size(); ++i) {
    ASSERT_EQ(scanned[i].seq, i + 1);
  }
  for (uint64_t seq : {1, 7999, 8001, 39000, 40000}) {
    ASSERT_OK_AND_ASSIGN(const StoredEvent by_seq, log_->GetBySeq(seq));
    EXPECT_EQ(scanned[seq - 1], by_seq) << seq;
  }
  EXPECT_THAT(ScannedSeqs(39999, 0), ElementsAre(39999, 40000));
  EXPECT_THAT(ScannedSeqs(2000, 2002), ElementsAre(2000, 2001, 2002));
}

TEST_F(EventLogTest, ScanStopsWhenVisitReturnsFalse) {
  MustAppend({Target(1), Target(2), Target(3), Target(4)});
  std::vector<uint64_t> seqs;
  ASSERT_OK(log_->Scan(1, 0, [&](const StoredEvent& stored) {
    seqs.push_back(stored.seq);
    return stored.seq < 2;
  }));
  EXPECT_THAT(seqs, ElementsAre(1, 2));
}

// What ScanRuns(from, to) hands on: the runs, and the events in them.
struct ScannedRuns {
  std::vector<size_t> sizes;
  std::vector<StoredEvent> events;
};

ScannedRuns ScanRunsOf(const EventLog& log, uint64_t from, uint64_t to,
                       size_t stop_after_runs = SIZE_MAX) {
  ScannedRuns scanned;
  EXPECT_OK(log.ScanRuns(from, to, [&](absl::Span<const StoredEvent> run) {
    scanned.sizes.push_back(run.size());
    scanned.events.insert(scanned.events.end(), run.begin(), run.end());
    return scanned.sizes.size() < stop_after_runs;
  }));
  return scanned;
}

std::vector<uint64_t> SeqsOf(const std::vector<StoredEvent>& events) {
  std::vector<uint64_t> seqs;
  for (const StoredEvent& stored : events) seqs.push_back(stored.seq);
  return seqs;
}

// The recent groups in memory go by as runs, one a group, cut to the range.
TEST_F(EventLogTest, ScanRunsHandsOnTheRecentGroupsCutToTheRange) {
  MustAppend({Target(1), Target(2)});
  MustAppend({Target(3)});
  MustAppend({Target(4), Target(5)});
  const ScannedRuns scanned = ScanRunsOf(*log_, 2, 4);
  EXPECT_THAT(scanned.sizes, ElementsAre(1, 1, 1));
  EXPECT_THAT(SeqsOf(scanned.events), ElementsAre(2, 3, 4));
  EXPECT_THAT(ScanRunsOf(*log_, 1, 0).sizes, ElementsAre(2, 1, 2));
  EXPECT_THAT(SeqsOf(ScanRunsOf(*log_, 5, 5).events), ElementsAre(5));
  EXPECT_THAT(ScanRunsOf(*log_, 6, 0).sizes, IsEmpty());
}

// After a reopen nothing is in memory: the events are read from the store
// and handed on in runs of at most 256.
TEST_F(EventLogTest, ScanRunsHandsOnTheStoredEventsInRuns) {
  std::vector<Event> events;
  for (int i = 0; i < 600; ++i) events.push_back(Target(i));
  MustAppend(std::move(events));
  ReopenLog();
  const ScannedRuns scanned = ScanRunsOf(*log_, 2, 0);
  EXPECT_THAT(scanned.sizes, ElementsAre(256, 256, 87));
  EXPECT_EQ(SeqsOf(scanned.events), Seqs(2, 600));
  for (const StoredEvent& stored : scanned.events) {
    ASSERT_OK_AND_ASSIGN(const StoredEvent by_seq, log_->GetBySeq(stored.seq));
    ASSERT_EQ(stored, by_seq);
  }
  EXPECT_EQ(SeqsOf(ScanRunsOf(*log_, 300, 301).events), Seqs(300, 301));
}

TEST_F(EventLogTest, ScanRunsStopsWhenVisitReturnsFalse) {
  MustAppend({Target(1), Target(2)});
  MustAppend({Target(3)});
  EXPECT_THAT(SeqsOf(ScanRunsOf(*log_, 1, 0, /*stop_after_runs=*/1).events),
              ElementsAre(1, 2));
  std::vector<Event> events;
  for (int i = 4; i < 600; ++i) events.push_back(Target(i));
  MustAppend(std::move(events));
  ReopenLog();
  EXPECT_EQ(SeqsOf(ScanRunsOf(*log_, 1, 0, /*stop_after_runs=*/2).events),
            Seqs(1, 512));
}

// ScanInto replaces what the vector held with the range, from the recent
// groups in memory and, after a reopen, from the store: the events
// GetBySeq reads, however many the vector held before.
TEST_F(EventLogTest, ScanIntoReplacesTheVectorsEventsWithTheRange) {
  MustAppend({Target(1), Target(2)});
  MustAppend({Target(3), Target(4), Target(5)});
  std::vector<StoredEvent> events;
  EXPECT_OK(log_->ScanInto(1, 0, events));
  EXPECT_EQ(SeqsOf(events), Seqs(1, 5));
  EXPECT_OK(log_->ScanInto(2, 3, events));
  EXPECT_EQ(SeqsOf(events), Seqs(2, 3));
  ReopenLog();
  EXPECT_OK(log_->ScanInto(3, 0, events));
  EXPECT_EQ(SeqsOf(events), Seqs(3, 5));
  EXPECT_OK(log_->ScanInto(1, 4, events));
  EXPECT_EQ(SeqsOf(events), Seqs(1, 4));
  for (const StoredEvent& stored : events) {
    ASSERT_OK_AND_ASSIGN(const StoredEvent by_seq, log_->GetBySeq(stored.seq));
    EXPECT_EQ(stored, by_seq);
  }
  EXPECT_OK(log_->ScanInto(6, 0, events));
  EXPECT_THAT(events, IsEmpty());
}

TEST_F(EventLogTest, RecordedAtComesFromTheInjectedClock) {
  const AppendResult first = MustAppend({Target(1)});
  EXPECT_EQ(first.recorded_at, test::T0());
  clock_.Set(test::T0() + absl::Hours(1));
  const AppendResult second = MustAppend({Target(2)});
  EXPECT_EQ(second.recorded_at, test::T0() + absl::Hours(1));
  ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log_->GetBySeq(2));
  EXPECT_EQ(stored.recorded_at, test::T0() + absl::Hours(1));
  EXPECT_EQ(log_->GetHead().recorded_at, test::T0() + absl::Hours(1));
}

TEST_F(EventLogTest, RecordedAtIsClampedWhenTheClockGoesBack) {
  const absl::Time later = test::T0() + absl::Hours(1);
  clock_.Set(later);
  MustAppend({Target(1)});
  clock_.Set(test::T0());
  const AppendResult result = MustAppend({Target(2)});
  EXPECT_GT(result.recorded_at, later);
  EXPECT_LT(result.recorded_at, later + absl::Seconds(1));
  ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log_->GetBySeq(2));
  EXPECT_EQ(stored.recorded_at, result.recorded_at);
}

TEST_F(EventLogTest, RecordedAtStrictlyIncreasesBetweenAppendsOfAFrozenClock) {
  absl::Time previous = absl::InfinitePast();
  for (int i = 1; i <= 5; ++i) {
    const AppendResult result = MustAppend({Target(i)});
    EXPECT_GT(result.recorded_at, previous) << i;
    EXPECT_GE(result.recorded_at, test::T0());
    previous = result.recorded_at;
  }
}

TEST_F(EventLogTest, ResendingAnIdenticalBatchReturnsTheOriginalSeqs) {
  MustAppend({Target(1)});
  const std::vector<Event> batch = {Target(2), Target(3), Target(4)};
  MustAppend(batch);
  const Head head = log_->GetHead();
  clock_.Advance(absl::Hours(1));
  const AppendResult again = MustAppend(batch);
  EXPECT_EQ(again.seqs, (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_EQ(again.duplicate, (std::vector<bool>{true, true, true}));
  EXPECT_EQ(again.first_seq, 0u);
  EXPECT_EQ(again.last_seq, 0u);
  const Head after = log_->GetHead();
  EXPECT_EQ(after.seq, head.seq);
  EXPECT_EQ(after.hash, head.hash);
  EXPECT_EQ(after.recorded_at, head.recorded_at);
}

TEST_F(EventLogTest, PartlyKnownBatchStoresOnlyTheNewEvents) {
  MustAppend({Target(1), Target(2)});
  const AppendResult result = MustAppend({Target(2), Target(3)});
  EXPECT_EQ(result.seqs, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(result.duplicate, (std::vector<bool>{true, false}));
  EXPECT_EQ(result.first_seq, 3u);
  EXPECT_EQ(result.last_seq, 3u);
  EXPECT_EQ(log_->GetHead().seq, 3u);
}

TEST_F(EventLogTest, SameEventIdWithOtherContentIsAlreadyExists) {
  MustAppend({Target(1)});
  Event other_date = Target(1);
  other_date.effective_date = test::D("2024-01-02");
  ExpectRejected({other_date}, absl::StatusCode::kAlreadyExists, 0, "event_id");
  Event other_payload = Target(1);
  std::get<TargetSet>(other_payload.payload).banen_x100 += 1;
  ExpectRejected({Target(2), other_payload}, absl::StatusCode::kAlreadyExists,
                 1, "event_id");
}

TEST_F(EventLogTest, IdempotencyHoldsAfterReopen) {
  MustAppend({Target(1), Target(2)});
  ReopenLog();
  ASSERT_NE(log_, nullptr);
  const AppendResult again = MustAppend({Target(1), Target(2)});
  EXPECT_EQ(again.seqs, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(again.duplicate, (std::vector<bool>{true, true}));
  Event other = Target(2);
  std::get<TargetSet>(other.payload).source = "another letter";
  ExpectRejected({other}, absl::StatusCode::kAlreadyExists, 0, "event_id");
  EXPECT_EQ(log_->GetHead().seq, 2u);
}

// Every open starts an info log of RocksDB's and keeps the one before.
TEST_F(EventLogTest, KeepsTenInfoLogsHoweverOftenItIsOpened) {
  MustAppend({Target(1)});
  for (int open = 0; open < 14; ++open) ReopenLog();
  ASSERT_NE(log_, nullptr);
  int old_info_logs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(log_dir())) {
    if (entry.path().filename().string().starts_with("LOG.old")) {
      ++old_info_logs;
    }
  }
  EXPECT_EQ(old_info_logs, 9);
}

TEST_F(EventLogTest, ABatchWithOneBadEventStoresNothing) {
  MustAppend({Target(1), Target(2)});
  const Head head = log_->GetHead();
  const std::vector<Event> good = {
      EmployerRegisteredEvent("e3", "2020-01-01", "emp-3"),
      JobStartedEvent("e4", "2024-01-15", "job-4", "emp-3", kPerson1,
                      ContractForm::kVast, 2550),
      Target(5)};
  std::vector<Event> bad = good;
  std::get<JobStarted>(bad[1].payload).hours_x100 = 0;
  const absl::StatusOr<AppendResult> rejected = Append(bad);
  EXPECT_TRUE(CheckEventError(rejected.status(),
                              absl::StatusCode::kInvalidArgument, 1,
                              "job_started.hours_per_week_x100"));
  EXPECT_EQ(log_->GetHead().seq, head.seq);
  EXPECT_EQ(log_->GetHead().hash, head.hash);
  EXPECT_THAT(log_->GetByEventId("e3"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(log_->GetBySeq(3), StatusIs(absl::StatusCode::kNotFound));
  // Nothing of it leaked into the validation state either, and no seq was
  // used up: the corrected batch goes in with the next seqs.
  const AppendResult stored = MustAppend(good);
  EXPECT_EQ(stored.seqs, (std::vector<uint64_t>{3, 4, 5}));
  EXPECT_EQ(stored.duplicate, (std::vector<bool>{false, false, false}));
}

TEST_F(EventLogTest, ReopenContinuesSeqAndChain) {
  MustAppend({Target(1), Target(2)});
  MustAppend({Target(3)});
  const Head head = log_->GetHead();
  ReopenLog();
  ASSERT_NE(log_, nullptr);
  const Head reopened = log_->GetHead();
  EXPECT_EQ(reopened.seq, 3u);
  EXPECT_EQ(reopened.hash, head.hash);
  EXPECT_EQ(reopened.recorded_at, head.recorded_at);
  const AppendResult result = MustAppend({Target(4)});
  EXPECT_EQ(result.seqs, (std::vector<uint64_t>{4}));
  EXPECT_GT(result.recorded_at, head.recorded_at);
  ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log_->GetBySeq(4));
  EXPECT_EQ(stored.prev_hash, head.hash);
  ASSERT_OK_AND_ASSIGN(const ChainVerification chain, log_->VerifyChain(1, 0));
  EXPECT_TRUE(chain.ok) << chain.reason;
  EXPECT_EQ(chain.events_checked, 4u);
}

// A job whose target event 3 is retracted, then the checks that the
// validation state knows all of it.
class ValidationStateTest : public EventLogTest {
 protected:
  void AppendAJobAndARetraction() {
    MustAppend({EmployerRegisteredEvent("e1", "2020-01-01", "emp-1"),
                JobStartedEvent("e2", "2024-01-15", "job-1", "emp-1", kPerson1,
                                ContractForm::kVast, 2550),
                Target(3)});
    MustAppend({EventRetractedEvent("e4", "2024-02-01", 3)});
  }
  void ExpectTheStateOfTheJobAndTheRetraction() {
    ExpectRejected({EmployerRegisteredEvent("e5", "2020-01-01", "emp-1")},
                   absl::StatusCode::kAlreadyExists, 0,
                   "employer_registered.employer_id");
    ExpectRejected({HoursChangedEvent("e5", "2024-01-14", "job-1", 2000)},
                   absl::StatusCode::kFailedPrecondition, 0, "effective_date");
    ExpectRejected({EventRetractedEvent("e5", "2024-02-01", 3)},
                   absl::StatusCode::kFailedPrecondition, 0,
                   "event_retracted.target_seq");
    // An identical resend is a duplicate, a changed one a conflict.
    const AppendResult again = MustAppend({Target(3)});
    EXPECT_EQ(again.duplicate, (std::vector<bool>{true}));
    Event other = Target(3);
    std::get<TargetSet>(other.payload).source = "another letter";
    ExpectRejected({other}, absl::StatusCode::kAlreadyExists, 0, "event_id");
    const AppendResult ended =
        MustAppend({JobEndedEvent("e5", "2024-06-01", "job-1")});
    EXPECT_EQ(ended.seqs, (std::vector<uint64_t>{5}));
  }

  // Reopens with `options`, recording what Open() loaded and replayed.
  void ReopenWith(EventLogOptions options) {
    CloseLog();
    options.on_state_restored = [this](uint64_t state_seq, uint64_t replayed) {
      state_seq_ = state_seq;
      replayed_ = replayed;
    };
    OpenLog(std::move(options));
  }
  EventLogOptions WithoutSaving() {
    EventLogOptions options = Options();
    options.save_state = false;
    return options;
  }
  // Appends a job and a retraction that no state holds (4 events), then
  // reopens with saves after a replay of 4 and a delta every `every`.
  void ReplayFourEventsWithADeltaEvery(uint64_t every) {
    EventLogOptions options = WithoutSaving();
    ReopenWith(options);
    AppendAJobAndARetraction();
    options.save_state = true;
    options.save_state_after_replay = 4;
    options.save_state_every = every;
    ReopenWith(options);
  }
  // Saves the state of AppendAJobAndARetraction() at the close, then
  // deletes the first part of its body.
  void SaveAJobAndARetractionLosingPartZero() {
    AppendAJobAndARetraction();
    const storage::Store raw = CloseAndOpenRaw();
    ASSERT_TRUE(raw.db
                    ->Delete(rocksdb::WriteOptions(), raw.state.get(),
                             storage::StatePartKey(4, 0))
                    .ok());
  }
  // Closes the log and opens its store directly.
  storage::Store CloseAndOpenRaw() {
    CloseLog();
    return test::OpenRawStore(log_dir());
  }

  // Closes the log and rewrites the header of the state saved at `seq`.
  void RewriteTheSavedHeader(
      uint64_t seq, const std::function<void(storage::StateHeader&)>& change) {
    const storage::Store raw = CloseAndOpenRaw();
    std::string value;
    ASSERT_TRUE(raw.db
                    ->Get(rocksdb::ReadOptions(), raw.state.get(),
                          storage::StateHeaderKey(seq), &value)
                    .ok());
    std::optional<storage::StateHeader> header =
        storage::DecodeStateHeader(value);
    ASSERT_TRUE(header.has_value());
    change(*header);
    ASSERT_TRUE(raw.db
                    ->Put(rocksdb::WriteOptions(), raw.state.get(),
                          storage::StateHeaderKey(seq),
                          storage::EncodeStateHeader(*header))
                    .ok());
  }

  // Closes the log and stores, in place of any saved state, the state after
  // AppendAJobAndARetraction() in layout version 1 (what the version before
  // issue 15 wrote), spelled out by its grammar, with an event_id index of
  // these ids and seqs, fingerprinted under a fixed key.
  void SaveTheJobAndTheRetractionInLayout1(
      const std::vector<std::pair<std::string, uint64_t>>& index) {
    using google::protobuf::internal::WireFormatLite;
    ASSERT_OK_AND_ASSIGN(const StoredEvent last, log_->GetBySeq(4));
    std::array<unsigned char, crypto_shorthash_KEYBYTES> key{};
    std::iota(key.begin(), key.end(), 1);
    std::string body(key.begin(), key.end());
    {
      google::protobuf::io::StringOutputStream stream(&body);
      google::protobuf::io::CodedOutputStream coded(&stream);
      const auto write_string = [&coded](std::string_view text) {
        coded.WriteVarint64(text.size());
        coded.WriteRaw(text.data(), static_cast<int>(text.size()));
      };
      coded.WriteVarint64(index.size());
      for (const auto& [event_id, seq] : index) {
        std::array<unsigned char, crypto_shorthash_BYTES> hash;
        crypto_shorthash(
            hash.data(),
            reinterpret_cast<const unsigned char*>(event_id.data()),
            event_id.size(), key.data());
        coded.WriteRaw(hash.data(), 8);  // the first 8 bytes, little-endian
        coded.WriteVarint64(seq);
      }
      coded.WriteVarint64(0);  // no ids whose fingerprint another id took
      coded.WriteVarint64(1);  // job-1, of emp-1, touched by seq 2, started
      write_string("job-1");
      write_string("emp-1");
      coded.WriteVarint64(2);
      coded.WriteVarint64(1);
      coded.WriteVarint64(WireFormatLite::ZigZagEncode64(
          ParseDate("2024-01-15").value_or(Date()).days));
      coded.WriteVarint64(2);
      coded.WriteVarint32(static_cast<uint32_t>(EventKind::kJobStarted));
      coded.WriteVarint32(static_cast<uint32_t>(ContractForm::kVast));
      coded.WriteVarint64(0);  // no persons
      coded.WriteVarint64(1);  // emp-1, referred to by the job
      write_string("emp-1");
      coded.WriteVarint64(WireFormatLite::ZigZagEncode64(1));
      coded.WriteVarint64(1);  // seq 3 retracted
      coded.WriteVarint64(3);
    }
    storage::StateHeader header;
    header.version = 1;
    header.hash = last.hash;
    header.parts = 1;
    header.body_size = body.size();
    const storage::Store raw = CloseAndOpenRaw();
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(batch
                    .DeleteRange(raw.state.get(), storage::StateHeaderKey(0),
                                 storage::StatePartKey(5, 0))
                    .ok());
    ASSERT_TRUE(
        batch.Put(raw.state.get(), storage::StatePartKey(4, 0), body).ok());
    ASSERT_TRUE(batch
                    .Put(raw.state.get(), storage::StateHeaderKey(4),
                         storage::EncodeStateHeader(header))
                    .ok());
    ASSERT_TRUE(raw.db->Write(rocksdb::WriteOptions(), &batch).ok());
  }
  // The layout version of the state saved at `seq` (0: none); closes the log.
  uint32_t SavedStateVersion(uint64_t seq) {
    const storage::Store raw = CloseAndOpenRaw();
    std::string value;
    if (!raw.db
             ->Get(rocksdb::ReadOptions(), raw.state.get(),
                   storage::StateHeaderKey(seq), &value)
             .ok()) {
      return 0;
    }
    return storage::DecodeStateHeader(value)
        .value_or(storage::StateHeader())
        .version;
  }
  // The keys of the "state" column family; closes the log.
  std::vector<std::string> StateKeys() {
    const storage::Store raw = CloseAndOpenRaw();
    std::unique_ptr<rocksdb::Iterator> it(
        raw.db->NewIterator(rocksdb::ReadOptions(), raw.state.get()));
    std::vector<std::string> keys;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      keys.push_back(it->key().ToString());
    }
    return keys;
  }
  // GetByEventId(event_id)'s seq; 0 if it fails.
  uint64_t SeqOfId(std::string_view event_id) {
    const absl::StatusOr<StoredEvent> stored = log_->GetByEventId(event_id);
    return stored.ok() ? stored->seq : 0;
  }

  // After the state of AppendAJobAndARetraction() was saved in an older
  // layout: it loads without a replay, and the close saves it anew in the
  // current one, though nothing was appended.
  void ExpectLoadedAndSavedAnewInTheCurrentLayout() {
    ReopenWith(Options());
    ASSERT_NE(log_, nullptr);
    EXPECT_EQ(state_seq_, 4u);
    EXPECT_EQ(replayed_, 0u);
    EXPECT_EQ(SeqOfId("e2"), 2u);
    EXPECT_EQ(SavedStateVersion(4), storage::kStateVersion);
    ReopenWith(Options());
    EXPECT_EQ(state_seq_, 4u);
    EXPECT_EQ(replayed_, 0u);
    ExpectTheStateOfTheJobAndTheRetraction();
  }

  uint64_t state_seq_ = 0;
  uint64_t replayed_ = 0;
};

TEST_F(ValidationStateTest, ReopenRebuildsItByReplayingTheLog) {
  ReopenWith(WithoutSaving());
  AppendAJobAndARetraction();
  ReopenWith(WithoutSaving());
  ASSERT_NE(log_, nullptr);
  EXPECT_EQ(state_seq_, 0u);
  EXPECT_EQ(replayed_, 4u);
  ExpectTheStateOfTheJobAndTheRetraction();
}

TEST_F(ValidationStateTest, ReopenAfterACleanCloseLoadsItAndReplaysNothing) {
  AppendAJobAndARetraction();
  ReopenWith(Options());
  ASSERT_NE(log_, nullptr);
  EXPECT_EQ(state_seq_, 4u);
  EXPECT_EQ(replayed_, 0u);
  EXPECT_EQ(log_->GetHead().seq, 4u);
  ExpectTheStateOfTheJobAndTheRetraction();
  ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log_->GetBySeq(5));
  ASSERT_OK_AND_ASSIGN(const StoredEvent before, log_->GetBySeq(4));
  EXPECT_EQ(stored.prev_hash, before.hash);
  EXPECT_GT(stored.recorded_at, before.recorded_at);
}

TEST_F(ValidationStateTest, OpenReplaysOnlyTheEventsAfterTheSavedState) {
  MustAppend({EmployerRegisteredEvent("e1", "2020-01-01", "emp-1"),
              JobStartedEvent("e2", "2024-01-15", "job-1", "emp-1", kPerson1,
                              ContractForm::kVast, 2550),
              Target(3)});
  ReopenWith(WithoutSaving());  // the state of seq 3 saved at this close
  MustAppend({EventRetractedEvent("e4", "2024-02-01", 3)});
  ReopenWith(WithoutSaving());  // a crash: nothing saved
  ASSERT_NE(log_, nullptr);
  EXPECT_EQ(state_seq_, 3u);
  EXPECT_EQ(replayed_, 1u);
  ExpectTheStateOfTheJobAndTheRetraction();
}

// A save merges the event_ids the replay hashed into the index's arrays.
TEST_F(ValidationStateTest, OpenSavesItAfterALongReplay) {
  ReplayFourEventsWithADeltaEvery(4);
  EXPECT_EQ(state_seq_, 0u);
  EXPECT_EQ(log_->GetStorageStats().event_ids_hashed, 0u);
  ReopenWith(WithoutSaving());
  EXPECT_EQ(state_seq_, 4u);
  EXPECT_EQ(replayed_, 0u);
  ExpectTheStateOfTheJobAndTheRetraction();
}

// A replay shorter than save_state_every is left to the next delta, which
// bounds the replay after a crash all the same: the open saves nothing, its
// replayed event_ids stay hashed.
TEST_F(ValidationStateTest, OpenLeavesAReplayShorterThanADeltaToTheDeltas) {
  ReplayFourEventsWithADeltaEvery(5);
  EXPECT_EQ(replayed_, 4u);
  EXPECT_EQ(log_->GetStorageStats().event_ids_hashed, 4u);
  ExpectTheStateOfTheJobAndTheRetraction();
}

TEST_F(ValidationStateTest, AStateSavedAfterAnEventOfAnotherHashIsIgnored) {
  AppendAJobAndARetraction();
  RewriteTheSavedHeader(4, [](storage::StateHeader& header) {
    header.hash[0] ^= 1;  // the state of another log
  });
  if (HasFatalFailure()) return;
  ReopenWith(WithoutSaving());
  ASSERT_NE(log_, nullptr);
  EXPECT_EQ(state_seq_, 0u);
  EXPECT_EQ(replayed_, 4u);
  ExpectTheStateOfTheJobAndTheRetraction();
}

TEST_F(ValidationStateTest, AStateOfAnotherLayoutVersionIsIgnored) {
  AppendAJobAndARetraction();
  RewriteTheSavedHeader(4, [](storage::StateHeader& header) {
    header.version = storage::kStateVersion + 1;
  });
  if (HasFatalFailure()) return;
  ReopenWith(WithoutSaving());
  ASSERT_NE(log_, nullptr);
  EXPECT_EQ(state_seq_, 0u);
  ExpectTheStateOfTheJobAndTheRetraction();
}

TEST_F(ValidationStateTest, ASavedStateWithAMissingPartIsDataLoss) {
  SaveAJobAndARetractionLosingPartZero();
  if (HasFatalFailure()) return;
  EXPECT_EQ(
      EventLog::Open(log_dir(), Options()).status(),
      absl::DataLossError("part 0 of the state saved at seq 4 is missing"));
}

// What while_opening reads runs beside the replay (it waits here for the
// replay's end, which a call before the replay would never see) and sees
// the head the open ends at; Open() returns after it.
TEST_F(ValidationStateTest, WhileOpeningReadsTheStoredEventsBesideTheReplay) {
  AppendAJobAndARetraction();
  const Head before = log_->GetHead();
  absl::Notification replayed;
  bool saw_the_replay_end = false;
  Head seen;
  absl::StatusOr<StoredEvent> last = absl::UnknownError("not read");
  EventLogOptions options = WithoutSaving();
  options.on_state_restored = [&](uint64_t, uint64_t) { replayed.Notify(); };
  options.while_opening = [&](const EventLog& log) {
    seen = log.GetHead();
    last = log.GetBySeq(seen.seq);
    saw_the_replay_end =
        replayed.WaitForNotificationWithTimeout(absl::Seconds(30));
  };
  CloseLog();
  OpenLog(std::move(options));
  ASSERT_NE(log_, nullptr);
  EXPECT_TRUE(saw_the_replay_end);
  EXPECT_EQ(seen.seq, 4u);
  EXPECT_EQ(seen.hash, before.hash);
  EXPECT_EQ(seen.recorded_at, before.recorded_at);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->event.event_id, "e4");
  EXPECT_EQ(log_->GetHead().hash, before.hash);
}

// An open that fails still waits for while_opening, which reads the log the
// failed open destroys.
TEST_F(ValidationStateTest, AFailedOpenReturnsAfterWhileOpening) {
  SaveAJobAndARetractionLosingPartZero();
  if (HasFatalFailure()) return;
  std::atomic<bool> done{false};
  EventLogOptions options = Options();
  options.while_opening = [&](const EventLog& log) {
    absl::SleepFor(absl::Milliseconds(100));
    EXPECT_EQ(log.GetBySeq(4)->event.event_id, "e4");
    done = true;
  };
  EXPECT_EQ(
      EventLog::Open(log_dir(), std::move(options)).status(),
      absl::DataLossError("part 0 of the state saved at seq 4 is missing"));
  EXPECT_TRUE(done);
}

// 150 employers with ids of 60,000 bytes: a body of three parts of
// kStatePartSize (4 MiB) but the last, read into their places on two
// threads.
class StateOfThreePartsTest : public ValidationStateTest {
 protected:
  static std::string EmployerId(int i) {
    return absl::StrCat("emp-", i, "-", std::string(60'000, 'x'));
  }
  EventLogOptions LongIds() {
    EventLogOptions options = Options();
    options.field_limits.max_id_bytes = 1 << 16;
    return options;
  }
  void AppendTheEmployersAndReopen() {
    ReopenWith(LongIds());
    for (int i = 0; i < 150; ++i) {
      MustAppend({EmployerRegisteredEvent(absl::StrCat("e", i), "2020-01-01",
                                          EmployerId(i))});
    }
    ReopenWith(LongIds());
  }
};

TEST_F(StateOfThreePartsTest, LoadsWithEveryPartInItsPlace) {
  AppendTheEmployersAndReopen();
  ReopenWith(LongIds());
  EXPECT_EQ(state_seq_, 150u);
  EXPECT_EQ(replayed_, 0u);
  for (int i : {0, 75, 149}) {
    ExpectRejected(
        {EmployerRegisteredEvent("e-again", "2020-01-01", EmployerId(i))},
        absl::StatusCode::kAlreadyExists, 0, "employer_registered.employer_id");
  }
  EXPECT_EQ(SeqOfId("e149"), 150u);
  EXPECT_THAT(StateKeys(), ElementsAre(storage::StateHeaderKey(150),
                                       storage::StatePartKey(150, 0),
                                       storage::StatePartKey(150, 1),
                                       storage::StatePartKey(150, 2)));
}

TEST_F(StateOfThreePartsTest, APartShorterThanKStatePartSizeIsDataLoss) {
  AppendTheEmployersAndReopen();
  {
    const storage::Store raw = CloseAndOpenRaw();
    std::string part;
    ASSERT_TRUE(raw.db
                    ->Get(rocksdb::ReadOptions(), raw.state.get(),
                          storage::StatePartKey(150, 1), &part)
                    .ok());
    ASSERT_EQ(part.size(), storage::kStatePartSize);
    part.pop_back();
    ASSERT_TRUE(raw.db
                    ->Put(rocksdb::WriteOptions(), raw.state.get(),
                          storage::StatePartKey(150, 1), part)
                    .ok());
  }
  EXPECT_EQ(EventLog::Open(log_dir(), LongIds()).status(),
            absl::DataLossError("the state saved at seq 150 is malformed"));
}

TEST_F(ValidationStateTest, AHeaderCountingOtherPartsThanItsSizeIsDataLoss) {
  AppendAJobAndARetraction();
  RewriteTheSavedHeader(4, [](storage::StateHeader& header) {
    header.parts = 2;  // its body is one part
  });
  if (HasFatalFailure()) return;
  EXPECT_EQ(EventLog::Open(log_dir(), Options()).status(),
            absl::DataLossError("the state saved at seq 4 is malformed"));
}

TEST_F(ValidationStateTest, OnlyTheLatestSavedStateIsKept) {
  MustAppend({Target(1)});
  ReopenWith(Options());
  MustAppend({Target(2)});
  EXPECT_THAT(StateKeys(), ElementsAre(storage::StateHeaderKey(2),
                                       storage::StatePartKey(2, 0)));
}

TEST_F(ValidationStateTest, IdsSavedInTheStateAndAppendedAfterItAreFound) {
  AppendAJobAndARetraction();
  ReopenWith(Options());
  ASSERT_EQ(state_seq_, 4u);
  MustAppend({Target(5)});
  for (int reopen = 0; reopen < 2; ++reopen) {
    EXPECT_EQ(SeqOfId("t3"), 3u);
    EXPECT_EQ(SeqOfId("t5"), 5u);
    const AppendResult again = MustAppend({Target(3), Target(5)});
    EXPECT_EQ(again.seqs, (std::vector<uint64_t>{3, 5}));
    EXPECT_EQ(again.duplicate, (std::vector<bool>{true, true}));
    ReopenWith(Options());  // now both saved
    EXPECT_EQ(state_seq_, 5u);
  }
}

TEST_F(ValidationStateTest,
       AStateOfLayoutVersion1LoadsAndIsSavedInTheCurrentLayout) {
  ReopenWith(WithoutSaving());
  AppendAJobAndARetraction();
  SaveTheJobAndTheRetractionInLayout1(
      {{"e1", 1}, {"e2", 2}, {"t3", 3}, {"e4", 4}});
  if (HasFatalFailure()) return;
  ExpectLoadedAndSavedAnewInTheCurrentLayout();
}

// A body of layout 3 read as layout 2: its keys are fingerprints whose last
// 24 bits are zero, which layout 2 may hold.
TEST_F(ValidationStateTest,
       AStateOfLayoutVersion2LoadsAndIsSavedInTheCurrentLayout) {
  AppendAJobAndARetraction();
  RewriteTheSavedHeader(
      4, [](storage::StateHeader& header) { header.version = 2; });
  if (HasFatalFailure()) return;
  ExpectLoadedAndSavedAnewInTheCurrentLayout();
}

TEST_F(ValidationStateTest,
       AnIdWhoseFingerprintASavedIdTookIsFoundAfterReopen) {
  ReopenWith(WithoutSaving());
  AppendAJobAndARetraction();
  // The fingerprint of t9 taken by seq 2 (e2).
  SaveTheJobAndTheRetractionInLayout1(
      {{"e1", 1}, {"e2", 2}, {"t3", 3}, {"e4", 4}, {"t9", 2}});
  if (HasFatalFailure()) return;
  ReopenWith(Options());
  ASSERT_EQ(state_seq_, 4u);
  const AppendResult stored = MustAppend({Target(9)});
  EXPECT_EQ(stored.seqs, (std::vector<uint64_t>{5}));
  EXPECT_EQ(stored.duplicate, (std::vector<bool>{false}));
  ReopenWith(Options());
  EXPECT_EQ(state_seq_, 5u);
  EXPECT_EQ(replayed_, 0u);
  EXPECT_EQ(SeqOfId("t9"), 5u);
  EXPECT_EQ(SeqOfId("e2"), 2u);
  const AppendResult again = MustAppend({Target(9)});
  EXPECT_EQ(again.seqs, (std::vector<uint64_t>{5}));
  EXPECT_EQ(again.duplicate, (std::vector<bool>{true}));
}

TEST_F(ValidationStateTest, AFormat3StoreOpensAndIsThenFormat4) {
  AppendAJobAndARetraction();
  {
    // What the version before state checkpoints wrote: no "state" family.
    storage::Store raw = CloseAndOpenRaw();
    ASSERT_TRUE(raw.db->DropColumnFamily(raw.state.get()).ok());
    ASSERT_TRUE(raw.db
                    ->Put(rocksdb::WriteOptions(), storage::FormatKey(),
                          storage::EncodeFormatVersion(3))
                    .ok());
  }
  ReopenWith(Options());
  ASSERT_NE(log_, nullptr);
  EXPECT_EQ(state_seq_, 0u);
  EXPECT_EQ(replayed_, 4u);
  ExpectTheStateOfTheJobAndTheRetraction();
  const storage::Store raw = CloseAndOpenRaw();
  std::string format;
  ASSERT_TRUE(
      raw.db->Get(rocksdb::ReadOptions(), storage::FormatKey(), &format).ok());
  EXPECT_EQ(storage::DecodeFormatVersion(format), 4u);
}

// State deltas (storage_format.h delta_key): taken while the log runs, so
// that an Open() after a crash replays only the events after the last one.
class StateDeltaTest : public ValidationStateTest {
 protected:
  static constexpr uint64_t kBaseSeq = 40;

  // A state checkpoint at seq 40 (emp-1 .. emp-40), large next to the
  // deltas after it; then, with a delta after every group and no save at the
  // close, a job (41), a target (42), its retraction (43) and an hours
  // change of the job (44), one group each; then a crash.
  void AppendAfterACheckpointAndCrash() {
    std::vector<Event> employers;
    for (int i = 1; i <= static_cast<int>(kBaseSeq); ++i) {
      employers.push_back(EmployerRegisteredEvent(
          absl::StrCat("e", i), "2020-01-01", absl::StrCat("emp-", i)));
    }
    MustAppend(std::move(employers));
    ReopenWith(DeltaEveryGroup());
    ASSERT_EQ(state_seq_, kBaseSeq);
    MustAppend({JobStartedEvent("e41", "2024-01-15", "job-1", "emp-1", kPerson1,
                                ContractForm::kVast, 2550)});
    MustAppend({Target(42)});
    MustAppend({EventRetractedEvent("e43", "2024-02-01", 42)});
    MustAppend({HoursChangedEvent("e44", "2024-03-01", "job-1", 2000)});
    CloseLog();  // waits for the delta in flight; saves nothing
  }
  // A crash after every event: no save at the close.
  EventLogOptions DeltaEveryGroup() {
    EventLogOptions options = WithoutSaving();
    options.save_state_every = 1;
    options.on_delta_taken = [this](uint64_t seq, absl::Duration) {
      delta_seqs_.push_back(seq);
    };
    return options;
  }
  // Validation answers only the state after seq 44 gives.
  void ExpectTheStateAfterTheHoursChange() {
    ExpectRejected({JobStartedEvent("e45", "2024-01-15", "job-1", "emp-2",
                                    kPerson1, ContractForm::kVast, 2550)},
                   absl::StatusCode::kAlreadyExists, 0, "job_started.job_id");
    AppendBatch stale =
        test::Batch({JobEndedEvent("e45", "2024-06-01", "job-1")});
    stale.expected_job_seq["job-1"] = 41;
    ExpectBatchRejected(stale, absl::StatusCode::kAborted, -1,
                        "expected_job_seq");
    ExpectRejected({EventRetractedEvent("e45", "2024-02-01", 42)},
                   absl::StatusCode::kFailedPrecondition, 0,
                   "event_retracted.target_seq");
    Event other = Target(42);
    std::get<TargetSet>(other.payload).source = "another letter";
    ExpectRejected({other}, absl::StatusCode::kAlreadyExists, 0, "event_id");
    const AppendResult again = MustAppend({Target(42)});
    EXPECT_EQ(again.seqs, (std::vector<uint64_t>{42}));
    EXPECT_EQ(again.duplicate, (std::vector<bool>{true}));
    AppendBatch current =
        test::Batch({JobEndedEvent("e45", "2024-06-01", "job-1")});
    current.expected_job_seq["job-1"] = 44;
    ASSERT_OK_AND_ASSIGN(const AppendResult ended, log_->Append(current));
    EXPECT_EQ(ended.seqs, (std::vector<uint64_t>{45}));
  }
  // Reopens after the deltas were found unusable.
  void ExpectAReplayOfTheEventsAfterTheCheckpoint() {
    ReopenWith(WithoutSaving());
    ASSERT_NE(log_, nullptr);
    EXPECT_EQ(state_seq_, kBaseSeq);
    EXPECT_EQ(replayed_, 4u);
    ExpectTheStateAfterTheHoursChange();
  }
  // Rewrites the value of `key` in the "state" column family of the closed
  // log.
  void ChangeStateValue(const std::string& key,
                        const std::function<void(std::string&)>& change) {
    const storage::Store raw = test::OpenRawStore(log_dir());
    std::string value;
    ASSERT_TRUE(
        raw.db->Get(rocksdb::ReadOptions(), raw.state.get(), key, &value).ok());
    change(value);
    ASSERT_TRUE(
        raw.db->Put(rocksdb::WriteOptions(), raw.state.get(), key, value).ok());
  }

  std::vector<uint64_t> delta_seqs_;
};

TEST_F(StateDeltaTest, OpenAfterACrashLoadsTheLastDeltaAndReplaysTheRest) {
  AppendAfterACheckpointAndCrash();
  if (HasFatalFailure()) return;
  // The first is always taken; one is skipped while the one before it is
  // still being written.
  ASSERT_FALSE(delta_seqs_.empty());
  EXPECT_EQ(delta_seqs_.front(), 41u);
  ReopenWith(WithoutSaving());
  ASSERT_NE(log_, nullptr);
  EXPECT_EQ(state_seq_, delta_seqs_.back());
  EXPECT_EQ(replayed_, 44 - delta_seqs_.back());
  ExpectTheStateAfterTheHoursChange();
}

TEST_F(StateDeltaTest, ACorruptDeltaIsSkippedAndItsEventsReplayed) {
  AppendAfterACheckpointAndCrash();
  if (HasFatalFailure()) return;
  ChangeStateValue(storage::DeltaPartKey(41, 0),
                   [](std::string& part) { part.back() ^= 1; });
  if (HasFatalFailure()) return;
  // Those after it follow it: skipped too.
  ExpectAReplayOfTheEventsAfterTheCheckpoint();
}

TEST_F(StateDeltaTest, ADeltaAfterAnEventOfAnotherHashIsSkipped) {
  AppendAfterACheckpointAndCrash();
  if (HasFatalFailure()) return;
  ChangeStateValue(storage::DeltaHeaderKey(41), [](std::string& value) {
    storage::DeltaHeader header =
        storage::DecodeDeltaHeader(value).value_or(storage::DeltaHeader());
    header.hash[0] ^= 1;  // a delta of another log
    value = storage::EncodeDeltaHeader(header);
  });
  if (HasFatalFailure()) return;
  ExpectAReplayOfTheEventsAfterTheCheckpoint();
}

TEST_F(StateDeltaTest, OpenDeletesTheDeltasItCouldNotApply) {
  AppendAfterACheckpointAndCrash();
  if (HasFatalFailure()) return;
  {
    const storage::Store raw = test::OpenRawStore(log_dir());
    ASSERT_TRUE(raw.db
                    ->Delete(rocksdb::WriteOptions(), raw.state.get(),
                             storage::DeltaPartKey(41, 0))
                    .ok());
  }
  ReopenWith(WithoutSaving());
  EXPECT_THAT(StateKeys(), ElementsAre(storage::StateHeaderKey(kBaseSeq),
                                       storage::StatePartKey(kBaseSeq, 0)));
}

TEST_F(StateDeltaTest, ACloseSavesTheStateAndDeletesTheDeltas) {
  AppendAfterACheckpointAndCrash();
  if (HasFatalFailure()) return;
  ReopenWith(Options());
  MustAppend({Target(45)});
  ReopenWith(Options());
  EXPECT_EQ(state_seq_, 45u);
  EXPECT_EQ(replayed_, 0u);
  EXPECT_THAT(StateKeys(), ElementsAre(storage::StateHeaderKey(45),
                                       storage::StatePartKey(45, 0)));
}

TEST_F(StateDeltaTest, SupersededPartsLeaveNoTableFileBehind) {
  AppendAfterACheckpointAndCrash();
  if (HasFatalFailure()) return;
  ReopenWith(Options());
  MustAppend({Target(45)});
  CloseLog();  // saves the state at 45, superseding the deltas and 40
  const storage::Store raw = CloseAndOpenRaw();
  std::vector<rocksdb::LiveFileMetaData> files;
  raw.db->GetLiveFilesMetaData(&files);
  // The parts are ingested, one table file each, and dropped with it; a
  // file through the memtable mixes them with headers and deletions.
  const std::string latest = storage::StatePartKey(45, 0);
  int latest_files = 0;
  for (const rocksdb::LiveFileMetaData& file : files) {
    if (file.column_family_name != storage::kStateColumnFamily) continue;
    const bool only_parts =
        (file.smallestkey.front() == storage::kStatePartTag ||
         file.smallestkey.front() == storage::kDeltaPartTag) &&
        file.largestkey.front() == file.smallestkey.front();
    if (!only_parts) continue;
    EXPECT_GE(file.smallestkey, latest) << file.name;
    latest_files += file.smallestkey >= latest ? 1 : 0;
  }
  EXPECT_EQ(latest_files, 1);
}

TEST_F(StateDeltaTest, DeltasOfHalfTheCheckpointAreFoldedIntoANewOne) {
  // No checkpoint: the first delta is more than half of nothing.
  ReopenWith(DeltaEveryGroup());
  MustAppend({Target(1), Target(2)});
  CloseLog();
  ASSERT_EQ(delta_seqs_, (std::vector<uint64_t>{2}));
  EXPECT_THAT(StateKeys(), ElementsAre(storage::StateHeaderKey(2),
                                       storage::StatePartKey(2, 0)));
  ReopenWith(WithoutSaving());
  EXPECT_EQ(state_seq_, 2u);
  EXPECT_EQ(replayed_, 0u);
  EXPECT_EQ(SeqOfId("t2"), 2u);
}

TEST_F(StateDeltaTest, ARebaseLeavesTheIndexsMapOnlyTheIdsAfterIt) {
  absl::Notification rebased_at_2;
  EventLogOptions options = DeltaEveryGroup();
  options.on_state_rebased = [&rebased_at_2](uint64_t seq) {
    if (seq == 2) rebased_at_2.Notify();
  };
  ReopenWith(options);
  MustAppend({Target(1), Target(2)});
  ASSERT_TRUE(rebased_at_2.WaitForNotificationWithTimeout(absl::Seconds(60)));
  EXPECT_EQ(log_->GetStorageStats().event_ids_hashed, 0u);
  EXPECT_EQ(SeqOfId("t1"), 1u);
  EXPECT_EQ(SeqOfId("t2"), 2u);
  const AppendResult again = MustAppend({Target(1)});
  EXPECT_EQ(again.seqs, (std::vector<uint64_t>{1}));
  EXPECT_EQ(again.duplicate, (std::vector<bool>{true}));
  MustAppend({Target(3)});
  EXPECT_EQ(SeqOfId("t3"), 3u);
  CloseLog();  // before rebased_at_2 goes
}

TEST_F(EventLogTest, ConcurrentAppendersGetDistinctGapFreeSeqs) {
  constexpr int kThreads = 8;
  constexpr int kBatchesPerThread = 25;
  std::vector<std::vector<AppendResult>> results(kThreads);
  std::vector<std::vector<std::vector<std::string>>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatchesPerThread; ++b) {
        // Batches of 1 or 2 events with ids unique across threads.
        std::vector<Event> events;
        std::vector<std::string> batch_ids;
        for (int e = 0; e <= b % 2; ++e) {
          Event event = Target(t * 1000 + b * 10 + e);
          batch_ids.push_back(event.event_id);
          events.push_back(std::move(event));
        }
        absl::StatusOr<AppendResult> result = Append(std::move(events));
        if (!result.ok()) {
          ADD_FAILURE() << result.status();
          return;
        }
        results[t].push_back(*std::move(result));
        ids[t].push_back(std::move(batch_ids));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::vector<uint64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(results[t].size(), static_cast<size_t>(kBatchesPerThread));
    for (size_t b = 0; b < results[t].size(); ++b) {
      const AppendResult& result = results[t][b];
      // A batch's events are consecutive.
      EXPECT_EQ(result.seqs, Seqs(result.first_seq, result.last_seq));
      for (size_t e = 0; e < result.seqs.size(); ++e) {
        all.push_back(result.seqs[e]);
        ASSERT_OK_AND_ASSIGN(const StoredEvent stored,
                             log_->GetByEventId(ids[t][b][e]));
        EXPECT_EQ(stored.seq, result.seqs[e]);
        EXPECT_EQ(stored.recorded_at, result.recorded_at);
      }
    }
  }
  std::sort(all.begin(), all.end());
  const uint64_t total = kThreads * (kBatchesPerThread / 2 * 3 + 1);
  EXPECT_EQ(all, Seqs(1, total));
  EXPECT_EQ(log_->GetHead().seq, total);

  absl::Time previous = absl::InfinitePast();
  ASSERT_OK(log_->Scan(1, 0, [&](const StoredEvent& stored) {
    EXPECT_GE(stored.recorded_at, previous) << stored.seq;
    previous = stored.recorded_at;
    return true;
  }));
  ASSERT_OK_AND_ASSIGN(const ChainVerification chain, log_->VerifyChain(1, 0));
  EXPECT_TRUE(chain.ok) << chain.first_bad_seq << ": " << chain.reason;
  EXPECT_EQ(chain.events_checked, total);
}

// Rejected batches committed in the same groups as good ones store nothing
// and leave nothing in the validation state: the job id a rejected batch
// tried to start is still free for the next batch.
TEST_F(EventLogTest, ConcurrentRejectedBatchesStoreNothing) {
  std::mutex mu;
  std::vector<uint64_t> committed;
  EventLogOptions options = Options();
  options.on_commit = [&](absl::Span<const StoredEvent> events) {
    std::lock_guard<std::mutex> lock(mu);
    for (const StoredEvent& event : events) committed.push_back(event.seq);
  };
  CloseLog();
  OpenLog(std::move(options));
  ASSERT_NE(log_, nullptr);

  constexpr int kThreads = 8;
  constexpr int kRounds = 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string employer = absl::StrCat("emp-", t);
      MustAppend({EmployerRegisteredEvent(absl::StrCat("reg-", t), "2020-01-01",
                                          employer)});
      for (int r = 0; r < kRounds; ++r) {
        const std::string job = absl::StrCat("job-", t, "-", r);
        const std::string bad = absl::StrCat("bad-", t, "-", r);
        const absl::StatusOr<AppendResult> rejected =
            Append({JobStartedEvent(bad + "-0", "2024-01-15", job, employer,
                                    kPerson1, ContractForm::kVast, 2550),
                    HoursChangedEvent(bad + "-1", "2024-01-01", job, 2000)});
        EXPECT_TRUE(CheckEventError(rejected.status(),
                                    absl::StatusCode::kFailedPrecondition, 1,
                                    "effective_date"));
        MustAppend({JobStartedEvent(absl::StrCat("good-", t, "-", r),
                                    "2024-01-15", job, employer, kPerson1,
                                    ContractForm::kVast, 2550)});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  const uint64_t total = kThreads * (1 + kRounds);
  EXPECT_EQ(log_->GetHead().seq, total);
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(committed, Seqs(1, total));
  }
  for (int t = 0; t < kThreads; ++t) {
    for (int r = 0; r < kRounds; ++r) {
      EXPECT_THAT(log_->GetByEventId(absl::StrCat("bad-", t, "-", r, "-0")),
                  StatusIs(absl::StatusCode::kNotFound));
    }
  }
  ASSERT_OK_AND_ASSIGN(const ChainVerification chain, log_->VerifyChain(1, 0));
  EXPECT_TRUE(chain.ok) << chain.first_bad_seq << ": " << chain.reason;
  EXPECT_EQ(chain.events_checked, total);
}

TEST_F(EventLogTest, OnCommitGetsTheNewEventsInSeqOrder) {
  std::mutex mu;
  std::vector<StoredEvent> committed;
  EventLogOptions options = Options();
  options.on_commit = [&](absl::Span<const StoredEvent> events) {
    std::lock_guard<std::mutex> lock(mu);
    committed.insert(committed.end(), events.begin(), events.end());
  };
  CloseLog();
  OpenLog(std::move(options));
  ASSERT_NE(log_, nullptr);

  MustAppend({Target(1), Target(2)});
  {
    // Called before the append is acknowledged.
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(committed.size(), 2u);
  }
  MustAppend({Target(3)});
  MustAppend({Target(2), Target(3)});  // duplicates: nothing new
  CloseLog();                          // on_commit must not run after this
  OpenLog();

  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(committed.size(), 3u);
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    const StoredEvent& event = committed[seq - 1];
    EXPECT_EQ(event.seq, seq);
    ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log_->GetBySeq(seq));
    EXPECT_EQ(event, stored);
  }
}

TEST_F(EventLogTest, WaitForHeadAfterReturnsAtOnceWhenTheHeadIsPast) {
  MustAppend({Target(1), Target(2)});
  const Head head = log_->WaitForHeadAfter(1, absl::ZeroDuration());
  EXPECT_EQ(head.seq, 2u);
  EXPECT_EQ(head.hash, log_->GetHead().hash);
}

TEST_F(EventLogTest, WaitForHeadAfterTimesOutWithTheCurrentHead) {
  MustAppend({Target(1), Target(2)});
  const absl::Time start = absl::Now();
  const Head head = log_->WaitForHeadAfter(2, absl::Milliseconds(100));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(90));
  EXPECT_EQ(head.seq, 2u);
}

TEST_F(EventLogTest, WaitForHeadAfterWakesOnAnAppend) {
  MustAppend({Target(1)});
  std::thread appender([&] {
    absl::SleepFor(absl::Milliseconds(50));
    MustAppend({Target(2)});
  });
  const Head head = log_->WaitForHeadAfter(1, absl::Seconds(30));
  appender.join();
  EXPECT_EQ(head.seq, 2u);
}

// The events [from, to] of `log` as a replica receives them.
std::vector<ReplicatedEvent> Replicated(const EventLog& log, uint64_t from,
                                        uint64_t to) {
  std::vector<ReplicatedEvent> events;
  EXPECT_OK(log.ScanCanonical(
      from, to, [&](const StoredEvent& stored, std::string_view canonical) {
        events.push_back(ReplicatedEvent{std::string(canonical),
                                         stored.prev_hash, stored.hash});
        return true;
      }));
  return events;
}

// FAILED_PRECONDITION with exactly `message`.
void ExpectRefused(const absl::StatusOr<Head>& head, std::string_view message) {
  EXPECT_EQ(head.status().code(), absl::StatusCode::kFailedPrecondition)
      << head.status();
  EXPECT_EQ(std::string(head.status().message()), message);
}

class ReplicatedAppendTest : public EventLogTest {
 protected:
  void SetUp() override {
    EventLogTest::SetUp();
    if (HasFatalFailure()) return;
    OpenReplica();
  }
  void TearDown() override {
    replica_.reset();
    EventLogTest::TearDown();
  }
  void OpenReplica() {
    replica_.reset();
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        EventLog::Open(dir_ + "/replica", Options());
    ASSERT_TRUE(log.ok()) << log.status();
    replica_ = *std::move(log);
  }
  // Five events on the primary, over three batches.
  void AppendFive() {
    MustAppend({EmployerRegisteredEvent("e1", "2020-01-01", "emp-1")});
    MustAppend({JobStartedEvent("e2", "2024-01-15", "job-1", "emp-1", kPerson1,
                                ContractForm::kVast, 2550),
                HoursChangedEvent("e3", "2024-03-01", "job-1", 2000)});
    clock_.Advance(absl::Minutes(5));
    MustAppend({EventRetractedEvent("e4", "2024-03-02", 3, "typo"), Target(5)});
  }

  std::unique_ptr<EventLog> replica_;
};

TEST_F(ReplicatedAppendTest, StoresThePrimarysSeqsHashesTimesAndTree) {
  AppendFive();
  for (int i = 6; i <= 40; ++i) MustAppend({Target(i)});
  ASSERT_OK(replica_->AppendReplicated(Replicated(*log_, 1, 17)));
  ASSERT_OK_AND_ASSIGN(const Head head,
                       replica_->AppendReplicated(Replicated(*log_, 18, 40)));
  EXPECT_EQ(head.seq, 40u);
  EXPECT_EQ(head.hash, log_->GetHead().hash);
  EXPECT_EQ(head.recorded_at, log_->GetHead().recorded_at);
  OpenReplica();  // what is stored, not what is in memory
  for (uint64_t seq = 1; seq <= 40; ++seq) {
    ASSERT_OK_AND_ASSIGN(const StoredEvent primary, log_->GetBySeq(seq));
    ASSERT_OK_AND_ASSIGN(const StoredEvent replicated, replica_->GetBySeq(seq));
    EXPECT_EQ(replicated, primary) << seq;
  }
  for (const uint64_t size : {1, 16, 17, 32, 40}) {
    ASSERT_OK_AND_ASSIGN(const Hash root, log_->MerkleRoot(size));
    ASSERT_OK_AND_ASSIGN(const Hash replicated, replica_->MerkleRoot(size));
    EXPECT_EQ(replicated, root) << size;
  }
  ASSERT_OK_AND_ASSIGN(const ChainVerification chain,
                       replica_->VerifyChain(0, 0));
  EXPECT_TRUE(chain.ok);
  EXPECT_EQ(chain.events_checked, 40u);
}

TEST_F(ReplicatedAppendTest, KeepsTheStateSoThePromotedReplicaAppendsOn) {
  AppendFive();
  ASSERT_OK(replica_->AppendReplicated(Replicated(*log_, 1, 5)));
  // Validated against the replicated job, its retraction and event ids.
  absl::StatusOr<AppendResult> ended = replica_->Append(
      Batch({JobEndedEvent("e6", "2024-06-01", "job-1"), Target(5)}));
  ASSERT_OK(ended);
  EXPECT_EQ(ended->seqs, (std::vector<uint64_t>{6, 5}));
  EXPECT_EQ(ended->duplicate, (std::vector<bool>{false, true}));
}

TEST_F(ReplicatedAppendTest, StoresTheEventsBeforeOneWhoseHashIsForged) {
  AppendFive();
  std::vector<ReplicatedEvent> events = Replicated(*log_, 1, 5);
  events[3].canonical.back() ^= 1;  // seq 4, its hash left as it was
  ExpectRefused(replica_->AppendReplicated(events),
                "replicated event 4: hash is not SHA-256(prev_hash || "
                "canonical bytes)");
  EXPECT_EQ(replica_->GetHead().seq, 3u);
  EXPECT_EQ(replica_->GetHead().hash, log_->GetBySeq(3)->hash);
  OpenReplica();
  EXPECT_EQ(replica_->GetHead().seq, 3u);
}

TEST_F(ReplicatedAppendTest, RefusesAPrevHashThatIsNotTheHeads) {
  AppendFive();
  ASSERT_OK(replica_->AppendReplicated(Replicated(*log_, 1, 1)));
  std::vector<ReplicatedEvent> events = Replicated(*log_, 2, 2);
  events[0].prev_hash[0] ^= 1;
  events[0].hash = ChainHash(events[0].prev_hash, events[0].canonical);
  ExpectRefused(replica_->AppendReplicated(events),
                "replicated event 2: prev_hash is not the hash of the "
                "event before");
  EXPECT_EQ(replica_->GetHead().seq, 1u);
}

TEST_F(ReplicatedAppendTest, RefusesASeqGap) {
  AppendFive();
  ASSERT_OK(replica_->AppendReplicated(Replicated(*log_, 1, 2)));
  ExpectRefused(replica_->AppendReplicated(Replicated(*log_, 4, 5)),
                "replicated event 3: the canonical bytes name seq 4: a "
                "gap or a repeat");
  EXPECT_EQ(replica_->GetHead().seq, 2u);
}

}  // namespace
}  // namespace banen
