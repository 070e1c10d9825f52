// Event files for `banenctl import`: NDJSON and CSV, one event per line.
//
// NDJSON (.ndjson, .jsonl): each line is a banen.v1.Event in protobuf JSON,
// field names as in events.proto (snake_case) or lowerCamelCase, enums by
// name or number:
//   {"event_id":"e1","effective_date":"2024-03-01","job_started":{"job_id":
//    "j1","employer_id":"gm-0001","person_ref":"p0123456789abcdef",
//    "form":"CONTRACT_FORM_VAST","hours_per_week_x100":2550}}
//
// CSV (.csv): RFC 4180 (fields with commas or quotes in double quotes, ""
// for a quote; no line breaks inside fields), a header line naming the
// columns, any subset of kCsvColumns in any order. `kind` is the event's
// message name; hours_per_week, banen, paid_hours and percentage are decimals
// with at most two decimals; enums by their short names (an empty optional
// enum, such as grondslag, leaves it unspecified):
//   event_id,effective_date,kind,job_id,employer_id,person_ref,form,hours_per_week
//   e1,2024-03-01,JobStarted,j1,gm-0001,p0123456789abcdef,VAST,25.5
//
// Blank lines are skipped in both. Each event is checked on its own (its
// fields, ledger/validation.h) as it is read; what depends on the ledger's
// state is checked by the server.
#ifndef BANEN_TOOLS_EVENT_FILE_H_
#define BANEN_TOOLS_EVENT_FILE_H_

#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "banen/v1/events.pb.h"
#include "ledger/event.h"

namespace banen {

inline constexpr std::array<std::string_view, 23> kCsvColumns = {
    "event_id",
    "effective_date",
    "kind",
    "employer_id",
    "name",
    "sector",
    "parent_employer_id",
    "person_ref",
    "reason",
    "job_id",
    "form",
    "hours_per_week",
    "lender_id",
    "commissioning_employer_id",
    "to_form",
    "target_seq",
    "year",
    "banen",
    "source",
    "overheid_share",
    "paid_hours",  // EmployerHoursReported: hours in the year, e.g. 592800
    "percentage",  // QuotaPercentageSet: e.g. 2.76
    "grondslag"};

// Where and why a line of an event file is bad. Never holds a person_ref.
struct LineError {
  std::string file;
  int64_t line = 0;
  std::string field;  // a CSV column, a wire field path, or empty
  std::string reason;
  // "events.csv:12: hours_per_week: must be in 1..8000 (...)".
  std::string ToString() const;
};

// Splits one CSV record. INVALID_ARGUMENT for an unterminated quote or text
// after a closing quote.
absl::StatusOr<std::vector<std::string>> SplitCsvRecord(std::string_view line);

// Lines of an event file read in one piece, to be parsed elsewhere (on
// another thread, in file order or not).
struct LineChunk {
  struct Line {
    int64_t number = 0;  // 1-based, in the file
    size_t offset = 0;   // into text
    size_t size = 0;     // without the line break
  };
  // The lines one after the other, then padding a JSON parser may read past
  // a line's end.
  std::string text;
  std::vector<Line> lines;  // the non-blank ones
  uint64_t bytes_end = 0;   // the reader's bytes_read() after the chunk

  std::string_view LineText(size_t index) const {
    return std::string_view(text).substr(lines[index].offset,
                                         lines[index].size);
  }
};

class EventLineParser;

// The header line of a CSV file with every column (kCsvColumns), and
// `event` as a line under it, without the line break: what
// EventFileReader reads back as the same event.
std::string CsvHeaderLine();
std::string CsvLineOf(const Event& event);

class EventFileReader {
 public:
  enum class Format { kNdjson, kCsv };

  // Opens `path`; the format follows the extension (.ndjson, .jsonl, .csv).
  // A CSV file's header is read here: INVALID_ARGUMENT for an unknown column
  // or a missing event_id, effective_date or kind.
  static absl::StatusOr<std::unique_ptr<EventFileReader>> Open(
      const std::string& path);
  ~EventFileReader();

  enum class Read { kEvent, kBadLine, kEnd };
  // Reads the next non-blank line into `event`, or says why it is bad in
  // `error` (and the next call goes on with the line after it).
  Read Next(Event* event, LineError* error);

  // Reads up to `max_lines` non-blank lines (and the blank ones between
  // them) into `chunk`; false at the end of the file. Do not mix with Next().
  bool NextChunk(size_t max_lines, LineChunk* chunk);
  // A parser for this file's lines, for one thread at a time.
  std::unique_ptr<EventLineParser> NewParser() const;

  // The 1-based number of the line read last.
  int64_t line() const { return line_number_; }
  const std::string& path() const { return path_; }
  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t size() const { return size_; }

 private:
  EventFileReader(std::string path, Format format, FILE* file, uint64_t size)
      : path_(std::move(path)), format_(format), file_(file), size_(size) {}
  // The next line without its line break; valid until the next call.
  bool NextLine(std::string_view* line);

  std::string path_;
  Format format_;
  FILE* file_;
  uint64_t size_;
  uint64_t bytes_read_ = 0;
  int64_t line_number_ = 0;
  std::vector<int> csv_columns_;  // per CSV field: index into kCsvColumns
  std::string pending_;           // read from the file, from pending_pos_ on
  size_t pending_pos_ = 0;
  bool at_eof_ = false;
  size_t last_chunk_bytes_ = 0;  // NextChunk's text, padding included
  LineChunk next_chunk_;         // Next()'s line
  std::unique_ptr<EventLineParser> next_parser_;
};

// Turns the lines of one event file into events. It keeps a JSON parser's
// buffers, so each thread has its own (EventFileReader::NewParser()).
class EventLineParser {
 public:
  ~EventLineParser();

  // The event of `chunk`'s line `index`; or false and the line's file,
  // number, the field at fault and why in `error`. Each event is checked on
  // its own (ledger/validation.h), its effective date against `today`.
  // When `wire` is not null it receives the event as the ledger takes it.
  bool Parse(const LineChunk& chunk, size_t index, Date today, Event* event,
             v1::Event* wire, LineError* error);

 private:
  friend class EventFileReader;
  struct Json;
  EventLineParser(std::string path, EventFileReader::Format format,
                  std::vector<int> csv_columns);
  bool ParseNdjson(std::string_view text, Event* event, LineError* error);
  bool ParseCsv(std::string_view text, Event* event, LineError* error);

  const std::string path_;
  const EventFileReader::Format format_;
  const std::vector<int> csv_columns_;
  std::unique_ptr<Json> json_;
  std::vector<std::string> quoted_fields_;  // a quoted CSV line's fields
  std::vector<std::string_view> fields_;
};

}  // namespace banen

#endif  // BANEN_TOOLS_EVENT_FILE_H_
