// banen.v1.RealisationService over a Projector: proto -> query -> proto.
//
// Thread safety: stateless; the Projector answers concurrent calls. A call
// first waits for the projection to reach the log's head (read-your-writes),
// up to ProjectorOptions::catch_up_timeout, then fails UNAVAILABLE.
// Ownership: borrows `projector`, which must outlive the service and its
// server.
#ifndef BANEN_SERVICES_REALISATION_SERVICE_H_
#define BANEN_SERVICES_REALISATION_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "banen/v1/realisation.grpc.pb.h"
#include "projections/projector.h"

namespace banen {

class RealisationServiceImpl final
    : public v1::RealisationService::CallbackService {
 public:
  explicit RealisationServiceImpl(const Projector& projector)
      : projector_(projector) {}

  grpc::ServerUnaryReactor* GetRealisation(
      grpc::CallbackServerContext* context,
      const v1::RealisationRequest* request,
      v1::RealisationTable* response) override;

 private:
  const Projector& projector_;
};

}  // namespace banen

#endif  // BANEN_SERVICES_REALISATION_SERVICE_H_
