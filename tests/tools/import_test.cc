// banenctl's import and chain audit against a real banen-ledgerd in-process.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/codec.h"
#include "ledger/internal/storage_format.h"
#include "rocksdb/db.h"
#include "tests/ledger/raw_store.h"
#include "tests/services/service_test_util.h"
#include "tools/chain_audit.h"
#include "tools/event_file.h"
#include "tools/importer.h"

namespace banen {
namespace {

// An employer, then `persons` registrations each followed by a hire.
std::vector<Event> History(int persons) {
  std::vector<Event> events = {
      test::EmployerRegisteredEvent("emp", "2024-01-01", "gm-0001")};
  for (int i = 0; i < persons; ++i) {
    const std::string person = absl::StrFormat("person-ref-%08d", i);
    events.push_back(test::PersonRegisteredEvent(absl::StrCat("reg-", i),
                                                 "2024-01-01", person));
    events.push_back(test::JobStartedEvent(
        absl::StrCat("hire-", i), "2024-02-01", absl::StrCat("job-", i),
        "gm-0001", person, ContractForm::kVast, 2550));
  }
  return events;
}

std::string NdjsonLine(const Event& event) {
  v1::Event proto;
  EventToProto(event, &proto);
  std::string line;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(proto, &line).ok());
  return line + "\n";
}

class ImportTest : public test::ServiceTest {
 protected:
  std::string WriteNdjson(const std::string& name,
                          const std::vector<Event>& events) {
    std::string text;
    for (const Event& event : events) text += NdjsonLine(event);
    return WriteFile(name, text);
  }
  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  absl::StatusOr<ImportSummary> Import(const std::vector<std::string>& paths,
                                       ImportOptions options = {}) {
    options.batch_size = 10;
    options.on_bad_line = [this](const LineError& error) {
      bad_lines_.push_back(error);
    };
    return ImportFiles(*ledger_, paths, options);
  }

  uint64_t HeadSeq() {
    grpc::ClientContext context;
    v1::GetHeadResponse head;
    EXPECT_TRUE(ledger_->GetHead(&context, v1::GetHeadRequest(), &head).ok());
    return head.seq();
  }

  // The event_ids of the log in seq order.
  std::vector<std::string> LoggedEventIds() {
    grpc::ClientContext context;
    auto reader = ledger_->ReadEvents(&context, v1::ReadEventsRequest());
    std::vector<std::string> ids;
    v1::StoredEvent stored;
    while (reader->Read(&stored)) ids.push_back(stored.event().event_id());
    EXPECT_TRUE(reader->Finish().ok());
    return ids;
  }

  // Reads the whole log and recomputes its chain on this side.
  ChainAudit Audit() {
    absl::StatusOr<ChainAudit> audit = AuditLedger(*ledger_, *snapshots_);
    EXPECT_TRUE(audit.ok()) << audit.status();
    return audit.ok() ? *std::move(audit) : ChainAudit();
  }

  std::vector<LineError> bad_lines_;
};

TEST_F(ImportTest, ImportsNdjsonInBatches) {
  const std::vector<Event> events = History(50);  // 101 events
  const absl::StatusOr<ImportSummary> summary =
      Import({WriteNdjson("a.ndjson", events)});
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->stored, 101u);
  EXPECT_EQ(summary->duplicates, 0u);
  EXPECT_EQ(HeadSeq(), 101u);
}

TEST_F(ImportTest, ImportsCsv) {
  const std::string path = WriteFile(
      "a.csv",
      "event_id,effective_date,kind,employer_id,name,sector,job_id,"
      "person_ref,form,hours_per_week\n"
      "e1,2024-01-01,EmployerRegistered,gm-0001,Gemeente 1,GEMEENTEN,,,,\n"
      "e2,2024-02-01,JobStarted,gm-0001,,,j1,person-ref-00000001,VAST,25.5\n");
  const absl::StatusOr<ImportSummary> summary = Import({path});
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->stored, 2u);
  EXPECT_TRUE(bad_lines_.empty());
}

TEST_F(ImportTest, SkipReportsBadLinesAndStoresTheRest) {
  std::vector<Event> events = History(20);  // 41 events, lines 1..41
  // Line 42: a hire at an employer the ledger does not know (the server
  // rejects it); line 43: hours over 80 (rejected before sending).
  events.push_back(test::JobStartedEvent("hire-x", "2024-02-01", "job-x",
                                         "gm-9999", "person-ref-00000001",
                                         ContractForm::kVast, 2550));
  events.push_back(test::JobStartedEvent("hire-y", "2024-02-01", "job-y",
                                         "gm-0001", "person-ref-00000001",
                                         ContractForm::kVast, 9000));
  events.push_back(test::JobStartedEvent("hire-z", "2024-02-01", "job-z",
                                         "gm-0001", "person-ref-00000001",
                                         ContractForm::kVast, 2000));
  ImportOptions options;
  options.on_error = OnError::kSkip;
  const absl::StatusOr<ImportSummary> summary =
      Import({WriteNdjson("a.ndjson", events)}, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->stored, 42u);  // 41 + hire-z
  EXPECT_EQ(summary->bad_lines, 2u);
  ASSERT_EQ(bad_lines_.size(), 2u);
  // Found in this order: line 43 while reading, line 42 when the server
  // answered its batch.
  EXPECT_EQ(bad_lines_[0].line, 43);
  EXPECT_EQ(bad_lines_[0].field, "job_started.hours_per_week_x100");
  EXPECT_EQ(bad_lines_[1].line, 42);
  EXPECT_EQ(bad_lines_[1].field, "job_started.employer_id");
  EXPECT_EQ(bad_lines_[1].reason, "unknown employer");
}

TEST_F(ImportTest, StopEndsTheImportAtTheFirstBadLine) {
  std::vector<Event> events = History(2);  // lines 1..5
  events.push_back(test::JobStartedEvent("hire-y", "2024-02-01", "job-y",
                                         "gm-0001", "person-ref-00000001",
                                         ContractForm::kVast, 9000));
  const std::vector<Event> more = History(30);
  for (size_t i = 0; i < 5; ++i) events.push_back(more[i + 5]);
  ImportOptions options;
  options.on_error = OnError::kStop;
  const absl::StatusOr<ImportSummary> summary =
      Import({WriteNdjson("a.ndjson", events)}, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_TRUE(summary->stopped_on_error);
  EXPECT_EQ(summary->stored, 5u);  // the lines before line 6
  ASSERT_EQ(bad_lines_.size(), 1u);
  EXPECT_EQ(bad_lines_[0].line, 6);
}

TEST_F(ImportTest, RerunAfterInterruptionStoresNothingTwice) {
  const std::string path = WriteNdjson("a.ndjson", History(100));  // 201
  ImportOptions interrupted;
  int batches = 0;
  interrupted.on_progress = [&](const ImportProgress&) { ++batches; };
  interrupted.interrupted = [&] { return batches >= 5; };
  const absl::StatusOr<ImportSummary> first = Import({path}, interrupted);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->interrupted);
  ASSERT_LT(first->stored, 201u);

  const absl::StatusOr<ImportSummary> second = Import({path});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->duplicates, first->stored);
  EXPECT_EQ(first->stored + second->stored, 201u);
  EXPECT_EQ(HeadSeq(), 201u);
}

TEST_F(ImportTest, ParallelParsingStoresTheEventsInFileOrder) {
  // 1201 events in ~120 batches of 10, parsed by 4 threads: the first 601
  // from NDJSON, the rest from CSV.
  const std::vector<Event> events = History(600);
  const std::vector<Event> first(events.begin(), events.begin() + 601);
  std::string csv = CsvHeaderLine() + "\n";
  for (size_t i = 601; i < events.size(); ++i) {
    csv += CsvLineOf(events[i]) + "\n";
  }
  ImportOptions options;
  options.parse_threads = 4;
  const absl::StatusOr<ImportSummary> summary = Import(
      {WriteNdjson("a.ndjson", first), WriteFile("b.csv", csv)}, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->stored, 1201u);
  std::vector<std::string> file_order;
  for (const Event& event : events) file_order.push_back(event.event_id);
  EXPECT_EQ(LoggedEventIds(), file_order);
}

TEST_F(ImportTest, BadLinesInLateChunksNameTheirLines) {
  std::vector<Event> events = History(400);  // 801 events
  // Line 700: hours over 80 (found by a parsing thread); line 750: a hire
  // at an unknown employer (found by the server).
  events.insert(
      events.begin() + 699,
      test::JobStartedEvent("hire-y", "2024-02-01", "job-y", "gm-0001",
                            "person-ref-00000001", ContractForm::kVast, 9000));
  events.insert(
      events.begin() + 749,
      test::JobStartedEvent("hire-x", "2024-02-01", "job-x", "gm-9999",
                            "person-ref-00000001", ContractForm::kVast, 2550));
  ImportOptions options;
  options.on_error = OnError::kSkip;
  options.parse_threads = 4;
  const std::string path = WriteNdjson("a.ndjson", events);
  const absl::StatusOr<ImportSummary> summary = Import({path}, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->stored, 801u);
  ASSERT_EQ(bad_lines_.size(), 2u);
  EXPECT_EQ(bad_lines_[0].file, path);
  EXPECT_EQ(bad_lines_[0].line, 700);
  EXPECT_EQ(bad_lines_[0].field, "job_started.hours_per_week_x100");
  EXPECT_EQ(bad_lines_[1].file, path);
  EXPECT_EQ(bad_lines_[1].line, 750);
  EXPECT_EQ(bad_lines_[1].field, "job_started.employer_id");
}

TEST_F(ImportTest, StopInALateChunkStoresExactlyTheLinesBeforeIt) {
  std::vector<Event> events = History(400);
  events.insert(
      events.begin() + 554,
      test::JobStartedEvent("hire-y", "2024-02-01", "job-y", "gm-0001",
                            "person-ref-00000001", ContractForm::kVast, 9000));
  ImportOptions options;
  options.parse_threads = 4;
  const absl::StatusOr<ImportSummary> summary =
      Import({WriteNdjson("a.ndjson", events)}, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_TRUE(summary->stopped_on_error);
  EXPECT_EQ(summary->stored, 554u);
  EXPECT_EQ(HeadSeq(), 554u);
  ASSERT_EQ(bad_lines_.size(), 1u);
  EXPECT_EQ(bad_lines_[0].line, 555);
}

TEST_F(ImportTest, ProgressEndsAtEveryByteAndEvent) {
  const std::string path = WriteNdjson("a.ndjson", History(100));  // 201
  ImportOptions options;
  std::vector<ImportProgress> progress;
  options.on_progress = [&](const ImportProgress& p) { progress.push_back(p); };
  ASSERT_TRUE(Import({path}, options).ok());
  ASSERT_EQ(progress.size(), 21u);  // batches of 10
  EXPECT_EQ(progress.back().events_acknowledged, 201u);
  EXPECT_EQ(progress.back().bytes_total, std::filesystem::file_size(path));
  EXPECT_EQ(progress.back().bytes_read, progress.back().bytes_total);
  EXPECT_EQ(progress.front().events_acknowledged, 10u);
}

TEST_F(ImportTest, AuditAcceptsAnUntouchedLog) {
  ASSERT_TRUE(Import({WriteNdjson("a.ndjson", History(10))}).ok());
  const ChainAudit audit = Audit();
  EXPECT_TRUE(audit.ok()) << audit.reason();
  EXPECT_EQ(audit.events_checked(), 21u);
}

TEST_F(ImportTest, AuditNamesTheFirstTamperedSeq) {
  ASSERT_TRUE(Import({WriteNdjson("a.ndjson", History(10))}).ok());
  server_.reset();
  {
    // Change the hours of the hire at seq 5 on disk, keeping its old hash.
    const storage::Store raw = test::OpenRawStore(log_dir());
    const std::unique_ptr<rocksdb::DB>& db = raw.db;
    ASSERT_NE(db, nullptr);
    std::string value;
    ASSERT_TRUE(
        db->Get(rocksdb::ReadOptions(), storage::EventKey(5), &value).ok());
    const std::optional<storage::EventValue> decoded =
        storage::DecodeEventValue(value);
    ASSERT_TRUE(decoded.has_value());
    v1::StoredEvent stored;
    ASSERT_TRUE(stored.ParseFromString(std::string(decoded->canonical)));
    ASSERT_TRUE(stored.event().has_job_started());
    stored.mutable_event()->mutable_job_started()->set_hours_per_week_x100(
        8000);
    std::string canonical;
    ASSERT_TRUE(stored.SerializeToString(&canonical));
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), storage::EventKey(5),
                        storage::EncodeEventValue(decoded->prev_hash,
                                                  decoded->hash, canonical))
                    .ok());
  }
  StartServer();
  const ChainAudit audit = Audit();
  EXPECT_FALSE(audit.ok());
  EXPECT_EQ(audit.first_bad_seq(), 5u);
}

}  // namespace
}  // namespace banen
