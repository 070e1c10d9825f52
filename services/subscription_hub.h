// Parks Subscribe streams that have sent everything stored and wakes them
// when the log's head moves past what they have sent.
//
// One thread waits on EventLog::WaitForHeadAfter for all subscribers, so a
// parked subscriber costs no thread and holds no events: it reads them from
// the log itself once woken, at its own pace (bounded memory for slow
// readers). When the log stops accepting appends (a failed storage write)
// the hub closes with the log's UNAVAILABLE error: no more events will come.
//
// Protocol: a parked waiter belongs to the hub until the hub hands it back
// by calling exactly one of its methods; OnLogAdvanced() and OnClosed() are
// called outside the hub's lock, so they may Park() again.
//
// Thread safety: all methods may be called concurrently.
#ifndef BANEN_SERVICES_SUBSCRIPTION_HUB_H_
#define BANEN_SERVICES_SUBSCRIPTION_HUB_H_

#include <cstdint>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "ledger/event_log.h"

namespace banen {

class SubscriptionHub {
 public:
  class Waiter {
   public:
    virtual ~Waiter() = default;
    // The head is past the seq the waiter parked at.
    virtual void OnLogAdvanced() = 0;
    // The hub is closing (`reason`: why no more events will come), or the
    // waiter was unparked.
    virtual void OnClosed(const absl::Status& reason) = 0;
    // Read by Park() under the hub's lock: a waiter that sets this before
    // calling Unpark() is either unparked or never parked.
    virtual bool cancelled() const = 0;
  };

  enum class ParkResult {
    kParked,  // the hub will call the waiter back
    kReady,   // the head is already past `after_seq`: go on reading
    kClosed,  // the hub is closed or the waiter cancelled: finish
  };

  // `log` must outlive the hub.
  explicit SubscriptionHub(const EventLog& log);
  // Close()s.
  ~SubscriptionHub();
  SubscriptionHub(const SubscriptionHub&) = delete;
  SubscriptionHub& operator=(const SubscriptionHub&) = delete;

  ParkResult Park(Waiter* waiter, uint64_t after_seq);
  // If `waiter` is parked, unparks it and calls its OnClosed().
  void Unpark(Waiter* waiter);
  // Calls OnClosed() of every parked waiter; later Park()s return kClosed.
  // Idempotent.
  void Close();
  // Why the hub closed (UNAVAILABLE); OK while it is open.
  absl::Status closed_reason() const;

 private:
  struct Parked {
    Waiter* waiter;
    uint64_t after_seq;
  };

  void WakeLoop();
  // Closes with `reason` and returns the waiters parked then; nothing if the
  // hub was closed already.
  std::vector<Parked> TakeAllClosing(const absl::Status& reason);

  const EventLog& log_;
  mutable absl::Mutex mutex_;
  std::vector<Parked> parked_ ABSL_GUARDED_BY(mutex_);
  absl::Status closed_reason_ ABSL_GUARDED_BY(mutex_);  // not OK: closed
  absl::Mutex join_mutex_;  // Close() may be called concurrently
  std::thread waker_ ABSL_GUARDED_BY(join_mutex_);
};

}  // namespace banen

#endif  // BANEN_SERVICES_SUBSCRIPTION_HUB_H_
