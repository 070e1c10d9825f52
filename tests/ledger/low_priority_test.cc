#include "ledger/internal/low_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <thread>

#include "gtest/gtest.h"

namespace banen::internal {
namespace {

int ThisThreadsNice() {
  return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
}

// Nothing to see when the test itself runs at the lowest priority.
class RunAtLowestPriorityTest : public testing::Test {
 protected:
  void SetUp() override {
    if (ThisThreadsNice() >= kLowestPriority) {
      GTEST_SKIP() << "the test runs at the lowest priority already";
    }
  }
};

TEST_F(RunAtLowestPriorityTest, RunsTheWorkAtTheLowestPriority) {
  int nice = 0;
  RunAtLowestPriority([&] { nice = ThisThreadsNice(); });

  EXPECT_EQ(nice, kLowestPriority);
}

TEST_F(RunAtLowestPriorityTest, ThreadsTheWorkStartsRunAtItToo) {
  int nice = 0;
  RunAtLowestPriority([&] {
    std::thread helper([&] { nice = ThisThreadsNice(); });
    helper.join();
  });

  EXPECT_EQ(nice, kLowestPriority);
}

TEST_F(RunAtLowestPriorityTest, LeavesTheCallersPriority) {
  const int before = ThisThreadsNice();
  RunAtLowestPriority([] {});

  EXPECT_EQ(ThisThreadsNice(), before);
}

}  // namespace
}  // namespace banen::internal
