#include "tools/event_file.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "banen/v1/events.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/codec.h"
#include "ledger/validation.h"
#include "tests/tools/protobuf_event_json.h"

namespace banen {
namespace {

class EventFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = "/tmp/banen_event_file_test_XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  struct Lines {
    std::vector<Event> events;
    std::vector<LineError> errors;
  };
  static Lines ReadAll(const std::string& path) {
    absl::StatusOr<std::unique_ptr<EventFileReader>> reader =
        EventFileReader::Open(path);
    EXPECT_TRUE(reader.ok()) << reader.status();
    Lines lines;
    if (!reader.ok()) return lines;
    Event event;
    LineError error;
    for (EventFileReader::Read read; (read = (*reader)->Next(&event, &error)) !=
                                     EventFileReader::Read::kEnd;) {
      if (read == EventFileReader::Read::kEvent) {
        lines.events.push_back(event);
      } else {
        lines.errors.push_back(error);
      }
    }
    return lines;
  }

  // `line` alone in an NDJSON file is taken, with the same event, exactly
  // when protobuf's parser takes it (tests/tools/protobuf_event_json.h).
  void ExpectReadAsProtobufDoes(const std::string& line, Date today) {
    const std::optional<Event> expected = ProtobufReadsEventJson(line, today);
    const Lines read = ReadAll(Write("a.ndjson", line + "\n"));
    if (expected.has_value()) {
      ASSERT_EQ(read.events.size(), 1u) << line;
      EXPECT_EQ(read.events[0], *expected) << line;
    } else {
      EXPECT_EQ(read.events.size(), 0u) << line;
      EXPECT_EQ(read.errors.size(), 1u) << line;
    }
  }

  std::string dir_;
};

TEST_F(EventFileTest, ReadsNdjsonInBothFieldNameStyles) {
  const Lines lines = ReadAll(Write(
      "a.ndjson",
      R"({"event_id":"e1","effective_date":"2024-03-01","job_started":{"job_id":"j1","employer_id":"gm-0001","person_ref":"p0123456789abcdef","form":"CONTRACT_FORM_VAST","hours_per_week_x100":2550}})"
      "\n\n"
      R"({"eventId":"e2","effectiveDate":"2024-04-01","hoursChanged":{"jobId":"j1","hoursPerWeekX100":1275}})"
      "\n"));
  ASSERT_EQ(lines.errors.size(), 0u);
  ASSERT_EQ(lines.events.size(), 2u);
  const auto& hire = std::get<JobStarted>(lines.events[0].payload);
  EXPECT_EQ(hire.form, ContractForm::kVast);
  EXPECT_EQ(hire.hours_x100, 2550);
  EXPECT_EQ(std::get<HoursChanged>(lines.events[1].payload).hours_x100, 1275);
  EXPECT_EQ(lines.events[1].effective_date, MakeDate(2024, 4, 1));
}

TEST_F(EventFileTest, ReadsCsvWithQuotedFieldsAndDecimalHours) {
  const Lines lines = ReadAll(Write(
      "a.csv",
      "event_id,effective_date,kind,employer_id,name,sector,job_id,person_ref,"
      "form,hours_per_week,lender_id\n"
      "e1,2024-01-01,EmployerRegistered,rijk-lnv,\"Ministerie van Landbouw, "
      "Natuur en \"\"Voedsel\"\"\",RIJK,,,,,\n"
      "e2,2024-03-01,JobStarted,rijk-lnv,,,j1,p0123456789abcdef,"
      "INLEEN_UITZEND,12.75,uitzend-01\n"));
  ASSERT_EQ(lines.errors.size(), 0u) << lines.errors[0].ToString();
  ASSERT_EQ(lines.events.size(), 2u);
  EXPECT_EQ(std::get<EmployerRegistered>(lines.events[0].payload).name,
            "Ministerie van Landbouw, Natuur en \"Voedsel\"");
  const auto& hire = std::get<JobStarted>(lines.events[1].payload);
  EXPECT_EQ(hire.hours_x100, 1275);  // 12.75 h
  EXPECT_EQ(hire.lender_id, "uitzend-01");
}

TEST_F(EventFileTest, ReadsAnInleenKeyFromCsvAsTenthsOfAPercent) {
  const Lines lines =
      ReadAll(Write("k.csv",
                    "event_id,effective_date,kind,year,overheid_share,source\n"
                    "k1,2023-06-01,InleenKeySet,2022,25.8,SEO 2023\n"
                    "k2,2023-06-01,InleenKeySet,2022,25.85,SEO 2023\n"));
  ASSERT_EQ(lines.events.size(), 1u);
  const auto& key = std::get<InleenKeySet>(lines.events[0].payload);
  EXPECT_EQ(key.year, 2022);
  EXPECT_EQ(key.overheid_share_x10, 258);
  EXPECT_EQ(key.source, "SEO 2023");
  ASSERT_EQ(lines.errors.size(), 1u);
  EXPECT_EQ(lines.errors[0].field, "overheid_share");
}

TEST_F(EventFileTest, ReadsPaidHoursAndAQuotaPercentageFromCsv) {
  const Lines lines = ReadAll(
      Write("q.csv",
            "event_id,effective_date,kind,employer_id,sector,year,paid_hours,"
            "percentage,source\n"
            "h1,2025-03-01,EmployerHoursReported,gm-0001,,2024,592800,,polis\n"
            "p1,2023-11-01,QuotaPercentageSet,,OVERHEID,2024,,2.76,Stcrt\n"
            "p2,2023-11-01,QuotaPercentageSet,,OVERHEID,2024,,2.765,Stcrt\n"));
  ASSERT_EQ(lines.events.size(), 2u);
  const auto& hours = std::get<EmployerHoursReported>(lines.events[0].payload);
  EXPECT_EQ(hours.employer_id, "gm-0001");
  EXPECT_EQ(hours.year, 2024);
  EXPECT_EQ(hours.paid_hours_x100, 59'280'000);
  const auto& quota = std::get<QuotaPercentageSet>(lines.events[1].payload);
  EXPECT_EQ(quota.sector, Sector::kOverheid);
  EXPECT_EQ(quota.percentage_x100, 276);
  ASSERT_EQ(lines.errors.size(), 1u);
  EXPECT_EQ(lines.errors[0].field, "percentage");
}

TEST_F(EventFileTest, ReadsAGrondslagFromCsvOptionallyAndRefusesAnUnknownOne) {
  const Lines lines = ReadAll(
      Write("r.csv",
            "event_id,effective_date,kind,person_ref,grondslag\n"
            "r1,2024-06-01,PersonRegistered,person-ref-000000001,PRO_VSO\n"
            "r2,2024-06-01,PersonRegistered,person-ref-000000002,\n"
            "r3,2024-06-01,PersonRegistered,person-ref-000000003,WIW\n"));
  ASSERT_EQ(lines.events.size(), 2u);
  EXPECT_EQ(std::get<PersonRegistered>(lines.events[0].payload).grondslag,
            Grondslag::kProVso);
  EXPECT_EQ(std::get<PersonRegistered>(lines.events[1].payload).grondslag,
            Grondslag::kUnspecified);
  ASSERT_EQ(lines.errors.size(), 1u);
  EXPECT_EQ(lines.errors[0].line, 4);
  EXPECT_EQ(lines.errors[0].field, "grondslag");
  EXPECT_EQ(lines.errors[0].reason, "unknown value \"WIW\"");
}

TEST_F(EventFileTest, ReadsAGrondslagFromNdjsonAndRefusesAnUnknownNumber) {
  const Lines lines = ReadAll(
      Write("r.ndjson",
            "{\"event_id\":\"r1\",\"effective_date\":\"2024-06-01\","
            "\"person_registered\":{\"person_ref\":\"person-ref-000000001\","
            "\"grondslag\":\"GRONDSLAG_WAJONG\"}}\n"
            "{\"event_id\":\"r2\",\"effective_date\":\"2024-06-01\","
            "\"person_registered\":{\"person_ref\":\"person-ref-000000002\","
            "\"grondslag\":9}}\n"));
  ASSERT_EQ(lines.events.size(), 1u);
  EXPECT_EQ(std::get<PersonRegistered>(lines.events[0].payload).grondslag,
            Grondslag::kWajong);
  ASSERT_EQ(lines.errors.size(), 1u);
  EXPECT_EQ(lines.errors[0].field, "person_registered.grondslag");
}

TEST_F(EventFileTest, BadCsvLinesNameLineFieldAndReason) {
  const Lines lines = ReadAll(
      Write("bad.csv",
            "event_id,effective_date,kind,job_id,hours_per_week,reason\n"
            "e1,2024-13-01,HoursChanged,j1,20,\n"      // line 2: no such month
            "e2,2024-03-01,HoursChanged,j1,20.123,\n"  // line 3: three decimals
            "e3,2024-03-01,HoursChanged,j1,90,\n"      // line 4: over 80 h
            "e4,2024-03-01,HoursChanged,j1,20,OTHER\n"  // line 5: not its field
            "e5,2024-03-01,JobEnded,j1,,OTHER\n"));     // line 6: good
  ASSERT_EQ(lines.events.size(), 1u);
  ASSERT_EQ(lines.errors.size(), 4u);
  EXPECT_EQ(lines.errors[0].line, 2);
  EXPECT_EQ(lines.errors[0].field, "effective_date");
  EXPECT_EQ(lines.errors[1].line, 3);
  EXPECT_EQ(lines.errors[1].field, "hours_per_week");
  EXPECT_EQ(lines.errors[2].line, 4);
  EXPECT_EQ(lines.errors[2].field, "hours_changed.hours_per_week_x100");
  EXPECT_EQ(lines.errors[3].line, 5);
  EXPECT_EQ(lines.errors[3].field, "reason");
  EXPECT_EQ(lines.errors[3].reason, "is not a field of HoursChanged");
  EXPECT_EQ(lines.errors[0].file, dir_ + "/bad.csv");
}

TEST_F(EventFileTest, BadNdjsonLinesNameLineAndReason) {
  const Lines lines = ReadAll(Write(
      "bad.ndjson",
      "{not json}\n"
      R"({"event_id":"e2","effective_date":"2024-03-01","person_registered":{"person_ref":"111222333"}})"
      "\n"));
  ASSERT_EQ(lines.errors.size(), 2u);
  EXPECT_EQ(lines.errors[0].line, 1);
  EXPECT_EQ(lines.errors[1].line, 2);
  EXPECT_EQ(lines.errors[1].field, "person_registered.person_ref");
  // The reason names the rule, never the value: it may be a BSN.
  EXPECT_EQ(lines.errors[1].ToString().find("111222333"), std::string::npos);
}

TEST_F(EventFileTest, NdjsonLeavesWhatTheFastParserDoesNotTakeToProtobuf) {
  // An enum by number and a null: protobuf's JSON accepts them, so the
  // import does too (and an integer in quotes, which both read).
  const Lines lines = ReadAll(Write(
      "a.ndjson",
      R"({"event_id":"e1","effective_date":"2024-03-01","job_started":{"job_id":"j1","employer_id":"gm-0001","person_ref":"p0123456789abcdef","form":1,"hours_per_week_x100":"2550","lender_id":null}})"
      "\n"));
  ASSERT_EQ(lines.errors.size(), 0u) << lines.errors[0].ToString();
  ASSERT_EQ(lines.events.size(), 1u);
  const auto& hire = std::get<JobStarted>(lines.events[0].payload);
  EXPECT_EQ(hire.form, ContractForm::kVast);
  EXPECT_EQ(hire.hours_x100, 2550);
  EXPECT_EQ(hire.lender_id, "");
}

TEST_F(EventFileTest, NdjsonReadsSixtyFourBitIntegersInQuotes) {
  // As proto3 JSON writes them, and banen-demo-data with it.
  const Lines lines = ReadAll(Write(
      "a.ndjson",
      R"({"event_id":"e1","effective_date":"2013-01-13","event_retracted":{"target_seq":"163288","reason":"end date entered wrongly"}})"
      "\n"
      R"({"event_id":"e2","effective_date":"2022-03-01","employer_hours_reported":{"employer_id":"gm-0001","year":2021,"paid_hours_x100":"30453418","source":"polisadministratie"}})"
      "\n"
      R"({"event_id":"e3","effective_date":"2015-01-01","target_set":{"sector":"SECTOR_OVERHEID","year":"2015","banen_x100":"910045","source":"Kamerbrief"}})"
      "\n"));
  ASSERT_EQ(lines.errors.size(), 0u) << lines.errors[0].ToString();
  ASSERT_EQ(lines.events.size(), 3u);
  EXPECT_EQ(std::get<EventRetracted>(lines.events[0].payload).target_seq,
            163288u);
  EXPECT_EQ(
      std::get<EmployerHoursReported>(lines.events[1].payload).paid_hours_x100,
      30453418);
  const auto& target = std::get<TargetSet>(lines.events[2].payload);
  EXPECT_EQ(target.year, 2015);
  EXPECT_EQ(target.banen_x100, 910045);
}

TEST_F(EventFileTest, NdjsonReadsEveryQuotedIntegerAsProtobufDoes) {
  // The fast parser reads only the canonical form and leaves the rest to
  // protobuf's: either way a line is taken, with the same event, exactly
  // when protobuf's parser reads it into a valid event.
  const Date today = DateOf(absl::Now());
  for (const std::string number :
       {"5", "-5", "0", "007", "-0", "+5", " 5", "5 ", "1e3", "0x10", "", "-",
        "2147483647", "2147483648", "9223372036854775807",
        "9223372036854775808", "18446744073709551615",
        "18446744073709551616"}) {
    const std::string quoted = absl::StrCat("\"", number, "\"");
    for (
        const std::string& line : {
            absl::StrCat(
                R"({"event_id":"e1","effective_date":"2013-01-13","event_retracted":{"target_seq":)",
                quoted, R"(,"reason":"typo"}})"),
            absl::StrCat(
                R"({"event_id":"e1","effective_date":"2015-01-01","target_set":{"sector":"SECTOR_OVERHEID","year":2015,"banen_x100":)",
                quoted, R"(,"source":"Kamerbrief"}})"),
            absl::StrCat(
                R"({"event_id":"e1","effective_date":"2015-01-01","target_set":{"sector":"SECTOR_OVERHEID","year":)",
                quoted, R"(,"banen_x100":910045,"source":"Kamerbrief"}})"),
        }) {
      ExpectReadAsProtobufDoes(line, today);
    }
  }
}

TEST_F(EventFileTest, NdjsonRejectsTwoPayloadsAndUnknownFields) {
  const Lines lines = ReadAll(Write(
      "a.ndjson",
      R"({"event_id":"e1","effective_date":"2024-03-01","hours_changed":{"job_id":"j1","hours_per_week_x100":20},"job_ended":{"job_id":"j1","reason":"OUTFLOW_REASON_OTHER"}})"
      "\n"
      R"({"event_id":"e2","effective_date":"2024-03-01","hours_changed":{"job_id":"j1","hours_per_week_x100":20,"bsn":"111222333"}})"
      "\n"));
  EXPECT_EQ(lines.events.size(), 0u);
  ASSERT_EQ(lines.errors.size(), 2u);
  EXPECT_EQ(lines.errors[0].line, 1);
  EXPECT_TRUE(absl::StartsWith(lines.errors[0].reason,
                               "not a banen.v1.Event in JSON: "))
      << lines.errors[0].reason;
  EXPECT_EQ(lines.errors[1].line, 2);
  EXPECT_TRUE(absl::StartsWith(lines.errors[1].reason,
                               "not a banen.v1.Event in JSON: "))
      << lines.errors[1].reason;
}

TEST_F(EventFileTest, NdjsonRejectsAnUnknownEnumName) {
  const Lines lines = ReadAll(Write(
      "a.ndjson",
      R"({"event_id":"e1","effective_date":"2024-03-01","job_started":{"job_id":"j1","employer_id":"gm-0001","person_ref":"p0123456789abcdef","form":"CONTRACT_FORM_VASTE","hours_per_week_x100":2550}})"
      "\n"
      R"({"event_id":"e2","effective_date":"2024-03-01","job_started":{"job_id":"j2","employer_id":"gm-0001","person_ref":"p0123456789abcdef","form":"CONTRACT_FORM_TIJDELIJK","hours_per_week_x100":2550}})"
      "\n"));
  ASSERT_EQ(lines.errors.size(), 1u);
  EXPECT_EQ(lines.errors[0].line, 1);
  EXPECT_TRUE(absl::StartsWith(lines.errors[0].reason,
                               "not a banen.v1.Event in JSON: "))
      << lines.errors[0].reason;
  ASSERT_EQ(lines.events.size(), 1u);
  EXPECT_EQ(std::get<JobStarted>(lines.events[0].payload).form,
            ContractForm::kTijdelijk);
}

// One event of each kind, with a name that needs quoting.
std::vector<Event> OneOfEachKind() {
  const Date day = MakeDate(2024, 3, 1);
  const std::vector<EventPayload> payloads = {
      EmployerRegistered{"rijk-lnv", "Landbouw, \"Natuur\"", Sector::kRijk,
                         "rijk-az"},
      EmployerReclassified{"gm-0001", Sector::kProvincies},
      PersonRegistered{"p0123456789abcdef", Grondslag::kWsw},
      PersonDeregistered{"p0123456789abcdef", DeregistrationReason::kAowAge},
      JobStarted{"j1", "gm-0001", "p0123456789abcdef",
                 ContractForm::kInleenUitzend, 1275, "sw-01", "gm-0002"},
      JobConverted{"j1", ContractForm::kVast, 2000},
      HoursChanged{"j1", 2550},
      JobEnded{"j1", OutflowReason::kResignation},
      EventRetracted{17, "typo"},
      TargetSet{Sector::kOverheid, 2024, 2500050, "letter"},
      BaselineSet{Sector::kMarkt, 610045, "baseline"},
      InleenKeySet{2022, 258, "SEO"},
      EmployerHoursReported{"gm-0001", 2024, 59280001, "polis"},
      QuotaPercentageSet{Sector::kOverheid, 2024, 276, "Stcrt"},
  };
  std::vector<Event> events;
  for (const EventPayload& payload : payloads) {
    events.push_back(Event{absl::StrCat("e", events.size() + 1), day, payload});
  }
  return events;
}

TEST_F(EventFileTest, CsvLineOfReadsBackAsTheSameEventForEachKind) {
  const std::vector<Event> events = OneOfEachKind();
  ASSERT_EQ(events.size(), static_cast<size_t>(kEventKindCount));
  std::string text = CsvHeaderLine() + "\n";
  for (const Event& event : events) text += CsvLineOf(event) + "\n";
  const Lines lines = ReadAll(Write("all.csv", text));
  ASSERT_EQ(lines.errors.size(), 0u) << lines.errors[0].ToString();
  EXPECT_EQ(lines.events, events);
}

TEST_F(EventFileTest, NdjsonOfEachKindReadsBackInBothFieldNameStyles) {
  const std::vector<Event> events = OneOfEachKind();
  for (const bool proto_names : {true, false}) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = proto_names;
    std::string text;
    for (const Event& event : events) {
      v1::Event proto;
      EventToProto(event, &proto);
      std::string line;
      ASSERT_TRUE(
          google::protobuf::util::MessageToJsonString(proto, &line, options)
              .ok());
      text += line + "\n";
    }
    const Lines lines = ReadAll(Write("all.ndjson", text));
    ASSERT_EQ(lines.errors.size(), 0u) << lines.errors[0].ToString();
    EXPECT_EQ(lines.events, events) << text;
  }
}

// Each member of each kind's line replaced by a value of another JSON type,
// or dropped, and keys added or given twice: the import takes a line, with
// the same event, exactly when protobuf's parser reads it into a valid one.
TEST_F(EventFileTest, NdjsonReadsEveryAlteredLineAsProtobufDoes) {
  const Date today = DateOf(absl::Now());
  std::vector<std::string> lines;
  for (const Event& event : OneOfEachKind()) {
    v1::Event proto;
    EventToProto(event, &proto);
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(proto, &json).ok());
    google::protobuf::Struct line;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &line).ok());
    const auto print = [&lines](const google::protobuf::Struct& altered) {
      std::string text;
      ASSERT_TRUE(
          google::protobuf::util::MessageToJsonString(altered, &text).ok());
      lines.push_back(text);
    };
    std::vector<google::protobuf::Value> others(6);
    others[0].set_null_value(google::protobuf::NULL_VALUE);
    others[1].set_number_value(1);
    others[2].set_string_value("x");
    others[3].set_bool_value(true);
    others[4].mutable_struct_value();
    others[5].set_string_value("CONTRACT_FORM_VAST");
    for (const auto& [key, value] : line.fields()) {
      // The member itself, then each of the payload's members.
      std::vector<google::protobuf::Struct> versions;
      for (const google::protobuf::Value& other : others) {
        google::protobuf::Struct altered = line;
        (*altered.mutable_fields())[key] = other;
        versions.push_back(altered);
      }
      google::protobuf::Struct dropped = line;
      dropped.mutable_fields()->erase(key);
      versions.push_back(dropped);
      if (value.has_struct_value()) {
        for (const auto& [inner, unused] : value.struct_value().fields()) {
          for (const google::protobuf::Value& other : others) {
            google::protobuf::Struct altered = line;
            (*(*altered.mutable_fields())[key]
                  .mutable_struct_value()
                  ->mutable_fields())[inner] = other;
            versions.push_back(altered);
          }
          google::protobuf::Struct altered = line;
          (*altered.mutable_fields())[key]
              .mutable_struct_value()
              ->mutable_fields()
              ->erase(inner);
          versions.push_back(altered);
        }
        google::protobuf::Struct unknown = line;
        (*(*unknown.mutable_fields())[key]
              .mutable_struct_value()
              ->mutable_fields())["bsn"]
            .set_string_value("111222333");
        versions.push_back(unknown);
      }
      for (const google::protobuf::Struct& version : versions) print(version);
    }
    google::protobuf::Struct two_payloads = line;
    (*two_payloads.mutable_fields())["hours_changed"].mutable_struct_value();
    print(two_payloads);
    // A field twice, under each of its names (which protobuf's Struct
    // cannot hold), in the event and in a payload.
    lines.push_back(absl::StrCat(R"({"event_id":"e0",)", json.substr(1)));
    lines.push_back(absl::StrCat(json.substr(0, json.size() - 1),
                                 R"(,"effective_date":"2024-03-02"})"));
  }
  lines.push_back(
      R"({"event_id":"e1","effective_date":"2024-03-01","hours_changed":{"job_id":"j1","hours_per_week_x100":20,"hours_per_week_x100":30}})");
  lines.push_back(
      R"({"event_id":"e1","effective_date":"2024-03-01","hours_changed":{"job_id":"j1","hours_per_week_x100":20,"hoursPerWeekX100":30}})");
  for (const std::string& line : lines) {
    ExpectReadAsProtobufDoes(line, today);
  }
}

TEST_F(EventFileTest, ChunksNumberTheirLinesAndSkipBlankOnes) {
  const absl::StatusOr<std::unique_ptr<EventFileReader>> reader =
      EventFileReader::Open(Write("a.ndjson", "a\n\n b \r\n\nc\nd"));
  ASSERT_TRUE(reader.ok()) << reader.status();
  LineChunk chunk;
  ASSERT_TRUE((*reader)->NextChunk(2, &chunk));
  ASSERT_EQ(chunk.lines.size(), 2u);
  EXPECT_EQ(chunk.lines[0].number, 1);
  EXPECT_EQ(chunk.LineText(0), "a");
  EXPECT_EQ(chunk.lines[1].number, 3);
  EXPECT_EQ(chunk.LineText(1), " b ");
  EXPECT_EQ(chunk.bytes_end, 8u);
  ASSERT_TRUE((*reader)->NextChunk(2, &chunk));
  ASSERT_EQ(chunk.lines.size(), 2u);
  EXPECT_EQ(chunk.lines[0].number, 5);
  EXPECT_EQ(chunk.lines[1].number, 6);
  EXPECT_EQ(chunk.LineText(1), "d");
  EXPECT_EQ(chunk.bytes_end, 12u);
  EXPECT_FALSE((*reader)->NextChunk(2, &chunk));
}

TEST_F(EventFileTest, ReadsLinesAcrossTheReadBlocks) {
  // 3 MB of lines: several 1 MB reads, lines cut at their edges.
  std::string text;
  constexpr int kLines = 20000;
  for (int i = 1; i <= kLines; ++i) {
    text += absl::StrCat(
        R"({"event_id":"e)", i,
        R"(","effective_date":"2024-03-01","hours_changed":{"job_id":")",
        std::string(100, 'j'), R"(","hours_per_week_x100":)", i % 8000 + 1,
        "}}\n");
  }
  ASSERT_GT(text.size(), 3u << 20);
  const Lines lines = ReadAll(Write("big.ndjson", text));
  ASSERT_EQ(lines.errors.size(), 0u) << lines.errors[0].ToString();
  ASSERT_EQ(lines.events.size(), static_cast<size_t>(kLines));
  for (int i = 1; i <= kLines; ++i) {
    ASSERT_EQ(lines.events[i - 1].event_id, absl::StrCat("e", i));
    ASSERT_EQ(std::get<HoursChanged>(lines.events[i - 1].payload).hours_x100,
              i % 8000 + 1);
  }
}

TEST_F(EventFileTest, RejectsUnknownCsvColumn) {
  const absl::StatusOr<std::unique_ptr<EventFileReader>> reader =
      EventFileReader::Open(
          Write("x.csv", "event_id,effective_date,kind,bsn\n"));
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SplitCsvRecordTest, RejectsUnclosedQuote) {
  EXPECT_FALSE(SplitCsvRecord("a,\"b").ok());
}

}  // namespace
}  // namespace banen
