// Wire forms of the projections' values (realisation tables, snapshots) and
// of the time and kind values the services exchange. Events themselves are
// converted by ledger/codec.h only.
#ifndef BANEN_SERVICES_WIRE_H_
#define BANEN_SERVICES_WIRE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "banen/v1/ledger.pb.h"
#include "banen/v1/quota.pb.h"
#include "banen/v1/realisation.pb.h"
#include "banen/v1/register.pb.h"
#include "banen/v1/snapshot.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "ledger/codec.h"
#include "ledger/event.h"
#include "projections/quarter.h"
#include "projections/realisation.h"
#include "projections/register_figures.h"
#include "projections/snapshot.h"

namespace banen {

v1::EventKind EventKindToProto(EventKind kind);
// nullopt for EVENT_KIND_UNSPECIFIED and numbers outside the contract.
std::optional<EventKind> EventKindFromProto(int kind);

// INVALID_ARGUMENT naming the request field: a quarter that is not "YYYYQn",
// a sector or measure number outside the contract.
absl::StatusOr<Quarter> QuarterFromProto(const std::string& text,
                                         absl::string_view field);
absl::StatusOr<RealisationQuery> RealisationQueryFromProto(
    const v1::RealisationRequest& request);
// REGIME_UNSPECIFIED is WFSV_2015; INVALID_ARGUMENT for a number outside
// the contract.
absl::StatusOr<Regime> RegimeFromProto(int regime);
v1::Regime RegimeToProto(Regime regime);

void RealisationRowToProto(const RealisationRow& row,
                           v1::RealisationRow* proto);
void RealisationTableToProto(const RealisationTable& table,
                             v1::RealisationTable* proto);

// Without rows when !with_rows (ListSnapshots).
void SnapshotToProto(const Snapshot& snapshot, bool with_rows,
                     v1::Snapshot* proto);
void SnapshotDiffToProto(const SnapshotDiff& diff, v1::SnapshotDiff* proto);

// The register dashboard (issue 14): INVALID_ARGUMENT naming a malformed
// quarter field.
absl::StatusOr<RegisterQuery> RegisterQueryFromProto(
    const v1::RegisterFiguresRequest& request);
void RegisterTableToProto(const RegisterTable& table,
                          v1::RegisterFigures* proto);

}  // namespace banen

#endif  // BANEN_SERVICES_WIRE_H_
