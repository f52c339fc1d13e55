#include "sim/network.h"

#include <gtest/gtest.h>

#include "sim/partition.h"

namespace keel::sim {
namespace {

const std::vector<NodeId> kFive = {NodeId(1), NodeId(2), NodeId(3), NodeId(4), NodeId(5)};

TEST(Network, CalmNetworkDeliversOnceWithinTheDelayBounds) {
    Network network({.delay_min_us = 100, .delay_max_us = 200}, base::Rng(1));
    for (int i = 0; i < 1000; ++i) {
        const std::vector<uint64_t> delays = network.Route(NodeId(1), NodeId(2));
        ASSERT_EQ(delays.size(), 1u);
        EXPECT_GE(delays[0], 100u);
        EXPECT_LE(delays[0], 200u);
    }
    EXPECT_EQ(network.stats().dropped, 0u);
}

TEST(Network, DropsAndDuplicatesAtRoughlyTheirRates) {
    Network network({.drop_per_mille = 200, .duplicate_per_mille = 100}, base::Rng(2));
    size_t copies = 0;
    for (int i = 0; i < 10000; ++i) {
        copies += network.Route(NodeId(1), NodeId(2)).size();
    }
    EXPECT_NEAR(static_cast<double>(network.stats().dropped), 2000, 200);
    EXPECT_NEAR(static_cast<double>(network.stats().duplicated), 800, 150);
    EXPECT_EQ(copies, 10000 - network.stats().dropped + network.stats().duplicated);
}

TEST(Network, NeverDeliversToADownNode) {
    Network network({}, base::Rng(3));
    EXPECT_TRUE(network.CanDeliver(NodeId(1), NodeId(2)));
    network.SetNodeUp(NodeId(2), false);
    EXPECT_FALSE(network.CanDeliver(NodeId(1), NodeId(2)));
    EXPECT_TRUE(network.CanDeliver(NodeId(2), NodeId(1)));  // its old messages still arrive
    network.SetNodeUp(NodeId(2), true);
    EXPECT_TRUE(network.CanDeliver(NodeId(1), NodeId(2)));
}

TEST(Network, PartitionBlocksAtSendAndAtDeliveryUntilHealed) {
    Network network({}, base::Rng(4));
    base::Rng rng(5);
    network.SetPartition(MakePartition(PartitionKind::kIsolatedLeader, kFive, NodeId(3), rng));
    EXPECT_TRUE(network.Route(NodeId(3), NodeId(1)).empty());
    EXPECT_FALSE(network.CanDeliver(NodeId(1), NodeId(3)));
    EXPECT_TRUE(network.CanDeliver(NodeId(1), NodeId(2)));
    network.Heal();
    EXPECT_TRUE(network.CanDeliver(NodeId(1), NodeId(3)));
}

TEST(Partition, MajorityMinoritySplitsIntoTwoSidesWithNoLinkBetween) {
    base::Rng rng(6);
    for (int trial = 0; trial < 50; ++trial) {
        const Partition p = MakePartition(PartitionKind::kMajorityMinority, kFive, NodeId(), rng);
        // Each blocked pair is blocked both ways, and some node reaches a majority.
        for (const auto& [from, to] : p.blocked) {
            ASSERT_TRUE(p.Blocks(to, from));
            ASSERT_NE(from, to);
        }
        size_t best_reach = 0;
        for (NodeId a : kFive) {
            size_t reach = 0;
            for (NodeId b : kFive) {
                reach += p.Blocks(a, b) ? 0 : 1;
            }
            best_reach = std::max(best_reach, reach);
        }
        EXPECT_GE(best_reach, 3u);
        EXPECT_FALSE(p.blocked.empty());
    }
}

TEST(Partition, BridgeNodeReachesEveryone) {
    base::Rng rng(7);
    const Partition p = MakePartition(PartitionKind::kBridge, kFive, NodeId(), rng);
    int bridges = 0;
    for (NodeId a : kFive) {
        bool reaches_all = true;
        for (NodeId b : kFive) {
            reaches_all = reaches_all && !p.Blocks(a, b) && !p.Blocks(b, a);
        }
        bridges += reaches_all ? 1 : 0;
    }
    EXPECT_EQ(bridges, 1);
}

TEST(Partition, OneWayBlocksOnlyOneDirection) {
    base::Rng rng(8);
    const Partition p = MakePartition(PartitionKind::kOneWay, kFive, NodeId(), rng);
    ASSERT_EQ(p.blocked.size(), 4u);
    for (const auto& [from, to] : p.blocked) {
        EXPECT_FALSE(p.Blocks(to, from));
    }
}

}  // namespace
}  // namespace keel::sim
