#include "keel-bench/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "base/assert.h"

namespace keel::bench {

LatencyHistogram::LatencyHistogram() : counts_(kBucketCount, 0) {}

size_t LatencyHistogram::BucketOf(uint64_t value_ns) {
    if (value_ns < kSubBucketCount) {
        return value_ns;
    }
    const int msb = 63 - std::countl_zero(value_ns);
    const int shift = msb - kSubBucketBits;
    // (value >> shift) is in [kSubBucketCount, 2 * kSubBucketCount).
    return static_cast<size_t>(shift + 1) * kSubBucketCount
           + ((value_ns >> shift) - kSubBucketCount);
}

uint64_t LatencyHistogram::BucketUpperBound(size_t bucket) {
    KEEL_ASSERT(bucket < kBucketCount);
    if (bucket < kSubBucketCount) {
        return bucket;
    }
    const int shift = static_cast<int>(bucket / kSubBucketCount) - 1;
    const uint64_t sub = bucket % kSubBucketCount + kSubBucketCount;
    if (shift + kSubBucketBits >= 63 && sub == 2 * kSubBucketCount - 1) {
        return UINT64_MAX;
    }
    return ((sub + 1) << shift) - 1;
}

void LatencyHistogram::Record(uint64_t value_ns) {
    ++counts_[BucketOf(value_ns)];
    ++count_;
    min_ns_ = std::min(min_ns_, value_ns);
    max_ns_ = std::max(max_ns_, value_ns);
    sum_ns_ += static_cast<long double>(value_ns);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
    for (size_t i = 0; i < kBucketCount; ++i) {
        counts_[i] += other.counts_[i];
    }
    count_ += other.count_;
    min_ns_ = std::min(min_ns_, other.min_ns_);
    max_ns_ = std::max(max_ns_, other.max_ns_);
    sum_ns_ += other.sum_ns_;
}

double LatencyHistogram::mean_ns() const {
    return count_ == 0 ? 0.0 : static_cast<double>(sum_ns_ / static_cast<long double>(count_));
}

uint64_t LatencyHistogram::ValueAtQuantile(double quantile) const {
    KEEL_ASSERT(quantile >= 0.0);
    KEEL_ASSERT(quantile <= 1.0);
    if (count_ == 0) {
        return 0;
    }
    // The rank of the wanted value, 1-based: at least 1 so that quantile 0 is the minimum.
    const auto rank = std::max<uint64_t>(
        1, static_cast<uint64_t>(std::ceil(quantile * static_cast<double>(count_))));
    uint64_t seen = 0;
    for (size_t i = 0; i < kBucketCount; ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            return std::clamp(BucketUpperBound(i), min_ns_, max_ns_);
        }
    }
    KEEL_ASSERT_MSG(false, "rank %d beyond count %d", rank, count_);
    return max_ns_;
}

}  // namespace keel::bench
