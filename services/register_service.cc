#include "services/register_service.h"

#include "ledger/status_macros.h"
#include "services/status_mapping.h"
#include "services/wire.h"
#include "services/worker_pool.h"

namespace banen {
namespace {

absl::Status AnswerRegisterFigures(const Projector& projector,
                                   const v1::RegisterFiguresRequest& request,
                                   v1::RegisterFigures* response) {
  ASSIGN_OR_RETURN(const RegisterQuery query, RegisterQueryFromProto(request));
  ASSIGN_OR_RETURN(const RegisterTable table, projector.RegisterFigures(query));
  RegisterTableToProto(table, response);
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* RegisterServiceImpl::GetRegisterFigures(
    grpc::CallbackServerContext* context,
    const v1::RegisterFiguresRequest* request, v1::RegisterFigures* response) {
  const absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, Rpc::kGetRegisterFigures);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  // A pass over every person: not on gRPC's callback threads.
  return FinishUnaryOnWorker(context, [this, request, response] {
    return AnswerRegisterFigures(projector_, *request, response);
  });
}

}  // namespace banen
