// LatencyHistogram: a log-linear histogram of durations in nanoseconds, HdrHistogram-style.
//
// Values below 2^kSubBucketBits are counted exactly; above, each power-of-two range is split
// into 2^kSubBucketBits equal buckets, so a reported percentile is within 1/128 (< 0.8%) of the
// true value. Fixed memory (kBucketCount counters), O(1) Record, and histograms merge by
// adding counters, so each worker thread keeps its own and the report merges them.
//
// Not thread-safe: one owner thread at a time.
// Invariant: count_ == sum of counts_; if count_ > 0 then min_ns_ <= max_ns_.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace keel::bench {

class LatencyHistogram {
public:
    static constexpr int kSubBucketBits = 7;
    static constexpr uint64_t kSubBucketCount = uint64_t{1} << kSubBucketBits;
    // Octaves 0..(63 - kSubBucketBits) after the exact range, kSubBucketCount buckets each.
    static constexpr size_t kBucketCount = (64 - kSubBucketBits + 1) * kSubBucketCount;

    LatencyHistogram();

    void Record(uint64_t value_ns);
    // Adds every count of `other` into this histogram.
    void Merge(const LatencyHistogram& other);

    uint64_t count() const { return count_; }

    uint64_t min_ns() const { return count_ == 0 ? 0 : min_ns_; }

    uint64_t max_ns() const { return max_ns_; }

    double mean_ns() const;

    // The smallest recorded value v such that at least `quantile` of all values are <= v, up to
    // the bucket width (reported as the bucket's upper bound, clamped to the maximum seen).
    // Precondition: 0 <= quantile <= 1. Returns 0 for an empty histogram.
    uint64_t ValueAtQuantile(double quantile) const;

    // Bucket arithmetic, public for tests.
    static size_t BucketOf(uint64_t value_ns);
    static uint64_t BucketUpperBound(size_t bucket);

private:
    std::vector<uint64_t> counts_;
    uint64_t count_ = 0;
    uint64_t min_ns_ = UINT64_MAX;
    uint64_t max_ns_ = 0;
    long double sum_ns_ = 0;
};

}  // namespace keel::bench
