// ElectionSafetyChecker: at most one leader per term (Raft paper, Figure 3, "Election Safety").
//
// The harness reports every node it sees in the leader role, after every step. The checker
// remembers the first leader of each term for the whole run, across crashes, so a node that
// forgets its vote and wins a second election in the same term is caught.
//
// Owned by the cluster harness; single-threaded.
//
// Invariant: leaders_ maps each term to the first node seen leading it.
#pragma once

#include <map>

#include "base/ids.h"
#include "sim/violation.h"

namespace keel::sim {

class ElectionSafetyChecker {
public:
    explicit ElectionSafetyChecker(ViolationLog* log) : log_(log) {}

    // `node` is a leader in `term` now.
    void ObserveLeader(NodeId node, Term term);

    size_t terms_with_leader() const { return leaders_.size(); }

private:
    ViolationLog* log_;
    std::map<Term, NodeId> leaders_;
};

}  // namespace keel::sim
