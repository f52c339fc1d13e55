// SessionClients: simulated clients of keel's exactly-once sessions (issue #5,
// docs/sessions.md), behaving as a real client must.
//
// Each client registers a session (a log entry; its index is the session id), then issues
// requests with seq 1, 2, 3... (a few in flight at once), each appending to one of a few
// shared keys. A request unanswered after the client's timeout is retransmitted with the same
// seq, to the leader or to any node, carrying ack = the lowest seq not yet answered; at once
// (at the client's next timer) when the node refused it (not the leader and no hint to
// follow) or crashed, as a broken connection or an error reply tells a real client. Requests
// and replies travel over the seed's lossy network: lost, duplicated (the request is then
// proposed twice) and delayed. A client that learns its session expired (it paused longer
// than its TTL) abandons its unanswered requests (their outcome is unknown: they may have
// executed) and registers a new session; it never resends them in the new one. Every reply
// received goes to the session checker.
//
// Owned by the simulator; single-threaded; draws only from its own Rng.
//
// Invariant: a client's outstanding seqs are all >= its ack and < its next seq.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/rng.h"
#include "sim/cluster.h"
#include "sim/session_state.h"
#include "sim/swarm_options.h"

namespace keel::sim {

struct SessionClientStats {
    uint64_t clients = 0;
    uint64_t registrations_sent = 0;  // registration proposals, retransmissions included
    uint64_t sessions_opened = 0;     // sessions a client adopted
    uint64_t sessions_expired = 0;    // sessions a client learned had expired
    uint64_t requests = 0;            // distinct requests issued
    uint64_t sends = 0;               // request proposals, retransmissions included
    uint64_t retransmissions = 0;     // sends of a request after its first
    uint64_t answered = 0;            // requests whose first answer arrived
    uint64_t abandoned = 0;           // unanswered requests of an expired session
    uint64_t replies_lost = 0;        // replies the network dropped
};

class SessionClients {
public:
    SessionClients(const SwarmOptions& swarm, Cluster* cluster, base::Rng rng);

    // Delivers due replies, then lets every client act (register, retransmit, issue), and
    // schedules the next timer.
    void OnTimer();

    // A node answers a client: the reply crosses the lossy network to arrive at a later timer.
    void Reply(const SessionOutcome& reply);

    // Stops the clients (the liveness phase).
    void Calm() { calm_ = true; }

    const SessionClientStats& stats() const { return stats_; }

private:
    struct Request {
        std::string key;
        uint64_t last_sent_us = 0;
        NodeId sent_to;        // the node that took the last send, if it took it
        bool refused = false;  // the last send was refused: retransmit at once
    };

    // What the client learns from one transmission.
    struct Sent {
        NodeId taken_by;       // the node that accepted the proposal (none if lost or refused)
        bool refused = false;  // every node it reached refused it (not leader, flow control)
    };

    struct Client {
        uint64_t id = 0;
        int64_t ttl_ms = 0;
        uint64_t timeout_us = 0;
        size_t window = 1;
        uint64_t session = 0;  // 0 while registering
        uint64_t round_first_attempt = 0;
        uint64_t next_attempt = 1;
        uint64_t register_sent_us = 0;
        bool registering = false;
        bool register_refused = false;
        uint64_t next_seq = 1;
        std::map<uint64_t, Request> outstanding;
        uint64_t paused_until_us = 0;
    };

    struct InFlightReply {
        uint64_t arrival_us;
        uint64_t order;
        SessionOutcome reply;
    };

    void Act(Client& c);
    void Receive(const SessionOutcome& reply);
    void StartRegistration(Client& c);
    void SendRegistration(Client& c);
    void Send(Client& c, uint64_t seq, Request& request);
    // Proposes over the lossy client link: maybe lost, maybe twice.
    Sent Transmit(const SessionCommand& command);
    // One copy to `node`, following a refusing node's leader hint once.
    Sent ProposeTo(NodeId node, const SessionCommand& command);
    NodeId Target();
    uint64_t Ack(const Client& c) const;

    const SwarmOptions& swarm_;
    Cluster* cluster_;
    base::Rng rng_;
    bool calm_ = false;
    std::vector<Client> clients_;
    std::vector<InFlightReply> inbox_;
    uint64_t reply_order_ = 0;
    SessionClientStats stats_;
};

}  // namespace keel::sim
