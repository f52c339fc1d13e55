// SessionChecker: client sessions give exactly-once execution (issue #5).
//
// Properties, checked as entries apply and replies arrive, and on the final state:
//   session-exactly-once  no (session, seq) executes at two log indexes on any replica, and
//                         no final state holds it twice in its execution logs;
//   session-reply         a reply a client receives for (session, seq) equals the answer of
//                         its first execution (a retransmission is answered from the cache);
//   session-lost          every request whose reply a client received is in the final state
//                         exactly once, at the position its reply names;
//   session-determinism   every replica's outcome at an index is the same (apply reads time
//                         only from the entry, never from the node).
// A node re-applying its log after a restart executes at the same indexes: not a violation.
//
// Owned by the cluster harness; single-threaded.
//
// Invariant: every acknowledged (session, seq) is also in executions_.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "sim/session_state.h"
#include "sim/state_machine.h"
#include "sim/violation.h"

namespace keel::sim {

struct SessionCheckerStats {
    uint64_t registrations = 0;  // sessions opened (registration entries)
    uint64_t executed = 0;       // requests executed (distinct indexes)
    uint64_t replayed = 0;       // retransmissions answered from the table (duplicates suppressed)
    uint64_t rejected = 0;       // error answers (expired or unknown session, ...)
    uint64_t replies = 0;        // replies clients received, duplicates included
    uint64_t acknowledged = 0;   // distinct requests whose reply a client received
};

class SessionChecker {
public:
    explicit SessionChecker(ViolationLog* log) : log_(log) {}

    // `node` applied a session entry.
    void ObserveApply(NodeId node, const SessionOutcome& outcome);

    // A client received `reply` (what the origin node answered when it applied the entry).
    void ObserveReply(const SessionOutcome& reply);

    // Every acknowledged request is in `state` exactly once, where its reply says. Precondition:
    // `state` is the state of a node that applied every acknowledged entry.
    void CheckFinal(NodeId node, const StateMachine& state);

    const SessionCheckerStats& stats() const { return stats_; }

private:
    using RequestId = std::pair<uint64_t, uint64_t>;  // (session, seq)

    struct FirstExecution {
        Index index;
        std::string reply;
    };

    struct AppliedOutcome {
        SessionOutcome::Kind kind;
        int code;
        std::string reply;
        uint64_t session;
    };

    ViolationLog* log_;
    std::map<Index, AppliedOutcome> applied_;
    std::map<RequestId, FirstExecution> executions_;
    std::map<RequestId, std::string> acknowledged_;
    SessionCheckerStats stats_;
};

}  // namespace keel::sim
