#include "services/snapshot_service.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ledger/status_macros.h"
#include "services/status_mapping.h"
#include "services/wire.h"
#include "services/worker_pool.h"

namespace banen {
namespace {

absl::Status AnswerCreate(Projector& projector, const HeadSigner* head_signer,
                          const v1::CreateSnapshotRequest& request,
                          v1::Snapshot* response) {
  ASSIGN_OR_RETURN(const Quarter quarter,
                   QuarterFromProto(request.quarter(), "quarter"));
  Projector::HeadSigning sign_head;
  if (head_signer != nullptr) {
    sign_head = [head_signer](uint64_t seq) -> absl::StatusOr<std::string> {
      ASSIGN_OR_RETURN(SignedCheckpoint head, head_signer->Sign(seq));
      return std::move(head.note);
    };
  }
  ASSIGN_OR_RETURN(const Snapshot snapshot,
                   projector.CreateSnapshot(quarter, sign_head));
  SnapshotToProto(snapshot, /*with_rows=*/true, response);
  return absl::OkStatus();
}

absl::Status AnswerGet(const Projector& projector,
                       const v1::GetSnapshotRequest& request,
                       v1::Snapshot* response) {
  ASSIGN_OR_RETURN(const Snapshot snapshot,
                   projector.GetSnapshot(request.key()));
  SnapshotToProto(snapshot, /*with_rows=*/true, response);
  return absl::OkStatus();
}

absl::Status AnswerList(const Projector& projector,
                        const v1::ListSnapshotsRequest& request,
                        v1::ListSnapshotsResponse* response) {
  std::optional<Quarter> quarter;
  if (!request.quarter().empty()) {
    ASSIGN_OR_RETURN(quarter, QuarterFromProto(request.quarter(), "quarter"));
  }
  ASSIGN_OR_RETURN(const std::vector<Snapshot> snapshots,
                   projector.ListSnapshots());
  for (const Snapshot& snapshot : snapshots) {
    if (quarter.has_value() && snapshot.quarter != *quarter) continue;
    SnapshotToProto(snapshot, /*with_rows=*/false, response->add_snapshots());
  }
  return absl::OkStatus();
}

absl::Status AnswerDiff(const Projector& projector,
                        const v1::DiffSnapshotRequest& request,
                        v1::SnapshotDiff* response) {
  ASSIGN_OR_RETURN(const SnapshotDiff diff, projector.Diff(request.key()));
  SnapshotDiffToProto(diff, response);
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* SnapshotServiceImpl::CreateSnapshot(
    grpc::CallbackServerContext* context,
    const v1::CreateSnapshotRequest* request, v1::Snapshot* response) {
  const absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, Rpc::kCreateSnapshot);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  if (absl::Status writable = CheckWritable(follower_); !writable.ok()) {
    return FinishUnary(context, writable);
  }
  return FinishUnary(
      context, AnswerCreate(projector_, head_signer_, *request, response));
}

grpc::ServerUnaryReactor* SnapshotServiceImpl::GetSnapshot(
    grpc::CallbackServerContext* context, const v1::GetSnapshotRequest* request,
    v1::Snapshot* response) {
  const absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, Rpc::kGetSnapshot);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  return FinishUnary(context, AnswerGet(projector_, *request, response));
}

grpc::ServerUnaryReactor* SnapshotServiceImpl::ListSnapshots(
    grpc::CallbackServerContext* context,
    const v1::ListSnapshotsRequest* request,
    v1::ListSnapshotsResponse* response) {
  const absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, Rpc::kListSnapshots);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  return FinishUnary(context, AnswerList(projector_, *request, response));
}

grpc::ServerUnaryReactor* SnapshotServiceImpl::DiffSnapshot(
    grpc::CallbackServerContext* context,
    const v1::DiffSnapshotRequest* request, v1::SnapshotDiff* response) {
  const absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, Rpc::kDiffSnapshot);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  return FinishUnaryOnWorker(context, [this, request, response] {
    return AnswerDiff(projector_, *request, response);
  });
}

}  // namespace banen
