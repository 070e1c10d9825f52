#include "services/worker_pool.h"

#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/status_mapping.h"

namespace banen {
namespace {

// Enough for a long call or two to proceed while others queue, on the
// two-core machines the ledger runs on.
constexpr int kSharedWorkerThreads = 4;

}  // namespace

WorkerPool::WorkerPool(int threads) {
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

WorkerPool::~WorkerPool() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

void WorkerPool::Schedule(std::function<void()> task) {
  absl::MutexLock lock(&mutex_);
  tasks_.push_back(std::move(task));
}

void WorkerPool::Work() {
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mutex_);
      const auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
        return !tasks_.empty() || stopping_;
      };
      mutex_.Await(absl::Condition(&ready));
      if (tasks_.empty()) return;  // stopping, and nothing left to run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

WorkerPool& SharedWorkerPool() {
  // Never destroyed: calls may still be finishing on it while static
  // destructors run at exit.
  static WorkerPool* const kPool = new WorkerPool(kSharedWorkerThreads);
  return *kPool;
}

absl::Status CallStatus(const grpc::CallbackServerContext& context) {
  // Checked first: a passed deadline also marks the call cancelled.
  if (absl::Now() >= absl::FromChrono(context.deadline())) {
    return absl::DeadlineExceededError("the call's deadline passed");
  }
  if (context.IsCancelled()) {
    return absl::CancelledError("the call was cancelled");
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* FinishUnaryOnWorker(
    grpc::CallbackServerContext* context, std::function<absl::Status()> work) {
  return FinishUnaryOn(SharedWorkerPool(), context, std::move(work));
}

grpc::ServerUnaryReactor* FinishUnaryOn(WorkerPool& pool,
                                        grpc::CallbackServerContext* context,
                                        std::function<absl::Status()> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  pool.Schedule([context, reactor, work = std::move(work)] {
    absl::Status status = CallStatus(*context);
    if (status.ok()) status = work();
    if (status.ok()) status = CallStatus(*context);
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

}  // namespace banen
