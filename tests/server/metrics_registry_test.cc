#include "server/metrics_registry.h"

#include <gtest/gtest.h>

namespace keel::server {
namespace {

using namespace std::chrono_literals;

TEST(MetricsRegistry, RendersASmallRegistryExactly) {
    Counter requests;
    requests.Add(3);
    requests.Add();
    Gauge in_flight;
    in_flight.Add(5);
    in_flight.Add(-2);
    DurationHistogram latency(DurationHistogram::ExponentialBounds(1ms, 3));  // 1, 2, 4 ms
    latency.Observe(500us);                                                   // <= 1 ms
    latency.Observe(1ms);   // <= 1 ms: a bound is inclusive
    latency.Observe(3ms);   // <= 4 ms
    latency.Observe(10ms);  // +Inf only

    MetricsRegistry registry;
    registry.AddCounter("app_requests_total", "Requests served.", requests);
    registry.AddGauge("app_in_flight", "Requests in flight.", in_flight);
    registry.AddGauge(
        "app_version", "The version.", [] { return int64_t{1}; }, {{"v", "1.2 \"x\"\\"}});
    registry.AddHistogram("app_latency_seconds", "Latency.", latency);
    EXPECT_EQ(registry.size(), 4u);

    EXPECT_EQ(registry.Render(),
              "# HELP app_requests_total Requests served.\n"
              "# TYPE app_requests_total counter\n"
              "app_requests_total 4\n"
              "# HELP app_in_flight Requests in flight.\n"
              "# TYPE app_in_flight gauge\n"
              "app_in_flight 3\n"
              "# HELP app_version The version.\n"
              "# TYPE app_version gauge\n"
              "app_version{v=\"1.2 \\\"x\\\"\\\\\"} 1\n"
              "# HELP app_latency_seconds Latency.\n"
              "# TYPE app_latency_seconds histogram\n"
              "app_latency_seconds_bucket{le=\"0.001\"} 2\n"
              "app_latency_seconds_bucket{le=\"0.002\"} 2\n"
              "app_latency_seconds_bucket{le=\"0.004\"} 3\n"
              "app_latency_seconds_bucket{le=\"+Inf\"} 4\n"
              "app_latency_seconds_sum 0.0145\n"
              "app_latency_seconds_count 4\n");
}

TEST(MetricsRegistry, GaugeCallbacksAreReadAtEachRender) {
    int64_t level = 7;
    MetricsRegistry registry;
    registry.AddGauge("level", "A level.", [&level] { return level; });
    EXPECT_NE(registry.Render().find("\nlevel 7\n"), std::string::npos);
    level = -2;
    EXPECT_NE(registry.Render().find("\nlevel -2\n"), std::string::npos);
}

TEST(DurationHistogram, EtcdBucketsAndBoundaries) {
    // etcd's WAL fsync buckets: 1 ms doubling to 8.192 s.
    const auto bounds = DurationHistogram::ExponentialBounds(1ms, 14);
    ASSERT_EQ(bounds.size(), 14u);
    EXPECT_EQ(bounds.front(), 1ms);
    EXPECT_EQ(bounds.back(), 8192ms);
    DurationHistogram h(bounds);
    h.Observe(-5ms);  // a clock step counts as 0
    h.Observe(8192ms);
    h.Observe(8193ms);
    const DurationHistogram::Reading r = h.Read();
    ASSERT_EQ(r.cumulative.size(), 15u);
    EXPECT_EQ(r.cumulative[0], 1u);
    EXPECT_EQ(r.cumulative[12], 1u);
    EXPECT_EQ(r.cumulative[13], 2u);
    EXPECT_EQ(r.cumulative[14], 3u);
    EXPECT_EQ(r.sum, 8192ms + 8193ms);

    MetricsRegistry registry;
    registry.AddHistogram("fsync_seconds", "Fsyncs.", h);
    const std::string page = registry.Render();
    EXPECT_NE(page.find("fsync_seconds_bucket{le=\"0.512\"} 1\n"), std::string::npos) << page;
    EXPECT_NE(page.find("fsync_seconds_bucket{le=\"8.192\"} 2\n"), std::string::npos) << page;
    EXPECT_NE(page.find("fsync_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << page;
    EXPECT_NE(page.find("fsync_seconds_sum 16.385\n"), std::string::npos) << page;
    EXPECT_NE(page.find("fsync_seconds_count 3\n"), std::string::npos) << page;
}

TEST(FormatPrometheusFloat, SpellsFloatsAsGoDoes) {
    EXPECT_EQ(FormatPrometheusFloat(0), "0");
    EXPECT_EQ(FormatPrometheusFloat(1), "1");
    EXPECT_EQ(FormatPrometheusFloat(0.001), "0.001");
    EXPECT_EQ(FormatPrometheusFloat(0.0001), "0.0001");
    EXPECT_EQ(FormatPrometheusFloat(0.00001), "1e-05");
    EXPECT_EQ(FormatPrometheusFloat(8.192), "8.192");
    EXPECT_EQ(FormatPrometheusFloat(52.4288), "52.4288");
    EXPECT_EQ(FormatPrometheusFloat(123456), "123456");
    EXPECT_EQ(FormatPrometheusFloat(1e6), "1e+06");
    EXPECT_EQ(FormatPrometheusFloat(1.5e6), "1.5e+06");
    EXPECT_EQ(FormatPrometheusFloat(0.1 + 0.2), "0.30000000000000004");
}

TEST(MetricsRegistryDeathTest, RejectsBadAndDuplicateNames) {
    Counter c;
    MetricsRegistry registry;
    registry.AddCounter("ok_total", "Fine.", c);
    EXPECT_DEATH(registry.AddCounter("ok_total", "Again.", c), "registered twice");
    EXPECT_DEATH(registry.AddCounter("1bad", "Bad.", c), "not a metric name");
    EXPECT_DEATH(registry.AddCounter("has-dash", "Bad.", c), "not a metric name");
}

}  // namespace
}  // namespace keel::server
