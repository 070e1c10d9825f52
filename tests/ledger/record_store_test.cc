// The RecordStore contract (ledger/record_store.h): immutable records by
// space and key, beside the log and outside its chain.
#include "ledger/record_store.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/event.h"
#include "ledger/event_log.h"
#include "ledger/internal/storage_format.h"
#include "ledger/status_macros.h"
#include "rocksdb/db.h"
#include "rocksdb/metadata.h"
#include "tests/ledger/raw_store.h"
#include "tests/ledger/test_events.h"
#include "tests/ledger/test_util.h"

namespace banen {
namespace {

using test::StatusIs;
using ::testing::ElementsAre;

class RecordStoreTest : public test::LedgerTest {
 protected:
  RecordStore& records() { return log_->records(); }
};

TEST_F(RecordStoreTest, PutThenGet) {
  ASSERT_OK(records().Put("snapshots", "2024Q4", "frozen figures"));
  ASSERT_OK_AND_ASSIGN(const std::string value,
                       records().Get("snapshots", "2024Q4"));
  EXPECT_EQ(value, "frozen figures");
}

TEST_F(RecordStoreTest, PutAgainWithTheSameValueIsOk) {
  ASSERT_OK(records().Put("snapshots", "2024Q4", "frozen figures"));
  EXPECT_OK(records().Put("snapshots", "2024Q4", "frozen figures"));
}

TEST_F(RecordStoreTest, PutWithAnotherValueIsAlreadyExists) {
  ASSERT_OK(records().Put("snapshots", "2024Q4", "frozen figures"));
  EXPECT_THAT(records().Put("snapshots", "2024Q4", "other figures"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(const std::string value,
                       records().Get("snapshots", "2024Q4"));
  EXPECT_EQ(value, "frozen figures");
}

TEST_F(RecordStoreTest, GetOfAMissingKeyIsNotFound) {
  ASSERT_OK(records().Put("snapshots", "2024Q4", "frozen figures"));
  EXPECT_THAT(records().Get("snapshots", "2024Q3"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(records().Get("checkpoints", "2024Q4"),
              StatusIs(absl::StatusCode::kNotFound));
}

// A value larger than a RocksDB block, as a state checkpoint's parts are,
// read back from a table (a reopen flushes what the log recovers) and a
// small one from the memtable.
TEST_F(RecordStoreTest, ReadPassesTheStoredValueOnce) {
  const std::string large(3 << 20, 'x');
  ASSERT_OK(records().Put("state", "part0", large));
  ReopenLog();
  ASSERT_OK(records().Put("state", "part1", "small"));
  std::vector<std::string> read;
  for (const char* key : {"part0", "part1"}) {
    ASSERT_OK(records().Read("state", key, [&](std::string_view value) {
      read.emplace_back(value);
    }));
  }
  EXPECT_THAT(read, ElementsAre(large, "small"));
}

TEST_F(RecordStoreTest, ReadOfAMissingKeyIsNotFoundAndCallsNothing) {
  ASSERT_OK(records().Put("snapshots", "2024Q4", "frozen figures"));
  bool called = false;
  EXPECT_THAT(records().Read("snapshots", "2024Q3",
                             [&](std::string_view) { called = true; }),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(called);
}

// A record written after the log's state was saved (a projection's saved
// state, at a close that has nothing new of the log's own to save) is in a
// table after the close: the next open replays no WAL.
TEST_F(RecordStoreTest, ACloseFlushesTheRecordsWrittenAfterTheLastSave) {
  MustAppend({test::EmployerRegisteredEvent("e1", "2020-01-01", "emp-1")});
  ReopenLog();
  ASSERT_OK(records().Put("state", "part0", std::string(1 << 20, 'x')));
  CloseLog();
  uintmax_t wal_bytes = 0;
  int wal_files = 0;
  for (const auto& file : std::filesystem::directory_iterator(log_dir())) {
    if (file.path().extension() == ".log") {
      wal_bytes += file.file_size();
      ++wal_files;
    }
  }
  EXPECT_GT(wal_files, 0);
  EXPECT_EQ(wal_bytes, 0u);
  OpenLog();
}

TEST_F(RecordStoreTest, ScanVisitsOneSpaceInKeyOrder) {
  ASSERT_OK(records().Put("a", "k2", "v2"));
  ASSERT_OK(records().Put("a", "k10", "v10"));
  ASSERT_OK(records().Put("ab", "k0", "other space"));
  ASSERT_OK(records().Put("a", "k1", "v1"));
  ASSERT_OK(records().Put("b", "k0", "other space"));
  std::vector<std::pair<std::string, std::string>> visited;
  ASSERT_OK(
      records().Scan("a", [&](std::string_view key, std::string_view value) {
        visited.emplace_back(key, value);
        return true;
      }));
  EXPECT_THAT(visited,
              ElementsAre(std::pair<std::string, std::string>("k1", "v1"),
                          std::pair<std::string, std::string>("k10", "v10"),
                          std::pair<std::string, std::string>("k2", "v2")));
}

TEST_F(RecordStoreTest, ScanFromAKeyStartsAtTheFirstKeyNotBeforeIt) {
  for (const char* key : {"k1", "k2", "k4"}) {
    ASSERT_OK(records().Put("a", key, key));
  }
  ASSERT_OK(records().Put("b", "k0", "other space"));
  std::vector<std::string> keys;
  for (const char* from : {"k2", "k3", "k5"}) {
    ASSERT_OK(
        records().Scan("a", from, [&](std::string_view key, std::string_view) {
          keys.emplace_back(key);
          return true;
        }));
    keys.emplace_back("|");
  }
  EXPECT_THAT(keys, ElementsAre("k2", "k4", "|", "k4", "|", "|"));
}

TEST_F(RecordStoreTest, ScanStopsWhenVisitReturnsFalse) {
  ASSERT_OK(records().Put("a", "k1", "v1"));
  ASSERT_OK(records().Put("a", "k2", "v2"));
  ASSERT_OK(records().Put("a", "k3", "v3"));
  std::vector<std::string> keys;
  ASSERT_OK(records().Scan("a", [&](std::string_view key, std::string_view) {
    keys.emplace_back(key);
    return keys.size() < 2;
  }));
  EXPECT_THAT(keys, ElementsAre("k1", "k2"));
}

// The keys of `space`, in order.
std::vector<std::string> KeysOf(RecordStore& records, std::string_view space) {
  std::vector<std::string> keys;
  EXPECT_OK(records.Scan(space, [&](std::string_view key, std::string_view) {
    keys.emplace_back(key);
    return true;
  }));
  return keys;
}

// A table of `records` (key, value) put in their order: the first error of
// BeginTable(), a Put() or Finish().
absl::Status PutTable(
    RecordStore& store, std::string_view space,
    std::vector<std::pair<std::string_view, std::string_view>> records) {
  ASSIGN_OR_RETURN(std::unique_ptr<RecordStore::TableWriter> table,
                   store.BeginTable(space));
  for (const auto& [key, value] : records) {
    RETURN_IF_ERROR(table->Put(key, value));
  }
  return table->Finish();
}

TEST_F(RecordStoreTest, DeleteRangeRemovesTheKeysFromUpToTheEndOfOneSpace) {
  for (const char* key : {"k1", "k2", "k3", "k4"}) {
    ASSERT_OK(records().Put("a", key, "v"));
    ASSERT_OK(records().Put("ab", key, "other space"));
  }
  ASSERT_OK(records().DeleteRange("a", "k2", "k4"));
  EXPECT_THAT(KeysOf(records(), "a"), ElementsAre("k1", "k4"));
  EXPECT_THAT(records().Get("a", "k3"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(KeysOf(records(), "ab"), ElementsAre("k1", "k2", "k3", "k4"));
  ReopenLog();
  ASSERT_NE(log_, nullptr);
  EXPECT_THAT(KeysOf(records(), "a"), ElementsAre("k1", "k4"));
}

TEST_F(RecordStoreTest, ADeletedKeyCanBePutAgainWithAnotherValue) {
  ASSERT_OK(records().Put("a", "k1", "first"));
  ASSERT_OK(records().DeleteRange("a", "k1", "k2"));
  ASSERT_OK(records().Put("a", "k1", "second"));
  ASSERT_OK_AND_ASSIGN(const std::string value, records().Get("a", "k1"));
  EXPECT_EQ(value, "second");
}

TEST_F(RecordStoreTest, RecordsSurviveReopenAndLeaveTheLogAlone) {
  MustAppend({test::NumberedTargetSetEvent(1)});
  const Head head = log_->GetHead();
  ASSERT_OK(records().Put("snapshots", "2024Q4", "frozen figures"));
  EXPECT_EQ(log_->GetHead().seq, head.seq);
  EXPECT_EQ(log_->GetHead().hash, head.hash);
  ReopenLog();
  ASSERT_NE(log_, nullptr);
  ASSERT_OK_AND_ASSIGN(const std::string value,
                       records().Get("snapshots", "2024Q4"));
  EXPECT_EQ(value, "frozen figures");
  EXPECT_EQ(log_->GetHead().seq, 1u);
  EXPECT_THAT(records().Put("snapshots", "2024Q4", "other figures"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(const ChainVerification chain, log_->VerifyChain(1, 0));
  EXPECT_TRUE(chain.ok) << chain.reason;
}

TEST_F(RecordStoreTest, ATableStoresEachRecordAsPutWould) {
  ASSERT_OK(records().Put("state", "P1", "one"));
  const std::string large(3 << 20, 'x');  // a part of a saved state
  ASSERT_OK(PutTable(records(), "state",
                     {{"P1", "one"}, {"P2", large}, {"P3", "three"}}));
  EXPECT_THAT(KeysOf(records(), "state"), ElementsAre("P1", "P2", "P3"));
  ReopenLog();
  ASSERT_NE(log_, nullptr);
  ASSERT_OK_AND_ASSIGN(const std::string value, records().Get("state", "P2"));
  EXPECT_EQ(value, large);
  EXPECT_THAT(records().Put("state", "P3", "other"),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(RecordStoreTest, ATableWithAnotherValueStoresNone) {
  ASSERT_OK(records().Put("state", "P2", "two"));
  EXPECT_THAT(PutTable(records(), "state", {{"P1", "one"}, {"P2", "other"}}),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(KeysOf(records(), "state"), ElementsAre("P2"));
}

TEST_F(RecordStoreTest, ATableOfKeysOutOfOrderIsInvalid) {
  EXPECT_THAT(PutTable(records(), "state", {{"P2", "two"}, {"P1", "one"}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PutTable(records(), "state", {{"P1", "one"}, {"P1", "one"}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(KeysOf(records(), "state"), ElementsAre());
}

// The order counts the records skipped as stored already too.
TEST_F(RecordStoreTest, AKeyBeforeASkippedOneIsInvalid) {
  ASSERT_OK(records().Put("state", "P2", "two"));
  EXPECT_THAT(PutTable(records(), "state", {{"P2", "two"}, {"P1", "one"}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(KeysOf(records(), "state"), ElementsAre("P2"));
}

// The table's keys are checked again as it is stored: one stored after its
// record was put, with whatever value, stores none of the table.
TEST_F(RecordStoreTest, AKeyStoredWhileItsTableIsWrittenStoresNone) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<RecordStore::TableWriter> table,
                       records().BeginTable("state"));
  ASSERT_OK(table->Put("P1", "one"));
  ASSERT_OK(table->Put("P2", "two"));
  ASSERT_OK(records().Put("state", "P2", "two"));
  EXPECT_THAT(table->Finish(), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(KeysOf(records(), "state"), ElementsAre("P2"));
}

TEST_F(RecordStoreTest, OneTableIsWrittenAtATime) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<RecordStore::TableWriter> first,
                       records().BeginTable("state"));
  EXPECT_THAT(records().BeginTable("other").status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  first.reset();  // unfinished: stores nothing
  ASSERT_OK(PutTable(records(), "other", {{"k", "v"}}));
  EXPECT_THAT(KeysOf(records(), "state"), ElementsAre());
  EXPECT_THAT(KeysOf(records(), "other"), ElementsAre("k"));
}

// Records put together are one table file, which a deletion of them all
// drops at once: no compaction reads them first.
TEST_F(RecordStoreTest, DeleteRangeDropsTheFileOfTheRecordsItDeletes) {
  std::mt19937_64 random(15);
  std::string part(1 << 20, '\0');  // incompressible, as saved states are
  for (char& byte : part) byte = static_cast<char>(random());
  ASSERT_OK(PutTable(records(), "state", {{"P1", part}, {"P2", part}}));
  ASSERT_OK(records().DeleteRange("state", "P1", "P3"));
  CloseLog();
  const storage::Store raw = test::OpenRawStore(log_dir());
  std::vector<rocksdb::LiveFileMetaData> files;
  raw.db->GetLiveFilesMetaData(&files);
  uint64_t record_bytes = 0;  // the deletion's own table is a few hundred
  for (const rocksdb::LiveFileMetaData& file : files) {
    if (file.column_family_name == storage::kRecordsColumnFamily) {
      record_bytes += file.size;
    }
  }
  EXPECT_LT(record_bytes, uint64_t{64} << 10);
}

// RocksDB links an ingested file into the store, then unlinks the name it
// was written under: a crash in between leaves that name a link to a live
// table, which the next table must not be written through.
TEST_F(RecordStoreTest, ATableIsNeverWrittenThroughALinkACrashLeft) {
  const auto tables = [this] {
    std::set<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::directory_iterator(log_dir())) {
      if (entry.path().extension() == ".sst") found.insert(entry.path());
    }
    return found;
  };
  const std::set<std::filesystem::path> before = tables();
  ASSERT_OK(PutTable(records(), "state", {{"P1", "first part"}}));
  std::vector<std::filesystem::path> ingested;
  std::ranges::set_difference(tables(), before, std::back_inserter(ingested));
  ASSERT_EQ(ingested.size(), 1u);
  std::filesystem::create_hard_link(ingested[0], log_dir() + "/records.ingest");
  ASSERT_OK(PutTable(records(), "state", {{"P2", "second part"}}));
  ReopenLog();
  ASSERT_NE(log_, nullptr);
  ASSERT_OK_AND_ASSIGN(const std::string value, records().Get("state", "P1"));
  EXPECT_EQ(value, "first part");
}

TEST_F(RecordStoreTest, ASpaceWithANulByteOrNoNameIsInvalid) {
  EXPECT_THAT(records().Put(std::string_view("a\0b", 3), "k", "v"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(records().Get("", "k"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(records().Scan(
                  "", [](std::string_view, std::string_view) { return true; }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(records().DeleteRange("", "a", "b"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace banen
