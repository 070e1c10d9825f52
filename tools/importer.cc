#include "tools/importer.h"

#include <grpcpp/grpcpp.h>

#include <deque>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/codec.h"
#include "ledger/status_macros.h"
#include "tools/client.h"

namespace banen {
namespace {

// A batch on its way, with where each of its events came from.
struct Pending {
  v1::AppendRequest request;
  std::vector<LineError> origins;  // file and line per event
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
    stream_ = ledger_.Append(&context_);
    uint64_t bytes_before = 0;
    Pending batch;
    for (auto& reader : readers) {
      Event event;
      LineError error;
      EventFileReader::Read read;
      while (!Stopped() && (read = reader->Next(&event, &error)) !=
                               EventFileReader::Read::kEnd) {
        progress_.bytes_read = bytes_before + reader->bytes_read();
        if (read == EventFileReader::Read::kBadLine) {
          ReportBadLine(error);
          if (options_.on_error == OnError::kStop) break;
          continue;
        }
        EventToProto(event, batch.request.add_events());
        batch.origins.push_back(
            LineError{reader->path(), reader->line(), "", ""});
        if (batch.origins.size() >= options_.batch_size) {
          RETURN_IF_ERROR(Send(std::exchange(batch, Pending{})));
        }
      }
      bytes_before += reader->size();
    }
    // The lines before a bad one are stored, so a re-run after fixing it
    // resumes there.
    if (!summary_.interrupted && !batch.origins.empty()) {
      RETURN_IF_ERROR(Send(std::move(batch)));
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
    batch.request.set_batch_id(absl::StrCat(++batches_sent_));
    if (!stream_->Write(batch.request)) return Broken();
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
    if (index < 0 || index >= static_cast<int>(batch.origins.size())) {
      return absl::Status(
          static_cast<absl::StatusCode>(error.code()),
          absl::StrCat("import: batch rejected: ", error.message()));
    }
    LineError bad = batch.origins[static_cast<size_t>(index)];
    bad.field = error.field();
    bad.reason = error.reason().empty() ? error.message() : error.reason();
    ReportBadLine(bad);
    if (options_.on_error == OnError::kStop) return absl::OkStatus();
    // Later batches in flight may depend on this one's good events: let them
    // answer, then send what was rejected again, in order, one at a time.
    batch.request.mutable_events()->DeleteSubrange(index, 1);
    batch.origins.erase(batch.origins.begin() + index);
    std::deque<Pending> retry;
    if (!batch.origins.empty()) retry.push_back(std::move(batch));
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
