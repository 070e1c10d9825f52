// Fuzz target: the RealisationService's path from request bytes to figures
// (bytes -> v1::RealisationRequest -> RealisationQueryFromProto of
// services/wire.h -> Projector::Realisation -> RealisationTableToProto),
// against one fixed history of a few hundred events (backdated hires,
// retractions, reclassifications; tests/projections/random_history.h) with
// checkpoints every 40 events, so as_of queries take the checkpoint paths too.
//
// Checked beyond "no crash, no UB": the Projector refuses a query only with
// INVALID_ARGUMENT, and every table it answers equals ComputeRealisation over
// a rebuild from seq 1 (the Projector's own contract).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "banen/v1/realisation.pb.h"
#include "projections/projection_state.h"
#include "projections/projector.h"
#include "projections/realisation.h"
#include "services/wire.h"
#include "tests/projections/random_history.h"

namespace banen {
namespace {

constexpr int kHistoryEvents = 300;

struct History {
  std::unique_ptr<EventLog> log;  // declared first: outlives the projector
  std::unique_ptr<Projector> projector;
  ProjectionState rebuilt;
};

std::filesystem::path& HistoryDir() {
  static auto* dir = new std::filesystem::path(
      std::filesystem::temp_directory_path() /
      ("realisation_fuzzer-" + std::to_string(::getpid())));
  return *dir;
}

History* MakeHistory() {
  std::filesystem::remove_all(HistoryDir());
  EventLogOptions log_options;
  log_options.sync = false;
  // Commits one second apart from 2026-11-01 on: as_of can fall anywhere.
  log_options.clock = [ticks = 0]() mutable {
    return absl::FromUnixSeconds(1793491200) + absl::Seconds(++ticks);
  };
  absl::StatusOr<std::unique_ptr<EventLog>> log =
      EventLog::Open(HistoryDir().string(), std::move(log_options));
  if (!log.ok()) std::abort();
  ProjectorOptions projector_options;
  projector_options.checkpoint_interval = 40;
  absl::StatusOr<std::unique_ptr<Projector>> projector =
      Projector::Open(**log, projector_options);
  if (!projector.ok()) std::abort();
  auto* history =
      new History{*std::move(log), *std::move(projector), ProjectionState()};
  test::RandomHistory random(/*seed=*/8);
  for (int stored = 0; stored < kHistoryEvents;) {
    const absl::StatusOr<AppendResult> result =
        history->log->Append(AppendBatch{.events = {random.Propose()},
                                         .expected_job_seq = {},
                                         .authority = {}});
    if (!result.ok()) continue;
    random.Accepted(result->last_seq);
    ++stored;
  }
  if (!history->projector->FlushCheckpoints().ok() ||
      !history->log
           ->Scan(1, 0,
                  [&](const StoredEvent& stored) {
                    history->rebuilt.Apply(stored);
                    return true;
                  })
           .ok()) {
    std::abort();
  }
  // Closed at exit and its store removed. Closed before LeakSanitizer's
  // check, which runs after this handler: it cannot see the heap blocks of
  // the CompactVectors in a state left alive (ledger/compact_vector.h).
  static History* made = nullptr;
  made = history;
  std::atexit([] {
    delete made;
    std::filesystem::remove_all(HistoryDir());
  });
  return history;
}

}  // namespace
}  // namespace banen

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const banen::History* const history = banen::MakeHistory();
  banen::v1::RealisationRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  const absl::StatusOr<banen::RealisationQuery> query =
      banen::RealisationQueryFromProto(request);
  if (!query.ok()) return 0;
  const absl::StatusOr<banen::RealisationTable> table =
      history->projector->Realisation(*query);
  if (!table.ok()) {
    if (table.status().code() != absl::StatusCode::kInvalidArgument) {
      std::abort();
    }
    return 0;
  }
  if (*table != banen::ComputeRealisation(history->rebuilt, *query)) {
    std::abort();
  }
  banen::v1::RealisationTable proto;
  banen::RealisationTableToProto(*table, &proto);
  return 0;
}
