// CommitChecker: commit indexes only move forward, and only over the one committed log.
//
// Per node, the commit index Raft reports never decreases while the node runs, and a restart
// never recovers a commit index below the one the node had made durable (a synced hard state)
// before it crashed. Across nodes, the log prefix a node declares committed must equal the
// prefix every other node declared committed at the same index: the committed log is unique.
// The checker keeps the committed prefix hash at every commit index reported, which leader
// completeness and read linearizability read back.
//
// Owned by the cluster harness; single-threaded.
//
// Invariant: committed_ maps index -> the prefix hash of the committed log up to that index;
//            all of its entries come from logs that agree.
#pragma once

#include <map>
#include <optional>

#include "sim/checkers/log_matching_checker.h"
#include "sim/violation.h"

namespace keel::sim {

class CommitChecker {
public:
    CommitChecker(ViolationLog* log, const LogMatchingChecker* logs) : log_(log), logs_(logs) {}

    // `node` reports commit index `commit` (after the Ready's entries were appended).
    void ObserveCommit(NodeId node, Index commit);

    // `node`'s hard state with commit index `commit` reached its disk (a successful sync).
    void ObserveDurableCommit(NodeId node, Index commit);

    // `node` restarted and recovered commit index `commit`. Checks it against the durable one.
    void ObserveRestart(NodeId node, Index commit);

    // The highest commit index any node has reported, and the committed prefix hash there.
    Index committed_index() const;
    std::optional<uint64_t> CommittedHash(Index index) const;

private:
    void CheckAgainstRecords(NodeId node, Index commit, uint64_t hash);

    ViolationLog* log_;
    const LogMatchingChecker* logs_;
    std::map<NodeId, Index> running_;  // the last commit index seen in this incarnation
    std::map<NodeId, Index> durable_;
    std::map<Index, uint64_t> committed_;
};

}  // namespace keel::sim
