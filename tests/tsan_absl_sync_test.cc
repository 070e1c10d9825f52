// Built only under TSan (tests/CMakeLists.txt): tsan_absl_sync.cc must make
// TSan see the order abseil's waits give, and must not hide a real race.
// A report makes the program exit with TSan's code 66, so the first tests
// fail by reporting, and the last expects the report in a child process.
#include <cstdlib>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace banen::test {
namespace {

// Written by one thread and read by another, ordered only by the wait named
// in each test.
struct Handoff {
  void Write(int written) {
    absl::MutexLock lock(&mu);
    value = written;
    ready = true;
  }

  absl::Mutex mu;
  int value ABSL_GUARDED_BY(mu) = 0;
  bool ready ABSL_GUARDED_BY(mu) = false;
};

TEST(TsanAbslSync, AwaitOrdersTheWriteBeforeTheRead) {
  Handoff handoff;
  std::thread writer([&] { handoff.Write(42); });
  {
    absl::MutexLock lock(&handoff.mu);
    handoff.mu.Await(absl::Condition(&handoff.ready));
    EXPECT_EQ(handoff.value, 42);
  }
  writer.join();
}

TEST(TsanAbslSync, LockWhenOrdersTheWriteBeforeTheRead) {
  Handoff handoff;
  std::thread writer([&] { handoff.Write(7); });
  handoff.mu.LockWhen(absl::Condition(&handoff.ready));
  EXPECT_EQ(handoff.value, 7);
  handoff.mu.Unlock();
  writer.join();
}

TEST(TsanAbslSync, CondVarOrdersTheWriteBeforeTheRead) {
  Handoff handoff;
  absl::CondVar changed;
  std::thread writer([&] {
    absl::MutexLock lock(&handoff.mu);
    handoff.value = 3;
    handoff.ready = true;
    changed.Signal();
  });
  {
    absl::MutexLock lock(&handoff.mu);
    while (!handoff.ready) changed.Wait(&handoff.mu);
    EXPECT_EQ(handoff.value, 3);
  }
  writer.join();
}

TEST(TsanAbslSync, NotificationOrdersTheWriteBeforeTheRead) {
  int value = 0;  // unguarded: the notification orders it
  absl::Notification written;
  std::thread writer([&] {
    value = 9;
    written.Notify();
  });
  written.WaitForNotification();
  EXPECT_EQ(value, 9);
  writer.join();
}

TEST(TsanAbslSync, AReaderLockOrdersTheWriteBeforeTheRead) {
  Handoff handoff;
  std::thread writer([&] { handoff.Write(5); });
  for (bool read = false; !read;) {
    absl::ReaderMutexLock lock(&handoff.mu);
    if (handoff.ready) {
      EXPECT_EQ(handoff.value, 5);
      read = true;
    }
  }
  writer.join();
}

// Two threads write one int, each under its own mutex: no order between
// them, which TSan must still report.
void RaceUnderTwoMutexes() {
  int value = 0;
  absl::Mutex first, second;
  absl::Notification go;
  std::thread one([&] {
    go.WaitForNotification();
    absl::MutexLock lock(&first);
    value = 1;
  });
  std::thread two([&] {
    go.WaitForNotification();
    absl::MutexLock lock(&second);
    value = 2;
  });
  go.Notify();
  one.join();
  two.join();
  std::exit(value == 0 ? 1 : 0);
}

TEST(TsanAbslSyncDeathTest, WritesUnderDifferentMutexesAreReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(RaceUnderTwoMutexes(), testing::ExitedWithCode(66),
              "ThreadSanitizer: data race");
}

}  // namespace
}  // namespace banen::test
