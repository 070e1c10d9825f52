// The one mapping from the domain's absl::Status to what a client sees: the
// gRPC status (same code and message) and, for a rejected batch, the event
// index, field and reason (ledger/event_error.h) as a BatchError, both in an
// Append stream's response and in a failed unary call's status details.
#ifndef BANEN_SERVICES_STATUS_MAPPING_H_
#define BANEN_SERVICES_STATUS_MAPPING_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "banen/v1/ledger.pb.h"

namespace banen {

// The wire form of a non-OK `status`. Without an event detail, event_index is
// -1 and field and reason are empty.
v1::BatchError ToBatchError(const absl::Status& status);

// OK for OK; otherwise the same code and message, with a v1::ErrorStatus
// (wire-compatible with google.rpc.Status) holding ToBatchError(status) as
// the error details.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Finishes a unary call with `status`; the handler returns the result.
grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* context,
                                      const absl::Status& status);

}  // namespace banen

#endif  // BANEN_SERVICES_STATUS_MAPPING_H_
