// banen.v1.RealisationService over a Projector: proto -> query -> proto.
//
// Thread safety: stateless; the Projector answers concurrent calls. A call
// first waits for the projection to reach the log's head (read-your-writes),
// up to ProjectorOptions::catch_up_timeout, then fails UNAVAILABLE.
// Callers are authorized first (services/auth.h); an employer's employer
// rows are narrowed to its own employers. Ownership: borrows `projector` and
// `authorizer`, which must outlive the service and its server.
#ifndef BANEN_SERVICES_REALISATION_SERVICE_H_
#define BANEN_SERVICES_REALISATION_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "banen/v1/realisation.grpc.pb.h"
#include "projections/projector.h"
#include "services/auth.h"

namespace banen {

class RealisationServiceImpl final
    : public v1::RealisationService::CallbackService {
 public:
  RealisationServiceImpl(const Projector& projector,
                         const Authorizer& authorizer)
      : projector_(projector), authorizer_(authorizer) {}

  grpc::ServerUnaryReactor* GetRealisation(
      grpc::CallbackServerContext* context,
      const v1::RealisationRequest* request,
      v1::RealisationTable* response) override;

 private:
  const Projector& projector_;
  const Authorizer& authorizer_;
};

}  // namespace banen

#endif  // BANEN_SERVICES_REALISATION_SERVICE_H_
