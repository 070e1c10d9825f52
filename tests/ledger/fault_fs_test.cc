// FaultFs keeps exactly the synced bytes at a simulated crash and fails
// operations on request; the power-loss and failing-disk tests rely on it.
#include "tests/ledger/fault_fs.h"

#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "ledger/internal/storage_format.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "tests/ledger/test_util.h"

namespace banen::test {
namespace {

class FaultFsTest : public TempDirTest {
 protected:
  std::unique_ptr<rocksdb::FSWritableFile> NewFile(const std::string& name) {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    EXPECT_TRUE(
        fs_->NewWritableFile(Path(name), rocksdb::FileOptions(), &file, nullptr)
            .ok());
    return file;
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  uint64_t SizeOf(const std::string& name) const {
    return std::filesystem::file_size(Path(name));
  }

  std::shared_ptr<FaultFs> fs_ = std::make_shared<FaultFs>();
  rocksdb::IOOptions io_;
};

TEST_F(FaultFsTest, DropUnsyncedDataKeepsTheBytesUpToTheLastSync) {
  auto file = NewFile("f");
  ASSERT_TRUE(file->Append("synced", io_, nullptr).ok());
  ASSERT_TRUE(file->Sync(io_, nullptr).ok());
  ASSERT_TRUE(file->Append("-lost", io_, nullptr).ok());
  EXPECT_EQ(fs_->UnsyncedBytes(), 5u);
  ASSERT_TRUE(file->Close(io_, nullptr).ok());
  EXPECT_EQ(SizeOf("f"), 11u);

  fs_->DropUnsyncedData();

  EXPECT_EQ(SizeOf("f"), 6u);
  EXPECT_EQ(fs_->UnsyncedBytes(), 0u);
}

TEST_F(FaultFsTest, AFileNeverSyncedIsEmptyAfterTheCrash) {
  auto file = NewFile("f");
  ASSERT_TRUE(file->Append("never synced", io_, nullptr).ok());
  ASSERT_TRUE(file->Close(io_, nullptr).ok());

  fs_->DropUnsyncedData();

  EXPECT_EQ(SizeOf("f"), 0u);
}

TEST_F(FaultFsTest, ARenamedFileKeepsItsSyncedSize) {
  auto file = NewFile("tmp");
  ASSERT_TRUE(file->Append("abc", io_, nullptr).ok());
  ASSERT_TRUE(file->Fsync(io_, nullptr).ok());
  ASSERT_TRUE(file->Append("de", io_, nullptr).ok());
  ASSERT_TRUE(file->Close(io_, nullptr).ok());
  ASSERT_TRUE(fs_->RenameFile(Path("tmp"), Path("final"), io_, nullptr).ok());

  fs_->DropUnsyncedData();

  EXPECT_EQ(SizeOf("final"), 3u);
}

TEST_F(FaultFsTest, FrozenFileSystemWritesAndSyncsNothing) {
  auto file = NewFile("f");
  ASSERT_TRUE(file->Append("abc", io_, nullptr).ok());
  fs_->Freeze();

  EXPECT_TRUE(file->Append("de", io_, nullptr).IsIOError());
  EXPECT_TRUE(file->Sync(io_, nullptr).IsIOError());
  std::unique_ptr<rocksdb::FSWritableFile> other;
  EXPECT_TRUE(
      fs_->NewWritableFile(Path("g"), rocksdb::FileOptions(), &other, nullptr)
          .IsIOError());
  EXPECT_EQ(SizeOf("f"), 3u);
  fs_->DropUnsyncedData();
  EXPECT_EQ(SizeOf("f"), 0u);
}

TEST_F(FaultFsTest, FailsWritesAfterTheGivenNumberSucceeded) {
  auto file = NewFile("f");
  fs_->FailWrites(true, /*after=*/2);

  EXPECT_TRUE(file->Append("a", io_, nullptr).ok());
  EXPECT_TRUE(file->Append("b", io_, nullptr).ok());
  EXPECT_TRUE(file->Append("c", io_, nullptr).IsIOError());
  EXPECT_TRUE(file->Sync(io_, nullptr).ok());
  fs_->FailWrites(false);
  EXPECT_TRUE(file->Append("d", io_, nullptr).ok());
  EXPECT_EQ(SizeOf("f"), 3u);
}

TEST_F(FaultFsTest, AFailedSyncMakesNothingDurable) {
  auto file = NewFile("f");
  ASSERT_TRUE(file->Append("abc", io_, nullptr).ok());
  fs_->FailSyncs(true);

  EXPECT_TRUE(file->Sync(io_, nullptr).IsIOError());
  EXPECT_TRUE(file->Fsync(io_, nullptr).IsIOError());
  EXPECT_EQ(fs_->UnsyncedBytes(), 3u);
}

TEST_F(FaultFsTest, SyncHookSeesThePathBeforeTheSync) {
  auto file = NewFile("f");
  std::string seen;
  fs_->SetSyncHook([&](const std::string& path) {
    seen = path;
    EXPECT_EQ(fs_->UnsyncedBytes(), 1u);
  });
  ASSERT_TRUE(file->Append("a", io_, nullptr).ok());
  ASSERT_TRUE(file->Sync(io_, nullptr).ok());
  EXPECT_EQ(seen, Path("f"));
  EXPECT_EQ(fs_->UnsyncedBytes(), 0u);
}

// The store runs on it: what was acknowledged with sync=true survives a crash.
TEST_F(FaultFsTest, AnEventLogOnItSurvivesACrashWithItsSyncedAppends) {
  EventLogOptions options;
  options.clock = [] { return T0(); };
  options.file_system = fs_;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log,
                         EventLog::Open(log_dir(), options));
    ASSERT_OK(log->Append(
        Batch({TargetSetEvent("t1", "2024-01-01", Sector::kMarkt, 2015, 10)})));
    fs_->Freeze();
  }
  fs_->DropUnsyncedData();
  fs_->Unfreeze();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> log,
                       EventLog::Open(log_dir(), options));
  EXPECT_EQ(log->GetHead().seq, 1u);
  EXPECT_OK(log->GetByEventId("t1"));
}

// A RocksDB store on it, opened directly, with the default column family.
class FaultFsStoreTest : public FaultFsTest {
 protected:
  void SetUp() override {
    FaultFsTest::SetUp();
    env_ = rocksdb::NewCompositeEnv(fs_);
    Open();
  }
  void Open() {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.env = env_.get();
    rocksdb::DB* db = nullptr;
    const rocksdb::Status status = rocksdb::DB::Open(options, dir_, &db);
    ASSERT_TRUE(status.ok()) << status.ToString();
    db_.reset(db);
  }

  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<rocksdb::DB> db_;
};

// DropFilesInRanges makes the deletions written before it durable, however
// they were written: an unsynced write survives the crash after it.
TEST_F(FaultFsStoreTest, DroppingFilesSyncsWhatWasWrittenBefore) {
  ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), "k", "v").ok());
  ASSERT_TRUE(
      storage::DropFilesInRanges(*db_, *db_->DefaultColumnFamily(), {}).ok());
  fs_->Freeze();
  db_.reset();
  fs_->DropUnsyncedData();
  fs_->Unfreeze();
  Open();
  std::string value;
  ASSERT_TRUE(db_->Get(rocksdb::ReadOptions(), "k", &value).ok());
  EXPECT_EQ(value, "v");
}

// After a write failed, dropping files is the store's error, not a stop of
// the process (Debian's RocksDB asserts when a failed WAL is synced again).
TEST_F(FaultFsStoreTest, DroppingFilesAfterAFailedWriteIsAnError) {
  fs_->FailWrites(true);
  ASSERT_FALSE(db_->Put(rocksdb::WriteOptions(), "k", "v").ok());
  EXPECT_FALSE(
      storage::DropFilesInRanges(*db_, *db_->DefaultColumnFamily(), {}).ok());
  fs_->FailWrites(false);
}

}  // namespace
}  // namespace banen::test
