// Background work that must not take the cores the write path needs.
#ifndef BANEN_LEDGER_INTERNAL_LOW_PRIORITY_H_
#define BANEN_LEDGER_INTERNAL_LOW_PRIORITY_H_

#include "absl/functional/function_ref.h"

namespace banen::internal {

// The nice value RunAtLowestPriority's thread runs at: the least CPU share
// the scheduler gives.
inline constexpr int kLowestPriority = 19;

// Runs `work` on a thread of its own at kLowestPriority and returns when it
// is done. Threads `work` starts inherit the priority. The thread is made
// nicer, never less nice, which needs no privilege; where the system
// refuses, `work` runs at the caller's priority.
//
// For CPU work only: a thread that holds a lock or a RocksDB write group
// others wait for must not wait for a core.
void RunAtLowestPriority(absl::FunctionRef<void()> work);

}  // namespace banen::internal

#endif  // BANEN_LEDGER_INTERNAL_LOW_PRIORITY_H_
