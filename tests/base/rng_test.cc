#include "base/rng.h"

#include <gtest/gtest.h>

#include <array>

namespace keel::base {
namespace {

TEST(Rng, SameSeedSameSequence) {
    Rng a(42);
    Rng b(42);
    for (int i = 0; i < 1000; ++i) {
        ASSERT_EQ(a.Next(), b.Next());
    }
}

TEST(Rng, DifferentSeedsDiffer) {
    Rng a(1);
    Rng b(2);
    int same = 0;
    for (int i = 0; i < 100; ++i) {
        same += a.Next() == b.Next() ? 1 : 0;
    }
    EXPECT_EQ(same, 0);
}

TEST(Rng, KnownFirstValueIsStableAcrossPlatforms) {
    // Pinning the stream: a change here silently changes every simulator seed's trace.
    Rng rng(0);
    const uint64_t first = rng.Next();
    Rng again(0);
    EXPECT_EQ(first, again.Next());
    EXPECT_EQ(first, 0x99ec5f36cb75f2b4ULL);
}

TEST(Rng, UniformStaysInRangeAndCoversIt) {
    Rng rng(7);
    std::array<int, 6> counts{};
    for (int i = 0; i < 6000; ++i) {
        const uint64_t v = rng.Uniform(6);
        ASSERT_LT(v, 6u);
        ++counts[v];
    }
    for (int c : counts) {
        EXPECT_GT(c, 800);
        EXPECT_LT(c, 1200);
    }
}

TEST(Rng, RangeIsInclusive) {
    Rng rng(9);
    bool saw_lo = false;
    bool saw_hi = false;
    for (int i = 0; i < 1000; ++i) {
        const uint64_t v = rng.Range(10, 12);
        ASSERT_GE(v, 10u);
        ASSERT_LE(v, 12u);
        saw_lo |= v == 10;
        saw_hi |= v == 12;
    }
    EXPECT_TRUE(saw_lo);
    EXPECT_TRUE(saw_hi);
}

TEST(Rng, FractionInUnitInterval) {
    Rng rng(11);
    for (int i = 0; i < 1000; ++i) {
        const double f = rng.Fraction();
        ASSERT_GE(f, 0.0);
        ASSERT_LT(f, 1.0);
    }
}

}  // namespace
}  // namespace keel::base
