#include "keel-bench/key_source.h"

#include <set>

#include <gtest/gtest.h>

namespace keel::bench {
namespace {

TEST(KeySource, KeysHaveKeySizeBytesAndSortInIndexOrder) {
    BenchOptions o{.key_size = 8, .key_space = 1000, .key_prefix = "k/"};
    absl::StatusOr<KeySource> keys = KeySource::Create(o, 1);
    ASSERT_TRUE(keys.ok()) << keys.status();
    EXPECT_EQ(keys->Key(0), "k/000000");
    EXPECT_EQ(keys->Key(999), "k/000999");
    EXPECT_LT(keys->Key(9), keys->Key(10));
}

TEST(KeySource, SequentialWrapsAroundTheSpace) {
    BenchOptions o{.key_size = 4, .key_space = 3, .key_order = KeyOrder::kSequential};
    absl::StatusOr<KeySource> keys = KeySource::Create(o, 0);
    ASSERT_TRUE(keys.ok());
    EXPECT_EQ(keys->NextIndex(), 0u);
    EXPECT_EQ(keys->NextIndex(), 1u);
    EXPECT_EQ(keys->NextIndex(), 2u);
    EXPECT_EQ(keys->NextIndex(), 0u);
}

TEST(KeySource, RandomStaysInTheSpaceAndCoversIt) {
    BenchOptions o{.key_size = 8, .key_space = 10, .key_order = KeyOrder::kRandom};
    absl::StatusOr<KeySource> keys = KeySource::Create(o, 7);
    ASSERT_TRUE(keys.ok());
    std::set<uint64_t> seen;
    for (int i = 0; i < 1000; ++i) {
        const uint64_t index = keys->NextIndex();
        ASSERT_LT(index, 10u);
        seen.insert(index);
    }
    EXPECT_EQ(seen.size(), 10u);
}

TEST(KeySource, RefusesAKeySizeTooSmallForTheSpace) {
    BenchOptions o{.key_size = 4, .key_space = 100000};
    EXPECT_EQ(KeySource::Create(o, 0).status().code(), absl::StatusCode::kInvalidArgument);
    o.key_space = 0;
    EXPECT_EQ(KeySource::Create(o, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PrefixRangeEnd, IncrementsTheLastByteThatCan) {
    EXPECT_EQ(PrefixRangeEnd("watch/"), "watch0");
    EXPECT_EQ(PrefixRangeEnd(std::string("a\xff", 2)), "b");
    EXPECT_EQ(PrefixRangeEnd(""), std::string(1, '\0'));
}

}  // namespace
}  // namespace keel::bench
