// Builders for ledger events, so a test states only what matters to it:
//   JobStartedEvent("e1", "2024-01-15", "job-1", "emp-1", kPerson1,
//                   ContractForm::kVast, 2550)
// Dates are "YYYY-MM-DD"; a date the ledger cannot parse fails the test.
#ifndef BANEN_TESTS_LEDGER_TEST_EVENTS_H_
#define BANEN_TESTS_LEDGER_TEST_EVENTS_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/event.h"
#include "ledger/event_log.h"

namespace banen::test {

// Pseudonyms of the right shape (16-64 characters of [A-Za-z0-9_-]).
inline constexpr std::string_view kPerson1 = "person-ref-000000001";
inline constexpr std::string_view kPerson2 = "person-ref-000000002";
// A valid BSN (11-check: 9+8+7+12+10+8+9+6-3 = 66 = 6 * 11): never stored.
inline constexpr std::string_view kBsn = "111222333";

// A valid pseudonym per number.
inline std::string PersonRef(int number) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "person-ref-%010d", number);
  return buffer;
}

inline Date D(std::string_view text) {
  std::optional<Date> date = ParseDate(text);
  if (!date.has_value()) {
    ADD_FAILURE() << "test date does not parse: " << text;
    return Date{};
  }
  return *date;
}

inline Event MakeEvent(std::string_view event_id, std::string_view date,
                       EventPayload payload) {
  return Event{.event_id = std::string(event_id),
               .effective_date = D(date),
               .payload = std::move(payload)};
}

inline Event EmployerRegisteredEvent(std::string_view event_id,
                                     std::string_view date,
                                     std::string_view employer_id,
                                     Sector sector = Sector::kGemeenten,
                                     std::string_view name = "Gemeente Utrecht",
                                     std::string_view parent_employer_id = "") {
  return MakeEvent(event_id, date,
                   EmployerRegistered{
                       .employer_id = std::string(employer_id),
                       .name = std::string(name),
                       .sector = sector,
                       .parent_employer_id = std::string(parent_employer_id)});
}

inline Event EmployerReclassifiedEvent(std::string_view event_id,
                                       std::string_view date,
                                       std::string_view employer_id,
                                       Sector sector) {
  return MakeEvent(event_id, date,
                   EmployerReclassified{.employer_id = std::string(employer_id),
                                        .sector = sector});
}

inline Event PersonRegisteredEvent(
    std::string_view event_id, std::string_view date,
    std::string_view person_ref,
    Grondslag grondslag = Grondslag::kUnspecified) {
  return MakeEvent(event_id, date,
                   PersonRegistered{.person_ref = std::string(person_ref),
                                    .grondslag = grondslag});
}

inline Event PersonDeregisteredEvent(
    std::string_view event_id, std::string_view date,
    std::string_view person_ref,
    DeregistrationReason reason = DeregistrationReason::kAowAge) {
  return MakeEvent(event_id, date,
                   PersonDeregistered{.person_ref = std::string(person_ref),
                                      .reason = reason});
}

inline Event JobStartedEvent(std::string_view event_id, std::string_view date,
                             std::string_view job_id,
                             std::string_view employer_id,
                             std::string_view person_ref, ContractForm form,
                             int32_t hours_x100,
                             std::string_view lender_id = "",
                             std::string_view commissioning_employer_id = "") {
  return MakeEvent(event_id, date,
                   JobStarted{.job_id = std::string(job_id),
                              .employer_id = std::string(employer_id),
                              .person_ref = std::string(person_ref),
                              .form = form,
                              .hours_x100 = hours_x100,
                              .lender_id = std::string(lender_id),
                              .commissioning_employer_id =
                                  std::string(commissioning_employer_id)});
}

inline Event JobConvertedEvent(std::string_view event_id, std::string_view date,
                               std::string_view job_id, ContractForm to_form,
                               int32_t hours_x100 = 0) {
  return MakeEvent(event_id, date,
                   JobConverted{.job_id = std::string(job_id),
                                .to_form = to_form,
                                .hours_x100 = hours_x100});
}

inline Event HoursChangedEvent(std::string_view event_id, std::string_view date,
                               std::string_view job_id, int32_t hours_x100) {
  return MakeEvent(
      event_id, date,
      HoursChanged{.job_id = std::string(job_id), .hours_x100 = hours_x100});
}

inline Event JobEndedEvent(
    std::string_view event_id, std::string_view date, std::string_view job_id,
    OutflowReason reason = OutflowReason::kEndOfContract) {
  return MakeEvent(event_id, date,
                   JobEnded{.job_id = std::string(job_id), .reason = reason});
}

inline Event EventRetractedEvent(std::string_view event_id,
                                 std::string_view date, uint64_t target_seq,
                                 std::string_view reason = "correction") {
  return MakeEvent(
      event_id, date,
      EventRetracted{.target_seq = target_seq, .reason = std::string(reason)});
}

inline Event TargetSetEvent(std::string_view event_id, std::string_view date,
                            Sector sector, int32_t year, int64_t banen_x100,
                            std::string_view source = "Kamerbrief 2024") {
  return MakeEvent(event_id, date,
                   TargetSet{.sector = sector,
                             .year = year,
                             .banen_x100 = banen_x100,
                             .source = std::string(source)});
}

inline Event BaselineSetEvent(std::string_view event_id, std::string_view date,
                              Sector sector, int64_t banen_x100,
                              std::string_view source = "Nulmeting 2013") {
  return MakeEvent(event_id, date,
                   BaselineSet{.sector = sector,
                               .banen_x100 = banen_x100,
                               .source = std::string(source)});
}

inline Event InleenKeySetEvent(std::string_view event_id, std::string_view date,
                               int32_t year, int32_t overheid_share_x10,
                               std::string_view source = "SEO 2023") {
  return MakeEvent(event_id, date,
                   InleenKeySet{.year = year,
                                .overheid_share_x10 = overheid_share_x10,
                                .source = std::string(source)});
}

inline Event EmployerHoursReportedEvent(std::string_view event_id,
                                        std::string_view date,
                                        std::string_view employer_id,
                                        int32_t year, int64_t paid_hours_x100,
                                        std::string_view source = "UWV polis") {
  return MakeEvent(
      event_id, date,
      EmployerHoursReported{.employer_id = std::string(employer_id),
                            .year = year,
                            .paid_hours_x100 = paid_hours_x100,
                            .source = std::string(source)});
}

inline Event QuotaPercentageSetEvent(std::string_view event_id,
                                     std::string_view date, Sector sector,
                                     int32_t year, int32_t percentage_x100,
                                     std::string_view source = "Stcrt") {
  return MakeEvent(event_id, date,
                   QuotaPercentageSet{.sector = sector,
                                      .year = year,
                                      .percentage_x100 = percentage_x100,
                                      .source = std::string(source)});
}

// A TargetSet valid whatever else is stored, unique by `i`: the event of
// tests about appending rather than about the domain.
inline Event NumberedTargetSetEvent(int i) {
  return TargetSetEvent(absl::StrCat("t", i), "2024-01-01", Sector::kMarkt,
                        2013 + i % 88, 100 * i);
}

// One event of every kind, in EventKind order, with every field set (for
// codec tests; not meant as a valid history).
inline std::vector<Event> OneEventOfEachKind() {
  return {
      EmployerRegisteredEvent("k0", "2024-01-02", "emp-1", Sector::kRijk,
                              "Ministerie van Financien", ""),
      EmployerReclassifiedEvent("k1", "2024-02-01", "emp-1", Sector::kDefensie),
      PersonRegisteredEvent("k2", "2024-01-03", kPerson1),
      PersonDeregisteredEvent("k3", "2024-12-01", kPerson1,
                              DeregistrationReason::kBeschutWerk),
      JobStartedEvent("k4", "2024-01-15", "job-1", "emp-1", kPerson1,
                      ContractForm::kInleenDetachering, 3200, "wsw-bedrijf-7"),
      JobConvertedEvent("k5", "2024-03-01", "job-1", ContractForm::kTijdelijk,
                        2800),
      HoursChangedEvent("k6", "2024-04-01", "job-1", 1275),
      JobEndedEvent("k7", "2024-06-01", "job-1", OutflowReason::kToRegularJob),
      EventRetractedEvent("k8", "2024-06-02", 4, "sent twice"),
      TargetSetEvent("k9", "2024-01-01", Sector::kOverheid, 2024, 2500000,
                     "Kamerbrief 2024"),
      BaselineSetEvent("k10", "2013-01-01", Sector::kNationaal, 7517900,
                       "Nulmeting"),
      InleenKeySetEvent("k11", "2023-06-01", 2022, 258, "SEO 2023"),
      EmployerHoursReportedEvent("k12", "2025-03-01", "emp-1", 2024, 59280000,
                                 "UWV polis 2025-03"),
      QuotaPercentageSetEvent("k13", "2023-11-01", Sector::kOverheid, 2024, 276,
                              "Stcrt. 2023"),
  };
}

inline AppendBatch Batch(std::vector<Event> events) {
  return AppendBatch{
      .events = std::move(events), .expected_job_seq = {}, .authority = {}};
}

}  // namespace banen::test

#endif  // BANEN_TESTS_LEDGER_TEST_EVENTS_H_
