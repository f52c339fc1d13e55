// Partition: a set of directed links that carry no messages, with the shapes Jepsen-style
// testing names: a majority/minority split, a bridge (two halves that share one node), a
// one-way link failure around one node, and an isolated leader.
//
// A value type; the Network holds the current one. Pure: MakePartition() draws only from the
// Rng it is given.
//
// Invariant: `blocked` never contains a self-link (a node always reaches itself).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/ids.h"
#include "base/rng.h"

namespace keel::sim {

enum class PartitionKind : uint8_t {
    kMajorityMinority = 0,  // two groups, no links between them
    kBridge = 1,            // two groups plus one node that both can reach
    kOneWay = 2,            // one node can only send, or only receive
    kIsolatedLeader = 3,    // the current leader (or any node) is cut off both ways
};

inline constexpr int kPartitionKindCount = 4;

const char* PartitionKindName(PartitionKind kind);

struct Partition {
    PartitionKind kind = PartitionKind::kMajorityMinority;
    std::set<std::pair<NodeId, NodeId>> blocked;  // (from, to) links that drop everything
    std::string description;                      // for the trace, e.g. "{1,2} | {3}"

    bool Blocks(NodeId from, NodeId to) const { return blocked.contains({from, to}); }
};

// Builds a partition of `kind` over `nodes` (at least two). `leader` may be none; the
// isolated-leader shape then isolates a random node.
Partition MakePartition(PartitionKind kind,
                        const std::vector<NodeId>& nodes,
                        NodeId leader,
                        base::Rng& rng);

}  // namespace keel::sim
