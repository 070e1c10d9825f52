#include "tools/importer.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/protobuf/arena.h"
#include "ledger/codec.h"
#include "ledger/status_macros.h"
#include "tools/client.h"

namespace banen {
namespace {

// A batch on its way, with where each of its events came from. Its request
// lives on an arena of its own: a batch's thousand events were thousands of
// mallocs, freed one by one on the sending thread (some 30 % of the
// import's CPU was malloc and free; the arena took a sixth of it off).
struct Pending {
  Pending()
      : arena(std::make_unique<google::protobuf::Arena>(ArenaOptions())),
        request(google::protobuf::Arena::CreateMessage<v1::AppendRequest>(
            arena.get())) {}

  static google::protobuf::ArenaOptions ArenaOptions() {
    google::protobuf::ArenaOptions options;
    options.start_block_size = size_t{64} << 10;
    options.max_block_size = size_t{1} << 20;
    return options;
  }

  std::unique_ptr<google::protobuf::Arena> arena;
  v1::AppendRequest* request;         // on `arena`
  const std::string* file = nullptr;  // a batch holds lines of one file
  std::vector<int64_t> lines;         // per event
};

// A chunk of lines parsed into a batch, with the bad lines among them.
struct ParsedChunk {
  struct BadLine {
    size_t events_before;  // of the batch
    LineError error;
  };
  Pending batch;
  std::vector<BadLine> bad_lines;
  uint64_t bytes_read = 0;  // of all files, after this chunk
};

// Reads the files in chunks of lines on one thread, parses the chunks on
// others, and hands them out in file order. At most `max_ahead` chunks are
// read and not yet handed out, which bounds the memory.
class ParsePipeline {
 public:
  ParsePipeline(std::vector<std::unique_ptr<EventFileReader>> readers,
                size_t lines_per_chunk, int threads)
      : readers_(std::move(readers)),
        lines_per_chunk_(lines_per_chunk),
        max_ahead_(2 * static_cast<uint64_t>(threads) + 2) {
    for (int i = 0; i < threads; ++i) {
      std::vector<std::unique_ptr<EventLineParser>> parsers;
      parsers.reserve(readers_.size());
      for (const auto& reader : readers_) {
        parsers.push_back(reader->NewParser());
      }
      threads_.emplace_back([this, parsers = std::move(parsers)]() mutable {
        ParseChunks(parsers);
      });
    }
    threads_.emplace_back([this] { ReadChunks(); });
  }

  ~ParsePipeline() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    for (std::thread& thread : threads_) thread.join();
  }

  // The next chunk in file order; nullopt after the last.
  std::optional<ParsedChunk> Next() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &ParsePipeline::NextIsKnown));
    const auto it = parsed_.find(next_out_);
    if (it == parsed_.end()) return std::nullopt;
    ParsedChunk chunk = std::move(it->second);
    parsed_.erase(it);
    ++next_out_;
    return chunk;
  }

 private:
  struct RawChunk {
    uint64_t index = 0;
    size_t reader = 0;
    uint64_t bytes_before = 0;  // the sizes of the files before
    LineChunk lines;
  };

  bool NextIsKnown() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return parsed_.contains(next_out_) ||
           (reading_done_ && next_out_ == chunks_read_);
  }
  bool MayReadAhead() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || chunks_read_ - next_out_ < max_ahead_;
  }
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || reading_done_ || !unparsed_.empty();
  }

  void ReadChunks() {
    uint64_t bytes_before = 0;
    for (size_t reader = 0; reader < readers_.size(); ++reader) {
      while (true) {
        {
          absl::MutexLock lock(&mu_);
          mu_.Await(absl::Condition(this, &ParsePipeline::MayReadAhead));
          if (stopping_) return;
        }
        RawChunk chunk{0, reader, bytes_before, LineChunk()};
        if (!readers_[reader]->NextChunk(lines_per_chunk_, &chunk.lines)) {
          break;
        }
        absl::MutexLock lock(&mu_);
        chunk.index = chunks_read_++;
        unparsed_.push_back(std::move(chunk));
      }
      bytes_before += readers_[reader]->size();
    }
    absl::MutexLock lock(&mu_);
    reading_done_ = true;
  }

  void ParseChunks(std::vector<std::unique_ptr<EventLineParser>>& parsers) {
    while (true) {
      RawChunk raw;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &ParsePipeline::HasWork));
        if (stopping_ || unparsed_.empty()) return;
        raw = std::move(unparsed_.front());
        unparsed_.pop_front();
      }
      ParsedChunk parsed = Parse(raw, *parsers[raw.reader]);
      absl::MutexLock lock(&mu_);
      parsed_.emplace(raw.index, std::move(parsed));
    }
  }

  ParsedChunk Parse(const RawChunk& raw, EventLineParser& parser) const {
    ParsedChunk parsed;
    parsed.bytes_read = raw.bytes_before + raw.lines.bytes_end;
    parsed.batch.file = &readers_[raw.reader]->path();
    parsed.batch.request->mutable_events()->Reserve(
        static_cast<int>(raw.lines.lines.size()));
    // Effective dates are checked against today; the server checks them
    // against its own recorded time again.
    const Date today = DateOf(absl::Now());
    Event event;
    LineError error;
    auto& events = *parsed.batch.request->mutable_events();
    for (size_t i = 0; i < raw.lines.lines.size(); ++i) {
      if (parser.Parse(raw.lines, i, today, &event, events.Add(), &error)) {
        parsed.batch.lines.push_back(raw.lines.lines[i].number);
      } else {
        events.RemoveLast();
        parsed.bad_lines.push_back({parsed.batch.lines.size(), error});
      }
    }
    return parsed;
  }

  // Const after construction; each reader is used by the reading thread
  // only, after the parsers were made.
  const std::vector<std::unique_ptr<EventFileReader>> readers_;
  const size_t lines_per_chunk_;
  const uint64_t max_ahead_;
  absl::Mutex mu_;
  std::deque<RawChunk> unparsed_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, ParsedChunk> parsed_ ABSL_GUARDED_BY(mu_);
  uint64_t chunks_read_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_out_ ABSL_GUARDED_BY(mu_) = 0;
  bool reading_done_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

class Import {
 public:
  Import(v1::LedgerService::StubInterface& ledger, const ImportOptions& options)
      : options_(options), ledger_(ledger), start_(absl::Now()) {}

  absl::StatusOr<ImportSummary> Run(const std::vector<std::string>& paths) {
    std::vector<std::unique_ptr<EventFileReader>> readers;
    for (const std::string& path : paths) {
      ASSIGN_OR_RETURN(std::unique_ptr<EventFileReader> reader,
                       EventFileReader::Open(path));
      progress_.bytes_total += reader->size();
      readers.push_back(std::move(reader));
    }
    const int threads = options_.parse_threads > 0
                            ? options_.parse_threads
                            : static_cast<int>(std::max(
                                  1u, std::thread::hardware_concurrency()));
    ParsePipeline pipeline(std::move(readers), options_.batch_size, threads);
    stream_ = ledger_.Append(&context_);
    std::optional<ParsedChunk> chunk;
    while (!Stopped() && (chunk = pipeline.Next()).has_value()) {
      progress_.bytes_read = chunk->bytes_read;
      Pending& batch = chunk->batch;
      size_t keep = batch.lines.size();
      for (ParsedChunk::BadLine& bad : chunk->bad_lines) {
        ReportBadLine(bad.error);
        if (options_.on_error == OnError::kStop) {
          // The lines before a bad one are stored, so a re-run after fixing
          // it resumes there.
          keep = bad.events_before;
          break;
        }
      }
      if (keep < batch.lines.size()) {
        batch.request->mutable_events()->DeleteSubrange(
            static_cast<int>(keep),
            static_cast<int>(batch.lines.size() - keep));
        batch.lines.resize(keep);
      }
      if (!batch.lines.empty()) RETURN_IF_ERROR(Send(std::move(batch)));
    }
    RETURN_IF_ERROR(Drain());
    stream_->WritesDone();
    const grpc::Status finished = stream_->Finish();
    if (!finished.ok()) return client::FromGrpc(finished, "import");
    return summary_;
  }

 private:
  bool Stopped() {
    if (!summary_.interrupted && options_.interrupted &&
        options_.interrupted()) {
      summary_.interrupted = true;
    }
    return summary_.interrupted || summary_.stopped_on_error;
  }

  void ReportBadLine(const LineError& error) {
    ++summary_.bad_lines;
    if (options_.on_error == OnError::kStop) summary_.stopped_on_error = true;
    if (options_.on_bad_line) options_.on_bad_line(error);
  }

  absl::Status Send(Pending batch) {
    batch.request->set_batch_id(absl::StrCat(++batches_sent_));
    if (!stream_->Write(*batch.request)) return Broken();
    in_flight_.push_back(std::move(batch));
    while (static_cast<int>(in_flight_.size()) >= options_.max_in_flight) {
      RETURN_IF_ERROR(ReceiveOne());
    }
    return absl::OkStatus();
  }

  absl::Status Broken() {
    const grpc::Status status = stream_->Finish();
    return status.ok() ? absl::UnavailableError("import: the stream ended")
                       : client::FromGrpc(status, "import");
  }

  absl::Status Drain() {
    while (!in_flight_.empty()) RETURN_IF_ERROR(ReceiveOne());
    return absl::OkStatus();
  }

  // Reads the answer to the oldest batch in flight.
  absl::Status ReceiveOne() {
    v1::AppendResponse response;
    if (!stream_->Read(&response)) return Broken();
    Pending batch = std::move(in_flight_.front());
    in_flight_.pop_front();
    if (!response.has_error()) {
      Acknowledge(response);
      return absl::OkStatus();
    }
    // After a stop, later rejections are likely the stop's consequences.
    if (summary_.stopped_on_error) return absl::OkStatus();
    const v1::BatchError& error = response.error();
    const int index = error.event_index();
    if (index < 0 || index >= static_cast<int>(batch.lines.size())) {
      return absl::Status(
          static_cast<absl::StatusCode>(error.code()),
          absl::StrCat("import: batch rejected: ", error.message()));
    }
    const LineError bad{
        *batch.file, batch.lines[static_cast<size_t>(index)], error.field(),
        error.reason().empty() ? error.message() : error.reason()};
    ReportBadLine(bad);
    if (options_.on_error == OnError::kStop) return absl::OkStatus();
    // Later batches in flight may depend on this one's good events: let them
    // answer, then send what was rejected again, in order, one at a time.
    batch.request->mutable_events()->DeleteSubrange(index, 1);
    batch.lines.erase(batch.lines.begin() + index);
    std::deque<Pending> retry;
    if (!batch.lines.empty()) retry.push_back(std::move(batch));
    while (!in_flight_.empty()) {
      v1::AppendResponse later;
      if (!stream_->Read(&later)) return Broken();
      Pending next = std::move(in_flight_.front());
      in_flight_.pop_front();
      if (later.has_error()) {
        retry.push_back(std::move(next));
      } else {
        Acknowledge(later);
      }
    }
    const int window = options_.max_in_flight;
    options_.max_in_flight = 1;
    for (Pending& again : retry) RETURN_IF_ERROR(Send(std::move(again)));
    options_.max_in_flight = window;
    return absl::OkStatus();
  }

  void Acknowledge(const v1::AppendResponse& response) {
    for (const bool duplicate : response.duplicate()) {
      ++(duplicate ? summary_.duplicates : summary_.stored);
    }
    progress_.events_acknowledged += response.duplicate_size();
    progress_.elapsed = absl::Now() - start_;
    if (options_.on_progress) options_.on_progress(progress_);
  }

  ImportOptions options_;
  v1::LedgerService::StubInterface& ledger_;
  grpc::ClientContext context_;
  std::unique_ptr<
      grpc::ClientReaderWriterInterface<v1::AppendRequest, v1::AppendResponse>>
      stream_;
  const absl::Time start_;
  std::deque<Pending> in_flight_;
  uint64_t batches_sent_ = 0;
  ImportProgress progress_;
  ImportSummary summary_;
};

}  // namespace

absl::StatusOr<ImportSummary> ImportFiles(
    v1::LedgerService::StubInterface& ledger,
    const std::vector<std::string>& paths, const ImportOptions& options) {
  Import import(ledger, options);
  return import.Run(paths);
}

}  // namespace banen
