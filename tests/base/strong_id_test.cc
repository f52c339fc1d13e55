#include "base/strong_id.h"

#include <gtest/gtest.h>

#include <type_traits>

#include "base/ids.h"

namespace keel {
namespace {

TEST(StrongId, DistinctTypesDoNotConvert) {
    static_assert(!std::is_convertible_v<Term, Index>);
    static_assert(!std::is_convertible_v<uint64_t, NodeId>);
    static_assert(!std::is_convertible_v<NodeId, LeaseId>);
    static_assert(std::is_trivially_copyable_v<Index>);
    static_assert(sizeof(Index) == sizeof(uint64_t));
}

TEST(StrongId, ZeroMeansNone) {
    EXPECT_TRUE(NodeId().is_none());
    EXPECT_TRUE(Index::None().is_none());
    EXPECT_FALSE(NodeId(3).is_none());
    EXPECT_EQ(NodeId(3), NodeId(3));
    EXPECT_LT(NodeId(2), NodeId(3));
}

TEST(StrongCounter, Arithmetic) {
    Index i(5);
    EXPECT_EQ(i + 2, Index(7));
    EXPECT_EQ(i - 2, Index(3));
    EXPECT_EQ(Index(9) - Index(4), 5u);
    EXPECT_EQ(i.Next(), Index(6));
    EXPECT_EQ(i.Prev(), Index(4));
    ++i;
    EXPECT_EQ(i, Index(6));
}

TEST(StrongCounterDeathTest, UnderflowIsABug) {
    EXPECT_DEATH((void)(Index(1) - 2), "counter underflow");
    EXPECT_DEATH((void)(Index(1) - Index(2)), "counter underflow");
}

}  // namespace
}  // namespace keel
