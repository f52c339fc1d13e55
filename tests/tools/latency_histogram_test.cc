#include "keel-bench/latency_histogram.h"

#include <algorithm>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace keel::bench {
namespace {

TEST(LatencyHistogram, SmallValuesAreExact) {
    LatencyHistogram h;
    for (uint64_t v = 1; v <= 100; ++v) {
        h.Record(v);
    }
    EXPECT_EQ(h.count(), 100u);
    EXPECT_EQ(h.min_ns(), 1u);
    EXPECT_EQ(h.max_ns(), 100u);
    EXPECT_EQ(h.ValueAtQuantile(0.5), 50u);
    EXPECT_EQ(h.ValueAtQuantile(0.99), 99u);
    EXPECT_EQ(h.ValueAtQuantile(1.0), 100u);
    EXPECT_EQ(h.ValueAtQuantile(0.0), 1u);
    EXPECT_DOUBLE_EQ(h.mean_ns(), 50.5);
}

TEST(LatencyHistogram, BucketsAreContiguousAndContainTheirValues) {
    for (size_t b = 1; b + 1 < LatencyHistogram::kBucketCount; ++b) {
        const uint64_t upper = LatencyHistogram::BucketUpperBound(b);
        ASSERT_EQ(LatencyHistogram::BucketOf(upper), b) << b;
        ASSERT_EQ(LatencyHistogram::BucketOf(upper + 1), b + 1) << b;
    }
    EXPECT_EQ(LatencyHistogram::BucketOf(UINT64_MAX), LatencyHistogram::kBucketCount - 1);
}

TEST(LatencyHistogram, QuantilesWithinOnePercentOfASortedVector) {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> latency(14.0, 1.5);  // around 1 ms, long tail
    std::vector<uint64_t> values;
    LatencyHistogram a;
    LatencyHistogram b;
    for (int i = 0; i < 100000; ++i) {
        const auto v = static_cast<uint64_t>(latency(rng));
        values.push_back(v);
        (i % 2 == 0 ? a : b).Record(v);
    }
    a.Merge(b);
    std::sort(values.begin(), values.end());
    ASSERT_EQ(a.count(), values.size());
    EXPECT_EQ(a.max_ns(), values.back());
    EXPECT_EQ(a.min_ns(), values.front());
    for (const double q : {0.5, 0.9, 0.99, 0.999}) {
        const uint64_t exact = values[static_cast<size_t>(q * values.size()) - 1];
        const auto got = static_cast<double>(a.ValueAtQuantile(q));
        EXPECT_GE(got, static_cast<double>(exact)) << q;
        EXPECT_LE(got, static_cast<double>(exact) * 1.01) << q;
    }
}

TEST(LatencyHistogram, EmptyReportsZero) {
    const LatencyHistogram h;
    EXPECT_EQ(h.ValueAtQuantile(0.99), 0u);
    EXPECT_EQ(h.min_ns(), 0u);
    EXPECT_EQ(h.max_ns(), 0u);
    EXPECT_EQ(h.mean_ns(), 0.0);
}

}  // namespace
}  // namespace keel::bench
