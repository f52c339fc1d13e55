#include "raft/quorum.h"

#include <algorithm>
#include <map>

#include <gtest/gtest.h>

#include "base/rng.h"

namespace keel::raft {
namespace {

std::vector<NodeId> Ids(std::initializer_list<uint64_t> ids) {
    std::vector<NodeId> out;
    for (uint64_t id : ids) {
        out.push_back(NodeId(id));
    }
    return out;
}

// The obvious model: the largest index i such that more than half the voters have >= i.
Index ModelCommitted(const std::vector<NodeId>& voters, const std::map<NodeId, Index>& acked) {
    Index best;
    for (const auto& [id, candidate] : acked) {
        size_t count = 0;
        for (NodeId v : voters) {
            auto it = acked.find(v);
            if (it != acked.end() && it->second >= candidate) {
                ++count;
            }
        }
        if (count * 2 > voters.size()) {
            best = std::max(best, candidate);
        }
    }
    return best;
}

TEST(Quorum, MajorityCommittedIndex) {
    std::map<NodeId, Index> acked = {{NodeId(1), Index(5)}, {NodeId(2), Index(3)}};
    auto fn = [&](NodeId id) -> std::optional<Index> {
        auto it = acked.find(id);
        return it == acked.end() ? std::nullopt : std::optional<Index>(it->second);
    };
    EXPECT_EQ(MajorityCommittedIndex(Ids({1, 2, 3}), fn), Index(3));
    EXPECT_EQ(MajorityCommittedIndex(Ids({1, 2, 3, 4}), fn), Index(0));
    EXPECT_EQ(MajorityCommittedIndex(Ids({1}), fn), Index(5));
    EXPECT_GT(MajorityCommittedIndex({}, fn), Index(1000000));
    EXPECT_EQ(JointCommittedIndex({.incoming = Ids({1}), .outgoing = Ids({1, 2, 3})}, fn),
              Index(3));
    EXPECT_EQ(JointCommittedIndex({.incoming = Ids({1, 2, 3}), .outgoing = {}}, fn), Index(3));
}

TEST(Quorum, MajorityCommittedIndexMatchesModel) {
    base::Rng rng(42);
    for (int round = 0; round < 2000; ++round) {
        const size_t n = 1 + rng.Uniform(7);
        std::vector<NodeId> voters;
        std::map<NodeId, Index> acked;
        for (size_t i = 1; i <= n; ++i) {
            voters.push_back(NodeId(i));
            if (rng.Chance(3, 4)) {
                acked[NodeId(i)] = Index(rng.Uniform(10));
            }
        }
        auto fn = [&](NodeId id) -> std::optional<Index> {
            auto it = acked.find(id);
            return it == acked.end() ? std::nullopt : std::optional<Index>(it->second);
        };
        ASSERT_EQ(MajorityCommittedIndex(voters, fn), ModelCommitted(voters, acked))
            << "round " << round;
    }
}

TEST(Quorum, VoteResults) {
    const std::vector<NodeId> voters = Ids({1, 2, 3});
    EXPECT_EQ(MajorityVoteResult(voters, {}), VoteResult::kPending);
    EXPECT_EQ(MajorityVoteResult(voters, {{NodeId(1), true}}), VoteResult::kPending);
    EXPECT_EQ(MajorityVoteResult(voters, {{NodeId(1), true}, {NodeId(2), true}}), VoteResult::kWon);
    EXPECT_EQ(MajorityVoteResult(voters, {{NodeId(1), false}, {NodeId(3), false}}),
              VoteResult::kLost);
    // Votes of non-members do not count.
    EXPECT_EQ(MajorityVoteResult(voters, {{NodeId(1), true}, {NodeId(9), true}}),
              VoteResult::kPending);
    EXPECT_EQ(MajorityVoteResult({}, {}), VoteResult::kWon);
}

TEST(Quorum, JointVoteNeedsBothMajorities) {
    const std::vector<NodeId> incoming = Ids({1, 4, 5});
    const std::vector<NodeId> outgoing = Ids({1, 2, 3});
    const JointVoters joint{.incoming = incoming, .outgoing = outgoing};
    std::map<NodeId, bool> votes = {{NodeId(1), true}, {NodeId(4), true}};
    EXPECT_EQ(JointVoteResult(joint, votes), VoteResult::kPending);
    votes[NodeId(2)] = true;
    EXPECT_EQ(JointVoteResult(joint, votes), VoteResult::kWon);
    std::map<NodeId, bool> lost = {{NodeId(2), false}, {NodeId(3), false}, {NodeId(4), true}};
    EXPECT_EQ(JointVoteResult(joint, lost), VoteResult::kLost);
}

}  // namespace
}  // namespace keel::raft
