// WorkerPool: tasks run on its threads, and destruction runs what is queued.
#include "services/worker_pool.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace banen {
namespace {

TEST(WorkerPool, RunsTasksOffTheSchedulingThread) {
  WorkerPool pool(2);
  absl::Notification ran;
  std::thread::id ran_on;

  pool.Schedule([&] {
    ran_on = std::this_thread::get_id();
    ran.Notify();
  });
  ran.WaitForNotification();

  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(WorkerPool, DestructionRunsEveryQueuedTask) {
  std::atomic<int> ran{0};
  absl::Notification release;
  {
    WorkerPool pool(1);
    // The one thread is held, so the rest stay queued until destruction.
    pool.Schedule([&] { release.WaitForNotification(); });
    for (int i = 0; i < 10; ++i) pool.Schedule([&] { ++ran; });
    release.Notify();
  }

  EXPECT_EQ(ran.load(), 10);
}

}  // namespace
}  // namespace banen
