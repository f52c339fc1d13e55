// A seeded, portable pseudo-random generator (xoshiro256**, seeded by splitmix64).
//
// Determinism is the point: the same seed gives the same sequence on every platform and
// standard library, which std::uniform_int_distribution does not promise. The simulator and
// the Raft core draw every random choice from an Rng they were handed; nothing in keel's
// protocol code reads global randomness.
// Not thread-safe: each owner has its own.
#pragma once

#include <array>
#include <cstdint>

namespace keel::base {

class Rng {
public:
    explicit Rng(uint64_t seed);

    // A uniformly distributed 64-bit value.
    uint64_t Next();

    // A uniform value in [0, n). Precondition: n > 0. Unbiased (Lemire's method).
    uint64_t Uniform(uint64_t n);

    // A uniform value in [lo, hi]. Precondition: lo <= hi.
    uint64_t Range(uint64_t lo, uint64_t hi);

    // True with probability numerator / denominator. Precondition: denominator > 0.
    bool Chance(uint64_t numerator, uint64_t denominator);

    // A uniform double in [0, 1).
    double Fraction();

    // A new generator whose stream is independent of this one's (for sub-components).
    Rng Fork();

private:
    std::array<uint64_t, 4> s_;
};

}  // namespace keel::base
