#include "ledger/internal/low_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <thread>

namespace banen::internal {

void RunAtLowestPriority(absl::FunctionRef<void()> work) {
  std::thread thread([&work] {
    // Linux keeps a nice value per thread: PRIO_PROCESS with a thread's id
    // sets that thread's.
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kLowestPriority);
    work();
  });
  thread.join();
}

}  // namespace banen::internal
