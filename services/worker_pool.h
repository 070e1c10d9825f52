// Long handlers (VerifyChain over the whole log, a realisation with employer
// rows, a snapshot diff) run here instead of on gRPC's reaction threads, which
// would otherwise stall every other call of the server, and stop early when
// their call is cancelled or its deadline passes.
//
// Thread safety: all functions may be called concurrently. Ownership: the
// shared pool lives for the whole process; a server that shuts down waits for
// its calls, so for their work here, before it lets its services go.
#ifndef BANEN_SERVICES_WORKER_POOL_H_
#define BANEN_SERVICES_WORKER_POOL_H_

#include <grpcpp/grpcpp.h>

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace banen {

// A fixed number of threads taking tasks in order from one queue.
class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  // Runs the queued tasks, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Schedule(std::function<void()> task);

 private:
  void Work();

  absl::Mutex mutex_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;
};

// The pool the services share: a few threads, so that long calls queue
// instead of each taking a thread of its own.
WorkerPool& SharedWorkerPool();

// OK while the call is live; DEADLINE_EXCEEDED once its deadline has passed,
// CANCELLED once the client cancelled it (or the server is shutting down).
absl::Status CallStatus(const grpc::CallbackServerContext& context);

// Runs `work` on the shared pool and finishes the unary call with its status
// (ToGrpcStatus). The call's CallStatus() is checked before the work starts
// and before answering, so a call nobody waits for any more ends at the first
// check; `work` may check it in between.
grpc::ServerUnaryReactor* FinishUnaryOnWorker(
    grpc::CallbackServerContext* context, std::function<absl::Status()> work);
// The same on `pool`, which must outlive the call.
grpc::ServerUnaryReactor* FinishUnaryOn(WorkerPool& pool,
                                        grpc::CallbackServerContext* context,
                                        std::function<absl::Status()> work);

}  // namespace banen

#endif  // BANEN_SERVICES_WORKER_POOL_H_
