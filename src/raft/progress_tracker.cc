#include "raft/progress_tracker.h"

#include <algorithm>

#include "base/assert.h"
#include "raft/conf_change.h"

namespace keel::raft {

ProgressTracker::ProgressTracker(size_t inflight_msgs_max, size_t inflight_bytes_max)
    : inflight_msgs_max_(inflight_msgs_max), inflight_bytes_max_(inflight_bytes_max) {}

void ProgressTracker::SetConf(const ConfState& conf, Index next) {
    // A node that joins an existing group may start with no configuration at all.
    if (conf != ConfState{}) {
        KEEL_ASSERT(ValidateConfState(conf).ok());
    }
    conf_ = conf;
    std::map<NodeId, Progress> updated;
    for (NodeId id : AllMembers(conf_)) {
        const bool is_learner = !raft::IsVoter(conf_, id);
        auto it = progress_.find(id);
        if (it != progress_.end()) {
            it->second.set_is_learner(is_learner);
            updated.emplace(id, it->second);
        } else {
            updated.emplace(id,
                            Progress(next, inflight_msgs_max_, inflight_bytes_max_, is_learner));
        }
    }
    progress_ = std::move(updated);
    // Votes of nodes that left no longer count.
    std::erase_if(votes_, [&](const auto& vote) { return !progress_.contains(vote.first); });
}

void ProgressTracker::ResetAll(Index next) {
    for (auto& [id, pr] : progress_) {
        pr = Progress(next, inflight_msgs_max_, inflight_bytes_max_, pr.is_learner());
    }
}

bool ProgressTracker::IsVoter(NodeId id) const {
    return raft::IsVoter(conf_, id);
}

std::vector<NodeId> ProgressTracker::Voters() const {
    std::vector<NodeId> voters = conf_.voters;
    voters.insert(voters.end(), conf_.voters_outgoing.begin(), conf_.voters_outgoing.end());
    std::sort(voters.begin(), voters.end());
    voters.erase(std::unique(voters.begin(), voters.end()), voters.end());
    return voters;
}

Progress* ProgressTracker::Get(NodeId id) {
    auto it = progress_.find(id);
    return it == progress_.end() ? nullptr : &it->second;
}

const Progress* ProgressTracker::Get(NodeId id) const {
    auto it = progress_.find(id);
    return it == progress_.end() ? nullptr : &it->second;
}

void ProgressTracker::ForEach(absl::FunctionRef<void(NodeId, Progress&)> fn) {
    for (auto& [id, pr] : progress_) {
        fn(id, pr);
    }
}

Index ProgressTracker::Committed() const {
    return JointCommittedIndex({.incoming = conf_.voters, .outgoing = conf_.voters_outgoing},
                               [&](NodeId id) -> std::optional<Index> {
                                   const Progress* pr = Get(id);
                                   if (pr == nullptr) {
                                       return std::nullopt;
                                   }
                                   return pr->match();
                               });
}

bool ProgressTracker::QuorumActive() const {
    std::map<NodeId, bool> active;
    for (const auto& [id, pr] : progress_) {
        if (!pr.is_learner()) {
            active[id] = pr.recent_active();
        }
    }
    return JointVoteResult({.incoming = conf_.voters, .outgoing = conf_.voters_outgoing}, active)
           == VoteResult::kWon;
}

void ProgressTracker::RecordVote(NodeId id, bool granted) {
    // The first answer counts: a duplicate or reordered response never flips a vote.
    votes_.try_emplace(id, granted);
}

VoteResult ProgressTracker::TallyVotes() const {
    return JointVoteResult({.incoming = conf_.voters, .outgoing = conf_.voters_outgoing}, votes_);
}

void ProgressTracker::CheckInvariants(CheckDepth depth) const {
    const std::vector<NodeId> members = AllMembers(conf_);
    KEEL_ASSERT(members.size() == progress_.size());
    for (NodeId id : members) {
        const Progress* pr = Get(id);
        KEEL_ASSERT_MSG(pr != nullptr, "member %d has no progress", id.value());
        KEEL_ASSERT(pr->is_learner() == !raft::IsVoter(conf_, id));
        pr->CheckInvariants(depth);
    }
}

}  // namespace keel::raft
