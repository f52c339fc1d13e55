// The leader's (and candidate's) view of the group: the current configuration, a Progress per
// member and the votes of the election in progress.
//
// Owned by the Raft core; single-threaded.
// Invariant: the members with a Progress are exactly AllMembers(config).
// Invariant: a Progress is marked learner iff its node is not a voter of either half.
#pragma once

#include <map>
#include <vector>

#include <absl/functional/function_ref.h>

#include "raft/progress.h"
#include "raft/quorum.h"
#include "raft/types.h"

namespace keel::raft {

class ProgressTracker {
public:
    ProgressTracker(size_t inflight_msgs_max, size_t inflight_bytes_max);

    // Switches to `conf` (which must pass ValidateConfState). Members that stay keep their
    // progress; new members start probing at `next`.
    void SetConf(const ConfState& conf, Index next);

    // Every member gets a fresh probe progress at `next` (a new leader's view, Figure 2).
    void ResetAll(Index next);

    const ConfState& conf() const { return conf_; }

    bool IsVoter(NodeId id) const;
    // The voters of both halves, sorted, without duplicates.
    std::vector<NodeId> Voters() const;

    Progress* Get(NodeId id);
    const Progress* Get(NodeId id) const;

    const std::map<NodeId, Progress>& progress() const { return progress_; }

    void ForEach(absl::FunctionRef<void(NodeId, Progress&)> fn);

    // The largest index replicated on a quorum of voters (joint quorum during C_old,new).
    Index Committed() const;

    // True if a quorum of voters was recently active (check-quorum, §6.2).
    bool QuorumActive() const;

    void ResetVotes() { votes_.clear(); }

    void RecordVote(NodeId id, bool granted);
    VoteResult TallyVotes() const;

    const std::map<NodeId, bool>& votes() const { return votes_; }

    void CheckInvariants(CheckDepth depth) const;

private:
    size_t inflight_msgs_max_;
    size_t inflight_bytes_max_;
    ConfState conf_;
    std::map<NodeId, Progress> progress_;
    std::map<NodeId, bool> votes_;
};

}  // namespace keel::raft
