// SessionSequence: the numbering of one session's writes (docs/sessions.md): each write gets
// the next keel-seq, kept across its retransmissions, and every attempt carries keel-ack, the
// lowest seq whose answer this client has not yet received, so the server can drop the rest.
//
// A write whose call ended without an answer (deadline, maybe semantics) is given up: it no
// longer holds keel-ack back, so the server drops its answer and refuses to execute it should
// it still arrive (OUT_OF_RANGE) -- an abandoned request can never execute later.
//
// Thread-safe (one mutex); shared by the calls of one Client.
// Invariants: 1 <= ack() <= next seq; every outstanding seq is >= ack().
#pragma once

#include <cstdint>
#include <mutex>
#include <set>

namespace keel::client {

class SessionSequence {
public:
    // Precondition: id != 0.
    explicit SessionSequence(uint64_t id);

    uint64_t id() const { return id_; }

    // Numbers a new write and marks it outstanding.
    uint64_t Begin();

    // The write `seq` is over (answered, or given up). Precondition: it is outstanding.
    void End(uint64_t seq);

    // The lowest seq not yet over: the keel-ack of the next attempt.
    uint64_t ack() const;

    // The server said the session is gone; every later write fails without being sent.
    void MarkExpired();
    bool expired() const;

private:
    const uint64_t id_;
    mutable std::mutex mu_;
    uint64_t next_seq_ = 1;           // guarded by mu_
    std::set<uint64_t> outstanding_;  // guarded by mu_
    bool expired_ = false;            // guarded by mu_
};

}  // namespace keel::client
