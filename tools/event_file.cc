#include "tools/event_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>
#include <type_traits>
#include <variant>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "banen/v1/events.pb.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/absl_compat.h"
#include "ledger/codec.h"
#include "ledger/event_error.h"
#include "ledger/validation.h"
#include "simdjson.h"

namespace banen {
namespace {

enum Column : int {
  kEventId,
  kEffectiveDate,
  kKind,
  kEmployerId,
  kName,
  kSector,
  kParentEmployerId,
  kPersonRef,
  kReason,
  kJobId,
  kForm,
  kHoursPerWeek,
  kLenderId,
  kCommissioningEmployerId,
  kToForm,
  kTargetSeq,
  kYear,
  kBanen,
  kSource,
  kOverheidShare,
  kPaidHours,
  kPercentage,
  kGrondslag,
};

// The payload columns each kind reads (in EventKind order).
const std::array<std::vector<Column>, kEventKindCount>& ColumnsOfKind() {
  static const auto* columns =
      new std::array<std::vector<Column>, kEventKindCount>{{
          {kEmployerId, kName, kSector, kParentEmployerId},
          {kEmployerId, kSector},
          {kPersonRef, kGrondslag},
          {kPersonRef, kReason},
          {kJobId, kEmployerId, kPersonRef, kForm, kHoursPerWeek, kLenderId,
           kCommissioningEmployerId},
          {kJobId, kToForm, kHoursPerWeek},
          {kJobId, kHoursPerWeek},
          {kJobId, kReason},
          {kTargetSeq, kReason},
          {kSector, kYear, kBanen, kSource},
          {kSector, kBanen, kSource},
          {kYear, kOverheidShare, kSource},
          {kEmployerId, kYear, kPaidHours, kSource},
          {kSector, kYear, kPercentage, kSource},
      }};
  return *columns;
}

// "25.5" -> 2550: a non-negative decimal with at most two decimals.
std::optional<int64_t> ParseHundredths(std::string_view text) {
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || fraction.size() > 2 ||
      (dot != std::string_view::npos && fraction.empty())) {
    return std::nullopt;
  }
  for (std::string_view part : {whole, fraction}) {
    for (char c : part) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        return std::nullopt;
      }
    }
  }
  int64_t value = 0;
  if (std::from_chars(whole.data(), whole.data() + whole.size(), value).ec !=
          std::errc() ||
      value > int64_t{1} << 40) {
    return std::nullopt;
  }
  int64_t cents = 0;
  for (size_t i = 0; i < 2; ++i) {
    cents = cents * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  }
  return value * 100 + cents;
}

template <typename T>
std::optional<T> ParseInteger(std::string_view text) {
  T value{};
  if (text.empty() ||
      std::from_chars(text.data(), text.data() + text.size(), value).ptr !=
          text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// Fills `error` and returns false, for one-line early returns.
bool Fail(LineError* error, std::string_view field, std::string reason) {
  error->field = std::string(field);
  error->reason = std::move(reason);
  return false;
}

// The fields of one CSV line by column, with the parse helpers that name
// the column on failure.
class CsvRow {
 public:
  CsvRow(const std::array<std::string_view, kCsvColumns.size()>& values,
         LineError* error)
      : values_(values), error_(error) {}

  std::string_view Text(Column column) const { return values_[column]; }

  template <typename T>
  bool Enum(Column column, std::optional<T> (*parse)(std::string_view),
            T* out) const {
    const std::optional<T> value = parse(values_[column]);
    if (!value.has_value()) {
      return Fail(error_, kCsvColumns[column],
                  values_[column].empty()
                      ? "is required"
                      : absl::StrCat("unknown value \"",
                                     AbslView(values_[column]), "\""));
    }
    *out = *value;
    return true;
  }

  // Hundredths of a decimal; an empty optional column gives 0.
  bool Hundredths(Column column, bool optional, int64_t* out) const {
    if (optional && values_[column].empty()) {
      *out = 0;
      return true;
    }
    const std::optional<int64_t> value = ParseHundredths(values_[column]);
    if (!value.has_value()) {
      return Fail(error_, kCsvColumns[column],
                  "must be a number with at most two decimals, e.g. 25.5");
    }
    *out = *value;
    return true;
  }

  bool Reject(Column column, std::string reason) const {
    return Fail(error_, kCsvColumns[column], std::move(reason));
  }

  template <typename T>
  bool Integer(Column column, T* out) const {
    const std::optional<T> value = ParseInteger<T>(values_[column]);
    if (!value.has_value()) {
      return Fail(error_, kCsvColumns[column], "must be a whole number");
    }
    *out = *value;
    return true;
  }

 private:
  const std::array<std::string_view, kCsvColumns.size()>& values_;
  LineError* error_;
};

bool CsvPayload(EventKind kind, const CsvRow& row, EventPayload* payload) {
  switch (kind) {
    case EventKind::kEmployerRegistered: {
      EmployerRegistered e;
      e.employer_id = row.Text(kEmployerId);
      e.name = row.Text(kName);
      e.parent_employer_id = row.Text(kParentEmployerId);
      if (!row.Enum(kSector, &ParseSector, &e.sector)) return false;
      *payload = std::move(e);
      return true;
    }
    case EventKind::kEmployerReclassified: {
      EmployerReclassified e;
      e.employer_id = row.Text(kEmployerId);
      if (!row.Enum(kSector, &ParseSector, &e.sector)) return false;
      *payload = std::move(e);
      return true;
    }
    case EventKind::kPersonRegistered: {
      PersonRegistered e;
      e.person_ref = row.Text(kPersonRef);
      if (!row.Text(kGrondslag).empty() &&
          !row.Enum(kGrondslag, &ParseGrondslag, &e.grondslag)) {
        return false;
      }
      *payload = std::move(e);
      return true;
    }
    case EventKind::kPersonDeregistered: {
      PersonDeregistered e;
      e.person_ref = row.Text(kPersonRef);
      if (!row.Enum(kReason, &ParseDeregistrationReason, &e.reason)) {
        return false;
      }
      *payload = std::move(e);
      return true;
    }
    case EventKind::kJobStarted: {
      JobStarted e;
      e.job_id = row.Text(kJobId);
      e.employer_id = row.Text(kEmployerId);
      e.person_ref = row.Text(kPersonRef);
      e.lender_id = row.Text(kLenderId);
      e.commissioning_employer_id = row.Text(kCommissioningEmployerId);
      int64_t hours = 0;
      if (!row.Enum(kForm, &ParseContractForm, &e.form) ||
          !row.Hundredths(kHoursPerWeek, false, &hours)) {
        return false;
      }
      e.hours_x100 = static_cast<int32_t>(std::min<int64_t>(hours, INT32_MAX));
      *payload = std::move(e);
      return true;
    }
    case EventKind::kJobConverted: {
      JobConverted e;
      e.job_id = row.Text(kJobId);
      int64_t hours = 0;
      if (!row.Enum(kToForm, &ParseContractForm, &e.to_form) ||
          !row.Hundredths(kHoursPerWeek, true, &hours)) {
        return false;
      }
      e.hours_x100 = static_cast<int32_t>(std::min<int64_t>(hours, INT32_MAX));
      *payload = std::move(e);
      return true;
    }
    case EventKind::kHoursChanged: {
      HoursChanged e;
      e.job_id = row.Text(kJobId);
      int64_t hours = 0;
      if (!row.Hundredths(kHoursPerWeek, false, &hours)) return false;
      e.hours_x100 = static_cast<int32_t>(std::min<int64_t>(hours, INT32_MAX));
      *payload = std::move(e);
      return true;
    }
    case EventKind::kJobEnded: {
      JobEnded e;
      e.job_id = row.Text(kJobId);
      if (!row.Enum(kReason, &ParseOutflowReason, &e.reason)) return false;
      *payload = std::move(e);
      return true;
    }
    case EventKind::kEventRetracted: {
      EventRetracted e;
      e.reason = row.Text(kReason);
      if (!row.Integer(kTargetSeq, &e.target_seq)) return false;
      *payload = std::move(e);
      return true;
    }
    case EventKind::kTargetSet: {
      TargetSet e;
      e.source = row.Text(kSource);
      if (!row.Enum(kSector, &ParseSector, &e.sector) ||
          !row.Integer(kYear, &e.year) ||
          !row.Hundredths(kBanen, false, &e.banen_x100)) {
        return false;
      }
      *payload = std::move(e);
      return true;
    }
    case EventKind::kBaselineSet: {
      BaselineSet e;
      e.source = row.Text(kSource);
      if (!row.Enum(kSector, &ParseSector, &e.sector) ||
          !row.Hundredths(kBanen, false, &e.banen_x100)) {
        return false;
      }
      *payload = std::move(e);
      return true;
    }
    case EventKind::kInleenKeySet: {
      InleenKeySet e;
      e.source = row.Text(kSource);
      int64_t share_x100 = 0;
      if (!row.Integer(kYear, &e.year) ||
          !row.Hundredths(kOverheidShare, false, &share_x100)) {
        return false;
      }
      if (share_x100 % 10 != 0 || share_x100 > int64_t{10} * kWholeShareX10) {
        return row.Reject(kOverheidShare,
                          "must be a percentage up to 100 with at most one "
                          "decimal, e.g. 25.8");
      }
      e.overheid_share_x10 = static_cast<int32_t>(share_x100 / 10);
      *payload = std::move(e);
      return true;
    }
    case EventKind::kEmployerHoursReported: {
      EmployerHoursReported e;
      e.employer_id = row.Text(kEmployerId);
      e.source = row.Text(kSource);
      if (!row.Integer(kYear, &e.year) ||
          !row.Hundredths(kPaidHours, false, &e.paid_hours_x100)) {
        return false;
      }
      *payload = std::move(e);
      return true;
    }
    case EventKind::kQuotaPercentageSet: {
      QuotaPercentageSet e;
      e.source = row.Text(kSource);
      int64_t percentage_x100 = 0;
      if (!row.Enum(kSector, &ParseSector, &e.sector) ||
          !row.Integer(kYear, &e.year) ||
          !row.Hundredths(kPercentage, false, &percentage_x100)) {
        return false;
      }
      // Out of range is the validator's to name; saturate so it sees it.
      e.percentage_x100 =
          static_cast<int32_t>(std::min<int64_t>(percentage_x100, INT32_MAX));
      *payload = std::move(e);
      return true;
    }
  }
  return false;
}

// What a JSON parser may read past a line's end (simdjson's padding).
constexpr size_t kLinePadding = simdjson::SIMDJSON_PADDING;

// The integer `value` holds, in range of Int: a JSON number, or a string of
// decimal digits, as proto3 JSON writes 64-bit integers (banen-demo-data's
// retractions, targets, baselines and paid hours; 0.7 % of its lines, which
// protobuf's parser took 7 % of the import's CPU to read). Only that form:
// a '-' for signed fields alone, no '+', no leading zero, nothing around it;
// false for anything else, which protobuf's parser then decides on.
template <typename Int>
bool IntegerOf(simdjson::dom::element value, Int* out) {
  if (value.is_int64() || value.is_uint64()) {
    // simdjson refuses a conversion out of its 64-bit types' range.
    if constexpr (std::is_signed_v<Int>) {
      int64_t number = 0;
      if (value.get(number) != simdjson::SUCCESS ||
          number < std::numeric_limits<Int>::min() ||
          number > std::numeric_limits<Int>::max()) {
        return false;
      }
      *out = static_cast<Int>(number);
    } else {
      uint64_t number = 0;
      if (value.get(number) != simdjson::SUCCESS) return false;
      *out = number;
    }
    return true;
  }
  std::string_view text;
  if (value.get(text) != simdjson::SUCCESS) return false;
  const std::string_view digits = text.substr(text.starts_with('-'));
  if (digits.empty() || (digits[0] == '0' && text.size() > 1)) return false;
  const char* const end = text.data() + text.size();
  const auto [parsed_to, error] = std::from_chars(text.data(), end, *out);
  return error == std::errc() && parsed_to == end;
}

// Whether `key` names the proto field `name`: its own name
// ("hours_per_week_x100") or its lowerCamelCase JSON name
// ("hoursPerWeekX100", as protobuf makes it: each '_' dropped and the
// character after it upper-cased), the two protobuf's JSON parser takes.
bool NamesField(std::string_view key, std::string_view name) {
  if (key == name) return true;
  size_t at = 0;
  bool capitalize = false;
  for (const char c : name) {
    if (c == '_') {
      capitalize = true;
      continue;
    }
    if (at == key.size() ||
        key[at++] != (capitalize ? absl::ascii_toupper(c) : c)) {
      return false;
    }
    capitalize = false;
  }
  return at == key.size();
}

// The number of the value of the wire enum `Wire` named `name`, looked up by
// string_view (EnumDescriptor::FindValueByName takes a std::string,
// allocated for each name past the short-string buffer).
template <typename Wire>
std::optional<int> WireNumberOf(std::string_view name) {
  static const auto* numbers = [] {
    const google::protobuf::EnumDescriptor* type =
        google::protobuf::GetEnumDescriptor<Wire>();
    auto* by_name = new absl::flat_hash_map<std::string, int>();
    for (int i = 0; i < type->value_count(); ++i) {
      by_name->emplace(type->value(i)->name(), type->value(i)->number());
    }
    return by_name;
  }();
  const auto found = numbers->find(AbslView(name));
  if (found == numbers->end()) return std::nullopt;
  return found->second;
}

// Reads the members of a payload's JSON object one at a time: a payload's
// ReadMember offers the member to each of its fields in turn (Text, Integer,
// Enum), and the first whose name the key is reads the value. A field given
// twice keeps its last value, as in protobuf's parser; a value of the wrong
// form fails the line.
class MemberReader {
 public:
  void Start(std::string_view key, simdjson::dom::element value) {
    key_ = key;
    value_ = value;
  }
  bool failed() const { return failed_; }

  bool Text(std::string_view name, std::string* out) {
    if (!NamesField(key_, name)) return false;
    std::string_view text;
    if (value_.get(text) != simdjson::SUCCESS) failed_ = true;
    *out = text;
    return true;
  }

  template <typename Int>
  bool Integer(std::string_view name, Int* out) {
    if (!NamesField(key_, name)) return false;
    if (!IntegerOf(value_, out)) failed_ = true;
    return true;
  }

  // By name, as EventFromProto takes the wire number: in the domain's range.
  template <typename Wire, typename Domain>
  bool Enum(std::string_view name, int count, Domain* out) {
    if (!NamesField(key_, name)) return false;
    std::string_view value_name;
    std::optional<int> number;
    if (value_.get(value_name) == simdjson::SUCCESS) {
      number = WireNumberOf<Wire>(value_name);
    }
    if (!number.has_value() || *number < 0 || *number >= count) {
      failed_ = true;
    } else {
      *out = static_cast<Domain>(*number);
    }
    return true;
  }

 private:
  std::string_view key_;
  simdjson::dom::element value_;
  bool failed_ = false;
};

// Each payload's fields, by their names in events.proto: true when the
// member was one of them.
bool ReadMember(MemberReader& r, EmployerRegistered& e) {
  return r.Text("employer_id", &e.employer_id) || r.Text("name", &e.name) ||
         r.Enum<v1::Sector>("sector", kSectorCount, &e.sector) ||
         r.Text("parent_employer_id", &e.parent_employer_id);
}
bool ReadMember(MemberReader& r, EmployerReclassified& e) {
  return r.Text("employer_id", &e.employer_id) ||
         r.Enum<v1::Sector>("sector", kSectorCount, &e.sector);
}
bool ReadMember(MemberReader& r, PersonRegistered& e) {
  return r.Text("person_ref", &e.person_ref) ||
         r.Enum<v1::Grondslag>("grondslag", kGrondslagCount, &e.grondslag);
}
bool ReadMember(MemberReader& r, PersonDeregistered& e) {
  return r.Text("person_ref", &e.person_ref) ||
         r.Enum<v1::DeregistrationReason>("reason", kDeregistrationReasonCount,
                                          &e.reason);
}
bool ReadMember(MemberReader& r, JobStarted& e) {
  return r.Text("job_id", &e.job_id) || r.Text("employer_id", &e.employer_id) ||
         r.Text("person_ref", &e.person_ref) ||
         r.Enum<v1::ContractForm>("form", kContractFormCount, &e.form) ||
         r.Integer("hours_per_week_x100", &e.hours_x100) ||
         r.Text("lender_id", &e.lender_id) ||
         r.Text("commissioning_employer_id", &e.commissioning_employer_id);
}
bool ReadMember(MemberReader& r, JobConverted& e) {
  return r.Text("job_id", &e.job_id) ||
         r.Enum<v1::ContractForm>("to_form", kContractFormCount, &e.to_form) ||
         r.Integer("hours_per_week_x100", &e.hours_x100);
}
bool ReadMember(MemberReader& r, HoursChanged& e) {
  return r.Text("job_id", &e.job_id) ||
         r.Integer("hours_per_week_x100", &e.hours_x100);
}
bool ReadMember(MemberReader& r, JobEnded& e) {
  return r.Text("job_id", &e.job_id) ||
         r.Enum<v1::OutflowReason>("reason", kOutflowReasonCount, &e.reason);
}
bool ReadMember(MemberReader& r, EventRetracted& e) {
  return r.Integer("target_seq", &e.target_seq) || r.Text("reason", &e.reason);
}
bool ReadMember(MemberReader& r, TargetSet& e) {
  return r.Enum<v1::Sector>("sector", kSectorCount, &e.sector) ||
         r.Integer("year", &e.year) || r.Integer("banen_x100", &e.banen_x100) ||
         r.Text("source", &e.source);
}
bool ReadMember(MemberReader& r, BaselineSet& e) {
  return r.Enum<v1::Sector>("sector", kSectorCount, &e.sector) ||
         r.Integer("banen_x100", &e.banen_x100) || r.Text("source", &e.source);
}
bool ReadMember(MemberReader& r, InleenKeySet& e) {
  return r.Integer("year", &e.year) ||
         r.Integer("overheid_share_x10", &e.overheid_share_x10) ||
         r.Text("source", &e.source);
}
bool ReadMember(MemberReader& r, EmployerHoursReported& e) {
  return r.Text("employer_id", &e.employer_id) || r.Integer("year", &e.year) ||
         r.Integer("paid_hours_x100", &e.paid_hours_x100) ||
         r.Text("source", &e.source);
}
bool ReadMember(MemberReader& r, QuotaPercentageSet& e) {
  return r.Enum<v1::Sector>("sector", kSectorCount, &e.sector) ||
         r.Integer("year", &e.year) ||
         r.Integer("percentage_x100", &e.percentage_x100) ||
         r.Text("source", &e.source);
}

template <typename Payload>
bool ReadPayload(simdjson::dom::element value, EventPayload* payload) {
  simdjson::dom::object object;
  if (value.get(object) != simdjson::SUCCESS) return false;
  Payload read;
  MemberReader reader;
  for (const simdjson::dom::key_value_pair member : object) {
    reader.Start(member.key, member.value);
    if (!ReadMember(reader, read) || reader.failed()) return false;
  }
  *payload = std::move(read);
  return true;
}

// ReadPayload of each kind, in EventKind order.
template <size_t... kind>
constexpr auto PayloadReaders(std::index_sequence<kind...>) {
  return std::array{
      &ReadPayload<std::variant_alternative_t<kind, EventPayload>>...};
}
constexpr auto kPayloadReaders =
    PayloadReaders(std::make_index_sequence<kEventKindCount>());

// The kind whose payload field of banen.v1.Event `key` names.
std::optional<EventKind> KindOfPayloadKey(std::string_view key) {
  static const auto* kinds = [] {
    auto* by_key = new absl::flat_hash_map<std::string, EventKind>();
    const google::protobuf::OneofDescriptor* payload =
        v1::Event::descriptor()->FindOneofByName("payload");
    for (int i = 0; i < payload->field_count(); ++i) {
      const google::protobuf::FieldDescriptor* field = payload->field(i);
      // "job_started" is the field of the message JobStarted.
      const std::optional<EventKind> kind =
          ParseEventKind(field->message_type()->name());
      if (!kind.has_value()) continue;
      by_key->emplace(field->name(), *kind);
      by_key->emplace(field->json_name(), *kind);
    }
    return by_key;
  }();
  const auto found = kinds->find(AbslView(key));
  if (found == kinds->end()) return std::nullopt;
  return found->second;
}

// Reads `document` straight into `event` when it is what event producers
// write: a banen.v1.Event in proto3 JSON, fields by their proto or their
// lowerCamelCase names, strings as strings, enums by name, integers as
// IntegerOf reads them, one payload. False for anything else (a null, an
// enum by number, an unknown key, a second payload, a date that is none):
// protobuf's own JSON parser, far slower, then decides. What it reads is the
// event protobuf's parser and EventFromProto make of the line.
bool ReadEventJson(simdjson::dom::element document, Event* event) {
  simdjson::dom::object object;
  if (document.get(object) != simdjson::SUCCESS) return false;
  event->event_id.clear();
  bool has_date = false;
  bool has_payload = false;
  std::string_view text;
  for (const simdjson::dom::key_value_pair member : object) {
    if (NamesField(member.key, "event_id")) {
      if (member.value.get(text) != simdjson::SUCCESS) return false;
      event->event_id = text;
    } else if (NamesField(member.key, "effective_date")) {
      std::optional<Date> date;
      if (member.value.get(text) != simdjson::SUCCESS ||
          !(date = ParseDate(text)).has_value()) {
        return false;
      }
      event->effective_date = *date;
      has_date = true;
    } else {
      // A second payload, even of the same kind, is protobuf's to word.
      const std::optional<EventKind> kind = KindOfPayloadKey(member.key);
      if (has_payload || !kind.has_value() ||
          !kPayloadReaders[static_cast<size_t>(*kind)](member.value,
                                                       &event->payload)) {
        return false;
      }
      has_payload = true;
    }
  }
  // A missing date or payload is an error that protobuf's parser words.
  return has_date && has_payload;
}

// "25.5" for 2550, "12" for 1200: what ParseHundredths reads back.
std::string CsvHundredths(int64_t hundredths) {
  return hundredths % 100 == 0
             ? absl::StrCat(hundredths / 100)
             : absl::StrFormat("%d.%02d", hundredths / 100, hundredths % 100);
}

// A field as RFC 4180 wants it: quoted when it holds a comma or a quote.
std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"") == std::string_view::npos) {
    return std::string(text);
  }
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

// The payload's columns of a CSV line (the inverse of CsvPayload).
struct CsvColumnsOf {
  std::array<std::string, kCsvColumns.size()>& values;

  void operator()(const EmployerRegistered& e) const {
    values[kEmployerId] = e.employer_id;
    values[kName] = e.name;
    values[kSector] = SectorName(e.sector);
    values[kParentEmployerId] = e.parent_employer_id;
  }
  void operator()(const EmployerReclassified& e) const {
    values[kEmployerId] = e.employer_id;
    values[kSector] = SectorName(e.sector);
  }
  void operator()(const PersonRegistered& e) const {
    values[kPersonRef] = e.person_ref;
    if (e.grondslag != Grondslag::kUnspecified) {
      values[kGrondslag] = GrondslagName(e.grondslag);
    }
  }
  void operator()(const PersonDeregistered& e) const {
    values[kPersonRef] = e.person_ref;
    values[kReason] = DeregistrationReasonName(e.reason);
  }
  void operator()(const JobStarted& e) const {
    values[kJobId] = e.job_id;
    values[kEmployerId] = e.employer_id;
    values[kPersonRef] = e.person_ref;
    values[kForm] = ContractFormName(e.form);
    values[kHoursPerWeek] = CsvHundredths(e.hours_x100);
    values[kLenderId] = e.lender_id;
    values[kCommissioningEmployerId] = e.commissioning_employer_id;
  }
  void operator()(const JobConverted& e) const {
    values[kJobId] = e.job_id;
    values[kToForm] = ContractFormName(e.to_form);
    if (e.hours_x100 != 0) values[kHoursPerWeek] = CsvHundredths(e.hours_x100);
  }
  void operator()(const HoursChanged& e) const {
    values[kJobId] = e.job_id;
    values[kHoursPerWeek] = CsvHundredths(e.hours_x100);
  }
  void operator()(const JobEnded& e) const {
    values[kJobId] = e.job_id;
    values[kReason] = OutflowReasonName(e.reason);
  }
  void operator()(const EventRetracted& e) const {
    values[kTargetSeq] = absl::StrCat(e.target_seq);
    values[kReason] = e.reason;
  }
  void operator()(const TargetSet& e) const {
    values[kSector] = SectorName(e.sector);
    values[kYear] = absl::StrCat(e.year);
    values[kBanen] = CsvHundredths(e.banen_x100);
    values[kSource] = e.source;
  }
  void operator()(const BaselineSet& e) const {
    values[kSector] = SectorName(e.sector);
    values[kBanen] = CsvHundredths(e.banen_x100);
    values[kSource] = e.source;
  }
  void operator()(const InleenKeySet& e) const {
    values[kYear] = absl::StrCat(e.year);
    values[kOverheidShare] = CsvHundredths(int64_t{10} * e.overheid_share_x10);
    values[kSource] = e.source;
  }
  void operator()(const EmployerHoursReported& e) const {
    values[kEmployerId] = e.employer_id;
    values[kYear] = absl::StrCat(e.year);
    values[kPaidHours] = CsvHundredths(e.paid_hours_x100);
    values[kSource] = e.source;
  }
  void operator()(const QuotaPercentageSet& e) const {
    values[kSector] = SectorName(e.sector);
    values[kYear] = absl::StrCat(e.year);
    values[kPercentage] = CsvHundredths(e.percentage_x100);
    values[kSource] = e.source;
  }
};
}  // namespace

std::string LineError::ToString() const {
  return absl::StrCat(file, ":", line, ": ", field.empty() ? "" : field,
                      field.empty() ? "" : ": ", reason);
}

std::string CsvHeaderLine() {
  return absl::StrJoin(
      kCsvColumns, ",",
      [](std::string* out, std::string_view c) { out->append(c); });
}

std::string CsvLineOf(const Event& event) {
  std::array<std::string, kCsvColumns.size()> values;
  values[kEventId] = event.event_id;
  values[kEffectiveDate] = FormatDate(event.effective_date);
  values[kKind] = EventKindName(event.kind());
  std::visit(CsvColumnsOf{values}, event.payload);
  return absl::StrJoin(values, ",", [](std::string* out, const std::string& v) {
    out->append(CsvField(v));
  });
}

absl::StatusOr<std::vector<std::string>> SplitCsvRecord(std::string_view line) {
  std::vector<std::string> fields(1);
  size_t i = 0;
  bool field_start = true;
  while (i < line.size()) {
    const char c = line[i];
    if (field_start && c == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) {
          return absl::InvalidArgumentError("a quoted field is not closed");
        }
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            fields.back().push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        fields.back().push_back(line[i++]);
      }
      if (i < line.size() && line[i] != ',') {
        return absl::InvalidArgumentError("text after a closing quote");
      }
      field_start = false;
      continue;
    }
    if (c == ',') {
      fields.emplace_back();
      field_start = true;
    } else {
      fields.back().push_back(c);
      field_start = false;
    }
    ++i;
  }
  return fields;
}

absl::StatusOr<std::unique_ptr<EventFileReader>> EventFileReader::Open(
    const std::string& path) {
  Format format;
  if (absl::EndsWith(path, ".csv")) {
    format = Format::kCsv;
  } else if (absl::EndsWith(path, ".ndjson") ||
             absl::EndsWith(path, ".jsonl")) {
    format = Format::kNdjson;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": unknown format; use .csv, .ndjson or .jsonl"));
  }
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  }
  struct stat info {};
  const uint64_t size =
      fstat(fileno(file), &info) == 0 ? static_cast<uint64_t>(info.st_size) : 0;
  std::unique_ptr<EventFileReader> reader(
      new EventFileReader(path, format, file, size));
  if (format == Format::kCsv) {
    std::string_view header_line;
    if (!reader->NextLine(&header_line)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": no header line"));
    }
    absl::StatusOr<std::vector<std::string>> header =
        SplitCsvRecord(header_line);
    if (!header.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":1: ", header.status().message()));
    }
    std::array<bool, kCsvColumns.size()> seen{};
    for (const std::string& name : *header) {
      const std::string column(absl::StripAsciiWhitespace(name));
      const auto it = std::find(kCsvColumns.begin(), kCsvColumns.end(), column);
      if (it == kCsvColumns.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ":1: unknown column \"", column,
                         "\"; columns are ", CsvHeaderLine()));
      }
      const int index = static_cast<int>(it - kCsvColumns.begin());
      if (seen[index]) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ":1: column \"", column, "\" twice"));
      }
      seen[index] = true;
      reader->csv_columns_.push_back(index);
    }
    for (Column required : {kEventId, kEffectiveDate, kKind}) {
      if (!seen[required]) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ":1: the column \"",
                         AbslView(kCsvColumns[required]), "\" is required"));
      }
    }
  }
  return reader;
}

EventFileReader::~EventFileReader() { std::fclose(file_); }

bool EventFileReader::NextLine(std::string_view* line) {
  // Large reads: a byte at a time through stdio cost a fifth of an import.
  constexpr size_t kReadBytes = 1 << 20;
  size_t newline;
  while ((newline = pending_.find('\n', pending_pos_)) == std::string::npos) {
    if (at_eof_) {
      if (pending_pos_ == pending_.size()) return false;
      newline = pending_.size();
      break;
    }
    pending_.erase(0, pending_pos_);
    pending_pos_ = 0;
    const size_t kept = pending_.size();
    pending_.resize(kept + kReadBytes);
    const size_t got = std::fread(pending_.data() + kept, 1, kReadBytes, file_);
    pending_.resize(kept + got);
    at_eof_ = got < kReadBytes;
  }
  const bool has_break = newline < pending_.size();
  std::string_view text(pending_.data() + pending_pos_, newline - pending_pos_);
  bytes_read_ += text.size() + (has_break ? 1 : 0);
  pending_pos_ = newline + (has_break ? 1 : 0);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  ++line_number_;
  *line = text;
  return true;
}

bool EventFileReader::NextChunk(size_t max_lines, LineChunk* chunk) {
  chunk->text.clear();
  chunk->lines.clear();
  // A chunk's room at once, as large as the last: grown line by line, its
  // text was copied a dozen times (3.6 % of an import's client CPU, perf).
  chunk->text.reserve(last_chunk_bytes_);
  chunk->lines.reserve(max_lines);
  bool any = false;
  std::string_view text;
  while (chunk->lines.size() < max_lines && NextLine(&text)) {
    any = true;
    if (absl::StripAsciiWhitespace(AbslView(text)).empty()) continue;
    chunk->lines.push_back({line_number_, chunk->text.size(), text.size()});
    chunk->text.append(text);
  }
  chunk->text.append(kLinePadding, ' ');
  last_chunk_bytes_ = chunk->text.size();
  chunk->bytes_end = bytes_read_;
  return any;
}

std::unique_ptr<EventLineParser> EventFileReader::NewParser() const {
  return std::unique_ptr<EventLineParser>(
      new EventLineParser(path_, format_, csv_columns_));
}

EventFileReader::Read EventFileReader::Next(Event* event, LineError* error) {
  if (next_parser_ == nullptr) next_parser_ = NewParser();
  while (NextChunk(1, &next_chunk_)) {
    if (next_chunk_.lines.empty()) continue;
    // Effective dates are checked against today; the server checks them
    // against its own recorded time again.
    return next_parser_->Parse(next_chunk_, 0, DateOf(absl::Now()), event,
                               nullptr, error)
               ? Read::kEvent
               : Read::kBadLine;
  }
  return Read::kEnd;
}

struct EventLineParser::Json {
  simdjson::dom::parser parser;
  v1::Event proto;  // what protobuf's parser reads a line into
};

EventLineParser::EventLineParser(std::string path,
                                 EventFileReader::Format format,
                                 std::vector<int> csv_columns)
    : path_(std::move(path)),
      format_(format),
      csv_columns_(std::move(csv_columns)),
      json_(std::make_unique<Json>()) {}

EventLineParser::~EventLineParser() = default;

bool EventLineParser::Parse(const LineChunk& chunk, size_t index, Date today,
                            Event* event, v1::Event* wire, LineError* error) {
  *error = LineError{path_, chunk.lines[index].number, "", ""};
  const std::string_view text = chunk.LineText(index);
  if (!(format_ == EventFileReader::Format::kCsv
            ? ParseCsv(text, event, error)
            : ParseNdjson(text, event, error))) {
    return false;
  }
  const absl::Status valid = ValidateFields(*event, 0, today);
  if (!valid.ok()) {
    const std::optional<EventErrorDetail> detail = GetEventErrorDetail(valid);
    return Fail(
        error, detail.has_value() ? detail->field : "",
        detail.has_value() ? detail->reason : std::string(valid.message()));
  }
  if (wire != nullptr) EventToProto(*event, wire);
  return true;
}

bool EventLineParser::ParseNdjson(std::string_view text, Event* event,
                                  LineError* error) {
  // The padding after each line of a chunk lets simdjson read past its end.
  simdjson::dom::element document;
  if (json_->parser.parse(text.data(), text.size(), false).get(document) ==
          simdjson::SUCCESS &&
      ReadEventJson(document, event)) {
    return true;
  }
  // protobuf's parser decides what the fast one leaves: the same lines are
  // accepted, with the same messages for the rest.
  v1::Event& proto = json_->proto;
  proto.Clear();
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), &proto);
  if (!parsed.ok()) {
    return Fail(error, "",
                absl::StrCat("not a banen.v1.Event in JSON: ",
                             AbslView(std::string(parsed.message()))));
  }
  absl::StatusOr<Event> decoded = EventFromProto(proto, 0);
  if (!decoded.ok()) {
    const std::optional<EventErrorDetail> detail =
        GetEventErrorDetail(decoded.status());
    return Fail(error, detail.has_value() ? detail->field : "",
                detail.has_value() ? detail->reason
                                   : std::string(decoded.status().message()));
  }
  *event = *std::move(decoded);
  return true;
}

bool EventLineParser::ParseCsv(std::string_view text, Event* event,
                               LineError* error) {
  fields_.clear();
  if (text.find('"') == std::string_view::npos) {
    // Without quotes a field is the text between commas.
    for (size_t start = 0;;) {
      const size_t comma = text.find(',', start);
      fields_.push_back(text.substr(start, comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  } else {
    absl::StatusOr<std::vector<std::string>> split = SplitCsvRecord(text);
    if (!split.ok()) {
      return Fail(error, "", std::string(split.status().message()));
    }
    quoted_fields_ = *std::move(split);
    fields_.assign(quoted_fields_.begin(), quoted_fields_.end());
  }
  if (fields_.size() != csv_columns_.size()) {
    return Fail(error, "",
                absl::StrCat("has ", fields_.size(), " fields, the header ",
                             csv_columns_.size()));
  }
  std::array<std::string_view, kCsvColumns.size()> values;
  for (size_t i = 0; i < fields_.size(); ++i) {
    values[csv_columns_[i]] = fields_[i];
  }
  const std::optional<EventKind> kind = ParseEventKind(values[kKind]);
  if (!kind.has_value()) {
    return Fail(error, "kind",
                absl::StrCat("unknown event kind \"", AbslView(values[kKind]),
                             "\", e.g. JobStarted"));
  }
  const std::optional<Date> date = ParseDate(values[kEffectiveDate]);
  if (!date.has_value()) {
    return Fail(error, "effective_date", "must be a date YYYY-MM-DD");
  }
  const std::vector<Column>& used = ColumnsOfKind()[static_cast<size_t>(*kind)];
  for (int column = kEmployerId; column < static_cast<int>(kCsvColumns.size());
       ++column) {
    if (!values[column].empty() &&
        std::find(used.begin(), used.end(), column) == used.end()) {
      return Fail(
          error, kCsvColumns[column],
          absl::StrCat("is not a field of ", AbslView(EventKindName(*kind))));
    }
  }
  event->event_id = std::string(values[kEventId]);
  event->effective_date = *date;
  const CsvRow row(values, error);
  return CsvPayload(*kind, row, &event->payload);
}

}  // namespace banen
