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
  if (closed_ || waiter->cancelled()) return ParkResult::kClosed;
  // Checked under the lock: an append after this check wakes the waker,
  // which then finds the waiter parked.
  if (log_.GetHead().seq > after_seq) return ParkResult::kReady;
  parked_.push_back(Parked{waiter, after_seq});
  return ParkResult::kParked;
}

void SubscriptionHub::Unpark(Waiter* waiter) {
  {
    absl::MutexLock lock(&mutex_);
    const auto it = std::find_if(
        parked_.begin(), parked_.end(),
        [waiter](const Parked& parked) { return parked.waiter == waiter; });
    if (it == parked_.end()) return;
    parked_.erase(it);
  }
  waiter->OnClosed();
}

void SubscriptionHub::Close() {
  std::vector<Parked> parked;
  {
    absl::MutexLock lock(&mutex_);
    if (closed_) return;
    closed_ = true;
    parked.swap(parked_);
  }
  waker_.join();
  for (const Parked& entry : parked) entry.waiter->OnClosed();
}

void SubscriptionHub::WakeLoop() {
  uint64_t seen = 0;
  while (true) {
    const Head head = log_.WaitForHeadAfter(seen, kWakeInterval);
    seen = head.seq;
    std::vector<Waiter*> ready;
    {
      absl::MutexLock lock(&mutex_);
      if (closed_) return;
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
