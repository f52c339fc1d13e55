// DurabilityChecker: no acknowledged client proposal is lost or applied twice.
//
// A proposal is acknowledged once any node applies it: a real server would have answered the
// client then. From that moment its payload must stay at that index for every node that ever
// applies the index, no payload may be applied at two indexes, and at the end of a run the
// most advanced node's state must contain every acknowledged payload (CheckFinal).
//
// Payloads are unique per run (the workload numbers them), which is what makes "lost" and
// "duplicated" observable.
//
// Owned by the cluster harness; single-threaded.
//
// Invariant: acked_ and by_index_ describe the same (payload, index) pairs.
#pragma once

#include <map>
#include <string>

#include "sim/state_machine.h"
#include "sim/violation.h"

namespace keel::sim {

class DurabilityChecker {
public:
    explicit DurabilityChecker(ViolationLog* log) : log_(log) {}

    // `node` applied client payload `data` at `index`.
    void ObserveApply(NodeId node, Index index, const std::string& data);

    // Every acknowledged payload must be in `state` at its index. Precondition: `state` is
    // the state of a node that applied at least up to the highest acknowledged index.
    void CheckFinal(NodeId node, const StateMachine& state);

    size_t acknowledged() const { return acked_.size(); }

    bool IsAcknowledged(const std::string& data) const { return acked_.contains(data); }

private:
    ViolationLog* log_;
    std::map<std::string, Index> acked_;
    std::map<Index, std::string> by_index_;
};

}  // namespace keel::sim
