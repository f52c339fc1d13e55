#include "server/cluster_config.h"

#include <gtest/gtest.h>

namespace keel::server {
namespace {

TEST(ClusterConfig, ParsesMembersSortedByNameWithStableIds) {
    const auto config =
        ParseInitialCluster("b=http://127.0.0.1:2480, a=http://127.0.0.1:2380,c=127.0.0.1:2580");
    ASSERT_TRUE(config.ok()) << config.status();
    ASSERT_EQ(config->members.size(), 3u);
    EXPECT_EQ(config->members[0].name, "a");
    EXPECT_EQ(config->members[0].peer_address, "127.0.0.1:2380");
    EXPECT_EQ(config->members[2].peer_address, "127.0.0.1:2580");
    EXPECT_EQ(config->members[1].id, MemberIdFromName("b"));
    EXPECT_NE(config->members[0].id, config->members[1].id);
    EXPECT_EQ(config->InitialConfState().voters.size(), 3u);
}

TEST(ClusterConfig, ClusterIdDependsOnMembershipNotOrder) {
    const auto one = ParseInitialCluster("a=http://127.0.0.1:1,b=http://127.0.0.1:2");
    const auto two = ParseInitialCluster("b=http://127.0.0.1:2,a=http://127.0.0.1:1");
    const auto other = ParseInitialCluster("a=http://127.0.0.1:1,b=http://127.0.0.1:3");
    ASSERT_TRUE(one.ok() && two.ok() && other.ok());
    EXPECT_EQ(one->cluster_id, two->cluster_id);
    EXPECT_NE(one->cluster_id, other->cluster_id);
}

TEST(ClusterConfig, StableHashIsFnv1a) {
    // Published FNV-1a 64 test vectors: ids must never change between builds.
    EXPECT_EQ(StableHash64(""), 0xcbf29ce484222325ULL);
    EXPECT_EQ(StableHash64("a"), 0xaf63dc4c8601ec8cULL);
}

TEST(ClusterConfig, RejectsMalformedLists) {
    EXPECT_FALSE(ParseInitialCluster("").ok());
    EXPECT_FALSE(ParseInitialCluster("a").ok());
    EXPECT_FALSE(ParseInitialCluster("=http://127.0.0.1:1").ok());
    EXPECT_FALSE(ParseInitialCluster("a=http://127.0.0.1:1,a=http://127.0.0.1:2").ok());
    EXPECT_FALSE(ParseInitialCluster("a=https://127.0.0.1:1").ok());
    EXPECT_FALSE(ParseInitialCluster("a=http://127.0.0.1").ok());
    EXPECT_FALSE(ParseInitialCluster("a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8").ok());
}

TEST(ClusterConfig, AddressFromUrlStripsTheScheme) {
    EXPECT_EQ(*AddressFromUrl("http://127.0.0.1:2379"), "127.0.0.1:2379");
    EXPECT_EQ(*AddressFromUrl("http://localhost:2379/"), "localhost:2379");
    EXPECT_EQ(*AddressFromUrl("127.0.0.1:2379"), "127.0.0.1:2379");
    EXPECT_FALSE(AddressFromUrl("unix://x:1").ok());
    EXPECT_FALSE(AddressFromUrl("http://h:0").ok());
    EXPECT_FALSE(AddressFromUrl("http://h:70000").ok());
    const auto list = AddressesFromUrls("http://127.0.0.1:1, http://127.0.0.1:2");
    ASSERT_TRUE(list.ok());
    EXPECT_EQ(list->size(), 2u);
}

}  // namespace
}  // namespace keel::server
