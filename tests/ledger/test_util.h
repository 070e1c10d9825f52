// Shared test support for the ledger: status assertions, a fake clock and
// fixtures that give each test its own temporary data directory.
#ifndef BANEN_TESTS_LEDGER_TEST_UTIL_H_
#define BANEN_TESTS_LEDGER_TEST_UTIL_H_

#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/event.h"
#include "ledger/event_error.h"
#include "ledger/event_log.h"
#include "ledger/status_macros.h"
#include "tests/ledger/test_events.h"

namespace banen::test {

inline const absl::Status& StatusOf(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

#define ASSERT_OK(expr)                                                    \
  do {                                                                     \
    const absl::Status banen_test_status_ = ::banen::test::StatusOf(expr); \
    ASSERT_TRUE(banen_test_status_.ok()) << banen_test_status_;            \
  } while (0)

#define EXPECT_OK(expr)                                                    \
  do {                                                                     \
    const absl::Status banen_test_status_ = ::banen::test::StatusOf(expr); \
    EXPECT_TRUE(banen_test_status_.ok()) << banen_test_status_;            \
  } while (0)

// `ASSERT_OK_AND_ASSIGN(T x, StatusOr<T> expr)`.
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                     \
  ASSERT_OK_AND_ASSIGN_IMPL_(BANEN_CONCAT_(banen_test_statusor_, __LINE__), \
                             lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  ASSERT_TRUE(statusor.ok()) << statusor.status();      \
  lhs = std::move(statusor).value()

// A Status or StatusOr with exactly `code`.
MATCHER_P(StatusIs, code, "") {
  const absl::Status& status = ::banen::test::StatusOf(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

// Checks a rejection made by EventError: `code`, the EventErrorDetail
// {index, field} and, for an event of the batch (index >= 0), the message
// "event <index>: <field>: <reason>". `field` nullopt: any field.
inline ::testing::AssertionResult CheckEventError(
    const absl::Status& status, absl::StatusCode code, int index,
    const std::optional<std::string>& field) {
  if (status.code() != code) {
    return ::testing::AssertionFailure()
           << "expected code " << absl::StatusCodeToString(code)
           << ", got status " << status;
  }
  std::optional<EventErrorDetail> detail = GetEventErrorDetail(status);
  if (!detail.has_value()) {
    return ::testing::AssertionFailure()
           << "no EventErrorDetail in status " << status;
  }
  if (detail->event_index != index) {
    return ::testing::AssertionFailure()
           << "expected event_index " << index << ", got "
           << detail->event_index << " in status " << status;
  }
  if (field.has_value() && detail->field != *field) {
    return ::testing::AssertionFailure()
           << "expected field \"" << *field << "\", got \"" << detail->field
           << "\" in status " << status;
  }
  if (index >= 0) {
    const std::string prefix =
        absl::StrCat("event ", index, ": ", detail->field, ": ");
    if (!absl::StartsWith(status.message(), prefix) ||
        status.message() != absl::StrCat(prefix, detail->reason)) {
      return ::testing::AssertionFailure()
             << "message \"" << status.message() << "\" is not \"" << prefix
             << detail->reason << "\"";
    }
  }
  return ::testing::AssertionSuccess();
}

// A clock the test moves by hand; safe to read from several threads.
class FakeClock {
 public:
  explicit FakeClock(absl::Time now) : now_(now) {}
  absl::Time Now() const {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Set(absl::Time now) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = now;
  }
  void Advance(absl::Duration by) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += by;
  }

 private:
  mutable std::mutex mu_;
  absl::Time now_;
};

// Counts the calls of an EventLog test hook (EventLogOptions::
// on_append_queued, on_group_staged) so a test can wait, without sleeping,
// until an append is in flight or a group is staged.
class HookCalls {
 public:
  std::function<void()> Hook() {
    return [this] {
      absl::MutexLock lock(&mu_);
      ++queued_;
    };
  }
  // Blocks until `count` appends have been queued in all.
  void WaitFor(int count) {
    absl::MutexLock lock(&mu_);
    const auto reached = [this, count]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return queued_ >= count;
    };
    mu_.Await(absl::Condition(&reached));
  }

 private:
  absl::Mutex mu_;
  int queued_ ABSL_GUARDED_BY(mu_) = 0;
};

// 2025-01-01 12:00:00 UTC: effective dates up to 2026-01-02 are allowed.
inline absl::Time T0() {
  return absl::FromCivil(absl::CivilSecond(2025, 1, 1, 12, 0, 0),
                         absl::UTCTimeZone());
}

// A fresh directory under /tmp per test, removed in TearDown. Opens nothing,
// so a test may fork() before any thread exists.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = "/tmp/banen_ledger_test_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << "mkdtemp failed";
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  // The data directory of the log (created by EventLog::Open).
  std::string log_dir() const { return dir_ + "/ledger"; }

  std::string dir_;
};

// An EventLog in a temporary directory, opened with a fake clock at T0().
class LedgerTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) return;
    OpenLog();
  }
  void TearDown() override {
    CloseLog();
    TempDirTest::TearDown();
  }

  EventLogOptions Options() {
    EventLogOptions options;
    options.clock = [this] { return clock_.Now(); };
    return options;
  }
  void OpenLog() { OpenLog(Options()); }
  void OpenLog(EventLogOptions options) {
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        EventLog::Open(log_dir(), std::move(options));
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }
  void CloseLog() { log_.reset(); }
  void ReopenLog() {
    CloseLog();
    OpenLog();
  }

  absl::StatusOr<AppendResult> Append(std::vector<Event> events) {
    return log_->Append(Batch(std::move(events)));
  }

  // Appends `events`, failing the test (at the caller's line) if rejected.
  AppendResult MustAppend(
      std::vector<Event> events,
      std::source_location where = std::source_location::current()) {
    absl::StatusOr<AppendResult> result = Append(std::move(events));
    if (!result.ok()) {
      ADD_FAILURE_AT(where.file_name(), where.line())
          << "append rejected: " << result.status();
      return AppendResult{};
    }
    return *std::move(result);
  }

  // Expects `batch` to be rejected with `code` naming event `index` and
  // `field` (nullopt: any), and the head to be unchanged afterwards.
  void ExpectBatchRejected(
      AppendBatch batch, absl::StatusCode code, int index,
      std::optional<std::string> field,
      std::source_location where = std::source_location::current()) {
    ::testing::ScopedTrace trace(where.file_name(), where.line(),
                                 "ExpectBatchRejected");
    const Head before = log_->GetHead();
    absl::StatusOr<AppendResult> result = log_->Append(batch);
    EXPECT_TRUE(CheckEventError(result.status(), code, index, field));
    const Head after = log_->GetHead();
    EXPECT_EQ(after.seq, before.seq);
    EXPECT_EQ(after.hash, before.hash);
    for (const Event& event : batch.events) {
      if (absl::StatusOr<StoredEvent> stored =
              log_->GetByEventId(event.event_id);
          stored.ok()) {
        EXPECT_LE(stored->seq, before.seq)
            << event.event_id << " was stored by a rejected batch";
      }
    }
  }
  void ExpectRejected(
      std::vector<Event> events, absl::StatusCode code, int index,
      std::optional<std::string> field,
      std::source_location where = std::source_location::current()) {
    ExpectBatchRejected(Batch(std::move(events)), code, index, std::move(field),
                        where);
  }

  FakeClock clock_{T0()};
  std::unique_ptr<EventLog> log_;
};

}  // namespace banen::test

#endif  // BANEN_TESTS_LEDGER_TEST_UTIL_H_
