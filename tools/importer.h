// Importing event files into banen-ledgerd over LedgerService.Append.
//
// Contract
// - Files (tools/event_file.h) are read in order and their events streamed
//   over one Append stream in batches of up to `batch_size` lines, several
//   batches in flight, in file order: the events get their seqs in the
//   order of the files' lines. One thread reads the files in chunks of a
//   batch, `parse_threads` parse the chunks, and the batches are sent in
//   order as they are ready. One stream because the server stores the
//   batches of a stream in order and those of several streams in any order.
// - Idempotent: the ledger stores an event_id once, so running an import
//   again after a crash or an interruption stores only what is missing and
//   counts the rest as duplicates; nothing is stored twice.
// - A bad line (unreadable, or rejected by the ledger) is reported with its
//   file, line number, field and reason. OnError::kStop stops there (events
//   of batches already in flight may still be stored); OnError::kSkip drops
//   that event, sends the rest of its batch again and goes on.
// - Batches of one import are not atomic across lines: a retraction's
//   target_seq counts on the events before it getting the seqs the file
//   assumes, so a file with retractions belongs in the ledger it was made
//   for (banen-demo-data: an empty one) and with kStop.
#ifndef BANEN_TOOLS_IMPORTER_H_
#define BANEN_TOOLS_IMPORTER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "banen/v1/ledger.grpc.pb.h"
#include "tools/event_file.h"

namespace banen {

enum class OnError { kStop, kSkip };

struct ImportProgress {
  uint64_t events_acknowledged = 0;  // stored or duplicate
  uint64_t bytes_read = 0;           // of all files
  uint64_t bytes_total = 0;
  absl::Duration elapsed;
};

struct ImportOptions {
  // 2,000 over 1,000: an import of the national demo into a fresh durable
  // server, three pairs in turns, 228,241 / 241,777 / 212,968 -> 237,310 /
  // 262,983 / 243,667 events/s, the cores less often idle between a
  // batch's fsync and the next (bench/RESULTS.md, session 40).
  size_t batch_size = 2000;
  // Batches sent before the first answer is awaited: as many as the
  // server reads ahead of its answers on one stream
  // (kAppendStreamBatchesInFlight), so that its stager is not left waiting.
  int max_in_flight = 8;
  // Threads parsing lines; 0: one per core.
  int parse_threads = 0;
  OnError on_error = OnError::kStop;
  // Called after each acknowledged batch.
  std::function<void(const ImportProgress&)> on_progress;
  // Called for each bad line as it is found.
  std::function<void(const LineError&)> on_bad_line;
  // Polled before each batch; true stops the import cleanly (the batches
  // in flight are answered first).
  std::function<bool()> interrupted;
};

struct ImportSummary {
  uint64_t stored = 0;
  uint64_t duplicates = 0;  // stored by an earlier run
  uint64_t bad_lines = 0;
  bool stopped_on_error = false;
  bool interrupted = false;
};

// UNAVAILABLE etc. when the stream breaks; the files' open errors. Bad lines
// are not errors of the call: they are in the summary.
absl::StatusOr<ImportSummary> ImportFiles(
    v1::LedgerService::StubInterface& ledger,
    const std::vector<std::string>& paths, const ImportOptions& options);

}  // namespace banen

#endif  // BANEN_TOOLS_IMPORTER_H_
