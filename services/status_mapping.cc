#include "services/status_mapping.h"

#include <string>

#include "ledger/event_error.h"

namespace banen {

v1::BatchError ToBatchError(const absl::Status& status) {
  v1::BatchError error;
  error.set_code(static_cast<int32_t>(status.code()));
  error.set_message(std::string(status.message()));
  error.set_event_index(-1);
  if (const auto detail = GetEventErrorDetail(status); detail.has_value()) {
    error.set_event_index(detail->event_index);
    error.set_field(detail->field);
    error.set_reason(detail->reason);
  }
  return error;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl::StatusCode numbers are the canonical gRPC codes.
  const auto code = static_cast<grpc::StatusCode>(status.code());
  v1::ErrorStatus details;
  details.set_code(static_cast<int32_t>(status.code()));
  details.set_message(std::string(status.message()));
  details.add_details()->PackFrom(ToBatchError(status));
  return grpc::Status(code, std::string(status.message()),
                      details.SerializeAsString());
}

grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* context,
                                      const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace banen
