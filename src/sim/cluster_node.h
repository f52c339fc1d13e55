// Cluster::Node: one simulated server inside the Cluster (cluster.h). Private to the
// cluster's implementation files.
#pragma once

#include <memory>

#include "raft/raw_node.h"
#include "sim/cluster.h"
#include "sim/node_storage.h"
#include "sim/state_machine.h"

namespace keel::sim {

// Invariant: raw is null exactly while the node is down.
// Invariant: state.applied_index() >= snapshot_index while the node is up.
struct Cluster::Node {
    NodeId id;
    uint64_t tick_period_us = kTickPeriodUs;
    std::unique_ptr<NodeStorage> storage;
    std::unique_ptr<raft::RawNode> raw;  // null while the node is down
    uint64_t incarnation = 0;
    StateMachine state;
    raft::ConfState conf_state;  // the membership as of state.applied_index()
    Index snapshot_index;        // the newest snapshot Raft holds (compacted or installed)
    Index written_commit;        // the commit index of the last hard state written to storage
    bool corrupted = false;      // its disk was damaged while it was down (CrashAndCorrupt)
    bool quarantined = false;    // it refused to start on a corrupt disk: down for good
};

}  // namespace keel::sim
