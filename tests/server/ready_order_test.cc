// MaySendBeforePersist: only a steady leader's messages may leave before its write is durable.
#include <gtest/gtest.h>

#include "server/ready_order.h"

namespace keel::server {
namespace {

raft::Ready ReadyWithAppend() {
    raft::Ready ready;
    ready.entries.push_back(raft::Entry{.term = Term(2), .index = Index(5)});
    ready.messages.push_back(raft::Message{});
    ready.must_sync = true;
    return ready;
}

TEST(ReadyOrder, ASteadyLeaderSendsWhileItWrites) {
    raft::Ready ready = ReadyWithAppend();
    ready.hard_state = raft::HardState{.term = Term(2), .commit = Index(4)};
    EXPECT_TRUE(MaySendBeforePersist(raft::Role::kLeader, ready));
}

TEST(ReadyOrder, ANewLeaderWaitsForItsFirstReadyToBeDurable) {
    raft::Ready ready = ReadyWithAppend();
    ready.soft_state = raft::SoftState{.leader = NodeId(1), .role = raft::Role::kLeader};
    EXPECT_FALSE(MaySendBeforePersist(raft::Role::kLeader, ready));
}

TEST(ReadyOrder, FollowersAndCandidatesSendOnlyWhatIsDurable) {
    const raft::Ready ready = ReadyWithAppend();
    EXPECT_FALSE(MaySendBeforePersist(raft::Role::kFollower, ready));
    EXPECT_FALSE(MaySendBeforePersist(raft::Role::kPreCandidate, ready));
    EXPECT_FALSE(MaySendBeforePersist(raft::Role::kCandidate, ready));
}

}  // namespace
}  // namespace keel::server
