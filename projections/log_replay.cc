#include "projections/log_replay.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "ledger/status_macros.h"

namespace banen {
namespace {

// Chunks read ahead of the fold, at most, per reading thread: bounds the
// memory.
constexpr uint64_t kChunksAhead = 4;

struct Chunk {
  std::vector<StoredEvent> events;
  absl::Status status;
  bool ready = false;
};

}  // namespace

absl::StatusOr<Hash> ReplayLog(const EventLog& log, ProjectionState* state,
                               ReplayOptions options) {
  const uint64_t first = state->last_seq() + 1;
  // Read before the head: no more ids than the fold will index.
  const IdCounts ids = log.GetIdCounts();
  const uint64_t head = log.GetHead().seq;
  Hash last_hash{};
  if (head < first) return last_hash;
  RETURN_IF_ERROR(CheckStateHolds(head));
  state->ReserveForEvents(head - first + 1);
  state->ReserveIds(ids.person_refs, ids.job_ids);
  const uint64_t per_chunk = std::max<uint64_t>(options.events_per_chunk, 1);
  const uint64_t chunk_count = (head - first) / per_chunk + 1;
  const uint64_t readers =
      std::clamp<uint64_t>(options.readers, 0, chunk_count - 1);
  const uint64_t window = kChunksAhead * (readers + 1);

  absl::Mutex mutex;
  std::vector<Chunk> chunks(chunk_count);
  uint64_t unclaimed = 0;  // chunks before this one are being read or read
  uint64_t folded = 0;     // chunks before this one are folded and released
  bool stop = false;       // the fold failed: readers give up
  // Folded chunks' events, for the readers to fill again: what they hold is
  // freed on a reader's thread, not the fold's.
  std::vector<std::vector<StoredEvent>> spare;
  // May a chunk be claimed: one is left, and it is within the window.
  const auto claimable = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    return unclaimed < chunk_count && unclaimed < folded + window;
  };

  // Reads chunk `c`, claimed; called and returns with `mutex` held.
  const auto read_chunk = [&](uint64_t c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    std::vector<StoredEvent> events;
    if (!spare.empty()) {
      events = std::move(spare.back());
      spare.pop_back();
    }
    mutex.Unlock();
    events.reserve(per_chunk);
    const uint64_t from = first + c * per_chunk;
    const absl::Status status =
        log.ScanInto(from, std::min(head, from + per_chunk - 1), events);
    mutex.Lock();
    chunks[c].events = std::move(events);
    chunks[c].status = status;
    chunks[c].ready = true;
  };
  // Each chunk is read by whichever thread claims it first, so no reader
  // falls behind the others on a share of its own.
  const auto read = [&] {
    absl::MutexLock lock(&mutex);
    while (true) {
      const auto may_claim = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
        return stop || unclaimed >= chunk_count || claimable();
      };
      mutex.Await(absl::Condition(&may_claim));
      if (stop || unclaimed >= chunk_count) return;
      read_chunk(unclaimed++);
    }
  };
  std::vector<std::thread> threads;
  for (uint64_t r = 0; r < readers; ++r) threads.emplace_back(read);

  absl::Status status;
  for (uint64_t c = 0; c < chunk_count && status.ok(); ++c) {
    std::vector<StoredEvent> events;
    {
      absl::MutexLock lock(&mutex);
      // The folding thread reads too while the next chunk is not ready:
      // on two cores, the readers and the fold share them without either
      // waiting for a core the other is not using.
      while (!chunks[c].ready && claimable()) read_chunk(unclaimed++);
      const auto ready = [&] { return chunks[c].ready; };
      mutex.Await(absl::Condition(&ready));
      events = std::move(chunks[c].events);
      status = chunks[c].status;
    }
    if (status.ok() && !events.empty()) {
      state->ApplyAll(events);
      last_hash = events.back().hash;
    }
    absl::MutexLock lock(&mutex);
    folded = c + 1;
    spare.push_back(std::move(events));
  }
  {
    absl::MutexLock lock(&mutex);
    stop = true;
  }
  for (std::thread& thread : threads) thread.join();
  if (!status.ok()) return status;
  return last_hash;
}

}  // namespace banen
