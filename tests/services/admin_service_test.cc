// AdminService (services/admin_service.h) over loopback: a backup taken
// while 4 clients append, restored into a new directory and served, is the
// primary as of the backup's seq: head, chain and figures.
#include "services/admin_service.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger/backup.h"
#include "tests/services/service_test_util.h"

namespace banen {
namespace {

using test::AppendRequestOf;
using test::HireHistory;
using test::ServiceTest;

constexpr int kWriters = 4;
// Each writer appends at least this many batches after the backup is
// taken, so the primary is ahead of the backup when they are compared.
constexpr int kBatchesAfterBackup = 5;

class AdminServiceTest : public ServiceTest {
 protected:
  void AdjustOptions(LedgerServerOptions& options) override {
    options.backup_dir = backup_dir();
  }
  std::string backup_dir() const { return dir_ + "/backups"; }

  v1::Backup MustCreateBackup() {
    grpc::ClientContext context;
    v1::CreateBackupResponse response;
    const grpc::Status status =
        admin_->CreateBackup(&context, v1::CreateBackupRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.backup();
  }
};

// Every sector's rows of 2024, as of `as_of` (unset: all events).
v1::RealisationTable Figures(v1::RealisationService::Stub& realisation,
                             const google::protobuf::Timestamp* as_of) {
  v1::RealisationRequest request;
  request.set_from_quarter("2024Q1");
  request.set_to_quarter("2024Q4");
  if (as_of != nullptr) *request.mutable_as_of() = *as_of;
  grpc::ClientContext context;
  v1::RealisationTable table;
  const grpc::Status status =
      realisation.GetRealisation(&context, request, &table);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return table;
}

TEST_F(AdminServiceTest,
       BackupTakenDuringFourWritersRestoresThePrimaryAtItsSeq) {
  std::atomic<bool> backup_taken = false;
  std::vector<std::thread> writers;
  for (int writer = 0; writer < kWriters; ++writer) {
    writers.emplace_back([this, writer, &backup_taken] {
      int after = 0;
      for (int batch = 0; after < kBatchesAfterBackup; ++batch) {
        if (backup_taken) ++after;
        MustAppend(absl::StrCat(writer, "-", batch),
                   HireHistory(absl::StrCat("w", writer, "b", batch)));
      }
    });
  }
  // Under way: every writer's first batches are in.
  server_->log().WaitForHeadAfter(kWriters * 3 * 4, absl::Seconds(60));
  const v1::Backup backup = MustCreateBackup();
  backup_taken = true;
  for (std::thread& writer : writers) writer.join();

  const uint64_t seq = backup.head_seq();
  ASSERT_GT(seq, 0u);
  ASSERT_LT(seq, server_->log().GetHead().seq);
  ASSERT_OK_AND_ASSIGN(const StoredEvent at_backup,
                       server_->log().GetBySeq(seq));
  EXPECT_EQ(backup.head_hash(),
            std::string(at_backup.hash.begin(), at_backup.hash.end()));

  const std::string restored_dir = dir_ + "/restored";
  ASSERT_OK(RestoreBackup(backup_dir(), backup.backup_id(), restored_dir));
  LedgerServerOptions options;
  options.data_dir = restored_dir;
  options.listen = "127.0.0.1:0";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LedgerServer> restored,
                       LedgerServer::Start(options));
  const std::shared_ptr<grpc::Channel> channel =
      client::Connect(restored->address());
  auto restored_ledger = v1::LedgerService::NewStub(channel);
  auto restored_realisation = v1::RealisationService::NewStub(channel);

  grpc::ClientContext head_context;
  v1::GetHeadResponse head;
  ASSERT_TRUE(
      restored_ledger->GetHead(&head_context, v1::GetHeadRequest(), &head)
          .ok());
  EXPECT_EQ(head.seq(), seq);
  EXPECT_EQ(head.hash(), backup.head_hash());

  grpc::ClientContext verify_context;
  v1::VerifyChainResponse chain;
  ASSERT_TRUE(
      restored_ledger
          ->VerifyChain(&verify_context, v1::VerifyChainRequest(), &chain)
          .ok());
  EXPECT_TRUE(chain.ok()) << chain.reason();
  EXPECT_EQ(chain.events_checked(), seq);

  // Groups have distinct recorded_at, so the recorded time of `seq` names
  // exactly events 1..seq on the primary.
  google::protobuf::Timestamp as_of;
  TimeToProto(at_backup.recorded_at, &as_of);
  const v1::RealisationTable primary = Figures(*realisation_, &as_of);
  const v1::RealisationTable copy = Figures(*restored_realisation, nullptr);
  EXPECT_EQ(primary.last_seq(), seq);
  EXPECT_EQ(copy.last_seq(), seq);
  ASSERT_GT(copy.rows_size(), 0);
  ASSERT_EQ(copy.rows_size(), primary.rows_size());
  for (int row = 0; row < copy.rows_size(); ++row) {
    EXPECT_EQ(copy.rows(row).SerializeAsString(),
              primary.rows(row).SerializeAsString())
        << copy.rows(row).DebugString() << primary.rows(row).DebugString();
  }
  // Not vacuous: the figures count the hires of the backup.
  const v1::RealisationTable now = Figures(*realisation_, nullptr);
  EXPECT_NE(now.SerializeAsString(), primary.SerializeAsString());
}

TEST_F(AdminServiceTest, ListsAndVerifiesTheBackupsTaken) {
  MustAppend("one", HireHistory("a"));
  const v1::Backup first = MustCreateBackup();
  MustAppend("two", HireHistory("b"));
  const v1::Backup second = MustCreateBackup();
  EXPECT_EQ(first.backup_id(), 1u);
  EXPECT_EQ(first.head_seq(), 3u);
  EXPECT_EQ(second.backup_id(), 2u);
  EXPECT_EQ(second.head_seq(), 6u);

  grpc::ClientContext list_context;
  v1::ListBackupsResponse list;
  ASSERT_TRUE(
      admin_->ListBackups(&list_context, v1::ListBackupsRequest(), &list).ok());
  ASSERT_EQ(list.backups_size(), 2);
  EXPECT_EQ(list.backups(0).SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(list.backups(1).SerializeAsString(), second.SerializeAsString());

  grpc::ClientContext verify_context;
  v1::VerifyBackupRequest request;
  request.set_backup_id(1);
  v1::VerifyBackupResponse verified;
  ASSERT_TRUE(admin_->VerifyBackup(&verify_context, request, &verified).ok());
  EXPECT_EQ(verified.backup().SerializeAsString(), first.SerializeAsString());
}

TEST_F(AdminServiceTest, VerifyOfAnUnknownBackupIsNotFound) {
  MustAppend("one", HireHistory("a"));
  MustCreateBackup();
  grpc::ClientContext context;
  v1::VerifyBackupRequest request;
  request.set_backup_id(9);
  v1::VerifyBackupResponse response;
  EXPECT_EQ(admin_->VerifyBackup(&context, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServiceTest, BackupWithoutBackupDirIsFailedPrecondition) {
  grpc::ClientContext context;
  v1::CreateBackupResponse response;
  const grpc::Status status =
      admin_->CreateBackup(&context, v1::CreateBackupRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "the server was started without --backup-dir");
}

}  // namespace
}  // namespace banen
