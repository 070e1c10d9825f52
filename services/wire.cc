#include "services/wire.h"

#include <initializer_list>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/status_macros.h"
#include "projections/figures.h"
#include "projections/rounding.h"

namespace banen {
namespace {

int64_t FormBanen(const RealisationRow& row, FormSeries series) {
  return row.form_banen_x100[static_cast<size_t>(series)];
}

// Per-form figures of a row (persons, changes) onto their proto fields.
template <typename Proto, typename Values>
void FormsToProto(const Values& values, Proto* proto,
                  std::initializer_list<void (Proto::*)(int64_t)> setters) {
  int form = 0;
  for (const auto setter : setters) (proto->*setter)(values[form++]);
}

void FlowsToProto(const Flows& flows, v1::RealisationFlows* proto) {
  proto->set_started(flows.started);
  for (int reason = 0; reason < kOutflowReasonCount; ++reason) {
    if (flows.ended[reason] == 0) continue;
    v1::OutflowCount* count = proto->add_ended();
    count->set_reason(static_cast<v1::OutflowReason>(reason));
    count->set_jobs(flows.ended[reason]);
    proto->set_ended_total(proto->ended_total() + flows.ended[reason]);
  }
  for (int index = 0; index < kConversionCount; ++index) {
    if (flows.converted[index] == 0) continue;
    const auto& [from, to] = kConversions[index];
    v1::ConversionCount* count = proto->add_converted();
    count->set_from_form(static_cast<v1::ContractForm>(from));
    count->set_to_form(static_cast<v1::ContractForm>(to));
    count->set_jobs(flows.converted[index]);
    proto->set_converted_total(proto->converted_total() +
                               flows.converted[index]);
  }
}

v1::RealisationMeasure MeasureToProto(Measure measure) {
  switch (measure) {
    case Measure::kPeildatum:
      return v1::REALISATION_MEASURE_PEILDATUM;
    case Measure::kKwartaalgemiddelde:
      return v1::REALISATION_MEASURE_KWARTAALGEMIDDELDE;
    case Measure::kMaanduren:
      return v1::REALISATION_MEASURE_MAANDUREN;
  }
  return v1::REALISATION_MEASURE_UNSPECIFIED;
}

absl::StatusOr<Measure> MeasureFromProto(int measure) {
  switch (measure) {
    case v1::REALISATION_MEASURE_UNSPECIFIED:
    case v1::REALISATION_MEASURE_PEILDATUM:
      return Measure::kPeildatum;
    case v1::REALISATION_MEASURE_KWARTAALGEMIDDELDE:
      return Measure::kKwartaalgemiddelde;
    case v1::REALISATION_MEASURE_MAANDUREN:
      return Measure::kMaanduren;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("measure: unknown measure ", measure));
  }
}

absl::StatusOr<RealisationView> ViewFromProto(int view) {
  switch (view) {
    case v1::REALISATION_VIEW_UNSPECIFIED:
    case v1::REALISATION_VIEW_BY_SECTOR:
      return RealisationView::kBySector;
    case v1::REALISATION_VIEW_NATIONAL_MONITOR:
      return RealisationView::kNationalMonitor;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("view: unknown view ", view));
  }
}

void YearRowToProto(const YearRow& row, v1::YearRow* proto) {
  using Row = v1::YearRow;
  proto->set_sector(static_cast<v1::Sector>(row.sector));
  proto->set_year(row.year);
  proto->set_hours_x100(row.hours_x100);
  proto->set_banen_x100(row.banen_x100);
  FormsToProto(row.form_banen_x100, proto,
               {&Row::set_banen_vast_x100, &Row::set_banen_tijdelijk_x100,
                &Row::set_banen_inleen_uitzend_x100,
                &Row::set_banen_inleen_detachering_x100});
  proto->set_banen_sroi_form_unknown_x100(
      row.form_banen_x100[static_cast<size_t>(FormSeries::kSroiFormUnknown)]);
  if (row.doel_x100) proto->set_doel_x100(*row.doel_x100);
  if (row.realisatiepercentage_x10) {
    proto->set_realisatiepercentage_x10(*row.realisatiepercentage_x10);
  }
  proto->set_change_x100(row.change_x100);
  proto->set_banen_numerator(row.Numerator());
  proto->set_banen_denominator(kYearBanenDenominator);
}

void MonitorRowToProto(const MonitorRow& row, v1::MonitorRow* proto) {
  proto->set_sector(static_cast<v1::Sector>(row.sector));
  proto->set_quarter(FormatQuarter(row.quarter));
  proto->set_measure(MeasureToProto(row.measure));
  if (row.key_x10) proto->set_inleen_key_overheid_x10(*row.key_x10);
  if (row.baseline_key_x10) {
    proto->set_baseline_inleen_key_overheid_x10(*row.baseline_key_x10);
  }
  proto->set_inleen_total_x100(row.inleen_total_x100);
  proto->set_baseline_inleen_total_x100(row.baseline_inleen_total_x100);
  proto->set_formal_x100(row.formal_x100);
  proto->set_baseline_formal_x100(row.baseline_formal_x100);
  proto->set_extra_formal_x100(row.extra_formal_x100);
  if (row.inleen_x100) proto->set_inleen_x100(*row.inleen_x100);
  if (row.baseline_inleen_x100) {
    proto->set_baseline_inleen_x100(*row.baseline_inleen_x100);
  }
  if (row.extra_inleen_x100)
    proto->set_extra_inleen_x100(*row.extra_inleen_x100);
  if (row.banen_x100) proto->set_banen_x100(*row.banen_x100);
  if (row.baseline_x100) proto->set_baseline_x100(*row.baseline_x100);
  if (row.extra_x100) proto->set_extra_x100(*row.extra_x100);
}

}  // namespace

v1::EventKind EventKindToProto(EventKind kind) {
  // The wire numbers follow EventKind's order, from 1.
  return static_cast<v1::EventKind>(static_cast<int>(kind) + 1);
}

std::optional<EventKind> EventKindFromProto(int kind) {
  if (kind < 1 || kind > kEventKindCount) return std::nullopt;
  return static_cast<EventKind>(kind - 1);
}

absl::StatusOr<Quarter> QuarterFromProto(const std::string& text,
                                         absl::string_view field) {
  const std::optional<Quarter> quarter = ParseQuarter(text);
  if (!quarter.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", text, "\" is not a quarter like 2024Q4"));
  }
  return *quarter;
}

// from_quarter and to_quarter (empty: from_quarter).
absl::StatusOr<std::pair<Quarter, Quarter>> QuarterRangeFromProto(
    const std::string& from_text, const std::string& to_text) {
  ASSIGN_OR_RETURN(const Quarter from,
                   QuarterFromProto(from_text, "from_quarter"));
  if (to_text.empty()) return std::make_pair(from, from);
  ASSIGN_OR_RETURN(const Quarter to, QuarterFromProto(to_text, "to_quarter"));
  return std::make_pair(from, to);
}

absl::StatusOr<RealisationQuery> RealisationQueryFromProto(
    const v1::RealisationRequest& request) {
  RealisationQuery query;
  for (const int sector : request.sectors()) {
    if (sector <= 0 || sector >= kSectorCount) {
      return absl::InvalidArgumentError(
          absl::StrCat("sectors: unknown sector ", sector));
    }
    query.sectors.push_back(static_cast<Sector>(sector));
  }
  ASSIGN_OR_RETURN(
      std::tie(query.from, query.to),
      QuarterRangeFromProto(request.from_quarter(), request.to_quarter()));
  auto measure = MeasureFromProto(request.measure());
  if (!measure.ok()) return measure.status();
  query.measure = *measure;
  if (request.has_as_of()) query.as_of = TimeFromProto(request.as_of());
  query.include_employers = request.include_employers();
  if (request.roll_up_children() && !request.include_employers()) {
    return absl::InvalidArgumentError(
        "roll_up_children: rolls up employer rows, so needs "
        "include_employers");
  }
  query.roll_up_children = request.roll_up_children();
  auto view = ViewFromProto(request.view());
  if (!view.ok()) return view.status();
  query.view = *view;
  ASSIGN_OR_RETURN(query.regime, RegimeFromProto(request.regime()));
  return query;
}

absl::StatusOr<Regime> RegimeFromProto(int regime) {
  switch (regime) {
    case v1::REGIME_UNSPECIFIED:
    case v1::REGIME_WFSV_2015:
      return Regime::kWfsv2015;
    case v1::REGIME_WBA_2026:
      return Regime::kWba2026;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("regime: unknown regime ", regime));
  }
}

v1::Regime RegimeToProto(Regime regime) {
  return regime == Regime::kWba2026 ? v1::REGIME_WBA_2026
                                    : v1::REGIME_WFSV_2015;
}

void RealisationRowToProto(const RealisationRow& row,
                           v1::RealisationRow* proto) {
  proto->set_sector(static_cast<v1::Sector>(row.sector));
  proto->set_employer_id(row.employer_id);
  proto->set_quarter(FormatQuarter(row.quarter));
  proto->set_measure(MeasureToProto(row.measure));
  proto->set_banen_x100(row.banen_x100);
  proto->set_banen_vast_x100(FormBanen(row, FormSeries::kVast));
  proto->set_banen_tijdelijk_x100(FormBanen(row, FormSeries::kTijdelijk));
  proto->set_banen_inleen_uitzend_x100(
      FormBanen(row, FormSeries::kInleenUitzend));
  proto->set_banen_inleen_detachering_x100(
      FormBanen(row, FormSeries::kInleenDetachering));
  proto->set_banen_sroi_x100(row.banen_sroi_x100);
  proto->set_banen_sroi_form_unknown_x100(
      FormBanen(row, FormSeries::kSroiFormUnknown));
  // Rounded once from the exact sum, not the sum of two rounded figures.
  const __int128 sroi_numerator =
      row.banen_numerator[static_cast<size_t>(FormSeries::kSroi)];
  proto->set_banen_incl_sroi_x100(
      RoundHalfEven((row.RealisationNumerator() + sroi_numerator) * 100,
                    row.banen_denominator));
  proto->set_persons(row.persons);
  proto->set_jobs(row.jobs);
  if (row.doel_x100.has_value()) proto->set_doel_x100(*row.doel_x100);
  if (row.realisatiepercentage_x10.has_value()) {
    proto->set_realisatiepercentage_x10(*row.realisatiepercentage_x10);
  }
  if (row.realisatiepercentage_incl_sroi_x10.has_value()) {
    proto->set_realisatiepercentage_incl_sroi_x10(
        *row.realisatiepercentage_incl_sroi_x10);
  }
  if (row.baseline_x100.has_value()) {
    proto->set_baseline_x100(*row.baseline_x100);
  }
  if (row.extra_x100.has_value()) proto->set_extra_x100(*row.extra_x100);
  FlowsToProto(row.flows, proto->mutable_flows());
  proto->set_change_x100(row.change_x100);
  proto->set_banen_numerator(row.RealisationNumerator());
  proto->set_banen_denominator(row.banen_denominator);
  using Row = v1::RealisationRow;
  FormsToProto(
      row.persons_by_form, proto,
      {&Row::set_persons_vast, &Row::set_persons_tijdelijk,
       &Row::set_persons_inleen_uitzend, &Row::set_persons_inleen_detachering});
  proto->set_change_year_x100(row.change_year_x100);
  FormsToProto(
      row.form_change_year_x100, proto,
      {&Row::set_change_year_vast_x100, &Row::set_change_year_tijdelijk_x100,
       &Row::set_change_year_inleen_uitzend_x100,
       &Row::set_change_year_inleen_detachering_x100,
       &Row::set_change_year_sroi_x100});
  proto->set_persons_change_year(row.persons_change_year);
  FormsToProto(row.persons_by_form_change_year, proto,
               {&Row::set_persons_change_year_vast,
                &Row::set_persons_change_year_tijdelijk,
                &Row::set_persons_change_year_inleen_uitzend,
                &Row::set_persons_change_year_inleen_detachering});
}

void RealisationTableToProto(const RealisationTable& table,
                             v1::RealisationTable* proto) {
  for (const RealisationRow& row : table.rows) {
    RealisationRowToProto(row, proto->add_rows());
  }
  for (const MonitorRow& row : table.monitor_rows) {
    MonitorRowToProto(row, proto->add_monitor_rows());
  }
  for (const YearRow& row : table.year_rows) {
    YearRowToProto(row, proto->add_year_rows());
  }
  proto->set_regime(RegimeToProto(table.regime));
  if (table.as_of != absl::InfinitePast()) {
    TimeToProto(table.as_of, proto->mutable_as_of());
  }
  proto->set_last_seq(table.last_seq);
  proto->set_rules_version(kCountingRulesVersion);
}

void SnapshotToProto(const Snapshot& snapshot, bool with_rows,
                     v1::Snapshot* proto) {
  proto->set_key(snapshot.Key());
  proto->set_quarter(FormatQuarter(snapshot.quarter));
  proto->set_head_seq(snapshot.head_seq);
  proto->set_head_hash(snapshot.head_hash.data(), snapshot.head_hash.size());
  TimeToProto(snapshot.as_of, proto->mutable_as_of());
  proto->set_rules_version(snapshot.rules_version);
  proto->set_checkpoint(snapshot.checkpoint);
  if (!with_rows) return;
  for (const RealisationRow& row : snapshot.rows) {
    RealisationRowToProto(row, proto->add_rows());
  }
}

void SnapshotDiffToProto(const SnapshotDiff& diff, v1::SnapshotDiff* proto) {
  proto->set_snapshot_key(diff.snapshot_key);
  proto->set_snapshot_seq(diff.snapshot_seq);
  proto->set_current_seq(diff.current_seq);
  proto->set_snapshot_rules_version(diff.snapshot_rules_version);
  proto->set_current_rules_version(diff.current_rules_version);
  for (const SectorDiff& sector : diff.sectors) {
    v1::SectorDiff* sector_proto = proto->add_sectors();
    sector_proto->set_sector(static_cast<v1::Sector>(sector.sector));
    for (const RealisationRow& row : sector.snapshot_rows) {
      RealisationRowToProto(row, sector_proto->add_snapshot_rows());
    }
    for (const RealisationRow& row : sector.current_rows) {
      RealisationRowToProto(row, sector_proto->add_current_rows());
    }
    for (const RealisationRow& row : sector.rules_rows) {
      RealisationRowToProto(row, sector_proto->add_rules_rows());
    }
    sector_proto->set_rules_changed(sector.rules_changed);
    for (const SnapshotChange& change : sector.changes) {
      v1::SnapshotChange* change_proto = sector_proto->add_changes();
      change_proto->set_seq(change.seq);
      TimeToProto(change.recorded_at, change_proto->mutable_recorded_at());
      change_proto->set_event_id(change.event_id);
      change_proto->set_kind(EventKindToProto(change.kind));
      change_proto->set_effective_date(FormatDate(change.effective_date));
      change_proto->set_recorded_by(change.recorded_by);
    }
  }
}

absl::StatusOr<RegisterQuery> RegisterQueryFromProto(
    const v1::RegisterFiguresRequest& request) {
  RegisterQuery query;
  ASSIGN_OR_RETURN(
      std::tie(query.from, query.to),
      QuarterRangeFromProto(request.from_quarter(), request.to_quarter()));
  if (request.has_as_of()) query.as_of = TimeFromProto(request.as_of());
  return query;
}

void RegisterTableToProto(const RegisterTable& table,
                          v1::RegisterFigures* proto) {
  for (const RegisterQuarter& quarter : table.quarters) {
    const RegisterCounts& counts = quarter.counts;
    v1::RegisterQuarter* row = proto->add_quarters();
    row->set_quarter(FormatQuarter(counts.quarter));
    row->set_registered(counts.registered);
    row->set_working(counts.working);
    for (int g = 0; g < kGrondslagCount; ++g) {
      if (counts.inflow[g] == 0) continue;
      v1::GrondslagCount* inflow = row->add_inflow();
      inflow->set_grondslag(static_cast<v1::Grondslag>(g));
      inflow->set_persons(counts.inflow[g]);
    }
    row->set_inflow_total(counts.InflowTotal());
    for (int r = 0; r < kDeregistrationReasonCount; ++r) {
      if (counts.outflow[r] == 0) continue;
      v1::DeregistrationCount* outflow = row->add_outflow();
      outflow->set_reason(static_cast<v1::DeregistrationReason>(r));
      outflow->set_persons(counts.outflow[r]);
    }
    row->set_outflow_total(counts.OutflowTotal());
    row->set_found_work(counts.found_work);
    row->set_lost_work(counts.lost_work);
    const RegisterBanen& banen = quarter.banen;
    row->set_banen_x100(banen.total_x100);
    row->set_banen_markt_formal_x100(banen.markt_formal_x100);
    row->set_banen_overheid_formal_x100(banen.overheid_formal_x100);
    row->set_banen_inleen_x100(banen.inleen_x100);
    row->set_change_banen_x100(banen.change_total_x100);
    row->set_change_markt_formal_x100(banen.change_markt_formal_x100);
    row->set_change_overheid_formal_x100(banen.change_overheid_formal_x100);
    row->set_change_inleen_x100(banen.change_inleen_x100);
  }
  if (table.as_of != absl::InfinitePast()) {
    TimeToProto(table.as_of, proto->mutable_as_of());
  }
  proto->set_last_seq(table.last_seq);
}

}  // namespace banen
