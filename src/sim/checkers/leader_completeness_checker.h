// LeaderCompletenessChecker: a leader's log holds every entry committed before its election
// (Raft paper, Figure 3, "Leader Completeness", §5.4).
//
// The harness calls ObserveNewLeader() in the same step in which a node became leader, so
// every commit known at that moment happened in an earlier term (only this leader can commit
// entries of its own term). The new leader's prefix hash at the highest known commit index
// must then equal the committed log's.
//
// Owned by the cluster harness; single-threaded.
#pragma once

#include "sim/checkers/commit_checker.h"
#include "sim/checkers/log_matching_checker.h"
#include "sim/violation.h"

namespace keel::sim {

class LeaderCompletenessChecker {
public:
    LeaderCompletenessChecker(ViolationLog* log,
                              const LogMatchingChecker* logs,
                              const CommitChecker* commits)
        : log_(log), logs_(logs), commits_(commits) {}

    // `node` has just become leader of `term`; its Ready's entries are already mirrored.
    void ObserveNewLeader(NodeId node, Term term);

private:
    ViolationLog* log_;
    const LogMatchingChecker* logs_;
    const CommitChecker* commits_;
};

}  // namespace keel::sim
