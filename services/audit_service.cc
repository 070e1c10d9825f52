#include "services/audit_service.h"

#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/codec.h"
#include "ledger/status_macros.h"
#include "services/status_mapping.h"
#include "services/worker_pool.h"

namespace banen {
namespace {

void AddHashes(const std::vector<Hash>& hashes,
               google::protobuf::RepeatedPtrField<std::string>* path) {
  for (const Hash& hash : hashes) path->Add()->assign(hash.begin(), hash.end());
}

// `size`, or the head's seq for 0.
uint64_t SizeOrHead(const EventLog& log, uint64_t size) {
  return size != 0 ? size : log.GetHead().seq;
}

absl::Status AnswerInclusion(const EventLog& log,
                             const v1::GetInclusionProofRequest& request,
                             v1::InclusionProof* response) {
  const uint64_t tree_size = SizeOrHead(log, request.tree_size());
  // In the head's tree, a seq past the head is there once the log has grown.
  if (request.tree_size() == 0 && request.seq() > tree_size) {
    return absl::OutOfRangeError(absl::StrCat(
        "seq ", request.seq(), " is past the head, seq ", tree_size));
  }
  ASSIGN_OR_RETURN(const std::vector<Hash> path,
                   log.InclusionProof(request.seq(), tree_size));
  ASSIGN_OR_RETURN(const Hash root, log.MerkleRoot(tree_size));
  // The leaf as stored, which is what the tree hashes: never a re-encoding.
  RETURN_IF_ERROR(log.ScanCanonical(
      request.seq(), request.seq(),
      [response](const StoredEvent&, std::string_view canonical) {
        response->set_canonical_bytes(canonical.data(), canonical.size());
        return false;
      }));
  response->set_seq(request.seq());
  response->set_tree_size(tree_size);
  AddHashes(path, response->mutable_path());
  response->set_root_hash(root.data(), root.size());
  return absl::OkStatus();
}

absl::Status AnswerConsistency(const EventLog& log,
                               const v1::GetConsistencyProofRequest& request,
                               v1::ConsistencyProof* response) {
  const uint64_t second_size = SizeOrHead(log, request.second_size());
  // Against the head, an older tree past it is there once the log has grown.
  if (request.second_size() == 0 && request.first_size() > second_size) {
    return absl::OutOfRangeError(
        absl::StrCat("first_size ", request.first_size(),
                     " is past the head, seq ", second_size));
  }
  ASSIGN_OR_RETURN(const std::vector<Hash> path,
                   log.ConsistencyProof(request.first_size(), second_size));
  response->set_first_size(request.first_size());
  response->set_second_size(second_size);
  AddHashes(path, response->mutable_path());
  return absl::OkStatus();
}

absl::Status AnswerSignedHead(const HeadSigner* head_signer,
                              const v1::GetSignedHeadRequest& request,
                              v1::SignedHead* response) {
  if (head_signer == nullptr) {
    return absl::FailedPreconditionError(
        "this server signs no heads: start banen-ledgerd with "
        "--signing-key=FILE (made by banenctl keys new)");
  }
  ASSIGN_OR_RETURN(const SignedCheckpoint head,
                   head_signer->Sign(request.tree_size()));
  const Checkpoint& checkpoint = head.checkpoint;
  response->set_tree_size(checkpoint.tree_size);
  response->set_root_hash(checkpoint.root.data(), checkpoint.root.size());
  response->set_chain_hash(checkpoint.chain_hash.data(),
                           checkpoint.chain_hash.size());
  TimeToProto(checkpoint.recorded_at, response->mutable_recorded_at());
  response->set_checkpoint(head.note);
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* AuditServiceImpl::GetInclusionProof(
    grpc::CallbackServerContext* context,
    const v1::GetInclusionProofRequest* request, v1::InclusionProof* response) {
  const absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, Rpc::kGetInclusionProof);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  return FinishUnaryOnWorker(context, [this, request, response] {
    return AnswerInclusion(log_, *request, response);
  });
}

grpc::ServerUnaryReactor* AuditServiceImpl::GetConsistencyProof(
    grpc::CallbackServerContext* context,
    const v1::GetConsistencyProofRequest* request,
    v1::ConsistencyProof* response) {
  const absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, Rpc::kGetConsistencyProof);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  return FinishUnaryOnWorker(context, [this, request, response] {
    return AnswerConsistency(log_, *request, response);
  });
}

grpc::ServerUnaryReactor* AuditServiceImpl::GetSignedHead(
    grpc::CallbackServerContext* context,
    const v1::GetSignedHeadRequest* request, v1::SignedHead* response) {
  const absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, Rpc::kGetSignedHead);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  return FinishUnaryOnWorker(context, [this, request, response] {
    return AnswerSignedHead(head_signer_, *request, response);
  });
}

}  // namespace banen
