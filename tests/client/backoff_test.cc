#include "client/backoff.h"

#include <gtest/gtest.h>

namespace keel::client {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsExponentiallyUpToTheCapWithoutJitter) {
    Backoff backoff(
        {.initial = milliseconds(10), .max = milliseconds(100), .multiplier = 2.0, .jitter = 0.0},
        1);
    EXPECT_EQ(backoff.Next(), milliseconds(10));
    EXPECT_EQ(backoff.Next(), milliseconds(20));
    EXPECT_EQ(backoff.Next(), milliseconds(40));
    EXPECT_EQ(backoff.Next(), milliseconds(80));
    EXPECT_EQ(backoff.Next(), milliseconds(100));
    EXPECT_EQ(backoff.Next(), milliseconds(100));
    EXPECT_EQ(backoff.steps(), 6);
}

TEST(Backoff, JitterStaysWithinItsFractionOfTheBase) {
    Backoff backoff(
        {.initial = milliseconds(100), .max = milliseconds(1000), .multiplier = 2.0, .jitter = 0.5},
        7);
    int64_t base = 100;
    bool varied = false;
    for (int i = 0; i < 50; ++i) {
        const int64_t delay = backoff.Next().count();
        EXPECT_GE(delay, base / 2) << "step " << i;
        EXPECT_LE(delay, base) << "step " << i;
        varied = varied || delay != base;
        base = std::min<int64_t>(base * 2, 1000);
    }
    EXPECT_TRUE(varied);
}

TEST(Backoff, SameSeedSameDelaysOtherSeedOtherDelays) {
    const BackoffOptions options{.initial = milliseconds(50), .max = milliseconds(5000)};
    Backoff a(options, 42);
    Backoff b(options, 42);
    Backoff c(options, 43);
    bool differs = false;
    for (int i = 0; i < 10; ++i) {
        const milliseconds delay = a.Next();
        EXPECT_EQ(delay, b.Next());
        differs = differs || delay != c.Next();
    }
    EXPECT_TRUE(differs);
}

TEST(Backoff, FullJitterNeverWaitsZero) {
    Backoff backoff({.initial = milliseconds(1), .max = milliseconds(2), .jitter = 1.0}, 3);
    for (int i = 0; i < 100; ++i) {
        EXPECT_GE(backoff.Next().count(), 1);
    }
}

}  // namespace
}  // namespace keel::client
