#include "raft/quorum.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>

#include "base/assert.h"

namespace keel::raft {

const char* VoteResultName(VoteResult result) {
    switch (result) {
        case VoteResult::kPending:
            return "pending";
        case VoteResult::kLost:
            return "lost";
        case VoteResult::kWon:
            return "won";
    }
    return "unknown";
}

Index MajorityCommittedIndex(const std::vector<NodeId>& voters, AckedIndexFn acked) {
    if (voters.empty()) {
        return Index(std::numeric_limits<uint64_t>::max());
    }
    std::vector<Index> matches;
    matches.reserve(voters.size());
    for (NodeId id : voters) {
        matches.push_back(acked(id).value_or(Index::None()));
    }
    // Sorted descending, the (n/2 + 1)-th largest index is held by a majority.
    std::sort(matches.begin(), matches.end(), std::greater<>());
    const size_t quorum = voters.size() / 2 + 1;
    return matches[quorum - 1];
}

VoteResult MajorityVoteResult(const std::vector<NodeId>& voters,
                              const std::map<NodeId, bool>& votes) {
    if (voters.empty()) {
        return VoteResult::kWon;
    }
    size_t granted = 0;
    size_t rejected = 0;
    for (NodeId id : voters) {
        auto it = votes.find(id);
        if (it == votes.end()) {
            continue;
        }
        (it->second ? granted : rejected)++;
    }
    const size_t quorum = voters.size() / 2 + 1;
    KEEL_ASSERT(granted + rejected <= voters.size());
    if (granted >= quorum) {
        return VoteResult::kWon;
    }
    if (rejected >= quorum) {
        return VoteResult::kLost;
    }
    return VoteResult::kPending;
}

Index JointCommittedIndex(JointVoters voters, AckedIndexFn acked) {
    return std::min(MajorityCommittedIndex(voters.incoming, acked),
                    MajorityCommittedIndex(voters.outgoing, acked));
}

VoteResult JointVoteResult(JointVoters voters, const std::map<NodeId, bool>& votes) {
    const VoteResult incoming = MajorityVoteResult(voters.incoming, votes);
    const VoteResult outgoing = MajorityVoteResult(voters.outgoing, votes);
    if (incoming == VoteResult::kLost || outgoing == VoteResult::kLost) {
        return VoteResult::kLost;
    }
    if (incoming == VoteResult::kWon && outgoing == VoteResult::kWon) {
        return VoteResult::kWon;
    }
    return VoteResult::kPending;
}

}  // namespace keel::raft
