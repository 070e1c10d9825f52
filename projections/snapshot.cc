#include "projections/snapshot.h"

#include <algorithm>
#include <cstdio>

#include "banen/v1/projection.pb.h"
#include "ledger/codec.h"

namespace banen {
namespace {

template <typename Array, typename Repeated>
bool CopyRepeated(const Repeated& from, Array& to) {
  if (static_cast<size_t>(from.size()) != to.size()) return false;
  std::copy(from.begin(), from.end(), to.begin());
  return true;
}

void RowToProto(const RealisationRow& row, v1::RealisationRowRecord* proto) {
  proto->set_sector(static_cast<v1::Sector>(row.sector));
  proto->set_employer_id(row.employer_id);
  proto->set_quarter(FormatQuarter(row.quarter));
  proto->set_measure(static_cast<v1::Measure>(row.measure));
  for (int64_t value : row.banen_numerator) proto->add_banen_numerator(value);
  proto->set_banen_denominator(row.banen_denominator);
  proto->set_banen_x100(row.banen_x100);
  for (int64_t value : row.form_banen_x100) proto->add_form_banen_x100(value);
  proto->set_banen_sroi_x100(row.banen_sroi_x100);
  proto->set_persons(row.persons);
  proto->set_jobs(row.jobs);
  if (row.doel_x100) proto->set_doel_x100(*row.doel_x100);
  if (row.realisatiepercentage_x10) {
    proto->set_realisatiepercentage_x10(*row.realisatiepercentage_x10);
  }
  if (row.realisatiepercentage_incl_sroi_x10) {
    proto->set_realisatiepercentage_incl_sroi_x10(
        *row.realisatiepercentage_incl_sroi_x10);
  }
  if (row.baseline_x100) proto->set_baseline_x100(*row.baseline_x100);
  if (row.extra_x100) proto->set_extra_x100(*row.extra_x100);
  v1::FlowCounts* flows = proto->mutable_flows();
  flows->set_started(row.flows.started);
  for (int64_t value : row.flows.ended) flows->add_ended(value);
  for (int64_t value : row.flows.converted) flows->add_converted(value);
  proto->set_change_x100(row.change_x100);
}

absl::StatusOr<RealisationRow> RowFromProto(
    const v1::RealisationRowRecord& proto) {
  RealisationRow row;
  const std::optional<Quarter> quarter = ParseQuarter(proto.quarter());
  if (!quarter.has_value() || proto.measure() < 0 ||
      proto.measure() >= kMeasureCount ||
      !CopyRepeated(proto.banen_numerator(), row.banen_numerator) ||
      !CopyRepeated(proto.form_banen_x100(), row.form_banen_x100) ||
      !CopyRepeated(proto.flows().ended(), row.flows.ended) ||
      !CopyRepeated(proto.flows().converted(), row.flows.converted)) {
    return absl::DataLossError("snapshot row has a foreign layout");
  }
  row.sector = static_cast<Sector>(proto.sector());
  row.employer_id = proto.employer_id();
  row.quarter = *quarter;
  row.measure = static_cast<Measure>(proto.measure());
  row.banen_denominator = proto.banen_denominator();
  row.banen_x100 = proto.banen_x100();
  row.banen_sroi_x100 = proto.banen_sroi_x100();
  row.persons = proto.persons();
  row.jobs = proto.jobs();
  if (proto.has_doel_x100()) row.doel_x100 = proto.doel_x100();
  if (proto.has_realisatiepercentage_x10()) {
    row.realisatiepercentage_x10 = proto.realisatiepercentage_x10();
  }
  if (proto.has_realisatiepercentage_incl_sroi_x10()) {
    row.realisatiepercentage_incl_sroi_x10 =
        proto.realisatiepercentage_incl_sroi_x10();
  }
  if (proto.has_baseline_x100()) row.baseline_x100 = proto.baseline_x100();
  if (proto.has_extra_x100()) row.extra_x100 = proto.extra_x100();
  row.flows.started = proto.flows().started();
  row.change_x100 = proto.change_x100();
  return row;
}

}  // namespace

std::string SnapshotKey(Quarter quarter, uint64_t head_seq) {
  char seq[24];
  std::snprintf(seq, sizeof(seq), "%020llu",
                static_cast<unsigned long long>(head_seq));
  return FormatQuarter(quarter) + "/" + seq;
}

std::string Snapshot::Key() const { return SnapshotKey(quarter, head_seq); }

std::string EncodeSnapshot(const Snapshot& snapshot) {
  v1::SnapshotRecord proto;
  proto.set_quarter(FormatQuarter(snapshot.quarter));
  proto.set_head_seq(snapshot.head_seq);
  proto.set_head_hash(snapshot.head_hash.data(), snapshot.head_hash.size());
  TimeToProto(snapshot.as_of, proto.mutable_as_of());
  for (const RealisationRow& row : snapshot.rows) {
    RowToProto(row, proto.add_rows());
  }
  return proto.SerializeAsString();
}

absl::StatusOr<Snapshot> DecodeSnapshot(std::string_view bytes) {
  v1::SnapshotRecord proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("snapshot does not parse");
  }
  Snapshot snapshot;
  const std::optional<Quarter> quarter = ParseQuarter(proto.quarter());
  if (!quarter.has_value() || proto.head_hash().size() != Hash().size()) {
    return absl::DataLossError("snapshot has no quarter or head hash");
  }
  snapshot.quarter = *quarter;
  snapshot.head_seq = proto.head_seq();
  std::copy(proto.head_hash().begin(), proto.head_hash().end(),
            snapshot.head_hash.begin());
  snapshot.as_of = TimeFromProto(proto.as_of());
  for (const v1::RealisationRowRecord& row : proto.rows()) {
    absl::StatusOr<RealisationRow> decoded = RowFromProto(row);
    if (!decoded.ok()) return decoded.status();
    snapshot.rows.push_back(*std::move(decoded));
  }
  return snapshot;
}

}  // namespace banen
