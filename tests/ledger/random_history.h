// A random stream of ledger events for property tests: backdated hires,
// hours changes inserted into the middle of timelines, backdated outflows,
// retractions, register gaps, conversions and reclassifications. It tracks
// enough to propose mostly valid events; a proposal is only remembered once
// the caller reports it accepted, so a ledger may reject any of them.
//
// Unlike the other generators (bench/synthetic_events.h, tools/demo_data.h,
// tools/demo.h), which make only valid events, it aims at the edges: a few
// employers and persons, so that timelines collide, inserts land mid-way
// and invalid proposals are tried too.
#ifndef BANEN_TESTS_LEDGER_RANDOM_HISTORY_H_
#define BANEN_TESTS_LEDGER_RANDOM_HISTORY_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/event.h"
#include "tests/ledger/test_events.h"

namespace banen::test {

class RandomHistory {
 public:
  explicit RandomHistory(uint32_t seed) : random_(seed) {}

  // The next event to try. Call Accepted(seq) if it was stored.
  Event Propose() {
    pending_ = nullptr;
    if (employers_.size() < kEmployerSectors.size()) return ProposeEmployer();
    const int roll = Uniform(0, 99);
    if (roll < 12) return ProposeRegister();
    if (roll < 40) return ProposeHire();
    if (roll < 55) return ProposeHoursChange();
    if (roll < 63) return ProposeConversion();
    if (roll < 78) return ProposeEnd();
    if (roll < 88) return ProposeRetraction();
    if (roll < 93) return ProposeReclassification();
    return ProposeFigure();
  }

  void Accepted(uint64_t seq) {
    if (pending_) pending_(seq);
    pending_ = nullptr;
  }

 private:
  static constexpr std::array<Sector, 8> kEmployerSectors = {
      Sector::kMarkt,
      Sector::kGemeenten,
      Sector::kRijk,
      Sector::kPolitie,
      Sector::kMarkt,
      Sector::kWaterschappen,
      Sector::kPrimairOnderwijs,
      Sector::kVoortgezetOnderwijs};
  // The employer each one is registered under (-1: none): emp-2 has the
  // children emp-5 and emp-7, and emp-5 the child emp-6.
  static constexpr std::array<int, 8> kEmployerParents = {-1, -1, -1, -1,
                                                          -1, 2,  5,  2};
  static constexpr int kPersons = 12;

  struct Job {
    std::string id;
    Date start;
    Date last;  // date of its latest event
    ContractForm form;
    bool ended = false;
    bool alive = true;
    uint64_t start_seq = 0;
    int later_events = 0;  // live events besides the start
  };
  struct Retractable {
    uint64_t seq;
    std::function<bool()> still_safe;  // whether retracting keeps it valid
    std::function<void()> on_retracted;
  };

  int Uniform(int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random_);
  }
  Date RandomDate() {  // 2019-01-01 .. 2025-12-31
    return Date{MakeDate(2019, 1, 1).days + Uniform(0, 2556)};
  }
  std::string NextId(std::string_view prefix) {
    return std::string(prefix) + std::to_string(next_id_++);
  }
  Event Make(Date date, EventPayload payload) {
    return Event{.event_id = NextId("ev-"),
                 .effective_date = date,
                 .payload = std::move(payload)};
  }

  Event ProposeEmployer() {
    const std::string id = "emp-" + std::to_string(employers_.size());
    const Sector sector = kEmployerSectors[employers_.size()];
    const int parent = kEmployerParents[employers_.size()];
    pending_ = [this, id](uint64_t) { employers_.push_back(id); };
    return Make(MakeDate(2019, 1, 1),
                EmployerRegistered{id, "Employer " + id, sector,
                                   parent < 0 ? "" : employers_[parent]});
  }

  Event ProposeRegister() {
    const int person = Uniform(1, kPersons);
    Date& last = register_last_[person];
    const bool registered = registered_[person];
    const Date date{std::max(last.days + 1, MakeDate(2019, 1, 1).days) +
                    Uniform(0, 400)};
    pending_ = [this, person, date, registered](uint64_t seq) {
      register_last_[person] = date;
      registered_[person] = !registered;
      if (registered) {
        // A deregistration is the person's latest register event until a
        // later one arrives; only then is retracting it unsafe.
        const Date at = date;
        retractable_.push_back(Retractable{
            seq, [this, person, at] { return register_last_[person] == at; },
            [this, person, at] {
              registered_[person] = true;
              register_last_[person] = Date{at.days - 1};
            }});
      }
    };
    if (registered) {
      return Make(date, PersonDeregistered{PersonRef(person),
                                           DeregistrationReason::kOwnRequest});
    }
    return Make(date, PersonRegistered{PersonRef(person)});
  }

  Event ProposeHire() {
    const std::string id = NextId("job-");
    const int person = Uniform(1, kPersons);
    const int employer = Uniform(0, static_cast<int>(employers_.size()) - 1);
    const auto form = static_cast<ContractForm>(Uniform(1, 5));
    const Date start = RandomDate();
    // One in four jobs of a real form is an SROI job; form SROI (earlier
    // versions) always names its commissioner.
    const bool sroi = form == ContractForm::kSroi || Uniform(0, 3) == 0;
    JobStarted hire{
        id,
        employers_[employer],
        PersonRef(person),
        form,
        Uniform(1, 16) * 250,
        IsInleen(form) ? "lender-1" : "",
        sroi ? employers_[Uniform(0, static_cast<int>(employers_.size()) - 1)]
             : ""};
    pending_ = [this, id, start, form](uint64_t seq) {
      jobs_.push_back(Job{.id = id,
                          .start = start,
                          .last = start,
                          .form = form,
                          .start_seq = seq});
      const size_t index = jobs_.size() - 1;
      retractable_.push_back(Retractable{
          seq,
          [this, index] {
            return jobs_[index].alive && jobs_[index].later_events == 0;
          },
          [this, index] { jobs_[index].alive = false; }});
    };
    return Make(start, std::move(hire));
  }

  Job* RandomOpenJob() {
    for (int attempt = 0; attempt < 8 && !jobs_.empty(); ++attempt) {
      Job& job = jobs_[Uniform(0, static_cast<int>(jobs_.size()) - 1)];
      if (job.alive && !job.ended) return &job;
    }
    return nullptr;
  }

  Event ProposeHoursChange() {
    Job* job = RandomOpenJob();
    if (job == nullptr) return ProposeHire();
    // Anywhere after the start: often before later events (backdated).
    const Date date{job->start.days + Uniform(1, 900)};
    const size_t index = job - jobs_.data();
    pending_ = [this, index, date](uint64_t seq) {
      Job& changed = jobs_[index];
      changed.last = std::max(changed.last, date);
      ++changed.later_events;
      retractable_.push_back(
          Retractable{seq, [] { return true; },
                      [this, index] { --jobs_[index].later_events; }});
    };
    return Make(date, HoursChanged{job->id, Uniform(1, 16) * 250});
  }

  Event ProposeConversion() {
    Job* job = RandomOpenJob();
    if (job == nullptr || job->form == ContractForm::kVast ||
        job->form == ContractForm::kSroi) {
      return ProposeHoursChange();
    }
    const ContractForm to =
        (job->form == ContractForm::kTijdelijk || Uniform(0, 1) == 0)
            ? ContractForm::kVast
            : ContractForm::kTijdelijk;
    const Date date{job->last.days + Uniform(1, 300)};
    const size_t index = job - jobs_.data();
    pending_ = [this, index, date, to](uint64_t) {
      Job& converted = jobs_[index];
      converted.last = date;
      converted.form = to;
      ++converted.later_events;
    };
    return Make(date, JobConverted{job->id, to, Uniform(0, 1) * 3000});
  }

  Event ProposeEnd() {
    Job* job = RandomOpenJob();
    if (job == nullptr) return ProposeHire();
    // Right after the job's latest event: often long before today.
    const Date date{job->last.days + Uniform(1, 500)};
    const size_t index = job - jobs_.data();
    pending_ = [this, index](uint64_t seq) {
      Job& ended = jobs_[index];
      ended.ended = true;
      ++ended.later_events;
      retractable_.push_back(Retractable{seq, [] { return true; },
                                         [this, index] {
                                           jobs_[index].ended = false;
                                           --jobs_[index].later_events;
                                         }});
    };
    return Make(date,
                JobEnded{job->id, static_cast<OutflowReason>(Uniform(1, 7))});
  }

  Event ProposeRetraction() {
    for (int attempt = 0; attempt < 8 && !retractable_.empty(); ++attempt) {
      const size_t pick = Uniform(0, static_cast<int>(retractable_.size()) - 1);
      if (!retractable_[pick].still_safe()) continue;
      const Retractable target = retractable_[pick];
      pending_ = [this, pick, target](uint64_t) {
        target.on_retracted();
        retractable_.erase(retractable_.begin() + pick);
      };
      return Make(MakeDate(2025, 1, 1), EventRetracted{target.seq, "test"});
    }
    return ProposeHire();
  }

  Event ProposeReclassification() {
    const int employer = Uniform(1, static_cast<int>(employers_.size()) - 1);
    const auto sector = static_cast<Sector>(Uniform(1, 14));
    pending_ = [this](uint64_t seq) {
      retractable_.push_back(Retractable{seq, [] { return true; }, [] {}});
    };
    return Make(RandomDate(),
                EmployerReclassified{employers_[employer], sector});
  }

  Event ProposeFigure() {
    const auto sector = static_cast<Sector>(Uniform(1, kSectorCount - 1));
    pending_ = [this](uint64_t seq) {
      retractable_.push_back(Retractable{seq, [] { return true; }, [] {}});
    };
    if (Uniform(0, 3) == 0) {
      return Make(MakeDate(2019, 1, 1),
                  BaselineSet{sector, Uniform(0, 1000) * 10, "test"});
    }
    return Make(MakeDate(2019, 1, 1), TargetSet{sector, Uniform(2019, 2025),
                                                Uniform(1, 1000) * 10, "test"});
  }

  std::mt19937 random_;
  uint64_t next_id_ = 0;
  std::function<void(uint64_t)> pending_;
  std::vector<std::string> employers_;
  std::array<Date, kPersons + 1> register_last_{};
  std::array<bool, kPersons + 1> registered_{};
  std::vector<Job> jobs_;
  std::vector<Retractable> retractable_;
};

}  // namespace banen::test

#endif  // BANEN_TESTS_LEDGER_RANDOM_HISTORY_H_
