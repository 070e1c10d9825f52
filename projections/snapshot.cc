#include "projections/snapshot.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "banen/v1/projection.pb.h"
#include "ledger/codec.h"

namespace banen {
namespace {

template <typename Array, typename Repeated>
bool CopyRepeated(const Repeated& from, Array& to, size_t size) {
  if (static_cast<size_t>(from.size()) != size || size > to.size()) {
    return false;
  }
  std::copy(from.begin(), from.end(), to.begin());
  return true;
}

template <typename Array, typename Repeated>
bool CopyRepeated(const Repeated& from, Array& to) {
  return CopyRepeated(from, to, to.size());
}

// Fields added after snapshots were first frozen: absent leaves zeros.
template <typename Array, typename Repeated>
bool CopyRepeatedIfPresent(const Repeated& from, Array& to) {
  return from.empty() || CopyRepeated(from, to);
}

// Rows of rules version 1 have no kSroiFormUnknown: their form arrays are
// the first five series.
size_t FormSeriesStored(int32_t rules_version) {
  return rules_version == 1 ? static_cast<size_t>(FormSeries::kSroiFormUnknown)
                            : kFormSeriesCount;
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
  for (int64_t value : row.persons_by_form) proto->add_persons_by_form(value);
  proto->set_change_year_x100(row.change_year_x100);
  for (int64_t value : row.form_change_year_x100) {
    proto->add_form_change_year_x100(value);
  }
  proto->set_persons_change_year(row.persons_change_year);
  for (int64_t value : row.persons_by_form_change_year) {
    proto->add_persons_by_form_change_year(value);
  }
}

absl::StatusOr<RealisationRow> RowFromProto(
    const v1::RealisationRowRecord& proto, int32_t rules_version) {
  RealisationRow row;
  const std::optional<Quarter> quarter = ParseQuarter(proto.quarter());
  const size_t forms = FormSeriesStored(rules_version);
  if (!quarter.has_value() || proto.measure() < 0 ||
      proto.measure() >= kMeasureCount ||
      !CopyRepeated(proto.banen_numerator(), row.banen_numerator, forms) ||
      !CopyRepeated(proto.form_banen_x100(), row.form_banen_x100, forms) ||
      !CopyRepeated(proto.flows().ended(), row.flows.ended) ||
      !CopyRepeated(proto.flows().converted(), row.flows.converted) ||
      !CopyRepeatedIfPresent(proto.persons_by_form(), row.persons_by_form) ||
      !CopyRepeatedIfPresent(proto.form_change_year_x100(),
                             row.form_change_year_x100) ||
      !CopyRepeatedIfPresent(proto.persons_by_form_change_year(),
                             row.persons_by_form_change_year)) {
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
  row.change_year_x100 = proto.change_year_x100();
  row.persons_change_year = proto.persons_change_year();
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
  proto.set_rules_version(snapshot.rules_version);
  proto.set_checkpoint(snapshot.checkpoint);
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
  // Snapshots made before the rules were versioned have none: version 1.
  snapshot.rules_version =
      proto.has_rules_version() ? proto.rules_version() : 1;
  if (snapshot.rules_version < 1 ||
      snapshot.rules_version > kCountingRulesVersion) {
    return absl::DataLossError("snapshot has unknown counting rules");
  }
  snapshot.checkpoint = proto.checkpoint();
  for (const v1::RealisationRowRecord& row : proto.rows()) {
    absl::StatusOr<RealisationRow> decoded =
        RowFromProto(row, snapshot.rules_version);
    if (!decoded.ok()) return decoded.status();
    snapshot.rows.push_back(*std::move(decoded));
  }
  return snapshot;
}

RealisationQuery QuarterQuery(Quarter quarter, Measure measure) {
  return RealisationQuery{.sectors = {},
                          .from = quarter,
                          .to = quarter,
                          .measure = measure,
                          .as_of = std::nullopt,
                          .include_employers = false};
}

std::vector<RealisationRow> RederiveSnapshotRows(const ProjectionState& state,
                                                 Quarter quarter,
                                                 absl::Time as_of) {
  std::vector<RealisationRow> rows;
  for (int m = 0; m < kMeasureCount; ++m) {
    RealisationQuery query = QuarterQuery(quarter, static_cast<Measure>(m));
    query.as_of = as_of;
    RealisationTable table = ComputeRealisation(state, query);
    std::move(table.rows.begin(), table.rows.end(), std::back_inserter(rows));
  }
  return rows;
}

}  // namespace banen
