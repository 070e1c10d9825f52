#include "services/realisation_service.h"

#include "ledger/status_macros.h"
#include "services/status_mapping.h"
#include "services/wire.h"
#include "services/worker_pool.h"

namespace banen {
namespace {

absl::Status AnswerRealisation(const Projector& projector, const Caller& caller,
                               const v1::RealisationRequest& request,
                               v1::RealisationTable* response) {
  ASSIGN_OR_RETURN(const RealisationQuery query,
                   RealisationQueryFromProto(request));
  ASSIGN_OR_RETURN(const RealisationTable table, projector.Realisation(query));
  RealisationTableToProto(table, response);
  ScopeEmployerRows(caller, response);
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* RealisationServiceImpl::GetRealisation(
    grpc::CallbackServerContext* context, const v1::RealisationRequest* request,
    v1::RealisationTable* response) {
  const absl::StatusOr<Caller> caller = authorizer_.Authorize(
      *context, request->include_employers() ? Rpc::kGetRealisationEmployers
                                             : Rpc::kGetRealisation);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  // Employer rows, and a WBA_2026 table as of an earlier cut, cost work
  // proportional to the whole state.
  if (request->include_employers() ||
      (request->regime() == v1::REGIME_WBA_2026 && request->has_as_of())) {
    return FinishUnaryOnWorker(
        context, [this, caller = *caller, request, response] {
          return AnswerRealisation(projector_, caller, *request, response);
        });
  }
  return FinishUnary(
      context, AnswerRealisation(projector_, *caller, *request, response));
}

}  // namespace banen
