// StateMachineSafetyChecker: no two nodes apply different entries at the same index (Raft
// paper, Figure 3, "State Machine Safety", §5.4.3).
//
// Every apply reports the entry and the node's hash chain after it; the first report at each
// index becomes the reference. An installed snapshot reports its index and chain, which must
// match the reference there. Because the chain covers every earlier entry, one comparison
// per index checks the whole applied history.
//
// Owned by the cluster harness; single-threaded.
//
// Invariant: reference_[i] is the (term, chain) of the first apply observed at index i.
#pragma once

#include <map>

#include "raft/types.h"
#include "sim/violation.h"

namespace keel::sim {

class StateMachineSafetyChecker {
public:
    explicit StateMachineSafetyChecker(ViolationLog* log) : log_(log) {}

    // `node` applied `entry`; its chain is now `chain`.
    void ObserveApply(NodeId node, const raft::Entry& entry, uint64_t chain);

    // `node` replaced its state with a snapshot at `index` whose chain is `chain`.
    void ObserveSnapshot(NodeId node, Index index, uint64_t chain);

    Index highest_applied() const {
        return reference_.empty() ? Index::None() : reference_.rbegin()->first;
    }

private:
    struct Applied {
        Term term;
        uint64_t chain = 0;
    };

    ViolationLog* log_;
    std::map<Index, Applied> reference_;
};

}  // namespace keel::sim
