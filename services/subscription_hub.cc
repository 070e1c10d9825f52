#include "services/subscription_hub.h"

#include <algorithm>
#include <utility>

namespace banen {
namespace {

// How long the waker sleeps in the log before it looks at closed_ again.
constexpr absl::Duration kWakeInterval = absl::Milliseconds(100);

}  // namespace

SubscriptionHub::SubscriptionHub(const EventLog& log)
    : log_(log), waker_([this] { WakeLoop(); }) {}

SubscriptionHub::~SubscriptionHub() { Close(); }

SubscriptionHub::ParkResult SubscriptionHub::Park(Waiter* waiter,
                                                  uint64_t after_seq) {
  absl::MutexLock lock(&mutex_);
  if (!closed_reason_.ok() || waiter->cancelled()) return ParkResult::kClosed;
  // Checked under the lock: an append after this check wakes the waker,
  // which then finds the waiter parked.
  if (log_.GetHead().seq > after_seq) return ParkResult::kReady;
  parked_.push_back(Parked{waiter, after_seq});
  return ParkResult::kParked;
}

void SubscriptionHub::Unpark(Waiter* waiter) {
  absl::Status reason;
  {
    absl::MutexLock lock(&mutex_);
    const auto it = std::find_if(
        parked_.begin(), parked_.end(),
        [waiter](const Parked& parked) { return parked.waiter == waiter; });
    if (it == parked_.end()) return;
    parked_.erase(it);
    reason = closed_reason_;
  }
  waiter->OnClosed(reason);
}

std::vector<SubscriptionHub::Parked> SubscriptionHub::TakeAllClosing(
    const absl::Status& reason) {
  absl::MutexLock lock(&mutex_);
  if (!closed_reason_.ok()) return {};
  closed_reason_ = reason;
  return std::exchange(parked_, {});
}

void SubscriptionHub::Close() {
  const absl::Status reason =
      absl::UnavailableError("the server is shutting down");
  const std::vector<Parked> parked = TakeAllClosing(reason);
  {
    absl::MutexLock lock(&join_mutex_);
    if (waker_.joinable()) waker_.join();
  }
  for (const Parked& entry : parked) entry.waiter->OnClosed(reason);
}

absl::Status SubscriptionHub::closed_reason() const {
  absl::MutexLock lock(&mutex_);
  return closed_reason_;
}

void SubscriptionHub::WakeLoop() {
  uint64_t seen = 0;
  while (true) {
    const Head head = log_.WaitForHeadAfter(seen, kWakeInterval);
    if (head.seq <= seen) {
      // The wait ends at once, over and over, once the log has failed: no
      // more events will come, so the subscriptions end instead.
      const absl::Status failure = log_.AppendStatus();
      if (!failure.ok()) {
        for (const Parked& entry : TakeAllClosing(failure)) {
          entry.waiter->OnClosed(failure);
        }
        return;
      }
    }
    seen = head.seq;
    std::vector<Waiter*> ready;
    {
      absl::MutexLock lock(&mutex_);
      if (!closed_reason_.ok()) return;
      const auto past = std::stable_partition(
          parked_.begin(), parked_.end(),
          [&](const Parked& parked) { return parked.after_seq >= head.seq; });
      for (auto it = past; it != parked_.end(); ++it) {
        ready.push_back(it->waiter);
      }
      parked_.erase(past, parked_.end());
    }
    for (Waiter* waiter : ready) waiter->OnLogAdvanced();
  }
}

}  // namespace banen
