// banen.v1.AdminService over an EventLog: online backups into the server's
// --backup-dir (ledger/backup.h), listed and verified on request, and the
// promotion of a read replica (services/follower.h) to a primary.
//
// Every rpc is for ROLE_ADMIN only (services/auth.cc) and runs on the shared
// WorkerPool: a backup copies files for seconds, which a gRPC thread should
// not wait for.
//
// Thread safety: gRPC calls the handlers concurrently; the EventLog takes
// one backup at a time. Ownership: borrows `log`, `authorizer` and
// `follower`, which must outlive the service and the server it is
// registered with.
#ifndef BANEN_SERVICES_ADMIN_SERVICE_H_
#define BANEN_SERVICES_ADMIN_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "banen/v1/admin.grpc.pb.h"
#include "ledger/event_log.h"
#include "services/auth.h"
#include "services/follower.h"

namespace banen {

class AdminServiceImpl final : public v1::AdminService::CallbackService {
 public:
  // `backup_dir` empty: the backup rpcs answer FAILED_PRECONDITION.
  // `follower` null (a primary): Promote answers FAILED_PRECONDITION.
  AdminServiceImpl(EventLog& log, const Authorizer& authorizer,
                   std::string backup_dir, Follower* follower = nullptr)
      : log_(log),
        authorizer_(authorizer),
        backup_dir_(std::move(backup_dir)),
        follower_(follower) {}

  grpc::ServerUnaryReactor* CreateBackup(
      grpc::CallbackServerContext* context,
      const v1::CreateBackupRequest* request,
      v1::CreateBackupResponse* response) override;
  grpc::ServerUnaryReactor* ListBackups(
      grpc::CallbackServerContext* context,
      const v1::ListBackupsRequest* request,
      v1::ListBackupsResponse* response) override;
  grpc::ServerUnaryReactor* VerifyBackup(
      grpc::CallbackServerContext* context,
      const v1::VerifyBackupRequest* request,
      v1::VerifyBackupResponse* response) override;
  grpc::ServerUnaryReactor* Promote(grpc::CallbackServerContext* context,
                                    const v1::PromoteRequest* request,
                                    v1::PromoteResponse* response) override;

 private:
  // FAILED_PRECONDITION without a backup directory.
  absl::Status CheckBackupDir() const;

  EventLog& log_;
  const Authorizer& authorizer_;
  const std::string backup_dir_;
  Follower* const follower_;
};

}  // namespace banen

#endif  // BANEN_SERVICES_ADMIN_SERVICE_H_
