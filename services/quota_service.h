// banen.v1.QuotaService over a Projector: proto -> QuotaQuery -> proto.
//
// Thread safety: stateless; the Projector answers concurrent calls, after
// waiting for the projection to reach the log's head (read-your-writes, up
// to ProjectorOptions::catch_up_timeout, then UNAVAILABLE). A call folds the
// whole state (O(persons + jobs)), so it runs on the worker pool.
// Callers are authorized first (services/auth.h); an employer sees only the
// rows of its own employers, and the sector totals. Ownership: borrows
// `projector` and `authorizer`, which must outlive the service and its
// server.
#ifndef BANEN_SERVICES_QUOTA_SERVICE_H_
#define BANEN_SERVICES_QUOTA_SERVICE_H_

#include "absl/status/statusor.h"
#include "banen/v1/quota.grpc.pb.h"
#include "projections/projector.h"
#include "projections/quota.h"
#include "services/auth.h"

namespace banen {

// INVALID_ARGUMENT naming the field: a sector or regime outside the
// contract.
absl::StatusOr<QuotaQuery> QuotaQueryFromProto(const v1::QuotaRequest& request);
void QuotaTableToProto(const QuotaTable& table, v1::QuotaTable* proto);

class QuotaServiceImpl final : public v1::QuotaService::CallbackService {
 public:
  QuotaServiceImpl(const Projector& projector, const Authorizer& authorizer)
      : projector_(projector), authorizer_(authorizer) {}

  grpc::ServerUnaryReactor* GetQuota(grpc::CallbackServerContext* context,
                                     const v1::QuotaRequest* request,
                                     v1::QuotaTable* response) override;

 private:
  const Projector& projector_;
  const Authorizer& authorizer_;
};

}  // namespace banen

#endif  // BANEN_SERVICES_QUOTA_SERVICE_H_
