#include "services/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "ledger/absl_compat.h"

namespace banen {
namespace {

std::string EscapeLabelValue(std::string_view value) {
  return absl::StrReplaceAll(AbslView(value),
                             {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
}

std::string EscapeHelp(std::string_view help) {
  return absl::StrReplaceAll(AbslView(help), {{"\\", "\\\\"}, {"\n", "\\n"}});
}

// `{a="x",le="0.5"}`, or nothing without labels.
std::string LabelText(
    const MetricLabels& labels,
    const std::pair<std::string, std::string>* extra = nullptr) {
  if (labels.empty() && extra == nullptr) return "";
  std::string text = "{";
  const auto add = [&text](const std::pair<std::string, std::string>& label) {
    if (text.size() > 1) text += ",";
    absl::StrAppend(&text, label.first, "=\"", EscapeLabelValue(label.second),
                    "\"");
  };
  for (const auto& label : labels) add(label);
  if (extra != nullptr) add(*extra);
  text += "}";
  return text;
}

// Whole numbers (seqs, bytes) exactly, others with full precision.
std::string NumberText(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  if (value == std::trunc(value) && std::fabs(value) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  // The shortest text that reads back as the same double (0.1, not
  // 0.10000000000000001).
  char buffer[32];
  const auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i] = 0;
}

void Histogram::Observe(double value) {
  const size_t bucket =
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::BucketCounts() const {
  std::vector<uint64_t> counts(bounds_.size() + 1);
  for (size_t i = 0; i < counts.size(); ++i) {
    counts[i] = counts_[i].load(std::memory_order_relaxed);
  }
  return counts;
}

MetricsRegistry::Child& MetricsRegistry::ChildOf(std::string_view name,
                                                 std::string_view help,
                                                 Type type,
                                                 MetricLabels labels) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_
             .emplace(std::string(name), Family{type, std::string(help), {}})
             .first;
  } else if (it->second.type != type || it->second.help != help) {
    std::fprintf(stderr,
                 "metrics: %s registered again with another type or help\n",
                 std::string(name).c_str());
    std::abort();
  }
  for (Child& child : it->second.children) {
    if (child.labels == labels) return child;
  }
  return it->second.children.emplace_back(Child{std::move(labels), {}, {}, {}});
}

Counter& MetricsRegistry::AddCounter(std::string_view name,
                                     std::string_view help,
                                     MetricLabels labels) {
  absl::MutexLock lock(&mu_);
  Child& child = ChildOf(name, help, Type::kCounter, std::move(labels));
  if (child.counter == nullptr) child.counter = std::make_unique<Counter>();
  return *child.counter;
}

Histogram& MetricsRegistry::AddHistogram(std::string_view name,
                                         std::string_view help,
                                         std::vector<double> bounds,
                                         MetricLabels labels) {
  absl::MutexLock lock(&mu_);
  Child& child = ChildOf(name, help, Type::kHistogram, std::move(labels));
  if (child.histogram == nullptr) {
    child.histogram = std::make_unique<Histogram>(std::move(bounds));
  }
  return *child.histogram;
}

void MetricsRegistry::AddGauge(std::string_view name, std::string_view help,
                               std::function<double()> read,
                               MetricLabels labels) {
  absl::MutexLock lock(&mu_);
  ChildOf(name, help, Type::kGauge, std::move(labels)).gauge = std::move(read);
}

std::string MetricsRegistry::Render() const {
  absl::MutexLock lock(&mu_);
  std::string text;
  for (const auto& [name, family] : families_) {
    static constexpr const char* kTypeNames[] = {"counter", "histogram",
                                                 "gauge"};
    absl::StrAppend(&text, "# HELP ", name, " ", EscapeHelp(family.help),
                    "\n# TYPE ", name, " ",
                    kTypeNames[static_cast<int>(family.type)], "\n");
    for (const Child& child : family.children) {
      switch (family.type) {
        case Type::kCounter:
          absl::StrAppend(&text, name, LabelText(child.labels), " ",
                          child.counter->value(), "\n");
          break;
        case Type::kGauge:
          absl::StrAppend(&text, name, LabelText(child.labels), " ",
                          NumberText(child.gauge()), "\n");
          break;
        case Type::kHistogram: {
          const Histogram& histogram = *child.histogram;
          const std::vector<uint64_t> counts = histogram.BucketCounts();
          uint64_t cumulative = 0;
          for (size_t i = 0; i < counts.size(); ++i) {
            cumulative += counts[i];
            const std::pair<std::string, std::string> le(
                "le", i < histogram.bounds().size()
                          ? NumberText(histogram.bounds()[i])
                          : "+Inf");
            absl::StrAppend(&text, name, "_bucket",
                            LabelText(child.labels, &le), " ", cumulative,
                            "\n");
          }
          absl::StrAppend(&text, name, "_sum", LabelText(child.labels), " ",
                          NumberText(histogram.sum()), "\n", name, "_count",
                          LabelText(child.labels), " ", cumulative, "\n");
          break;
        }
      }
    }
  }
  return text;
}

}  // namespace banen
