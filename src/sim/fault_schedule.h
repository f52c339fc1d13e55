// FaultSchedule: the faults of a simulated run. On each of its timers it may inject or
// repair one fault, drawn from the classes the seed switched on: partition the network
// (majority/minority, bridge, one-way, isolated leader) or heal it, crash a node or restart a
// crashed one. With leader churn on, a newly elected leader may also crash within a few ticks.
// Message loss, duplication and delay are the Network's own, per message.
//
// HealAll() ends the safety phase: the network heals and calms down (no loss, no
// duplication) and every crashed node restarts, so a correct Raft must make progress.
//
// Owned by the simulator; single-threaded; draws only from its own Rng.
#pragma once

#include <cstdint>

#include "base/rng.h"
#include "sim/cluster.h"
#include "sim/swarm_options.h"

namespace keel::sim {

class FaultSchedule {
public:
    FaultSchedule(const SwarmOptions& swarm, Cluster* cluster, base::Rng rng);

    // Maybe injects or repairs one fault, then schedules the next timer (unless healed).
    void OnTimer();

    // Leader churn: crashes the leader OnNewLeader() picked if it still leads the same term,
    // and on the next timer restarts it.
    void OnChurnTimer();

    void HealAll();

    uint64_t partitions() const { return partitions_; }

private:
    void Partition();
    void CrashOrRestart();
    void OnNewLeader(NodeId id, Term term);

    const SwarmOptions& swarm_;
    Cluster* cluster_;
    base::Rng rng_;
    bool healed_ = false;
    uint64_t partitions_ = 0;
    uint64_t corrupted_ = 0;  // disks damaged so far (their nodes are quarantined)
    NodeId churn_node_;  // the leader in the churn cycle (crash pending, or restart pending)
    Term churn_term_;
    bool churn_crashed_ = false;
};

}  // namespace keel::sim
