// MetricsRegistry: counters, histograms and gauges, rendered in the
// Prometheus text exposition format (version 0.0.4) for a scrape.
//
// Cost: Counter::Add and Histogram::Observe are relaxed atomic adds, with no
// lock, so the append path can count every batch. Gauges cost nothing until
// a scrape reads them. Registering and rendering take the registry's mutex;
// both are rare (start-up, one scrape every few seconds).
//
// Names and labels: the caller keeps to Prometheus conventions (counters end
// in _total, units in the name: _seconds, _bytes). A family is one name, one
// type and one help text, with a child per distinct label set; registering a
// name again with another type or help is a programming error and aborts.
//
// Thread safety: every method may be called concurrently. Ownership: the
// registry owns its metrics; the references it hands out live as long as it.
#ifndef BANEN_SERVICES_METRICS_H_
#define BANEN_SERVICES_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace banen {

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Observations counted into fixed buckets, each the count of values <= its
// upper bound, plus their sum.
class Histogram {
 public:
  // `bounds`: strictly increasing, finite; the +Inf bucket is implied.
  explicit Histogram(std::vector<double> bounds);

  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Per bucket (the last one +Inf), not cumulative.
  std::vector<uint64_t> BucketCounts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  // bounds_.size() + 1 buckets.
  const std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Label names and values, in the order they are rendered.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Counter& AddCounter(std::string_view name, std::string_view help,
                      MetricLabels labels = {});
  Histogram& AddHistogram(std::string_view name, std::string_view help,
                          std::vector<double> bounds, MetricLabels labels = {});
  // `read` is called on the scraping thread, under the registry's mutex: it
  // must be cheap and must not call the registry.
  void AddGauge(std::string_view name, std::string_view help,
                std::function<double()> read, MetricLabels labels = {});

  // Every family in name order, children in registration order.
  std::string Render() const;

 private:
  enum class Type { kCounter, kHistogram, kGauge };
  struct Child {
    MetricLabels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> gauge;
  };
  struct Family {
    Type type;
    std::string help;
    std::vector<Child> children;
  };

  // The child of (name, labels), added if missing.
  Child& ChildOf(std::string_view name, std::string_view help, Type type,
                 MetricLabels labels) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, Family, std::less<>> families_ ABSL_GUARDED_BY(mu_);
};

}  // namespace banen

#endif  // BANEN_SERVICES_METRICS_H_
