// Linked into every test program of a TSan build, and into banen-ledgerd
// and banenctl, which tests run as children (BANEN_SANITIZE=thread;
// tests/CMakeLists.txt). Debian's abseil is built without TSan, so TSan does
// not see the ordering an absl::Mutex gives: its Lock and Unlock are futex
// calls inside an uninstrumented library, and every member guarded by one
// was reported as a race. These definitions take the place of abseil's (the
// program's symbols come before its libraries', so gRPC's calls land here
// too), call abseil's own through dlsym(RTLD_NEXT), and tell TSan what they
// did: an acquire after each way of taking a mutex, a release before each
// way of letting it go (including the waits of Await and CondVar, which let
// it go and take it again inside abseil). Reader locks are annotated as the
// writer's, which only adds order between readers.
//
// absl::Notification::HasBeenNotified() is inline and reads its flag
// without a call that could be annotated: wait with WaitForNotification*()
// in code that runs under TSan.
#include <sanitizer/tsan_interface.h>

#include <string_view>

#include "absl/base/config.h"
#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "tests/tsan_original.h"

// The mangled names below spell abseil's inline namespace.
#define BANEN_STRING(name) #name
#define BANEN_EXPANDED_STRING(name) BANEN_STRING(name)
static_assert(std::string_view(BANEN_EXPANDED_STRING(
                  ABSL_OPTION_INLINE_NAMESPACE_NAME)) == "debian3");

namespace {

using banen::tsan::Original;

// A waiter's condition as abseil evaluates it, with the mutex held, by the
// waiting thread or by the one letting the mutex go: an acquire before, so
// that it reads what the last holder wrote, and a release after, so that
// the next holder's writes come after its reads. The waiter hands this
// object (and the Condition it refers to) to the unlocking thread through
// abseil's wait queue, which TSan does not see: the release at its
// construction and the acquire on it before each evaluation say so.
class AnnotatedCondition {
 public:
  AnnotatedCondition(const absl::Condition& condition, absl::Mutex* mu)
      : condition_(condition), mu_(mu) {
    __tsan_release(this);
  }
  absl::Condition Get() { return absl::Condition(&Eval, this); }

 private:
  static bool Eval(AnnotatedCondition* self) {
    __tsan_acquire(self);
    __tsan_acquire(self->mu_);
    const bool holds = self->condition_.Eval();
    __tsan_release(self->mu_);
    return holds;
  }

  const absl::Condition& condition_;
  absl::Mutex* const mu_;
};

}  // namespace

// TSan's defaults for these programs. RocksDB, gRPC and libstdc++ are not
// instrumented either, and hand data between their threads with atomics
// TSan cannot see: their copies (memcpy and the like, which TSan intercepts)
// would be reported against our code's writes. Races in our own code are
// still reported.
extern "C" const char* __tsan_default_options() {
  return "ignore_noninstrumented_modules=1";
}

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static const auto original =
      Original<void (*)(Mutex*)>("_ZN4absl7debian35Mutex4LockEv");
  original(this);
  __tsan_acquire(this);
}

void Mutex::ReaderLock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static const auto original =
      Original<void (*)(Mutex*)>("_ZN4absl7debian35Mutex10ReaderLockEv");
  original(this);
  __tsan_acquire(this);
}

bool Mutex::TryLock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static const auto original =
      Original<bool (*)(Mutex*)>("_ZN4absl7debian35Mutex7TryLockEv");
  const bool locked = original(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

bool Mutex::ReaderTryLock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static const auto original =
      Original<bool (*)(Mutex*)>("_ZN4absl7debian35Mutex13ReaderTryLockEv");
  const bool locked = original(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

void Mutex::Unlock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static const auto original =
      Original<void (*)(Mutex*)>("_ZN4absl7debian35Mutex6UnlockEv");
  __tsan_release(this);
  original(this);
}

void Mutex::ReaderUnlock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static const auto original =
      Original<void (*)(Mutex*)>("_ZN4absl7debian35Mutex12ReaderUnlockEv");
  __tsan_release(this);
  original(this);
}

// The *When* functions return holding the mutex, whatever they answer.
void Mutex::LockWhen(const Condition& condition)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static const auto original = Original<void (*)(Mutex*, const Condition&)>(
      "_ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE");
  original(this, AnnotatedCondition(condition, this).Get());
  __tsan_acquire(this);
}

void Mutex::ReaderLockWhen(const Condition& condition)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static const auto original = Original<void (*)(Mutex*, const Condition&)>(
      "_ZN4absl7debian35Mutex14ReaderLockWhenERKNS0_9ConditionE");
  original(this, AnnotatedCondition(condition, this).Get());
  __tsan_acquire(this);
}

bool Mutex::LockWhenWithTimeout(const Condition& condition, Duration timeout)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static const auto original =
      Original<bool (*)(Mutex*, const Condition&, Duration)>(
          "_ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_"
          "9ConditionENS0_8DurationE");
  const bool met =
      original(this, AnnotatedCondition(condition, this).Get(), timeout);
  __tsan_acquire(this);
  return met;
}

bool Mutex::LockWhenWithDeadline(const Condition& condition,
                                 Time deadline) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static const auto original =
      Original<bool (*)(Mutex*, const Condition&, Time)>(
          "_ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_"
          "9ConditionENS0_4TimeE");
  const bool met =
      original(this, AnnotatedCondition(condition, this).Get(), deadline);
  __tsan_acquire(this);
  return met;
}

void Mutex::Await(const Condition& condition) {
  static const auto original = Original<void (*)(Mutex*, const Condition&)>(
      "_ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE");
  __tsan_release(this);
  original(this, AnnotatedCondition(condition, this).Get());
  __tsan_acquire(this);
}

bool Mutex::AwaitWithTimeout(const Condition& condition, Duration timeout) {
  static const auto original =
      Original<bool (*)(Mutex*, const Condition&, Duration)>(
          "_ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_"
          "9ConditionENS0_8DurationE");
  __tsan_release(this);
  const bool met =
      original(this, AnnotatedCondition(condition, this).Get(), timeout);
  __tsan_acquire(this);
  return met;
}

bool Mutex::AwaitWithDeadline(const Condition& condition, Time deadline) {
  static const auto original =
      Original<bool (*)(Mutex*, const Condition&, Time)>(
          "_ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_"
          "9ConditionENS0_4TimeE");
  __tsan_release(this);
  const bool met =
      original(this, AnnotatedCondition(condition, this).Get(), deadline);
  __tsan_acquire(this);
  return met;
}

void CondVar::Wait(Mutex* mu) {
  static const auto original = Original<void (*)(CondVar*, Mutex*)>(
      "_ZN4absl7debian37CondVar4WaitEPNS0_5MutexE");
  __tsan_release(mu);
  original(this, mu);
  __tsan_acquire(mu);
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  static const auto original = Original<bool (*)(CondVar*, Mutex*, Duration)>(
      "_ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_"
      "8DurationE");
  __tsan_release(mu);
  const bool timed_out = original(this, mu, timeout);
  __tsan_acquire(mu);
  return timed_out;
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  static const auto original = Original<bool (*)(CondVar*, Mutex*, Time)>(
      "_ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  __tsan_release(mu);
  const bool timed_out = original(this, mu, deadline);
  __tsan_acquire(mu);
  return timed_out;
}

void Notification::Notify() {
  static const auto original = Original<void (*)(Notification*)>(
      "_ZN4absl7debian312Notification6NotifyEv");
  __tsan_release(this);
  original(this);
}

void Notification::WaitForNotification() const {
  static const auto original = Original<void (*)(const Notification*)>(
      "_ZNK4absl7debian312Notification19WaitForNotificationEv");
  original(this);
  __tsan_acquire(const_cast<Notification*>(this));
}

bool Notification::WaitForNotificationWithTimeout(Duration timeout) const {
  static const auto original =
      Original<bool (*)(const Notification*, Duration)>(
          "_ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_"
          "8DurationE");
  const bool notified = original(this, timeout);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(Time deadline) const {
  static const auto original = Original<bool (*)(const Notification*, Time)>(
      "_ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_"
      "4TimeE");
  const bool notified = original(this, deadline);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl
