#include "ledger/validation.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/event_error.h"
#include "ledger/status_macros.h"

namespace banen {
namespace {

absl::Status Invalid(int index, absl::string_view field,
                     absl::string_view reason) {
  return EventError(absl::StatusCode::kInvalidArgument, index, field, reason);
}

// The reason never repeats the value: it may be personal data.
absl::Status CheckNoBsn(std::string_view value, int index,
                        absl::string_view field) {
  if (ContainsBsn(value)) {
    return Invalid(index, field,
                   "contains a BSN (9 digits that pass the 11-check); the "
                   "ledger stores pseudonyms only");
  }
  return absl::OkStatus();
}

absl::Status CheckId(std::string_view value, int index, absl::string_view field,
                     const FieldLimits& limits) {
  if (value.empty()) return Invalid(index, field, "is required");
  if (value.size() > limits.max_id_bytes) {
    return Invalid(index, field,
                   absl::StrCat("is longer than ", limits.max_id_bytes,
                                " bytes (--max-id-bytes)"));
  }
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Invalid(index, field, "contains a control character");
    }
  }
  return CheckNoBsn(value, index, field);
}

// Free text may be empty; only its size is bounded.
absl::Status CheckText(std::string_view value, int index,
                       absl::string_view field, const FieldLimits& limits) {
  if (value.size() > limits.max_text_bytes) {
    return Invalid(index, field,
                   absl::StrCat("is longer than ", limits.max_text_bytes,
                                " bytes (--max-text-bytes)"));
  }
  return CheckNoBsn(value, index, field);
}

absl::Status CheckPersonRef(std::string_view value, int index,
                            absl::string_view field) {
  RETURN_IF_ERROR(CheckNoBsn(value, index, field));
  if (!IsValidPersonRef(value)) {
    return Invalid(index, field, "must be 16-64 characters of [A-Za-z0-9_-]");
  }
  return absl::OkStatus();
}

absl::Status CheckHours(int32_t hours_x100, int index,
                        absl::string_view field) {
  if (hours_x100 <= 0 || hours_x100 > kMaxHoursPerWeekX100) {
    return Invalid(index, field,
                   "must be in 1..8000 (hundredths of an hour per week)");
  }
  return absl::OkStatus();
}

absl::Status CheckInRange(int64_t value, int64_t low, int64_t high, int index,
                          absl::string_view field, absl::string_view reason) {
  return value < low || value > high ? Invalid(index, field, reason)
                                     : absl::OkStatus();
}

absl::Status CheckSpecified(bool specified, int index,
                            absl::string_view field) {
  return specified ? absl::OkStatus() : Invalid(index, field, "is required");
}

absl::Status CheckEmployerSector(Sector sector, int index,
                                 absl::string_view field) {
  if (!IsConcreteSector(sector)) {
    return Invalid(index, field,
                   "must be MARKT or one of the 13 government sectors");
  }
  return absl::OkStatus();
}

absl::Status CheckReportableSector(Sector sector, int index,
                                   absl::string_view field) {
  if (!IsReportableSector(sector)) {
    return Invalid(index, field, "must be a sector or an aggregate");
  }
  return absl::OkStatus();
}

absl::Status CheckBanen(int64_t banen_x100, int index,
                        absl::string_view field) {
  if (banen_x100 < 0) return Invalid(index, field, "must not be negative");
  return absl::OkStatus();
}

// Checks the payload-specific fields; one overload per event kind.
struct PayloadChecker {
  int index;
  const FieldLimits& limits;

  absl::Status operator()(const EmployerRegistered& e) const {
    RETURN_IF_ERROR(CheckId(e.employer_id, index,
                            "employer_registered.employer_id", limits));
    RETURN_IF_ERROR(
        CheckText(e.name, index, "employer_registered.name", limits));
    RETURN_IF_ERROR(
        CheckEmployerSector(e.sector, index, "employer_registered.sector"));
    if (!e.parent_employer_id.empty()) {
      RETURN_IF_ERROR(CheckId(e.parent_employer_id, index,
                              "employer_registered.parent_employer_id",
                              limits));
    }
    return absl::OkStatus();
  }
  absl::Status operator()(const EmployerReclassified& e) const {
    RETURN_IF_ERROR(CheckId(e.employer_id, index,
                            "employer_reclassified.employer_id", limits));
    return CheckEmployerSector(e.sector, index, "employer_reclassified.sector");
  }
  absl::Status operator()(const PersonRegistered& e) const {
    RETURN_IF_ERROR(
        CheckPersonRef(e.person_ref, index, "person_registered.person_ref"));
    // Optional, but a value outside the contract is malformed (the codec
    // refuses it on the wire; this guards events built in C++).
    if (static_cast<int>(e.grondslag) >= kGrondslagCount) {
      return Invalid(index, "person_registered.grondslag",
                     "unknown legal ground");
    }
    return absl::OkStatus();
  }
  absl::Status operator()(const PersonDeregistered& e) const {
    RETURN_IF_ERROR(
        CheckPersonRef(e.person_ref, index, "person_deregistered.person_ref"));
    return CheckSpecified(e.reason != DeregistrationReason::kUnspecified, index,
                          "person_deregistered.reason");
  }
  absl::Status operator()(const JobStarted& e) const {
    RETURN_IF_ERROR(CheckId(e.job_id, index, "job_started.job_id", limits));
    RETURN_IF_ERROR(
        CheckId(e.employer_id, index, "job_started.employer_id", limits));
    RETURN_IF_ERROR(
        CheckPersonRef(e.person_ref, index, "job_started.person_ref"));
    RETURN_IF_ERROR(CheckSpecified(e.form != ContractForm::kUnspecified, index,
                                   "job_started.form"));
    RETURN_IF_ERROR(
        CheckHours(e.hours_x100, index, "job_started.hours_per_week_x100"));
    if (IsInleen(e.form)) {
      RETURN_IF_ERROR(
          CheckId(e.lender_id, index, "job_started.lender_id", limits));
    } else if (!e.lender_id.empty()) {
      return Invalid(index, "job_started.lender_id",
                     "is only for INLEEN_UITZEND and INLEEN_DETACHERING");
    }
    // Any form may be an SROI job (DOMAIN.md §4); the form SROI of earlier
    // versions stays valid, and has no other mark of its commissioner.
    if (e.form == ContractForm::kSroi || !e.commissioning_employer_id.empty()) {
      RETURN_IF_ERROR(CheckId(e.commissioning_employer_id, index,
                              "job_started.commissioning_employer_id", limits));
    }
    return absl::OkStatus();
  }
  absl::Status operator()(const JobConverted& e) const {
    RETURN_IF_ERROR(CheckId(e.job_id, index, "job_converted.job_id", limits));
    if (e.to_form != ContractForm::kVast &&
        e.to_form != ContractForm::kTijdelijk) {
      return Invalid(index, "job_converted.to_form",
                     "must be VAST or TIJDELIJK");
    }
    if (e.hours_x100 != 0) {
      RETURN_IF_ERROR(
          CheckHours(e.hours_x100, index, "job_converted.hours_per_week_x100"));
    }
    return absl::OkStatus();
  }
  absl::Status operator()(const HoursChanged& e) const {
    RETURN_IF_ERROR(CheckId(e.job_id, index, "hours_changed.job_id", limits));
    return CheckHours(e.hours_x100, index, "hours_changed.hours_per_week_x100");
  }
  absl::Status operator()(const JobEnded& e) const {
    RETURN_IF_ERROR(CheckId(e.job_id, index, "job_ended.job_id", limits));
    return CheckSpecified(e.reason != OutflowReason::kUnspecified, index,
                          "job_ended.reason");
  }
  absl::Status operator()(const EventRetracted& e) const {
    RETURN_IF_ERROR(
        CheckSpecified(e.target_seq != 0, index, "event_retracted.target_seq"));
    return CheckText(e.reason, index, "event_retracted.reason", limits);
  }
  absl::Status operator()(const TargetSet& e) const {
    RETURN_IF_ERROR(
        CheckReportableSector(e.sector, index, "target_set.sector"));
    if (e.year < kFirstTargetYear || e.year > kLastTargetYear) {
      return Invalid(index, "target_set.year", "must be in 2013..2100");
    }
    RETURN_IF_ERROR(CheckBanen(e.banen_x100, index, "target_set.banen_x100"));
    return CheckText(e.source, index, "target_set.source", limits);
  }
  absl::Status operator()(const BaselineSet& e) const {
    RETURN_IF_ERROR(
        CheckReportableSector(e.sector, index, "baseline_set.sector"));
    RETURN_IF_ERROR(CheckBanen(e.banen_x100, index, "baseline_set.banen_x100"));
    return CheckText(e.source, index, "baseline_set.source", limits);
  }
  absl::Status operator()(const InleenKeySet& e) const {
    if (e.year < kFirstInleenKeyYear || e.year > kLastTargetYear) {
      return Invalid(index, "inleen_key_set.year",
                     "must be in 2012..2100 (2012: the baseline's key)");
    }
    if (e.overheid_share_x10 < 0 || e.overheid_share_x10 > kWholeShareX10) {
      return Invalid(index, "inleen_key_set.overheid_share_x10",
                     "must be in 0..1000 (tenths of a percent)");
    }
    return CheckText(e.source, index, "inleen_key_set.source", limits);
  }
  absl::Status operator()(const EmployerHoursReported& e) const {
    RETURN_IF_ERROR(CheckId(e.employer_id, index,
                            "employer_hours_reported.employer_id", limits));
    RETURN_IF_ERROR(CheckInRange(e.year, kFirstPaidHoursYear, kLastTargetYear,
                                 index, "employer_hours_reported.year",
                                 "must be in 2012..2100 (2012: the year "
                                 "before the first quota year)"));
    RETURN_IF_ERROR(
        CheckInRange(e.paid_hours_x100, 0, kMaxPaidHoursX100, index,
                     "employer_hours_reported.paid_hours_x100",
                     absl::StrCat("must be in 0..", kMaxPaidHoursX100,
                                  " (hundredths of an hour)")));
    return CheckText(e.source, index, "employer_hours_reported.source", limits);
  }
  absl::Status operator()(const QuotaPercentageSet& e) const {
    if (e.sector != Sector::kOverheid && e.sector != Sector::kMarkt &&
        e.sector != Sector::kNationaal) {
      return Invalid(index, "quota_percentage_set.sector",
                     "must be OVERHEID, MARKT or NATIONAAL");
    }
    RETURN_IF_ERROR(CheckInRange(e.year, kFirstTargetYear, kLastTargetYear,
                                 index, "quota_percentage_set.year",
                                 "must be in 2013..2100"));
    RETURN_IF_ERROR(
        CheckInRange(e.percentage_x100, 0, kMaxPercentageX100, index,
                     "quota_percentage_set.percentage_x100",
                     "must be in 0..10000 (hundredths of a percent)"));
    return CheckText(e.source, index, "quota_percentage_set.source", limits);
  }
};

}  // namespace

bool IsValidBsn(std::string_view text) {
  if (text.size() != 9) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return false;
    const int digit = text[i] - '0';
    sum += i < 8 ? (9 - i) * digit : -digit;
  }
  return sum % 11 == 0 && text != "000000000";
}

bool ContainsBsn(std::string_view text) {
  // Every string field of every event is scanned, and a BSN is a maximal run
  // of exactly 9 digits: a non-digit rules out each run through it, so
  // probing every 9th character skips most text.
  const auto is_digit = [&](size_t i) {
    return absl::ascii_isdigit(static_cast<unsigned char>(text[i]));
  };
  size_t probe = 8;  // the last digit of a run starting at 0
  while (probe < text.size()) {
    if (!is_digit(probe)) {
      probe += 9;
      continue;
    }
    size_t start = probe;
    while (start > 0 && is_digit(start - 1)) --start;
    size_t end = probe + 1;
    while (end < text.size() && is_digit(end)) ++end;
    if (end - start == 9 && IsValidBsn(text.substr(start, 9))) return true;
    probe = end + 9;  // the next run starts after the non-digit at `end`
  }
  return false;
}

bool IsValidPersonRef(std::string_view text) {
  if (text.size() < 16 || text.size() > 64) return false;
  for (char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

absl::Status ValidateEventId(const Event& event, int index,
                             const FieldLimits& limits) {
  return CheckId(event.event_id, index, "event_id", limits);
}

absl::Status ValidateFields(const Event& event, int index, Date recorded_date,
                            const FieldLimits& limits) {
  RETURN_IF_ERROR(ValidateEventId(event, index, limits));
  // In 64 bits: any Date is a recorded date, even one near the end of its
  // range (the date of a Timestamp read from disk or the wire).
  const Date latest{static_cast<int32_t>(
      std::min<int64_t>(int64_t{recorded_date.days} + kMaxDaysAhead,
                        std::numeric_limits<int32_t>::max()))};
  if (event.effective_date < kEarliestEffectiveDate ||
      event.effective_date > latest) {
    return Invalid(
        index, "effective_date",
        absl::StrCat("must lie between 1998-01-01 and ", FormatDate(latest),
                     " (recorded date + 366 days)"));
  }
  return std::visit(PayloadChecker{index, limits}, event.payload);
}

}  // namespace banen
