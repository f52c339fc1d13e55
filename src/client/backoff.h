// Backoff: the delays between a call's attempts (exponential, capped, with jitter). Pure: time
// and randomness come from the caller (a seeded base::Rng), so tests are deterministic.
//
// Not thread-safe: one per call.
// Invariant: 0 < Next() <= options.max.
#pragma once

#include <chrono>
#include <cstdint>

#include "base/rng.h"
#include "keel/client_options.h"

namespace keel::client {

class Backoff {
public:
    // Precondition: 0 < initial <= max, multiplier >= 1, 0 <= jitter <= 1.
    Backoff(const BackoffOptions& options, uint64_t seed);

    // The delay before the next attempt; each call moves one step up the exponential curve.
    std::chrono::milliseconds Next();

    // How many delays Next handed out.
    int steps() const { return steps_; }

private:
    BackoffOptions options_;
    base::Rng rng_;
    double base_ms_;
    int steps_ = 0;
};

}  // namespace keel::client
