#include "client/backoff.h"

#include <algorithm>

#include "base/assert.h"

namespace keel::client {

Backoff::Backoff(const BackoffOptions& options, uint64_t seed)
    : options_(options), rng_(seed), base_ms_(static_cast<double>(options.initial.count())) {
    KEEL_ASSERT(options.initial.count() > 0);
    KEEL_ASSERT(options.initial <= options.max);
    KEEL_ASSERT(options.multiplier >= 1.0);
    KEEL_ASSERT(options.jitter >= 0.0);
    KEEL_ASSERT(options.jitter <= 1.0);
}

std::chrono::milliseconds Backoff::Next() {
    const double max_ms = static_cast<double>(options_.max.count());
    const double base_ms = std::min(base_ms_, max_ms);
    // Keep (1 - jitter) of the base and draw the rest: [base * (1 - jitter), base].
    const double delay_ms = base_ms * (1.0 - options_.jitter * rng_.Fraction());
    base_ms_ = std::min(base_ms_ * options_.multiplier, max_ms);
    ++steps_;
    const auto delay =
        std::chrono::milliseconds(std::max<int64_t>(1, static_cast<int64_t>(delay_ms)));
    KEEL_ASSERT(delay.count() > 0);
    KEEL_ASSERT(delay <= options_.max);
    return delay;
}

}  // namespace keel::client
