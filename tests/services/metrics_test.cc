// MetricsRegistry (services/metrics.h): the exact text a scrape gets.
#include "services/metrics.h"

#include <string>

#include "gtest/gtest.h"

namespace banen {
namespace {

TEST(MetricsRegistry, RendersACounterWithHelpAndType) {
  MetricsRegistry registry;
  registry.AddCounter("banen_things_total", "Things done").Add(3);
  EXPECT_EQ(registry.Render(),
            "# HELP banen_things_total Things done\n"
            "# TYPE banen_things_total counter\n"
            "banen_things_total 3\n");
}

TEST(MetricsRegistry, RendersLabelledChildrenOfOneFamilyInRegistrationOrder) {
  MetricsRegistry registry;
  registry.AddCounter("banen_events_total", "Events", {{"kind", "B"}}).Add(2);
  registry.AddCounter("banen_events_total", "Events", {{"kind", "A"}}).Add(1);
  EXPECT_EQ(registry.Render(),
            "# HELP banen_events_total Events\n"
            "# TYPE banen_events_total counter\n"
            "banen_events_total{kind=\"B\"} 2\n"
            "banen_events_total{kind=\"A\"} 1\n");
}

TEST(MetricsRegistry, SameNameAndLabelsIsTheSameCounter) {
  MetricsRegistry registry;
  Counter& first = registry.AddCounter("banen_x_total", "X", {{"a", "1"}});
  Counter& second = registry.AddCounter("banen_x_total", "X", {{"a", "1"}});
  EXPECT_EQ(&first, &second);
}

TEST(MetricsRegistry, RendersFamiliesInNameOrder) {
  MetricsRegistry registry;
  registry.AddCounter("banen_b_total", "B");
  registry.AddCounter("banen_a_total", "A");
  EXPECT_EQ(registry.Render(),
            "# HELP banen_a_total A\n"
            "# TYPE banen_a_total counter\n"
            "banen_a_total 0\n"
            "# HELP banen_b_total B\n"
            "# TYPE banen_b_total counter\n"
            "banen_b_total 0\n");
}

TEST(MetricsRegistry, RendersCumulativeHistogramBucketsSumAndCount) {
  MetricsRegistry registry;
  Histogram& histogram = registry.AddHistogram(
      "banen_latency_seconds", "Latency", {0.1, 1}, {{"rpc", "Get"}});
  histogram.Observe(0.05);
  histogram.Observe(0.1);  // on a bound: counted in that bucket (le)
  histogram.Observe(0.5);
  histogram.Observe(7);
  EXPECT_EQ(registry.Render(),
            "# HELP banen_latency_seconds Latency\n"
            "# TYPE banen_latency_seconds histogram\n"
            "banen_latency_seconds_bucket{rpc=\"Get\",le=\"0.1\"} 2\n"
            "banen_latency_seconds_bucket{rpc=\"Get\",le=\"1\"} 3\n"
            "banen_latency_seconds_bucket{rpc=\"Get\",le=\"+Inf\"} 4\n"
            "banen_latency_seconds_sum{rpc=\"Get\"} 7.65\n"
            "banen_latency_seconds_count{rpc=\"Get\"} 4\n");
}

TEST(MetricsRegistry, ReadsGaugesAtTheScrape) {
  MetricsRegistry registry;
  double value = 1;
  registry.AddGauge("banen_head_seq", "Head", [&value] { return value; });
  value = 1234567;
  EXPECT_EQ(registry.Render(),
            "# HELP banen_head_seq Head\n"
            "# TYPE banen_head_seq gauge\n"
            "banen_head_seq 1234567\n");
}

TEST(MetricsRegistry, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  registry.AddCounter("banen_x_total", "a\\b\nc", {{"v", "q\"\\\n"}});
  EXPECT_EQ(registry.Render(),
            "# HELP banen_x_total a\\\\b\\nc\n"
            "# TYPE banen_x_total counter\n"
            "banen_x_total{v=\"q\\\"\\\\\\n\"} 0\n");
}

TEST(MetricsRegistryDeathTest, RefusesANameRegisteredWithAnotherType) {
  MetricsRegistry registry;
  registry.AddCounter("banen_x", "X");
  EXPECT_DEATH(registry.AddGauge("banen_x", "X", [] { return 0.0; }),
               "banen_x registered again");
}

}  // namespace
}  // namespace banen
