#include "sim/workload.h"

#include <algorithm>

#include <absl/strings/str_format.h>

#include "base/assert.h"

namespace keel::sim {
namespace {

bool Contains(const std::vector<NodeId>& ids, NodeId id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

Workload::Workload(const SwarmOptions& swarm, Cluster* cluster, base::Rng rng)
    : swarm_(swarm), cluster_(cluster), rng_(rng) {
    KEEL_ASSERT(cluster_ != nullptr);
}

void Workload::OnTimer() {
    if (calm_) {
        return;
    }
    switch (ChooseOp()) {
        case Op::kPropose:
            ProposeTo(Target());
            break;
        case Op::kRead:
            cluster_->ReadIndex(Target());
            break;
        case Op::kMembership:
            ChangeMembership();
            break;
        case Op::kTransfer:
            cluster_->TransferLeadership(Target(), RandomNode());
            break;
        case Op::kCompact:
            cluster_->Compact(RandomNode());
            break;
    }
    cluster_->ScheduleTimer(rng_.Range(1, swarm_.workload_interval_max_us), TimerKind::kWorkload);
}

void Workload::ProposeTo(NodeId node) {
    (void)cluster_->Propose(node, absl::StrFormat("p%d", ++payload_sequence_));
}

// Weights per operation; a class the seed switched off gets 0.
Workload::Op Workload::ChooseOp() {
    struct Choice {
        Op op;
        uint64_t weight;
    };

    const Choice choices[] = {
        {Op::kPropose, 20},
        {Op::kRead, swarm_.reads ? 5u : 0u},
        {Op::kMembership, swarm_.membership ? 2u : 0u},
        {Op::kTransfer, swarm_.transfers ? 1u : 0u},
        {Op::kCompact, swarm_.compaction ? 3u : 0u},
    };
    uint64_t total = 0;
    for (const Choice& choice : choices) {
        total += choice.weight;
    }
    uint64_t pick = rng_.Uniform(total);
    for (const Choice& choice : choices) {
        if (pick < choice.weight) {
            return choice.op;
        }
        pick -= choice.weight;
    }
    KEEL_UNREACHABLE();
}

// Mostly the leader; one time in five a random node (not-leader replies, forwarding).
NodeId Workload::Target() {
    const NodeId leader = cluster_->Leader();
    if (leader.is_none() || rng_.Chance(1, 5)) {
        return RandomNode();
    }
    return leader;
}

NodeId Workload::RandomNode() {
    const std::vector<NodeId>& ids = cluster_->node_ids();
    return ids[rng_.Uniform(ids.size())];
}

void Workload::ChangeMembership() {
    const NodeId leader = cluster_->Leader();
    if (leader.is_none()) {
        return;
    }
    const raft::ConfChange change = NextConfChange(cluster_->conf_state(leader));
    (void)cluster_->ProposeConfChange(leader, change);
}

// A random change that keeps at least one voter: leave a joint configuration, or add,
// remove, promote or demote one node, or two at once through a joint configuration.
raft::ConfChange Workload::NextConfChange(const raft::ConfState& conf) {
    raft::ConfChange change;
    if (!conf.voters_outgoing.empty()) {
        return change;  // the request to leave the joint configuration
    }
    const int singles = rng_.Chance(1, 3) ? 2 : 1;
    size_t voters = conf.voters.size();
    for (int i = 0; i < singles; ++i) {
        const NodeId id = RandomNode();
        raft::ConfChangeSingle single{.node = id};
        if (Contains(conf.voters, id) && voters > 1 && rng_.Chance(1, 2)) {
            single.type = rng_.Chance(1, 2) ? raft::ConfChangeType::kRemoveNode
                                            : raft::ConfChangeType::kAddLearner;
            --voters;
        } else if (!Contains(conf.voters, id)) {
            single.type = rng_.Chance(2, 3) ? raft::ConfChangeType::kAddVoter
                                            : raft::ConfChangeType::kAddLearner;
        } else {
            continue;
        }
        if (std::none_of(change.changes.begin(),
                         change.changes.end(),
                         [id](const raft::ConfChangeSingle& s) { return s.node == id; })) {
            change.changes.push_back(single);
        }
    }
    static constexpr raft::ConfChangeTransition kTransitions[] = {
        raft::ConfChangeTransition::kAuto,
        raft::ConfChangeTransition::kJointImplicit,
        raft::ConfChangeTransition::kJointExplicit};
    change.transition = kTransitions[rng_.Uniform(3)];
    return change;
}

}  // namespace keel::sim
