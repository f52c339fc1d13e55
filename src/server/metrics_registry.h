// The instruments keeld exposes at /metrics (counters, gauges, latency histograms) and the
// registry that renders them in Prometheus' text exposition format, version 0.0.4
// (http_endpoint.h serves it; server_metrics.h says which metrics a member has).
//
// The instruments are cheap enough for the write path (issue #6): Counter::Add and
// Gauge::Add are one relaxed atomic add, DurationHistogram::Observe a short scan of its
// bounds plus two relaxed adds. Nothing takes a lock until a scrape renders the page, and a
// scrape only reads. Readings are statistics: a page may show a histogram's buckets and sum
// a few observations apart, never a torn number.
//
// Threading: instruments are thread-safe. A registry is filled once (Add*, one thread) and
// then rendered from any thread; whatever it reads (instruments, callbacks) must outlive it.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace keel::server {

// A count that only goes up (Prometheus type "counter").
class Counter {
public:
    void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }

    uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> value_{0};
};

// A level its owner moves up and down (e.g. proposals in flight).
class Gauge {
public:
    void Add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }

    int64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<int64_t> value_{0};
};

// A latency histogram with fixed upper bounds (Prometheus type "histogram"). Buckets are
// stored per bound and made cumulative when read, so count is always the sum of the buckets.
// Invariant: 0 < bound count <= kBoundsMax, bounds strictly increasing.
class DurationHistogram {
public:
    static constexpr size_t kBoundsMax = 32;

    // Bounds first, 2*first, 4*first, ... (`count` of them): Prometheus' ExponentialBuckets
    // with factor 2, as etcd's histograms use.
    static std::vector<std::chrono::nanoseconds> ExponentialBounds(std::chrono::nanoseconds first,
                                                                   size_t count);

    // Precondition: `bounds` satisfies the class invariant.
    explicit DurationHistogram(const std::vector<std::chrono::nanoseconds>& bounds);

    // Counts one observation in the first bucket whose bound is >= `latency` (+Inf past the
    // last). A negative latency (a clock step) counts as 0.
    void Observe(std::chrono::nanoseconds latency);

    struct Reading {
        std::vector<std::chrono::nanoseconds> bounds;
        std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
        std::chrono::nanoseconds sum{0};
    };

    Reading Read() const;

private:
    std::array<int64_t, kBoundsMax> bounds_ns_{};
    size_t bound_count_ = 0;
    std::array<std::atomic<uint64_t>, kBoundsMax + 1> buckets_{};  // the last is +Inf
    std::atomic<uint64_t> sum_ns_{0};
};

// A float in the spelling Go's strconv.FormatFloat(v, 'g', -1, 64) gives, which is what
// etcd's pages show (0.001, 0.0001, 8.192, 1e-05, 1.5e+06), so `le` labels match etcd's
// byte for byte. Finite values only.
std::string FormatPrometheusFloat(double value);

// Named metric families, rendered in the order they were added.
class MetricsRegistry {
public:
    using Labels = std::vector<std::pair<std::string, std::string>>;

    // Each Add registers one family. `name` must be a valid Prometheus metric name, unique in
    // the registry; `help` one line. The referenced instrument or callback is read at every
    // Render and must outlive the registry.
    void AddCounter(std::string name, std::string help, const Counter& counter);
    void AddCounter(std::string name, std::string help, std::function<uint64_t()> read);
    void AddGauge(std::string name, std::string help, const Gauge& gauge);
    // A gauge read when rendered; `labels` are constant (e.g. {server_version="3.4.23"}).
    void AddGauge(std::string name,
                  std::string help,
                  std::function<int64_t()> read,
                  Labels labels = {});
    void AddHistogram(std::string name, std::string help, const DurationHistogram& histogram);

    // The whole page: per family "# HELP", "# TYPE" and its samples; a histogram's samples
    // are name_bucket{le="..."} (cumulative, ending with +Inf), name_sum (seconds) and
    // name_count.
    std::string Render() const;

    size_t size() const { return families_.size(); }

private:
    enum class Type : uint8_t {
        kCounter,
        kGauge,
        kHistogram,
    };

    struct Family {
        std::string name;
        std::string help;
        Type type = Type::kGauge;
        Labels labels;
        std::function<int64_t()> read;                 // counters and gauges
        const DurationHistogram* histogram = nullptr;  // histograms
    };

    void Add(Family family);

    std::vector<Family> families_;
};

}  // namespace keel::server
