// A Subscribe client that never reads, while a million events are appended:
// the server may hold only what ledger_service.h documents per subscriber (a
// chunk read ahead from the log and one message in flight, then gRPC's flow
// control stops it), not the events appended since. Runs with sync=false (the
// fixture's): durability is not the subject, and it keeps the run short.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/services/service_test_util.h"

namespace banen::test {
namespace {

constexpr int kBatches = 1000;
constexpr int kEventsPerBatch = 1000;
constexpr uint64_t kEvents = uint64_t{kBatches} * kEventsPerBatch;
// Generous against the documented bound (< 1 MiB read ahead, one message,
// and the never-reading client's receive window, this client being in the
// same process), and far below what holding the appended events would cost:
// a million StoredEvents take hundreds of MiB, decoded or serialised.
constexpr int64_t kBoundBytes = int64_t{64} << 20;

// The resident set of this process, after handing freed heap pages back to
// the kernel so that only memory in use is counted.
int64_t ResidentBytes() {
  malloc_trim(0);
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  long size = 0;
  long resident = 0;
  const int read = std::fscanf(statm, "%ld %ld", &size, &resident);
  std::fclose(statm);
  EXPECT_EQ(read, 2);
  return int64_t{resident} * sysconf(_SC_PAGESIZE);
}

class SlowSubscriberTest : public ServiceTest {
 protected:
  void AdjustOptions(LedgerServerOptions& options) override {
    options.data_dir = absl::StrCat(dir_, "/", data_dir_name_);
  }

  // Stops the server and starts a fresh one on an empty store.
  void RestartOnNewStore(const std::string& name) {
    server_.reset();
    data_dir_name_ = name;
    StartServer();
  }

  // The same kEvents TargetSet events (small, and state of one row per
  // sector and year, so the ledger's own memory grows only by its indexes).
  void AppendBatches(int first, int end) {
    for (int batch = first; batch < end; ++batch) {
      std::vector<Event> events;
      events.reserve(kEventsPerBatch);
      for (int i = 0; i < kEventsPerBatch; ++i) {
        const int n = batch * kEventsPerBatch + i;
        events.push_back(TargetSetEvent(absl::StrCat("t-", n), "2024-01-01",
                                        Sector::kMarkt, 2024, n));
      }
      grpc::ClientContext context;
      v1::AppendResponse response;
      const grpc::Status status = ledger_->AppendBatch(
          &context, AppendRequestOf(absl::StrCat("b-", batch), events),
          &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
    }
  }

  // Resident memory that appending all kBatches adds, with `halfway` called
  // after the first half.
  int64_t GrowthOfAppendingAll(const std::function<void()>& halfway) {
    const int64_t before = ResidentBytes();
    AppendBatches(0, kBatches / 2);
    halfway();
    AppendBatches(kBatches / 2, kBatches);
    // The lowest reading over a second: a memtable RocksDB is still flushing
    // in the background (up to 64 MiB) must not count in one run and not in
    // the other.
    int64_t after = ResidentBytes();
    for (int i = 0; i < 10; ++i) {
      absl::SleepFor(absl::Milliseconds(100));
      after = std::min(after, ResidentBytes());
    }
    return after - before;
  }

  std::string data_dir_name_ = "warm-up";
};

TEST_F(SlowSubscriberTest, SubscriberThatNeverReadsHoldsBoundedMemory) {
  // gRPC's, RocksDB's and the allocator's first-time costs are paid here, so
  // that they count in neither measured run.
  AppendBatches(0, kBatches / 10);
  RestartOnNewStore("without-subscriber");
  const int64_t growth_without = GrowthOfAppendingAll([] {});

  RestartOnNewStore("with-subscriber");
  // A connection of its own, so that its unread data cannot hold up the
  // appends' connection.
  grpc::ChannelArguments arguments;
  arguments.SetInt("banen.test.subscriber_connection", 1);
  std::unique_ptr<v1::LedgerService::Stub> subscriber_stub =
      v1::LedgerService::NewStub(
          client::Connect(server_->address(), arguments));
  grpc::ClientContext subscriber_context;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> subscriber;
  // Half the events are stored when it subscribes from the start, so it has
  // half a million to catch up on and then half a million live ones.
  const int64_t growth_with = GrowthOfAppendingAll([&] {
    subscriber =
        subscriber_stub->Subscribe(&subscriber_context, v1::SubscribeRequest());
  });

  // The subscriber was live and behind all along: it still gets the log
  // from its start.
  v1::SubscribeResponse response;
  for (uint64_t seq = 1; seq <= 1000; ++seq) {
    ASSERT_TRUE(subscriber->Read(&response));
    ASSERT_EQ(response.event().seq(), seq);
  }
  subscriber_context.TryCancel();
  subscriber->Finish();
  EXPECT_EQ(Head().seq(), kEvents);
  std::printf(
      "resident growth over %llu appends: %.1f MiB without, %.1f MiB "
      "with a subscriber that never reads\n",
      static_cast<unsigned long long>(kEvents), growth_without / 1048576.0,
      growth_with / 1048576.0);
  EXPECT_LT(growth_with - growth_without, kBoundBytes);
}

}  // namespace
}  // namespace banen::test
