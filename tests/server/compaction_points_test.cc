#include "server/compaction_points.h"

#include <gtest/gtest.h>

namespace keel::server {
namespace {

raft::ConfState Voters(std::initializer_list<uint64_t> ids) {
    raft::ConfState conf;
    for (const uint64_t id : ids) {
        conf.voters.push_back(NodeId(id));
    }
    return conf;
}

TEST(CompactionPoints, TakesTheNewestPointAtOrBelowWithItsTermAndConfiguration) {
    CompactionPoints points(10);
    for (uint64_t i = 1; i <= 35; ++i) {
        // The term changes at 15 and the configuration at 25.
        points.OnApplied(Index(i), Term(i < 15 ? 1 : 2), i < 25 ? Voters({1, 2, 3}) : Voters({1}));
    }
    EXPECT_EQ(points.size(), 3U);  // 10, 20, 30
    EXPECT_FALSE(points.TakeAtOrBelow(Index(9)).has_value());
    const auto cut = points.TakeAtOrBelow(Index(29));
    ASSERT_TRUE(cut.has_value());
    EXPECT_EQ(cut->index, Index(20));
    EXPECT_EQ(cut->term, Term(2));
    EXPECT_EQ(cut->conf_state, Voters({1, 2, 3}));
    // 10 and 20 are gone; a cut never moves backwards.
    EXPECT_FALSE(points.TakeAtOrBelow(Index(20)).has_value());
    const auto next = points.TakeAtOrBelow(Index(100));
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->index, Index(30));
    EXPECT_EQ(next->conf_state, Voters({1}));
    EXPECT_EQ(points.size(), 0U);
}

TEST(CompactionPoints, StaysBounded) {
    CompactionPoints points(1);
    for (uint64_t i = 1; i <= kCompactionPointsMax + 100; ++i) {
        points.OnApplied(Index(i), Term(1), Voters({1}));
    }
    EXPECT_EQ(points.size(), kCompactionPointsMax);
    EXPECT_FALSE(points.TakeAtOrBelow(Index(100)).has_value());  // the oldest were dropped
}

TEST(CompactionPoints, ClearForgetsTheReplacedLog) {
    CompactionPoints points(1);
    points.OnApplied(Index(5), Term(1), Voters({1}));
    points.Clear();
    EXPECT_FALSE(points.TakeAtOrBelow(Index(10)).has_value());
    points.OnApplied(Index(3), Term(2), Voters({1}));  // indexes restart after an install
    EXPECT_EQ(points.TakeAtOrBelow(Index(10))->term, Term(2));
}

}  // namespace
}  // namespace keel::server
