// IdleRelease: when a server should hand its heap's freed memory back to the
// kernel. The allocator keeps what a burst of appends freed (a flushed
// memtable's arena, batches' buffers, a saved state's encoding) for the next
// burst: at 10 M events a server's RSS rose by 190 MB over an ingest of 400 k
// events, 107 MB of which were freed memory it still held (bench/RESULTS.md,
// session 48). Released once the log and its projector have stood still for
// a quiet spell, so a steady ingest never pays for faulting its pages in
// again, and once a spell, so an idle server does no work.
//
// Not thread-safe: one caller (the server's watcher thread).
#ifndef BANEN_SERVICES_IDLE_RELEASE_H_
#define BANEN_SERVICES_IDLE_RELEASE_H_

#include <cstdint>

#include "absl/time/time.h"

namespace banen {

class IdleRelease {
 public:
  // `head` and `projected`: the log's head seq and the projector's at the
  // start, whose freed memory the start released itself.
  IdleRelease(absl::Duration quiet, uint64_t head, uint64_t projected,
              absl::Time now)
      : quiet_(quiet), head_(head), projected_(projected), moved_at_(now) {}

  // Whether to release now, given the seqs at `now`: the first time both
  // have stood still for the quiet spell since either last moved.
  bool ShouldRelease(uint64_t head, uint64_t projected, absl::Time now) {
    if (head != head_ || projected != projected_) {
      head_ = head;
      projected_ = projected;
      moved_at_ = now;
      released_ = false;
      return false;
    }
    if (released_ || now - moved_at_ < quiet_) return false;
    released_ = true;
    return true;
  }

 private:
  const absl::Duration quiet_;
  uint64_t head_;
  uint64_t projected_;
  absl::Time moved_at_;
  bool released_ = true;  // at the start, by the start
};

}  // namespace banen

#endif  // BANEN_SERVICES_IDLE_RELEASE_H_
