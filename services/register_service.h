// banen.v1.RegisterService over a Projector: proto -> query -> proto.
//
// The figures are aggregates that UWV publishes each quarter (no employer,
// no person), so every role may ask for them (services/auth.cc). A call
// waits for the projection to reach the log's head like the realisation
// (read-your-writes), then takes one pass over the persons on a worker
// thread. Ownership: borrows `projector` and `authorizer`, which must
// outlive the service and its server.
#ifndef BANEN_SERVICES_REGISTER_SERVICE_H_
#define BANEN_SERVICES_REGISTER_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "banen/v1/register.grpc.pb.h"
#include "projections/projector.h"
#include "services/auth.h"

namespace banen {

class RegisterServiceImpl final : public v1::RegisterService::CallbackService {
 public:
  RegisterServiceImpl(const Projector& projector, const Authorizer& authorizer)
      : projector_(projector), authorizer_(authorizer) {}

  grpc::ServerUnaryReactor* GetRegisterFigures(
      grpc::CallbackServerContext* context,
      const v1::RegisterFiguresRequest* request,
      v1::RegisterFigures* response) override;

 private:
  const Projector& projector_;
  const Authorizer& authorizer_;
};

}  // namespace banen

#endif  // BANEN_SERVICES_REGISTER_SERVICE_H_
