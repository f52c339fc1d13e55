// Workload: the clients and operators of a simulated cluster. On each of its timers it issues
// one operation, chosen by the seed's swarm options: a client proposal with a unique payload
// (most of the time), a ReadIndex read, a membership change (add or remove voters, add
// learners, promote or demote, joint changes), a leadership transfer, or an application
// snapshot (log compaction). Operations go to the current leader and sometimes to a random
// node, so the not-leader and forwarding paths run too.
//
// Owned by the simulator; single-threaded; draws only from its own Rng.
//
// Invariant: every payload it proposes is distinct within a run.
#pragma once

#include <cstdint>
#include <string>

#include "base/rng.h"
#include "sim/cluster.h"
#include "sim/swarm_options.h"

namespace keel::sim {

class Workload {
public:
    Workload(const SwarmOptions& swarm, Cluster* cluster, base::Rng rng);

    // Issues one operation and schedules the next timer.
    void OnTimer();

    // Stops issuing operations: in the liveness phase only its probe proposes, so that
    // progress is measured on a cluster that is not kept saturated.
    void Calm() { calm_ = true; }

private:
    enum class Op : uint8_t {
        kPropose,
        kRead,
        kMembership,
        kTransfer,
        kCompact
    };

    void ProposeTo(NodeId node);
    Op ChooseOp();
    NodeId Target();
    NodeId RandomNode();
    void ChangeMembership();
    raft::ConfChange NextConfChange(const raft::ConfState& conf);

    const SwarmOptions& swarm_;
    Cluster* cluster_;
    base::Rng rng_;
    bool calm_ = false;
    uint64_t payload_sequence_ = 0;
};

}  // namespace keel::sim
