#include "services/quota_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/codec.h"
#include "ledger/status_macros.h"
#include "services/status_mapping.h"
#include "services/wire.h"
#include "services/worker_pool.h"

namespace banen {
namespace {

// An employer asks for its own employers only: a request naming none is
// narrowed to them (so the totals are theirs too), naming another is
// refused, as ReadEvents does.
absl::Status ScopeQuotaQuery(const Caller& caller, QuotaQuery* query) {
  if (caller.principal == nullptr ||
      caller.principal->role != v1::ROLE_EMPLOYER) {
    return absl::OkStatus();
  }
  const auto& scope = caller.principal->employer_ids;
  if (query->employer_ids.empty()) {
    query->employer_ids.assign(scope.begin(), scope.end());
    std::sort(query->employer_ids.begin(), query->employer_ids.end());
    return absl::OkStatus();
  }
  for (const std::string& id : query->employer_ids) {
    if (!scope.contains(id)) {
      return absl::PermissionDeniedError(absl::StrCat(
          "employer_ids: \"", id, "\" is outside the scope of principal \"",
          caller.principal->id, "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status AnswerQuota(const Projector& projector, const Caller& caller,
                         const v1::QuotaRequest& request,
                         v1::QuotaTable* response) {
  ASSIGN_OR_RETURN(QuotaQuery query, QuotaQueryFromProto(request));
  RETURN_IF_ERROR(ScopeQuotaQuery(caller, &query));
  ASSIGN_OR_RETURN(const QuotaTable table, projector.Quota(query));
  QuotaTableToProto(table, response);
  if (query.as_of.has_value()) {
    TimeToProto(*query.as_of, response->mutable_as_of());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<QuotaQuery> QuotaQueryFromProto(
    const v1::QuotaRequest& request) {
  QuotaQuery query;
  query.year = request.year();
  query.employer_ids.assign(request.employer_ids().begin(),
                            request.employer_ids().end());
  if (request.sector() < 0 || request.sector() >= kSectorCount) {
    return absl::InvalidArgumentError(
        absl::StrCat("sector: unknown sector ", request.sector()));
  }
  query.sector = static_cast<Sector>(request.sector());
  if (request.has_as_of()) query.as_of = TimeFromProto(request.as_of());
  ASSIGN_OR_RETURN(query.regime, RegimeFromProto(request.regime()));
  return query;
}

void QuotaTableToProto(const QuotaTable& table, v1::QuotaTable* proto) {
  proto->set_year(table.year);
  proto->set_regime(RegimeToProto(table.regime));
  proto->set_last_seq(table.cut);
  for (const QuotaRow& row : table.rows) {
    v1::QuotaRow* out = proto->add_rows();
    out->set_employer_id(row.employer_id);
    out->set_sector(static_cast<v1::Sector>(row.sector));
    if (row.paid_hours_x100) out->set_paid_hours_x100(*row.paid_hours_x100);
    if (row.previous_paid_hours_x100) {
      out->set_previous_paid_hours_x100(*row.previous_paid_hours_x100);
    }
    out->set_liable(row.liable);
    if (row.percentage_x100) out->set_percentage_x100(*row.percentage_x100);
    out->set_quota_banen_x100(row.quota_banen_x100);
    out->set_realised_hours_x100(row.realised_hours_x100);
    out->set_realised_banen_x100(row.realised_banen_x100);
    out->set_shortfall_banen_x10(row.shortfall_banen_x10);
    out->set_levy_euro(row.levy_euro);
  }
  for (const QuotaTotal& total : table.totals) {
    v1::QuotaTotal* out = proto->add_totals();
    out->set_sector(static_cast<v1::Sector>(total.sector));
    out->set_employers(total.employers);
    out->set_liable_employers(total.liable_employers);
    out->set_paid_hours_x100(total.paid_hours_x100);
    out->set_quota_banen_x100(total.quota_banen_x100);
    out->set_realised_banen_x100(total.realised_banen_x100);
    out->set_shortfall_banen_x10(total.shortfall_banen_x10);
    out->set_levy_euro(total.levy_euro);
  }
}

grpc::ServerUnaryReactor* QuotaServiceImpl::GetQuota(
    grpc::CallbackServerContext* context, const v1::QuotaRequest* request,
    v1::QuotaTable* response) {
  const absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, Rpc::kGetQuota);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  return FinishUnaryOnWorker(
      context, [this, caller = *caller, request, response] {
        return AnswerQuota(projector_, caller, *request, response);
      });
}

}  // namespace banen
