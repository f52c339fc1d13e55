#include "server/metrics_registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

#include <absl/strings/str_cat.h>

#include "base/assert.h"

namespace keel::server {
namespace {

constexpr double kNanosPerSecond = 1e9;

// Go's 'g' with the shortest precision switches to an exponent below 1e-4 and from 1e6 on
// (strconv/ftoa.go: eprec is 6 when the precision is the shortest).
constexpr int kFixedExponentMin = -4;
constexpr int kFixedExponentEnd = 6;

double Seconds(std::chrono::nanoseconds d) {
    return static_cast<double>(d.count()) / kNanosPerSecond;
}

bool IsMetricName(std::string_view name) {
    if (name.empty()) {
        return false;
    }
    for (size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        const bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && i > 0)) {
            return false;
        }
    }
    return true;
}

// A label value in the text format: backslash, double quote and newline escaped.
std::string EscapeLabelValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string RenderLabels(const MetricsRegistry::Labels& labels) {
    if (labels.empty()) {
        return "";
    }
    std::string out = "{";
    for (size_t i = 0; i < labels.size(); ++i) {
        absl::StrAppend(&out,
                        i == 0 ? "" : ",",
                        labels[i].first,
                        "=\"",
                        EscapeLabelValue(labels[i].second),
                        "\"");
    }
    return out + "}";
}

}  // namespace

std::vector<std::chrono::nanoseconds> DurationHistogram::ExponentialBounds(
    std::chrono::nanoseconds first, size_t count) {
    KEEL_ASSERT(first.count() > 0);
    KEEL_ASSERT(count > 0);
    KEEL_ASSERT(count <= kBoundsMax);
    std::vector<std::chrono::nanoseconds> bounds;
    bounds.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        bounds.push_back(first * (int64_t{1} << i));
    }
    return bounds;
}

DurationHistogram::DurationHistogram(const std::vector<std::chrono::nanoseconds>& bounds)
    : bound_count_(bounds.size()) {
    KEEL_ASSERT(!bounds.empty());
    KEEL_ASSERT(bounds.size() <= kBoundsMax);
    for (size_t i = 0; i < bounds.size(); ++i) {
        if (i > 0) {
            KEEL_ASSERT(bounds[i] > bounds[i - 1]);
        }
        bounds_ns_[i] = bounds[i].count();
    }
}

void DurationHistogram::Observe(std::chrono::nanoseconds latency) {
    const int64_t ns = std::max<int64_t>(latency.count(), 0);
    size_t i = 0;
    while (i < bound_count_ && ns > bounds_ns_[i]) {
        ++i;
    }
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<uint64_t>(ns), std::memory_order_relaxed);
}

DurationHistogram::Reading DurationHistogram::Read() const {
    Reading reading;
    reading.bounds.reserve(bound_count_);
    reading.cumulative.reserve(bound_count_ + 1);
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= bound_count_; ++i) {
        cumulative += buckets_[i].load(std::memory_order_relaxed);
        reading.cumulative.push_back(cumulative);
        if (i < bound_count_) {
            reading.bounds.emplace_back(bounds_ns_[i]);
        }
    }
    reading.sum = std::chrono::nanoseconds(sum_ns_.load(std::memory_order_relaxed));
    return reading;
}

std::string FormatPrometheusFloat(double value) {
    KEEL_ASSERT(std::isfinite(value));
    if (value == 0) {
        return "0";
    }
    // The shortest digits that read back as `value`, in scientific form ("1.5e+06", "1e-05"),
    // tell the decimal exponent; fixed form ("0.0001") is used in Go's range.
    std::array<char, 64> buffer{};
    auto [end, error] = std::to_chars(
        buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::scientific);
    KEEL_ASSERT(error == std::errc());
    const std::string_view scientific(buffer.data(), static_cast<size_t>(end - buffer.data()));
    const size_t e = scientific.find('e');
    KEEL_ASSERT(e != std::string_view::npos);
    int exponent = 0;
    const std::string_view digits = scientific.substr(e + 1);
    const size_t skip = digits.front() == '+' ? 1 : 0;  // from_chars takes '-' but not '+'
    auto parsed = std::from_chars(digits.data() + skip, digits.data() + digits.size(), exponent);
    KEEL_ASSERT(parsed.ec == std::errc());
    if (exponent < kFixedExponentMin || exponent >= kFixedExponentEnd) {
        return std::string(scientific);
    }
    auto [fixed_end, fixed_error] = std::to_chars(
        buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::fixed);
    KEEL_ASSERT(fixed_error == std::errc());
    return std::string(buffer.data(), static_cast<size_t>(fixed_end - buffer.data()));
}

void MetricsRegistry::AddCounter(std::string name, std::string help, const Counter& counter) {
    AddCounter(std::move(name), std::move(help), [&counter] { return counter.value(); });
}

void MetricsRegistry::AddCounter(std::string name,
                                 std::string help,
                                 std::function<uint64_t()> read) {
    Add(Family{.name = std::move(name),
               .help = std::move(help),
               .type = Type::kCounter,
               .read = [read = std::move(read)] {
                   return static_cast<int64_t>(read());
               }});
}

void MetricsRegistry::AddGauge(std::string name, std::string help, const Gauge& gauge) {
    AddGauge(std::move(name), std::move(help), [&gauge] { return gauge.value(); });
}

void MetricsRegistry::AddGauge(std::string name,
                               std::string help,
                               std::function<int64_t()> read,
                               Labels labels) {
    Add(Family{.name = std::move(name),
               .help = std::move(help),
               .type = Type::kGauge,
               .labels = std::move(labels),
               .read = std::move(read)});
}

void MetricsRegistry::AddHistogram(std::string name,
                                   std::string help,
                                   const DurationHistogram& histogram) {
    Add(Family{.name = std::move(name),
               .help = std::move(help),
               .type = Type::kHistogram,
               .histogram = &histogram});
}

void MetricsRegistry::Add(Family family) {
    KEEL_ASSERT_MSG(IsMetricName(family.name), "not a metric name: %s", family.name);
    KEEL_ASSERT(family.help.find('\n') == std::string::npos);
    for (const Family& other : families_) {
        KEEL_ASSERT_MSG(other.name != family.name, "metric %s registered twice", family.name);
    }
    if (family.type == Type::kHistogram) {
        KEEL_ASSERT(family.histogram != nullptr);
    } else {
        KEEL_ASSERT(family.read != nullptr);
    }
    families_.push_back(std::move(family));
}

std::string MetricsRegistry::Render() const {
    std::string out;
    for (const Family& f : families_) {
        const char* type = f.type == Type::kCounter ? "counter"
                           : f.type == Type::kGauge ? "gauge"
                                                    : "histogram";
        absl::StrAppend(&out, "# HELP ", f.name, " ", f.help, "\n# TYPE ", f.name, " ", type, "\n");
        if (f.type != Type::kHistogram) {
            absl::StrAppend(&out, f.name, RenderLabels(f.labels), " ", f.read(), "\n");
            continue;
        }
        const DurationHistogram::Reading reading = f.histogram->Read();
        for (size_t i = 0; i < reading.cumulative.size(); ++i) {
            const std::string le = i < reading.bounds.size()
                                       ? FormatPrometheusFloat(Seconds(reading.bounds[i]))
                                       : "+Inf";
            absl::StrAppend(&out, f.name, "_bucket{le=\"", le, "\"} ", reading.cumulative[i], "\n");
        }
        absl::StrAppend(&out, f.name, "_sum ", FormatPrometheusFloat(Seconds(reading.sum)), "\n");
        absl::StrAppend(&out, f.name, "_count ", reading.cumulative.back(), "\n");
    }
    return out;
}

}  // namespace keel::server
