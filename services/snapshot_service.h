// banen.v1.SnapshotService over a Projector: proto -> snapshot store ->
// proto.
//
// Thread safety: stateless; the Projector answers concurrent calls. A call
// first waits for the projection to reach the log's head (read-your-writes),
// up to ProjectorOptions::catch_up_timeout, then fails UNAVAILABLE.
// Callers are authorized first (services/auth.h). With a head signer, each
// snapshot stores the signed checkpoint of its head (services/head_signer.h),
// which GetSnapshot returns. Ownership: borrows `projector`, `head_signer`
// (null: no signing key) and `authorizer`, which must outlive the service and
// its server.
#ifndef BANEN_SERVICES_SNAPSHOT_SERVICE_H_
#define BANEN_SERVICES_SNAPSHOT_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "banen/v1/snapshot.grpc.pb.h"
#include "projections/projector.h"
#include "services/auth.h"
#include "services/follower.h"
#include "services/head_signer.h"

namespace banen {

class SnapshotServiceImpl final : public v1::SnapshotService::CallbackService {
 public:
  // `follower` set (a read replica): CreateSnapshot is refused with its
  // CheckWritable() until it is promoted, since a snapshot is a record of
  // this server's store, which the primary would not have.
  SnapshotServiceImpl(Projector& projector, const HeadSigner* head_signer,
                      const Authorizer& authorizer,
                      const Follower* follower = nullptr)
      : projector_(projector),
        head_signer_(head_signer),
        authorizer_(authorizer),
        follower_(follower) {}

  grpc::ServerUnaryReactor* CreateSnapshot(
      grpc::CallbackServerContext* context,
      const v1::CreateSnapshotRequest* request,
      v1::Snapshot* response) override;
  grpc::ServerUnaryReactor* GetSnapshot(grpc::CallbackServerContext* context,
                                        const v1::GetSnapshotRequest* request,
                                        v1::Snapshot* response) override;
  grpc::ServerUnaryReactor* ListSnapshots(
      grpc::CallbackServerContext* context,
      const v1::ListSnapshotsRequest* request,
      v1::ListSnapshotsResponse* response) override;
  grpc::ServerUnaryReactor* DiffSnapshot(grpc::CallbackServerContext* context,
                                         const v1::DiffSnapshotRequest* request,
                                         v1::SnapshotDiff* response) override;

 private:
  Projector& projector_;
  const HeadSigner* const head_signer_;
  const Authorizer& authorizer_;
  const Follower* const follower_;
};

}  // namespace banen

#endif  // BANEN_SERVICES_SNAPSHOT_SERVICE_H_
