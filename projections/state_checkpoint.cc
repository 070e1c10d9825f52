#include "projections/state_checkpoint.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <thread>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/status_macros.h"
#include "projections/figures.h"

namespace banen {
namespace {

enum Section : uint64_t {
  kRecorded = 1,
  kRefs = 2,
  kEmployers = 3,
  kPersons = 4,
  kJobs = 5,
  kFigures = 6,
  kYearHours = 7,
  kRegisterSteps = 8,
  kPersonIndex = 9,  // from layout 3 on
  kJobIndex = 10,
  kFigureCheckpoints = 11,  // from layout 4 on
  kIdKey = 12,              // from layout 5 on
};

void PutFixed(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

uint64_t GetFixed(std::string_view in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | uint8_t(in[i]);
  return value;
}

uint64_t ZigZag(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^
         static_cast<uint64_t>(value >> 63);
}

int64_t UnZigZag(uint64_t value) {
  return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1);
}

// Index + 1, so that kNoIndex is 0.
uint64_t Ref(uint32_t index) { return uint32_t(index + 1); }

// Builds the parts: items of one section, cut once a part passes
// `part_bytes`, each handed to `put_part` as it is made. A part is built in
// one buffer, reused for the next: its front is kept for the part's header,
// and a varint is written through a pointer into room made for it ahead.
// Appended to a string a byte at a time, each byte checking the capacity and
// writing the terminator, and then copied behind its header, the encoding
// of a state of 10 M events took 0.72 s where it now takes 0.46
// (state_codec_bench, memory already mapped); held until all were made,
// the parts took the state's size in fresh memory at every save.
class PartWriter {
 public:
  PartWriter(size_t part_bytes,
             absl::FunctionRef<absl::Status(std::string_view part)> put_part)
      : part_bytes_(part_bytes), put_part_(put_part) {}
  // Inlined, as Varint() and MakeRoom(): called for every element of the
  // state.
  [[gnu::always_inline]] void Item(Section section) {
    if (count_ > 0 &&
        (section != section_ || used_ - kHeaderBytes >= part_bytes_)) {
      Flush();
    }
    if (count_ == 0) Begin();
    section_ = section;
    ++count_;
  }
  [[gnu::always_inline]] void Varint(uint64_t value) {
    MakeRoom(kMaxVarintBytes);
    char* at = part_.data() + used_;
    while (value >= 0x80) {
      *at++ = static_cast<char>(value | 0x80);
      value >>= 7;
    }
    *at++ = static_cast<char>(value);
    used_ = static_cast<size_t>(at - part_.data());
  }
  void Signed(int64_t value) { Varint(ZigZag(value)); }
  void String(std::string_view text) {
    Varint(text.size());
    MakeRoom(text.size());
    if (!text.empty()) {
      std::memcpy(part_.data() + used_, text.data(), text.size());
    }
    used_ += text.size();
  }
  void Validity(const banen::Validity& validity) {
    Varint(validity.seq());
    Varint(validity.retracted_at() == kNeverRetracted
               ? 0
               : validity.retracted_at() - validity.seq());
  }
  // The header of the body made, or the first error of put_part (after
  // which it was called no more).
  absl::StatusOr<StateHeader> Finish() {
    if (count_ > 0) Flush();
    RETURN_IF_ERROR(status_);
    return header_;
  }

 private:
  static constexpr size_t kMaxVarintBytes = 10;
  // The header: the section in a byte, the count a varint of 5 bytes (the
  // first four with the continuation bit, the high ones perhaps zeros):
  // fixed, so that it fills the room kept for it.
  static constexpr size_t kCountBytes = 5;
  static constexpr size_t kHeaderBytes = 1 + kCountBytes;
  static_assert(kIdKey < 0x80);

  void Begin() {
    // Zeros, written once: a part holds part_bytes_ and one item more.
    if (part_.empty()) part_.resize(kHeaderBytes + part_bytes_ + 256);
    used_ = kHeaderBytes;
  }
  [[gnu::always_inline]] void MakeRoom(size_t bytes) {
    if (part_.size() - used_ < bytes) [[unlikely]] {
      Grow(bytes);
    }
  }
  [[gnu::noinline]] void Grow(size_t bytes) {
    part_.resize(std::max(2 * part_.size(), used_ + bytes));
  }
  void Flush() {
    part_[0] = static_cast<char>(section_);
    uint64_t count = count_;  // below 2^35: a part has fewer bytes
    for (size_t i = 1; i < kCountBytes; ++i) {
      part_[i] = static_cast<char>((count & 0x7f) | 0x80);
      count >>= 7;
    }
    part_[kCountBytes] = static_cast<char>(count);
    const std::string_view part(part_.data(), used_);
    if (status_.ok()) status_ = put_part_(part);
    ++header_.parts;
    header_.body_size += part.size();
    count_ = 0;
  }

  const size_t part_bytes_;
  const absl::FunctionRef<absl::Status(std::string_view part)> put_part_;
  Section section_ = kRecorded;
  uint64_t count_ = 0;
  // From the first item on: the header's room, then used_ - kHeaderBytes
  // bytes of items.
  std::string part_;
  size_t used_ = 0;
  StateHeader header_;  // parts and body_size so far
  absl::Status status_;
};

class PartReader {
 public:
  explicit PartReader(std::string_view bytes) : in_(bytes) {}
  bool done() const { return in_.empty(); }
  bool ok() const { return ok_; }

  uint64_t Varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) break;
      const uint8_t byte = in_.front();
      in_.remove_prefix(1);
      value |= uint64_t{byte & 0x7fu} << shift;
      if (byte < 0x80) return value;
    }
    ok_ = false;
    return 0;
  }
  int64_t Signed() { return UnZigZag(Varint()); }
  // Below `limit`, else fails the read.
  uint64_t Bounded(uint64_t limit) {
    const uint64_t value = Varint();
    if (value >= limit) ok_ = false;
    return ok_ ? value : 0;
  }
  int32_t Int32() {
    const int64_t value = Signed();
    if (value < INT32_MIN || value > INT32_MAX) ok_ = false;
    return ok_ ? static_cast<int32_t>(value) : 0;
  }
  Date DateValue() { return Date{Int32()}; }
  // A date within kPackedDateBits (ledger/event.h).
  Date PackedDate() {
    const Date date = DateValue();
    if (!FitsPackedDate(date)) ok_ = false;
    return ok_ ? date : Date{};
  }
  // A JobEntry's hours: 0 to kMaxHoursPerWeekX100.
  int16_t HoursX100() {
    const int64_t value = Signed();
    if (value < 0 || value > kMaxHoursPerWeekX100) ok_ = false;
    return ok_ ? static_cast<int16_t>(value) : 0;
  }
  uint32_t Index() { return static_cast<uint32_t>(Bounded(kNoIndex)); }
  // An index + 1 or 0: kNoIndex.
  uint32_t Ref() {
    const uint64_t value = Varint();
    if (value > kNoIndex) ok_ = false;
    return ok_ ? static_cast<uint32_t>(value - 1) : kNoIndex;
  }
  // A view into the bytes read.
  std::string_view StringView() {
    const uint64_t size = Varint();
    if (!ok_ || size > in_.size()) {
      ok_ = false;
      return {};
    }
    const std::string_view text = in_.substr(0, size);
    in_.remove_prefix(size);
    return text;
  }
  std::string String() { return std::string(StringView()); }
  // A count of items of at least one byte each: bounded by what is left, so
  // a corrupt count cannot make a huge allocation.
  uint64_t Count() {
    const uint64_t count = Varint();
    if (count > in_.size()) ok_ = false;
    return ok_ ? count : 0;
  }
  // DATA_LOSS (ok_ false) for a seq beyond what a state holds.
  banen::Validity Validity() {
    const uint64_t seq = Varint();
    const uint64_t retracted = Varint();
    if (seq > kMaxStateSeq || retracted > kMaxStateSeq - seq) {
      ok_ = false;
      return banen::Validity();
    }
    banen::Validity validity(seq);
    if (retracted != 0) validity.Retract(seq + retracted);
    return validity;
  }

 private:
  std::string_view in_;
  bool ok_ = true;
};

template <typename Enum>
Enum EnumOf(PartReader& in, int count) {
  return static_cast<Enum>(in.Bounded(static_cast<uint64_t>(count)));
}

// A count, then as many items read by read(), into `list` sized once: grown
// by doubling, the job lists of the 44,793 employers at 10 M events took
// 315,803 allocations and up to twice their bytes. (Count() bounds the size
// by the bytes left.) A CompactVector's room follows from its size: it has
// no reserve().
template <typename List, typename Read>
void ReadList(PartReader& in, List& list, Read read) {
  const uint64_t count = in.Count();
  if constexpr (requires { list.reserve(count); }) {
    list.reserve(list.size() + count);
  }
  for (uint64_t n = count; n > 0; --n) list.push_back(read());
}

// The validity of an entry of a job or a person, whose retraction is kept
// apart, as the encoding holds it; and back.
template <typename Entry>
Validity ValidityOf(const Entry& entry, const Retractions& retractions) {
  Validity validity(entry.seq);
  if (entry.retracted) validity.Retract(retractions.Of(entry.seq));
  return validity;
}
template <typename Entry>
void SetValidity(const Validity& validity, Entry& entry,
                 Retractions& retractions) {
  entry.seq = static_cast<uint32_t>(validity.seq());
  entry.retracted = validity.retracted_at() != kNeverRetracted;
  if (entry.retracted) retractions.Add(validity.seq(), validity.retracted_at());
}

}  // namespace

// Reads and writes ProjectionState's members; a friend of it.
class StateCodec {
 public:
  // The header's parts and body_size.
  static absl::StatusOr<StateHeader> Encode(
      const ProjectionState& state, const KeptSums& sums,
      absl::Span<const uint64_t> checkpoints, size_t part_bytes,
      absl::FunctionRef<absl::Status(std::string_view part)> put_part);
  // `body_size`: what the parts must add up to, when known.
  static absl::StatusOr<DecodedState> Decode(uint64_t seq, uint32_t part_count,
                                             StatePartReader read_part,
                                             uint32_t layout,
                                             std::optional<uint64_t> body_size);

 private:
  using RefKind = ProjectionState::RefKind;
  using FigureKey = ProjectionState::FigureKey;
  using FigureKind = ProjectionState::FigureKind;
  static constexpr int kRefKinds = 6;
  static constexpr int kFigureKinds = 3;

  // A year hours cell's values: sum, then rate (state_checkpoint.h).
  static constexpr int kSeries = YearHours::kSeries;
  static_assert(kSeries == 8, "section 7 encodes 8 series");
  static_assert(kGrondslagCount == 6 && kDeregistrationReasonCount == 6,
                "section 8 encodes 6 grondslagen and 6 reasons");
  using Cell = YearHours::Cell;

  static void EncodeSums(const ProjectionState& state, const KeptSums& sums,
                         PartWriter& out);
  static void EncodeIdIndex(Section section, const IdIndex& index,
                            PartWriter& out);
  static bool ReadIdIndexItem(PartReader& in, IdIndex& index);
  // Whether the id indexes loaded hold an index of each id and no other.
  static bool CheckIdIndexes(const ProjectionState& state);
  // The retractions of the entries read go to `retractions`, so that the
  // jobs' thread has its own.
  static bool ReadItem(Section section, PartReader& in, DecodedState& decoded,
                       Retractions& retractions);
  static bool ReadSumsItem(Section section, PartReader& in, KeptSums& out);
  // The items of part `p`, `bytes`, into `out`.
  static absl::Status ReadPart(size_t p, std::string_view bytes,
                               DecodedState& out, Retractions& retractions);
  // The items of parts [begin, end) into `out`.
  static absl::Status ReadParts(StatePartReader read_part, size_t begin,
                                size_t end, DecodedState& out,
                                Retractions& retractions);
  static bool Check(const ProjectionState& state);
};

absl::StatusOr<StateHeader> StateCodec::Encode(
    const ProjectionState& state, const KeptSums& sums,
    absl::Span<const uint64_t> checkpoints, size_t part_bytes,
    absl::FunctionRef<absl::Status(std::string_view part)> put_part) {
  PartWriter out(part_bytes, put_part);
  int64_t micros = 0;
  uint64_t seq = 0;
  for (const auto& [time, last] : state.recorded_) {
    out.Item(kRecorded);
    const int64_t now = absl::ToUnixMicros(time);
    out.Signed(now - micros);
    out.Varint(last - seq);
    micros = now;
    seq = last;
  }
  for (size_t i = 0; i < state.refs_.size(); ++i) {
    const ProjectionState::EventRef ref = state.refs_[i];
    out.Item(kRefs);
    out.Varint(static_cast<uint64_t>(ref.kind));
    if (ref.kind != RefKind::kNone) out.Varint(ref.index);
  }
  const auto sector_entry = [&](const SectorEntry& entry) {
    out.Signed(entry.date.days);
    out.Varint(static_cast<uint64_t>(entry.sector));
    out.Validity(entry.validity);
  };
  for (const EmployerRecord& employer : state.employers_) {
    out.Item(kEmployers);
    out.String(employer.employer_id);
    out.String(employer.parent_employer_id);
    out.Varint(employer.registrations.size());
    for (size_t i = 0; i < employer.registrations.size(); ++i) {
      sector_entry(employer.registrations[i]);
      out.Varint(Ref(employer.registration_parents[i]));
    }
    out.Varint(employer.reclassifications.size());
    for (const SectorEntry& entry : employer.reclassifications) {
      sector_entry(entry);
    }
    out.Varint(employer.jobs.size());
    for (uint32_t job : employer.jobs) out.Varint(job);
  }
  for (size_t p = 0; p < state.persons_.size(); ++p) {
    const PersonRecord& person = state.persons_[p];
    out.Item(kPersons);
    out.String(state.person_refs_[p]);
    out.Varint(person.entries().size());
    for (const RegisterEntry& entry : person.entries()) {
      out.Signed(entry.days);
      out.Varint(entry.registered ? 1 : 0);
      out.Varint(static_cast<uint64_t>(entry.grondslag));
      out.Varint(static_cast<uint64_t>(entry.reason));
      out.Validity(ValidityOf(entry, state.retractions_));
    }
    out.Varint(person.jobs().size());
    for (uint32_t job : person.jobs()) out.Varint(job);
  }
  // A state decoded from layout 2 gets its indexes here: its ids are as
  // they were read, and its indexes are a function of them (id_index.h).
  ProjectionState::IdIndexes made;
  if (state.ids_pending_) state.FillIdIndexes(/*threads=*/1, made);
  const IdIndex& person_index =
      state.ids_pending_ ? made.persons : state.person_index_;
  const IdIndex& job_index = state.ids_pending_ ? made.jobs : state.job_index_;
  // The id of a job is written empty when a later job took it over.
  std::vector<bool> holds_id(state.jobs_.size());
  job_index.ForEach([&](const IdIndex::Entry& entry) {
    if (entry.index < holds_id.size()) holds_id[entry.index] = true;
  });
  for (size_t j = 0; j < state.jobs_.size(); ++j) {
    const JobRecord& job = state.jobs_[j];
    out.Item(kJobs);
    out.String(holds_id[j] ? state.job_ids_[j] : std::string_view());
    out.Varint(Ref(job.person));
    out.Varint(Ref(job.employer));
    out.Varint(Ref(job.lender));
    out.Varint(Ref(job.commissioning_employer));
    out.Varint(job.entries.size());
    for (const JobEntry& entry : job.entries) {
      out.Signed(entry.date.days);
      out.Varint(static_cast<uint64_t>(entry.step));
      out.Varint(static_cast<uint64_t>(entry.form));
      out.Varint(static_cast<uint64_t>(entry.reason));
      out.Signed(entry.hours_x100);
      out.Validity(ValidityOf(entry, state.retractions_));
    }
  }
  std::vector<const FigureKey*> keys(state.figures_.size());
  for (const auto& [key, index] : state.figure_index_) keys[index] = &key;
  for (size_t f = 0; f < state.figures_.size(); ++f) {
    const FigureKey& key = *keys[f];
    out.Item(kFigures);
    out.Varint(static_cast<uint64_t>(key.kind));
    out.Varint(static_cast<uint64_t>(key.sector));
    out.Signed(key.year);
    out.Varint(Ref(key.employer));
    out.Varint(state.figures_[f].size());
    for (const FigureEntry& entry : state.figures_[f]) {
      out.Signed(entry.banen_x100);
      out.Validity(entry.validity);
    }
  }
  EncodeSums(state, sums, out);
  EncodeIdIndex(kPersonIndex, person_index, out);
  EncodeIdIndex(kJobIndex, job_index, out);
  uint64_t checkpoint = 0;
  for (const uint64_t next : checkpoints) {
    out.Item(kFigureCheckpoints);
    out.Varint(next - checkpoint);
    checkpoint = next;
  }
  out.Item(kIdKey);
  out.String(
      std::string_view(reinterpret_cast<const char*>(state.id_key_.data()),
                       state.id_key_.size()));
  return out.Finish();
}

void StateCodec::EncodeIdIndex(Section section, const IdIndex& index,
                               PartWriter& out) {
  uint32_t tag = 0;
  index.ForEach([&](const IdIndex::Entry& entry) {
    out.Item(section);
    out.Varint(entry.tag - tag);
    out.Varint(entry.index);
    tag = entry.tag;
  });
}

bool StateCodec::ReadIdIndexItem(PartReader& in, IdIndex& index) {
  const uint64_t tag = uint64_t{index.last_tag()} + in.Varint();
  const uint32_t id = in.Index();
  return tag <= UINT32_MAX &&
         index.Append(IdIndex::Entry{static_cast<uint32_t>(tag), id});
}

bool StateCodec::CheckIdIndexes(const ProjectionState& state) {
  // One entry for each non-empty id, none for another: a damaged table
  // that named an index twice would leave an id no lookup finds, and the
  // next save would write that id empty.
  const auto check = [](const IdList& ids, const IdIndex& index) {
    std::vector<bool> unmatched(ids.size());
    size_t named = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      unmatched[i] = !ids[i].empty();
      named += unmatched[i] ? 1 : 0;
    }
    bool matched = true;
    index.ForEach([&](const IdIndex::Entry& entry) {
      matched = matched && entry.index < ids.size() && unmatched[entry.index];
      if (matched) unmatched[entry.index] = false;
    });
    return matched && index.size() == named;
  };
  return check(state.person_refs_, state.person_index_) &&
         check(state.job_ids_, state.job_index_);
}

void StateCodec::EncodeSums(const ProjectionState& state, const KeptSums& sums,
                            PartWriter& out) {
  for (size_t e = 0; e < state.employers_.size(); ++e) {
    out.Item(kYearHours);
    const std::vector<Cell> cells =
        sums.hours.CellsOf(static_cast<uint32_t>(e));
    // Without the cells that add nothing to the years before them, so that
    // the bytes do not depend on the order the cells were grown in.
    size_t count = cells.size();
    for (; count > 0; --count) {
      const Cell& last = cells[count - 1];
      Cell none;
      if (count > 1) none.rate = cells[count - 2].rate;
      if (last.sum != none.sum || last.rate != none.rate) break;
    }
    out.Varint(count);
    std::array<int64_t, kSeries> rate{};
    for (const Cell& cell : absl::MakeConstSpan(cells).first(count)) {
      std::array<int64_t, size_t{2} * kSeries> values;
      for (int s = 0; s < kSeries; ++s) {
        values[s] = cell.sum[s];
        values[kSeries + s] = cell.rate[s] - rate[s];
      }
      rate = cell.rate;
      uint64_t mask = 0;
      for (int i = 0; i < 2 * kSeries; ++i) {
        if (values[i] != 0) mask |= uint64_t{1} << i;
      }
      out.Varint(mask);
      for (int64_t value : values) {
        if (value != 0) out.Signed(value);
      }
    }
  }
  const RegisterSteps& steps = sums.register_steps;
  size_t peildata = steps.flows_.size();
  while (peildata > 0 && steps.registered_step_[peildata - 1] == 0 &&
         steps.working_step_[peildata - 1] == 0 &&
         steps.flows_[peildata - 1] == RegisterCounts{}) {
    --peildata;
  }
  for (size_t k = 0; k < peildata; ++k) {
    out.Item(kRegisterSteps);
    out.Signed(steps.registered_step_[k]);
    out.Signed(steps.working_step_[k]);
    const RegisterCounts& flows = steps.flows_[k];
    for (int64_t inflow : flows.inflow) out.Signed(inflow);
    for (int64_t outflow : flows.outflow) out.Signed(outflow);
    out.Signed(flows.found_work);
    out.Signed(flows.lost_work);
  }
}

bool StateCodec::ReadItem(Section section, PartReader& in,
                          DecodedState& decoded, Retractions& retractions) {
  ProjectionState& out = decoded.state;
  const auto sector_entry = [&] {
    SectorEntry entry;
    entry.date = in.DateValue();
    entry.sector = EnumOf<Sector>(in, kSectorCount);
    entry.validity = in.Validity();
    return entry;
  };
  switch (section) {
    case kRecorded: {
      // Differences to the item before: a damaged one must not overflow.
      int64_t micros = 0;
      uint64_t seq = 0;
      if (__builtin_add_overflow(
              out.recorded_.empty()
                  ? 0
                  : absl::ToUnixMicros(out.recorded_.back().first),
              in.Signed(), &micros) ||
          __builtin_add_overflow(
              out.recorded_.empty() ? 0 : out.recorded_.back().second,
              in.Varint(), &seq)) {
        return false;
      }
      out.recorded_.emplace_back(absl::FromUnixMicros(micros), seq);
      return true;
    }
    case kRefs: {
      ProjectionState::EventRef ref;
      ref.kind = EnumOf<RefKind>(in, kRefKinds);
      if (ref.kind != RefKind::kNone) ref.index = in.Index();
      out.refs_.push_back(ref);
      return true;
    }
    case kEmployers: {
      EmployerRecord& employer = out.employers_.emplace_back();
      employer.employer_id = in.String();
      employer.parent_employer_id = in.String();
      for (uint64_t n = in.Count(); n > 0; --n) {
        employer.registrations.push_back(sector_entry());
        employer.registration_parents.push_back(in.Ref());
      }
      for (uint64_t n = in.Count(); n > 0; --n) {
        employer.reclassifications.push_back(sector_entry());
      }
      ReadList(in, employer.jobs, [&] { return in.Index(); });
      return out.employer_index_
          .try_emplace(employer.employer_id,
                       static_cast<uint32_t>(out.employers_.size() - 1))
          .second;
    }
    case kPersons: {
      PersonRecord& person = out.persons_.emplace_back();
      out.person_refs_.Add(in.StringView());
      for (uint64_t n = in.Count(); n > 0; --n) {
        RegisterEntry entry;
        entry.days = in.PackedDate().days;
        entry.registered = in.Bounded(2) == 1;
        entry.grondslag = EnumOf<Grondslag>(in, kGrondslagCount);
        entry.reason =
            EnumOf<DeregistrationReason>(in, kDeregistrationReasonCount);
        SetValidity(in.Validity(), entry, retractions);
        person.InsertEntry(person.entries().size(), entry);
      }
      for (uint64_t n = in.Count(); n > 0; --n) person.AddJob(in.Index());
      return true;
    }
    case kJobs: {
      JobRecord& job = out.jobs_.emplace_back();
      out.job_ids_.Add(in.StringView());
      job.person = in.Ref();
      job.employer = in.Ref();
      job.lender = in.Ref();
      job.commissioning_employer = in.Ref();
      ReadList(in, job.entries, [&] {
        JobEntry entry;
        entry.date = in.DateValue();
        entry.step = EnumOf<JobStep>(in, static_cast<int>(JobStep::kEnd) + 1);
        entry.form = EnumOf<ContractForm>(in, kContractFormCount);
        entry.reason = EnumOf<OutflowReason>(in, kOutflowReasonCount);
        entry.hours_x100 = in.HoursX100();
        SetValidity(in.Validity(), entry, retractions);
        return entry;
      });
      return true;
    }
    case kFigures: {
      FigureKey key{};
      key.kind = EnumOf<FigureKind>(in, kFigureKinds);
      key.sector = EnumOf<Sector>(in, kSectorCount);
      key.year = in.Int32();
      key.employer = in.Ref();
      std::vector<FigureEntry>& entries = out.figures_.emplace_back();
      for (uint64_t n = in.Count(); n > 0; --n) {
        FigureEntry entry;
        entry.banen_x100 = in.Signed();
        entry.validity = in.Validity();
        entries.push_back(entry);
      }
      return out.figure_index_
          .try_emplace(key, static_cast<uint32_t>(out.figures_.size() - 1))
          .second;
    }
    case kYearHours:
    case kRegisterSteps:
      return ReadSumsItem(section, in, decoded.sums);
    case kPersonIndex:
      return ReadIdIndexItem(in, out.person_index_);
    case kJobIndex:
      return ReadIdIndexItem(in, out.job_index_);
    case kFigureCheckpoints: {
      // Ascending, each at most the state's last seq (checked with it).
      std::vector<uint64_t>& seqs = *decoded.checkpoints;
      const uint64_t step = in.Varint();
      const uint64_t last = seqs.empty() ? 0 : seqs.back();
      if (step == 0 || step > UINT64_MAX - last) return false;
      seqs.push_back(last + step);
      return true;
    }
    case kIdKey: {
      const std::string_view key = in.StringView();
      if (key.size() != out.id_key_.size()) return false;
      std::memcpy(out.id_key_.data(), key.data(), key.size());
      return true;
    }
  }
  return false;
}

bool StateCodec::ReadSumsItem(Section section, PartReader& in, KeptSums& out) {
  if (section == kYearHours) {
    std::vector<Cell> cells;
    const uint64_t count = in.Count();
    cells.reserve(count);
    std::array<int64_t, kSeries> rate{};
    for (uint64_t n = 0; n < count; ++n) {
      const uint64_t mask = in.Bounded(uint64_t{1} << (2 * kSeries));
      Cell& cell = cells.emplace_back();
      for (int i = 0; i < 2 * kSeries; ++i) {
        const int64_t value = (mask >> i) & 1 ? in.Signed() : 0;
        if (i < kSeries) {
          cell.sum[i] = value;
        } else {
          // Wrapping: a corrupt body must not overflow a signed sum.
          rate[i - kSeries] =
              static_cast<int64_t>(static_cast<uint64_t>(rate[i - kSeries]) +
                                   static_cast<uint64_t>(value));
        }
      }
      cell.rate = rate;
    }
    out.hours.AddRow(cells);
    return true;
  }
  RegisterSteps& steps = out.register_steps;
  steps.registered_step_.push_back(in.Signed());
  steps.working_step_.push_back(in.Signed());
  RegisterCounts& flows = steps.flows_.emplace_back();
  for (int64_t& inflow : flows.inflow) inflow = in.Signed();
  for (int64_t& outflow : flows.outflow) outflow = in.Signed();
  flows.found_work = in.Signed();
  flows.lost_work = in.Signed();
  return true;
}

// Every index the fold and the figures follow is in range.
bool StateCodec::Check(const ProjectionState& state) {
  const auto in = [](uint32_t index, size_t size, bool optional) {
    return (optional && index == kNoIndex) || index < size;
  };
  const size_t jobs = state.jobs_.size();
  const size_t persons = state.persons_.size();
  const size_t employers = state.employers_.size();
  const size_t limits[kRefKinds] = {0,
                                    jobs,
                                    persons,
                                    employers,
                                    state.figures_.size(),
                                    state.figures_.size()};
  for (size_t i = 0; i < state.refs_.size(); ++i) {
    const ProjectionState::EventRef ref = state.refs_[i];
    if (ref.kind != RefKind::kNone &&
        !in(ref.index, limits[static_cast<int>(ref.kind)], false)) {
      return false;
    }
  }
  for (const JobRecord& job : state.jobs_) {
    if (!in(job.person, persons, false) || !in(job.employer, employers, true) ||
        !in(job.lender, employers, true) ||
        !in(job.commissioning_employer, employers, true)) {
      return false;
    }
  }
  for (const PersonRecord& person : state.persons_) {
    for (uint32_t job : person.jobs()) {
      if (!in(job, jobs, false)) return false;
    }
  }
  for (const EmployerRecord& employer : state.employers_) {
    for (uint32_t job : employer.jobs) {
      if (!in(job, jobs, false)) return false;
    }
    for (uint32_t parent : employer.registration_parents) {
      if (!in(parent, employers, true)) return false;
    }
  }
  for (const auto& [key, index] : state.figure_index_) {
    if (!in(key.employer, employers, true)) return false;
  }
  return true;
}

absl::Status StateCodec::ReadPart(size_t p, std::string_view bytes,
                                  DecodedState& out, Retractions& retractions) {
  PartReader in(bytes);
  const auto section = static_cast<Section>(in.Varint());
  const uint64_t count = in.Count();
  for (uint64_t i = 0; i < count; ++i) {
    if (!ReadItem(section, in, out, retractions) || !in.ok()) {
      return absl::DataLossError(absl::StrCat("state checkpoint part ", p,
                                              ": item ", i, " unreadable"));
    }
  }
  if (!in.done()) {
    return absl::DataLossError(absl::StrCat("state checkpoint part ", p,
                                            ": bytes after its last item"));
  }
  return absl::OkStatus();
}

absl::Status StateCodec::ReadParts(StatePartReader read_part, size_t begin,
                                   size_t end, DecodedState& out,
                                   Retractions& retractions) {
  for (size_t p = begin; p < end; ++p) {
    absl::Status items;
    RETURN_IF_ERROR(
        read_part(static_cast<uint32_t>(p), [&](std::string_view bytes) {
          items = ReadPart(p, bytes, out, retractions);
        }));
    RETURN_IF_ERROR(items);
  }
  return absl::OkStatus();
}

absl::StatusOr<DecodedState> StateCodec::Decode(
    uint64_t seq, uint32_t part_count, StatePartReader read_part,
    uint32_t layout, std::optional<uint64_t> body_size) {
  const bool has_id_indexes = layout >= 3;
  const bool lists_checkpoints = layout >= 4;
  const bool has_id_key = layout >= 5;
  const uint64_t last_known = has_id_key          ? kIdKey
                              : lists_checkpoints ? kFigureCheckpoints
                              : has_id_indexes    ? kJobIndex
                                                  : kRegisterSteps;
  // The items of each section first, so that every vector and index is
  // made at its size once instead of grown (and rehashed) item by item: each
  // part's section and count, the even parts' and the odd ones' on two
  // threads (a read of up to a MB each).
  struct PartStart {
    uint64_t section = 0;
    uint64_t count = 0;
    uint64_t bytes = 0;
    bool ok = false;
  };
  std::vector<PartStart> starts(part_count);
  std::array<absl::Status, 2> start_reads;
  const auto read_starts = [&](uint32_t first) {
    for (uint32_t p = first; p < part_count && start_reads[first].ok();
         p += 2) {
      start_reads[first] = read_part(p, [&](std::string_view bytes) {
        PartReader in(bytes);
        PartStart& start = starts[p];
        start.section = in.Varint();
        start.count = in.Count();
        start.bytes = bytes.size();
        start.ok = in.ok();
      });
    }
  };
  std::thread odd_starts(read_starts, 1);
  read_starts(0);
  odd_starts.join();
  for (const absl::Status& read : start_reads) RETURN_IF_ERROR(read);
  std::array<uint64_t, kIdKey + 1> items{};
  // And the bytes of their parts: more than the person refs or job ids
  // among them take.
  std::array<uint64_t, kIdKey + 1> section_bytes{};
  uint64_t bytes = 0;
  // The parts of the jobs: [jobs_begin, jobs_end).
  size_t jobs_begin = part_count;
  size_t jobs_end = part_count;
  uint64_t last_section = kRecorded;
  for (size_t p = 0; p < part_count; ++p) {
    const PartStart& start = starts[p];
    const uint64_t section = start.section;
    if (!start.ok || section < last_section || section > last_known) {
      return absl::DataLossError(
          absl::StrCat("state checkpoint part ", p, ": a foreign section"));
    }
    last_section = section;
    // Counts are bounded by their part's size: the sums by the body's.
    items[section] += start.count;
    section_bytes[section] += start.bytes;
    bytes += start.bytes;
    if (section >= kJobs) jobs_begin = std::min(jobs_begin, p);
    if (section > kJobs) jobs_end = std::min(jobs_end, p);
  }
  if (body_size.has_value() && bytes != *body_size) {
    return absl::DataLossError(
        absl::StrCat("state checkpoint after seq ", seq, ": its parts hold ",
                     bytes, " bytes, its header says ", *body_size));
  }
  DecodedState decoded;
  ProjectionState& state = decoded.state;
  // The lists that Apply() appends to get room to grow. Room not yet
  // written is not yet resident.
  const auto with_room = ProjectionState::WithRoomToGrow;
  state.recorded_.reserve(with_room(items[kRecorded]));
  state.refs_.reserve(with_room(items[kRefs]));
  state.employers_.reserve(with_room(items[kEmployers]));
  state.employer_index_.reserve(items[kEmployers]);
  state.persons_.reserve(with_room(items[kPersons]));
  state.person_refs_.Reserve(with_room(items[kPersons]));
  state.person_refs_.ReserveBytes(with_room(section_bytes[kPersons]));
  state.jobs_.reserve(with_room(items[kJobs]));
  state.job_ids_.Reserve(with_room(items[kJobs]));
  state.job_ids_.ReserveBytes(with_room(section_bytes[kJobs]));
  if (has_id_key && items[kIdKey] != 1) {
    return absl::DataLossError(absl::StrCat("state checkpoint after seq ", seq,
                                            ": ", items[kIdKey], " id keys"));
  }
  state.person_index_ = IdIndex::ForLoad(items[kPersonIndex]);
  state.job_index_ = IdIndex::ForLoad(items[kJobIndex]);
  state.figures_.reserve(with_room(items[kFigures]));
  state.figure_index_.reserve(items[kFigures]);
  decoded.sums.hours.rows_.reserve(items[kYearHours]);
  if (lists_checkpoints) {
    decoded.checkpoints.emplace().reserve(items[kFigureCheckpoints]);
  }
  // The jobs, as large as the persons, on a second thread: they fill
  // members of their own (jobs_, job_ids_).
  absl::Status jobs_read;
  Retractions job_retractions;
  std::thread jobs_reader([&] {
    jobs_read =
        ReadParts(read_part, jobs_begin, jobs_end, decoded, job_retractions);
  });
  absl::Status before_read =
      ReadParts(read_part, 0, jobs_begin, decoded, state.retractions_);
  absl::Status after_read = before_read.ok()
                                ? ReadParts(read_part, jobs_end, part_count,
                                            decoded, state.retractions_)
                                : absl::OkStatus();
  jobs_reader.join();
  state.retractions_.AddAll(job_retractions);
  for (const absl::Status* read : {&before_read, &jobs_read, &after_read}) {
    if (!read->ok()) return *read;
  }
  state.person_index_.FinishLoad();
  state.job_index_.FinishLoad();
  state.last_seq_ = seq;
  // The sums hold one item per employer: their indexes are in range.
  if (state.refs_.size() != seq || !Check(state) ||
      decoded.sums.hours.rows_.size() != state.employers_.size() ||
      (has_id_indexes && !CheckIdIndexes(state)) ||
      (lists_checkpoints && !decoded.checkpoints->empty() &&
       decoded.checkpoints->back() > seq)) {
    return absl::DataLossError(absl::StrCat("state checkpoint after seq ", seq,
                                            ": an index out of range"));
  }
  // Only layout 5 holds the key its tables are placed by. Layout 2 has no
  // tables; 3 and 4 placed them by a key anyone could read (id_index.h).
  // Their tables are made later under this state's new key (MakeIdIndexes).
  if (!has_id_key) {
    state.person_index_ = IdIndex();
    state.job_index_ = IdIndex();
    state.ids_pending_ = true;
  }
  return decoded;
}

std::string_view StateCheckpointSpace(uint32_t layout) {
  static const auto* const kSpaces = [] {
    auto* spaces = new std::array<std::string, kStateLayoutVersion + 1>();
    for (uint32_t each = kOldestStateLayout; each <= kStateLayoutVersion;
         ++each) {
      (*spaces)[each] = absl::StrCat("projection_state.v", each, ".rules",
                                     kCountingRulesVersion);
    }
    return spaces;
  }();
  return (
      *kSpaces)[std::clamp(layout, kOldestStateLayout, kStateLayoutVersion)];
}

std::string StateHeaderKey(uint64_t seq) {
  std::string key(1, 'H');
  PutFixed(key, seq, 8);
  return key;
}

std::string StatePartKey(uint64_t seq, uint32_t part) {
  std::string key(1, 'P');
  PutFixed(key, seq, 8);
  PutFixed(key, part, 4);
  return key;
}

std::optional<uint64_t> SeqOfStateHeaderKey(std::string_view key) {
  if (key.size() != 9 || key[0] != 'H') return std::nullopt;
  return GetFixed(key.substr(1), 8);
}

std::string EncodeStateHeader(const StateHeader& header) {
  std::string value;
  PutFixed(value, header.layout, 4);
  PutFixed(value, header.rules, 4);
  value.append(reinterpret_cast<const char*>(header.hash.data()),
               header.hash.size());
  PutFixed(value, header.parts, 4);
  PutFixed(value, header.body_size, 8);
  return value;
}

std::optional<StateHeader> DecodeStateHeader(std::string_view value) {
  constexpr size_t kSize = 4 + 4 + sizeof(Hash) + 4 + 8;
  if (value.size() != kSize) return std::nullopt;
  StateHeader header;
  header.layout = static_cast<uint32_t>(GetFixed(value, 4));
  header.rules = static_cast<uint32_t>(GetFixed(value.substr(4), 4));
  std::memcpy(header.hash.data(), value.data() + 8, header.hash.size());
  value.remove_prefix(8 + header.hash.size());
  header.parts = static_cast<uint32_t>(GetFixed(value, 4));
  header.body_size = GetFixed(value.substr(4), 8);
  return header;
}

KeptSums BuildKeptSums(const ProjectionState& state, int threads) {
  return KeptSums{
      .hours = YearHours::Build(state, state.last_seq()),
      .register_steps = RegisterSteps::Build(state, state.last_seq(), threads)};
}

absl::StatusOr<StateHeader> EncodeStateInParts(
    const ProjectionState& state, const KeptSums& sums, const Hash& hash,
    absl::Span<const uint64_t> checkpoints,
    absl::FunctionRef<absl::Status(std::string_view part)> put_part,
    size_t part_bytes) {
  ASSIGN_OR_RETURN(
      StateHeader header,
      StateCodec::Encode(state, sums, checkpoints, part_bytes, put_part));
  header.rules = kCountingRulesVersion;
  header.hash = hash;
  return header;
}

EncodedState EncodeState(const ProjectionState& state, const KeptSums& sums,
                         const Hash& hash,
                         absl::Span<const uint64_t> checkpoints,
                         size_t part_bytes) {
  EncodedState encoded;
  const auto keep = [&encoded](std::string_view part) {
    encoded.parts.emplace_back(part);
    return absl::OkStatus();
  };
  // Nothing fails: every part is kept.
  encoded.header =
      *EncodeStateInParts(state, sums, hash, checkpoints, keep, part_bytes);
  return encoded;
}

absl::StatusOr<DecodedState> DecodeState(
    uint64_t seq, absl::Span<const std::string_view> parts, uint32_t layout) {
  const auto read_part =
      [parts](uint32_t part, absl::FunctionRef<void(std::string_view)> read) {
        read(parts[part]);
        return absl::OkStatus();
      };
  return StateCodec::Decode(seq, static_cast<uint32_t>(parts.size()), read_part,
                            layout, std::nullopt);
}

absl::StatusOr<DecodedState> DecodeState(uint64_t seq,
                                         const StateHeader& header,
                                         StatePartReader read_part) {
  return StateCodec::Decode(seq, header.parts, read_part, header.layout,
                            header.body_size);
}

}  // namespace banen
