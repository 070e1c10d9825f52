#include "tools/demo_data.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"
#include "tools/internal/demo_data_tables.h"

namespace banen {
namespace demo_data {
namespace {

// splitmix64: tiny, fast and the same on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<__uint128_t>(Next()) * n) >> 64);
  }
  bool Chance(double p) {
    return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p;
  }
  // Uniform in [from, to]; `from` when the range is empty.
  Date Between(Date from, Date to) {
    if (to <= from) return from;
    return Date{from.days + static_cast<int32_t>(Below(static_cast<uint64_t>(
                                int64_t{to.days} - from.days + 1)))};
  }
  template <typename T, size_t N>
  T Pick(const std::array<std::pair<T, int>, N>& weighted) {
    int total = 0;
    for (const auto& [value, weight] : weighted) total += weight;
    int roll = static_cast<int>(Below(static_cast<uint64_t>(total)));
    for (const auto& [value, weight] : weighted) {
      if (roll < weight) return value;
      roll -= weight;
    }
    return weighted.back().first;
  }

 private:
  uint64_t state_;
};

// A bijection on 64 bits (the splitmix64 finaliser), so distinct person
// numbers give distinct pseudonyms.
uint64_t Scramble(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr size_t kMaxBatchEvents = 1000;

// Two groups of 8 hex digits: a pseudonym can never hold 9 digits in a row,
// which the ledger refuses when they pass the 11-check (a BSN).
std::string PersonRef(uint64_t seed, uint32_t person) {
  const uint64_t scrambled = Scramble(seed * 0x100000000ULL + person);
  return absl::StrFormat("p%08x-%08x", scrambled >> 32,
                         scrambled & 0xffffffffULL);
}

// 10 digits: a 9-digit number may pass the 11-check, and is refused.
std::string JobId(uint32_t job) {
  return absl::StrFormat("job-%010d", uint64_t{job} + 1);
}

// ---------------------------------------------------------------------------
// The simulation.

struct Employer {
  std::string id;
  Sector sector = Sector::kUnspecified;
};

// A person's pseudonym and a job's id are made from their index when an
// event needs them (PersonRef, JobId): at 50 M events the strings held here
// were gigabytes.
struct Person {
  Date registered_on;
  // Jobs of the person end before this day; a deregistration comes after.
  Date free_from;
  Date last_recorded;
  int32_t active_jobs = 0;
  int32_t pool_position = -1;  // in Simulation::pool_, or -1
  bool registered = true;
};

struct Job {
  uint32_t person = 0;
  uint32_t employer = 0;
  // Its bucket: the sector it counts for and its form, or for an SROI job
  // the commissioning sector and kSroiForm.
  int8_t slot = 0;
  int8_t form = 0;
  ContractForm contract = ContractForm::kUnspecified;
  int32_t hours_x100 = 0;
  Date last_date;  // of its latest event
  Date last_recorded;
  uint32_t position = 0;  // in its bucket's active list
};

// One event waiting to be sorted into recording order.
struct Unit {
  Date recorded_on;
  uint64_t order = 0;  // generation order: the tie-break, and the event_id
  Event event;
  // For a retraction: the order of the event it retracts.
  std::optional<uint64_t> retracts;
  // Whether a later retraction names this event.
  bool retractable = false;
  // Part of the same batch as the unit before it (a correction).
  bool joins_previous = false;
};

struct Bucket {
  int64_t stock_hours = 0;
  std::vector<uint32_t> active;  // job indices
};

class Simulation {
 public:
  Simulation(const DemoDataOptions& options,
             absl::FunctionRef<absl::Status(DemoBatch)> sink,
             DemoDataCounts* counts)
      : options_(options),
        sink_(sink),
        counts_(counts),
        rng_(Scramble(options.seed ^ 0x62616e656eULL)),
        targets_(MakeYearEndTargets()),
        next_seq_(options.first_seq) {}

  absl::Status Run() {
    RegisterEmployers();
    SetBaselines();
    const Date load_day = MakeDate(kFirstYear, 1, 1);
    floor_ = load_day;
    RETURN_IF_ERROR(CalibrateYearEnd(0, kEarliestEffectiveDate,
                                     MakeDate(kBaselineYear, 12, 31),
                                     /*allow_ends=*/false));
    RegisterPoolPersons(kBaselineYear, PoolInflow() * 2);
    for (int year = kFirstYear; year <= kLastYear; ++year) {
      floor_ = MakeDate(year, 1, 1);
      RETURN_IF_ERROR(SimulateYear(year));
      RETURN_IF_ERROR(Flush(MakeDate(year + 1, 1, 1)));
    }
    return Flush(kEndOfData);
  }

 private:
  static constexpr Date kEndOfData{std::numeric_limits<int32_t>::max()};

  int PoolInflow() const {
    return static_cast<int>(kPoolInflowAtScaleOne * options_.markt_scale);
  }

  // --- emitting -------------------------------------------------------------

  // Queues `payload`, recorded on `recorded_on` (never before this year's
  // floor: a backdated event is recorded when it is generated).
  Unit& Emit(Date effective, Date recorded_on, EventPayload payload) {
    Unit& unit = buffer_.emplace_back();
    unit.recorded_on = std::max(recorded_on, floor_);
    unit.order = next_order_++;
    unit.event.event_id = absl::StrCat("demo-", options_.seed, "-", unit.order);
    unit.event.effective_date = effective;
    unit.event.payload = std::move(payload);
    return unit;
  }

  // Most events arrive within days; some weeks late; a few months late.
  Date RecordingDay(Date effective) {
    const uint64_t roll = rng_.Below(100);
    const int32_t delay = roll < 75 ? static_cast<int32_t>(rng_.Below(4))
                          : roll < 95
                              ? 4 + static_cast<int32_t>(rng_.Below(27))
                              : 31 + static_cast<int32_t>(rng_.Below(120));
    return Date{effective.days + delay};
  }

  // Emits an event of `job`, keeping its events in recording order.
  Unit& EmitJobEvent(Job& job, Date effective, EventPayload payload) {
    const Date recorded = std::max(RecordingDay(effective), job.last_recorded);
    Unit& unit = Emit(effective, recorded, std::move(payload));
    job.last_recorded = unit.recorded_on;
    job.last_date = effective;
    return unit;
  }

  // A correction: retracts the event of `wrong` and records `replacement`
  // (if any, effective on `replacement_effective`) in the same batch, some
  // weeks later.
  void EmitCorrection(Unit& wrong, std::string reason,
                      std::optional<EventPayload> replacement,
                      Date replacement_effective, Job* job) {
    wrong.retractable = true;
    const uint64_t wrong_order = wrong.order;
    const Date wrong_effective = wrong.event.effective_date;
    const Date recorded{wrong.recorded_on.days + 7 +
                        static_cast<int32_t>(rng_.Below(50))};
    Unit& retraction =
        Emit(wrong_effective, recorded, EventRetracted{0, std::move(reason)});
    retraction.retracts = wrong_order;
    if (replacement.has_value()) {
      Unit& fixed =
          Emit(replacement_effective, recorded, *std::move(replacement));
      fixed.joins_previous = true;
    }
    if (job != nullptr) job->last_recorded = recorded;
  }

  // Sorts what is buffered into recording order and hands every batch
  // recorded before `until` to the sink. Everything generated later is
  // recorded on or after `until`, so the order is final.
  absl::Status Flush(Date until) {
    std::sort(buffer_.begin(), buffer_.end(), [](const Unit& a, const Unit& b) {
      return std::tie(a.recorded_on, a.order) <
             std::tie(b.recorded_on, b.order);
    });
    const auto end = std::find_if(
        buffer_.begin(), buffer_.end(),
        [until](const Unit& unit) { return unit.recorded_on >= until; });
    DemoBatch batch;
    for (auto it = buffer_.begin(); it != end; ++it) {
      const bool new_day =
          !batch.events.empty() && it->recorded_on != batch.recorded_on;
      if (!it->joins_previous &&
          (new_day || batch.events.size() >= kMaxBatchEvents)) {
        RETURN_IF_ERROR(Deliver(std::move(batch)));
        batch = DemoBatch{};
      }
      if (batch.events.empty()) batch.recorded_on = it->recorded_on;
      if (it->retracts.has_value()) {
        std::get<EventRetracted>(it->event.payload).target_seq =
            seq_of_order_.at(*it->retracts);
        seq_of_order_.erase(*it->retracts);
      }
      if (it->retractable) seq_of_order_[it->order] = next_seq_;
      ++next_seq_;
      batch.events.push_back(std::move(it->event));
    }
    if (!batch.events.empty()) RETURN_IF_ERROR(Deliver(std::move(batch)));
    buffer_.erase(buffer_.begin(), end);
    return absl::OkStatus();
  }

  // The initial load (every job of the baseline, recorded on the first
  // day) would otherwise be held whole until the first year's flush: at
  // 50 M events, gigabytes. Nothing generated later is recorded before
  // floor_, and it comes later in generation order, so what is recorded on
  // floor_ can go now. Called only where no caller holds a Unit&; the
  // threshold doubles with what stays so that a buffer of later days is not
  // sorted again and again.
  absl::Status FlushFloorDayIfLarge() {
    if (buffer_.size() < flush_floor_day_at_) return absl::OkStatus();
    RETURN_IF_ERROR(Flush(Date{floor_.days + 1}));
    flush_floor_day_at_ = std::max(kFlushFloorDayAt, 2 * buffer_.size());
    return absl::OkStatus();
  }

  absl::Status Deliver(DemoBatch batch) {
    if (counts_ != nullptr) {
      ++counts_->batches;
      counts_->events += batch.events.size();
      for (const Event& event : batch.events) {
        ++counts_->events_by_kind[static_cast<size_t>(event.kind())];
      }
    }
    return sink_(std::move(batch));
  }

  // --- employers, targets, baselines ----------------------------------------

  uint32_t AddEmployer(std::string id, std::string name, Sector sector,
                       std::string parent_id, bool hires) {
    // Registered long before the data set starts, on the initial load.
    Emit(MakeDate(2000, 1, 1), floor_,
         EmployerRegistered{id, std::move(name), sector, std::move(parent_id)});
    const auto index = static_cast<uint32_t>(employers_.size());
    employers_.push_back(Employer{std::move(id), sector});
    if (hires) hirers_[SlotOf(sector)].push_back(index);
    return index;
  }

  void RegisterEmployers() {
    floor_ = MakeDate(kFirstYear, 1, 1);
    for (const auto& spec : kRijkEmployers) {
      AddEmployer(spec.id, spec.name, Sector::kRijk, spec.parent_id, true);
    }
    AddEmployer("defensie", "Ministerie van Defensie", Sector::kDefensie, "",
                true);
    AddEmployer("politie", "Nationale Politie", Sector::kPolitie, "", true);
    const auto add_named = [this](const auto& names, Sector sector,
                                  const char* id_prefix,
                                  const char* name_prefix) {
      for (size_t i = 0; i < names.size(); ++i) {
        AddEmployer(absl::StrFormat("%s-%02d", id_prefix, i + 1),
                    absl::StrCat(name_prefix, names[i]), sector, "", true);
      }
    };
    add_named(kProvinces, Sector::kProvincies, "prov", "Provincie ");
    add_named(kWaterBoards, Sector::kWaterschappen, "ws", "Waterschap ");
    add_named(kUmcs, Sector::kUmc, "umc", "");
    add_named(kUniversities, Sector::kWo, "wo", "");
    for (const auto& numbered : kNumberedEmployers) {
      for (int i = 1; i <= numbered.count; ++i) {
        AddEmployer(absl::StrFormat("%s-%04d", numbered.id_prefix, i),
                    absl::StrFormat("%s %d", numbered.name_prefix, i),
                    numbered.sector, "", true);
      }
    }
    const int markt_employers = std::max(
        20, static_cast<int>(kMarktEmployersAtScaleOne * options_.markt_scale));
    for (int i = 1; i <= markt_employers; ++i) {
      const uint32_t index = AddEmployer(absl::StrFormat("markt-%06d", i),
                                         absl::StrFormat("Bedrijf %d BV", i),
                                         Sector::kMarkt, "", true);
      // SROI suppliers: the first tenth, so suppliers are also employers.
      if (i <= std::max(5, markt_employers / 10)) suppliers_.push_back(index);
    }
    reclassified_employer_ =
        AddEmployer(kReclassifiedEmployerId, "Stichting Kennisinstituut",
                    Sector::kMarkt, "", true);
    for (int i = 1; i <= kTempAgencies; ++i) {
      agencies_.push_back(AddEmployer(absl::StrFormat("uitzend-%02d", i),
                                      absl::StrFormat("Uitzendbureau %d", i),
                                      Sector::kMarkt, "", false));
    }
    for (int i = 1; i <= kShelteredWorkCompanies; ++i) {
      sheltered_.push_back(AddEmployer(absl::StrFormat("sw-%02d", i),
                                       absl::StrFormat("SW-bedrijf %d", i),
                                       Sector::kMarkt, "", false));
    }
  }

  void SetBaselines() {
    const Date effective = MakeDate(kFirstYear, 1, 1);
    const std::string source = "nulmeting 1-1-2013 (DOMAIN.md §7); split ours";
    for (const auto& plan : kGovernmentPlans) {
      int64_t baseline = 0;
      for (int64_t banen : targets_.forms_x100[0][SlotOf(plan.sector)]) {
        baseline += banen;
      }
      Emit(effective, floor_, BaselineSet{plan.sector, baseline, source});
    }
    const int64_t overheid = targets_.overheid_baseline_x100;
    const int64_t markt = Scaled(kNationalBaselineX100 - overheid);
    Emit(effective, floor_, BaselineSet{Sector::kMarkt, markt, source});
    Emit(effective, floor_, BaselineSet{Sector::kOverheid, overheid, source});
    Emit(effective, floor_,
         BaselineSet{Sector::kNationaal, overheid + markt, source});
    SetInleenKey(kBaselineInleenKeyYear, effective);
  }

  // The verdeelsleutel the calibration assumed for `year`, as the national
  // monitor reads it (the baseline's is kBaselineInleenKeyYear's).
  void SetInleenKey(int year, Date effective) {
    const bool seed =
        year == kBaselineInleenKeyYear || year == 2021 || year == 2022;
    Emit(effective, floor_,
         InleenKeySet{
             year,
             static_cast<int32_t>(kOverheidKeyPermille[year - kBaselineYear]),
             seed ? "verdeelsleutel inleenverbanden (SEO), "
                    "Kamerbrief SZW (seed 001)"
                  : "verdeelsleutel inleenverbanden: demo-data's own "
                    "(not in the seeds)"});
  }

  // The doel of each sector in the sector letters, OVERHEID as their sum,
  // MARKT as its baseline plus the cumulative extra-banen target. Before
  // 2021 (no sector doelen in §7) OVERHEID is its baseline plus its extra
  // target too. NATIONAAL is OVERHEID plus MARKT.
  void SetTargets(int year) {
    const Date effective = MakeDate(year, 1, 1);
    SetInleenKey(year, effective);
    const std::string letters =
        "Kamerbrieven banenafspraak overheid (seeds "
        "002, 000, 004); '–' filled in by demo-data";
    const std::string szw = "Kamerbrieven SZW banenafspraak (seed 001)";
    int64_t overheid = 0;
    if (year >= kFirstTableYear) {
      for (const auto& plan : kGovernmentPlans) {
        const int64_t doel = plan.doel_x100[year - kFirstTableYear];
        overheid += doel;
        if (plan.sector == Sector::kMbo && year == 2022) {
          // §7 gives this doel as an estimate (±): set first as a lower
          // estimate and revised later in the year; the later TargetSet wins.
          Emit(
              effective, floor_,
              TargetSet{plan.sector, year, 128000, "MBO Raad, first estimate"});
          Emit(
              effective, MakeDate(2022, 9, 15),
              TargetSet{plan.sector, year, doel, "MBO Raad, revised estimate"});
          continue;
        }
        Emit(effective, floor_, TargetSet{plan.sector, year, doel, letters});
      }
    }
    for (const auto& [rijk_year, doel] : kEarlyRijkTargetsX100) {
      if (year == rijk_year) {
        Emit(effective, floor_, TargetSet{Sector::kRijk, year, doel, letters});
      }
    }
    SetQuotaPercentages(year, effective);
    if (year < kFirstNationalTargetYear) return;
    const size_t i = static_cast<size_t>(year - kFirstNationalTargetYear);
    const int64_t overheid_baseline = targets_.overheid_baseline_x100;
    if (year < kFirstTableYear) {
      overheid = overheid_baseline + kOverheidExtraTargetX100[i];
    }
    const int64_t markt = Scaled(kNationalBaselineX100 - overheid_baseline +
                                 kMarktExtraTargetX100[i]);
    Emit(effective, floor_,
         TargetSet{Sector::kOverheid, year, overheid,
                   year >= kFirstTableYear ? letters : szw});
    Emit(effective, floor_, TargetSet{Sector::kMarkt, year, markt, szw});
    Emit(effective, floor_,
         TargetSet{Sector::kNationaal, year, overheid + markt, szw});
  }

  void SetQuotaPercentages(int year, Date effective) {
    if (year < kFirstTableYear) return;
    const int32_t percentage =
        kOverheidQuotaPercentX100[static_cast<size_t>(year - kFirstTableYear)];
    const bool seed = year == 2022 || year == 2024;
    const std::string source =
        seed ? "quotumpercentage overheid (seed 003, DOMAIN.md §7)"
             : "quotumpercentage overheid: demo-data's own";
    Emit(effective, floor_,
         QuotaPercentageSet{Sector::kOverheid, year, percentage, source});
    if (year >= kFirstNationalQuotaYear) {
      Emit(effective, floor_,
           QuotaPercentageSet{Sector::kNationaal, year, percentage,
                              "Wet banenafspraak (Kamerstuk 36449): "
                              "demo-data's own, OVERHEID's"});
    }
  }

  // Each government sector's paid hours of `year`: its doel x 1,331 / the
  // percentage (banen = percentage x hours / 1,331), split by weight.
  void ReportPaidHours(int year) {
    if (year < kFirstTableYear || year > kLastPaidHoursYear) return;
    const auto t = static_cast<size_t>(year - kFirstTableYear);
    const Date reported = MakeDate(year + 1, 3, 1);
    for (const auto& plan : kGovernmentPlans) {
      const std::vector<uint32_t>& employers = hirers_[SlotOf(plan.sector)];
      int64_t weights = 0;
      for (size_t i = 0; i < employers.size(); ++i) {
        weights += 1 + static_cast<int64_t>(i % kPaidHoursWeights);
      }
      // doel_x100 / 100 banen x 1331 h / (P / 10^4) in hours x100.
      const __int128 hours_x100 = __int128{plan.doel_x100[t]} *
                                  kHoursPerBaanYear * 10'000 /
                                  kOverheidQuotaPercentX100[t];
      for (size_t i = 0; i < employers.size(); ++i) {
        const int64_t weight = 1 + static_cast<int64_t>(i % kPaidHoursWeights);
        Emit(reported, reported,
             EmployerHoursReported{
                 employers_[employers[i]].id, year,
                 static_cast<int64_t>(hours_x100 * weight / weights),
                 "polisadministratie UWV: demo-data's own, doel x 1,331 / "
                 "quotumpercentage"});
      }
    }
  }

  // --- persons ---------------------------------------------------------------

  uint32_t NewPerson(Date registered_on) {
    const auto index = static_cast<uint32_t>(persons_.size());
    Person& person = persons_.emplace_back();
    const uint64_t scrambled = Scramble(options_.seed * 0x100000000ULL + index);
    person.registered_on = std::max(registered_on, kEarliestEffectiveDate);
    person.free_from = person.registered_on;
    Unit& unit = Emit(
        person.registered_on, RecordingDay(person.registered_on),
        PersonRegistered{PersonRef(options_.seed, index),
                         GrondslagOf(scrambled, YearOf(person.registered_on))});
    person.last_recorded = unit.recorded_on;
    return index;
  }

  // From the pseudonym's bits rather than rng_, so that adding the ground
  // left every other event of the data set as it was.
  static Grondslag GrondslagOf(uint64_t scrambled, int year) {
    const std::array<int, 5>& weights =
        year < kParticipatiewetYear ? kGrondslagWeightsBefore2015
        : year < kPraktijkrouteYear ? kGrondslagWeightsFrom2015
                                    : kGrondslagWeightsFrom2022;
    int total = 0;
    for (int weight : weights) total += weight;
    int roll =
        static_cast<int>((scrambled >> 7) % static_cast<uint64_t>(total));
    for (size_t g = 0; g < weights.size(); ++g) {
      if (roll < weights[g]) return static_cast<Grondslag>(g + 1);
      roll -= weights[g];
    }
    return Grondslag::kIndicatieBanenafspraak;
  }

  void AddToPool(uint32_t p) {
    persons_[p].pool_position = static_cast<int32_t>(pool_.size());
    pool_.push_back(p);
  }
  void RemoveFromPool(uint32_t p) {
    const auto position = static_cast<size_t>(persons_[p].pool_position);
    pool_[position] = pool_.back();
    persons_[pool_[position]].pool_position = static_cast<int32_t>(position);
    pool_.pop_back();
    persons_[p].pool_position = -1;
  }

  void RegisterPoolPersons(int year, int count) {
    for (int i = 0; i < count; ++i) {
      const Date from =
          year == kBaselineYear ? MakeDate(2010, 1, 1) : MakeDate(year, 1, 1);
      AddToPool(NewPerson(rng_.Between(from, MakeDate(year, 12, 31))));
    }
  }

  // Leaves the register on or after `from` (within the year `to` ends).
  void Deregister(uint32_t p, Date from, Date to, DeregistrationReason reason) {
    Person& person = persons_[p];
    const Date date = rng_.Between(
        std::max({from, person.free_from, Date{person.registered_on.days + 1}}),
        to);
    if (date <= person.registered_on || date > to) return;
    if (person.pool_position >= 0) RemoveFromPool(p);
    person.registered = false;
    const Date recorded = std::max(RecordingDay(date), person.last_recorded);
    Unit& unit = Emit(date, recorded,
                      PersonDeregistered{PersonRef(options_.seed, p), reason});
    person.last_recorded = unit.recorded_on;
  }

  DeregistrationReason RandomDeregistrationReason() {
    static constexpr std::array<std::pair<DeregistrationReason, int>, 4>
        kReasons = {{{DeregistrationReason::kAowAge, 35},
                     {DeregistrationReason::kOwnRequest, 30},
                     {DeregistrationReason::kBeschutWerk, 15},
                     {DeregistrationReason::kOther, 20}}};
    return rng_.Pick(kReasons);
  }

  // A registered person for a hire on `date` in `slot`: a second job of
  // someone working there, someone from the register pool, or a newcomer
  // who registers shortly before. May move `date` to the registration day.
  uint32_t PersonForHire(int slot, int form, Date* date) {
    const Bucket& bucket = buckets_[slot][form];
    if (!bucket.active.empty() && rng_.Chance(kSecondJobRate)) {
      const Job& colleague =
          jobs_[bucket.active[rng_.Below(bucket.active.size())]];
      if (persons_[colleague.person].registered_on <= *date) {
        return colleague.person;
      }
    }
    if (!pool_.empty() && rng_.Chance(kFromRegisterPoolRate)) {
      const uint32_t p = pool_[rng_.Below(pool_.size())];
      RemoveFromPool(p);
      *date = std::max(*date, persons_[p].registered_on);
      return p;
    }
    // Within the hire's year: the register calibrated at a year's end must
    // not gain persons that next year's hires register backdated.
    return NewPerson(
        std::max(Date{date->days - static_cast<int32_t>(rng_.Below(180))},
                 MakeDate(YearOf(*date), 1, 1)));
  }

  // --- jobs ------------------------------------------------------------------

  int32_t RandomHours() {
    return kMinHireHoursX100 +
           50 * static_cast<int32_t>(rng_.Below(
                    (kMaxHireHoursX100 - kMinHireHoursX100) / 50 + 1));
  }

  // Big employers hire more: the index is skewed towards the front.
  uint32_t PickFrom(const std::vector<uint32_t>& employers) {
    const uint64_t a = rng_.Below(employers.size());
    const uint64_t b = rng_.Below(employers.size());
    return employers[std::min(a, b)];
  }

  void AddToBucket(uint32_t j) {
    Job& job = jobs_[j];
    Bucket& bucket = buckets_[job.slot][job.form];
    job.position = static_cast<uint32_t>(bucket.active.size());
    bucket.active.push_back(j);
    bucket.stock_hours += job.hours_x100;
  }
  void RemoveFromBucket(uint32_t j) {
    Job& job = jobs_[j];
    Bucket& bucket = buckets_[job.slot][job.form];
    bucket.active[job.position] = bucket.active.back();
    jobs_[bucket.active[job.position]].position = job.position;
    bucket.active.pop_back();
    bucket.stock_hours -= job.hours_x100;
  }

  void Hire(int slot, int form, Date date, int32_t hours_x100) {
    const uint32_t p = PersonForHire(slot, form, &date);
    const ContractForm contract =
        form == kSroiForm ? rng_.Pick(kSroiContracts) : kForms[form];
    JobStarted hire;
    const auto j = static_cast<uint32_t>(jobs_.size());
    hire.job_id = JobId(j);
    hire.person_ref = PersonRef(options_.seed, p);
    hire.form = contract;
    hire.hours_x100 = hours_x100;
    uint32_t employer;
    if (form == kSroiForm) {
      employer = PickFrom(suppliers_);
      hire.commissioning_employer_id = employers_[PickFrom(hirers_[slot])].id;
    } else {
      employer = PickFrom(hirers_[slot]);
    }
    hire.employer_id = employers_[employer].id;
    if (contract == ContractForm::kInleenUitzend) {
      hire.lender_id = employers_[PickFrom(agencies_)].id;
    } else if (contract == ContractForm::kInleenDetachering) {
      hire.lender_id = employers_[PickFrom(sheltered_)].id;
    }
    Job& job = jobs_.emplace_back();
    job.person = p;
    job.employer = employer;
    job.slot = static_cast<int8_t>(slot);
    job.form = static_cast<int8_t>(form);
    job.contract = contract;
    job.hours_x100 = hours_x100;
    job.last_recorded = persons_[p].last_recorded;
    ++persons_[p].active_jobs;
    EmitJobEvent(job, date, std::move(hire));
    AddToBucket(j);
  }

  OutflowReason RandomOutflowReason(ContractForm contract) {
    static constexpr std::array<std::pair<OutflowReason, int>, 7> kReasons = {
        {{OutflowReason::kEndOfContract, 10},
         {OutflowReason::kResignation, 30},
         {OutflowReason::kDismissal, 10},
         {OutflowReason::kToRegularJob, 15},
         {OutflowReason::kRetirement, 20},
         {OutflowReason::kDeceased, 3},
         {OutflowReason::kOther, 12}}};
    if (contract != ContractForm::kVast && rng_.Chance(0.6)) {
      return OutflowReason::kEndOfContract;
    }
    return rng_.Pick(kReasons);
  }

  // Ends job `j` on a day in [from, to] after its last event.
  void End(uint32_t j, Date from, Date to) {
    Job& job = jobs_[j];
    const Date date =
        rng_.Between(std::max(from, Date{job.last_date.days + 1}), to);
    const OutflowReason reason = RandomOutflowReason(job.contract);
    RemoveFromBucket(j);
    Unit& ended = EmitJobEvent(job, date, JobEnded{JobId(j), reason});
    if (rng_.Chance(kWrongEndRate)) {
      // First recorded a few days too late, then corrected.
      ended.event.effective_date =
          Date{date.days + 1 + static_cast<int32_t>(rng_.Below(20))};
      EmitCorrection(ended, "end date entered wrongly",
                     JobEnded{JobId(j), reason}, date, &job);
    }
    Person& person = persons_[job.person];
    person.free_from = std::max(person.free_from, date);
    if (--person.active_jobs > 0 || !person.registered) return;
    if (reason == OutflowReason::kRetirement) {
      Deregister(job.person, date, to, DeregistrationReason::kAowAge);
    } else if (reason == OutflowReason::kDeceased) {
      Deregister(job.person, date, to, DeregistrationReason::kDeceased);
    } else if (rng_.Chance(0.2)) {
      Deregister(job.person, date, to, RandomDeregistrationReason());
    } else if (person.pool_position < 0) {
      AddToPool(job.person);
    }
  }

  void ChangeHours(uint32_t j, Date date, int32_t hours_x100) {
    Job& job = jobs_[j];
    Bucket& bucket = buckets_[job.slot][job.form];
    bucket.stock_hours += hours_x100 - job.hours_x100;
    job.hours_x100 = hours_x100;
    Unit& changed = EmitJobEvent(job, date, HoursChanged{JobId(j), hours_x100});
    if (rng_.Chance(kHoursTypoRate)) {
      // Typed with a digit too many, then corrected.
      std::get<HoursChanged>(changed.event.payload).hours_x100 =
          std::min(hours_x100 * 10, kMaxHoursPerWeekX100);
      EmitCorrection(changed, "hours entered wrongly",
                     HoursChanged{JobId(j), hours_x100}, date, &job);
    }
  }

  void Convert(uint32_t j, Date date) {
    Job& job = jobs_[j];
    const ContractForm to =
        job.contract == ContractForm::kTijdelijk || rng_.Chance(0.4)
            ? ContractForm::kVast
            : ContractForm::kTijdelijk;
    const int32_t new_hours = rng_.Chance(0.3) ? RandomHours() : 0;
    RemoveFromBucket(j);
    // An SROI job stays in its commissioning sector's bucket.
    if (job.form != kSroiForm) job.form = static_cast<int8_t>(FormIndex(to));
    job.contract = to;
    if (new_hours != 0) job.hours_x100 = new_hours;
    AddToBucket(j);
    EmitJobEvent(job, date, JobConverted{JobId(j), to, new_hours});
  }

  // A hire recorded by mistake (a duplicate entry), retracted weeks later.
  void EmitPhantomHire(int year) {
    if (persons_.empty()) return;
    const int slot = static_cast<int>(rng_.Below(kSectorSlots));
    const auto p = static_cast<uint32_t>(rng_.Below(persons_.size()));
    const Date date = rng_.Between(MakeDate(year, 1, 1), MakeDate(year, 12, 1));
    JobStarted hire;
    hire.job_id = absl::StrFormat("job-dup-%d-%d", year, phantoms_++);
    hire.employer_id = employers_[PickFrom(hirers_[slot])].id;
    hire.person_ref = PersonRef(options_.seed, p);
    hire.form = ContractForm::kVast;
    hire.hours_x100 = RandomHours();
    Unit& wrong = Emit(date, RecordingDay(date), std::move(hire));
    EmitCorrection(wrong, "duplicate entry of an existing job", std::nullopt,
                   date, nullptr);
  }

  // Brings the stock of (slot, form) on `to` to exactly `target_hours`:
  // ends jobs while above it, hires while far below, then closes the last
  // gap with one hire or one hours change.
  absl::Status Calibrate(int slot, int form, Date from, Date to,
                         int64_t target_hours, bool allow_ends) {
    Bucket& bucket = buckets_[slot][form];
    // Jobs whose last event is on `to` cannot end this period; give up
    // after many such picks in a row (the gap then shows in the figures).
    for (int misses = 0; allow_ends && bucket.stock_hours > target_hours &&
                         !bucket.active.empty() && misses < 1000;) {
      const uint32_t j = bucket.active[rng_.Below(bucket.active.size())];
      if (jobs_[j].last_date >= to) {
        ++misses;
        continue;
      }
      misses = 0;
      End(j, from, to);
    }
    int64_t gap = target_hours - bucket.stock_hours;
    while (gap > kMaxHireHoursX100) {
      const int32_t hours = RandomHours();
      Hire(slot, form, rng_.Between(from, to), hours);
      gap -= hours;
      RETURN_IF_ERROR(FlushFloorDayIfLarge());
    }
    if (gap <= 0) return absl::OkStatus();
    if (gap < kMinHireHoursX100) {
      for (int attempt = 0; attempt < 50 && !bucket.active.empty(); ++attempt) {
        const uint32_t j = bucket.active[rng_.Below(bucket.active.size())];
        const Job& job = jobs_[j];
        if (job.last_date >= to || job.hours_x100 + gap > kMaxHireHoursX100) {
          continue;
        }
        const Date date = rng_.Between(
            std::max(Date{to.days - 30}, Date{job.last_date.days + 1}), to);
        ChangeHours(j, date, job.hours_x100 + static_cast<int32_t>(gap));
        return absl::OkStatus();
      }
    }
    Hire(slot, form, rng_.Between(std::max(from, Date{to.days - 60}), to),
         static_cast<int32_t>(gap));
    return absl::OkStatus();
  }

  int64_t Scaled(int64_t amount) const {
    return static_cast<int64_t>(
        std::llround(static_cast<double>(amount) * options_.markt_scale));
  }

  // Brings every bucket to its year-end target `y`: the government sectors
  // and the SROI jobs they commissioned first, then markt, whose own jobs
  // are what its target leaves after the SROI jobs its suppliers hold, by
  // form, times the scale.
  absl::Status CalibrateYearEnd(int y, Date from, Date to, bool allow_ends) {
    const int markt = SlotOf(Sector::kMarkt);
    for (int slot = 0; slot < kSectorSlots; ++slot) {
      if (slot == markt) continue;
      for (int f = 0; f < kRealisationForms; ++f) {
        RETURN_IF_ERROR(Calibrate(slot, f, from, to,
                                  HoursOf(targets_.forms_x100[y][slot][f]),
                                  allow_ends));
      }
      RETURN_IF_ERROR(Calibrate(slot, kSroiForm, from, to,
                                HoursOf(targets_.sroi_x100[y][slot]),
                                allow_ends));
    }
    std::array<int64_t, kRealisationForms> sroi_hours{};
    for (int slot = 0; slot < kSectorSlots; ++slot) {
      for (uint32_t j : buckets_[slot][kSroiForm].active) {
        sroi_hours[FormIndex(jobs_[j].contract)] += jobs_[j].hours_x100;
      }
    }
    for (int f = 0; f < kRealisationForms; ++f) {
      RETURN_IF_ERROR(Calibrate(
          markt, f, from, to,
          Scaled(HoursOf(targets_.forms_x100[y][markt][f]) - sroi_hours[f]),
          allow_ends));
    }
    return absl::OkStatus();
  }

  // Brings the persons registered on `to` to the seed's ratio to the persons
  // working then (who follow from the calibrated jobs): registers newcomers
  // without a job, or deregisters persons of the pool, during the year.
  void CalibrateRegister(Date from, Date to) {
    int64_t registered = 0;
    int64_t working = 0;
    for (const Person& person : persons_) {
      if (!person.registered || person.registered_on > to) continue;
      ++registered;
      if (person.active_jobs > 0) ++working;
    }
    const int64_t target = working * kSeedRegistered2024 / kSeedWorking2024;
    for (; registered < target; ++registered) {
      AddToPool(NewPerson(rng_.Between(from, to)));
    }
    while (registered > target && !pool_.empty()) {
      const uint32_t p = pool_[rng_.Below(pool_.size())];
      Deregister(p, from, to, RandomDeregistrationReason());
      if (persons_[p].registered) {
        RemoveFromPool(p);  // could not leave in time: stays, out of reach
      } else {
        --registered;
      }
    }
  }

  void Reclassify(int year) {
    const Date date = MakeDate(year, 1, 1);
    Employer& employer = employers_[reclassified_employer_];
    Emit(date, RecordingDay(date),
         EmployerReclassified{employer.id, Sector::kOnderzoeksinstellingen});
    const int markt = SlotOf(Sector::kMarkt);
    const int research = SlotOf(Sector::kOnderzoeksinstellingen);
    employer.sector = Sector::kOnderzoeksinstellingen;
    std::erase(hirers_[markt], reclassified_employer_);
    hirers_[research].push_back(reclassified_employer_);
    for (int f = 0; f < kFormCount; ++f) {
      const std::vector<uint32_t> active = buckets_[markt][f].active;
      for (uint32_t j : active) {
        if (jobs_[j].employer != reclassified_employer_ || f == kSroiForm) {
          continue;
        }
        RemoveFromBucket(j);
        jobs_[j].slot = static_cast<int8_t>(research);
        AddToBucket(j);
      }
    }
  }

  absl::Status SimulateYear(int year) {
    const Date first = MakeDate(year, 1, 1);
    const Date last = MakeDate(year, 12, 31);
    SetTargets(year);
    if (year == kReclassificationYear) Reclassify(year);
    RegisterPoolPersons(year, PoolInflow());
    const std::vector<uint32_t> pool = pool_;
    for (uint32_t p : pool) {
      if (rng_.Chance(kPoolExitRate)) {
        Deregister(p, first, last, RandomDeregistrationReason());
      }
    }
    // Every job active at the start of the year may end, convert or change
    // hours once; the order of the buckets is fixed, so this is
    // deterministic.
    for (int slot = 0; slot < kSectorSlots; ++slot) {
      for (int f = 0; f < kFormCount; ++f) {
        const std::vector<uint32_t> active = buckets_[slot][f].active;
        for (uint32_t j : active) {
          if (jobs_[j].last_date >= last) continue;
          const Date after{std::max(first.days, jobs_[j].last_date.days + 1)};
          if (rng_.Chance(kEndRate[f])) {
            End(j, first, last);
          } else if (rng_.Chance(
                         kConversionRate[FormIndex(jobs_[j].contract)])) {
            Convert(j, rng_.Between(after, last));
          } else if (rng_.Chance(kHoursChangeRate)) {
            ChangeHours(j, rng_.Between(after, last), RandomHours());
          }
        }
      }
    }
    RETURN_IF_ERROR(CalibrateYearEnd(year - kBaselineYear, first, last,
                                     /*allow_ends=*/true));
    if (year == kRegisterCalibrationYear) CalibrateRegister(first, last);
    for (int i = 0; i < kPhantomHiresPerYear; ++i) EmitPhantomHire(year);
    ReportPaidHours(year);
    return absl::OkStatus();
  }

  const DemoDataOptions options_;
  absl::FunctionRef<absl::Status(DemoBatch)> sink_;
  DemoDataCounts* counts_;
  Rng rng_;
  const YearEndTargets targets_;

  std::vector<Employer> employers_;
  std::array<std::vector<uint32_t>, kSectorSlots> hirers_;
  std::vector<uint32_t> suppliers_;
  std::vector<uint32_t> agencies_;
  std::vector<uint32_t> sheltered_;
  uint32_t reclassified_employer_ = 0;
  std::vector<Person> persons_;
  std::vector<uint32_t> pool_;  // registered, without a job
  std::vector<Job> jobs_;
  std::array<std::array<Bucket, kFormCount>, kSectorSlots> buckets_;
  int phantoms_ = 0;

  Date floor_;
  std::vector<Unit> buffer_;
  static constexpr size_t kFlushFloorDayAt = size_t{1} << 18;
  size_t flush_floor_day_at_ = kFlushFloorDayAt;
  uint64_t next_order_ = 1;
  uint64_t next_seq_;
  absl::flat_hash_map<uint64_t, uint64_t> seq_of_order_;
};

}  // namespace
}  // namespace demo_data

absl::Status GenerateDemoData(
    const DemoDataOptions& options,
    absl::FunctionRef<absl::Status(DemoBatch batch)> sink,
    DemoDataCounts* counts) {
  if (!(options.markt_scale > 0 && options.markt_scale <= 100)) {
    return absl::InvalidArgumentError("markt_scale must be in (0, 100]");
  }
  if (options.first_seq < 1) {
    return absl::InvalidArgumentError("first_seq must be at least 1");
  }
  demo_data::Simulation simulation(options, sink, counts);
  return simulation.Run();
}

}  // namespace banen
