#include "tools/demo.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace banen {
namespace {

// Builds the demo's events in order; ids follow "demo-<what>-<n>".
class History {
 public:
  std::vector<Event> Take() { return std::move(events_); }

  void Employer(const std::string& id, std::string name, Sector sector,
                std::string parent = "") {
    Add("demo-employer-" + id, "2023-01-01",
        EmployerRegistered{id, std::move(name), sector, std::move(parent)});
  }
  void Reclassify(const std::string& employer, const char* date,
                  Sector sector) {
    Add("demo-reclassify-" + employer, date,
        EmployerReclassified{employer, sector});
  }
  void Register(int person, const char* date) {
    Add("demo-register-" + std::to_string(person), date,
        PersonRegistered{Person(person)});
  }
  void Deregister(int person, const char* date, DeregistrationReason reason) {
    Add("demo-deregister-" + std::to_string(person), date,
        PersonDeregistered{Person(person), reason});
  }
  // Job n is person n's job.
  void Hire(int job, const char* date, std::string employer, ContractForm form,
            int32_t hours_x100, std::string lender = "",
            std::string commissioning_employer = "") {
    Add("demo-hire-" + std::to_string(job), date,
        JobStarted{Job(job), std::move(employer), Person(job), form, hours_x100,
                   std::move(lender), std::move(commissioning_employer)});
  }
  void Convert(int job, const char* date, ContractForm to_form,
               int32_t hours_x100 = 0) {
    Add("demo-convert-" + std::to_string(job), date,
        JobConverted{Job(job), to_form, hours_x100});
  }
  void ChangeHours(int job, const char* date, int32_t hours_x100) {
    Add("demo-hours-" + std::to_string(job), date,
        HoursChanged{Job(job), hours_x100});
  }
  void End(int job, const char* date, OutflowReason reason) {
    Add("demo-end-" + std::to_string(job), date, JobEnded{Job(job), reason});
  }
  void Target(Sector sector, int32_t year, int64_t banen_x100) {
    Add("demo-target-" + std::string(SectorName(sector)) + "-" +
            std::to_string(year),
        "2023-01-01",
        TargetSet{sector, year, banen_x100, "demo: Kamerbrief banenafspraak"});
  }
  void PaidHours(const char* employer_id, int32_t year, int64_t hours) {
    Add(absl::StrCat("demo-paid-hours-", employer_id, "-", year),
        absl::StrCat(year + 1, "-03-01").c_str(),
        EmployerHoursReported{employer_id, year, hours * 100,
                              "demo: polisadministratie UWV"});
  }
  void QuotaPercentage(Sector sector, int32_t year, int32_t percentage_x100) {
    Add(absl::StrCat("demo-quota-", std::string(SectorName(sector)), "-", year),
        "2023-11-01",
        QuotaPercentageSet{sector, year, percentage_x100,
                           "demo: quotumpercentage"});
  }
  void Baseline(Sector sector, int64_t banen_x100) {
    Add("demo-baseline-" + std::string(SectorName(sector)), "2013-01-01",
        BaselineSet{sector, banen_x100, "demo: nulmeting 1 januari 2013"});
  }

 private:
  static std::string Person(int n) {
    std::string digits = std::to_string(n);
    return "demo-person-" + std::string(8 - digits.size(), '0') + digits;
  }
  static std::string Job(int n) { return "demo-job-" + std::to_string(n); }

  void Add(std::string id, const char* date, EventPayload payload) {
    events_.push_back(
        Event{std::move(id), *ParseDate(date), std::move(payload)});
  }

  std::vector<Event> events_;
};

}  // namespace

std::vector<Event> DemoHistory() {
  History h;
  h.Employer("gemeente-utrecht", "Gemeente Utrecht", Sector::kGemeenten);
  h.Employer("gemeente-zwolle", "Gemeente Zwolle", Sector::kGemeenten);
  h.Employer("min-financien", "Ministerie van Financien", Sector::kRijk);
  h.Employer("belastingdienst", "Belastingdienst", Sector::kRijk,
             "min-financien");
  h.Employer("umc-groningen", "UMC Groningen", Sector::kUmc);
  h.Employer("kennisinstituut", "Kennisinstituut Delta",
             Sector::kOnderzoeksinstellingen);
  h.Employer("bouw-bv", "Bouwbedrijf Van Dijk", Sector::kMarkt);

  for (const Sector sector :
       {Sector::kGemeenten, Sector::kRijk, Sector::kUmc, Sector::kWo,
        Sector::kOverheid, Sector::kMarkt, Sector::kNationaal}) {
    const int64_t scale = sector == Sector::kNationaal  ? 4
                          : sector == Sector::kOverheid ? 3
                                                        : 1;
    h.Baseline(sector, 50 * scale);
    h.Target(sector, 2023, 200 * scale);
    h.Target(sector, 2024, 300 * scale);
  }

  // Quota 2024 (Wfsv §4a) at 2.76 %: Utrecht and the ministry's department
  // are liable (at least 40,575 paid hours in 2023 and 2024), Zwolle only
  // grew past the threshold in 2024, the research institute stays under it.
  h.QuotaPercentage(Sector::kOverheid, 2024, 276);
  h.QuotaPercentage(Sector::kNationaal, 2024, 276);
  for (const int32_t year : {2023, 2024}) {
    h.PaidHours("gemeente-utrecht", year, 5'200'000);
    h.PaidHours("belastingdienst", year, 40'000'000);
    h.PaidHours("umc-groningen", year, 15'000'000);
    h.PaidHours("kennisinstituut", year, 30'000);
  }
  h.PaidHours("gemeente-zwolle", 2023, 38'000);
  h.PaidHours("gemeente-zwolle", 2024, 900'000);

  for (int person = 1; person <= 13; ++person) h.Register(person, "2023-01-01");

  // Gemeenten: every form, two conversions, an outflow, an hours change.
  h.Hire(1, "2023-03-01", "gemeente-utrecht", ContractForm::kVast, 2550);
  h.Hire(2, "2023-06-01", "gemeente-utrecht", ContractForm::kTijdelijk, 2000);
  h.Convert(2, "2024-01-01", ContractForm::kVast, 2550);
  h.Hire(3, "2023-09-01", "gemeente-utrecht", ContractForm::kInleenUitzend,
         3000, "uitzendbureau-flex");
  h.Convert(3, "2024-05-01", ContractForm::kTijdelijk);
  h.Hire(4, "2024-02-01", "gemeente-zwolle", ContractForm::kInleenDetachering,
         2550, "sw-bedrijf-oost");
  h.Hire(5, "2023-01-15", "gemeente-zwolle", ContractForm::kVast, 1600);
  h.ChangeHours(5, "2024-03-01", 2400);
  h.End(5, "2024-11-01", OutflowReason::kResignation);
  // Rijk: a department under its ministry, a temporary job that ends.
  h.Hire(6, "2023-04-01", "belastingdienst", ContractForm::kVast, 3600);
  h.Hire(7, "2024-01-15", "min-financien", ContractForm::kTijdelijk, 2000);
  h.End(7, "2024-07-15", OutflowReason::kEndOfContract);
  // UMC: a person who reaches AOW age and so stops counting; a new hire.
  h.Hire(8, "2023-10-01", "umc-groningen", ContractForm::kTijdelijk, 3200);
  h.Deregister(8, "2024-10-01", DeregistrationReason::kAowAge);
  h.Hire(11, "2024-08-01", "umc-groningen", ContractForm::kVast, 2000);
  // Market: a permanent job, and an SROI job the municipality commissioned
  // (a job of the market, and the memo figure of Gemeenten).
  h.Hire(10, "2023-02-01", "bouw-bv", ContractForm::kVast, 3800);
  h.Hire(9, "2024-03-01", "bouw-bv", ContractForm::kTijdelijk, 2550, "",
         "gemeente-utrecht");
  // A research institute that becomes a university; hours up in December.
  h.Hire(12, "2023-05-01", "kennisinstituut", ContractForm::kTijdelijk, 2550);
  h.Reclassify("kennisinstituut", "2024-07-01", Sector::kWo);
  h.ChangeHours(12, "2024-12-01", 3000);
  // Sent for the wrong person; retracted by DemoCorrection().
  h.Hire(13, "2024-04-01", "gemeente-zwolle", ContractForm::kVast, 2550);
  return h.Take();
}

Event DemoCorrection(uint64_t mistaken_seq) {
  return Event{"demo-retract-hire-13", *ParseDate("2024-04-02"),
               EventRetracted{mistaken_seq,
                              "demo: hire sent for the wrong "
                              "person"}};
}

}  // namespace banen
