// ReadIndexChecker: a read index is linearizable (dissertation §6.4). A ReadState answering a
// request must carry an index at or above every index committed before the request was made,
// so that a read served at it observes every write acknowledged before the read began.
//
// "Committed before the request" is the highest commit index any node had reported when the
// harness issued the request: a lower bound of what was truly committed, so the check never
// flags a correct answer.
//
// Owned by the cluster harness; single-threaded.
//
// Invariant: every answered context was requested (floors_ holds it).
#pragma once

#include <map>
#include <string>

#include "raft/raw_node.h"
#include "sim/violation.h"

namespace keel::sim {

class ReadIndexChecker {
public:
    explicit ReadIndexChecker(ViolationLog* log) : log_(log) {}

    // A read with `context` was requested while `committed` was the highest known commit.
    void ObserveRequest(const std::string& context, Index committed);

    // `node` confirmed a read.
    void ObserveReadState(NodeId node, const raft::ReadState& read);

    size_t reads_confirmed() const { return confirmed_; }

private:
    ViolationLog* log_;
    std::map<std::string, Index> floors_;
    size_t confirmed_ = 0;
};

}  // namespace keel::sim
