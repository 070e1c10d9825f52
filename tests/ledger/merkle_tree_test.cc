// The EventLog's Merkle tree (event_log.h MerkleRoot, InclusionProof,
// ConsistencyProof): maintained by the write path, persisted with the events,
// restored on open without rebuilding, built once for a store written
// without it, and answering proofs that the verifiers of ledger/merkle.h
// accept.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/codec.h"
#include "ledger/event.h"
#include "ledger/event_log.h"
#include "ledger/internal/storage_format.h"
#include "ledger/merkle.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "tests/ledger/raw_store.h"
#include "tests/ledger/test_events.h"
#include "tests/ledger/test_util.h"

namespace banen {
namespace {

using test::NumberedTargetSetEvent;
using test::StatusIs;

class MerkleTreeTest : public test::LedgerTest {
 protected:
  // Appends events numbered [first, first + count) as one batch.
  void AppendNumbered(int first, int count) {
    std::vector<Event> events;
    for (int i = first; i < first + count; ++i) {
      events.push_back(NumberedTargetSetEvent(i));
    }
    MustAppend(std::move(events));
  }

  // The roots of every tree size 0..head, recomputed from the canonical
  // bytes the log scans.
  std::vector<Hash> RootsFromTheEvents() {
    std::vector<Hash> roots = {merkle::EmptyRoot()};
    merkle::Frontier tree;
    EXPECT_OK(log_->ScanCanonical(
        1, 0, [&](const StoredEvent&, std::string_view canonical) {
          tree.Append(merkle::LeafHash(canonical));
          roots.push_back(tree.Root());
          return true;
        }));
    return roots;
  }

  // Checks MerkleRoot against the events for every size.
  void ExpectRootsMatchTheEvents() {
    const std::vector<Hash> roots = RootsFromTheEvents();
    ASSERT_EQ(roots.size(), log_->GetHead().seq + 1);
    for (uint64_t size = 0; size < roots.size(); ++size) {
      ASSERT_OK_AND_ASSIGN(const Hash root, log_->MerkleRoot(size));
      ASSERT_EQ(root, roots[size]) << "size " << size;
    }
  }

  // Opens the log with a hook that records how many events the tree's
  // restore hashed.
  void OpenCountingRehashes() {
    EventLogOptions options = Options();
    options.on_tree_restored = [this](uint64_t hashed) { rehashed_ = hashed; };
    OpenLog(std::move(options));
  }

  // The store opened directly, behind the log's back; closes the log.
  storage::Store OpenRaw() {
    CloseLog();
    return test::OpenRawStore(log_dir());
  }

  // Makes the store look like one written before the tree: its nodes and
  // format record removed behind the log's back (the log is closed).
  void RemoveTheTree() {
    const storage::Store raw = OpenRaw();
    const std::unique_ptr<rocksdb::DB>& db = raw.db;
    ASSERT_NE(db, nullptr);
    rocksdb::WriteBatch batch;
    batch.DeleteRange(raw.tree.get(), storage::NodeKey(0, 0),
                      std::string(1, storage::kNodeTag + 1));
    batch.Delete(storage::FormatKey());
    ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &batch).ok());
    ASSERT_EQ(KeysIn(raw, raw.tree.get()), 0);
  }

  // Makes the store look like one of format 2: its nodes and records in the
  // default column family.
  void MakeItFormat2() {
    const storage::Store raw = OpenRaw();
    ASSERT_NE(raw.db, nullptr);
    rocksdb::WriteBatch batch;
    for (rocksdb::ColumnFamilyHandle* family :
         {raw.tree.get(), raw.records.get()}) {
      std::unique_ptr<rocksdb::Iterator> it(
          raw.db->NewIterator(rocksdb::ReadOptions(), family));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        batch.Put(it->key(), it->value());
        batch.Delete(family, it->key());
      }
    }
    batch.Put(storage::FormatKey(), storage::EncodeFormatVersion(2));
    ASSERT_TRUE(raw.db->Write(rocksdb::WriteOptions(), &batch).ok());
  }

  // The number of keys starting with `tag` in `family` of the raw store.
  static int KeysIn(const storage::Store& raw,
                    rocksdb::ColumnFamilyHandle* family,
                    char tag = storage::kNodeTag) {
    std::unique_ptr<rocksdb::Iterator> it(
        raw.db->NewIterator(rocksdb::ReadOptions(), family));
    int count = 0;
    for (it->Seek(std::string(1, tag)); it->Valid() && it->key()[0] == tag;
         it->Next()) {
      ++count;
    }
    return count;
  }

  std::optional<uint64_t> rehashed_;
};

TEST_F(MerkleTreeTest, RootsOfEverySizeMatchTheEventsAfterSeveralGroups) {
  int next = 0;
  for (const int size : {1, 15, 1, 33, 7, 64, 2, 100}) {
    AppendNumbered(next, size);
    next += size;
  }
  ASSERT_EQ(log_->GetHead().seq, 223u);
  ExpectRootsMatchTheEvents();
}

TEST_F(MerkleTreeTest, RootMatchesTheEventsAfterConcurrentAppends) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 40;
  std::vector<std::thread> appenders;
  for (int t = 0; t < kThreads; ++t) {
    appenders.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        const int first = (t * kBatches + b) * 3;
        std::vector<Event> events;
        for (int i = first; i < first + 1 + b % 3; ++i) {
          events.push_back(NumberedTargetSetEvent(i));
        }
        EXPECT_OK(log_->Append(test::Batch(std::move(events))));
      }
    });
  }
  for (std::thread& appender : appenders) appender.join();
  ASSERT_EQ(log_->GetHead().seq,
            uint64_t{kThreads * (14 * 1 + 13 * 2 + 13 * 3)});
  ExpectRootsMatchTheEvents();
}

TEST_F(MerkleTreeTest, ARejectedBatchLeavesTheTreeAsItWas) {
  AppendNumbered(0, 10);
  // Ten events staged, then the eleventh refused: nothing of it is stored,
  // and the tree must not keep the ten.
  std::vector<Event> refused;
  for (int i = 10; i < 20; ++i) refused.push_back(NumberedTargetSetEvent(i));
  refused.push_back(
      test::EventRetractedEvent("r", "2024-06-02", 999, "no such event"));
  EXPECT_THAT(Append(std::move(refused)),
              StatusIs(absl::StatusCode::kNotFound));
  AppendNumbered(100, 30);
  ExpectRootsMatchTheEvents();
}

TEST_F(MerkleTreeTest, InclusionProofsOfTheLogVerify) {
  AppendNumbered(0, 150);
  AppendNumbered(150, 150);
  std::vector<Hash> leaves;
  ASSERT_OK(log_->ScanCanonical(
      1, 0, [&](const StoredEvent&, std::string_view canonical) {
        leaves.push_back(merkle::LeafHash(canonical));
        return true;
      }));
  int checked = 0;
  for (uint64_t size = 1; size <= 300; size += 7) {
    ASSERT_OK_AND_ASSIGN(const Hash root, log_->MerkleRoot(size));
    for (uint64_t seq = 1; seq <= size; seq += 3) {
      ASSERT_OK_AND_ASSIGN(const std::vector<Hash> path,
                           log_->InclusionProof(seq, size));
      const absl::Status verified =
          merkle::VerifyInclusion(leaves[seq - 1], seq - 1, size, path, root);
      ASSERT_TRUE(verified.ok()) << verified;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2136);
}

TEST_F(MerkleTreeTest, ConsistencyProofsOfTheLogVerify) {
  AppendNumbered(0, 150);
  AppendNumbered(150, 150);
  const std::vector<Hash> roots = RootsFromTheEvents();
  int checked = 0;
  for (uint64_t second = 1; second <= 300; second += 5) {
    for (uint64_t first = 1; first <= second; first += 4) {
      ASSERT_OK_AND_ASSIGN(const std::vector<Hash> proof,
                           log_->ConsistencyProof(first, second));
      const absl::Status verified = merkle::VerifyConsistency(
          first, second, roots[first], roots[second], proof);
      ASSERT_TRUE(verified.ok()) << verified;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2250);
}

TEST_F(MerkleTreeTest, ReopeningRestoresTheTreeWithoutRebuildingIt) {
  AppendNumbered(0, 500);
  AppendNumbered(500, 509);
  const std::vector<Hash> before = RootsFromTheEvents();
  CloseLog();
  OpenCountingRehashes();
  // Only the events after the last stored node: 1009 = 63 * 16 + 1.
  EXPECT_EQ(rehashed_, 1u);
  ASSERT_OK_AND_ASSIGN(const Hash root, log_->MerkleRoot(1009));
  EXPECT_EQ(root, before.back());
  // And the restored right edge goes on growing the same tree.
  AppendNumbered(2000, 40);
  ExpectRootsMatchTheEvents();
}

TEST_F(MerkleTreeTest, AStoreWrittenWithoutTheTreeGetsItOnceOnOpen) {
  AppendNumbered(0, 300);
  AppendNumbered(300, 3);
  const std::vector<Hash> roots = RootsFromTheEvents();
  RemoveTheTree();
  if (HasFatalFailure()) return;
  OpenCountingRehashes();
  EXPECT_EQ(rehashed_, 303u);
  ExpectRootsMatchTheEvents();
  ASSERT_OK_AND_ASSIGN(const Hash root, log_->MerkleRoot(303));
  EXPECT_EQ(root, roots.back());
  // The migration stored the nodes: the next open hashes 303 - 18 * 16.
  CloseLog();
  OpenCountingRehashes();
  EXPECT_EQ(rehashed_, 15u);
}

// 300 events make 18 level-4 nodes, 9 of level 5, 4, 2, and 1 of level 8.
TEST_F(MerkleTreeTest, AFormat2StoreGetsItsNodesAndRecordsMovedOnOpen) {
  AppendNumbered(0, 300);
  ASSERT_OK(log_->records().Put("checkpoint", "300", "state"));
  const std::vector<Hash> roots = RootsFromTheEvents();
  MakeItFormat2();
  if (HasFatalFailure()) return;
  {
    const storage::Store raw = OpenRaw();
    ASSERT_EQ(KeysIn(raw, raw.db->DefaultColumnFamily()), 34);
    ASSERT_EQ(KeysIn(raw, raw.db->DefaultColumnFamily(), storage::kRecordTag),
              1);
    ASSERT_EQ(KeysIn(raw, raw.tree.get()), 0);
  }
  OpenCountingRehashes();
  // Moved, not rebuilt: only the 300 - 18 * 16 events after the last node.
  EXPECT_EQ(rehashed_, 12u);
  ExpectRootsMatchTheEvents();
  ASSERT_OK_AND_ASSIGN(const Hash root, log_->MerkleRoot(300));
  EXPECT_EQ(root, roots.back());
  EXPECT_EQ(log_->records().Get("checkpoint", "300").value_or(""), "state");
  const storage::Store raw = OpenRaw();
  EXPECT_EQ(KeysIn(raw, raw.db->DefaultColumnFamily()), 0);
  EXPECT_EQ(KeysIn(raw, raw.db->DefaultColumnFamily(), storage::kRecordTag), 0);
  EXPECT_EQ(KeysIn(raw, raw.tree.get()), 34);
  EXPECT_EQ(KeysIn(raw, raw.records.get(), storage::kRecordTag), 1);
  std::string format;
  ASSERT_TRUE(
      raw.db->Get(rocksdb::ReadOptions(), storage::FormatKey(), &format).ok());
  EXPECT_EQ(storage::DecodeFormatVersion(format), storage::kFormatVersion);
}

TEST_F(MerkleTreeTest, AStoreOfALaterFormatIsRefused) {
  AppendNumbered(0, 3);
  {
    const storage::Store raw = OpenRaw();
    const std::unique_ptr<rocksdb::DB>& db = raw.db;
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(
        db->Put(rocksdb::WriteOptions(), storage::FormatKey(),
                storage::EncodeFormatVersion(storage::kFormatVersion + 1))
            .ok());
  }
  const absl::StatusOr<std::unique_ptr<EventLog>> log =
      EventLog::Open(log_dir(), Options());
  EXPECT_EQ(log.status(),
            absl::FailedPreconditionError(
                "the store is in format 5; this version reads up to 4"));
}

TEST_F(MerkleTreeTest, SizesPastTheHeadAreOutOfRange) {
  AppendNumbered(0, 20);
  EXPECT_THAT(log_->MerkleRoot(21), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(log_->InclusionProof(3, 21),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(log_->ConsistencyProof(3, 21),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_OK(log_->ConsistencyProof(20, 20));
}

TEST_F(MerkleTreeTest, ArgumentsThatNameNoTreeAreInvalid) {
  AppendNumbered(0, 20);
  EXPECT_THAT(log_->InclusionProof(0, 5),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(log_->InclusionProof(6, 5),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(log_->ConsistencyProof(0, 5),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(log_->ConsistencyProof(6, 5),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Invalid before out of range: the arguments are wrong whatever the head.
  EXPECT_THAT(log_->InclusionProof(30, 25),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(MerkleTreeTest, TheEmptyTreeHasTheEmptyRoot) {
  ASSERT_OK_AND_ASSIGN(const Hash root, log_->MerkleRoot(0));
  EXPECT_EQ(root, merkle::EmptyRoot());
}

TEST_F(MerkleTreeTest, AMissingNodeIsDataLoss) {
  AppendNumbered(0, 40);
  {
    const storage::Store raw = OpenRaw();
    const std::unique_ptr<rocksdb::DB>& db = raw.db;
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), raw.tree.get(),
                           storage::NodeKey(4, 0))
                    .ok());
  }
  OpenLog();
  // Leaf 19's path climbs past the left half of the first 32, node (4, 0).
  EXPECT_EQ(log_->InclusionProof(20, 40).status(),
            absl::DataLossError(
                "the Merkle tree node of level 4, index 0 is missing"));
}

// ScanCanonical hands on the stored bytes, from the groups kept in memory
// and from disk alike.
TEST_F(MerkleTreeTest, ScanCanonicalGivesTheStoredBytes) {
  AppendNumbered(0, 5);
  MustAppend({test::EmployerRegisteredEvent("e", "2024-01-02", "emp-1",
                                            Sector::kRijk, "Ministerie")});
  const auto scan = [&] {
    std::vector<std::string> bytes;
    EXPECT_OK(log_->ScanCanonical(
        2, 0, [&](const StoredEvent& stored, std::string_view canonical) {
          EXPECT_EQ(canonical, CanonicalBytes(stored)) << stored.seq;
          bytes.emplace_back(canonical);
          return true;
        }));
    return bytes;
  };
  const std::vector<std::string> from_memory = scan();
  ReopenLog();
  const std::vector<std::string> from_disk = scan();
  ASSERT_EQ(from_memory.size(), 5u);
  EXPECT_EQ(from_memory, from_disk);
  const storage::Store raw = OpenRaw();
  const std::unique_ptr<rocksdb::DB>& db = raw.db;
  ASSERT_NE(db, nullptr);
  std::string value;
  ASSERT_TRUE(
      db->Get(rocksdb::ReadOptions(), storage::EventKey(6), &value).ok());
  EXPECT_EQ(from_disk.back(), value.substr(2 * storage::kHashSize));
}

}  // namespace
}  // namespace banen
