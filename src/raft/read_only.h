// Linearizable reads on the leader by ReadIndex (dissertation §6.4), batched.
//
// A request waits until the leader starts a confirmation round; the round records the commit
// index as the read index and asks every voter to acknowledge a heartbeat carrying the
// round's context. Once a quorum acknowledges, the leader was still the leader after every
// request of the round arrived, so each may be served once the state machine has applied the
// read index. Only one round is in flight at a time; requests arriving meanwhile wait for the
// next round, so one heartbeat round confirms any number of requests.
//
// Owned by the leader's Raft core; single-threaded.
// Invariant: waiting() + in-flight requests <= kPendingReadsMax.
// Invariant: a round's id is larger than every earlier round's id.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "raft/types.h"

namespace keel::raft {

struct ReadRequest {
    std::string context;
    NodeId origin;  // the node that asked: the leader itself or a forwarding follower
};

class ReadOnly {
public:
    // Queues a request for the next round. Returns false (and queues nothing) if the queue is
    // at kPendingReadsMax.
    bool Add(ReadRequest request);

    // If no round is in flight and requests are waiting, starts a round confirming them at
    // read index `committed` and returns its context; otherwise nullopt.
    std::optional<std::string> MaybeStartRound(Index committed);

    // The context of the round in flight, or empty if none. Heartbeats carry it, so a lost
    // heartbeat is retried by the next one.
    const std::string& round_context() const { return round_context_; }

    bool round_in_flight() const { return !round_context_.empty(); }

    // Records `from`'s acknowledgement of the round `context`. Returns false if the context
    // is not the round in flight (a stale or duplicate answer).
    bool RecordAck(NodeId from, std::string_view context);

    const std::map<NodeId, bool>& acks() const { return acks_; }

    // Ends the round in flight as confirmed: returns its requests and their read index.
    std::vector<ReadRequest> FinishRound(Index& read_index);

    // Removes and returns every request (the leader stepped down).
    std::vector<ReadRequest> TakeAll();

    size_t waiting() const { return waiting_.size(); }

    size_t in_flight() const { return round_requests_.size(); }

    void CheckInvariants() const;

private:
    std::vector<ReadRequest> waiting_;
    uint64_t next_round_id_ = 1;
    std::string round_context_;
    Index round_index_;
    std::vector<ReadRequest> round_requests_;
    std::map<NodeId, bool> acks_;
};

}  // namespace keel::raft
