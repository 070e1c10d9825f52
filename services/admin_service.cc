#include "services/admin_service.h"

#include <vector>

#include "ledger/codec.h"
#include "ledger/status_macros.h"
#include "services/status_mapping.h"
#include "services/worker_pool.h"

namespace banen {
namespace {

void BackupToProto(const BackupInfo& info, v1::Backup* proto) {
  proto->set_backup_id(info.id);
  TimeToProto(info.created_at, proto->mutable_created_at());
  proto->set_size_bytes(info.size_bytes);
  proto->set_file_count(info.file_count);
  proto->set_head_seq(info.head_seq);
  proto->set_head_hash(info.head_hash.data(), info.head_hash.size());
}

}  // namespace

absl::Status AdminServiceImpl::CheckBackupDir() const {
  if (backup_dir_.empty()) {
    return absl::FailedPreconditionError(
        "the server was started without --backup-dir");
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AdminServiceImpl::CreateBackup(
    grpc::CallbackServerContext* context, const v1::CreateBackupRequest*,
    v1::CreateBackupResponse* response) {
  if (const absl::StatusOr<Caller> caller =
          authorizer_.Authorize(*context, Rpc::kCreateBackup);
      !caller.ok()) {
    return FinishUnary(context, caller.status());
  }
  return FinishUnaryOnWorker(context, [this, response]() -> absl::Status {
    RETURN_IF_ERROR(CheckBackupDir());
    ASSIGN_OR_RETURN(const BackupInfo info, log_.CreateBackup(backup_dir_));
    BackupToProto(info, response->mutable_backup());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminServiceImpl::ListBackups(
    grpc::CallbackServerContext* context, const v1::ListBackupsRequest*,
    v1::ListBackupsResponse* response) {
  if (const absl::StatusOr<Caller> caller =
          authorizer_.Authorize(*context, Rpc::kListBackups);
      !caller.ok()) {
    return FinishUnary(context, caller.status());
  }
  return FinishUnaryOnWorker(context, [this, response]() -> absl::Status {
    RETURN_IF_ERROR(CheckBackupDir());
    ASSIGN_OR_RETURN(const std::vector<BackupInfo> backups,
                     banen::ListBackups(backup_dir_));
    for (const BackupInfo& info : backups) {
      BackupToProto(info, response->add_backups());
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminServiceImpl::VerifyBackup(
    grpc::CallbackServerContext* context,
    const v1::VerifyBackupRequest* request,
    v1::VerifyBackupResponse* response) {
  if (const absl::StatusOr<Caller> caller =
          authorizer_.Authorize(*context, Rpc::kVerifyBackup);
      !caller.ok()) {
    return FinishUnary(context, caller.status());
  }
  return FinishUnaryOnWorker(
      context, [this, request, response]() -> absl::Status {
        RETURN_IF_ERROR(CheckBackupDir());
        ASSIGN_OR_RETURN(
            const BackupInfo info,
            banen::VerifyBackup(backup_dir_, request->backup_id()));
        BackupToProto(info, response->mutable_backup());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AdminServiceImpl::Promote(
    grpc::CallbackServerContext* context, const v1::PromoteRequest*,
    v1::PromoteResponse* response) {
  if (const absl::StatusOr<Caller> caller =
          authorizer_.Authorize(*context, Rpc::kPromote);
      !caller.ok()) {
    return FinishUnary(context, caller.status());
  }
  // The probe of the primary waits up to its timeout: not on a gRPC thread.
  return FinishUnaryOnWorker(context, [this, response]() -> absl::Status {
    if (follower_ == nullptr) {
      return absl::FailedPreconditionError(
          "this server follows no primary: nothing to promote");
    }
    ASSIGN_OR_RETURN(const Head head, follower_->Promote());
    response->set_head_seq(head.seq);
    response->set_head_hash(head.hash.data(), head.hash.size());
    response->set_former_primary(follower_->primary());
    return absl::OkStatus();
  });
}

}  // namespace banen
