// Backups of the log (ledger/backup.h): taken online, listed with the head
// they hold, verified against their checksums and restored into a new
// directory that opens with the same chain.
#include "ledger/backup.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/event_log.h"
#include "tests/ledger/test_events.h"
#include "tests/ledger/test_util.h"

namespace banen {
namespace {

using test::StatusIs;

Event Target(int i) {
  return test::TargetSetEvent(absl::StrCat("t", i), "2024-01-01",
                              Sector::kMarkt, 2013 + i % 88, 100 * i);
}

class BackupTest : public test::LedgerTest {
 protected:
  std::string backup_dir() const { return dir_ + "/backups"; }
  std::string restore_dir() const { return dir_ + "/restored"; }

  void AppendTargets(int from, int to) {
    for (int i = from; i <= to; ++i) MustAppend({Target(i)});
  }
};

TEST_F(BackupTest, BackupNamesTheHeadItHolds) {
  AppendTargets(1, 5);
  ASSERT_OK_AND_ASSIGN(const BackupInfo info, log_->CreateBackup(backup_dir()));
  EXPECT_EQ(info.id, 1u);
  EXPECT_EQ(info.head_seq, 5u);
  EXPECT_EQ(info.head_hash, log_->GetHead().hash);
  EXPECT_GT(info.file_count, 0u);
  EXPECT_GT(info.size_bytes, 0u);
}

TEST_F(BackupTest, RestoreGivesBackTheLogAsOfTheBackup) {
  AppendTargets(1, 4);
  const Head at_backup = log_->GetHead();
  ASSERT_OK(log_->CreateBackup(backup_dir()));
  AppendTargets(5, 7);

  ASSERT_OK_AND_ASSIGN(const BackupInfo restored,
                       RestoreBackup(backup_dir(), 0, restore_dir()));
  EXPECT_EQ(restored.head_seq, 4u);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> copy,
                       EventLog::Open(restore_dir()));
  EXPECT_EQ(copy->GetHead().seq, at_backup.seq);
  EXPECT_EQ(copy->GetHead().hash, at_backup.hash);
  ASSERT_OK_AND_ASSIGN(const ChainVerification chain, copy->VerifyChain(1, 0));
  EXPECT_TRUE(chain.ok) << chain.reason;
  EXPECT_EQ(chain.events_checked, 4u);
}

TEST_F(BackupTest, ListsBackupsOldestFirstWithTheirHeads) {
  AppendTargets(1, 2);
  ASSERT_OK(log_->CreateBackup(backup_dir()));
  AppendTargets(3, 5);
  ASSERT_OK(log_->CreateBackup(backup_dir()));

  ASSERT_OK_AND_ASSIGN(const std::vector<BackupInfo> backups,
                       ListBackups(backup_dir()));
  ASSERT_EQ(backups.size(), 2u);
  EXPECT_EQ(backups[0].id, 1u);
  EXPECT_EQ(backups[0].head_seq, 2u);
  EXPECT_EQ(backups[1].id, 2u);
  EXPECT_EQ(backups[1].head_seq, 5u);
}

TEST_F(BackupTest, RestoresAnOlderBackupById) {
  AppendTargets(1, 2);
  ASSERT_OK(log_->CreateBackup(backup_dir()));
  AppendTargets(3, 5);
  ASSERT_OK(log_->CreateBackup(backup_dir()));

  ASSERT_OK(RestoreBackup(backup_dir(), 1, restore_dir()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EventLog> copy,
                       EventLog::Open(restore_dir()));
  EXPECT_EQ(copy->GetHead().seq, 2u);
}

TEST_F(BackupTest, VerifyPassesForAnIntactBackup) {
  AppendTargets(1, 3);
  ASSERT_OK(log_->CreateBackup(backup_dir()));
  EXPECT_OK(VerifyBackup(backup_dir(), 1));
}

TEST_F(BackupTest, VerifyReportsAFileWhoseBytesChangedAsDataLoss) {
  AppendTargets(1, 3);
  ASSERT_OK(log_->CreateBackup(backup_dir()));
  // Every file of the backup, each flipped at its first byte with its size
  // kept: only the checksum can tell.
  int flipped = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(backup_dir())) {
    const std::string path = entry.path().string();
    if (!entry.is_regular_file() || entry.file_size() == 0 ||
        path.find("/meta/") != std::string::npos ||
        path.find("/private/") == std::string::npos) {
      continue;
    }
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    const char first = static_cast<char>(file.get());
    file.seekp(0);
    file.put(static_cast<char>(first ^ 0x5a));
    ++flipped;
  }
  ASSERT_GT(flipped, 0);
  EXPECT_THAT(VerifyBackup(backup_dir(), 1),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(BackupTest, UnknownBackupIsNotFound) {
  AppendTargets(1, 1);
  ASSERT_OK(log_->CreateBackup(backup_dir()));
  EXPECT_THAT(VerifyBackup(backup_dir(), 7),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(RestoreBackup(backup_dir(), 7, restore_dir()),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(BackupTest, MissingBackupDirectoryIsNotFound) {
  EXPECT_THAT(ListBackups(dir_ + "/nowhere"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(BackupTest, RestoreRefusesADirectoryThatIsNotEmpty) {
  AppendTargets(1, 1);
  ASSERT_OK(log_->CreateBackup(backup_dir()));
  std::filesystem::create_directories(restore_dir());
  std::ofstream(restore_dir() + "/precious") << "x";
  EXPECT_THAT(RestoreBackup(backup_dir(), 0, restore_dir()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(std::filesystem::exists(restore_dir() + "/precious"));
}

TEST_F(BackupTest, SecondBackupSharesTheTableFilesOfTheFirst) {
  AppendTargets(1, 50);
  // A table file to share: the WAL alone would be copied each time.
  ReopenLog();
  const auto shared_tables = [&] {
    int shared = 0;
    for (const auto& entry : std::filesystem::directory_iterator(
             backup_dir() + "/shared_checksum")) {
      if (entry.path().extension() == ".sst") ++shared;
    }
    return shared;
  };
  ASSERT_OK_AND_ASSIGN(const BackupInfo first,
                       log_->CreateBackup(backup_dir()));
  const int after_first = shared_tables();
  ASSERT_OK_AND_ASSIGN(const BackupInfo second,
                       log_->CreateBackup(backup_dir()));
  EXPECT_EQ(second.head_seq, first.head_seq);
  // The events' table, the tree's, the format record's, and the saved
  // state's two: its parts (ingested, a file of their own) and its header.
  EXPECT_EQ(after_first, 5);
  EXPECT_EQ(shared_tables(), after_first);
}

}  // namespace
}  // namespace banen
