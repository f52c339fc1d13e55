#include "sim/partition.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include "base/assert.h"

namespace keel::sim {
namespace {

std::string GroupName(const std::vector<NodeId>& group) {
    return absl::StrCat(
        "{",
        absl::StrJoin(
            group, ",", [](std::string* out, NodeId id) { absl::StrAppend(out, id.value()); }),
        "}");
}

// Blocks every link between `a` and `b`, in both directions.
void Separate(const std::vector<NodeId>& a, const std::vector<NodeId>& b, Partition* out) {
    for (NodeId x : a) {
        for (NodeId y : b) {
            out->blocked.insert({x, y});
            out->blocked.insert({y, x});
        }
    }
}

// A random permutation of `nodes` (Fisher-Yates, driven by `rng`).
std::vector<NodeId> Shuffled(std::vector<NodeId> nodes, base::Rng& rng) {
    for (size_t i = nodes.size(); i > 1; --i) {
        std::swap(nodes[i - 1], nodes[rng.Uniform(i)]);
    }
    return nodes;
}

Partition SplitInTwo(const std::vector<NodeId>& nodes, base::Rng& rng) {
    std::vector<NodeId> order = Shuffled(nodes, rng);
    const size_t minority_size =
        rng.Range(1, (order.size() - 1) / 2 == 0 ? 1 : (order.size() - 1) / 2);
    std::vector<NodeId> minority(order.begin(),
                                 order.begin() + static_cast<ptrdiff_t>(minority_size));
    std::vector<NodeId> majority(order.begin() + static_cast<ptrdiff_t>(minority_size),
                                 order.end());
    std::sort(minority.begin(), minority.end());
    std::sort(majority.begin(), majority.end());
    Partition out{.kind = PartitionKind::kMajorityMinority};
    Separate(majority, minority, &out);
    out.description = absl::StrCat(GroupName(majority), " | ", GroupName(minority));
    return out;
}

Partition Bridge(const std::vector<NodeId>& nodes, base::Rng& rng) {
    std::vector<NodeId> order = Shuffled(nodes, rng);
    const NodeId bridge = order.back();
    order.pop_back();
    const size_t half = (order.size() + 1) / 2;
    std::vector<NodeId> left(order.begin(), order.begin() + static_cast<ptrdiff_t>(half));
    std::vector<NodeId> right(order.begin() + static_cast<ptrdiff_t>(half), order.end());
    std::sort(left.begin(), left.end());
    std::sort(right.begin(), right.end());
    Partition out{.kind = PartitionKind::kBridge};
    Separate(left, right, &out);
    out.description = absl::StrCat(GroupName(left), " <-", bridge.value(), "-> ", GroupName(right));
    return out;
}

Partition OneWay(const std::vector<NodeId>& nodes, base::Rng& rng) {
    const NodeId node = nodes[rng.Uniform(nodes.size())];
    const bool deaf = rng.Chance(1, 2);
    Partition out{.kind = PartitionKind::kOneWay};
    for (NodeId other : nodes) {
        if (other == node) {
            continue;
        }
        if (deaf) {
            out.blocked.insert({other, node});
        } else {
            out.blocked.insert({node, other});
        }
    }
    out.description = absl::StrCat(node.value(), deaf ? " hears nothing" : " says nothing");
    return out;
}

Partition Isolate(const std::vector<NodeId>& nodes, NodeId leader, base::Rng& rng) {
    const NodeId node = leader.is_none() ? nodes[rng.Uniform(nodes.size())] : leader;
    std::vector<NodeId> rest;
    for (NodeId other : nodes) {
        if (other != node) {
            rest.push_back(other);
        }
    }
    Partition out{.kind = PartitionKind::kIsolatedLeader};
    Separate({node}, rest, &out);
    out.description = absl::StrCat(node.value(), " isolated");
    return out;
}

}  // namespace

const char* PartitionKindName(PartitionKind kind) {
    switch (kind) {
        case PartitionKind::kMajorityMinority:
            return "majority-minority";
        case PartitionKind::kBridge:
            return "bridge";
        case PartitionKind::kOneWay:
            return "one-way";
        case PartitionKind::kIsolatedLeader:
            return "isolated-leader";
    }
    KEEL_UNREACHABLE();
}

Partition MakePartition(PartitionKind kind,
                        const std::vector<NodeId>& nodes,
                        NodeId leader,
                        base::Rng& rng) {
    KEEL_ASSERT(nodes.size() >= 2);
    switch (kind) {
        case PartitionKind::kMajorityMinority:
            return SplitInTwo(nodes, rng);
        case PartitionKind::kBridge:
            return Bridge(nodes, rng);
        case PartitionKind::kOneWay:
            return OneWay(nodes, rng);
        case PartitionKind::kIsolatedLeader:
            return Isolate(nodes, leader, rng);
    }
    KEEL_UNREACHABLE();
}

}  // namespace keel::sim
