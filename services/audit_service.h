// banen.v1.AuditService over the EventLog: inclusion and consistency proofs
// of its Merkle tree and signed heads (proto/banen/v1/audit.proto), proto ->
// EventLog / HeadSigner -> proto.
//
// A size of 0 in a request names the head at the call. Errors as the
// contract says: INVALID_ARGUMENT for a seq or size that names no tree,
// OUT_OF_RANGE past the head (also a seq or first_size past the head when
// the other size is 0: the log may grow to it), FAILED_PRECONDITION from
// GetSignedHead when the server has no signing key (naming --signing-key)
// or the log is empty.
//
// Thread safety: stateless; the handlers run on the shared worker pool
// (services/worker_pool.h), as each reads O(log n) tree nodes from the
// store. Callers are authorized first (services/auth.h). Ownership: borrows
// `log`, `head_signer` (null: no signing key) and `authorizer`, which must
// outlive the service and its server.
#ifndef BANEN_SERVICES_AUDIT_SERVICE_H_
#define BANEN_SERVICES_AUDIT_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "banen/v1/audit.grpc.pb.h"
#include "ledger/event_log.h"
#include "services/auth.h"
#include "services/head_signer.h"

namespace banen {

class AuditServiceImpl final : public v1::AuditService::CallbackService {
 public:
  AuditServiceImpl(const EventLog& log, const HeadSigner* head_signer,
                   const Authorizer& authorizer)
      : log_(log), head_signer_(head_signer), authorizer_(authorizer) {}

  grpc::ServerUnaryReactor* GetInclusionProof(
      grpc::CallbackServerContext* context,
      const v1::GetInclusionProofRequest* request,
      v1::InclusionProof* response) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(
      grpc::CallbackServerContext* context,
      const v1::GetConsistencyProofRequest* request,
      v1::ConsistencyProof* response) override;
  grpc::ServerUnaryReactor* GetSignedHead(
      grpc::CallbackServerContext* context,
      const v1::GetSignedHeadRequest* request,
      v1::SignedHead* response) override;

 private:
  const EventLog& log_;
  const HeadSigner* const head_signer_;
  const Authorizer& authorizer_;
};

}  // namespace banen

#endif  // BANEN_SERVICES_AUDIT_SERVICE_H_
