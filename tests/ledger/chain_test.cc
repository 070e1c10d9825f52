// The hash chain (DOMAIN.md §6): VerifyChain on a clean log, and a changed,
// removed or reordered event, made behind the log's back in RocksDB, is
// detected at its seq, and so is a changed recorded_by. Also: a BSN never
// reaches the store.
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "banen/v1/events.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/event.h"
#include "ledger/event_log.h"
#include "ledger/internal/storage_format.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "tests/ledger/raw_store.h"
#include "tests/ledger/test_events.h"
#include "tests/ledger/test_util.h"

namespace banen {
namespace {

using test::kBsn;
using test::kPerson1;

constexpr std::string_view kEmployerName = "Gemeente Utrecht";

class ChainTest : public test::LedgerTest {
 protected:
  // Seqs 1-10 in four batches; seq 5 registers an employer named
  // kEmployerName, the others are targets.
  void AppendTenEvents() {
    MustAppend({Target(1), Target(2)});
    clock_.Advance(absl::Seconds(1));
    MustAppend(
        {Target(3), Target(4),
         test::EmployerRegisteredEvent("e5", "2020-01-01", "emp-5",
                                       Sector::kGemeenten, kEmployerName)});
    clock_.Advance(absl::Seconds(1));
    MustAppend({Target(6)});
    clock_.Advance(absl::Seconds(1));
    MustAppend({Target(7), Target(8), Target(9), Target(10)});
    ASSERT_EQ(log_->GetHead().seq, 10u);
  }

  // AppendTenEvents() into a log that saves no state, so that the next
  // open replays them all.
  void AppendTenEventsToBeReplayed() {
    EventLogOptions replaying = Options();
    replaying.save_state = false;
    CloseLog();
    OpenLog(replaying);
    AppendTenEvents();
  }

  static Event Target(int i) {
    return test::TargetSetEvent(absl::StrCat("t", i), "2024-01-01",
                                Sector::kMarkt, 2013 + i, 100 * i);
  }

  // The store opened directly, behind the log's back; the log is closed.
  storage::Store OpenRaw() {
    CloseLog();
    return test::OpenRawStore(log_dir());
  }

  void SwapEvents3And4() {
    const storage::Store raw = OpenRaw();
    const std::unique_ptr<rocksdb::DB>& db = raw.db;
    ASSERT_NE(db, nullptr);
    const std::string third = RawGet(*db, storage::EventKey(3));
    const std::string fourth = RawGet(*db, storage::EventKey(4));
    RawPut(*db, storage::EventKey(3), fourth);
    RawPut(*db, storage::EventKey(4), third);
  }

  static std::string RawGet(rocksdb::DB& db, const std::string& key) {
    std::string value;
    const rocksdb::Status status = db.Get(rocksdb::ReadOptions(), key, &value);
    EXPECT_TRUE(status.ok()) << status.ToString();
    return value;
  }

  static void RawPut(rocksdb::DB& db, const std::string& key,
                     const std::string& value) {
    rocksdb::WriteOptions options;
    options.sync = true;
    const rocksdb::Status status = db.Put(options, key, value);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  // Rewrites the canonical bytes stored for `seq` with `change`, keeping the
  // stored hashes; the log is closed.
  void ChangeCanonicalOf(uint64_t seq,
                         const std::function<void(std::string&)>& change) {
    const storage::Store raw = OpenRaw();
    const std::unique_ptr<rocksdb::DB>& db = raw.db;
    ASSERT_NE(db, nullptr);
    const std::string value = RawGet(*db, storage::EventKey(seq));
    const std::optional<storage::EventValue> decoded =
        storage::DecodeEventValue(value);
    ASSERT_TRUE(decoded.has_value());
    std::string canonical(decoded->canonical);
    change(canonical);
    RawPut(*db, storage::EventKey(seq),
           storage::EncodeEventValue(decoded->prev_hash, decoded->hash,
                                     canonical));
  }

  // Overwrites one character of the employer name stored in event 5, at
  // `offset` in the name: the event still decodes, but no longer matches its
  // chain hash.
  void ChangeEmployerNameOfEvent5(size_t offset, char replacement) {
    ChangeCanonicalOf(5, [&](std::string& canonical) {
      const size_t at = canonical.find(kEmployerName);
      ASSERT_NE(at, std::string::npos);
      canonical[at + offset] = replacement;
    });
  }

  // Rewrites recorded_by of the stored event 2.
  void SetRecordedByOfEvent2(const std::string& recorded_by) {
    ChangeCanonicalOf(2, [&](std::string& canonical) {
      v1::StoredEvent proto;
      ASSERT_TRUE(proto.ParseFromString(canonical));
      proto.set_recorded_by(recorded_by);
      ASSERT_TRUE(proto.SerializeToString(&canonical));
    });
  }

  // Reopens the log after tampering; VerifyChain(1, 0) must report exactly
  // `bad_seq` and `reason`.
  void ExpectChainBrokenAt(uint64_t bad_seq, std::string_view reason) {
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        EventLog::Open(log_dir(), Options());
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    ASSERT_OK_AND_ASSIGN(const ChainVerification chain,
                         log_->VerifyChain(1, 0));
    EXPECT_FALSE(chain.ok);
    EXPECT_EQ(chain.first_bad_seq, bad_seq);
    EXPECT_EQ(chain.reason, reason);
  }

  // Reopens the log after a tamper that leaves no replayable log: opening
  // it must fail with DATA_LOSS and exactly `message` (naming the seq).
  void ExpectOpenRefused(const std::string& message) {
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        EventLog::Open(log_dir(), Options());
    ASSERT_FALSE(log.ok());
    EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(std::string(log.status().message()), message);
  }
};

TEST_F(ChainTest, VerifyChainIsOkOnACleanLog) {
  AppendTenEvents();
  ASSERT_OK_AND_ASSIGN(const ChainVerification chain, log_->VerifyChain(1, 0));
  EXPECT_TRUE(chain.ok) << chain.first_bad_seq << ": " << chain.reason;
  EXPECT_EQ(chain.events_checked, 10u);
}

TEST_F(ChainTest, VerifyChainOfARangeChecksThatRange) {
  AppendTenEvents();
  ASSERT_OK_AND_ASSIGN(const ChainVerification chain, log_->VerifyChain(3, 7));
  EXPECT_TRUE(chain.ok) << chain.first_bad_seq << ": " << chain.reason;
  EXPECT_EQ(chain.events_checked, 5u);
}

TEST_F(ChainTest, VerifyChainIsOkOnAnEmptyLog) {
  ASSERT_OK_AND_ASSIGN(const ChainVerification chain, log_->VerifyChain(1, 0));
  EXPECT_TRUE(chain.ok);
  EXPECT_EQ(chain.events_checked, 0u);
}

// One character of the employer name changes ("Gemeente Vtrecht"): the
// stored event still decodes, its stored hashes are the original ones.
TEST_F(ChainTest, ChangedEventIsReportedAtItsSeq) {
  AppendTenEvents();
  ASSERT_NO_FATAL_FAILURE(
      ChangeEmployerNameOfEvent5(std::string_view("Gemeente ").size(), 'V'));
  ASSERT_NO_FATAL_FAILURE(
      ExpectChainBrokenAt(5, "hash does not match the stored bytes"));
  ASSERT_OK_AND_ASSIGN(const StoredEvent stored, log_->GetBySeq(5));
  EXPECT_EQ(std::get<EmployerRegistered>(stored.event.payload).name,
            "Gemeente Vtrecht");
}

// The chain before and after the changed event still verifies on its own:
// a range starts from the stored hash of from_seq - 1.
// recorded_by is in the hashed bytes: who recorded an event cannot be
// rewritten behind the log's back, nor blanked to pass as the open mode.
TEST_F(ChainTest, ChangedRecordedByIsReportedAtItsSeq) {
  MustAppend({Target(1)});
  AppendBatch batch = test::Batch({Target(2), Target(3)});
  batch.authority.principal = "min-szw";
  ASSERT_OK(log_->Append(batch));
  for (const std::string forged : {"min-bzk", ""}) {
    SCOPED_TRACE(forged);
    SetRecordedByOfEvent2(forged);
    ExpectChainBrokenAt(2, "hash does not match the stored bytes");
    ASSERT_OK_AND_ASSIGN(const StoredEvent read, log_->GetBySeq(2));
    EXPECT_EQ(read.recorded_by, forged);
    SetRecordedByOfEvent2("min-szw");
    OpenLog();
    ASSERT_OK_AND_ASSIGN(const ChainVerification chain,
                         log_->VerifyChain(1, 0));
    EXPECT_TRUE(chain.ok) << chain.reason;
  }
}

TEST_F(ChainTest, RangesAroundAChangedEventStillVerify) {
  AppendTenEvents();
  ASSERT_NO_FATAL_FAILURE(ChangeEmployerNameOfEvent5(0, 'g'));
  OpenLog();
  ASSERT_NE(log_, nullptr);
  ASSERT_OK_AND_ASSIGN(const ChainVerification before, log_->VerifyChain(1, 4));
  EXPECT_TRUE(before.ok) << before.first_bad_seq << ": " << before.reason;
  EXPECT_EQ(before.events_checked, 4u);
  ASSERT_OK_AND_ASSIGN(const ChainVerification after, log_->VerifyChain(6, 0));
  EXPECT_TRUE(after.ok) << after.first_bad_seq << ": " << after.reason;
  EXPECT_EQ(after.events_checked, 5u);
  ASSERT_OK_AND_ASSIGN(const ChainVerification from_five,
                       log_->VerifyChain(5, 0));
  EXPECT_FALSE(from_five.ok);
  EXPECT_EQ(from_five.first_bad_seq, 5u);
}

TEST_F(ChainTest, ChangedStoredHashIsReportedAtItsSeq) {
  AppendTenEvents();
  {
    const storage::Store raw = OpenRaw();
    const std::unique_ptr<rocksdb::DB>& db = raw.db;
    ASSERT_NE(db, nullptr);
    std::string value = RawGet(*db, storage::EventKey(7));
    ASSERT_GT(value.size(), 2 * storage::kHashSize);
    value[0] ^= 0x01;  // first byte of the stored hash (hash || prev_hash)
    RawPut(*db, storage::EventKey(7), value);
  }
  ExpectChainBrokenAt(7, "hash does not match the stored bytes");
}

TEST_F(ChainTest, DeletedEventIsReportedAtItsSeq) {
  AppendTenEvents();
  {
    const storage::Store raw = OpenRaw();
    const std::unique_ptr<rocksdb::DB>& db = raw.db;
    ASSERT_NE(db, nullptr);
    rocksdb::WriteOptions options;
    options.sync = true;
    ASSERT_TRUE(db->Delete(options, storage::EventKey(5)).ok());
  }
  ExpectOpenRefused("event 5 is missing from the log");
}

TEST_F(ChainTest, SwappedEventsAreRefusedByTheReplay) {
  AppendTenEventsToBeReplayed();
  SwapEvents3And4();
  ExpectOpenRefused("the event stored under seq 3 names seq 4");
}

// Two stored events of one event_id, 3 and 4, in one run of the replay:
// the second is found though the run was probed before the first was
// inserted.
TEST_F(ChainTest, StoredEventsOfOneIdAreRefusedByTheReplay) {
  AppendTenEventsToBeReplayed();
  ChangeCanonicalOf(4, [](std::string& canonical) {
    v1::StoredEvent proto;
    ASSERT_TRUE(proto.ParseFromString(canonical));
    proto.mutable_event()->set_event_id("t3");
    ASSERT_TRUE(proto.SerializeToString(&canonical));
  });
  ExpectOpenRefused("events 3 and 4 share an event_id");
}

// The replay reads ahead of the events it applies (runs of 64 on a thread
// of their own): of two faults, 3 and 4 sharing an event_id and event 200
// missing, the open names the first, as a replay one event after another
// would.
TEST_F(ChainTest, TheReplayNamesTheFirstFaultThoughItReadsAhead) {
  AppendTenEventsToBeReplayed();
  for (int batch = 0; batch < 10; ++batch) {
    std::vector<Event> employers;
    for (int i = 0; i < 30; ++i) {
      const int n = 11 + 30 * batch + i;
      employers.push_back(test::EmployerRegisteredEvent(
          absl::StrCat("e", n), "2020-01-01", absl::StrCat("emp-", n),
          Sector::kGemeenten, kEmployerName));
    }
    MustAppend(employers);
  }
  ASSERT_EQ(log_->GetHead().seq, 310u);
  ChangeCanonicalOf(4, [](std::string& canonical) {
    v1::StoredEvent proto;
    ASSERT_TRUE(proto.ParseFromString(canonical));
    proto.mutable_event()->set_event_id("t3");
    ASSERT_TRUE(proto.SerializeToString(&canonical));
  });
  {
    const storage::Store raw = OpenRaw();
    rocksdb::WriteOptions options;
    options.sync = true;
    ASSERT_TRUE(raw.db->Delete(options, storage::EventKey(200)).ok());
  }
  ExpectOpenRefused("events 3 and 4 share an event_id");
}

// Open() reads no event before its state checkpoint: the audit finds it.
TEST_F(ChainTest, SwappedEventsBehindTheSavedStateAreFoundByVerifyChain) {
  AppendTenEvents();
  SwapEvents3And4();
  ExpectChainBrokenAt(3, "prev_hash does not match the previous event");
}

TEST_F(ChainTest, BsnIsRefusedAndNeverReachesTheStore) {
  AppendTenEvents();
  ExpectRejected({test::PersonRegisteredEvent("p1", "2024-01-01", kBsn)},
                 absl::StatusCode::kInvalidArgument, 0,
                 "person_registered.person_ref");
  ExpectRejected({test::PersonRegisteredEvent("p2", "2024-01-01", kPerson1),
                  test::JobStartedEvent("p3", "2024-01-15", "job-1", "emp-5",
                                        kBsn, ContractForm::kVast, 2550)},
                 absl::StatusCode::kInvalidArgument, 1,
                 "job_started.person_ref");
  CloseLog();

  // Not in any file of the data directory (WAL, tables, logs)...
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(log_dir())) {
    if (!entry.is_regular_file()) continue;
    std::ifstream file(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(file)),
                            std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(kBsn), std::string::npos) << entry.path();
  }
  // ...nor in any key or value RocksDB holds.
  const storage::Store raw = OpenRaw();
  const std::unique_ptr<rocksdb::DB>& db = raw.db;
  ASSERT_NE(db, nullptr);
  std::unique_ptr<rocksdb::Iterator> it(
      db->NewIterator(rocksdb::ReadOptions()));
  int keys = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++keys;
    EXPECT_EQ(it->key().ToStringView().find(kBsn), std::string_view::npos);
    EXPECT_EQ(it->value().ToStringView().find(kBsn), std::string_view::npos)
        << "in the value of key " << it->key().ToString(/*hex=*/true);
  }
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  // The ten events and the format record (no tree node below 16 events).
  EXPECT_EQ(keys, 11);
}

}  // namespace
}  // namespace banen
