#include "base/rng.h"

#include "base/assert.h"

namespace keel::base {
namespace {

uint64_t SplitMix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(uint64_t seed) {
    uint64_t state = seed;
    for (uint64_t& word : s_) {
        word = SplitMix64(state);
    }
}

uint64_t Rng::Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
}

uint64_t Rng::Uniform(uint64_t n) {
    KEEL_ASSERT(n > 0);
    // Lemire, "Fast Random Integer Generation in an Interval" (2019).
    __uint128_t m = static_cast<__uint128_t>(Next()) * n;
    auto low = static_cast<uint64_t>(m);
    if (low < n) {
        const uint64_t threshold = -n % n;
        while (low < threshold) {
            m = static_cast<__uint128_t>(Next()) * n;
            low = static_cast<uint64_t>(m);
        }
    }
    return static_cast<uint64_t>(m >> 64);
}

uint64_t Rng::Range(uint64_t lo, uint64_t hi) {
    KEEL_ASSERT(lo <= hi);
    if (lo == 0 && hi == UINT64_MAX) {
        return Next();
    }
    return lo + Uniform(hi - lo + 1);
}

bool Rng::Chance(uint64_t numerator, uint64_t denominator) {
    KEEL_ASSERT(denominator > 0);
    return Uniform(denominator) < numerator;
}

double Rng::Fraction() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

Rng Rng::Fork() { return Rng(Next()); }

}  // namespace keel::base
